package org.dl4jbridge.ndarray.ops;

import java.nio.FloatBuffer;
import java.util.Arrays;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.ndarray.Parallel;

/**
 * DL4J's BatchNormalization layer math, per channel.
 *
 * <p>Shapes: {@code x} is contiguous c-order {@code [mb, C]} (feed-forward: statistics over the
 * minibatch) or {@code [mb, C, H, W]} (NCHW: statistics over mb, H and W). {@code gamma}, {@code beta},
 * {@code mean}, {@code var} hold C elements each, any shape or view ({@code [1, C]} slices of the
 * parameter vector). Outputs have x's shape and may be x itself.
 *
 * <ul>
 *   <li>{@link #inference}: {@code y = gamma·(x − mean)/sqrt(var + eps) + beta} with the running
 *       statistics.</li>
 *   <li>{@link #training}: the same with the batch mean and the batch variance {@code Σ(x − μ)²/N}
 *       (population variance, N = values per channel), returning a {@link Stats} for backward and
 *       for the running-statistics update. Backward needs the unmodified input, so a training
 *       layer must not pass {@code out == x}.</li>
 *   <li>{@link #updateRunningStats}: DL4J's decay convention {@code running = decay·running +
 *       (1 − decay)·batch}, for mean and variance (same batch variance as the forward).</li>
 *   <li>{@link #backward}: {@code dx}, {@code dGamma = Σ dy·x̂}, {@code dBeta = Σ dy} for training mode
 *       (gradients summed over the minibatch, not divided, as DL4J's layers hand them to the
 *       updater). {@code dx} may be {@code dy}; {@code dGamma}/{@code dBeta} may be null (frozen or
 *       locked gamma/beta) and are overwritten otherwise.</li>
 * </ul>
 * Defaults: {@link #DEFAULT_EPS} 1e-5 and {@link #DEFAULT_DECAY} 0.9 (DL4J's). DL4J's {@code useLogStd}
 * parameterisation (stored log10 of the standard deviation) is a parameter-layout matter for the
 * layer: convert it to a variance before calling these.
 */
public final class BatchNorm {
    public static final double DEFAULT_EPS = 1e-5;
    public static final double DEFAULT_DECAY = 0.9;

    /** Batch statistics of one training forward pass, per channel. */
    public record Stats(float[] mean, float[] var, float[] invStd, int valuesPerChannel) {}

    private BatchNorm() {}

    /** Inference-mode normalisation with running statistics; returns out. */
    public static NDArray inference(NDArray x, NDArray gamma, NDArray beta, NDArray mean, NDArray var, double eps,
                                    NDArray out) {
        Geometry g = Geometry.of(x, out);
        float[] ga = g.perChannel("gamma", gamma), be = g.perChannel("beta", beta);
        float[] mu = g.perChannel("mean", mean), va = g.perChannel("var", var);
        float[] scale = new float[g.channels];
        for (int c = 0; c < g.channels; c++) scale[c] = (float) (ga[c] / Math.sqrt(va[c] + eps));
        affine(g, x, out, mu, scale, be);
        return out;
    }

    /** Training-mode normalisation with batch statistics; returns them. */
    public static Stats training(NDArray x, NDArray gamma, NDArray beta, double eps, NDArray out) {
        Geometry g = Geometry.of(x, out);
        if (g.perChannelCount() == 0) throw new IllegalArgumentException("batch norm of an empty batch " + Arrays.toString(x.shape()));
        float[] ga = g.perChannel("gamma", gamma), be = g.perChannel("beta", beta);
        float[] mean = new float[g.channels], var = new float[g.channels], invStd = new float[g.channels];
        if (BatchNormBlocks.applies(g.mb, g.plane)) {
            // Few values per channel (EfficientNet's 7x7 maps): channel blocks, one read and one write.
            BatchNormBlocks.forward(x.buffer(), x.offset(), out.buffer(), out.offset(), g.mb, g.channels, g.plane,
                    ga, be, eps, mean, var, invStd);
            return new Stats(mean, var, invStd, g.perChannelCount());
        }
        double[] sum = channelSums(g, x, null, null);
        for (int c = 0; c < g.channels; c++) mean[c] = BatchNormBlocks.mean(sum[c], g.perChannelCount());
        double[] sq = channelSums(g, x, x, mean);
        float[] scale = new float[g.channels];
        for (int c = 0; c < g.channels; c++) BatchNormBlocks.normaliser(c, sq[c], g.perChannelCount(), eps, ga, var, invStd, scale);
        affine(g, x, out, mean, scale, be);
        return new Stats(mean, var, invStd, g.perChannelCount());
    }

