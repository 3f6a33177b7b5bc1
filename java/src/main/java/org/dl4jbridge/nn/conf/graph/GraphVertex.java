package org.dl4jbridge.nn.conf.graph;

import org.dl4jbridge.nn.conf.inputs.InputType;

/** A vertex configuration of a ComputationGraph (DL4J: org.deeplearning4j.nn.conf.graph.GraphVertex). */
public abstract class GraphVertex implements Cloneable {
    public static final String PACKAGE = "org.deeplearning4j.nn.conf.graph.";

    public String jsonClassName() { return PACKAGE + getClass().getSimpleName(); }

    public abstract int minVertexInputs();

    public abstract int maxVertexInputs();

    /** Output type from input types (validates them). */
    public abstract InputType getOutputType(int layerIndex, InputType... inputTypes);

    @Override
    public GraphVertex clone() {
        try {
            return (GraphVertex) super.clone();
        } catch (CloneNotSupportedException e) {
            throw new AssertionError(e);
        }
    }

    @Override public String toString() { return getClass().getSimpleName(); }
}
