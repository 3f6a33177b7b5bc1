package org.dl4jbridge.ndarray.ops;

import java.nio.FloatBuffer;
import java.util.Arrays;
import org.dl4jbridge.ndarray.Backend;
import org.dl4jbridge.ndarray.Backends;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.ndarray.Parallel;

/**
 * Inference kernels over the batch-innermost layout CHWN ({@link ChwnLayout}) for the small maps of an
 * EfficientNet (14x14, 7x7), where per-image GEMMs have only 49 or 196 rows and a channels-last depthwise
 * loop needs a tiled weight row per tap:
 * <ul>
 * <li>{@link #forward}: an inverted-residual (MBConv) block. Per block of expanded channels (the engine's
 * threads take blocks in turn), the 1x1 expansion is one GEMM over the whole batch, {@code E[m x hw*n] =
 * We[m x cin] * X[cin x hw*n]}, whose rows stay in the second-level cache; each channel's row gets its scalar
 * bias and activation, goes into a zero-bordered plane and is convolved with the channel's kH*kW weights as
 * scalars (no weight loads: {@code acc[i] += w * s[i]} over rows of {@code wo * n} floats, each shifted input
 * row copied once to a zero-offset row, the form Java 25's C2 vectorises, or at batch 16 read at constant
 * shifts of the padded row, which it vectorises too), into the depthwise output D. The
 * 1x1 projection is then one GEMM per column tile of D, {@code Y[cout x cols] = Wp * D[mid x cols]}, with bias,
 * activation and residual added while the tile is in cache;</li>
 * <li>{@link #pointwise}: a 1x1 convolution, the projection's tiles alone;</li>
 * <li>{@link #pointwisePool}: a 1x1 convolution followed by global pooling (EfficientNet's head), per block of
 * output channels, so the head's activations are never stored.</li>
 * </ul>
 * The expanded tensor never exists in full; GEMMs are single-threaded on the engine's threads.
 */
public final class ChwnMBConv {
    /**
     * Floats of a thread's expansion block (its GEMM output, 2.5 MB, about a core's second-level cache; the
     * depthwise step reads each row once, in order): the block's channels are the GEMM's M, and a single-threaded
     * OpenBLAS sgemm at N = 3136, K = 112 (14x14 maps, batch 16) ran at 110 GFLOP/s with M = 83 against 131 with
     * M = 168 (thread CPU time, 2-core Xeon, under load). 2.5 MB gives EfficientNet-Lite0's 672-channel 14x14
     * blocks four blocks of 168 channels (two per thread) where 2 MB gave six of 112.
     */
    static final int EXPAND_FLOATS = 640 << 10;
    /** Floats of a projection tile's output, as {@link ConvConfig#tileFloats}'s default: in cache for its epilogue. */
    static final int TILE_FLOATS = 128 << 10;

    private ChwnMBConv() {}

    /** Whether {@link #forward} computes a block with this depthwise convolution: undilated. */
    public static boolean applies(Conv2DConfig dw) {
        return dw.dH() == 1 && dw.dW() == 1;
    }

    /**
     * The one place an inference pass picks how to run an inverted-residual block (with or without expansion)
     * whose expanded map is {@code mid x h x w} per image: {@link FusedMBConv} where that applies and pays (maps
     * larger than its strip's working set: EfficientNet-Lite0's 112x112 and 56x56 blocks), else this kernel
     * where the settings ask for it and it {@link #applies}, else layer by layer.
     *
     * <p>It replaced a channels-last kernel (per image: the expansion GEMM reading NCHW transposed, the depthwise
     * over all channels of a pixel chunk with tiled weight rows, the projection writing NCHW). Measured block by
     * block on EfficientNet-Lite0's shapes at batch 16, single-threaded CPU time per batch, interleaved (2-core
     * Xeon, under load): this kernel took 0.80 of its time on block 4 (28x28, 5x5), 1.08 on block 5 (28x28 3x3
     * stride 2, whose 1x1 GEMMs have K = 40 either way), 0.91 and 0.84 on the 14x14 blocks 6 and 9, 0.92 on block
     * 11 (stride 2) and 0.74-0.75 on the 7x7 blocks 13 and 15; the head's 1x1 convolution with the pool
     * ({@link #pointwisePool}) took 0.6-0.7 of the NCHW convolution and pool ({@code NetworkAB effnet 15
     * old=chwnBlocks:false new=} before the removal). Block 5 alone would have cost two layout conversions.
     */
    public static Path choose(ConvConfig conf, Conv2DConfig dw, int mid, int h, int w) {
        if (conf.fuseBlocks() && FusedMBConv.applies(dw) && FusedMBConv.pays(mid, h, w)) return Path.FUSED;
        if (conf.chwnBlocks() && applies(dw)) return Path.CHWN;
        return Path.LAYERS;
    }

