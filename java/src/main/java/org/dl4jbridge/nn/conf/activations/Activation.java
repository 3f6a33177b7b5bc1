package org.dl4jbridge.nn.conf.activations;

/** DL4J's activation names (org.nd4j.linalg.activations.Activation); {@link #getActivationFunction()} gives the configured function. */
public enum Activation {
    CUBE("ActivationCube"), ELU("ActivationELU"), HARDSIGMOID("ActivationHardSigmoid"), HARDTANH("ActivationHardTanH"),
    IDENTITY("ActivationIdentity"), LEAKYRELU("ActivationLReLU"), RATIONALTANH("ActivationRationalTanh"),
    RELU("ActivationReLU"), RELU6("ActivationReLU6"), SIGMOID("ActivationSigmoid"), SOFTMAX("ActivationSoftmax"),
    SOFTPLUS("ActivationSoftPlus"), SOFTSIGN("ActivationSoftSign"), TANH("ActivationTanH"),
    RECTIFIEDTANH("ActivationRectifiedTanh"), SELU("ActivationSELU"), SWISH("ActivationSwish");

    /** Package of DL4J's implementation classes, as written in JSON {@code @class}. */
    public static final String IMPL_PACKAGE = "org.nd4j.linalg.activations.impl.";

    private final String implName;

    Activation(String implName) { this.implName = implName; }

    public String implClassName() { return IMPL_PACKAGE + implName; }

    public IActivation getActivationFunction() { return new IActivation(this); }

    /** The activation whose DL4J implementation class is {@code fqcn}, or null. */
    public static Activation fromImplClass(String fqcn) {
        for (Activation a : values()) if (a.implClassName().equals(fqcn)) return a;
        return null;
    }
}
