package org.dl4jbridge.ndarray.ops;

import java.nio.FloatBuffer;
import java.util.Arrays;
import org.dl4jbridge.ndarray.Backend;
import org.dl4jbridge.ndarray.Backends;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.ndarray.Parallel;

/**
 * 2-D convolution (cross-correlation, as DL4J and PyTorch compute it) on NCHW float32 arrays,
 * as GEMMs on the backend.
 *
 * <p>Weights are DL4J's ConvolutionLayer layout {@code [nOut, nIn/groups, kH, kW]} c-order (the
 * same as PyTorch's), bias {@code [nOut]} or null. {@code groups == nIn} with one input channel
 * per group is a depthwise convolution and runs in {@link DepthwiseConvolution2D}.
 *
 * <p>Forward strategy, first match wins:
 * <ul>
 *   <li>a 3x3 stride-1 undilated convolution with at least 16 input channels runs as Winograd
 *       F(4x4, 3x3), F(3x3, 3x3) or F(2x2, 3x3) ({@link Winograd}: 4x, 3.24x or 2.25x fewer GEMM
 *       flops, within the same accuracy bound);</li>
 *   <li>an ungrouped 1x1 stride-1 convolution runs as per-image tiles of single-threaded GEMMs
 *       ({@link PointwiseConvolution}), and an ungrouped strided one, or a stride-1 one with a short K
 *       (VGG16's first layer), as per-thread bands of output rows ({@link StridedConvolution}), when
 *       there are enough tiles to keep every thread busy;</li>
 *   <li>otherwise a column matrix is built per tile ({@link Im2col}): with stride 1 along the
 *       height only the kernel columns are unfolded and each kernel row is one GEMM on a shifted
 *       view; small images are batched into one tile so each GEMM is large enough for BLAS to
 *       reach its rate (a 1x1 convolution on a large image can multiply in place instead).</li>
 * </ul>
 * Bias and activation are applied while the output tile is still in cache.
 */
public final class Convolution2D {
    /** Nanoseconds spent building columns, in GEMMs and in epilogues (for tuning; cheap to keep). */
    static final java.util.concurrent.atomic.LongAdder COLUMN_NANOS = new java.util.concurrent.atomic.LongAdder(),
            GEMM_NANOS = new java.util.concurrent.atomic.LongAdder(), EPILOGUE_NANOS = new java.util.concurrent.atomic.LongAdder();

    /** Seconds spent so far in column building, GEMM and epilogue, in that order; {@code reset} zeroes them. */
    public static double[] phaseSeconds(boolean reset) {
        double[] r = {COLUMN_NANOS.sum() / 1e9, GEMM_NANOS.sum() / 1e9, EPILOGUE_NANOS.sum() / 1e9};
        if (reset) { COLUMN_NANOS.reset(); GEMM_NANOS.reset(); EPILOGUE_NANOS.reset(); }
        return r;
    }

    private Convolution2D() {}

    /** Gradients of a convolution; {@code input} or {@code bias} are null when not asked for. */
    public record Gradients(NDArray input, NDArray weight, NDArray bias) {}

    /** Allocates and returns the output. */
    public static NDArray forward(NDArray x, NDArray w, NDArray b, Conv2DConfig cfg, int groups, FusedActivation act) {
        checkRank4(x, "input");
        ConvGeometry g = cfg.geometry(x.size(2), x.size(3));
        NDArray out = NDArray.zeros(x.size(0), w.size(0), g.outH(), g.outW());
        forward(x, w, b, cfg, groups, act, out);
        return out;
    }

    /** Writes {@code act(conv(x, w) + b)} into {@code out} ([N, nOut, outH, outW], contiguous). */
    public static void forward(NDArray x, NDArray w, NDArray b, Conv2DConfig cfg, int groups, FusedActivation act,
                               NDArray out) {
        forward(x, w, b, cfg, groups, act, out, ConvConfig.DEFAULT);
    }

    /** As above, with the strategy settings given (same-JVM A/B benchmarks and tests compare them). */
    public static void forward(NDArray x, NDArray w, NDArray b, Conv2DConfig cfg, int groups, FusedActivation act,
                               NDArray out, ConvConfig conf) {
        ConvGeometry g = validate(x, w, b, cfg, groups);
        int n = x.size(0), cin = x.size(1), cout = w.size(0);
        requireShape(out, "output", n, cout, g.outH(), g.outW());
        Buffers.requireContiguous(out, "output");
        if (act == null) act = FusedActivation.IDENTITY;
        x = x.contiguous();
        w = w.contiguous();
        if (b != null) b = b.contiguous();
        if (isDepthwise(cin, groups, w)) {
            DepthwiseConvolution2D.forwardKernel(x, w, DepthwiseConvolution2D.Layout.TORCH, cout / cin, b, g, act, out, conf);
            return;
        }
        if (!conf.dl4jOrder() && Winograd.applies(conf.winograd(), g, cin / groups, cout, groups)) {
            Winograd.forward(conf.winograd(), x, w, b, g, act, out);
            return;
        }
        new ForwardPlan(x, w, b, g, groups, act, out, conf).run();
    }