    /** How an inverted-residual block runs ({@link #choose}). */
    public enum Path { CHWN, FUSED, LAYERS }

    /**
     * {@code out = projAct(proj(dwAct(dw(expAct(exp(x))))) + projB) + residual}, all arrays CHWN: {@code x}
     * {@code [cin, h, w, n]}, {@code out} and {@code residual} {@code [cout, ho, wo, n]}. Weights as NCHW
     * kernels take them ({@code expW [mid, cin, 1, 1]} or null for a block without expansion, {@code projW
     * [cout, mid, 1, 1]}), batch norms folded in by the caller; biases may be null.
     */
    public static void forward(NDArray x, NDArray expW, NDArray expB, FusedActivation expAct,
                               NDArray dwW, DepthwiseConvolution2D.Layout dwLayout, NDArray dwB, Conv2DConfig dw,
                               FusedActivation dwAct, NDArray projW, NDArray projB, FusedActivation projAct,
                               NDArray residual, NDArray out) {
        forward(x, expW, expB, expAct, dwW, dwLayout, dwB, dw, dwAct, projW, projB, projAct, residual, out, EXPAND_FLOATS);
    }

    /** As above with the expansion block's size given (tests make it small to run many blocks). */
    static void forward(NDArray x, NDArray expW, NDArray expB, FusedActivation expAct,
                        NDArray dwW, DepthwiseConvolution2D.Layout dwLayout, NDArray dwB, Conv2DConfig dw,
                        FusedActivation dwAct, NDArray projW, NDArray projB, FusedActivation projAct,
                        NDArray residual, NDArray out, int expandFloats) {
        Convolution2D.checkRank4(x, "CHWN input");
        if (!applies(dw)) {
            throw new IllegalArgumentException("ChwnMBConv: needs an undilated depthwise convolution, got " + dw
                    + "; run the layers one by one instead");
        }
        Buffers.requireContiguous(x, "CHWN input");
        Buffers.requireContiguous(out, "CHWN output");
        int cin = x.size(0), h = x.size(1), w = x.size(2), n = x.size(3);
        int mid = expW == null ? cin : expW.size(0), cout = FusedMBConv.checkWeights(cin, expW, dwW, dwLayout, dw, projW);
        ConvGeometry g = dw.geometry(h, w);
        Convolution2D.requireShape(out, "CHWN output", cout, g.outH(), g.outW(), n);
        if (residual != null) {
            Convolution2D.requireShape(residual, "CHWN residual", cout, g.outH(), g.outW(), n);
            Buffers.requireContiguous(residual, "CHWN residual");
        }
        Buffers.requireSeparate(out, "CHWN output", x, "the CHWN input");
        Buffers.requireSeparate(out, "CHWN output", residual, "the CHWN residual");
        float[] taps = DepthwiseConvolution2D.canonicalTaps(dwW, dwLayout, mid, dw.kH() * dw.kW());
        float[] eb = FusedMBConv.floats(expB, mid, "expansion bias"), db = FusedMBConv.floats(dwB, mid, "depthwise bias");
        float[] pb = FusedMBConv.floats(projB, cout, "projection bias");
        NDArray ew = expW == null ? null : expW.contiguous(), pw = projW.contiguous();
        int ho = g.outH(), wo = g.outW(), cols = ho * wo * n;
        Backend blas = Backends.get();
        // D [mid x ho*wo*n] in the calling thread's scratch (the worker threads use their own slots).
        FloatBuffer d = ConvWorkspace.get().direct(ConvWorkspace.GEMM_OUT, mid * cols);
        int perChannel = h * w * n;
        int threads = Parallel.threads();
        int cb = Math.max(1, Math.min(mid, expandFloats / perChannel));
        // At least two blocks per thread, so a thread slowed by other work does not hold up the pass, and a
        // multiple of the threads, the channels spread evenly over them.
        cb = Math.max(1, Math.min(cb, (mid + 2 * threads - 1) / (2 * threads)));
        int count = (mid + cb - 1) / cb;
        count = Math.min(mid, (count + threads - 1) / threads * threads);
        int blockCh = (mid + count - 1) / count, blocks = (mid + blockCh - 1) / blockCh;
        // Strided: the input's columns split by their residue modulo the stride (phaseSplit), so that the
        // expanded rows come out in that order and fill the depthwise plane's column phases with whole runs.
        FloatBuffer xb = x.buffer();
        int xOff = x.offset();
        if (g.cfg().sW() > 1) {
            xb = phaseSplit(x, g.cfg().sW());
            xOff = 0;
        }
        FloatBuffer xin = xb;
        int xinOff = xOff;
        blas.singleThreaded(() -> {
            Parallel.dynamicWithSetup(blocks, () -> {
                Depthwise dwk = new Depthwise(g, n, taps, db, dwAct);
                return blk -> {
                    int c0 = blk * blockCh, m = Math.min(blockCh, mid - c0);
                    FloatBuffer src;
                    int srcOff;
                    if (ew != null) {
                        src = ConvWorkspace.get().direct(ConvWorkspace.COLUMNS, m * perChannel);
                        srcOff = 0;
                        blas.sgemm(false, false, m, perChannel, cin, 1f, ew.buffer(), ew.offset() + c0 * cin, cin,
                                xin, xinOff, perChannel, 0f, src, 0, perChannel);
                    } else {
                        src = xin;
                        srcOff = xinOff + c0 * perChannel;
                    }
                    for (int ch = 0; ch < m; ch++) {
                        int c = c0 + ch;
                        dwk.channel(c, src, srcOff + ch * perChannel, ew == null ? FusedActivation.IDENTITY : expAct,
                                eb == null ? 0f : eb[c], d, c * cols);
                    }
                };
            });
            tiles(d, 0, mid, cols, pw, pb, projAct, residual, out);
        });
    }

