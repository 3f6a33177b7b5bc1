package org.dl4jbridge.nn.conf.layers;

import org.dl4jbridge.nn.conf.CNN2DFormat;
import org.dl4jbridge.nn.conf.ConvolutionMode;
import org.dl4jbridge.nn.conf.InputPreProcessor;
import org.dl4jbridge.nn.conf.NeuralNetConfiguration;
import org.dl4jbridge.nn.conf.inputs.InputType;
import org.dl4jbridge.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;

/** 2-D convolution (cross-correlation), NCHW, W [nOut, nIn, kH, kW] (DL4J: ConvolutionLayer). */
public class ConvolutionLayer extends FeedForwardLayer {
    protected int[] kernelSize = {5, 5};
    protected int[] stride = {1, 1};
    protected int[] padding = {0, 0};
    protected int[] dilation = {1, 1};
    protected ConvolutionMode convolutionMode;
    protected boolean hasBias = true;
    protected CNN2DFormat cnn2dDataFormat = CNN2DFormat.NCHW;
    protected String cudnnAlgoMode = "PREFER_FASTEST";

    protected ConvolutionLayer() {}

    protected ConvolutionLayer(BaseConvBuilder<?> b) {
        super(b);
        this.kernelSize = ConvolutionUtils.pair(b.kernelSize, "kernelSize");
        this.stride = ConvolutionUtils.pair(b.stride, "stride");
        this.padding = ConvolutionUtils.pair(b.padding, "padding");
        this.dilation = ConvolutionUtils.pair(b.dilation, "dilation");
        if (kernelSize[0] == 0 || kernelSize[1] == 0 || stride[0] == 0 || stride[1] == 0) {
            throw new IllegalArgumentException("kernelSize and stride must be positive, got kernel "
                    + java.util.Arrays.toString(kernelSize) + " stride " + java.util.Arrays.toString(stride));
        }
        this.convolutionMode = b.convolutionMode;
        this.hasBias = b.hasBias;
        if (b.dataFormat != null) this.cnn2dDataFormat = b.dataFormat;
    }

    public static ConvolutionLayer blank() { return new ConvolutionLayer(); }

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
    public boolean hasBias() { return hasBias; }
    public void setHasBias(boolean v) { this.hasBias = v; }
    public CNN2DFormat getCnn2dDataFormat() { return cnn2dDataFormat; }
    public void setCnn2dDataFormat(CNN2DFormat f) { this.cnn2dDataFormat = f; }
    public String getCudnnAlgoMode() { return cudnnAlgoMode; }
    public void setCudnnAlgoMode(String m) { this.cudnnAlgoMode = m; }

    @Override
    public void applyGlobalDefaults(NeuralNetConfiguration.Builder g) {
        super.applyGlobalDefaults(g);
        if (convolutionMode == null) convolutionMode = g.getConvolutionMode();
    }

    protected InputType.InputTypeConvolutional requireCnn(InputType in) {
        if (in instanceof InputType.InputTypeConvolutional c) return c;
        if (in instanceof InputType.InputTypeConvolutionalFlat f) return (InputType.InputTypeConvolutional) f.getUnflattenedType();
        throw new IllegalArgumentException("layer '" + layerName + "' (" + getClass().getSimpleName()
                + ") needs convolutional input, got " + in + "; use setInputTypes(InputType.convolutional(h, w, c))");
    }

    /** Output channels for a given input channel count. */
    protected long outChannels(long inChannels) { return nOut; }

    @Override
    public InputType getOutputType(int layerIndex, InputType in) {
        InputType.InputTypeConvolutional c = requireCnn(in);
        ConvolutionMode m = convolutionMode == null ? ConvolutionMode.Truncate : convolutionMode;
        long h = ConvolutionUtils.outputSize(c.getHeight(), kernelSize[0], stride[0], padding[0], dilation[0], m, layerName);
        long w = ConvolutionUtils.outputSize(c.getWidth(), kernelSize[1], stride[1], padding[1], dilation[1], m, layerName);
        return InputType.convolutional(h, w, outChannels(c.getChannels()));
    }

    @Override
    public void setNIn(InputType in, boolean override) {
        if (nIn > 0 && !override) return;
        nIn = requireCnn(in).getChannels();
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType in) {
        if (in instanceof InputType.InputTypeConvolutionalFlat f) {
            return new FeedForwardToCnnPreProcessor(f.getHeight(), f.getWidth(), f.getDepth());
        }
        return null;
    }

    @Override
    public ConvolutionLayer clone() {
        ConvolutionLayer c = (ConvolutionLayer) super.clone();
        c.kernelSize = kernelSize.clone();
        c.stride = stride.clone();
        c.padding = padding.clone();
        c.dilation = dilation.clone();
        return c;
    }

    @SuppressWarnings("unchecked")
    public abstract static class BaseConvBuilder<T extends BaseConvBuilder<T>> extends FeedForwardLayer.Builder<T> {
        protected int[] kernelSize = {5, 5};
        protected int[] stride = {1, 1};
        protected int[] padding = {0, 0};
        protected int[] dilation = {1, 1};
        protected ConvolutionMode convolutionMode;
        protected boolean hasBias = true;
        protected CNN2DFormat dataFormat;

        public T kernelSize(int... k) { this.kernelSize = k.clone(); return (T) this; }
        public T stride(int... s) { this.stride = s.clone(); return (T) this; }
        public T padding(int... p) { this.padding = p.clone(); return (T) this; }
        public T dilation(int... d) { this.dilation = d.clone(); return (T) this; }
        public T convolutionMode(ConvolutionMode m) { this.convolutionMode = m; return (T) this; }
        public T hasBias(boolean v) { this.hasBias = v; return (T) this; }
        public T dataFormat(CNN2DFormat f) {
            if (f != CNN2DFormat.NCHW) throw new IllegalArgumentException("only NCHW data is supported by this engine, got " + f);
            this.dataFormat = f;
            return (T) this;
        }
    }

    public static class Builder extends BaseConvBuilder<Builder> {
        public Builder() {}
        public Builder(int... kernelSize) { kernelSize(kernelSize); }
        public Builder(int[] kernelSize, int[] stride) { kernelSize(kernelSize); stride(stride); }
        public Builder(int[] kernelSize, int[] stride, int[] padding) { kernelSize(kernelSize); stride(stride); padding(padding); }

        @Override @SuppressWarnings("unchecked")
        public ConvolutionLayer build() { return new ConvolutionLayer(this); }
    }
}
