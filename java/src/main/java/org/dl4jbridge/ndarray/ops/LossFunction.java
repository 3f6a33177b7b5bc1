package org.dl4jbridge.ndarray.ops;

import java.nio.FloatBuffer;
import java.util.Arrays;
import org.dl4jbridge.ndarray.NDArray;

/**
 * DL4J's output-layer losses (names as in {@code LossFunctions.LossFunction}) with DL4J's math
 * (DL4J_SPEC 6.1, 6.3). All arrays are contiguous c-order {@code [mb, n]}: {@code a} is the output
 * layer's activation (after {@code act}), {@code labels} the targets, {@code z} the pre-activation.
 *
 * <ul>
 *   <li>MCXENT and NEGATIVELOGLIKELIHOOD (identical math): per-example
 *       {@code ℓ_i = −Σ_c y_ic·log(a_ic)}; when {@code act} is SOFTMAX and {@code clipEps > 0},
 *       {@code a} is clipped to {@code [clipEps, 1 − clipEps]} for the score only (default 1e-10).
 *       Gradient w.r.t. z: SOFTMAX gives DL4J's fused {@code a − y} (unclipped); other activations
 *       {@code dL/da = −y/a} pushed through {@code act}'s backward.</li>
 *   <li>MSE (DL4J's LossMSE = LossL2 divided by the number of outputs):
 *       {@code ℓ_i = (1/n)·Σ_j (a_ij − y_ij)²}; {@code dL/da = 2(a − y)/n}, pushed through {@code act}.</li>
 * </ul>
 * {@link #score} returns {@code Σ_i ℓ_i / mb} (DL4J's layer score with {@code miniBatch=true},
 * without regularization terms, which the network adds). {@link #gradient} returns the
 * <b>per-example</b> {@code dL/dz} (not divided by mb): DL4J's layers sum it over the minibatch and
 * the updater divides by mb. Per-class weights and masks are not supported.
 */
public enum LossFunction {
    MCXENT, NEGATIVELOGLIKELIHOOD, MSE;

    /** LossMCXENT's default softmaxClipEps. */
    public static final double DEFAULT_SOFTMAX_CLIP_EPS = 1e-10;

    /** {@code Σ_i ℓ_i / mb} with the default clip epsilon. */
    public double score(NDArray a, NDArray labels, Activation act) {
        return score(a, labels, act, DEFAULT_SOFTMAX_CLIP_EPS);
    }

    /** {@code Σ_i ℓ_i / mb}; {@code clipEps} only matters for MCXENT/NLL with SOFTMAX. */
    public double score(NDArray a, NDArray labels, Activation act, double clipEps) {
        double[] per = scoreArray(a, labels, act, clipEps);
        double s = 0;
        for (double v : per) s += v;
        return per.length == 0 ? 0 : s / per.length;
    }

    /** The per-example losses {@code ℓ_i}, length mb. */
    public double[] scoreArray(NDArray a, NDArray labels, Activation act, double clipEps) {
        checkPair(a, labels);
        int mb = a.size(0), n = a.size(1);
        float[] p = new float[n], y = new float[n];
        double[] out = new double[mb];
        boolean clip = this != MSE && act == Activation.SOFTMAX && clipEps > 0;
        double lo = clipEps, hi = 1 - clipEps;
        FloatBuffer ab = a.buffer(), yb = labels.buffer();
        for (int i = 0; i < mb; i++) {
            ab.get(a.offset() + i * n, p, 0, n);
            yb.get(labels.offset() + i * n, y, 0, n);
            double l = 0;
            if (this == MSE) {
                for (int j = 0; j < n; j++) {
                    double d = (double) p[j] - y[j];
                    l += d * d;
                }
                l /= n;
            } else {
                for (int j = 0; j < n; j++) {
                    if (y[j] == 0f) continue; // exact 0 when clipped; unclipped a=0 would give DL4J a NaN
                    double pj = p[j];
                    if (clip) pj = Math.min(Math.max(pj, lo), hi);
                    l -= y[j] * Math.log(pj);
                }
            }
            out[i] = l;
        }
        return out;
    }

    /**
     * Per-example {@code dL/dz [mb, n]} into {@code dLdz}, a separate array from {@code a} and
     * {@code labels}; LEAKYRELU uses {@code alpha}. Returns dLdz.
     */
    public NDArray gradient(NDArray a, NDArray labels, Activation act, double alpha, NDArray dLdz) {
        checkPair(a, labels);
        Chunked.sameShapeContiguous("dLdz", dLdz, "a", a);
        if (dLdz == a || dLdz == labels) {
            throw new IllegalArgumentException("dLdz must be a separate array from a and labels (the backward reads a)");
        }
        if (this != MSE && act == Activation.SOFTMAX) {
            Chunked.zip(a, labels, dLdz, LossFunction::minus);
            return dLdz;
        }
        if (this == MSE) {
            float outputs = a.size(1);
            Chunked.zip(a, labels, dLdz, (p, y, g, n) -> mseGrad(p, y, g, n, outputs));
        } else {
            Chunked.zip(a, labels, dLdz, LossFunction::xentGrad);
        }
        return act.backward(a, dLdz, dLdz, alpha);
    }

    /** As {@link #gradient(NDArray, NDArray, Activation, double, NDArray)} with LEAKYRELU alpha 0.01. */
    public NDArray gradient(NDArray a, NDArray labels, Activation act, NDArray dLdz) {
        return gradient(a, labels, act, Activation.DEFAULT_LEAKYRELU_ALPHA, dLdz);
    }

    private static void minus(float[] p, float[] y, float[] g, int n) {
        for (int j = 0; j < n; j++) g[j] = p[j] - y[j];
    }

    /** {@code 2(p − y)/n} as DL4J orders it: doubling is exact, so one rounding (a premultiplied 2/n adds a second). */
    private static void mseGrad(float[] p, float[] y, float[] g, int n, float outputs) {
        for (int j = 0; j < n; j++) g[j] = (p[j] - y[j]) * 2f / outputs;
    }

    private static void xentGrad(float[] p, float[] y, float[] g, int n) {
        for (int j = 0; j < n; j++) g[j] = -y[j] / p[j];
    }

    private static void checkPair(NDArray a, NDArray labels) {
        Chunked.requireRank("output a", a, 2);
        Chunked.sameShapeContiguous("labels", labels, "output a", a);
        if (a.size(0) == 0) {
            throw new IllegalArgumentException("loss of an empty minibatch (shape " + Arrays.toString(a.shape()) + ")");
        }
    }
}
