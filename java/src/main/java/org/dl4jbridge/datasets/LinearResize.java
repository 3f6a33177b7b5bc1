package org.dl4jbridge.datasets;

/**
 * Resizes 8-bit interleaved images to an exact size, ignoring aspect ratio, with the arithmetic of
 * OpenCV's {@code resize(..., INTER_LINEAR)} on 8-bit input, which DL4J's NativeImageLoader calls:
 * <ul>
 *   <li>source coordinate {@code (d + 0.5) * scale - 0.5} computed in float (half-pixel centres),
 *       scale = 1 / (dst / src) in double; no antialiasing when shrinking;</li>
 *   <li>weights in fixed point, {@code round(w * 2048)} with round-half-even; out-of-range
 *       neighbours are clamped to the border;</li>
 *   <li>horizontal pass into int rows, then the vertical pass as OpenCV's SIMD path does it:
 *       {@code (((r0 >> 4) * b0 >> 16) + ((r1 >> 4) * b1 >> 16) + 2) >> 2}, saturated to 0..255;</li>
 *   <li>an exact 2x shrink in both directions is a 2x2 box average {@code (a + b + c + d + 2) >> 2}
 *       (OpenCV switches INTER_LINEAR to its fast INTER_AREA path there).</li>
 * </ul>
 * Graphics2D's bilinear scaling differs (other coordinates and rounding), so it is not used.
 */
public final class LinearResize {
    private static final int COEF_BITS = 11;
    private static final int ONE = 1 << COEF_BITS;

    private LinearResize() {}

    /** Resizes {@code src} ({@code sh x sw x cn}, interleaved) into {@code dst} ({@code dh x dw x cn}). */
    public static void resize(byte[] src, int sw, int sh, byte[] dst, int dw, int dh, int cn) {
        if (sw < 1 || sh < 1 || dw < 1 || dh < 1 || cn < 1) {
            throw new IllegalArgumentException("sizes must be positive: source " + sw + "x" + sh + ", target " + dw + "x"
                    + dh + ", channels " + cn);
        }
        if (src.length < sw * sh * cn || dst.length < dw * dh * cn) {
            throw new IllegalArgumentException("buffers too small for " + sw + "x" + sh + " -> " + dw + "x" + dh + " x" + cn);
        }
        if (sw == dw && sh == dh) {
            System.arraycopy(src, 0, dst, 0, sw * sh * cn);
            return;
        }
        if (sw == 2 * dw && sh == 2 * dh) {
            halve(src, sw, dst, dw, dh, cn);
            return;
        }
        int[] xofs = new int[dw];
        short[] alpha = new short[2 * dw];
        int xmax = dw; // first column whose right neighbour lies beyond the border
        double scaleX = 1.0 / ((double) dw / sw);
        for (int dx = 0; dx < dw; dx++) {
            float fx = (float) ((dx + 0.5) * scaleX - 0.5);
            int sx = (int) Math.floor(fx);
            fx -= sx;
            if (sx < 0) {
                fx = 0;
                sx = 0;
            }
            if (sx + 1 >= sw) {
                xmax = Math.min(xmax, dx);
                if (sx >= sw - 1) {
                    fx = 0;
                    sx = sw - 1;
                }
            }
            xofs[dx] = sx;
            alpha[2 * dx] = fixed(1.f - fx);
            alpha[2 * dx + 1] = fixed(fx);
        }
        double scaleY = 1.0 / ((double) dh / sh);
        int rowLen = dw * cn;
        int[] row0 = new int[rowLen], row1 = new int[rowLen];
        int have0 = -1, have1 = -1;
        for (int dy = 0; dy < dh; dy++) {
            float fy = (float) ((dy + 0.5) * scaleY - 0.5);
            int sy = (int) Math.floor(fy);
            fy -= sy;
            int b0 = fixed(1.f - fy), b1 = fixed(fy);
            int y0 = clip(sy, sh), y1 = clip(sy + 1, sh);
            if (have0 != y0) {
                if (have1 == y0) { // reuse the previous lower row as the new upper row
                    int[] t = row0; row0 = row1; row1 = t;
                    have0 = y0;
                    have1 = -1;
                } else {
                    horizontal(src, sw, cn, y0, xofs, alpha, xmax, dw, row0);
                    have0 = y0;
                }
            }
            if (have1 != y1) {
                if (y1 == y0) System.arraycopy(row0, 0, row1, 0, rowLen);
                else horizontal(src, sw, cn, y1, xofs, alpha, xmax, dw, row1);
                have1 = y1;
            }
            int o = dy * rowLen;
            for (int i = 0; i < rowLen; i++) {
                int v = (((row0[i] >> 4) * b0 >> 16) + ((row1[i] >> 4) * b1 >> 16) + 2) >> 2;
                dst[o + i] = (byte) (v < 0 ? 0 : Math.min(v, 255));
            }
        }
    }

    private static void horizontal(byte[] src, int sw, int cn, int sy, int[] xofs, short[] alpha, int xmax, int dw, int[] out) {
        int base = sy * sw * cn;
        if (cn == 3) { // the only case images take; unrolled so the JIT keeps everything in registers
            for (int dx = 0, o = 0; dx < xmax; dx++, o += 3) {
                int s = base + xofs[dx] * 3, a0 = alpha[2 * dx], a1 = alpha[2 * dx + 1];
                out[o] = (src[s] & 0xff) * a0 + (src[s + 3] & 0xff) * a1;
                out[o + 1] = (src[s + 1] & 0xff) * a0 + (src[s + 4] & 0xff) * a1;
                out[o + 2] = (src[s + 2] & 0xff) * a0 + (src[s + 5] & 0xff) * a1;
            }
        } else {
            for (int dx = 0; dx < xmax; dx++) {
                int s = base + xofs[dx] * cn, o = dx * cn, a0 = alpha[2 * dx], a1 = alpha[2 * dx + 1];
                for (int k = 0; k < cn; k++) out[o + k] = (src[s + k] & 0xff) * a0 + (src[s + cn + k] & 0xff) * a1;
            }
        }
        for (int dx = xmax; dx < dw; dx++) { // right border: the last source column alone
            int s = base + xofs[dx] * cn, o = dx * cn;
            for (int k = 0; k < cn; k++) out[o + k] = (src[s + k] & 0xff) * ONE;
        }
    }

    private static void halve(byte[] src, int sw, byte[] dst, int dw, int dh, int cn) {
        int srcRow = sw * cn;
        for (int dy = 0; dy < dh; dy++) {
            int r0 = 2 * dy * srcRow, r1 = r0 + srcRow, o = dy * dw * cn;
            for (int dx = 0; dx < dw; dx++) {
                int s = 2 * dx * cn;
                for (int k = 0; k < cn; k++) {
                    int sum = (src[r0 + s + k] & 0xff) + (src[r0 + s + cn + k] & 0xff)
                            + (src[r1 + s + k] & 0xff) + (src[r1 + s + cn + k] & 0xff);
                    dst[o + dx * cn + k] = (byte) ((sum + 2) >> 2);
                }
            }
        }
    }

    /** float weight to 11-bit fixed point, rounding half to even as OpenCV's saturate_cast does. */
    private static short fixed(float w) {
        return (short) Math.rint(w * ONE);
    }

    private static int clip(int y, int size) {
        return y < 0 ? 0 : (y >= size ? size - 1 : y);
    }
}
