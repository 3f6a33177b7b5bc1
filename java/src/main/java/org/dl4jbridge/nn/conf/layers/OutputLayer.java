package org.dl4jbridge.nn.conf.layers;

import org.dl4jbridge.nn.conf.losses.ILossFunction;
import org.dl4jbridge.nn.conf.losses.LossFunctions;

/**
 * Dense output layer with a loss (DL4J: OutputLayer). DL4J's builder default loss is MCXENT;
 * {@code new OutputLayer.Builder(LossFunction.NEGATIVELOGLIKELIHOOD)} sets it.
 */
public class OutputLayer extends BaseOutputLayer {
    protected OutputLayer() {}

    protected OutputLayer(Builder b) { super(b); }

    public static OutputLayer blank() { return new OutputLayer(); }

    public static class Builder extends BaseOutputLayer.Builder<Builder> {
        public Builder() {}
        public Builder(LossFunctions.LossFunction loss) { lossFunction(loss); }
        public Builder(ILossFunction loss) { lossFunction(loss); }

        @Override @SuppressWarnings("unchecked")
        public OutputLayer build() { return new OutputLayer(this); }
    }
}
