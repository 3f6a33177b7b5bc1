package org.dl4jbridge.nn.conf.layers;

import org.dl4jbridge.nn.conf.InputPreProcessor;
import org.dl4jbridge.nn.conf.dropout.IDropout;
import org.dl4jbridge.nn.conf.inputs.InputType;

/**
 * Applies its dropout ({@code idropout}, p = retain probability) in training and passes activations
 * through unchanged otherwise; no parameters (DL4J: DropoutLayer). Any input kind passes through.
 */
public class DropoutLayer extends FeedForwardLayer {
    protected DropoutLayer() {}

    protected DropoutLayer(Builder b) { super(b); }

    public static DropoutLayer blank() { return new DropoutLayer(); }

    @Override public InputType getOutputType(int layerIndex, InputType in) { return in; }

    @Override public void setNIn(InputType in, boolean override) {
        if (nIn > 0 && !override) return;
        nIn = in.arrayElementsPerExample();
        nOut = nIn;
    }

    @Override public InputPreProcessor getPreProcessorForInputType(InputType in) { return null; }

    public static class Builder extends FeedForwardLayer.Builder<Builder> {
        public Builder() {}
        public Builder(double retainProbability) { dropOut(retainProbability); }
        public Builder(IDropout dropout) { dropOut(dropout); }

        @Override @SuppressWarnings("unchecked")
        public DropoutLayer build() {
            if (iDropout == null) {
                throw new IllegalArgumentException("DropoutLayer needs a dropout: new DropoutLayer.Builder(retainProbability)");
            }
            return new DropoutLayer(this);
        }
    }
}