    /**
     * Whether {@link #forwardMaxPooled} runs a convolution followed by a max pool of config {@code pool}
     * on an input of this shape: ungrouped, a Winograd layer whose tile has an even side
     * ({@link Winograd#poolFuses}), a 2x2 stride-2 undilated pool with no padding, and
     * {@link WinogradConfig#fusePool} on. Otherwise run {@link #forward} and {@link Pooling2D}.
     */
    public static boolean poolFuses(NDArray x, NDArray w, Conv2DConfig cfg, int groups, Conv2DConfig pool, ConvConfig conf) {
        if (conf.dl4jOrder() || !conf.winograd().fusePool() || x.rank() != 4 || w.rank() != 4 || groups != 1) return false;
        if (pool.kH() != 2 || pool.kW() != 2 || pool.sH() != 2 || pool.sW() != 2 || pool.dH() != 1 || pool.dW() != 1) return false;
        ConvGeometry g = cfg.geometry(x.size(2), x.size(3));
        ConvGeometry pg = pool.geometry(g.outH(), g.outW());
        if (pg.padTop() != 0 || pg.padLeft() != 0 || pg.padBottom() != 0 || pg.padRight() != 0) return false;
        return x.size(1) == w.size(1) && Winograd.applies(conf.winograd(), g, x.size(1), w.size(0), 1)
                && Winograd.poolFuses(conf.winograd(), g, x.size(1), x.size(0));
    }

    /**
     * Writes {@code maxpool(act(conv(x, w) + b))} into {@code pooled} ([N, nOut, outH/2, outW/2], contiguous),
     * the pool 2x2 with stride 2, without storing the convolution's output: the same floats as {@link #forward}
     * followed by {@link Pooling2D#forward} with MAX. Only where {@link #poolFuses} holds (else it throws).
     */
    public static void forwardMaxPooled(NDArray x, NDArray w, NDArray b, Conv2DConfig cfg, FusedActivation act,
                                        Conv2DConfig pool, NDArray pooled, ConvConfig conf) {
        ConvGeometry g = validate(x, w, b, cfg, 1);
        if (!poolFuses(x, w, cfg, 1, pool, conf)) {
            throw new IllegalArgumentException("Convolution2D.forwardMaxPooled: this convolution and pool do not fuse "
                    + "(check poolFuses first; otherwise run forward and Pooling2D.forward)");
        }
        requireShape(pooled, "pooled output", x.size(0), w.size(0), g.outH() / 2, g.outW() / 2);
        Buffers.requireContiguous(pooled, "pooled output");
        if (act == null) act = FusedActivation.IDENTITY;
        Winograd.forwardMaxPooled(conf.winograd(), x.contiguous(), w.contiguous(),
                b == null ? null : b.contiguous(), g, act, pooled);
    }

    static boolean isDepthwise(int cin, int groups, NDArray w) {
        return groups > 1 && groups == cin && w.size(1) == 1;
    }

    /** The state of one forward call; holds no memory of its own beyond the workspace's. */
    private static final class ForwardPlan {
        final NDArray x, w, b, out;
        final ConvGeometry g;
        final Conv2DConfig c;
        final FusedActivation act;
        final ConvConfig conf;
        final int n, cin, cout, groups, cinG, coutG, p, wo, ho;
        final boolean foldKh;
        final int shifts, kR, halo;
        final FloatBuffer wBuf;
        final int wOff;
        final Backend blas = Backends.get();
        final ConvWorkspace ws = ConvWorkspace.get();

