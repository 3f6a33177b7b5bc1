package org.dl4jbridge.ndarray.ops;

import java.nio.FloatBuffer;
import java.util.Arrays;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.ndarray.Parallel;

/**
 * Runs element-wise kernels over contiguous arrays in cache-sized chunks: each chunk is bulk-copied
 * from the direct buffer into per-thread heap scratch, transformed by a kernel whose loop runs over
 * distinct float[] arrays (the shape C2 vectorises, PERF_NOTES), and bulk-copied back. Big arrays
 * are split over {@link Parallel}. Nothing is allocated per call beyond the lambda.
 */
final class Chunked {
    static final int CHUNK = 2048;
    /** Below this many elements the fork/join hand-off costs more than it saves. */
    static final int PARALLEL_MIN = 1 << 15;

    private static final ThreadLocal<float[][]> SCRATCH =
            ThreadLocal.withInitial(() -> new float[][] {new float[CHUNK], new float[CHUNK], new float[CHUNK]});

    private Chunked() {}

    /** {@code y = f(x)} over n elements. */
    interface Unary { void apply(float[] x, float[] y, int n); }

    /** {@code y = f(x, g)} over n elements. */
    interface Binary { void apply(float[] x, float[] g, float[] y, int n); }

    static void map(NDArray in, NDArray out, Unary k) {
        sameShapeContiguous("input", in, "output", out);
        FloatBuffer ib = in.buffer(), ob = out.buffer();
        int io = in.offset(), oo = out.offset();
        forChunks(in.length(), (lo, hi) -> {
            float[][] s = SCRATCH.get();
            for (int p = lo; p < hi; p += CHUNK) {
                int n = Math.min(CHUNK, hi - p);
                ib.get(io + p, s[0], 0, n);
                k.apply(s[0], s[1], n);
                ob.put(oo + p, s[1], 0, n);
            }
        });
    }

    static void zip(NDArray x, NDArray g, NDArray out, Binary k) {
        sameShapeContiguous("first input", x, "output", out);
        sameShapeContiguous("second input", g, "output", out);
        FloatBuffer xb = x.buffer(), gb = g.buffer(), ob = out.buffer();
        int xo = x.offset(), go = g.offset(), oo = out.offset();
        forChunks(x.length(), (lo, hi) -> {
            float[][] s = SCRATCH.get();
            for (int p = lo; p < hi; p += CHUNK) {
                int n = Math.min(CHUNK, hi - p);
                xb.get(xo + p, s[0], 0, n);
                gb.get(go + p, s[1], 0, n);
                k.apply(s[0], s[1], s[2], n);
                ob.put(oo + p, s[2], 0, n);
            }
        });
    }

    /** Splits [0, n) into chunk-aligned pieces, in parallel when n is large. */
    static void forChunks(int n, Parallel.RangeBody body) {
        if (n < PARALLEL_MIN) {
            body.run(0, n);
            return;
        }
        int blocks = (n + CHUNK - 1) / CHUNK;
        Parallel.range(blocks, (lo, hi) -> body.run(lo * CHUNK, Math.min(n, hi * CHUNK)));
    }

    static void sameShapeContiguous(String what, NDArray a, String otherWhat, NDArray other) {
        requireContiguous(what, a);
        requireContiguous(otherWhat, other);
        if (!Arrays.equals(a.shape(), other.shape())) {
            throw new IllegalArgumentException(what + " has shape " + Arrays.toString(a.shape()) + " but " + otherWhat
                    + " has shape " + Arrays.toString(other.shape()) + "; pass arrays of the same shape");
        }
    }

    static void requireContiguous(String what, NDArray a) {
        if (!a.isContiguous()) {
            throw new IllegalArgumentException(what + " must be a contiguous c-order array, got shape "
                    + Arrays.toString(a.shape()) + " strides " + Arrays.toString(a.stride()) + "; pass a.dup()");
        }
    }

    static void requireRank(String what, NDArray a, int rank) {
        if (a.rank() != rank) {
            throw new IllegalArgumentException(what + " must have rank " + rank + ", got shape " + Arrays.toString(a.shape()));
        }
    }
}
