package org.dl4jbridge.nn.conf.layers;

import org.dl4jbridge.nn.conf.NeuralNetConfiguration;
import org.dl4jbridge.nn.conf.activations.Activation;
import org.dl4jbridge.nn.conf.activations.IActivation;
import org.dl4jbridge.nn.conf.inputs.InputType;

/** Applies an activation function element-wise; no parameters (DL4J: ActivationLayer). */
public class ActivationLayer extends NoParamLayer {
    protected IActivation activationFn;

    protected ActivationLayer() {}

    protected ActivationLayer(Builder b) {
        super(b);
        this.activationFn = b.activationFn;
    }

    public static ActivationLayer blank() { return new ActivationLayer(); }

    public IActivation getActivationFn() { return activationFn; }
    public void setActivationFn(IActivation a) { this.activationFn = a; }

    @Override public InputType getOutputType(int layerIndex, InputType in) { return in; }

    @Override public void applyGlobalDefaults(NeuralNetConfiguration.Builder g) {
        if (activationFn == null) activationFn = g.getActivationFn();
    }

    public static class Builder extends Layer.Builder<Builder> {
        protected IActivation activationFn;

        public Builder() {}
        public Builder(Activation a) { activation(a); }

        public Builder activation(Activation a) { this.activationFn = a.getActivationFunction(); return this; }
        public Builder activation(IActivation a) { this.activationFn = a; return this; }

        @Override @SuppressWarnings("unchecked")
        public ActivationLayer build() { return new ActivationLayer(this); }
    }
}