        ForwardPlan(NDArray x, NDArray w, NDArray b, ConvGeometry g, int groups, FusedActivation act, NDArray out,
                    ConvConfig conf) {
            this.x = x; this.w = w; this.b = b; this.out = out; this.g = g; this.c = g.cfg(); this.act = act;
            this.conf = conf;
            this.n = x.size(0); this.cin = x.size(1); this.cout = w.size(0); this.groups = groups;
            this.cinG = cin / groups; this.coutG = cout / groups;
            this.ho = g.outH(); this.wo = g.outW(); this.p = ho * wo;
            // Unfolding only the kernel columns gives K = cinG*kW; for short K BLAS runs the GEMM poorly
            // (VGG16's first layers), so there the kernel rows are unfolded too.
            this.foldKh = c.sH() != 1 || c.kH() == 1 || conf.unfoldAllKernelRows() || conf.dl4jOrder()
                    || (long) cinG * c.kW() < conf.shortK();
            this.shifts = foldKh ? 1 : c.kH();
            this.kR = cinG * (foldKh ? c.kH() : 1) * c.kW();
            this.halo = foldKh ? 0 : (c.kH() - 1) * c.dH();
            if (foldKh) {
                // [nOut, nIn/g, kH, kW] c-order already is the GEMM's A: rows (co), columns (ci, ky, kx).
                this.wBuf = w.buffer();
                this.wOff = w.offset();
            } else {
                this.wBuf = packByKernelRow(w, groups, cinG, c.kH(), c.kW(), ws);
                this.wOff = 0;
            }
        }

        /** Weight block of group {@code grp} and kernel row {@code s}: [coutG, kR] row-major. */
        int weightOffset(int grp, int s) {
            return wOff + ((foldKh ? grp : grp * shifts + s) * coutG) * kR;
        }

        void run() {
            if (conf.dl4jOrder()) {
                ConvBackward.requireWholeBatchColumns(n, kR, p, coutG);
                runImageTile(0, n);
                return;
            }
            if (PointwiseConvolution.applies(conf, g, groups, n, cout)) {
                PointwiseConvolution.forward(conf, x, w, b, act, out);
                return;
            }
            if (StemConvolution.applies(conf, g, groups, cin)) {
                StemConvolution.forward(conf, x, w, b, g, act, out);
                return;
            }
            if (StridedConvolution.applies(conf, g, groups, n, cin, cout)) {
                StridedConvolution.forward(conf, x, w, b, g, act, out);
                return;
            }
            if (g.isPointwise() && p >= conf.pointwiseDirectMin()) {
                runPointwiseInPlace();
                return;
            }
            long perImage = (long) kR * (ho + halo) * wo;
            int columnBudget = conf.columnBudget();
            if (perImage >= columnBudget / 2) {
                int maxRows = (int) Math.max(1, Math.min(ho, columnBudget / ((long) kR * wo) - halo));
                int tiles = (ho + maxRows - 1) / maxRows;
                int tileRows = (ho + tiles - 1) / tiles; // equal tiles: no short, inefficient last GEMM
                for (int img = 0; img < n; img++) {
                    for (int oy0 = 0; oy0 < ho; oy0 += tileRows) runRowTile(img, oy0, Math.min(ho, oy0 + tileRows));
                }
            } else {
                long perImageOut = (long) coutG * (ho + halo) * wo;
                int nb = (int) Math.max(1, Math.min(n, columnBudget / Math.max(perImage, perImageOut)));
                for (int img = 0; img < n; img += nb) runImageTile(img, Math.min(n, img + nb));
            }
        }

        void runPointwiseInPlace() {
            for (int img = 0; img < n; img++) {
                for (int grp = 0; grp < groups; grp++) {
                    int outOff = out.offset() + (img * cout + grp * coutG) * p;
                    blas.sgemm(false, false, coutG, p, cinG, 1f, wBuf, weightOffset(grp, 0), kR,
                            x.buffer(), x.offset() + (img * cin + grp * cinG) * p, p, 0f, out.buffer(), outOff, p);
                    epilogueInPlace(outOff, grp, p);
                }
            }
        }

        /** Output rows [oy0, oy1) of one image, written straight into the output. */
        void runRowTile(int img, int oy0, int oy1) {
            int rows = oy1 - oy0;
            int rowsR = rows + halo;
            int ld = rowsR * wo;
            FloatBuffer r = ws.direct(ConvWorkspace.COLUMNS, kR * ld);
            for (int grp = 0; grp < groups; grp++) {
                long t0 = System.nanoTime();
                Im2col.fill(x.buffer(), x.offset() + (img * cin + grp * cinG) * g.inPlane(), 0, 1, cinG, g,
                        foldKh, oy0, rowsR, r, 0);
                long t1 = System.nanoTime();
                int outOff = out.offset() + (img * cout + grp * coutG) * p + oy0 * wo;
                for (int s = 0; s < shifts; s++) {
                    blas.sgemm(false, false, coutG, rows * wo, kR, 1f, wBuf, weightOffset(grp, s), kR,
                            r, s * c.dH() * wo, ld, s == 0 ? 0f : 1f, out.buffer(), outOff, p);
                }
                long t2 = System.nanoTime();
                epilogueInPlace(outOff, grp, rows * wo);
                COLUMN_NANOS.add(t1 - t0);
                GEMM_NANOS.add(t2 - t1);
                EPILOGUE_NANOS.add(System.nanoTime() - t2);
            }
        }