    /**
     * CHWN {@code x} with each row's columns reordered by their residue modulo {@code s}: columns 0, s, 2s, ...,
     * then 1, s + 1, ..., each n floats. A strided depthwise convolution's taps read one column phase at a time;
     * reordering the block's input (cin channels) rather than its expansion (mid, several times more) makes the
     * expansion's rows come out already split. The copy is the calling thread's {@link ConvWorkspace#PHASES}
     * scratch, so {@link ConvWorkspace#releaseCurrentThread} frees it with the rest.
     */
    private static FloatBuffer phaseSplit(NDArray x, int s) {
        int c = x.size(0), h = x.size(1), w = x.size(2), n = x.size(3), plane = h * w * n;
        FloatBuffer out = ConvWorkspace.get().direct(ConvWorkspace.PHASES, c * plane);
        Parallel.dynamic(c, ch -> {
            ConvWorkspace ws = ConvWorkspace.get();
            float[] src = ws.heap(4, plane), dst = ws.heap(5, plane);
            Buffers.load(x.buffer(), x.offset() + ch * plane, src, 0, plane);
            for (int y = 0; y < h; y++) {
                int at = y * w * n;
                for (int q = 0; q < s; q++) {
                    for (int ix = q; ix < w; ix += s, at += n) System.arraycopy(src, (y * w + ix) * n, dst, at, n);
                }
            }
            Buffers.store(dst, 0, out, ch * plane, plane);
        });
        return out;
    }

    /**
     * A 1x1 convolution in CHWN: {@code out [cout, h, w, n] = act(W * x + b)}, {@code x [cin, h, w, n]},
     * {@code W [cout, cin, 1, 1]}, bias may be null.
     */
    public static void pointwise(NDArray x, NDArray w, NDArray b, FusedActivation act, NDArray out) {
        Convolution2D.checkRank4(x, "CHWN input");
        Buffers.requireContiguous(x, "CHWN input");
        Buffers.requireContiguous(out, "CHWN output");
        int cin = x.size(0), cout = w.size(0), cols = x.size(1) * x.size(2) * x.size(3);
        Convolution2D.requireShape(w, "1x1 weights", cout, cin, 1, 1);
        Convolution2D.requireShape(out, "CHWN output", cout, x.size(1), x.size(2), x.size(3));
        Buffers.requireSeparate(out, "CHWN output", x, "the CHWN input");
        float[] bias = FusedMBConv.floats(b, cout, "bias");
        NDArray wc = w.contiguous();
        Backends.get().singleThreaded(() -> tiles(x.buffer(), x.offset(), cin, cols, wc, bias, act, null, out));
    }

    /**
     * {@code Y = act(W * src + b) (+ residual)} into CHWN {@code out}, {@code src [k x cols]}: per column tile one
     * single-threaded GEMM on an engine thread, then bias, activation and residual over each output row of the
     * tile while it is in cache. Call inside {@link Backend#singleThreaded}.
     */
    private static void tiles(FloatBuffer src, int srcOff, int k, int cols, NDArray w, float[] bias, FusedActivation act,
                              NDArray residual, NDArray out) {
        int cout = w.size(0);
        // Tiles of whole 16-float groups, at least two per thread (balance), at most TILE_FLOATS of output.
        int tw = Math.max(16, Math.min(TILE_FLOATS / cout, (cols + 2 * Parallel.threads() - 1) / (2 * Parallel.threads())));
        tw = Math.min(cols, (tw + 15) / 16 * 16);
        int width = tw, count = (cols + tw - 1) / tw;
        Backend blas = Backends.get();
        FloatBuffer ob = out.buffer();
        int outOff = out.offset();
        Parallel.dynamic(count, t -> {
            int j0 = t * width, nj = Math.min(width, cols - j0);
            blas.sgemm(false, false, cout, nj, k, 1f, w.buffer(), w.offset(), k, src, srcOff + j0, cols, 0f, ob, outOff + j0, cols);
            if (bias == null && act == FusedActivation.IDENTITY && residual == null) return;
            ConvWorkspace ws = ConvWorkspace.get();
            float[] row = ws.heap(2, nj), res = residual == null ? null : ws.heap(3, nj);
            for (int co = 0; co < cout; co++) {
                int at = outOff + co * cols + j0;
                Buffers.load(ob, at, row, 0, nj);
                act.applyInPlace(row, 0, nj, bias == null ? 0f : bias[co]);
                if (residual != null) {
                    Buffers.load(residual.buffer(), residual.offset() + co * cols + j0, res, 0, nj);
                    for (int i = 0; i < nj; i++) row[i] += res[i];
                }
                Buffers.store(row, 0, ob, at, nj);
            }
        });
    }