    /** {@code runMean = decay·runMean + (1−decay)·batchMean}, likewise runVar; in place. */
    public static void updateRunningStats(Stats s, NDArray runMean, NDArray runVar, double decay) {
        if (!(decay >= 0 && decay <= 1)) {
            throw new IllegalArgumentException("batch norm decay must be in [0, 1], got " + decay + " (DL4J default 0.9)");
        }
        blend(runMean, s.mean(), decay, "running mean");
        blend(runVar, s.var(), decay, "running var");
    }

    /**
     * Training-mode backward: {@code x} is the forward input (unchanged since), {@code dy} = dL/dy.
     * Writes dx (same shape as x, may be dy) and, when non-null, dGamma and dBeta (C elements).
     */
    public static void backward(NDArray x, NDArray dy, NDArray gamma, Stats s, NDArray dx, NDArray dGamma, NDArray dBeta) {
        Geometry g = Geometry.of(x, dx);
        Chunked.sameShapeContiguous("dy", dy, "x", x);
        float[] ga = g.perChannel("gamma", gamma);
        if (s.mean().length != g.channels) {
            throw new IllegalArgumentException("stats are for " + s.mean().length + " channels, x has " + g.channels);
        }
        int n = s.valuesPerChannel();
        float[] dg = new float[g.channels], db = new float[g.channels];
        if (BatchNormBlocks.applies(g.mb, g.plane)) {
            BatchNormBlocks.backward(x.buffer(), x.offset(), dy.buffer(), dy.offset(), dx.buffer(), dx.offset(), g.mb,
                    g.channels, g.plane, ga, s.mean(), s.invStd(), n, dg, db);
        } else {
            double[] sumDy = channelSums(g, dy, null, null);
            double[] sumDyXc = channelSums(g, dy, x, s.mean()); // Σ dy·(x − μ)
            float[] a = new float[g.channels], b = new float[g.channels], c0 = new float[g.channels];
            for (int c = 0; c < g.channels; c++) {
                BatchNormBlocks.gradientCoefficients(c, sumDy[c], sumDyXc[c], ga[c], s.invStd()[c], n, a, b, c0, dg, db);
            }
            affine2(g, dy, x, s.mean(), dx, a, b, c0);
        }
        for (int c = 0; c < g.channels; c++) {
            if (dGamma != null) dGamma.put(c, dg[c]);
            if (dBeta != null) dBeta.put(c, db[c]);
        }
    }

    // ---- geometry --------------------------------------------------------------------------

    /** x viewed as [mb, C, plane] (plane = H·W, or 1 for rank 2). */
    private record Geometry(int mb, int channels, int plane) {
        static Geometry of(NDArray x, NDArray out) {
            if (x.rank() != 2 && x.rank() != 4) {
                throw new IllegalArgumentException("batch norm input must be [mb, C] or [mb, C, H, W], got "
                        + Arrays.toString(x.shape()));
            }
            Chunked.sameShapeContiguous("x", x, "output", out);
            return new Geometry(x.size(0), x.size(1), x.rank() == 4 ? x.size(2) * x.size(3) : 1);
        }

        int perChannelCount() { return mb * plane; }

