package org.dl4jbridge.ndarray.cuda;

import com.sun.jna.Pointer;
import java.nio.FloatBuffer;
import org.dl4jbridge.ndarray.Backend;

/**
 * The engine's {@link Backend} on cuBLAS. The engine hands over host (direct) buffers, so each
 * SGEMM stages its operands through device memory: correct for every op of the engine, which all
 * reach GEMM through this interface, but it crosses the bus per GEMM. Device-resident layers (the
 * data staying on the GPU for a whole pass, cuDNN convolutions) are {@link CudnnOps}, which the
 * layers do not use yet.
 *
 * <p>Row-major to column-major: a row-major M×N matrix with leading dimension ld is, read
 * column-major, its N×M transpose with the same ld. So row-major {@code C = op(A)·op(B)} is
 * column-major {@code Cᵀ = op(B)ᵀ·op(A)ᵀ}: cuBLAS gets B before A, n before m, and the same
 * transpose flags, with no copies.
 */
public final class CudaBackend implements Backend {
    static final int CUBLAS_OP_N = 0, CUBLAS_OP_T = 1;

    private final CudaDevice device;
    private DeviceBuffer da, db, dc;  // grow-only staging, guarded by this

    public CudaBackend(CudaDevice device) { this.device = device; }

    @Override public String name() { return "cuda"; }
    @Override public String description() { return device.description(); }
    /** The GPU does the GEMM; 1 tells the engine's callers not to split GEMMs across host threads for it. */
    @Override public int threads() { return 1; }

    @Override
    public synchronized void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                                   FloatBuffer a, int aOffset, int lda, FloatBuffer b, int bOffset, int ldb,
                                   float beta, FloatBuffer c, int cOffset, int ldc) {
        if (m == 0 || n == 0) return;
        // Stored (untransposed) shapes: rows × ld each; the last row needs only its used columns.
        long aLen = span(transA ? k : m, transA ? m : k, lda);
        long bLen = span(transB ? n : k, transB ? k : n, ldb);
        long cLen = span(m, n, ldc);
        da = ensure(da, aLen);
        db = ensure(db, bLen);
        dc = ensure(dc, cLen);
        da.upload(a, aOffset, aLen);
        db.upload(b, bOffset, bLen);
        // C goes up when it is read (beta != 0) and also when its rows are padded (ldc > n): the copy back
        // covers the gaps between rows, which must come back as they were (they may be another array's data).
        if (beta != 0f || ldc != n) dc.upload(c, cOffset, cLen);
        gemmDevice(transA, transB, m, n, k, alpha, da.pointer(), lda, db.pointer(), ldb, beta, dc.pointer(), ldc);
        dc.download(c, cOffset, cLen);
    }

    /** Row-major SGEMM on device pointers (the transpose trick above); queued on the device's stream. */
    public void gemmDevice(boolean transA, boolean transB, int m, int n, int k, float alpha, Pointer a, int lda,
                           Pointer b, int ldb, float beta, Pointer c, int ldc) {
        device.checkBlas(device.cublas.cublasSgemm_v2(device.cublasHandle,
                transB ? CUBLAS_OP_T : CUBLAS_OP_N, transA ? CUBLAS_OP_T : CUBLAS_OP_N, n, m, k,
                new float[] {alpha}, b, ldb, a, lda, new float[] {beta}, c, ldc), "cublasSgemm");
    }

    private static long span(int rows, int cols, int ld) {
        return rows == 0 || cols == 0 ? 0 : (long) (rows - 1) * ld + cols;
    }

    private DeviceBuffer ensure(DeviceBuffer buf, long floats) {
        if (buf != null && buf.length() >= floats) return buf;
        if (buf != null) buf.close();
        // Half as much again, so a run of slowly growing shapes does not reallocate each time.
        return new DeviceBuffer(device, Math.max(floats, buf == null ? 0 : buf.length() + buf.length() / 2));
    }
}
