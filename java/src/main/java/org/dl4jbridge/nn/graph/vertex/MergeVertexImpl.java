package org.dl4jbridge.nn.graph.vertex;

import java.nio.FloatBuffer;
import java.util.Arrays;
import org.dl4jbridge.ndarray.NDArray;

/** Concatenation along axis 1 (features of [mb,n] or channels of [mb,C,H,W]); backward splits the gradient. */
public class MergeVertexImpl extends VertexImpl {
    private int[] sizes;

    public MergeVertexImpl(String name) { super(name); }

    @Override
    public NDArray forward(NDArray[] in, boolean training) {
        if (in.length == 1) return in[0];
        int[] shape = in[0].shape();
        int total = 0;
        sizes = new int[in.length];
        for (int k = 0; k < in.length; k++) {
            int[] s = in[k].shape();
            if (s.length != shape.length) throw new IllegalArgumentException("MergeVertex '" + name + "': inputs of different rank "
                    + Arrays.toString(shape) + " and " + Arrays.toString(s));
            for (int d = 0; d < s.length; d++) {
                if (d != 1 && s[d] != shape[d]) throw new IllegalArgumentException("MergeVertex '" + name
                        + "': inputs must agree except along axis 1, got " + Arrays.toString(shape) + " and " + Arrays.toString(s));
            }
            sizes[k] = s[1];
            total += s[1];
        }
        int[] outShape = shape.clone();
        outShape[1] = total;
        NDArray out = NDArray.zeros(outShape);
        int mb = shape[0], inner = NDArray.lengthOf(shape) / (shape[0] * shape[1]);
        FloatBuffer ob = out.buffer();
        int at = 0;
        for (int k = 0; k < in.length; k++) {
            NDArray x = in[k].contiguous();
            int block = sizes[k] * inner;
            for (int n = 0; n < mb; n++) {
                FloatBuffer src = x.buffer().duplicate();
                src.position(x.offset() + n * block).limit(x.offset() + (n + 1) * block);
                FloatBuffer dst = ob.duplicate();
                dst.position(n * total * inner + at * inner);
                dst.put(src);
            }
            at += sizes[k];
        }
        return out;
    }

    @Override
    public NDArray[] backward(NDArray eps, boolean[] need) {
        if (need.length == 1) return new NDArray[] {eps};
        NDArray e = eps.contiguous();
        int[] shape = e.shape();
        int mb = shape[0], total = shape[1], inner = NDArray.lengthOf(shape) / (mb * total);
        NDArray[] out = new NDArray[need.length];
        int at = 0;
        for (int k = 0; k < need.length; k++) {
            if (need[k]) {
                int[] s = shape.clone();
                s[1] = sizes[k];
                NDArray g = NDArray.zeros(s);
                int block = sizes[k] * inner;
                for (int n = 0; n < mb; n++) {
                    FloatBuffer src = e.buffer().duplicate();
                    int from = e.offset() + n * total * inner + at * inner;
                    src.position(from).limit(from + block);
                    FloatBuffer dst = g.buffer().duplicate();
                    dst.position(n * block);
                    dst.put(src);
                }
                out[k] = g;
            }
            at += sizes[k];
        }
        return out;
    }
}