    /**
     * A 1x1 convolution and global pooling: {@code pooled [n, cout] = pool(act(W * x + b))} for CHWN {@code x
     * [cin, h, w, n]}, per block of output channels (GEMM, then bias, activation and the pool per row while the
     * block is in cache), with {@link ChwnLayout#pool}'s arithmetic.
     */
    public static void pointwisePool(NDArray x, NDArray w, NDArray b, FusedActivation act, PoolingType type, NDArray pooled) {
        Convolution2D.checkRank4(x, "CHWN input");
        Buffers.requireContiguous(x, "CHWN input");
        if (type == null) throw new IllegalArgumentException("pooling type is null; use PoolingType.MAX or AVG");
        int cin = x.size(0), hw = x.size(1) * x.size(2), n = x.size(3), cols = hw * n, cout = w.size(0);
        Convolution2D.requireShape(w, "1x1 weights", cout, cin, 1, 1);
        Convolution2D.requireShape(pooled, "pooled output", n, cout);
        Buffers.requireSeparate(pooled, "pooled output", x, "the CHWN input");
        float[] bias = FusedMBConv.floats(b, cout, "bias");
        NDArray wc = w.contiguous();
        int threads = Parallel.threads();
        int rb = Math.max(1, Math.min(EXPAND_FLOATS / cols, (cout + 2 * threads - 1) / (2 * threads)));
        int rows = rb, count = (cout + rb - 1) / rb;
        Backend blas = Backends.get();
        blas.singleThreaded(() -> Parallel.dynamic(count, t -> {
            int c0 = t * rows, m = Math.min(rows, cout - c0);
            ConvWorkspace ws = ConvWorkspace.get();
            FloatBuffer y = ws.direct(ConvWorkspace.COLUMNS, m * cols);
            blas.sgemm(false, false, m, cols, cin, 1f, wc.buffer(), wc.offset() + c0 * cin, cin, x.buffer(), x.offset(), cols,
                    0f, y, 0, cols);
            float[] row = ws.heap(2, cols);
            for (int r = 0; r < m; r++) {
                Buffers.load(y, r * cols, row, 0, cols);
                act.applyInPlace(row, 0, cols, bias == null ? 0f : bias[c0 + r]);
                ChwnLayout.poolRow(row, hw, n, type, pooled, c0 + r, cout);
            }
        }));
    }

    /**
     * One thread's depthwise state: a channel's zero-bordered input plane, stored as {@code [hp][sW][wpc][n]}
     * (each padded row split into its sW column phases, so a tap's inputs for a whole output row are one
     * contiguous run at any stride), one array per padded row, and a ring over the last kH padded rows' kW
     * shifted inputs: the row itself for the first tap, zero-offset copies for the others. At batch 16 with kernel
     * widths 3 and 5 the taps read the plane's rows at constant shifts instead ({@link #shiftedRows}), with no ring;
     * at stride 2 the plane's rows then hold the even columns ({@code [hp][wpc][n]}) and {@link #odd} the odd ones.
     */
    private static final class Depthwise {
        final int n, h, w, ho, wo, sH, sW, kH, kW, padTop, padLeft, hp, wpc, rowLen;
        /**
         * Input rows the taps read, placed at padded rows [padTop, padTop + inRows) (Same padding at stride 2 may leave
         * the last input row unread); the padded rows outside hold zeros only.
         */
        final int inRows;
        final float[] taps, bias;
        final FusedActivation act;
        final float[][] plane;
        /**
         * At batch 16 with kernel widths 3 and 5 ({@link #shiftedRows}): the taps read the plane's rows at constant
         * shifts, and at column stride 2 {@code plane} holds each padded row's even columns and {@code odd} its odd ones.
         */
        final boolean shifted;
        final float[][] odd;
        final float[] acc;
        /** The channel's input {@code [h][w][n]} after its bias and activation. */
        final float[] input;
        /** The channel's output {@code [ho][wo][n]}. */
        final float[] out;
        /** The ring's rows: {@code ring[(r % kH) * kW + kx]} holds padded row r's inputs to tap kx from index 0. */
        final float[][] ring, copies;

