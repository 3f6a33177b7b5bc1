package org.dl4jbridge.ndarray.ops;

import java.nio.FloatBuffer;
import org.dl4jbridge.ndarray.Backend;
import org.dl4jbridge.ndarray.Backends;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.ndarray.Parallel;

/**
 * The weight and input gradients of an ordinary (not depthwise) convolution as GEMMs over tiles of
 * whole images, for {@link Convolution2D#backward}.
 *
 * <p>A tile of {@code t} images has one column matrix {@code R [cinG*kH*kW, t*P]} ({@link Im2col},
 * columns in (image, position) order, P = outH*outW) and the output gradient repacked as
 * {@code D [coutG, t*P]}; then {@code dW += D R^T} and {@code dR = W^T D}, whose columns go back onto
 * the input ({@link Im2col#accumulate}). One GEMM per tile instead of one per image: on small maps
 * the per-image GEMMs are tiny, and even VGG16's block5 (K = 196 per image) runs faster with K in the
 * thousands. 1x1 convolutions over enough images go to {@link PointwiseItems} instead (EfficientNet-Lite0's
 * 7x7 ones, K = 49 per image), which splits the batch between the engine's threads. The tile is as many images
 * as the column budget holds, split evenly; an image too large for it alone goes by tiles of its
 * output rows, one image at a time.
 */
final class ConvBackward {
    private ConvBackward() {}

    /** {@code gradW} (and {@code gradIn} when not null) from {@code gradOut}; all contiguous, shapes checked by the caller. */
    static void run(NDArray x, NDArray w, NDArray gradOut, ConvGeometry g, int groups, NDArray gradIn, NDArray gradW,
                    ConvConfig conf) {
        int n = x.size(0), cin = x.size(1), cout = w.size(0);
        int cinG = cin / groups, coutG = cout / groups;
        Conv2DConfig c = g.cfg();
        int p = g.outH() * g.outW();
        int kR = cinG * c.kH() * c.kW();
        long perImage = (long) Math.max(kR, coutG) * p;
        if (conf.dl4jOrder()) requireWholeBatchColumns(n, kR, p, coutG);
        if (PointwiseItems.applies(g, groups, n, cin, cout, conf)) {
            PointwiseItems.backward(x, w, gradOut, g, gradIn, gradW);
            return;
        }
        NDArray viaWinograd = null;
        if (gradIn != null && !conf.dl4jOrder() && winogradDataGradient(g, groups, cin, cout, conf)) {
            viaWinograd = gradIn;
            gradIn = null;   // the GEMMs below do the weight gradient only
        }
        Buffers.zero(gradW.buffer(), gradW.offset(), gradW.length());
        // A 1x1 stride-1 unpadded layer's image tiles copy every input gradient value back (below): no zeroing.
        boolean copiedBack = g.isPointwise() && perImage <= conf.columnBudget();
        if (gradIn != null && !copiedBack) Buffers.zero(gradIn.buffer(), gradIn.offset(), gradIn.length());
        if (viaWinograd != null) dataGradientByForward(w, gradOut, g, viaWinograd, conf);
        if (perImage > conf.columnBudget() && !conf.dl4jOrder()) {
            rowTiles(x, w, gradOut, g, groups, gradIn, gradW, conf);
            return;
        }
        // DL4J's order: the whole batch in one tile, so each weight gradient is one sum over (image, position).
        int most = conf.dl4jOrder() ? n : (int) Math.min(n, conf.columnBudget() / perImage);
        int tiles = (n + most - 1) / most, per = (n + tiles - 1) / tiles;
        Backend blas = Backends.get();
        ConvWorkspace ws = ConvWorkspace.get();
        FloatBuffer xb = x.buffer(), gob = gradOut.buffer();
        for (int img0 = 0; img0 < n; img0 += per) {
            int t = Math.min(per, n - img0), cols = t * p;
            FloatBuffer r = ws.direct(ConvWorkspace.COLUMNS, kR * cols);
            FloatBuffer d = ws.direct(ConvWorkspace.GEMM_OUT, coutG * cols);
            FloatBuffer dR = gradIn == null ? null : ws.direct(ConvWorkspace.GRAD_COLUMNS, kR * cols);
            for (int grp = 0; grp < groups; grp++) {
                int wGrp = grp * coutG * kR;
                Im2col.fill(xb, x.offset() + (img0 * cin + grp * cinG) * g.inPlane(), cin * g.inPlane(), t, cinG, g,
                        true, 0, g.outH(), r, 0);
                packOutputGradient(gob, gradOut.offset() + (img0 * cout + grp * coutG) * p, cout * p, t, coutG, p, d);
                blas.sgemm(false, true, coutG, kR, cols, 1f, d, 0, cols, r, 0, cols,
                        1f, gradW.buffer(), gradW.offset() + wGrp, kR);
                if (gradIn != null) {
                    blas.sgemm(true, false, kR, cols, coutG, 1f, w.buffer(), w.offset() + wGrp, kR, d, 0, cols,
                            0f, dR, 0, cols);
                    if (g.isPointwise()) {
                        // 1x1, stride 1, no padding: each input value was read once, so its gradient is
                        // its column entry, copied back plane by plane.
                        int base = img0, grpOff = grp * cinG;
                        NDArray gi = gradIn;
                        Parallel.range(cinG, (lo, hi) -> {
                            for (int ci = lo; ci < hi; ci++) {
                                for (int i = 0; i < t; i++) {
                                    Buffers.copy(dR, ci * cols + i * p, gi.buffer(),
                                            gi.offset() + ((base + i) * cin + grpOff + ci) * p, p);
                                }
                            }
                        });
                        continue;
                    }
                    for (int i = 0; i < t; i++) {
                        Im2col.accumulate(dR, i * p, cols, cinG, g, 0, g.outH(), gradIn.buffer(),
                                gradIn.offset() + ((img0 + i) * cin + grp * cinG) * g.inPlane(), conf.dl4jOrder());
                    }
                }
            }
        }
    }

