package org.dl4jbridge.nn.conf.layers;

import org.dl4jbridge.nn.conf.CNN2DFormat;
import org.dl4jbridge.nn.conf.inputs.InputType;

/** Pads NCHW activations with zeros: padding [top, bottom, left, right] (DL4J: ZeroPaddingLayer). */
public class ZeroPaddingLayer extends NoParamLayer {
    protected int[] padding = {0, 0, 0, 0};
    protected CNN2DFormat dataFormat = CNN2DFormat.NCHW;

    protected ZeroPaddingLayer() {}

    protected ZeroPaddingLayer(Builder b) {
        super(b);
        setPadding(b.padding);
    }

    public static ZeroPaddingLayer blank() { return new ZeroPaddingLayer(); }

    public int[] getPadding() { return padding.clone(); }

    /** [padH, padW] (both sides) or [top, bottom, left, right]. */
    public void setPadding(int[] p) {
        if (p == null || (p.length != 2 && p.length != 4)) {
            throw new IllegalArgumentException("ZeroPaddingLayer padding needs 2 values [h, w] or 4 [top, bottom, left, right], got "
                    + java.util.Arrays.toString(p));
        }
        for (int v : p) if (v < 0) throw new IllegalArgumentException("ZeroPaddingLayer padding must be >= 0, got " + java.util.Arrays.toString(p));
        this.padding = p.length == 4 ? p.clone() : new int[] {p[0], p[0], p[1], p[1]};
    }

    public CNN2DFormat getDataFormat() { return dataFormat; }
    public void setDataFormat(CNN2DFormat f) { this.dataFormat = f; }

    @Override
    public InputType getOutputType(int layerIndex, InputType in) {
        if (!(in instanceof InputType.InputTypeConvolutional c)) {
            throw new IllegalArgumentException("layer '" + layerName + "' (ZeroPaddingLayer) needs convolutional input, got " + in);
        }
        return InputType.convolutional(c.getHeight() + padding[0] + padding[1], c.getWidth() + padding[2] + padding[3], c.getChannels());
    }

    @Override
    public ZeroPaddingLayer clone() {
        ZeroPaddingLayer z = (ZeroPaddingLayer) super.clone();
        z.padding = padding.clone();
        return z;
    }

    public static class Builder extends Layer.Builder<Builder> {
        protected int[] padding = {0, 0, 0, 0};

        public Builder(int padHeight, int padWidth) { this.padding = new int[] {padHeight, padHeight, padWidth, padWidth}; }
        public Builder(int top, int bottom, int left, int right) { this.padding = new int[] {top, bottom, left, right}; }
        public Builder(int[] padding) { this.padding = padding.clone(); }

        @Override @SuppressWarnings("unchecked")
        public ZeroPaddingLayer build() { return new ZeroPaddingLayer(this); }
    }
}