        Depthwise(ConvGeometry g, int n, float[] taps, float[] bias, FusedActivation act) {
            this.n = n; this.taps = taps; this.bias = bias; this.act = act;
            this.h = g.inH(); this.w = g.inW(); this.ho = g.outH(); this.wo = g.outW();
            this.sH = g.cfg().sH(); this.sW = g.cfg().sW(); this.kH = g.cfg().kH(); this.kW = g.cfg().kW();
            this.padTop = g.padTop(); this.padLeft = g.padLeft();
            this.hp = (ho - 1) * sH + kH;
            int wp = (wo - 1) * sW + kW;
            this.wpc = (wp + sW - 1) / sW;
            this.rowLen = sW * wpc * n;
            this.inRows = Math.min(h, hp - padTop);
            // Zeroed once: every channel writes the same interior cells, so the border stays zero.
            this.shifted = n == 16 && sW <= 2 && (kW == 3 || kW == 5);
            boolean split = shifted && sW == 2;
            this.plane = new float[hp][split ? wpc * n : rowLen];
            this.odd = split ? new float[hp][wpc * n] : null;
            this.acc = new float[wo * n];
            this.input = new float[h * w * n];
            this.out = new float[ho * wo * n];
            this.copies = shifted ? null : new float[kH * kW][wo * n];
            this.ring = shifted ? null : new float[kH * kW][];
        }

        /**
         * The depthwise convolution of channel {@code c}, whose input {@code [h][w][n]} lies in {@code src} from
         * {@code srcOff} and gets {@code inAct(z + inBias)} first, into {@code d} from {@code dOff}.
         */
        void channel(int c, FloatBuffer src, int srcOff, FusedActivation inAct, float inBias, FloatBuffer d, int dOff) {
            fillPlane(src, srcOff, inAct, inBias);
            int len = wo * n, kk = kH * kW;
            float b = bias == null ? 0f : bias[c];
            int loaded = -1; // padded rows up to here are in the ring or skipped as padding
            // Only padded rows [rLo, rHi) hold input; kernel rows that fall on the zero rows above and below are
            // skipped, with their ring copies (a 5x5 kernel on a 7x7 map: 6 of its 35 kernel-row passes and 16 of
            // its 44 row copies per channel).
            int rLo = padTop, rHi = padTop + inRows;
            if (shifted) {
                shiftedRows(c, len, b, rLo, rHi);
                finish(d, dOff);
                return;
            }
            for (int oy = 0; oy < ho; oy++) {
                int top = oy * sH, kyLo = Math.max(0, rLo - top), kyHi = Math.min(kH, rHi - top);
                for (int r = Math.max(loaded + 1, top + kyLo); r < top + kyHi; r++) {
                    int slot = (r % kH) * kW;
                    // The first tap's inputs start the row: the plane's own row serves, uncopied.
                    ring[slot] = plane[r];
                    for (int kx = 1; kx < kW; kx++) {
                        System.arraycopy(plane[r], ((kx % sW) * wpc + kx / sW) * n, copies[slot + kx], 0, len);
                        ring[slot + kx] = copies[slot + kx];
                    }
                }
                loaded = Math.max(loaded, top + kyHi - 1);
                // The first kernel row not skipped starts the sums from the bias (no separate fill pass); 5x5 kernels
                // go two kernel rows at a time, so the sums pass through memory three times rather than five
                // (the taps' share of a 7x7 block's samples against its GEMMs': 0.29 against 0.32, JFR, under
                // load; nine 3x3 taps in one loop showed no gain: 0.10 against 0.08).
                int ky0 = kyLo;
                if (kW == 5) {
                    for (; ky0 + 1 < kyHi; ky0 += 2) {
                        int sa = ((top + ky0) % kH) * 5, sb = ((top + ky0 + 1) % kH) * 5;
                        taps10(acc, ring[sa], ring[sa + 1], ring[sa + 2], ring[sa + 3], ring[sa + 4], ring[sb], ring[sb + 1],
                                ring[sb + 2], ring[sb + 3], ring[sb + 4], len, taps, c * kk + ky0 * 5, ky0 == kyLo, b);
                    }
                }
                // The sums start from the bias here where no taps3/taps5/taps10 call starts them.
                if (ky0 == kyLo && (kyLo >= kyHi || (kW != 3 && kW != 5))) Arrays.fill(acc, 0, len, b);
                for (int ky = ky0; ky < kyHi; ky++) {
                    int slot = ((top + ky) % kH) * kW, k = c * kk + ky * kW;
                    if (kW == 3) {
                        taps3(acc, ring[slot], ring[slot + 1], ring[slot + 2], len, taps[k], taps[k + 1], taps[k + 2], ky == kyLo, b);
                    } else if (kW == 5) {
                        taps5(acc, ring[slot], ring[slot + 1], ring[slot + 2], ring[slot + 3], ring[slot + 4], len,
                                taps[k], taps[k + 1], taps[k + 2], taps[k + 3], taps[k + 4], ky == kyLo, b);
                    } else {
                        for (int kx = 0; kx < kW; kx++) tap(acc, ring[slot + kx], len, taps[k + kx]);
                    }
                }
                System.arraycopy(acc, 0, out, oy * len, len);
            }
            finish(d, dOff);
        }

