package org.dl4jbridge.ndarray.ops;

import java.nio.FloatBuffer;
import java.util.Arrays;
import org.dl4jbridge.ndarray.Backend;
import org.dl4jbridge.ndarray.Backends;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.ndarray.Parallel;

/**
 * An inverted-residual (MBConv) block for inference with a channels-last interior: NCHW in, NCHW
 * out, no transposes. Per unit of work (an image, or a strip of a large image's output rows):
 * <ol>
 * <li>the 1x1 expansion is one GEMM that reads the NCHW input transposed, {@code E[pixels x mid] =
 * X^T[pixels x cin] * We^T[cin x mid]}, so E comes out pixel-major with the channels contiguous;</li>
 * <li>E's rows are copied into a zero-bordered heap plane (the copy off-heap to heap is needed anyway
 * for loops C2 vectorises, so the padding costs only its border), bias and activation applied over each
 * whole row against the bias tiled to the row's length;</li>
 * <li>the depthwise convolution runs over a chunk of output pixels with all their channels at once
 * ({@code d[pixel][c] += e[pixel + tap][c] * w[tap][c]}, one kernel row's taps per loop): loops over a few
 * hundred contiguous floats whatever the map size, where an NCHW kernel on 14x14 or 7x7 planes runs short
 * loops with scalar tails. C2 (Java 25) vectorises such loops only over zero-offset arrays, so each tap's
 * inputs are first copied into rows of their own (a ring that serves every output row reading them) and
 * the weights are tiled to the chunk;</li>
 * <li>the 1x1 projection is one GEMM that writes NCHW directly, {@code Y[cout x pixels] = Wp[cout x mid]
 * * D^T}, and bias, activation and residual are added per output channel while the tile is in cache.</li>
 * </ol>
 * Units run on the engine's threads with single-threaded GEMMs. Batch norms are folded into the three
 * convolutions' weights and biases by the caller. The expansion is required: for a block without one
 * (EfficientNet-Lite0's block 0) the transposed GEMM with an identity matrix made the layout at 38 ms a batch
 * against {@link FusedMBConv}'s 36 (under load), so FusedMBConv keeps those.
 */
public final class ChannelsLastMBConv {
    /**
     * Floats of a unit's working set (padded expanded rows, depthwise rows, output rows) aimed for: 2 MB, a
     * core's second-level cache on the 2-core Xeon measured (lscpu), as {@link FusedMBConv#STRIP_FLOATS}.
     */
    static final int UNIT_FLOATS = 512 << 10;

    private ChannelsLastMBConv() {}

    /**
     * Whether {@link #forward} computes a block with this depthwise convolution and expansion: no dilation,
     * depth multiplier 1 (checked by the weights' shape), an expansion present.
     */
    public static boolean applies(Conv2DConfig dw, boolean hasExpansion) {
        return hasExpansion && dw.dH() == 1 && dw.dW() == 1;
    }

    /**
     * The one place an inference pass picks how to run an inverted-residual block whose expanded map is
     * {@code mid x h x w} per image: {@link FusedMBConv} where that applies and pays (maps larger than a
     * unit's working set: EfficientNet-Lite0's 112x112 and 56x56 blocks), else this kernel where the settings
     * ask for it and it {@link #applies}, else layer by layer. Measured with {@code NetworkAB effnet 5
     * old=channelsLastBlocks:false new=} and {@code -Dnetworkab.cpuTime=true} (2-core Xeon, under load, CPU
     * seconds over 5 batches, four runs): blocks 4-15 (28x28 to 7x7) took 0.84-0.97 s with this kernel against
     * 1.14-1.28 s layer by layer, the whole network 0.79-0.85 of the layer path's CPU per batch; on blocks 1-3
     * it tied with FusedMBConv ({@code fused= cl=fuseBlocks:false}: 0.68 s each over 6 batches).
     */
    public static Path choose(ConvConfig conf, Conv2DConfig dw, boolean hasExpansion, int mid, int h, int w) {
        if (conf.fuseBlocks() && FusedMBConv.applies(dw) && FusedMBConv.pays(mid, h, w)) return Path.FUSED;
        if (conf.chwnBlocks() && ChwnMBConv.applies(dw)) return Path.CHWN;
        if (conf.channelsLastBlocks() && applies(dw, hasExpansion)) return Path.CHANNELS_LAST;
        return Path.LAYERS;
    }

