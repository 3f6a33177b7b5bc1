package org.dl4jbridge.nn.conf.layers;

import org.dl4jbridge.nn.conf.CNN2DFormat;
import org.dl4jbridge.nn.conf.inputs.InputType;

/** Nearest-neighbour upsampling by integer factors (DL4J: Upsampling2D; default size 2x2). */
public class Upsampling2D extends NoParamLayer {
    protected int[] size = {2, 2};
    protected CNN2DFormat format = CNN2DFormat.NCHW;

    protected Upsampling2D() {}

    protected Upsampling2D(Builder b) {
        super(b);
        this.size = ConvolutionUtils.pair(b.size, "Upsampling2D size");
        if (size[0] < 1 || size[1] < 1) throw new IllegalArgumentException("Upsampling2D size must be >= 1, got "
                + java.util.Arrays.toString(size));
    }

    public static Upsampling2D blank() { return new Upsampling2D(); }

    public int[] getSize() { return size.clone(); }
    public void setSize(int[] s) { this.size = s.clone(); }
    public CNN2DFormat getFormat() { return format; }
    public void setFormat(CNN2DFormat f) { this.format = f; }

    @Override
    public InputType getOutputType(int layerIndex, InputType in) {
        if (!(in instanceof InputType.InputTypeConvolutional c)) {
            throw new IllegalArgumentException("layer '" + layerName + "' (Upsampling2D) needs convolutional input, got " + in);
        }
        return InputType.convolutional(c.getHeight() * size[0], c.getWidth() * size[1], c.getChannels());
    }

    @Override
    public Upsampling2D clone() {
        Upsampling2D u = (Upsampling2D) super.clone();
        u.size = size.clone();
        return u;
    }

    public static class Builder extends Layer.Builder<Builder> {
        protected int[] size = {2, 2};

        public Builder() {}
        public Builder(int size) { size(size); }

        public Builder size(int s) { this.size = new int[] {s, s}; return this; }
        public Builder size(int... s) { this.size = s.clone(); return this; }

        @Override @SuppressWarnings("unchecked")
        public Upsampling2D build() { return new Upsampling2D(this); }
    }
}
