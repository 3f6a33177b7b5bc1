package org.dl4jbridge.ndarray.ops;

import java.util.Arrays;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.ndarray.Parallel;

/** Global average or max pooling over H and W: [N, C, H, W] -> [N, C] (DL4J's GlobalPoolingLayer for CNNs). */
public final class GlobalPooling {
    private GlobalPooling() {}

    public static NDArray forward(NDArray x, PoolingType type) {
        Convolution2D.checkRank4(x, "input");
        NDArray out = NDArray.zeros(x.size(0), x.size(1));
        forward(x, type, out);
        return out;
    }

    public static void forward(NDArray x, PoolingType type, NDArray out) {
        Convolution2D.checkRank4(x, "input");
        if (type == null) throw new IllegalArgumentException("pooling type is null; use PoolingType.MAX or AVG");
        Convolution2D.requireShape(out, "output", x.size(0), x.size(1));
        NDArray xc = x.contiguous();
        int plane = x.size(2) * x.size(3);
        boolean dl4j = Rounding.current() == Rounding.DL4J;
        Parallel.range(x.size(0) * x.size(1), (lo, hi) -> {
            float[] src = ConvWorkspace.get().heap(0, plane);
            for (int t = lo; t < hi; t++) {
                Buffers.load(xc.buffer(), xc.offset() + t * plane, src, 0, plane);
                float v;
                if (type == PoolingType.MAX) {
                    v = Float.NEGATIVE_INFINITY;
                    for (int i = 0; i < plane; i++) v = Math.max(v, src[i]);
                } else if (dl4j) {
                    v = Rounding.dl4jSum(0f, src, 0, plane) / plane;
                } else {
                    v = (float) (Reductions.pooledSum(src, 0, 1, plane) / plane);
                }
                out.put(t, v);
            }
        });
    }

    /** Input gradient (overwritten); MAX routes to each plane's first maximal cell. */
    public static void backward(NDArray x, NDArray gradOut, PoolingType type, NDArray gradIn) {
        Convolution2D.checkRank4(x, "input");
        if (type == null) throw new IllegalArgumentException("pooling type is null; use PoolingType.MAX or AVG");
        Convolution2D.requireShape(gradOut, "output gradient", x.size(0), x.size(1));
        Convolution2D.requireShape(gradIn, "input gradient", x.shape());
        Buffers.requireContiguous(gradIn, "input gradient");
        NDArray xc = x.contiguous();
        int plane = x.size(2) * x.size(3);
        Parallel.range(x.size(0) * x.size(1), (lo, hi) -> {
            ConvWorkspace ws = ConvWorkspace.get();
            float[] src = ws.heap(0, plane);
            float[] d = ws.heap(1, plane);
            for (int t = lo; t < hi; t++) {
                float gv = gradOut.get(t);
                if (type == PoolingType.MAX) {
                    Buffers.load(xc.buffer(), xc.offset() + t * plane, src, 0, plane);
                    int best = 0;
                    for (int i = 1; i < plane; i++) if (src[i] > src[best]) best = i;
                    Arrays.fill(d, 0, plane, 0f);
                    d[best] = gv;
                } else {
                    Arrays.fill(d, 0, plane, gv / plane);
                }
                Buffers.store(d, 0, gradIn.buffer(), gradIn.offset() + t * plane, plane);
            }
        });
    }
}
