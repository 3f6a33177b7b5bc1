package org.dl4jbridge.nn.graph.vertex;

import org.dl4jbridge.nn.conf.InputPreProcessor;
import org.dl4jbridge.ndarray.NDArray;

/** Applies a pre-processor (e.g. a Keras Flatten imported as CnnToFeedForward). */
public class PreprocessorVertexImpl extends VertexImpl {
    private final InputPreProcessor preProcessor;

    public PreprocessorVertexImpl(String name, InputPreProcessor preProcessor) {
        super(name);
        this.preProcessor = preProcessor;
    }

    @Override public NDArray forward(NDArray[] in, boolean training) { return preProcessor.preProcess(in[0], in[0].size(0)); }

    @Override
    public NDArray[] backward(NDArray eps, boolean[] need) {
        return new NDArray[] {need[0] ? preProcessor.backprop(eps, eps.size(0)) : null};
    }
}
