package org.dl4jbridge.ndarray;

import java.nio.FloatBuffer;

/**
 * Where the heavy linear algebra runs. Every op in the engine reaches GEMM through this one
 * interface, so the CPU (OpenBLAS through JNA, or the pure-Java fallback) and a later CUDA
 * backend are interchangeable.
 */
public interface Backend {
    /** Short name: "openblas", "java". */
    String name();

    /** One line for `dl4j-bridge doctor`: library path, version/config, threads. */
    String description();

    /** Threads the backend's GEMM uses. */
    int threads();

    /**
     * Runs {@code work} with each GEMM confined to the thread that calls it, so the engine's own
     * threads can run independent cache-sized GEMMs side by side (Winograd's per-thread blocks)
     * instead of sharing one pool. The default fits backends whose GEMM already runs inline when
     * called from an engine worker thread, as the pure-Java one does.
     */
    default void singleThreaded(Runnable work) { work.run(); }

    /**
     * Row-major SGEMM: {@code C[m,n] = alpha * op(A)[m,k] * op(B)[k,n] + beta * C}, where the
     * buffers are direct and each matrix starts at its offset (in floats) with its leading
     * dimension (row stride of the stored, untransposed matrix).
     */
    void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
               FloatBuffer a, int aOffset, int lda,
               FloatBuffer b, int bOffset, int ldb,
               float beta, FloatBuffer c, int cOffset, int ldc);
}
