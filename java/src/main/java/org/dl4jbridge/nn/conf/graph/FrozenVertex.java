package org.dl4jbridge.nn.conf.graph;

import java.util.Objects;
import org.dl4jbridge.nn.conf.inputs.InputType;

/** A frozen non-layer vertex (DL4J: FrozenVertex, JSON property "underlying"); behaves as the wrapped vertex. */
public class FrozenVertex extends GraphVertex {
    private GraphVertex underlying;

    public FrozenVertex(GraphVertex underlying) {
        this.underlying = Objects.requireNonNull(underlying, "FrozenVertex needs the vertex to wrap");
        if (underlying instanceof LayerVertex) {
            throw new IllegalArgumentException("freeze a layer vertex with FrozenLayer, not FrozenVertex");
        }
    }

    public GraphVertex getUnderlying() { return underlying; }

    @Override public int minVertexInputs() { return underlying.minVertexInputs(); }
    @Override public int maxVertexInputs() { return underlying.maxVertexInputs(); }
    @Override public InputType getOutputType(int i, InputType... in) { return underlying.getOutputType(i, in); }

    @Override
    public FrozenVertex clone() {
        FrozenVertex v = (FrozenVertex) super.clone();
        v.underlying = underlying.clone();
        return v;
    }

    @Override public String toString() { return "FrozenVertex(" + underlying + ")"; }
}
