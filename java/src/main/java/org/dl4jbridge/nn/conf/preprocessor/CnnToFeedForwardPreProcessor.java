package org.dl4jbridge.nn.conf.preprocessor;

import java.util.Arrays;
import java.util.Objects;
import org.dl4jbridge.nn.conf.CNN2DFormat;
import org.dl4jbridge.nn.conf.InputPreProcessor;
import org.dl4jbridge.nn.conf.inputs.InputType;
import org.dl4jbridge.ndarray.NDArray;

/** Flattens [mb, C, H, W] to [mb, C*H*W] in c order (flat index c*H*W + h*W + w) (DL4J: CnnToFeedForwardPreProcessor). */
public class CnnToFeedForwardPreProcessor implements InputPreProcessor {
    public static final String CLASS = "org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor";
    private long inputHeight, inputWidth, numChannels;
    private CNN2DFormat format;

    public CnnToFeedForwardPreProcessor(long inputHeight, long inputWidth, long numChannels) {
        this(inputHeight, inputWidth, numChannels, CNN2DFormat.NCHW);
    }

    public CnnToFeedForwardPreProcessor(long inputHeight, long inputWidth, long numChannels, CNN2DFormat format) {
        this.inputHeight = inputHeight;
        this.inputWidth = inputWidth;
        this.numChannels = numChannels;
        this.format = format == null ? CNN2DFormat.NCHW : format;
        if (this.format != CNN2DFormat.NCHW) {
            throw new IllegalArgumentException("CnnToFeedForwardPreProcessor: only NCHW data is supported by this engine, got " + format);
        }
    }

    public long getInputHeight() { return inputHeight; }
    public long getInputWidth() { return inputWidth; }
    public long getNumChannels() { return numChannels; }
    public CNN2DFormat getFormat() { return format; }

    @Override
    public NDArray preProcess(NDArray input, int mb) {
        if (input.rank() == 2) return input;
        if (input.rank() != 4) {
            throw new IllegalArgumentException("CnnToFeedForwardPreProcessor expects [mb, C, H, W] input, got "
                    + Arrays.toString(input.shape()));
        }
        if (numChannels > 0 && (input.size(1) != numChannels || input.size(2) != inputHeight || input.size(3) != inputWidth)) {
            throw new IllegalArgumentException("CnnToFeedForwardPreProcessor configured for [C,H,W] = [" + numChannels + ", "
                    + inputHeight + ", " + inputWidth + "] got input " + Arrays.toString(input.shape()));
        }
        return input.reshape(input.size(0), input.size(1) * input.size(2) * input.size(3));
    }

    @Override
    public NDArray backprop(NDArray epsilon, int mb) {
        if (epsilon.rank() == 4) return epsilon;
        return epsilon.reshape(epsilon.size(0), (int) numChannels, (int) inputHeight, (int) inputWidth);
    }

    @Override
    public InputType getOutputType(InputType in) {
        if (in instanceof InputType.InputTypeConvolutional c) return InputType.feedForward(c.arrayElementsPerExample());
        if (in instanceof InputType.InputTypeConvolutionalFlat f) return InputType.feedForward(f.arrayElementsPerExample());
        throw new IllegalArgumentException("CnnToFeedForwardPreProcessor needs convolutional input, got " + in);
    }

    @Override public CnnToFeedForwardPreProcessor clone() {
        return new CnnToFeedForwardPreProcessor(inputHeight, inputWidth, numChannels, format);
    }

    @Override public boolean equals(Object o) {
        return o instanceof CnnToFeedForwardPreProcessor p && p.inputHeight == inputHeight && p.inputWidth == inputWidth
                && p.numChannels == numChannels && p.format == format;
    }
    @Override public int hashCode() { return Objects.hash(inputHeight, inputWidth, numChannels, format); }
    @Override public String toString() {
        return "CnnToFeedForwardPreProcessor(h=" + inputHeight + ",w=" + inputWidth + ",c=" + numChannels + ")";
    }
}
