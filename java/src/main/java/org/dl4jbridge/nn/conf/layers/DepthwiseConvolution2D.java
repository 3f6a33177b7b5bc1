package org.dl4jbridge.nn.conf.layers;

/**
 * Depthwise 2-D convolution: each input channel convolved with {@code depthMultiplier} own filters,
 * nOut = nIn * depthMultiplier; W [kH, kW, nIn, depthMultiplier] (DL4J: DepthwiseConvolution2D).
 */
public class DepthwiseConvolution2D extends ConvolutionLayer {
    protected int depthMultiplier = 1;

    protected DepthwiseConvolution2D() {}

    protected DepthwiseConvolution2D(Builder b) {
        super(b);
        if (b.depthMultiplier < 1) throw new IllegalArgumentException("depthMultiplier must be >= 1, got " + b.depthMultiplier);
        this.depthMultiplier = b.depthMultiplier;
        if (nIn > 0) this.nOut = nIn * depthMultiplier;
    }

    public static DepthwiseConvolution2D blank() { return new DepthwiseConvolution2D(); }

    public int getDepthMultiplier() { return depthMultiplier; }
    public void setDepthMultiplier(int m) { this.depthMultiplier = m; }

    @Override protected long outChannels(long inChannels) { return inChannels * depthMultiplier; }

    @Override
    public void setNIn(org.dl4jbridge.nn.conf.inputs.InputType in, boolean override) {
        super.setNIn(in, override);
        nOut = nIn * depthMultiplier;
    }

    public static class Builder extends BaseConvBuilder<Builder> {
        protected int depthMultiplier = 1;

        public Builder() {}
        public Builder(int... kernelSize) { kernelSize(kernelSize); }
        public Builder(int[] kernelSize, int[] stride) { kernelSize(kernelSize); stride(stride); }
        public Builder(int[] kernelSize, int[] stride, int[] padding) { kernelSize(kernelSize); stride(stride); padding(padding); }

        public Builder depthMultiplier(int m) { this.depthMultiplier = m; return this; }

        @Override @SuppressWarnings("unchecked")
        public DepthwiseConvolution2D build() { return new DepthwiseConvolution2D(this); }
    }
}
