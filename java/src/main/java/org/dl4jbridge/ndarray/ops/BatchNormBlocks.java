package org.dl4jbridge.ndarray.ops;

import java.nio.FloatBuffer;
import org.dl4jbridge.ndarray.Parallel;

/**
 * Batch-norm training forward and backward for NCHW maps whose values per channel ({@code mb·H·W})
 * are few, such as EfficientNet's 7x7 maps with 1152 channels at batch 16 (784 values a channel).
 *
 * <p>Why: the plane-at-a-time kernels of {@link BatchNorm} pay a bulk copy, a lambda and an
 * eight-lane scalar sum per 49-value plane, three times forward and three times backward. Here the
 * channels are split into blocks; for each image, a block's planes lie next to each other, so one
 * bulk copy fetches all of them and every loop runs along the whole block ({@code cb·H·W} floats):
 * the sums are element-wise adds into a block-long float lane array (what C2 vectorises), folded
 * into double per channel at most every {@link #FLUSH_IMAGES} images (each lane then sums at most 64
 * floats, so its rounding stays near 1e-7 relative, as {@link Reductions}' lanes do). The block's
 * values of all images stay in per-thread scratch (one array per image, about {@link #BLOCK_FLOATS}
 * floats in all, L2-resident),
 * so the input is read from memory once and the output written once; blocks run in parallel, taken
 * dynamically (a core may be busy with other work).
 *
 * <p>The math is {@link BatchNorm}'s, through the same per-channel helpers ({@link #mean},
 * {@link #normaliser}, {@link #gradientCoefficients}): the same centred two-pass variance (the mean
 * first, then the squared deviations from the float mean), the same affine forms. Only the order of
 * the additions inside a channel's sums differs.
 */
final class BatchNormBlocks {
    /** Values per channel ({@code mb·H·W}) up to which these kernels run (256 KB of floats a channel). */
    static final int MAX_CHANNEL_FLOATS = 1 << 16;
    /** Target floats of one scratch array (a block's values over all images): 64 KB, well inside L2. */
    static final int BLOCK_FLOATS = 1 << 14;
    /** Images summed into the float lanes before they are folded into the double sums. */
    static final int FLUSH_IMAGES = 64;

    private BatchNormBlocks() {}

    /** Whether the block kernels take a [mb, C, H, W] map with {@code plane = H·W}. */
    static boolean applies(int mb, int plane) {
        return plane > 1 && (long) mb * plane <= MAX_CHANNEL_FLOATS;
    }

    // ---- the per-channel math (shared with BatchNorm's plane-at-a-time path) ------------------

    /** The batch mean from the channel's sum over its n values. */
    static float mean(double sum, int n) { return (float) (sum / n); }

    /**
     * From Σ(x − μ)² over n values: the population variance, 1/sqrt(var + eps) and the output scale
     * γ/sqrt(var + eps) of channel c.
     */
    static void normaliser(int c, double squares, int n, double eps, float[] gamma, float[] var, float[] invStd,
                           float[] scale) {
        double v = squares / n;
        double is = 1.0 / Math.sqrt(v + eps);
        var[c] = (float) v;
        invStd[c] = (float) is;
        scale[c] = (float) (gamma[c] * is);
    }

    /**
     * dx = γ·σ⁻¹·(dy − Σdy/N − x̂·Σ(dy·x̂)/N) written as {@code a·dy + b·(x − μ) + c0} for channel c,
     * from Σdy and Σdy·(x − μ); also dGamma = Σdy·x̂ and dBeta = Σdy into those arrays.
     */
    static void gradientCoefficients(int c, double sumDy, double sumDyXc, float gamma, float invStd, int n,
                                     float[] a, float[] b, float[] c0, float[] dGamma, float[] dBeta) {
        double is = invStd;
        double sumDyXhat = sumDyXc * is;
        double gs = gamma * is;
        a[c] = (float) gs;
        b[c] = (float) (-gs * is * sumDyXhat / n);
        c0[c] = (float) (-gs * sumDy / n);
        dGamma[c] = (float) sumDyXhat;
        dBeta[c] = (float) sumDy;
    }

    // ---- kernels --------------------------------------------------------------------------------

