package org.dl4jbridge.nn.conf.graph;

import java.util.Arrays;
import java.util.Objects;
import org.dl4jbridge.nn.conf.inputs.InputType;

/** Element-wise combination of same-shaped inputs (DL4J: ElementWiseVertex). */
public class ElementWiseVertex extends GraphVertex {
    public enum Op { Add, Subtract, Product, Average, Max }

    private final Op op;

    public ElementWiseVertex(Op op) { this.op = Objects.requireNonNull(op, "ElementWiseVertex op"); }

    public Op getOp() { return op; }

    @Override public int minVertexInputs() { return 2; }
    @Override public int maxVertexInputs() { return op == Op.Subtract ? 2 : Integer.MAX_VALUE; }

    @Override
    public InputType getOutputType(int layerIndex, InputType... in) {
        for (InputType t : in) {
            if (!t.equals(in[0])) {
                throw new IllegalArgumentException("ElementWiseVertex(" + op + ") needs inputs of one shape, got " + Arrays.toString(in));
            }
        }
        return in[0];
    }

    @Override public boolean equals(Object o) { return o instanceof ElementWiseVertex e && e.op == op; }
    @Override public int hashCode() { return op.hashCode(); }
    @Override public String toString() { return "ElementWiseVertex(" + op + ")"; }
}