    /** How an inverted-residual block runs ({@link #choose}). */
    public enum Path { CHWN, CHANNELS_LAST, FUSED, LAYERS }

    /**
     * {@code out = projAct(proj(dwAct(dw(expAct(exp(x))))) + projB) + residual}; arguments as
     * {@link FusedMBConv#forward}, except that the expansion weights are required.
     */
    public static void forward(NDArray x, NDArray expW, NDArray expB, FusedActivation expAct,
                               NDArray dwW, DepthwiseConvolution2D.Layout dwLayout, NDArray dwB, Conv2DConfig dw,
                               FusedActivation dwAct, NDArray projW, NDArray projB, FusedActivation projAct,
                               NDArray residual, NDArray out) {
        forward(x, expW, expB, expAct, dwW, dwLayout, dwB, dw, dwAct, projW, projB, projAct, residual, out, UNIT_FLOATS);
    }

    /** As above, with the unit's working set given (tests make it small to run strips on small images). */
    static void forward(NDArray x, NDArray expW, NDArray expB, FusedActivation expAct,
                        NDArray dwW, DepthwiseConvolution2D.Layout dwLayout, NDArray dwB, Conv2DConfig dw,
                        FusedActivation dwAct, NDArray projW, NDArray projB, FusedActivation projAct,
                        NDArray residual, NDArray out, int unitFloats) {
        Convolution2D.checkRank4(x, "input");
        if (!applies(dw, expW != null)) {
            throw new IllegalArgumentException("ChannelsLastMBConv: needs expansion weights and an undilated depthwise "
                    + "convolution, got " + dw + (expW == null ? " without expansion" : "")
                    + "; use FusedMBConv or run the layers one by one instead");
        }
        ConvGeometry g = FusedMBConv.checkShapes(x, expW, dwW, dwLayout, dw, projW, residual, out);
        int mid = expW.size(0), cout = projW.size(0), kk = dw.kH() * dw.kW();
        // Taps as [tap][channel], so one tap's weights for all channels are contiguous.
        float[] canonical = DepthwiseConvolution2D.canonicalTaps(dwW, dwLayout, mid, kk);
        float[] taps = new float[kk * mid];
        for (int ch = 0; ch < mid; ch++) {
            for (int k = 0; k < kk; k++) taps[k * mid + ch] = canonical[ch * kk + k];
        }
        float[] eb = FusedMBConv.floats(expB, mid, "expansion bias"), db = FusedMBConv.floats(dwB, mid, "depthwise bias");
        new Plan(x, Buffers.contiguous(expW), eb == null ? new float[mid] : eb, expAct, taps,
                db == null ? new float[mid] : db, g, dwAct, Buffers.contiguous(projW), FusedMBConv.floats(projB, cout, "projection bias"),
                projAct, residual, out, unitFloats).run();
    }

    private static final class Plan {
        final NDArray x, expW, projW, residual, out;
        final float[] expB, taps, dwB, projB;
        final FusedActivation expAct, dwAct, projAct;
        final ConvGeometry g;
        final int n, cin, mid, cout, h, w, ho, wo, sH, sW, kH, kW;
        /** Width of the padded plane: the columns the taps read, (wo - 1) * sW + kW. */
        final int wp;
        final int stripRows, strips;
        /**
         * Output pixels per depthwise loop: a loop over at least one pixel's channels and about 512 floats, so
         * the tiled weights and the ring's rows (kH * kW of each) mostly stay in the first-level cache. Under
         * load, process CPU per batch of the whole network: 0.80 and 0.79 of the layer path's with 512, 0.85
         * and 0.82 with 2048 ({@code NetworkAB effnet 5 old=channelsLastBlocks:false new=}, two runs each).
         */
        final int chunk;
        /** Expansion bias tiled over an input row; depthwise bias and each tap's weights tiled over a chunk. */
        final float[] rowBias, chunkBias;
        final float[][] tiledTaps;
        final Backend blas = Backends.get();