    /** Channels per block: a block's values over all images fill about one scratch array. */
    private static int blockChannels(int mb, int channels, int plane) {
        int cb = Math.max(1, BLOCK_FLOATS / (mb * plane));
        // At least four blocks a thread, so the dynamic schedule can even out a busy core.
        int spread = Math.max(1, (channels + 4 * Parallel.threads() - 1) / (4 * Parallel.threads()));
        return Math.min(cb, spread);
    }

    /**
     * Training forward: writes {@code out = (x − μ_c)·scale_c + beta_c} and, per channel, the batch
     * mean, variance and 1/sqrt(var + eps). x and out are contiguous [mb, C, plane] at their offsets.
     */
    static void forward(FloatBuffer xb, int xo, FloatBuffer ob, int oo, int mb, int channels, int plane,
                        float[] gamma, float[] beta, double eps, float[] mean, float[] var, float[] invStd) {
        int cb = blockChannels(mb, channels, plane), blocks = (channels + cb - 1) / cb, n = mb * plane;
        float[] scale = new float[channels];
        run(blocks, (long) mb * channels * plane, () -> {
            int w = cb * plane;
            float[][] xs = new float[mb][w];
            float[] lanes = new float[w], m = new float[w], s = new float[w], t = new float[w];
            double[] sums = new double[cb];
            return blk -> {
                int c0 = blk * cb, k = Math.min(cb, channels - c0), width = k * plane;
                for (int i = 0; i < mb; i++) xb.get(xo + (i * channels + c0) * plane, xs[i], 0, width);
                laneSums(xs, null, mb, width, plane, k, lanes, sums);
                for (int c = 0; c < k; c++) mean[c0 + c] = mean(sums[c], n);
                spread(mean, c0, k, plane, m);
                laneSums(xs, m, mb, width, plane, k, lanes, sums);
                for (int c = 0; c < k; c++) normaliser(c0 + c, sums[c], n, eps, gamma, var, invStd, scale);
                spread(scale, c0, k, plane, s);
                spread(beta, c0, k, plane, t);
                for (int i = 0; i < mb; i++) {
                    normalise(xs[i], m, s, t, width);
                    ob.put(oo + (i * channels + c0) * plane, xs[i], 0, width);
                }
            };
        });
    }

    /**
     * Training backward: {@code dx = a_c·dy + b_c·(x − μ_c) + c0_c} (see {@link #gradientCoefficients}),
     * and dGamma, dBeta per channel. dx may be dy (each block is read whole before it is written).
     */
    static void backward(FloatBuffer xb, int xo, FloatBuffer dyb, int dyo, FloatBuffer dxb, int dxo, int mb, int channels,
                         int plane, float[] gamma, float[] mean, float[] invStd, int n, float[] dGamma, float[] dBeta) {
        int cb = blockChannels(mb, channels, plane), blocks = (channels + cb - 1) / cb;
        float[] a = new float[channels], b = new float[channels], c0s = new float[channels];
        run(blocks, (long) mb * channels * plane, () -> {
            int w = cb * plane;
            float[][] xs = new float[mb][w], gs = new float[mb][w];
            float[] lanes = new float[w], lanesX = new float[w];
            float[] m = new float[w], ea = new float[w], eb = new float[w], ec = new float[w];
            double[] sumDy = new double[cb], sumDyXc = new double[cb];
            return blk -> {
                int c0 = blk * cb, k = Math.min(cb, channels - c0), width = k * plane;
                for (int i = 0; i < mb; i++) {
                    int at = (i * channels + c0) * plane;
                    xb.get(xo + at, xs[i], 0, width);
                    dyb.get(dyo + at, gs[i], 0, width);
                }
                spread(mean, c0, k, plane, m);
                gradientSums(gs, xs, m, mb, width, plane, k, lanes, lanesX, sumDy, sumDyXc);
                for (int c = 0; c < k; c++) {
                    int ch = c0 + c;
                    gradientCoefficients(ch, sumDy[c], sumDyXc[c], gamma[ch], invStd[ch], n, a, b, c0s, dGamma, dBeta);
                }
                spread(a, c0, k, plane, ea);
                spread(b, c0, k, plane, eb);
                spread(c0s, c0, k, plane, ec);
                for (int i = 0; i < mb; i++) {
                    inputGradient(gs[i], xs[i], m, ea, eb, ec, width);
                    dxb.put(dxo + (i * channels + c0) * plane, gs[i], 0, width);
                }
            };
        });
    }