    /**
     * DL4J's order ({@link ConvConfig#dl4jOrder}) holds the whole batch's column matrix in one direct buffer:
     * refuses one larger than a buffer can be (2 GiB, {@link NDArray#allocate}), naming the fix.
     */
    static void requireWholeBatchColumns(int n, int kR, int p, int coutG) {
        long bytes = (long) Math.max(kR, coutG) * n * p * Float.BYTES;
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("rounding 'dl4j' computes a convolution as DL4J does, over one column matrix of "
                    + "the whole batch: " + bytes / (1 << 20) + " MiB here, more than one buffer holds (2 GiB); use a smaller "
                    + "minibatch or rounding 'accurate' (and allow direct_memory for a few such buffers)");
        }
    }

    /**
     * Whether the input gradient goes as a forward convolution through Winograd: for stride 1,
     * no dilation and an untruncated output, {@code dx = conv(dy, W')} with W' the kernel flipped and
     * its channel axes swapped, padding {@code k - 1 - p}: a 3x3 layer then takes Winograd's 2.25x to
     * 3.24x fewer multiplications (VGG16's block5) instead of a GEMM plus a column-to-image pass.
     */
    static boolean winogradDataGradient(ConvGeometry g, int groups, int cin, int cout, ConvConfig conf) {
        Conv2DConfig c = g.cfg();
        if (groups != 1 || c.sH() != 1 || c.sW() != 1 || c.dH() != 1 || c.dW() != 1) return false;
        int pT = g.padTop(), pL = g.padLeft();
        if (pT > c.kH() - 1 || pL > c.kW() - 1) return false;
        // Symmetric, untruncated padding: every input position is read, and the flipped convolution's output is the input's size.
        if (g.outH() != g.inH() + 2 * pT - c.kH() + 1 || g.outW() != g.inW() + 2 * pL - c.kW() + 1) return false;
        Conv2DConfig back = flippedConfig(g);
        return Winograd.applies(conf.winograd(), back.geometry(g.outH(), g.outW()), cout, cin, 1);
    }

    private static Conv2DConfig flippedConfig(ConvGeometry g) {
        Conv2DConfig c = g.cfg();
        return new Conv2DConfig(c.kH(), c.kW(), 1, 1, c.kH() - 1 - g.padTop(), c.kW() - 1 - g.padLeft(), 1, 1,
                ConvolutionMode.Truncate);
    }

    /** {@code gradIn = conv(gradOut, flip(W)^T)} (see {@link #winogradDataGradient}); overwrites gradIn. */
    private static void dataGradientByForward(NDArray w, NDArray gradOut, ConvGeometry g, NDArray gradIn, ConvConfig conf) {
        int cout = w.size(0), cin = w.size(1), kH = w.size(2), kW = w.size(3), kk = kH * kW;
        float[] src = w.toFloatArray();
        float[] flipped = new float[src.length];
        for (int o = 0; o < cout; o++) {
            for (int i = 0; i < cin; i++) {
                int s0 = (o * cin + i) * kk, d0 = (i * cout + o) * kk;
                for (int t = 0; t < kk; t++) flipped[d0 + kk - 1 - t] = src[s0 + t];
            }
        }
        // Per-thread scratch (a slot Winograd's forward does not use), and no cached transform: training
        // changes the weights every step, so either would only leave garbage behind.
        FloatBuffer wf = ConvWorkspace.get().direct(ConvWorkspace.GRAD_COLUMNS, flipped.length);
        Buffers.store(flipped, 0, wf, 0, flipped.length);
        Convolution2D.forward(gradOut, NDArray.wrap(wf, 0, cin, cout, kH, kW), null, flippedConfig(g), 1,
                FusedActivation.IDENTITY, gradIn, conf.withWinograd(conf.winograd().with("weightCacheFloats:0")));
    }

    /**
     * Images whose column matrix alone passes the budget (VGG16's first blocks): tiles of output
     * rows within each image, the output gradient read in place.
     */
    private static void rowTiles(NDArray x, NDArray w, NDArray gradOut, ConvGeometry g, int groups, NDArray gradIn,
                                 NDArray gradW, ConvConfig conf) {
        int n = x.size(0), cin = x.size(1), cout = w.size(0);
        int cinG = cin / groups, coutG = cout / groups;
        Conv2DConfig c = g.cfg();
        int ho = g.outH(), wo = g.outW(), p = ho * wo;
        int kR = cinG * c.kH() * c.kW();
        int tileRows = (int) Math.max(1, Math.min(ho, conf.columnBudget() / ((long) kR * wo)));
        Backend blas = Backends.get();
        ConvWorkspace ws = ConvWorkspace.get();
        for (int img = 0; img < n; img++) {
            for (int oy0 = 0; oy0 < ho; oy0 += tileRows) {
                int rows = Math.min(tileRows, ho - oy0), cols = rows * wo;
                FloatBuffer r = ws.direct(ConvWorkspace.COLUMNS, kR * cols);
                FloatBuffer dR = gradIn == null ? null : ws.direct(ConvWorkspace.GRAD_COLUMNS, kR * cols);
                for (int grp = 0; grp < groups; grp++) {
                    int gOff = gradOut.offset() + (img * cout + grp * coutG) * p + oy0 * wo;
                    int wGrp = grp * coutG * kR;
                    Im2col.fill(x.buffer(), x.offset() + (img * cin + grp * cinG) * g.inPlane(), 0, 1, cinG, g,
                            true, oy0, rows, r, 0);
                    blas.sgemm(false, true, coutG, kR, cols, 1f, gradOut.buffer(), gOff, p, r, 0, cols,
                            1f, gradW.buffer(), gradW.offset() + wGrp, kR);
                    if (gradIn != null) {
                        blas.sgemm(true, false, kR, cols, coutG, 1f, w.buffer(), w.offset() + wGrp, kR,
                                gradOut.buffer(), gOff, p, 0f, dR, 0, cols);
                        Im2col.accumulate(dR, 0, cinG, g, oy0, rows, gradIn.buffer(),
                                gradIn.offset() + (img * cin + grp * cinG) * g.inPlane());
                    }
                }
            }
        }
    }

    /** {@code d[co, i*P + q] = gradOut[img0 + i, co, q]}: the tile's output gradient with images side by side. */
    private static void packOutputGradient(FloatBuffer src, int off, int imgStride, int t, int coutG, int p, FloatBuffer d) {
        Parallel.range(coutG, (lo, hi) -> {
            for (int co = lo; co < hi; co++) {
                for (int i = 0; i < t; i++) Buffers.copy(src, off + i * imgStride + co * p, d, (co * t + i) * p, p);
            }
        });
    }
}