        Plan(NDArray x, NDArray expW, float[] expB, FusedActivation expAct, float[] taps, float[] dwB, ConvGeometry g,
             FusedActivation dwAct, NDArray projW, float[] projB, FusedActivation projAct, NDArray residual, NDArray out,
             int unitFloats) {
            this.x = x; this.expW = expW; this.expB = expB; this.expAct = expAct; this.taps = taps; this.dwB = dwB;
            this.g = g; this.dwAct = dwAct; this.projW = projW; this.projB = projB; this.projAct = projAct;
            this.residual = residual; this.out = out;
            this.n = x.size(0); this.cin = x.size(1); this.h = x.size(2); this.w = x.size(3);
            this.mid = expW.size(0); this.cout = projW.size(0);
            this.ho = g.outH(); this.wo = g.outW();
            this.sH = g.cfg().sH(); this.sW = g.cfg().sW(); this.kH = g.cfg().kH(); this.kW = g.cfg().kW();
            this.wp = (wo - 1) * sW + kW;
            // Per output row: the padded expanded rows it reads (sH, more at a strip's edges), its depthwise
            // row and its output row.
            long perRow = (long) mid * ((long) sH * wp + wo) + (long) cout * wo;
            int rows = (int) Math.max(1, Math.min(ho, unitFloats / perRow));
            int count = (ho + rows - 1) / rows;
            // Large images: enough strips that every thread has a few units to balance.
            while (count > 1 && count < ho && (long) n * count < 4L * Parallel.threads()) count++;
            this.stripRows = (ho + count - 1) / count;
            this.strips = (ho + stripRows - 1) / stripRows;
            this.chunk = Math.max(1, Math.min(wo, 512 / mid));
            this.rowBias = tile(expB, 0, mid, w);
            this.chunkBias = tile(dwB, 0, mid, chunk);
            this.tiledTaps = new float[kH * kW][];
            for (int k = 0; k < kH * kW; k++) tiledTaps[k] = tile(taps, k * mid, mid, chunk);
        }

        void run() {
            blas.singleThreaded(() -> Parallel.dynamic(n * strips, t -> unit(t / strips, (t % strips) * stripRows)));
        }