        /**
         * The channel's output rows, from the bias, at batch 16 ({@link #shifted}): a tap's inputs for a whole output
         * row are the padded row (at stride 2 its even or odd columns) shifted by a multiple of 16 floats, a
         * compile-time constant in {@link #taps5n16} and its siblings, so C2 vectorises them reading the plane's rows
         * directly, without the ring's copies; with the batch a variable the same loops stay scalar. A 5x5 channel at
         * 14x14: 4.3 us against 7.7 with the copies (a microbenchmark on the 2-core Xeon); all CHWN blocks of
         * EfficientNet-Lite0 at batch 16, {@code NetworkAB effnet 20}, same JVM, two runs: 1.439 and 1.359 s against
         * 1.303 and 1.286 (stride 1 only in the first run), the whole network 121 and 128 img/s against 130 and 132.
         */
        private void shiftedRows(int c, int len, float b, int rLo, int rHi) {
            int kk = kH * kW;
            for (int oy = 0; oy < ho; oy++) {
                int top = oy * sH, kyLo = Math.max(0, rLo - top), kyHi = Math.min(kH, rHi - top);
                if (kyLo >= kyHi) Arrays.fill(acc, 0, len, b);
                for (int ky = kyLo; ky < kyHi; ky++) {
                    int k = c * kk + ky * kW, r = top + ky;
                    if (sW == 2 && kW == 5) {
                        taps5s2n16(acc, plane[r], odd[r], len, taps[k], taps[k + 1], taps[k + 2], taps[k + 3], taps[k + 4],
                                ky == kyLo, b);
                    } else if (sW == 2) {
                        taps3s2n16(acc, plane[r], odd[r], len, taps[k], taps[k + 1], taps[k + 2], ky == kyLo, b);
                    } else if (kW == 5) {
                        taps5n16(acc, plane[r], len, taps[k], taps[k + 1], taps[k + 2], taps[k + 3], taps[k + 4],
                                ky == kyLo, b);
                    } else {
                        taps3n16(acc, plane[r], len, taps[k], taps[k + 1], taps[k + 2], ky == kyLo, b);
                    }
                }
                System.arraycopy(acc, 0, out, oy * len, len);
            }
        }

        /** Out of the per-channel loops: the activation over the channel's output and its store into D. */
        private void finish(FloatBuffer d, int dOff) {
            // The activation over the channel's whole output: the clamps cost about as much per float as the
            // five-tap loops, several times more on short rows (Java's float min/max keep NaN and -0 semantics).
            act.applyInPlace(out, 0, ho * wo * n, 0f);
            Buffers.store(out, 0, d, dOff, ho * wo * n);
        }

        /**
         * Input rows and columns into the plane's interior (those the taps read: Same padding at stride 2 may skip
         * the last), after the input's bias and activation over the whole channel in one loop (per row, the 112
         * floats of a 7x7 map's row, the loop's overhead made it a tenth of a 7x7 block's time, under load).
         */
        private void fillPlane(FloatBuffer src, int srcOff, FusedActivation inAct, float inBias) {
            int rows = inRows, cols = Math.min(w, (wpc * sW) - padLeft);
            Buffers.load(src, srcOff, input, 0, rows * w * n);
            inAct.applyInPlace(input, 0, rows * w * n, inBias);
            for (int iy = 0; iy < rows; iy++) {
                float[] to = plane[iy + padTop];
                if (sW == 1) {
                    System.arraycopy(input, iy * w * n, to, padLeft * n, cols * n);
                } else {
                    // The row's columns come split by residue q (phaseSplit): columns q, q + sW, ... land in
                    // one column phase of the plane as one run.
                    for (int q = 0, from = iy * w; q < sW; from += (w - q + sW - 1) / sW, q++) {
                        int count = q < cols ? (cols - q + sW - 1) / sW : 0;
                        if (count == 0) continue;
                        int pc = q + padLeft;
                        if (odd != null) { // split phases (sW = 2)
                            System.arraycopy(input, from * n, pc % 2 == 0 ? to : odd[iy + padTop], (pc / 2) * n, count * n);
                        } else {
                            System.arraycopy(input, from * n, to, ((pc % sW) * wpc + pc / sW) * n, count * n);
                        }
                    }
                }
            }
        }
    }

    // Math.fma only where the JIT makes it the FMA instruction (DepthwiseTaps.fused), in two independent chains
    // so one long dependency does not hold up the vector loop; elsewhere the plain forms run.

