package org.dl4jbridge.ndarray.ops;

import java.nio.FloatBuffer;
import org.dl4jbridge.ndarray.Parallel;

/**
 * Column matrices for convolution as GEMM, over a tile of images and output rows.
 *
 * <p>Row {@code (ci, ky, kx)} of the matrix holds, for every output position of the tile, the
 * input value that kernel tap meets there (zero in the padding). Its column order is
 * {@code (image, row, ox)}, so a GEMM with the weights gives NCHW output rows directly.
 *
 * <p>With stride 1 along the height, the kernel rows need not be unfolded: a matrix whose rows
 * are {@code (ci, kx)} and which covers the tile's input rows plus the kernel's halo serves every
 * kernel row {@code ky} as the same matrix shifted by {@code ky * dH} rows, i.e. a column offset.
 * That matrix is kH times smaller than the full one, which matters because building it is pure
 * memory traffic (VGG16's full im2col writes 9x its input).
 */
final class Im2col {
    private Im2col() {}

    /**
     * Fills the column matrix for images [0, nImg) starting at {@code xOff} (each {@code imgStride}
     * floats apart, channels of the group first), output rows [oy0, oy0 + rowsR - halo).
     *
     * @param foldKh true: rows are (ci, ky, kx), one column per output position (any stride);
     *               false: rows are (ci, kx) and columns cover {@code rowsR} input-aligned rows
     *               (needs stride 1 along the height)
     * @param rowsR  column rows per image: output rows of the tile, plus (kH-1)*dH when !foldKh
     */
    static void fill(FloatBuffer x, int xOff, int imgStride, int nImg, int cinG, ConvGeometry g,
                     boolean foldKh, int oy0, int rowsR, FloatBuffer r, int rOff) {
        Conv2DConfig c = g.cfg();
        int kHR = foldKh ? c.kH() : 1;
        int kW = c.kW();
        int rowCount = cinG * kHR * kW;
        int wo = g.outW();
        int ld = nImg * rowsR * wo;
        Parallel.range(rowCount * nImg, (lo, hi) -> {
            for (int t = lo; t < hi; t++) {
                int row = t / nImg, img = t % nImg;
                int kx = row % kW;
                int kyR = (row / kW) % kHR;
                int ci = row / (kW * kHR);
                int src = xOff + img * imgStride + ci * g.inPlane();
                int dst = rOff + row * ld + img * rowsR * wo;
                if (g.isPointwise()) {
                    // The column rows are the input rows themselves: one copy per plane.
                    Buffers.copy(x, src + oy0 * wo, r, dst, rowsR * wo);
                } else {
                    fillRows(x, src, g, kyR, kx, oy0, rowsR, foldKh, r, dst);
                }
            }
        });
    }

    private static void fillRows(FloatBuffer x, int plane, ConvGeometry g, int ky, int kx, int oy0, int rows,
                                 boolean foldKh, FloatBuffer r, int dst) {
        Conv2DConfig c = g.cfg();
        int h = g.inH(), w = g.inW(), wo = g.outW();
        int sW = c.sW(), dW = c.dW();
        int colShift = kx * dW - g.padLeft();
        // Output columns whose tap lands inside the input row: ix = ox*sW + colShift in [0, w).
        int oxLo = colShift >= 0 ? 0 : Math.min(wo, (-colShift + sW - 1) / sW);
        int oxHi = w - colShift <= 0 ? 0 : Math.min(wo, (w - colShift + sW - 1) / sW);
        if (oxHi < oxLo) oxHi = oxLo;
        for (int y = 0; y < rows; y++) {
            int iy = foldKh ? (oy0 + y) * c.sH() - g.padTop() + ky * c.dH() : oy0 + y - g.padTop();
            int d = dst + y * wo;
            if (iy < 0 || iy >= h || oxLo == oxHi) {
                Buffers.zero(r, d, wo);
                continue;
            }
            int srcRow = plane + iy * w;
            if (oxLo > 0) Buffers.zero(r, d, oxLo);
            if (sW == 1) {
                Buffers.copy(x, srcRow + oxLo + colShift, r, d + oxLo, oxHi - oxLo);
            } else {
                // Strided: one bulk read of the row's span, the gather on the heap, one bulk write
                // (element-wise buffer gets and puts cost several times more).
                int n = oxHi - oxLo, span = (n - 1) * sW + 1;
                ConvWorkspace ws = ConvWorkspace.get();
                float[] src = ws.heap(4, span), picked = ws.heap(5, n);
                Buffers.load(x, srcRow + oxLo * sW + colShift, src, 0, span);
                everyNth(src, sW, picked, n);
                Buffers.store(picked, 0, r, d + oxLo, n);
            }
            if (oxHi < wo) Buffers.zero(r, d + oxHi, wo - oxHi);
        }
    }