        float[] perChannel(String name, NDArray v) {
            if (v == null || v.length() != channels) {
                throw new IllegalArgumentException("batch norm " + name + " must hold " + channels + " values (one per channel), got "
                        + (v == null ? "null" : Arrays.toString(v.shape())));
            }
            return v.toFloatArray();
        }

        boolean big() { return (long) mb * channels * plane >= Chunked.PARALLEL_MIN; }
    }

    private static void blend(NDArray running, float[] batch, double decay, String name) {
        if (running.length() != batch.length) {
            throw new IllegalArgumentException(name + " must hold " + batch.length + " values, got " + Arrays.toString(running.shape()));
        }
        for (int c = 0; c < batch.length; c++) running.put(c, (float) (decay * running.get(c) + (1 - decay) * batch[c]));
    }

    // ---- kernels ----------------------------------------------------------------------------

    /**
     * Per channel: Σ u when {@code v} is null, else Σ u·(v − center_c) (with u == v: the squared
     * deviations). Accumulated in double.
     */
    private static double[] channelSums(Geometry g, NDArray u, NDArray v, float[] center) {
        double[] out = new double[g.channels];
        FloatBuffer ub = u.buffer(), vb = v == null ? null : v.buffer();
        int uo = u.offset(), vo = v == null ? 0 : v.offset();
        if (g.plane == 1) {
            float[] ur = new float[g.channels], vr = new float[g.channels];
            for (int i = 0; i < g.mb; i++) {
                ub.get(uo + i * g.channels, ur, 0, g.channels);
                if (v == null) {
                    accumulate(out, ur, g.channels);
                } else if (u == v) {
                    accumulateSquares(out, ur, center, g.channels);
                } else {
                    vb.get(vo + i * g.channels, vr, 0, g.channels);
                    accumulateCentered(out, ur, vr, center, g.channels);
                }
            }
            return out;
        }
        Parallel.RangeBody body = (lo, hi) -> {
            int len = Math.min(g.plane, Chunked.CHUNK);
            float[] us = new float[len], vs = new float[len];
            for (int c = lo; c < hi; c++) {
                double s = 0;
                for (int i = 0; i < g.mb; i++) {
                    int base = (i * g.channels + c) * g.plane;
                    for (int p = 0; p < g.plane; p += len) {
                        int k = Math.min(len, g.plane - p);
                        ub.get(uo + base + p, us, 0, k);
                        if (v == null) {
                            s += Reductions.sum(us, k);
                        } else if (u == v) {
                            s += Reductions.squaredDeviations(us, center[c], k);
                        } else {
                            vb.get(vo + base + p, vs, 0, k);
                            s += Reductions.dotCentered(us, vs, center[c], k);
                        }
                    }
                }
                out[c] = s;
            }
        };
        if (g.big()) Parallel.range(g.channels, body); else body.run(0, g.channels);
        return out;
    }

    /** out = (x − center_c)·scale_c + shift_c (centred first: no cancellation when |mean| ≫ std). */
    private static void affine(Geometry g, NDArray x, NDArray out, float[] center, float[] scale, float[] shift) {
        FloatBuffer xb = x.buffer(), ob = out.buffer();
        int xo = x.offset(), oo = out.offset();
        if (g.plane == 1) {
            Parallel.RangeBody rows = (lo, hi) -> {
                float[] r = new float[g.channels], y = new float[g.channels];
                for (int i = lo; i < hi; i++) {
                    xb.get(xo + i * g.channels, r, 0, g.channels);
                    affineRow(r, center, scale, shift, y, g.channels);
                    ob.put(oo + i * g.channels, y, 0, g.channels);
                }
            };
            if (g.big()) Parallel.range(g.mb, rows); else rows.run(0, g.mb);
            return;
        }
        Parallel.RangeBody planes = (lo, hi) -> {
            int len = Math.min(g.plane, Chunked.CHUNK);
            float[] r = new float[len], y = new float[len];
            for (int q = lo; q < hi; q++) {
                int c = q % g.channels, base = q * g.plane;
                for (int p = 0; p < g.plane; p += len) {
                    int k = Math.min(len, g.plane - p);
                    xb.get(xo + base + p, r, 0, k);
                    affineScalar(r, center[c], scale[c], shift[c], y, k);
                    ob.put(oo + base + p, y, 0, k);
                }
            }
        };
        if (g.big()) Parallel.range(g.mb * g.channels, planes); else planes.run(0, g.mb * g.channels);
    }

