package org.dl4jbridge.nn.conf.layers;

import org.dl4jbridge.nn.conf.CNN2DFormat;
import org.dl4jbridge.nn.conf.ConvolutionMode;
import org.dl4jbridge.nn.conf.InputPreProcessor;
import org.dl4jbridge.nn.conf.NeuralNetConfiguration;
import org.dl4jbridge.nn.conf.inputs.InputType;
import org.dl4jbridge.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;

/** 2-D pooling (DL4J: SubsamplingLayer). Builder defaults as DL4J: MAX, kernel 1x1, stride 2x2, padding 0. */
public class SubsamplingLayer extends NoParamLayer {
    protected PoolingType poolingType = PoolingType.MAX;
    protected int[] kernelSize = {1, 1};
    protected int[] stride = {2, 2};
    protected int[] padding = {0, 0};
    protected int[] dilation = {1, 1};
    protected ConvolutionMode convolutionMode;
    protected int pnorm;
    protected double eps = 1e-8;
    protected boolean avgPoolIncludePadInDivisor = true;
    protected CNN2DFormat cnn2dDataFormat = CNN2DFormat.NCHW;

    protected SubsamplingLayer() {}

    protected SubsamplingLayer(Builder b) {
        super(b);
        this.poolingType = b.poolingType;
        this.kernelSize = ConvolutionUtils.pair(b.kernelSize, "kernelSize");
        this.stride = ConvolutionUtils.pair(b.stride, "stride");
        this.padding = ConvolutionUtils.pair(b.padding, "padding");
        this.dilation = ConvolutionUtils.pair(b.dilation, "dilation");
        this.convolutionMode = b.convolutionMode;
        this.pnorm = b.pnorm;
        this.eps = b.eps;
        this.avgPoolIncludePadInDivisor = b.avgPoolIncludePadInDivisor;
        if (poolingType == PoolingType.PNORM && pnorm <= 0) {
            throw new IllegalArgumentException("PNORM pooling needs pnorm > 0, got " + pnorm);
        }
    }

    public static SubsamplingLayer blank() { return new SubsamplingLayer(); }

    public PoolingType getPoolingType() { return poolingType; }
    public void setPoolingType(PoolingType t) { this.poolingType = t; }
    public int[] getKernelSize() { return kernelSize.clone(); }
    public void setKernelSize(int[] v) { this.kernelSize = v.clone(); }
    public int[] getStride() { return stride.clone(); }
    public void setStride(int[] v) { this.stride = v.clone(); }
    public int[] getPadding() { return padding.clone(); }
    public void setPadding(int[] v) { this.padding = v.clone(); }
    public int[] getDilation() { return dilation.clone(); }
    public void setDilation(int[] v) { this.dilation = v.clone(); }
    public ConvolutionMode getConvolutionMode() { return convolutionMode; }
    public void setConvolutionMode(ConvolutionMode m) { this.convolutionMode = m; }
    public int getPnorm() { return pnorm; }
    public void setPnorm(int p) { this.pnorm = p; }
    public double getEps() { return eps; }
    public void setEps(double e) { this.eps = e; }
    public boolean isAvgPoolIncludePadInDivisor() { return avgPoolIncludePadInDivisor; }
    public void setAvgPoolIncludePadInDivisor(boolean v) { this.avgPoolIncludePadInDivisor = v; }
    public CNN2DFormat getCnn2dDataFormat() { return cnn2dDataFormat; }
    public void setCnn2dDataFormat(CNN2DFormat f) { this.cnn2dDataFormat = f; }

    @Override
    public void applyGlobalDefaults(NeuralNetConfiguration.Builder g) {
        if (convolutionMode == null) convolutionMode = g.getConvolutionMode();
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType in) {
        InputType.InputTypeConvolutional c;
        if (in instanceof InputType.InputTypeConvolutional cc) c = cc;
        else if (in instanceof InputType.InputTypeConvolutionalFlat f) c = (InputType.InputTypeConvolutional) f.getUnflattenedType();
        else throw new IllegalArgumentException("layer '" + layerName + "' (SubsamplingLayer) needs convolutional input, got " + in);
        ConvolutionMode m = convolutionMode == null ? ConvolutionMode.Truncate : convolutionMode;
        long h = ConvolutionUtils.outputSize(c.getHeight(), kernelSize[0], stride[0], padding[0], dilation[0], m, layerName);
        long w = ConvolutionUtils.outputSize(c.getWidth(), kernelSize[1], stride[1], padding[1], dilation[1], m, layerName);
        return InputType.convolutional(h, w, c.getChannels());
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType in) {
        if (in instanceof InputType.InputTypeConvolutionalFlat f) {
            return new FeedForwardToCnnPreProcessor(f.getHeight(), f.getWidth(), f.getDepth());
        }
        return null;
    }

    @Override
    public SubsamplingLayer clone() {
        SubsamplingLayer s = (SubsamplingLayer) super.clone();
        s.kernelSize = kernelSize.clone();
        s.stride = stride.clone();
        s.padding = padding.clone();
        s.dilation = dilation.clone();
        return s;
    }

    public static class Builder extends Layer.Builder<Builder> {
        protected PoolingType poolingType = PoolingType.MAX;
        protected int[] kernelSize = {1, 1};
        protected int[] stride = {2, 2};
        protected int[] padding = {0, 0};
        protected int[] dilation = {1, 1};
        protected ConvolutionMode convolutionMode;
        protected int pnorm;
        protected double eps = 1e-8;
        protected boolean avgPoolIncludePadInDivisor = false;

        public Builder() {}
        public Builder(PoolingType t) { this.poolingType = t; }
        public Builder(PoolingType t, int[] kernelSize) { this(t); kernelSize(kernelSize); }
        public Builder(PoolingType t, int[] kernelSize, int[] stride) { this(t, kernelSize); stride(stride); }
        public Builder(PoolingType t, int[] kernelSize, int[] stride, int[] padding) { this(t, kernelSize, stride); padding(padding); }
        public Builder(int[] kernelSize, int[] stride) { kernelSize(kernelSize); stride(stride); }

        public Builder poolingType(PoolingType t) { this.poolingType = t; return this; }
        public Builder kernelSize(int... k) { this.kernelSize = k.clone(); return this; }
        public Builder stride(int... s) { this.stride = s.clone(); return this; }
        public Builder padding(int... p) { this.padding = p.clone(); return this; }
        public Builder dilation(int... d) { this.dilation = d.clone(); return this; }
        public Builder convolutionMode(ConvolutionMode m) { this.convolutionMode = m; return this; }
        public Builder pnorm(int p) { this.pnorm = p; return this; }
        public Builder eps(double e) { this.eps = e; return this; }
        public Builder avgPoolIncludePadInDivisor(boolean v) { this.avgPoolIncludePadInDivisor = v; return this; }

        @Override @SuppressWarnings("unchecked")
        public SubsamplingLayer build() { return new SubsamplingLayer(this); }
    }
}
