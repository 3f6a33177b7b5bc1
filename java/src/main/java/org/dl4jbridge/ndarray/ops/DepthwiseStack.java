package org.dl4jbridge.ndarray.ops;

import java.util.Arrays;

/**
 * The zero-padded input of one channel for several images at once, as {@link DepthwiseForward}
 * reads it: the images' planes stacked vertically, each {@code period} rows below the previous,
 * sharing their padding rows, and every row {@code width} columns wide with the padding columns
 * shared between the right edge of a row and the left edge of the next (a tap that runs past a
 * row's end reads the next row's left padding, which is zero). Then every output of every image
 * of the stack is one entry of a single grid of width {@code wq}, and a kernel tap is one shift of
 * that whole grid; a few grid rows between images (and a few columns) are computed and dropped.
 *
 * <p>Stacking is what keeps the vector loops long on small planes: one 7x7 plane padded on its
 * own gives loops of 77 iterations, mostly run by the JIT's scalar remainder loop; 16 images
 * stacked give one loop of 1296.
 *
 * <p>With a stride above 1 the stack is split by phase as in the backward pass of {@link DepthwiseConvolution2D}:
 * virtual row {@code Y} and column {@code X} live in phase plane {@code (Y % sH, X % sW)} at
 * {@code (Y / sH, X / sW)}.
 *
 * @param images images per stack (the last stack of a batch may hold fewer)
 * @param period virtual rows from one image's first padded row to the next's (a multiple of sH)
 * @param width  virtual columns per row (a multiple of sW)
 * @param hq     rows per phase plane for a full stack
 * @param wq     columns per phase plane, the output grid's width
 */
record DepthwiseStack(ConvGeometry g, int images, int period, int width, int sH, int sW, int hq, int wq) {

    /** The layout for {@code batch} images, about {@code stackFloats} floats a stack ({@link ConvConfig#depthwiseStackFloats}). */
    static DepthwiseStack of(ConvGeometry g, int batch, int stackFloats) {
        Conv2DConfig c = g.cfg();
        int sH = c.sH(), sW = c.sW();
        int hp = (g.outH() - 1) * sH + (c.kH() - 1) * c.dH() + 1; // padded rows one image's outputs read
        int wp = (g.outW() - 1) * sW + (c.kW() - 1) * c.dW() + 1;
        // Rows: an image's reads [b*P, b*P + hp) must miss the data rows [P + padTop, P + padTop + h) of
        // its neighbours, and its grid rows (P/sH of them) must hold its outH output rows.
        int period = roundUp(Math.max(Math.max(g.padTop() + g.inH(), hp - g.padTop()), g.outH() * sH), sH);
        // Columns: data [padLeft, padLeft + w) fits in a row; reads past the row end ([width, wp)) land in
        // the next row's left padding; the grid row (width/sW) holds outW outputs.
        int width = roundUp(Math.max(Math.max(g.padLeft() + g.inW(), wp - g.padLeft()), g.outW() * sW), sW);
        int images = Math.max(1, Math.min(batch, stackFloats / (period * width)));
        // The last image's data rows may run past its last read row (Truncate drops them) but are still written.
        // One more row per phase plane: a read past the end of a plane's last row wraps into the row below, which
        // must be zero padding, not the next phase plane's first row (data when there is no top padding).
        int rows = (images - 1) * period + Math.max(hp, g.padTop() + g.inH()) + sH;
        return new DepthwiseStack(g, images, period, width, sH, sW, (rows + sH - 1) / sH, width / sW);
    }

    private static int roundUp(int v, int m) {
        return (v + m - 1) / m * m;
    }

    /** Floats of the stacked array, with a row of slack for the last grid row's dropped columns. */
    int size() { return sH * sW * hq * wq + wq + 8; }

    /** Grid rows per image. */
    int gridPeriod() { return period / sH; }

    /** Grid rows holding outputs of the first {@code n} images of the stack (later rows are not computed). */
    int gridRows(int n) { return (n - 1) * gridPeriod() + g.outH(); }

    /** Index of virtual (row, column). */
    int at(int y, int x) {
        return ((y % sH) * sW + x % sW) * hq * wq + (y / sH) * wq + x / sW;
    }

    /** Element read by grid entry 0 for the tap at virtual offset (kyd, kxd). */
    int tapBase(int kyd, int kxd) { return at(kyd, kxd); }

    /** Zeroes {@code stack} (the padding) ahead of {@link #place}, which writes the same places for every stack. */
    void clear(float[] stack) {
        Arrays.fill(stack, 0, size(), 0f);
    }

    /** Writes image {@code b}'s plane (at {@code planeOff} in {@code in}) into the cleared stack. */
    void place(float[] in, int planeOff, int b, float[] stack) {
        int h = g.inH(), w = g.inW(), padLeft = g.padLeft(), plane = hq * wq;
        // Row positions are stepped, not computed by at() per row: its divisions cost more than
        // copying a short row.
        int y = b * period + g.padTop(), py = y % sH, qy = y / sH;
        int col0 = (padLeft % sW) * plane + padLeft / sW, col1 = ((padLeft + 1) % sW) * plane + (padLeft + 1) / sW;
        for (int iy = 0; iy < h; iy++, y++) {
            int row = py * sW * plane + qy * wq, src = planeOff + iy * w;
            if (sW == 1) {
                System.arraycopy(in, src, stack, row + col0, w);
            } else if (sW == 2) {
                // Input columns 2q and 2q + 1 land in the two column phases, each at the q-th place after
                // where columns 0 and 1 land: one pass over the row fills both.
                int pairs = w / 2;
                deinterleave(in, src, stack, row + col0, row + col1, pairs);
                if ((w & 1) == 1) stack[row + col0 + pairs] = in[src + w - 1];
            } else {
                for (int ix = 0; ix < w; ix++) stack[at(y, ix + padLeft)] = in[src + ix];
            }
            if (++py == sH) {
                py = 0;
                qy++;
            }
        }
    }

    private static void deinterleave(float[] src, int srcOff, float[] dst, int dst0, int dst1, int pairs) {
        for (int q = 0; q < pairs; q++) {
            dst[dst0 + q] = src[srcOff + 2 * q];
            dst[dst1 + q] = src[srcOff + 2 * q + 1];
        }
    }
}
