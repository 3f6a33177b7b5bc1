package org.dl4jbridge.ndarray.ops;

import java.nio.FloatBuffer;

/** Sums over contiguous buffer ranges, accumulated in double so long reductions stay exact to float32. */
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

    static double sum(float[] x, int n) {
        double s = 0;
        for (int j = 0; j < n; j++) s += x[j];
        return s;
    }
}
