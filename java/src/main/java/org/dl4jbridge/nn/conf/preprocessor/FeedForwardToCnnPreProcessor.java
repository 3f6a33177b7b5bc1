package org.dl4jbridge.nn.conf.preprocessor;

import java.util.Arrays;
import java.util.Objects;
import org.dl4jbridge.nn.conf.InputPreProcessor;
import org.dl4jbridge.nn.conf.inputs.InputType;
import org.dl4jbridge.ndarray.NDArray;

/** Reshapes [mb, C*H*W] rows to [mb, C, H, W] in c order (DL4J: FeedForwardToCnnPreProcessor). */
public class FeedForwardToCnnPreProcessor implements InputPreProcessor {
    public static final String CLASS = "org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor";
    private final long inputHeight, inputWidth, numChannels;

    public FeedForwardToCnnPreProcessor(long inputHeight, long inputWidth, long numChannels) {
        if (inputHeight <= 0 || inputWidth <= 0 || numChannels <= 0) {
            throw new IllegalArgumentException("FeedForwardToCnnPreProcessor needs positive sizes, got h=" + inputHeight
                    + " w=" + inputWidth + " c=" + numChannels);
        }
        this.inputHeight = inputHeight;
        this.inputWidth = inputWidth;
        this.numChannels = numChannels;
    }

    public long getInputHeight() { return inputHeight; }
    public long getInputWidth() { return inputWidth; }
    public long getNumChannels() { return numChannels; }

    @Override
    public NDArray preProcess(NDArray input, int mb) {
        if (input.rank() == 4) return input;
        long per = inputHeight * inputWidth * numChannels;
        if (input.rank() != 2 || input.size(1) != per) {
            throw new IllegalArgumentException("FeedForwardToCnnPreProcessor expects [mb, " + per + "] (C*H*W = "
                    + numChannels + "*" + inputHeight + "*" + inputWidth + "), got " + Arrays.toString(input.shape()));
        }
        return input.reshape(input.size(0), (int) numChannels, (int) inputHeight, (int) inputWidth);
    }

    @Override
    public NDArray backprop(NDArray epsilon, int mb) {
        if (epsilon.rank() == 2) return epsilon;
        return epsilon.reshape(epsilon.size(0), (int) (numChannels * inputHeight * inputWidth));
    }

    @Override
    public InputType getOutputType(InputType in) {
        return InputType.convolutional(inputHeight, inputWidth, numChannels);
    }

    @Override public FeedForwardToCnnPreProcessor clone() {
        return new FeedForwardToCnnPreProcessor(inputHeight, inputWidth, numChannels);
    }

    @Override public boolean equals(Object o) {
        return o instanceof FeedForwardToCnnPreProcessor p && p.inputHeight == inputHeight && p.inputWidth == inputWidth
                && p.numChannels == numChannels;
    }
    @Override public int hashCode() { return Objects.hash(inputHeight, inputWidth, numChannels, "ff2cnn"); }
    @Override public String toString() {
        return "FeedForwardToCnnPreProcessor(h=" + inputHeight + ",w=" + inputWidth + ",c=" + numChannels + ")";
    }
}
