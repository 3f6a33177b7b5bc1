package org.dl4jbridge.nn.graph.vertex;

import org.dl4jbridge.nn.layers.AbstractLayer;
import org.dl4jbridge.ndarray.NDArray;

/** A runtime graph vertex: forward over its inputs, backward to one gradient per input (null where not needed). */
public abstract class VertexImpl {
    protected final String name;

    protected VertexImpl(String name) { this.name = name; }

    public String name() { return name; }

    /** The layer of a layer vertex, else null. */
    public AbstractLayer layer() { return null; }

    public boolean hasTrainableParams() { return false; }

    public abstract NDArray forward(NDArray[] inputs, boolean training);

    public abstract NDArray[] backward(NDArray epsilon, boolean[] needInputGradient);

    public void clearCaches() {}
}
