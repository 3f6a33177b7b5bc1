package org.dl4jbridge.nn.conf.losses;

import java.util.Arrays;
import java.util.Objects;

/**
 * A configured loss (DL4J: ILossFunction with LossMCXENT, LossNegativeLogLikelihood, LossMSE).
 * MCXENT and NEGATIVELOGLIKELIHOOD carry {@code softmaxClipEps} (1e-10: clips softmax outputs for
 * the score only) and optional per-class {@code weights}.
 */
public final class ILossFunction {
    public static final double DEFAULT_SOFTMAX_CLIP_EPS = 1e-10;

    private final LossFunctions.LossFunction type;
    private final double softmaxClipEps;
    private final float[] weights;

    public ILossFunction(LossFunctions.LossFunction type) { this(type, DEFAULT_SOFTMAX_CLIP_EPS, null); }

    public ILossFunction(LossFunctions.LossFunction type, double softmaxClipEps, float[] weights) {
        this.type = Objects.requireNonNull(type, "loss type");
        if (softmaxClipEps < 0 || softmaxClipEps > 0.5) {
            throw new IllegalArgumentException("softmaxClipEps must lie in [0, 0.5], got " + softmaxClipEps);
        }
        this.softmaxClipEps = softmaxClipEps;
        this.weights = weights == null ? null : weights.clone();
    }

    public LossFunctions.LossFunction getType() { return type; }
    public double getSoftmaxClipEps() { return softmaxClipEps; }
    public float[] getWeights() { return weights == null ? null : weights.clone(); }
    public boolean hasClipEps() { return type != LossFunctions.LossFunction.MSE; }

    @Override public boolean equals(Object o) {
        return o instanceof ILossFunction l && l.type == type && l.softmaxClipEps == softmaxClipEps
                && Arrays.equals(l.weights, weights);
    }
    @Override public int hashCode() { return Objects.hash(type, softmaxClipEps, Arrays.hashCode(weights)); }
    @Override public String toString() { return type.implClassName().substring(LossFunctions.LossFunction.IMPL_PACKAGE.length()); }
}