    /** {@code acc += } one kernel row's three taps, or with {@code init}, {@code acc = bias + } them. */
    private static void taps3(float[] acc, float[] s0, float[] s1, float[] s2, int n, float a, float b, float c,
                              boolean init, float bias) {
        if (DepthwiseTaps.fused) {
            if (init) {
                for (int i = 0; i < n; i++) acc[i] = Math.fma(a, s0[i], Math.fma(c, s2[i], bias)) + b * s1[i];
            } else {
                for (int i = 0; i < n; i++) acc[i] = Math.fma(a, s0[i], Math.fma(c, s2[i], acc[i])) + b * s1[i];
            }
        } else if (init) {
            for (int i = 0; i < n; i++) acc[i] = bias + (a * s0[i] + b * s1[i] + c * s2[i]);
        } else {
            for (int i = 0; i < n; i++) acc[i] += a * s0[i] + b * s1[i] + c * s2[i];
        }
    }

    /**
     * {@code acc += } two 5-wide kernel rows' ten taps (weights {@code w[k .. k + 10)}), or with {@code init},
     * {@code acc = bias + } them.
     */
    private static void taps10(float[] acc, float[] s0, float[] s1, float[] s2, float[] s3, float[] s4, float[] t0,
                               float[] t1, float[] t2, float[] t3, float[] t4, int n, float[] w, int k, boolean init,
                               float bias) {
        float a = w[k], b = w[k + 1], c = w[k + 2], d = w[k + 3], e = w[k + 4];
        float f = w[k + 5], g = w[k + 6], h = w[k + 7], p = w[k + 8], q = w[k + 9];
        if (DepthwiseTaps.fused) {
            if (init) {
                for (int i = 0; i < n; i++) {
                    float x = Math.fma(a, s0[i], Math.fma(b, s1[i], Math.fma(c, s2[i], Math.fma(d, s3[i], Math.fma(e, s4[i], bias)))));
                    acc[i] = x + Math.fma(f, t0[i], Math.fma(g, t1[i], Math.fma(h, t2[i], Math.fma(p, t3[i], q * t4[i]))));
                }
            } else {
                for (int i = 0; i < n; i++) {
                    float x = Math.fma(a, s0[i], Math.fma(b, s1[i], Math.fma(c, s2[i], Math.fma(d, s3[i], Math.fma(e, s4[i], acc[i])))));
                    acc[i] = x + Math.fma(f, t0[i], Math.fma(g, t1[i], Math.fma(h, t2[i], Math.fma(p, t3[i], q * t4[i]))));
                }
            }
        } else if (init) {
            for (int i = 0; i < n; i++) {
                acc[i] = bias + (a * s0[i] + b * s1[i] + c * s2[i] + d * s3[i] + e * s4[i])
                        + (f * t0[i] + g * t1[i] + h * t2[i] + p * t3[i] + q * t4[i]);
            }
        } else {
            for (int i = 0; i < n; i++) {
                acc[i] += (a * s0[i] + b * s1[i] + c * s2[i] + d * s3[i] + e * s4[i])
                        + (f * t0[i] + g * t1[i] + h * t2[i] + p * t3[i] + q * t4[i]);
            }
        }
    }

    /** {@code acc += } one kernel row's five taps, or with {@code init}, {@code acc = bias + } them. */
    private static void taps5(float[] acc, float[] s0, float[] s1, float[] s2, float[] s3, float[] s4, int n,
                              float a, float b, float c, float d, float e, boolean init, float bias) {
        if (DepthwiseTaps.fused) {
            if (init) {
                for (int i = 0; i < n; i++) {
                    float x = Math.fma(a, s0[i], Math.fma(c, s2[i], Math.fma(e, s4[i], bias)));
                    acc[i] = x + Math.fma(b, s1[i], d * s3[i]);
                }
            } else {
                for (int i = 0; i < n; i++) {
                    float x = Math.fma(a, s0[i], Math.fma(c, s2[i], Math.fma(e, s4[i], acc[i])));
                    acc[i] = x + Math.fma(b, s1[i], d * s3[i]);
                }
            }
        } else if (init) {
            for (int i = 0; i < n; i++) acc[i] = bias + (a * s0[i] + b * s1[i] + c * s2[i] + d * s3[i] + e * s4[i]);
        } else {
            for (int i = 0; i < n; i++) acc[i] += a * s0[i] + b * s1[i] + c * s2[i] + d * s3[i] + e * s4[i];
        }
    }