    /** out = a_c·u + b_c·(v − center_c) + c_c. */
    private static void affine2(Geometry g, NDArray u, NDArray v, float[] center, NDArray out, float[] a, float[] b,
                                float[] c0) {
        FloatBuffer ub = u.buffer(), vb = v.buffer(), ob = out.buffer();
        int uo = u.offset(), vo = v.offset(), oo = out.offset();
        if (g.plane == 1) {
            Parallel.RangeBody rows = (lo, hi) -> {
                float[] ur = new float[g.channels], vr = new float[g.channels], y = new float[g.channels];
                for (int i = lo; i < hi; i++) {
                    ub.get(uo + i * g.channels, ur, 0, g.channels);
                    vb.get(vo + i * g.channels, vr, 0, g.channels);
                    affine2Row(ur, vr, center, a, b, c0, y, g.channels);
                    ob.put(oo + i * g.channels, y, 0, g.channels);
                }
            };
            if (g.big()) Parallel.range(g.mb, rows); else rows.run(0, g.mb);
            return;
        }
        Parallel.RangeBody planes = (lo, hi) -> {
            int len = Math.min(g.plane, Chunked.CHUNK);
            float[] ur = new float[len], vr = new float[len], y = new float[len];
            for (int q = lo; q < hi; q++) {
                int c = q % g.channels, base = q * g.plane;
                for (int p = 0; p < g.plane; p += len) {
                    int k = Math.min(len, g.plane - p);
                    ub.get(uo + base + p, ur, 0, k);
                    vb.get(vo + base + p, vr, 0, k);
                    affine2Scalar(ur, vr, center[c], a[c], b[c], c0[c], y, k);
                    ob.put(oo + base + p, y, 0, k);
                }
            }
        };
        if (g.big()) Parallel.range(g.mb * g.channels, planes); else planes.run(0, g.mb * g.channels);
    }

    private static void accumulate(double[] acc, float[] r, int n) {
        for (int j = 0; j < n; j++) acc[j] += r[j];
    }

    /**
     * Σ (x − c)², not Σ x·(x − c): the two differ by c·Σ(x − c), and with the float mean as c that
     * term is |mean| times the mean's rounding, which swamps the variance when |mean| ≫ std.
     */
    private static void accumulateSquares(double[] acc, float[] x, float[] center, int n) {
        for (int j = 0; j < n; j++) {
            double d = (double) x[j] - center[j];
            acc[j] += d * d;
        }
    }

    private static void accumulateCentered(double[] acc, float[] u, float[] v, float[] center, int n) {
        for (int j = 0; j < n; j++) acc[j] += (double) u[j] * ((double) v[j] - center[j]);
    }

    private static void affineRow(float[] x, float[] m, float[] scale, float[] shift, float[] y, int n) {
        for (int j = 0; j < n; j++) y[j] = (x[j] - m[j]) * scale[j] + shift[j];
    }

    private static void affineScalar(float[] x, float m, float scale, float shift, float[] y, int n) {
        for (int j = 0; j < n; j++) y[j] = (x[j] - m) * scale + shift;
    }

    private static void affine2Row(float[] u, float[] v, float[] m, float[] a, float[] b, float[] c, float[] y, int n) {
        for (int j = 0; j < n; j++) y[j] = a[j] * u[j] + b[j] * (v[j] - m[j]) + c[j];
    }

    private static void affine2Scalar(float[] u, float[] v, float m, float a, float b, float c, float[] y, int n) {
        for (int j = 0; j < n; j++) y[j] = a * u[j] + b * (v[j] - m) + c;
    }
}
