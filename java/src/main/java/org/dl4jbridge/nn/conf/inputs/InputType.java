package org.dl4jbridge.nn.conf.inputs;

import java.util.Objects;
import org.dl4jbridge.nn.conf.CNN2DFormat;

/**
 * The kind and size of the activations flowing into a layer (DL4J: org.deeplearning4j.nn.conf.inputs.InputType),
 * used to infer nIn and to add CNN/feed-forward pre-processors automatically.
 */
public abstract class InputType {
    public enum Type { FF, RNN, CNN, CNNFlat, CNN3D }

    public abstract Type getType();

    /** Values per example. */
    public abstract long arrayElementsPerExample();

    /** Shape of one minibatch of {@code mb} examples, NCHW for CNN. */
    public abstract int[] getShape(int mb);

    public static InputType feedForward(long size) { return new InputTypeFeedForward(size); }

    public static InputType convolutional(long height, long width, long channels) {
        return new InputTypeConvolutional(height, width, channels, CNN2DFormat.NCHW);
    }

    public static InputType convolutional(long height, long width, long channels, CNN2DFormat format) {
        return new InputTypeConvolutional(height, width, channels, format);
    }

    /** Images given as flat rows of {@code h*w*c} values (c-order NCHW per example). */
    public static InputType convolutionalFlat(long height, long width, long channels) {
        return new InputTypeConvolutionalFlat(height, width, channels);
    }

    public static final class InputTypeFeedForward extends InputType {
        private final long size;
        public InputTypeFeedForward(long size) { this.size = size; }
        public long getSize() { return size; }
        @Override public Type getType() { return Type.FF; }
        @Override public long arrayElementsPerExample() { return size; }
        @Override public int[] getShape(int mb) { return new int[] {mb, (int) size}; }
        @Override public String toString() { return "InputTypeFeedForward(" + size + ")"; }
        @Override public boolean equals(Object o) { return o instanceof InputTypeFeedForward f && f.size == size; }
        @Override public int hashCode() { return Long.hashCode(size); }
    }

    public static final class InputTypeConvolutional extends InputType {
        private final long height, width, channels;
        private final CNN2DFormat format;
        public InputTypeConvolutional(long height, long width, long channels, CNN2DFormat format) {
            if (height <= 0 || width <= 0 || channels <= 0) {
                throw new IllegalArgumentException("convolutional input type needs positive sizes, got height="
                        + height + " width=" + width + " channels=" + channels);
            }
            this.height = height; this.width = width; this.channels = channels;
            this.format = format == null ? CNN2DFormat.NCHW : format;
        }
        public long getHeight() { return height; }
        public long getWidth() { return width; }
        public long getChannels() { return channels; }
        public CNN2DFormat getFormat() { return format; }
        @Override public Type getType() { return Type.CNN; }
        @Override public long arrayElementsPerExample() { return height * width * channels; }
        @Override public int[] getShape(int mb) {
            return format == CNN2DFormat.NCHW ? new int[] {mb, (int) channels, (int) height, (int) width}
                    : new int[] {mb, (int) height, (int) width, (int) channels};
        }
        @Override public String toString() {
            return "InputTypeConvolutional(h=" + height + ",w=" + width + ",c=" + channels + "," + format + ")";
        }
        @Override public boolean equals(Object o) {
            return o instanceof InputTypeConvolutional c && c.height == height && c.width == width
                    && c.channels == channels && c.format == format;
        }
        @Override public int hashCode() { return Objects.hash(height, width, channels, format); }
    }

    public static final class InputTypeConvolutionalFlat extends InputType {
        private final long height, width, depth;
        public InputTypeConvolutionalFlat(long height, long width, long depth) {
            this.height = height; this.width = width; this.depth = depth;
        }
        public long getHeight() { return height; }
        public long getWidth() { return width; }
        public long getDepth() { return depth; }
        public InputType getUnflattenedType() { return convolutional(height, width, depth); }
        @Override public Type getType() { return Type.CNNFlat; }
        @Override public long arrayElementsPerExample() { return height * width * depth; }
        @Override public int[] getShape(int mb) { return new int[] {mb, (int) (height * width * depth)}; }
        @Override public String toString() {
            return "InputTypeConvolutionalFlat(h=" + height + ",w=" + width + ",d=" + depth + ")";
        }
        @Override public boolean equals(Object o) {
            return o instanceof InputTypeConvolutionalFlat c && c.height == height && c.width == width && c.depth == depth;
        }
        @Override public int hashCode() { return Objects.hash(height, width, depth, "flat"); }
    }
}