        /** Output rows [oy0, oy0 + stripRows) of image b. */
        void unit(int b, int oy0) {
            int oy1 = Math.min(ho, oy0 + stripRows), orows = oy1 - oy0;
            // Padded rows [pr0, pr1) are read; padded row r holds input row r - padTop.
            int pr0 = oy0 * sH, pr1 = (oy1 - 1) * sH + kH, prows = pr1 - pr0;
            int padTop = g.padTop(), padLeft = g.padLeft();
            int iyA = Math.max(0, pr0 - padTop), iyB = Math.min(h, pr1 - padTop);
            int rowsIn = Math.max(0, iyB - iyA);
            // Input columns inside the padded plane (Same padding at stride 2 may leave the last unread).
            int cols = Math.max(0, Math.min(w, wp - padLeft));
            int rowLen = wp * mid;
            ConvWorkspace ws = ConvWorkspace.get();
            float[] plane = ws.heap(0, prows * rowLen);

            // 1. Expansion into E [pixels of rows iyA..iyB) x mid], then rows into the padded plane.
            FloatBuffer e = ws.direct(ConvWorkspace.COLUMNS, Math.max(1, rowsIn * w * mid));
            float[] eRow = ws.heap(2, w * mid);
            int hw = h * w, xOff = x.offset() + b * cin * hw;
            if (rowsIn > 0) {
                blas.sgemm(true, true, rowsIn * w, mid, cin, 1f, x.buffer(), xOff + iyA * w, hw,
                        expW.buffer(), expW.offset(), cin, 0f, e, 0, mid);
            }
            for (int pr = pr0; pr < pr1; pr++) {
                int iy = pr - padTop, at = (pr - pr0) * rowLen;
                if (iy < 0 || iy >= h) {
                    Arrays.fill(plane, at, at + rowLen, 0f);
                    continue;
                }
                int left = Math.min(wp, padLeft) * mid;
                Arrays.fill(plane, at, at + left, 0f);
                Arrays.fill(plane, at + left + cols * mid, at + rowLen, 0f);
                Buffers.load(e, (iy - iyA) * w * mid, eRow, 0, cols * mid);
                biasAct(eRow, rowBias, cols * mid, expAct);
                System.arraycopy(eRow, 0, plane, at + left, cols * mid);
            }
            // 2. Depthwise, a chunk of output pixels at a time over all their channels, the inputs of each tap
            // copied to a zero-offset row first (C2 vectorises the multiply-adds only over zero-offset arrays:
            // with a variable offset into the plane they ran scalar, at a sixth of the speed). The copies of a
            // padded row serve all kH output rows that read it: a ring of kH rows, each as kW shifted copies.
            // D [pixels x mid], straight into the off-heap buffer the projection's GEMM reads.
            FloatBuffer dd = ws.direct(ConvWorkspace.GEMM_OUT, orows * wo * mid);
            Scratch sc = SCRATCH.get().size(kH * kW, chunk * mid);
            float[] acc = sc.acc;
            for (int x0 = 0; x0 < wo; x0 += chunk) {
                int np = Math.min(chunk, wo - x0), len = np * mid;
                int loaded = -1; // last padded row (relative to pr0) in the ring
                for (int oy = oy0; oy < oy1; oy++) {
                    int top = (oy - oy0) * sH;
                    for (int r = Math.max(loaded + 1, top); r < top + kH; r++) {
                        int rowOff = r * rowLen, slot = (r % kH) * kW;
                        for (int kx = 0; kx < kW; kx++) {
                            float[] dst = sc.shifted[slot + kx];
                            if (sW == 1) {
                                System.arraycopy(plane, rowOff + (x0 + kx) * mid, dst, 0, len);
                            } else {
                                for (int px = 0; px < np; px++) {
                                    System.arraycopy(plane, rowOff + ((x0 + px) * sW + kx) * mid, dst, px * mid, mid);
                                }
                            }
                        }
                    }
                    loaded = top + kH - 1;
                    System.arraycopy(chunkBias, 0, acc, 0, len);
                    for (int ky = 0; ky < kH; ky++) {
                        int slot = ((top + ky) % kH) * kW, k = ky * kW;
                        if (kW == 3) {
                            taps3(acc, sc.shifted, slot, tiledTaps[k], tiledTaps[k + 1], tiledTaps[k + 2], len);
                        } else if (kW == 5) {
                            taps5(acc, sc.shifted, slot, tiledTaps[k], tiledTaps[k + 1], tiledTaps[k + 2], tiledTaps[k + 3],
                                    tiledTaps[k + 4], len);
                        } else {
                            for (int kx = 0; kx < kW; kx++) tap(acc, sc.shifted[slot + kx], tiledTaps[k + kx], len);
                        }
                    }
                    dwAct.applyInPlace(acc, 0, len, 0f);
                    Buffers.store(acc, 0, dd, ((oy - oy0) * wo + x0) * mid, len);
                }
            }

            // 3. Projection straight into NCHW, then bias, activation and residual per output channel.
            int lenOut = orows * wo, po = ho * wo;
            FloatBuffer ob = out.buffer();
            int outOff = out.offset() + b * cout * po + oy0 * wo;
            blas.sgemm(false, true, cout, lenOut, mid, 1f, projW.buffer(), projW.offset(), mid, dd, 0, mid, 0f, ob, outOff, po);
            if (projB == null && projAct == FusedActivation.IDENTITY && residual == null) return;
            float[] row = ws.heap(2, lenOut), res = ws.heap(3, lenOut);
            int resOff = residual == null ? 0 : residual.offset() + b * cout * po + oy0 * wo;
            for (int co = 0; co < cout; co++) {
                Buffers.load(ob, outOff + co * po, row, 0, lenOut);
                projAct.applyInPlace(row, 0, lenOut, projB == null ? 0f : projB[co]);
                if (residual != null) {
                    Buffers.load(residual.buffer(), resOff + co * po, res, 0, lenOut);
                    addTo(row, res, lenOut);
                }
                Buffers.store(row, 0, ob, outOff + co * po, lenOut);
            }
        }
    }