    private static void everyNth(float[] src, int step, float[] dst, int n) {
        for (int i = 0; i < n; i++) dst[i] = src[i * step];
    }

    /**
     * The adjoint of {@link #fill} with {@code foldKh} for one image: adds every column-matrix
     * entry back onto the input position it was read from. Parallel over input channels, so no
     * two threads touch the same input plane.
     */
    static void accumulate(FloatBuffer dR, int rOff, int cinG, ConvGeometry g, int oy0, int rows,
                           FloatBuffer dx, int dxOff) {
        accumulate(dR, rOff, rows * g.outW(), cinG, g, oy0, rows, dx, dxOff, false);
    }

    /**
     * As above, for one image's columns in a matrix of several ({@code ld} floats per row, the image's at
     * {@code rOff}). Each input position receives its terms kernel tap by kernel tap, first to last, or with
     * {@code dl4jOrder} last to first: DL4J's order (it adds them by output position, and a later output
     * position reads an input through an earlier tap), measured bit for bit through VGG16's gradients.
     */
    static void accumulate(FloatBuffer dR, int rOff, int ld, int cinG, ConvGeometry g, int oy0, int rows,
                           FloatBuffer dx, int dxOff, boolean dl4jOrder) {
        Conv2DConfig c = g.cfg();
        int kH = c.kH(), kW = c.kW();
        int h = g.inH(), w = g.inW(), wo = g.outW();
        Parallel.range(cinG, (lo, hi) -> {
            ConvWorkspace ws = ConvWorkspace.get();
            float[] plane = ws.heap(0, h * w);
            float[] row = ws.heap(1, wo);
            for (int ci = lo; ci < hi; ci++) {
                int planeOff = dxOff + ci * h * w;
                Buffers.load(dx, planeOff, plane, 0, h * w);
                for (int tapY = 0; tapY < kH; tapY++) {
                    int ky = dl4jOrder ? kH - 1 - tapY : tapY;
                    for (int tapX = 0; tapX < kW; tapX++) {
                        int kx = dl4jOrder ? kW - 1 - tapX : tapX;
                        int rowBase = rOff + ((ci * kH + ky) * kW + kx) * ld;
                        int colShift = kx * c.dW() - g.padLeft();
                        for (int y = 0; y < rows; y++) {
                            int iy = (oy0 + y) * c.sH() - g.padTop() + ky * c.dH();
                            if (iy < 0 || iy >= h) continue;
                            Buffers.load(dR, rowBase + y * wo, row, 0, wo);
                            addRow(row, plane, iy * w, w, wo, c.sW(), colShift);
                        }
                    }
                }
                Buffers.store(plane, 0, dx, planeOff, h * w);
            }
        });
    }

    private static void addRow(float[] row, float[] plane, int base, int w, int wo, int sW, int colShift) {
        for (int ox = 0; ox < wo; ox++) {
            int ix = ox * sW + colShift;
            if (ix >= 0 && ix < w) plane[base + ix] += row[ox];
        }
    }
}
