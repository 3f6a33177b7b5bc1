package org.dl4jbridge.nn.conf.layers;

import org.dl4jbridge.nn.conf.CNN2DFormat;
import org.dl4jbridge.nn.conf.InputPreProcessor;
import org.dl4jbridge.nn.conf.inputs.InputType;
import org.dl4jbridge.nn.updater.IUpdater;
import org.dl4jbridge.nn.updater.NoOp;

/**
 * Batch normalization over the minibatch (and H, W for CNN input) (DL4J: BatchNormalization).
 * Parameters gamma, beta (trained), mean and log10stdev (or var when {@code useLogStd=false}):
 * running statistics, updated as {@code s = decay*s + (1-decay)*batchStat} in training only and
 * never touched by the updater (NoOp). Like DL4J, the layer carries an activation in its
 * configuration (inherited from the global builder) but its forward pass does not apply it
 * (DL4J's Keras imports rely on this: their BN layers carry the global default, sigmoid).
 */
public class BatchNormalization extends FeedForwardLayer {
    protected double decay = 0.9;
    protected double eps = 1e-5;
    protected boolean isMinibatch = true;
    protected double gamma = 1.0;
    protected double beta = 0.0;
    protected boolean lockGammaBeta = false;
    protected boolean useLogStd = true;
    protected CNN2DFormat cnn2DFormat = CNN2DFormat.NCHW;

    protected BatchNormalization() {}

    protected BatchNormalization(Builder b) {
        super(b);
        this.decay = b.decay;
        this.eps = b.eps;
        this.isMinibatch = b.isMinibatch;
        this.gamma = b.gamma;
        this.beta = b.beta;
        this.lockGammaBeta = b.lockGammaBeta;
        this.useLogStd = b.useLogStd;
    }

    public static BatchNormalization blank() { return new BatchNormalization(); }

    public double getDecay() { return decay; }
    public void setDecay(double d) { this.decay = d; }
    public double getEps() { return eps; }
    public void setEps(double e) { this.eps = e; }
    public boolean isMinibatch() { return isMinibatch; }
    public void setMinibatch(boolean v) { this.isMinibatch = v; }
    public double getGamma() { return gamma; }
    public void setGamma(double g) { this.gamma = g; }
    public double getBeta() { return beta; }
    public void setBeta(double b) { this.beta = b; }
    public boolean isLockGammaBeta() { return lockGammaBeta; }
    public void setLockGammaBeta(boolean v) { this.lockGammaBeta = v; }
    public boolean isUseLogStd() { return useLogStd; }
    public void setUseLogStd(boolean v) { this.useLogStd = v; }
    public CNN2DFormat getCnn2DFormat() { return cnn2DFormat; }
    public void setCnn2DFormat(CNN2DFormat f) { this.cnn2DFormat = f; }

    /** gamma and beta use the layer updater (neither counts as a bias); running statistics are never updated by it. */
    @Override
    public IUpdater getUpdaterByParam(String p) {
        if ("mean".equals(p) || "var".equals(p) || "log10stdev".equals(p)) return new NoOp();
        return iUpdater;
    }

    @Override
    public boolean isRunningStatistic(String p) { return "mean".equals(p) || "var".equals(p) || "log10stdev".equals(p); }

    /** DL4J regularizes only weight and bias parameters; batch-norm parameters are neither. */
    @Override
    public java.util.List<org.dl4jbridge.nn.conf.regularization.Regularization> getRegularizationByParam(String p) {
        return java.util.List.of();
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType in) {
        if (in instanceof InputType.InputTypeConvolutionalFlat f) return f.getUnflattenedType();
        if (in instanceof InputType.InputTypeConvolutional || in instanceof InputType.InputTypeFeedForward) return in;
        throw new IllegalArgumentException("layer '" + layerName + "' (BatchNormalization) takes feed-forward or CNN input, got " + in);
    }

    @Override
    public void setNIn(InputType in, boolean override) {
        if (nIn > 0 && !override) return;
        if (in instanceof InputType.InputTypeConvolutional c) nIn = c.getChannels();
        else if (in instanceof InputType.InputTypeConvolutionalFlat f) nIn = f.getDepth();
        else nIn = in.arrayElementsPerExample();
        nOut = nIn;
    }

    @Override public InputPreProcessor getPreProcessorForInputType(InputType in) { return null; }

    public static class Builder extends FeedForwardLayer.Builder<Builder> {
        protected double decay = 0.9;
        protected double eps = 1e-5;
        protected boolean isMinibatch = true;
        protected double gamma = 1.0;
        protected double beta = 0.0;
        protected boolean lockGammaBeta = false;
        protected boolean useLogStd = true;

        public Builder() {}

        public Builder decay(double d) {
            if (!(d >= 0 && d <= 1)) throw new IllegalArgumentException("BatchNormalization decay must lie in [0, 1], got " + d);
            this.decay = d;
            return this;
        }
        public Builder eps(double e) {
            if (!(e > 0)) throw new IllegalArgumentException("BatchNormalization eps must be > 0, got " + e);
            this.eps = e;
            return this;
        }
        public Builder minibatch(boolean v) { this.isMinibatch = v; return this; }
        public Builder gamma(double g) { this.gamma = g; return this; }
        public Builder beta(double b) { this.beta = b; return this; }
        public Builder lockGammaBeta(boolean v) { this.lockGammaBeta = v; return this; }
        public Builder useLogStd(boolean v) { this.useLogStd = v; return this; }

        @Override @SuppressWarnings("unchecked")
        public BatchNormalization build() { return new BatchNormalization(this); }
    }
}
