package org.dl4jbridge.ndarray.ops;

import java.nio.FloatBuffer;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.ndarray.Parallel;

/**
 * Depthwise convolution backward (depth multiplier 1) on channels-last copies of the input and the
 * output gradient, for {@link DepthwiseConvolution2D#backwardKernel}.
 *
 * <p>Per channel the work is tiny (EfficientNet-Lite0's last blocks: 7x7 planes), so loops over a
 * plane are a few elements long and the per-plane weight-gradient sums are serial reductions, which
 * the JIT does not vectorise. Channels-last, every step is a loop over a run of channels: the
 * weight gradient {@code dW[t][c] += dy[p][c] * x[p + tap t][c]} and the input gradient
 * {@code dx[p + tap t][c] += w[t][c] * dy[p][c]} accumulate element-wise along the channels, with no
 * reduction. Threads take disjoint channel ranges, so nothing is shared. The copies cost one pass
 * each over the input, the output gradient and the input gradient.
 */
final class DepthwiseBackwardNhwc {
    private DepthwiseBackwardNhwc() {}

    /** Most channels per thread task: a run long enough for the vector loops, short enough that the taps' rows stay in L1. */
    private static final int CHANNEL_BLOCK = 256;

    /**
     * {@code taps} are [channel][tap]; writes {@code gradW} through {@code layout}, {@code gradB} and
     * {@code gradIn} when not null (all overwritten).
     */
    static void run(NDArray x, float[] taps, DepthwiseConvolution2D.Layout layout, NDArray gradOut, ConvGeometry g,
                    NDArray gradIn, NDArray gradW, NDArray gradB) {
        Conv2DConfig c = g.cfg();
        int n = x.size(0), ch = x.size(1), kH = c.kH(), kW = c.kW(), kk = kH * kW;
        int h = g.inH(), w = g.inW(), ho = g.outH(), wo = g.outW();
        int hp = (ho - 1) * c.sH() + (kH - 1) * c.dH() + 1, wp = (wo - 1) * c.sW() + (kW - 1) * c.dW() + 1;
        // Equal blocks, a multiple of the thread count of them (1152 channels, 2 threads: 6 of 192, not 4 of 256 and one of 128).
        int threads = Parallel.threads();
        int blocks = threads * (((ch + CHANNEL_BLOCK - 1) / CHANNEL_BLOCK + threads - 1) / threads);
        int block = (ch + blocks - 1) / blocks;
        int blockCount = (ch + block - 1) / block;
        float[] dTaps = new float[kk * ch], dBias = new float[ch];
        float[] tapsT = new float[kk * ch];
        for (int o = 0; o < ch; o++) for (int t = 0; t < kk; t++) tapsT[t * ch + o] = taps[o * kk + t];
        Parallel.dynamic(blockCount, blk -> {
            int c0 = blk * block, cb = Math.min(block, ch - c0);
            // One array per position (row of cb channels): every loop below runs over zero-offset arrays
            // indexed alike, which C2 vectorises; with run-time offsets into shared arrays it cannot rule out
            // overlap and stays scalar (see DepthwiseForward).
            float[][] xp = new float[hp * wp][cb];          // one image's padded input, channels last
            float[][] dxp = gradIn == null ? null : new float[hp * wp][cb];
            float[][] gy = new float[ho * wo][cb];
            // The block's planes of one image are contiguous in NCHW: one bulk read each, then transposed
            // position by position (sequential writes; the staged planes, cb*H*W floats, stay in L1).
            float[] staged = new float[cb * Math.max(h * w, ho * wo)];
            float[][] dWt = new float[kk][cb], tp = new float[kk][cb];
            float[] db = new float[cb];
            for (int t = 0; t < kk; t++) System.arraycopy(tapsT, t * ch + c0, tp[t], 0, cb);
            int hw = h * w, hwo = ho * wo;
            for (int img = 0; img < n; img++) {
                for (float[] r : xp) java.util.Arrays.fill(r, 0f);
                Buffers.load(x.buffer(), x.offset() + (img * ch + c0) * hw, staged, 0, cb * hw);
                for (int iy = 0; iy < h; iy++) {
                    int py = iy + g.padTop();
                    if (py >= hp) continue;
                    for (int ix = 0; ix < w; ix++) {
                        int px = ix + g.padLeft();
                        if (px < wp) gatherColumn(staged, iy * w + ix, hw, xp[py * wp + px], cb);
                    }
                }
                Buffers.load(gradOut.buffer(), gradOut.offset() + (img * ch + c0) * hwo, staged, 0, cb * hwo);
                for (int q = 0; q < hwo; q++) gatherColumn(staged, q, hwo, gy[q], cb);
                if (dxp != null) for (float[] r : dxp) java.util.Arrays.fill(r, 0f);
                for (int oy = 0; oy < ho; oy++) {
                    for (int ox = 0; ox < wo; ox++) {
                        float[] gq = gy[oy * wo + ox];
                        add(db, gq, cb);
                        for (int ky = 0; ky < kH; ky++) {
                            for (int kx = 0; kx < kW; kx++) {
                                int t = ky * kW + kx;
                                int pr = (oy * c.sH() + ky * c.dH()) * wp + ox * c.sW() + kx * c.dW();
                                mulAdd(dWt[t], gq, xp[pr], cb);
                                if (dxp != null) mulAdd(dxp[pr], gq, tp[t], cb);
                            }
                        }
                    }
                }
                if (gradIn != null) {
                    // input positions past the padded extent are never read: zero gradient
                    java.util.Arrays.fill(staged, 0, cb * hw, 0f);
                    for (int iy = 0; iy < h; iy++) {
                        int py = iy + g.padTop();
                        if (py >= hp) continue;
                        for (int ix = 0; ix < w; ix++) {
                            int px = ix + g.padLeft();
                            if (px < wp) scatterColumn(dxp[py * wp + px], staged, iy * w + ix, hw, cb);
                        }
                    }
                    Buffers.store(staged, 0, gradIn.buffer(), gradIn.offset() + (img * ch + c0) * hw, cb * hw);
                }
            }
            for (int t = 0; t < kk; t++) for (int k = 0; k < cb; k++) dTaps[(c0 + k) * kk + t] = dWt[t][k];
            System.arraycopy(db, 0, dBias, c0, cb);
        });
        FloatBuffer gwb = gradW.buffer();
        for (int o = 0; o < ch; o++) {
            for (int t = 0; t < kk; t++) gwb.put(gradW.offset() + layout.index(o, t, ch, kk), dTaps[o * kk + t]);
        }
        if (gradB != null) for (int o = 0; o < ch; o++) gradB.put(o, dBias[o]);
    }

    /** {@code row[k] = planes[k * stride + q]}: position q of cb planes, channels last. */
    private static void gatherColumn(float[] planes, int q, int stride, float[] row, int cb) {
        for (int k = 0, at = q; k < cb; k++, at += stride) row[k] = planes[at];
    }

    /** {@code planes[k * stride + q] = row[k]}. */
    private static void scatterColumn(float[] row, float[] planes, int q, int stride, int cb) {
        for (int k = 0, at = q; k < cb; k++, at += stride) planes[at] = row[k];
    }

    /** {@code acc[i] += a[i] * b[i]}: a loop the JIT vectorises. */
    private static void mulAdd(float[] acc, float[] a, float[] b, int len) {
        for (int i = 0; i < len; i++) acc[i] += a[i] * b[i];
    }

    private static void add(float[] acc, float[] a, int len) {
        for (int i = 0; i < len; i++) acc[i] += a[i];
    }
}
