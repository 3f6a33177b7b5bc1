package org.dl4jbridge.nn.conf.activations;

import java.util.Objects;

/**
 * A configured activation function (DL4J: IActivation and its Activation* implementations). One class
 * for all kinds: the kind plus the few parameters some kinds carry (leaky ReLU / ELU alpha; ReLU's
 * optional max, negativeSlope and threshold, written as null when unset, as DL4J beta7+ does).
 */
public final class IActivation {
    private final Activation type;
    private final Double alpha;
    private final Double max, negativeSlope, threshold;

    public IActivation(Activation type) {
        this(type, defaultAlpha(type), null, null, null);
    }

    public IActivation(Activation type, Double alpha, Double max, Double negativeSlope, Double threshold) {
        this.type = Objects.requireNonNull(type, "activation type");
        this.alpha = alpha;
        this.max = max;
        this.negativeSlope = negativeSlope;
        this.threshold = threshold;
    }

    /** DL4J's ActivationLReLU(alpha). */
    public static IActivation leakyRelu(double alpha) { return new IActivation(Activation.LEAKYRELU, alpha, null, null, null); }

    private static Double defaultAlpha(Activation t) {
        return switch (t) {
            case LEAKYRELU -> 0.01;
            case ELU -> 1.0;
            default -> null;
        };
    }

    public Activation getType() { return type; }
    public Double getAlpha() { return alpha; }
    public Double getMax() { return max; }
    public Double getNegativeSlope() { return negativeSlope; }
    public Double getThreshold() { return threshold; }

    @Override public boolean equals(Object o) {
        return o instanceof IActivation a && a.type == type && Objects.equals(a.alpha, alpha)
                && Objects.equals(a.max, max) && Objects.equals(a.negativeSlope, negativeSlope)
                && Objects.equals(a.threshold, threshold);
    }
    @Override public int hashCode() { return Objects.hash(type, alpha, max, negativeSlope, threshold); }
    @Override public String toString() {
        String s = type.implClassName().substring(Activation.IMPL_PACKAGE.length());
        return alpha != null ? s + "(alpha=" + alpha + ")" : s;
    }
}
