package org.dl4jbridge.nn.conf.graph;

import java.util.Objects;
import org.dl4jbridge.nn.conf.InputPreProcessor;
import org.dl4jbridge.nn.conf.inputs.InputType;

/** A vertex that only applies a pre-processor (how DL4J imports Keras Flatten) (DL4J: PreprocessorVertex). */
public class PreprocessorVertex extends GraphVertex {
    private InputPreProcessor preProcessor;

    public PreprocessorVertex(InputPreProcessor preProcessor) {
        this.preProcessor = Objects.requireNonNull(preProcessor, "PreprocessorVertex needs a pre-processor");
    }

    public InputPreProcessor getPreProcessor() { return preProcessor; }

    @Override public int minVertexInputs() { return 1; }
    @Override public int maxVertexInputs() { return 1; }
    @Override public InputType getOutputType(int layerIndex, InputType... in) { return preProcessor.getOutputType(in[0]); }

    @Override
    public PreprocessorVertex clone() {
        PreprocessorVertex v = (PreprocessorVertex) super.clone();
        v.preProcessor = preProcessor.clone();
        return v;
    }

    @Override public String toString() { return "PreprocessorVertex(" + preProcessor + ")"; }
}
