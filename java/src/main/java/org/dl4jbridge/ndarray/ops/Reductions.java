package org.dl4jbridge.ndarray.ops;

import java.nio.FloatBuffer;

/** Sums over buffer ranges, accumulated in double so long reductions stay exact to float32. */
final class Reductions {
    private Reductions() {}

    /** Σ buf[from .. from+n) using {@code scratch} (any non-empty length) for bulk reads. */
    static double sum(FloatBuffer buf, int from, int n, float[] scratch) {
        double s = 0;
        for (int p = 0; p < n; p += scratch.length) {
            int len = Math.min(scratch.length, n - p);
            buf.get(from + p, scratch, 0, len);
            s += sum(scratch, len);
        }
        return s;
    }

    /**
     * Eight float lanes (independent adds the CPU overlaps; a single double accumulator is 3.6x
     * slower), folded into double. Callers pass chunks of at most {@link Chunked#CHUNK} elements, so
     * each lane sums at most 256 values and its float rounding stays near 1e-7 relative.
     */
    static double sum(float[] x, int n) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        int j = 0;
        for (; j + 7 < n; j += 8) {
            s0 += x[j]; s1 += x[j + 1]; s2 += x[j + 2]; s3 += x[j + 3];
            s4 += x[j + 4]; s5 += x[j + 5]; s6 += x[j + 6]; s7 += x[j + 7];
        }
        double s = 0;
        for (; j < n; j++) s += x[j];
        return s + ((double) s0 + s1) + ((double) s2 + s3) + ((double) s4 + s5) + ((double) s6 + s7);
    }

    /** Σ u·(v − c) with the same eight-lane scheme. */
    static double dotCentered(float[] u, float[] v, float c, int n) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        int j = 0;
        for (; j + 7 < n; j += 8) {
            s0 += u[j] * (v[j] - c); s1 += u[j + 1] * (v[j + 1] - c);
            s2 += u[j + 2] * (v[j + 2] - c); s3 += u[j + 3] * (v[j + 3] - c);
            s4 += u[j + 4] * (v[j + 4] - c); s5 += u[j + 5] * (v[j + 5] - c);
            s6 += u[j + 6] * (v[j + 6] - c); s7 += u[j + 7] * (v[j + 7] - c);
        }
        double s = 0;
        for (; j < n; j++) s += (double) u[j] * ((double) v[j] - c);
        return s + ((double) s0 + s1) + ((double) s2 + s3) + ((double) s4 + s5) + ((double) s6 + s7);
    }

    /** Σ (x − c)² with the same eight-lane scheme (x − c is exact in float when c is near x). */
    static double squaredDeviations(float[] x, float c, int n) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        int j = 0;
        for (; j + 7 < n; j += 8) {
            float d0 = x[j] - c, d1 = x[j + 1] - c, d2 = x[j + 2] - c, d3 = x[j + 3] - c;
            float d4 = x[j + 4] - c, d5 = x[j + 5] - c, d6 = x[j + 6] - c, d7 = x[j + 7] - c;
            s0 += d0 * d0; s1 += d1 * d1; s2 += d2 * d2; s3 += d3 * d3;
            s4 += d4 * d4; s5 += d5 * d5; s6 += d6 * d6; s7 += d7 * d7;
        }
        double s = 0;
        for (; j < n; j++) {
            double d = (double) x[j] - c;
            s += d * d;
        }
        return s + ((double) s0 + s1) + ((double) s2 + s3) + ((double) s4 + s5) + ((double) s6 + s7);
    }

    /**
     * The sum of {@code a[off + k * stride]} for {@code k < n}, in double, over four interleaved partial sums
     * (a single running sum is a chain of dependent additions, each waiting about four cycles for the last,
     * which made global average pooling of EfficientNet-Lite0's head, 16 x 1280 planes of 49, cost about 2 ms
     * of CPU a batch). The one summation of both layouts' average pooling ({@link GlobalPooling}'s NCHW planes
     * with stride 1, {@link ChwnLayout}'s rows with the batch as stride), so the two give the same floats.
     */
    static double pooledSum(float[] a, int off, int stride, int n) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int k = 0;
        for (; k + 3 < n; k += 4) {
            int i = off + k * stride;
            s0 += a[i];
            s1 += a[i + stride];
            s2 += a[i + 2 * stride];
            s3 += a[i + 3 * stride];
        }
        for (; k < n; k++) s0 += a[off + k * stride];
        return (s0 + s1) + (s2 + s3);
    }
}