        /** Whole images [n0, n1) in one GEMM per kernel row, then scattered into NCHW. */
        void runImageTile(int n0, int n1) {
            int nb = n1 - n0;
            int rowsR = ho + halo;
            int ldR = nb * rowsR * wo;
            int cols = ldR - halo * wo;
            FloatBuffer r = ws.direct(ConvWorkspace.COLUMNS, kR * ldR);
            FloatBuffer tmp = ws.direct(ConvWorkspace.GEMM_OUT, coutG * cols);
            for (int grp = 0; grp < groups; grp++) {
                long t0 = System.nanoTime();
                Im2col.fill(x.buffer(), x.offset() + (n0 * cin + grp * cinG) * g.inPlane(), cin * g.inPlane(), nb,
                        cinG, g, foldKh, 0, rowsR, r, 0);
                long t1 = System.nanoTime();
                for (int s = 0; s < shifts; s++) {
                    blas.sgemm(false, false, coutG, cols, kR, 1f, wBuf, weightOffset(grp, s), kR,
                            r, s * c.dH() * wo, ldR, s == 0 ? 0f : 1f, tmp, 0, cols);
                }
                long t2 = System.nanoTime();
                COLUMN_NANOS.add(t1 - t0);
                GEMM_NANOS.add(t2 - t1);
                final int grpF = grp;
                Parallel.range(nb * coutG, (lo, hi) -> {
                    float[] row = ConvWorkspace.get().heap(0, p);
                    for (int t = lo; t < hi; t++) {
                        int j = t / coutG, co = t % coutG;
                        Buffers.load(tmp, co * cols + j * rowsR * wo, row, 0, p);
                        int oc = grpF * coutG + co;
                        act.applyInPlace(row, 0, p, b == null ? 0f : b.buffer().get(b.offset() + oc));
                        Buffers.store(row, 0, out.buffer(), out.offset() + ((n0 + j) * cout + oc) * p, p);
                    }
                });
                EPILOGUE_NANOS.add(System.nanoTime() - t2);
            }
        }

        /** Bias and activation over {@code len} floats of each of the group's output channels. */
        void epilogueInPlace(int firstChannelOff, int grp, int len) {
            if (b == null && act == FusedActivation.IDENTITY) return;
            Parallel.range(coutG, (lo, hi) -> {
                float[] row = ConvWorkspace.get().heap(0, len);
                for (int co = lo; co < hi; co++) {
                    int off = firstChannelOff + co * p;
                    Buffers.load(out.buffer(), off, row, 0, len);
                    act.applyInPlace(row, 0, len, b == null ? 0f : b.buffer().get(b.offset() + grp * coutG + co));
                    Buffers.store(row, 0, out.buffer(), off, len);
                }
            });
        }
    }

    // ---- backward -----------------------------------------------------------------------------

    /** Allocates and returns the gradients; see {@link #backward(NDArray, NDArray, NDArray, Conv2DConfig, int, NDArray, NDArray, NDArray)}. */
    public static Gradients backward(NDArray x, NDArray w, boolean hasBias, NDArray gradOut, Conv2DConfig cfg, int groups,
                                     boolean needInputGradient) {
        NDArray gi = needInputGradient ? NDArray.zeros(x.shape()) : null;
        NDArray gw = NDArray.zeros(w.shape());
        NDArray gb = hasBias ? NDArray.zeros(w.size(0)) : null;
        backward(x, w, gradOut, cfg, groups, gi, gw, gb);
        return new Gradients(gi, gw, gb);
    }

    /**
     * Gradients from {@code gradOut}, the gradient of the loss with respect to the convolution's
     * output before any activation (turn dL/da into dL/dz with {@link FusedActivation#gradFromOutput}).
     * Writes (overwrites) {@code gradW}; {@code gradIn} and {@code gradB} are skipped when null. The
     * gradient arrays may be views into a flat gradient vector, but must be contiguous.
     */
    public static void backward(NDArray x, NDArray w, NDArray gradOut, Conv2DConfig cfg, int groups,
                                NDArray gradIn, NDArray gradW, NDArray gradB) {
        backward(x, w, gradOut, cfg, groups, gradIn, gradW, gradB, ConvConfig.DEFAULT);
    }