    /** The blocks in parallel when the map is big enough to pay for the hand-off, else here. */
    private static void run(int blocks, long values, java.util.function.Supplier<java.util.function.IntConsumer> setup) {
        if (values >= Chunked.PARALLEL_MIN) {
            Parallel.dynamicWithSetup(blocks, setup);
            return;
        }
        java.util.function.IntConsumer body = setup.get();
        for (int blk = 0; blk < blocks; blk++) body.accept(blk);
    }

    /** {@code out[c·plane + p] = v[c0 + c]} for the block's k channels: per-channel values along the block. */
    private static void spread(float[] v, int c0, int k, int plane, float[] out) {
        for (int c = 0; c < k; c++) java.util.Arrays.fill(out, c * plane, (c + 1) * plane, v[c0 + c]);
    }

    /**
     * Per channel of the block: Σ x (center null) or Σ (x − center)², over mb images of
     * {@code width = k·plane} values each, into {@code sums[0 .. k)}.
     */
    private static void laneSums(float[][] xs, float[] center, int mb, int width, int plane, int k, float[] lanes,
                                 double[] sums) {
        java.util.Arrays.fill(sums, 0, k, 0.0);
        for (int i0 = 0; i0 < mb; i0 += FLUSH_IMAGES) {
            java.util.Arrays.fill(lanes, 0, width, 0f);
            for (int i = i0; i < Math.min(mb, i0 + FLUSH_IMAGES); i++) {
                if (center == null) add(lanes, xs[i], width); else addSquares(lanes, xs[i], center, width);
            }
            fold(lanes, plane, k, sums);
        }
    }

    /** Σ dy and Σ dy·(x − center) per channel of the block, as {@link #laneSums}. */
    private static void gradientSums(float[][] gs, float[][] xs, float[] center, int mb, int width, int plane, int k,
                                     float[] lanes, float[] lanesX, double[] sumDy, double[] sumDyXc) {
        java.util.Arrays.fill(sumDy, 0, k, 0.0);
        java.util.Arrays.fill(sumDyXc, 0, k, 0.0);
        for (int i0 = 0; i0 < mb; i0 += FLUSH_IMAGES) {
            java.util.Arrays.fill(lanes, 0, width, 0f);
            java.util.Arrays.fill(lanesX, 0, width, 0f);
            for (int i = i0; i < Math.min(mb, i0 + FLUSH_IMAGES); i++) {
                add(lanes, gs[i], width);
                addProducts(lanesX, gs[i], xs[i], center, width);
            }
            fold(lanes, plane, k, sumDy);
            fold(lanesX, plane, k, sumDyXc);
        }
    }

    /** sums[c] += Σ_p lanes[c·plane + p] in double. */
    private static void fold(float[] lanes, int plane, int k, double[] sums) {
        for (int c = 0; c < k; c++) {
            double s = 0;
            for (int p = c * plane, end = p + plane; p < end; p++) s += lanes[p];
            sums[c] += s;
        }
    }

    // Loops over zero-offset arrays indexed alike: the shape C2 (JDK 25) vectorises. With a run-time
    // offset into one of them it must assume they may overlap and stays scalar (DepthwiseForward), so
    // each image's block has an array of its own.

    private static void add(float[] acc, float[] x, int n) {
        for (int j = 0; j < n; j++) acc[j] += x[j];
    }

    private static void addSquares(float[] acc, float[] x, float[] m, int n) {
        for (int j = 0; j < n; j++) {
            float d = x[j] - m[j];
            acc[j] += d * d;
        }
    }

    private static void addProducts(float[] acc, float[] g, float[] x, float[] m, int n) {
        for (int j = 0; j < n; j++) acc[j] += g[j] * (x[j] - m[j]);
    }

    /** In place: x = (x − m)·s + t (BatchNorm's affine form). */
    private static void normalise(float[] x, float[] m, float[] s, float[] t, int n) {
        for (int j = 0; j < n; j++) x[j] = (x[j] - m[j]) * s[j] + t[j];
    }

    /** In place into g: g = a·g + b·(x − m) + c (BatchNorm's backward affine form). */
    private static void inputGradient(float[] g, float[] x, float[] m, float[] a, float[] b, float[] c, int n) {
        for (int j = 0; j < n; j++) g[j] = a[j] * g[j] + b[j] * (x[j] - m[j]) + c[j];
    }
}
