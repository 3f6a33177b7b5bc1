package org.dl4jbridge.ndarray.ops;

import java.nio.FloatBuffer;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.ndarray.Parallel;

/**
 * Row-wise softmax on rank-2 {@code [mb, n]} contiguous arrays (DL4J's ActivationSoftmax on
 * feed-forward activations).
 *
 * <ul>
 *   <li>{@link #forward(NDArray, NDArray)}: {@code a[i,:] = exp(z[i,:] − max) / Σ exp(z[i,:] − max)};
 *       {@code a == z} allowed.</li>
 *   <li>{@link #backward(NDArray, NDArray, NDArray)}: {@code dLdz[i,:] = a[i,:] ⊙ (g[i,:] − a[i,:]·g[i,:])},
 *       the Jacobian-vector product; arrays may coincide.</li>
 * </ul>
 */
public final class Softmax {
    private Softmax() {}

    public static NDArray forward(NDArray z, NDArray a) {
        checkShapes("z", z, "a", a);
        int mb = z.size(0), n = z.size(1);
        FloatBuffer zb = z.buffer(), ab = a.buffer();
        int zo = z.offset(), ao = a.offset();
        boolean dl4j = Rounding.current() == Rounding.DL4J; // the mode once per call, as Activation's tanh
        rows(mb, n, (lo, hi) -> {
            float[] x = new float[n], y = new float[n];
            for (int i = lo; i < hi; i++) {
                zb.get(zo + i * n, x, 0, n);
                if (dl4j) Rounding.dl4jSoftmaxRow(x, y, n); else softmaxRow(x, y, n);
                ab.put(ao + i * n, y, 0, n);
            }
        });
        return a;
    }

    public static NDArray backward(NDArray a, NDArray dLda, NDArray dLdz) {
        checkShapes("a", a, "dLdz", dLdz);
        checkShapes("dLda", dLda, "dLdz", dLdz);
        int mb = a.size(0), n = a.size(1);
        FloatBuffer ab = a.buffer(), gb = dLda.buffer(), zb = dLdz.buffer();
        int ao = a.offset(), go = dLda.offset(), zo = dLdz.offset();
        rows(mb, n, (lo, hi) -> {
            float[] p = new float[n], g = new float[n], y = new float[n];
            for (int i = lo; i < hi; i++) {
                ab.get(ao + i * n, p, 0, n);
                gb.get(go + i * n, g, 0, n);
                jvpRow(p, g, y, n);
                zb.put(zo + i * n, y, 0, n);
            }
        });
        return dLdz;
    }

    private static void rows(int mb, int n, Parallel.RangeBody body) {
        if ((long) mb * n < Chunked.PARALLEL_MIN) body.run(0, mb); else Parallel.range(mb, body);
    }

    private static void softmaxRow(float[] x, float[] y, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) max = Math.max(max, x[j]);
        double sum = 0;
        for (int j = 0; j < n; j++) {
            float e = (float) Math.exp(x[j] - max);
            y[j] = e;
            sum += e;
        }
        float inv = (float) (1.0 / sum);
        for (int j = 0; j < n; j++) y[j] *= inv;
    }

    private static void jvpRow(float[] p, float[] g, float[] y, int n) {
        double dot = 0;
        for (int j = 0; j < n; j++) dot += (double) p[j] * g[j];
        float d = (float) dot;
        for (int j = 0; j < n; j++) y[j] = p[j] * (g[j] - d);
    }

    static void checkShapes(String what, NDArray x, String otherWhat, NDArray other) {
        Chunked.requireRank(what, x, 2);
        Chunked.sameShapeContiguous(what, x, otherWhat, other);
    }
}
