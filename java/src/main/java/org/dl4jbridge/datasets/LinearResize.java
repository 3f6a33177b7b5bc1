package org.dl4jbridge.datasets;

import java.nio.FloatBuffer;

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

    /** One output row from two horizontally resized source rows and their fixed-point weights. */
    interface RowSink {
        void row(int dy, int[] row0, int b0, int[] row1, int b1);
    }

    /** Resizes {@code src} ({@code sh x sw x cn}, interleaved) into {@code dst} ({@code dh x dw x cn}). */
    public static void resize(byte[] src, int sw, int sh, byte[] dst, int dw, int dh, int cn) {
        check(src, sw, sh, dw, dh, cn);
        if (dst.length < dw * dh * cn) {
            throw new IllegalArgumentException("target buffer too small for " + dw + "x" + dh + " x" + cn);
        }
        if (sw == dw && sh == dh) {
            System.arraycopy(src, 0, dst, 0, sw * sh * cn);
            return;
        }
        if (sw == 2 * dw && sh == 2 * dh) {
            halve(src, sw, dst, dw, dh, cn);
            return;
        }
        int rowLen = dw * cn;
        run(src, sw, sh, dw, dh, cn, (dy, row0, b0, row1, b1) -> {
            int o = dy * rowLen;
            for (int i = 0; i < rowLen; i++) dst[o + i] = (byte) blend(row0[i], b0, row1[i], b1);
        });
    }

    /**
     * Resizes 3-channel RGB into three float planes of {@code dh x dw} at {@code offset} in
     * {@code out}, in B, G, R order when {@code bgr}, else R, G, B: the values of {@link #resize}
     * without the intermediate byte image (one pass less per photo).
     */
    public static void resizeToPlanes(byte[] src, int sw, int sh, int dw, int dh, boolean bgr, FloatBuffer out, int offset) {
        check(src, sw, sh, dw, dh, 3);
        int plane = dw * dh;
        int first = bgr ? 2 : 0, last = 2 - first;
        float[] p0 = new float[dw], p1 = new float[dw], p2 = new float[dw];
        if ((sw == dw && sh == dh) || (sw == 2 * dw && sh == 2 * dh)) {
            byte[] rgb = new byte[plane * 3];
            resize(src, sw, sh, rgb, dw, dh, 3);
            for (int dy = 0; dy < dh; dy++) {
                for (int dx = 0, s = dy * dw * 3; dx < dw; dx++, s += 3) {
                    p0[dx] = rgb[s + first] & 0xff;
                    p1[dx] = rgb[s + 1] & 0xff;
                    p2[dx] = rgb[s + last] & 0xff;
                }
                putRow(out, offset, plane, dy * dw, p0, p1, p2);
            }
            return;
        }
        run(src, sw, sh, dw, dh, 3, (dy, row0, b0, row1, b1) -> {
            for (int dx = 0, i = 0; dx < dw; dx++, i += 3) {
                p0[dx] = blend(row0[i + first], b0, row1[i + first], b1);
                p1[dx] = blend(row0[i + 1], b0, row1[i + 1], b1);
                p2[dx] = blend(row0[i + last], b0, row1[i + last], b1);
            }
            putRow(out, offset, plane, dy * dw, p0, p1, p2);
        });
    }

    private static void putRow(FloatBuffer out, int offset, int plane, int at, float[] p0, float[] p1, float[] p2) {
        out.put(offset + at, p0).put(offset + plane + at, p1).put(offset + 2 * plane + at, p2);
    }

    /** OpenCV's vertical step as its SIMD path computes it; the result always lies in 0..255. */
    private static int blend(int r0, int b0, int r1, int b1) {
        return (((r0 >> 4) * b0 >> 16) + ((r1 >> 4) * b1 >> 16) + 2) >> 2;
    }

    private static void check(byte[] src, int sw, int sh, int dw, int dh, int cn) {
        if (sw < 1 || sh < 1 || dw < 1 || dh < 1 || cn < 1) {
            throw new IllegalArgumentException("sizes must be positive: source " + sw + "x" + sh + ", target " + dw + "x"
                    + dh + ", channels " + cn);
        }
        if (src.length < sw * sh * cn) {
            throw new IllegalArgumentException("source buffer holds " + src.length + " samples, " + sw + "x" + sh + " x" + cn
                    + " needs " + (sw * sh * cn));
        }
    }

    private static void run(byte[] src, int sw, int sh, int dw, int dh, int cn, RowSink sink) {
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
            sink.row(dy, row0, b0, row1, b1);
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