    /**
     * {@code acc += } one kernel row's five taps over a padded CHWN row of batch 16 ({@code s[i + 16 * kx]}), or
     * with {@code init}, {@code acc = bias + } them.
     */
    private static void taps5n16(float[] acc, float[] s, int n, float a, float b, float c, float d, float e, boolean init,
                                 float bias) {
        if (DepthwiseTaps.fused) {
            if (init) {
                for (int i = 0; i < n; i++) {
                    float x = Math.fma(a, s[i], Math.fma(c, s[i + 32], Math.fma(e, s[i + 64], bias)));
                    acc[i] = x + Math.fma(b, s[i + 16], d * s[i + 48]);
                }
            } else {
                for (int i = 0; i < n; i++) {
                    float x = Math.fma(a, s[i], Math.fma(c, s[i + 32], Math.fma(e, s[i + 64], acc[i])));
                    acc[i] = x + Math.fma(b, s[i + 16], d * s[i + 48]);
                }
            }
        } else if (init) {
            for (int i = 0; i < n; i++) acc[i] = bias + (a * s[i] + b * s[i + 16] + c * s[i + 32] + d * s[i + 48] + e * s[i + 64]);
        } else {
            for (int i = 0; i < n; i++) acc[i] += a * s[i] + b * s[i + 16] + c * s[i + 32] + d * s[i + 48] + e * s[i + 64];
        }
    }

    /**
     * {@code acc += } one kernel row's five taps at column stride 2 over a padded CHWN row of batch 16 split into its
     * even ({@code ev}) and odd ({@code od}) columns: taps 0, 2, 4 read {@code ev} at shifts 0, 16, 32, taps 1, 3
     * read {@code od} at 0, 16; with {@code init}, {@code acc = bias + } them.
     */
    private static void taps5s2n16(float[] acc, float[] ev, float[] od, int n, float a, float b, float c, float d, float e,
                                   boolean init, float bias) {
        if (DepthwiseTaps.fused) {
            if (init) {
                for (int i = 0; i < n; i++) {
                    float x = Math.fma(a, ev[i], Math.fma(c, ev[i + 16], Math.fma(e, ev[i + 32], bias)));
                    acc[i] = x + Math.fma(b, od[i], d * od[i + 16]);
                }
            } else {
                for (int i = 0; i < n; i++) {
                    float x = Math.fma(a, ev[i], Math.fma(c, ev[i + 16], Math.fma(e, ev[i + 32], acc[i])));
                    acc[i] = x + Math.fma(b, od[i], d * od[i + 16]);
                }
            }
        } else if (init) {
            for (int i = 0; i < n; i++) acc[i] = bias + (a * ev[i] + b * od[i] + c * ev[i + 16] + d * od[i + 16] + e * ev[i + 32]);
        } else {
            for (int i = 0; i < n; i++) acc[i] += a * ev[i] + b * od[i] + c * ev[i + 16] + d * od[i + 16] + e * ev[i + 32];
        }
    }

    /** As {@link #taps5s2n16} for a kernel row of three taps (0 and 2 from {@code ev}, 1 from {@code od}). */
    private static void taps3s2n16(float[] acc, float[] ev, float[] od, int n, float a, float b, float c, boolean init,
                                   float bias) {
        if (DepthwiseTaps.fused) {
            if (init) {
                for (int i = 0; i < n; i++) acc[i] = Math.fma(a, ev[i], Math.fma(c, ev[i + 16], bias)) + b * od[i];
            } else {
                for (int i = 0; i < n; i++) acc[i] = Math.fma(a, ev[i], Math.fma(c, ev[i + 16], acc[i])) + b * od[i];
            }
        } else if (init) {
            for (int i = 0; i < n; i++) acc[i] = bias + (a * ev[i] + b * od[i] + c * ev[i + 16]);
        } else {
            for (int i = 0; i < n; i++) acc[i] += a * ev[i] + b * od[i] + c * ev[i + 16];
        }
    }

    /** As {@link #taps5n16} for a kernel row of three taps. */
    private static void taps3n16(float[] acc, float[] s, int n, float a, float b, float c, boolean init, float bias) {
        if (DepthwiseTaps.fused) {
            if (init) {
                for (int i = 0; i < n; i++) acc[i] = Math.fma(a, s[i], Math.fma(c, s[i + 32], bias)) + b * s[i + 16];
            } else {
                for (int i = 0; i < n; i++) acc[i] = Math.fma(a, s[i], Math.fma(c, s[i + 32], acc[i])) + b * s[i + 16];
            }
        } else if (init) {
            for (int i = 0; i < n; i++) acc[i] = bias + (a * s[i] + b * s[i + 16] + c * s[i + 32]);
        } else {
            for (int i = 0; i < n; i++) acc[i] += a * s[i] + b * s[i + 16] + c * s[i + 32];
        }
    }

    private static void tap(float[] acc, float[] s, int n, float a) {
        if (DepthwiseTaps.fused) {
            for (int i = 0; i < n; i++) acc[i] = Math.fma(a, s[i], acc[i]);
        } else {
            for (int i = 0; i < n; i++) acc[i] += a * s[i];
        }
    }
}