    private static void addTo(float[] row, float[] res, int n) {
        for (int i = 0; i < n; i++) row[i] += res[i];
    }

    /** {@code v[i] = act(v[i] + bias[i])} (zero-offset arrays: vectorised). */
    private static void biasAct(float[] v, float[] bias, int n, FusedActivation act) {
        switch (act) {
            case RELU6 -> { for (int i = 0; i < n; i++) v[i] = Math.min(Math.max(v[i] + bias[i], 0f), 6f); }
            case RELU -> { for (int i = 0; i < n; i++) v[i] = Math.max(v[i] + bias[i], 0f); }
            default -> { for (int i = 0; i < n; i++) v[i] += bias[i]; }
        }
    }

    /** {@code src[off .. off + m)} repeated {@code times} times. */
    private static float[] tile(float[] src, int off, int m, int times) {
        float[] t = new float[m * times];
        for (int r = 0; r < times; r++) System.arraycopy(src, off, t, r * m, m);
        return t;
    }

    /** Per-thread rows of the depthwise step: the accumulator and the ring's shifted input rows. */
    private static final class Scratch {
        float[] acc = new float[0];
        float[][] shifted = new float[0][];

        Scratch size(int rows, int len) {
            if (acc.length < len) acc = new float[len];
            if (shifted.length < rows || shifted[0].length < len) {
                shifted = new float[Math.max(rows, shifted.length)][];
                for (int i = 0; i < shifted.length; i++) shifted[i] = new float[acc.length];
            }
            return this;
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    // The multiply-adds use Math.fma only where the JIT makes it the FMA instruction ({@link DepthwiseTaps#fused});
    // elsewhere Math.fma is a slow software routine and the plain forms run.

    private static void taps3(float[] acc, float[][] s, int at, float[] w0, float[] w1, float[] w2, int n) {
        float[] s0 = s[at], s1 = s[at + 1], s2 = s[at + 2];
        if (DepthwiseTaps.fused) {
            for (int i = 0; i < n; i++) acc[i] = Math.fma(s0[i], w0[i], Math.fma(s2[i], w2[i], acc[i])) + s1[i] * w1[i];
        } else {
            for (int i = 0; i < n; i++) acc[i] += s0[i] * w0[i] + s1[i] * w1[i] + s2[i] * w2[i];
        }
    }

    private static void taps5(float[] acc, float[][] s, int at, float[] w0, float[] w1, float[] w2, float[] w3, float[] w4,
                              int n) {
        float[] s0 = s[at], s1 = s[at + 1], s2 = s[at + 2], s3 = s[at + 3], s4 = s[at + 4];
        if (DepthwiseTaps.fused) {
            for (int i = 0; i < n; i++) {
                float a = Math.fma(s0[i], w0[i], Math.fma(s2[i], w2[i], Math.fma(s4[i], w4[i], acc[i])));
                acc[i] = a + Math.fma(s1[i], w1[i], s3[i] * w3[i]);
            }
        } else {
            for (int i = 0; i < n; i++) acc[i] += s0[i] * w0[i] + s1[i] * w1[i] + s2[i] * w2[i] + s3[i] * w3[i] + s4[i] * w4[i];
        }
    }

    private static void tap(float[] acc, float[] s, float[] w, int n) {
        if (DepthwiseTaps.fused) {
            for (int i = 0; i < n; i++) acc[i] = Math.fma(s[i], w[i], acc[i]);
        } else {
            for (int i = 0; i < n; i++) acc[i] += s[i] * w[i];
        }
    }
}
