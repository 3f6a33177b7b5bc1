package org.dl4jbridge.ndarray.ops;

import java.nio.FloatBuffer;
import java.util.Arrays;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.ndarray.Parallel;

/**
 * Bias addition and its gradient.
 *
 * <ul>
 *   <li>{@link #addRowVector(NDArray, NDArray)}: {@code x[mb,n] += b} for every row; {@code b} holds n
 *       elements in any shape ({@code [n]} or DL4J's {@code [1,n]} view into the parameter vector).</li>
 *   <li>{@link #addPerChannel(NDArray, NDArray)}: {@code x[mb,C,H,W] += b[c]} over each channel's
 *       H·W plane (NCHW); {@code b} holds C elements.</li>
 *   <li>{@link #rowVectorGradient(NDArray, NDArray)}: {@code db[j] = Σ_i dz[i,j]} (column sums, summed
 *       over the minibatch, not divided: DL4J's updater divides, DL4J_SPEC 6.1).</li>
 *   <li>{@link #perChannelGradient(NDArray, NDArray)}: {@code db[c] = Σ_{i,h,w} dz[i,c,h,w]}.</li>
 * </ul>
 * The gradients' sums round as {@link Rounding#current()} says: in double (ACCURATE) or as DL4J's float
 * sums in index order (DL4J).
 * {@code x}/{@code dz} must be contiguous c-order; {@code b}/{@code db} may be any view with the
 * right number of elements (e.g. a slice of the flat gradient vector). Gradients overwrite
 * {@code db}.
 */
public final class Bias {
    private Bias() {}

    /** {@code x[mb,n] += b[n]} row by row, in place; returns x. */
    public static NDArray addRowVector(NDArray x, NDArray b) {
        Chunked.requireRank("x", x, 2);
        Chunked.requireContiguous("x", x);
        int mb = x.size(0), n = x.size(1);
        float[] bias = vector("b", b, n);
        FloatBuffer xb = x.buffer();
        int xo = x.offset();
        Parallel.RangeBody body = (lo, hi) -> {
            float[] row = new float[n];
            for (int i = lo; i < hi; i++) {
                xb.get(xo + i * n, row, 0, n);
                addInto(row, bias, n);
                xb.put(xo + i * n, row, 0, n);
            }
        };
        if ((long) mb * n < Chunked.PARALLEL_MIN) body.run(0, mb); else Parallel.range(mb, body);
        return x;
    }

    /** {@code x[mb,C,H,W] += b[c]}, in place; returns x. */
    public static NDArray addPerChannel(NDArray x, NDArray b) {
        Chunked.requireRank("x", x, 4);
        Chunked.requireContiguous("x", x);
        int mb = x.size(0), channels = x.size(1), plane = x.size(2) * x.size(3);
        float[] bias = vector("b", b, channels);
        FloatBuffer xb = x.buffer();
        int xo = x.offset();
        int planes = mb * channels;
        Parallel.RangeBody body = (lo, hi) -> {
            float[] buf = new float[Math.min(plane, Chunked.CHUNK)];
            for (int q = lo; q < hi; q++) {
                float v = bias[q % channels];
                int base = xo + q * plane;
                for (int p = 0; p < plane; p += buf.length) {
                    int len = Math.min(buf.length, plane - p);
                    xb.get(base + p, buf, 0, len);
                    addScalar(buf, v, len);
                    xb.put(base + p, buf, 0, len);
                }
            }
        };
        if ((long) planes * plane < Chunked.PARALLEL_MIN) body.run(0, planes); else Parallel.range(planes, body);
        return x;
    }

    /** {@code db[j] = Σ_i dz[i,j]} for {@code dz[mb,n]}; overwrites db (n elements, any view). */
    public static NDArray rowVectorGradient(NDArray dz, NDArray db) {
        return rowVectorGradient(dz, db, Rounding.current());
    }

    /** As {@link #rowVectorGradient(NDArray, NDArray)}; DL4J sums each column in float, in minibatch order. */
    static NDArray rowVectorGradient(NDArray dz, NDArray db, Rounding rounding) {
        Chunked.requireRank("dz", dz, 2);
        Chunked.requireContiguous("dz", dz);
        int mb = dz.size(0), n = dz.size(1);
        checkLength("db", db, n);
        double[] acc = new double[n];
        float[] facc = new float[n];
        float[] row = new float[n];
        FloatBuffer zb = dz.buffer();
        for (int i = 0; i < mb; i++) {
            zb.get(dz.offset() + i * n, row, 0, n);
            if (rounding == Rounding.DL4J) accumulate(facc, row, n); else accumulate(acc, row, n);
        }
        for (int j = 0; j < n; j++) db.put(j, rounding == Rounding.DL4J ? facc[j] : (float) acc[j]);
        return db;
    }

    /** {@code db[c] = Σ_{i,h,w} dz[i,c,h,w]}; overwrites db (C elements, any view). */
    public static NDArray perChannelGradient(NDArray dz, NDArray db) {
        return perChannelGradient(dz, db, Rounding.current());
    }

    /**
     * As {@link #perChannelGradient(NDArray, NDArray)}. ACCURATE: eight float lanes per chunk, folded
     * into double; DL4J: one float accumulator over images, then positions (DL4J's order).
     */
    static NDArray perChannelGradient(NDArray dz, NDArray db, Rounding rounding) {
        Chunked.requireRank("dz", dz, 4);
        Chunked.requireContiguous("dz", dz);
        int mb = dz.size(0), channels = dz.size(1), plane = dz.size(2) * dz.size(3);
        checkLength("db", db, channels);
        double[] sums = new double[channels];
        FloatBuffer zb = dz.buffer();
        int zo = dz.offset();
        Parallel.RangeBody body = (lo, hi) -> {
            float[] buf = new float[Math.min(Math.max(plane, 1), Chunked.CHUNK)];
            for (int c = lo; c < hi; c++) {
                double s = 0;
                float f = 0;
                for (int i = 0; i < mb; i++) {
                    int base = zo + (i * channels + c) * plane;
                    if (rounding == Rounding.ACCURATE) {
                        s += Reductions.sum(zb, base, plane, buf);
                        continue;
                    }
                    for (int p = 0; p < plane; p += buf.length) {
                        int len = Math.min(buf.length, plane - p);
                        zb.get(base + p, buf, 0, len);
                        f = Rounding.dl4jSum(f, buf, 0, len);
                    }
                }
                sums[c] = rounding == Rounding.ACCURATE ? s : f;
            }
        };
        if ((long) mb * channels * plane < Chunked.PARALLEL_MIN) body.run(0, channels); else Parallel.range(channels, body);
        for (int c = 0; c < channels; c++) db.put(c, (float) sums[c]);
        return db;
    }

    static float[] vector(String name, NDArray b, int n) {
        checkLength(name, b, n);
        return b.toFloatArray();
    }

    private static void checkLength(String name, NDArray b, int n) {
        if (b.length() != n) {
            throw new IllegalArgumentException(name + " must hold " + n + " elements (one per column/channel), got shape "
                    + Arrays.toString(b.shape()));
        }
    }

    private static void addInto(float[] row, float[] bias, int n) {
        for (int j = 0; j < n; j++) row[j] += bias[j];
    }

    private static void addScalar(float[] buf, float v, int n) {
        for (int j = 0; j < n; j++) buf[j] += v;
    }

    private static void accumulate(float[] acc, float[] row, int n) {
        for (int j = 0; j < n; j++) acc[j] += row[j];
    }

    private static void accumulate(double[] acc, float[] row, int n) {
        for (int j = 0; j < n; j++) acc[j] += row[j];
    }
}
