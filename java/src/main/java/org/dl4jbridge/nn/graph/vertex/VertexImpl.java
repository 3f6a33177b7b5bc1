package org.dl4jbridge.nn.graph.vertex;

import org.dl4jbridge.nn.layers.AbstractLayer;
import org.dl4jbridge.nn.layers.TrainingArrays;
import org.dl4jbridge.ndarray.NDArray;

/** A runtime graph vertex: forward over its inputs, backward to one gradient per input (null where not needed). */
public abstract class VertexImpl {
    protected final String name;
    /** The open training step's array pool, or null outside a step. */
    protected TrainingArrays stepArrays;

    protected VertexImpl(String name) { this.name = name; }

    public String name() { return name; }

    /** The layer of a layer vertex, else null. */
    public AbstractLayer layer() { return null; }

    public boolean hasTrainableParams() { return false; }

    /** The pool of the training step the graph has opened, or null when it ends (see {@link AbstractLayer#setTrainingArrays}). */
    public void setTrainingArrays(TrainingArrays arrays) { this.stepArrays = arrays; }

    /** An array the vertex's kernel overwrites completely: from the open step's pool, else new and zeroed. */
    protected NDArray newArray(int... shape) { return TrainingArrays.takeOrNew(stepArrays, shape); }

    public abstract NDArray forward(NDArray[] inputs, boolean training);

    public abstract NDArray[] backward(NDArray epsilon, boolean[] needInputGradient);

    public void clearCaches() {}
}
