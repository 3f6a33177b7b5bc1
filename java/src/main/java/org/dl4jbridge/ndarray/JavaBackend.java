package org.dl4jbridge.ndarray;

import java.nio.FloatBuffer;

/**
 * Pure-Java GEMM: works everywhere, about a quarter of OpenBLAS's speed (PERF_NOTES). Only used
 * when no BLAS library can be loaded; {@link Backends} says so once, loudly.
 *
 * <p>The operands are packed into heap arrays so the innermost loop runs over two distinct
 * float[] rows in its own small method, the shape C2 vectorises.
 */
final class JavaBackend implements Backend {
    private final String reason;

    JavaBackend(String reason) { this.reason = reason; }

    @Override public String name() { return "java"; }
    @Override public String description() { return "pure-Java GEMM fallback (slow path): " + reason; }
    @Override public int threads() { return Parallel.threads(); }

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                      FloatBuffer a, int aOffset, int lda, FloatBuffer b, int bOffset, int ldb,
                      float beta, FloatBuffer c, int cOffset, int ldc) {
        float[][] ap = new float[m][k];
        for (int i = 0; i < m; i++) {
            for (int p = 0; p < k; p++) {
                ap[i][p] = transA ? a.get(aOffset + p * lda + i) : a.get(aOffset + i * lda + p);
            }
        }
        float[][] bp = new float[k][n];
        for (int p = 0; p < k; p++) {
            if (!transB) {
                b.get(bOffset + p * ldb, bp[p]);
            } else {
                for (int j = 0; j < n; j++) bp[p][j] = b.get(bOffset + j * ldb + p);
            }
        }
        Parallel.range(m, (lo, hi) -> {
            float[] row = new float[n];
            for (int i = lo; i < hi; i++) {
                java.util.Arrays.fill(row, 0f);
                float[] ai = ap[i];
                for (int p = 0; p < k; p++) axpy(ai[p], bp[p], row, n);
                int base = cOffset + i * ldc;
                for (int j = 0; j < n; j++) {
                    float prev = beta == 0f ? 0f : beta * c.get(base + j);
                    c.put(base + j, prev + alpha * row[j]);
                }
            }
        });
    }

    private static void axpy(float alpha, float[] x, float[] y, int n) {
        for (int j = 0; j < n; j++) y[j] += alpha * x[j];
    }
}