    /** As above, with the strategy settings given (their column budget sizes the tiles). */
    public static void backward(NDArray x, NDArray w, NDArray gradOut, Conv2DConfig cfg, int groups,
                                NDArray gradIn, NDArray gradW, NDArray gradB, ConvConfig conf) {
        ConvGeometry g = validate(x, w, null, cfg, groups);
        int n = x.size(0), cin = x.size(1), cout = w.size(0);
        requireShape(gradOut, "output gradient", n, cout, g.outH(), g.outW());
        requireShape(gradW, "weight gradient", w.shape());
        Buffers.requireContiguous(gradW, "weight gradient");
        if (gradIn != null) {
            requireShape(gradIn, "input gradient", x.shape());
            Buffers.requireContiguous(gradIn, "input gradient");
        }
        if (gradB != null && gradB.length() != cout) {
            throw new IllegalArgumentException("bias gradient has " + gradB.length() + " elements, expected nOut = " + cout);
        }
        x = x.contiguous();
        w = w.contiguous();
        gradOut = gradOut.contiguous();
        if (isDepthwise(cin, groups, w)) {
            DepthwiseConvolution2D.backwardKernel(x, w, DepthwiseConvolution2D.Layout.TORCH, cout / cin, gradOut, g,
                    gradIn, gradW, gradB);
            return;
        }
        if (gradB != null) Bias.perChannelGradient(gradOut, gradB);
        ConvBackward.run(x, w, gradOut, g, groups, gradIn, gradW, conf);
    }

    /** [nOut, cinG, kH, kW] -> [group][ky][coutG][cinG * kW]: one A matrix per group and kernel row. */
    private static FloatBuffer packByKernelRow(NDArray w, int groups, int cinG, int kH, int kW, ConvWorkspace ws) {
        int cout = w.size(0), coutG = cout / groups;
        int len = w.length();
        float[] src = ws.heap(4, len);
        float[] dst = ws.heap(5, len);
        Buffers.load(w.buffer(), w.offset(), src, 0, len);
        int kR = cinG * kW;
        for (int co = 0; co < cout; co++) {
            int grp = co / coutG, local = co % coutG;
            for (int ci = 0; ci < cinG; ci++) {
                for (int ky = 0; ky < kH; ky++) {
                    int s = ((co * cinG + ci) * kH + ky) * kW;
                    int d = ((grp * kH + ky) * coutG + local) * kR + ci * kW;
                    for (int kx = 0; kx < kW; kx++) dst[d + kx] = src[s + kx];
                }
            }
        }
        FloatBuffer packed = ws.direct(ConvWorkspace.PACKED_WEIGHTS, len);
        Buffers.store(dst, 0, packed, 0, len);
        return packed;
    }

    // ---- validation ---------------------------------------------------------------------------

    static ConvGeometry validate(NDArray x, NDArray w, NDArray b, Conv2DConfig cfg, int groups) {
        checkRank4(x, "input");
        checkRank4(w, "weights");
        if (cfg == null) throw new IllegalArgumentException("convolution config is null");
        int cin = x.size(1), cout = w.size(0);
        if (groups <= 0 || cin % groups != 0 || cout % groups != 0) {
            throw new IllegalArgumentException("groups " + groups + " must divide both nIn " + cin + " and nOut " + cout);
        }
        if (w.size(1) != cin / groups || w.size(2) != cfg.kH() || w.size(3) != cfg.kW()) {
            throw new IllegalArgumentException("weights shape " + Arrays.toString(w.shape()) + " does not match [nOut, nIn/groups, kH, kW] = ["
                    + cout + ", " + (cin / groups) + ", " + cfg.kH() + ", " + cfg.kW() + "] for input "
                    + Arrays.toString(x.shape()) + " (NCHW) and groups " + groups);
        }
        if (b != null && b.length() != cout) {
            throw new IllegalArgumentException("bias has " + b.length() + " elements, expected nOut = " + cout);
        }
        return cfg.geometry(x.size(2), x.size(3));
    }

    static void checkRank4(NDArray a, String what) {
        if (a == null) throw new IllegalArgumentException(what + " is null");
        if (a.rank() != 4) {
            throw new IllegalArgumentException(what + " must have rank 4 (NCHW), got shape " + Arrays.toString(a.shape()));
        }
    }

    static void requireShape(NDArray a, String what, int... shape) {
        if (a == null) throw new IllegalArgumentException(what + " is null");
        if (!Arrays.equals(a.shape(), shape)) {
            throw new IllegalArgumentException(what + " has shape " + Arrays.toString(a.shape()) + ", expected "
                    + Arrays.toString(shape));
        }
    }
}
