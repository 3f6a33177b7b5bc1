package org.dl4jbridge.nn.graph.vertex;

import java.util.Arrays;
import org.dl4jbridge.nn.conf.graph.ElementWiseVertex;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.ndarray.ops.ElementWise;

/** Element-wise Add/Subtract/Product/Average/Max of same-shaped inputs (ops-core's ElementWise). */
public class ElementWiseVertexImpl extends VertexImpl {
    private final ElementWise.Op op;
    private NDArray[] inputs;

    public ElementWiseVertexImpl(String name, ElementWiseVertex.Op op) {
        super(name);
        this.op = ElementWise.Op.valueOf(op.name());
    }

    public ElementWise.Op op() { return op; }

    @Override
    public NDArray forward(NDArray[] in, boolean training) {
        NDArray[] c = new NDArray[in.length];
        for (int k = 0; k < in.length; k++) {
            if (!Arrays.equals(in[k].shape(), in[0].shape())) {
                throw new IllegalArgumentException("ElementWiseVertex '" + name + "' (" + op + "): inputs must have one shape, got "
                        + Arrays.toString(in[0].shape()) + " and " + Arrays.toString(in[k].shape()));
            }
            c[k] = in[k].contiguous();
        }
        inputs = training ? c : null;
        return ElementWise.forward(op, c, newArray(in[0].shape()));   // overwritten
    }

    @Override
    public NDArray[] backward(NDArray eps, boolean[] need) {
        NDArray e = eps.contiguous();
        NDArray[] d = new NDArray[need.length];
        for (int k = 0; k < d.length; k++) d[k] = newArray(e.shape());   // every op's backward overwrites them
        ElementWise.backward(op, inputs, e, d);
        for (int k = 0; k < d.length; k++) if (!need[k]) d[k] = null;
        return d;
    }

    @Override public void clearCaches() { inputs = null; }
}
