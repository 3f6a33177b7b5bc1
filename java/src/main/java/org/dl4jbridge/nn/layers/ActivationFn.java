package org.dl4jbridge.nn.layers;

import org.dl4jbridge.nn.conf.activations.IActivation;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.ndarray.ops.Activation;
import org.dl4jbridge.ndarray.ops.FusedActivation;

/** A configured activation bound to the engine's op (ops-core's {@link Activation}); refuses kinds the ops lack. */
public record ActivationFn(Activation op, double alpha) {

    public static ActivationFn of(IActivation a, String layerName) {
        if (a == null) return new ActivationFn(Activation.IDENTITY, 0);
        if (a.getMax() != null || a.getNegativeSlope() != null || a.getThreshold() != null) {
            throw new IllegalArgumentException("layer '" + layerName + "': ReLU with max/negativeSlope/threshold is not supported");
        }
        Activation op;
        try {
            op = Activation.valueOf(a.getType().name());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("layer '" + layerName + "': activation " + a.getType() + " is not supported by the engine"
                    + " (supported: IDENTITY, RELU, RELU6, LEAKYRELU, TANH, SIGMOID, SOFTMAX)");
        }
        double alpha = a.getAlpha() == null ? Activation.DEFAULT_LEAKYRELU_ALPHA : a.getAlpha();
        return new ActivationFn(op, alpha);
    }

    /** In place: z becomes f(z). */
    public NDArray apply(NDArray z) { return op.forward(z, z, alpha); }

    /** dL/dz into a new array from the output a and dL/da. */
    public NDArray backward(NDArray a, NDArray dLda) { return backward(a, dLda, NDArray.zeros(a.shape())); }

    /** dL/dz into {@code out} (a's shape, overwritten) from the output a and dL/da; returns out. */
    public NDArray backward(NDArray a, NDArray dLda, NDArray out) { return op.backward(a, dLda, out, alpha); }

    /** The convolution epilogue for this activation, or null when it must run separately. */
    public FusedActivation fused() {
        return switch (op) {
            case IDENTITY -> FusedActivation.IDENTITY;
            case RELU -> FusedActivation.RELU;
            case RELU6 -> FusedActivation.RELU6;
            default -> null;
        };
    }
}
