package org.dl4jbridge.ndarray;

import com.sun.jna.Function;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.lang.reflect.Method;
import java.nio.FloatBuffer;
import java.util.Map;

/**
 * OpenBLAS through JNA direct mapping, on off-heap buffers (no copies: about 180 GFLOP/s on two
 * cores here, PERF_NOTES). Works with the scipy-openblas32 wheel's library, whose symbols carry a
 * {@code scipy_} prefix, and with plain builds such as Debian's libopenblas.
 */
final class OpenBlasBackend implements Backend {
    private static final int ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112;

    private final String path;
    private final String prefix;
    private final String config;
    private final Function setThreads, getThreads;

    /** Direct-mapped natives; registered once against the library the first backend loads. */
    static final class Native32 {
        static native void cblas_sgemm(int order, int transA, int transB, int m, int n, int k,
                                       float alpha, Pointer a, int lda, Pointer b, int ldb,
                                       float beta, Pointer c, int ldc);
    }

    private static volatile boolean registered;

    OpenBlasBackend(String path, int threads) {
        NativeLibrary probe = NativeLibrary.getInstance(path);
        this.path = path;
        this.prefix = hasSymbol(probe, "scipy_cblas_sgemm") ? "scipy_" : "";
        if (!hasSymbol(probe, prefix + "cblas_sgemm")) {
            throw new UnsatisfiedLinkError(path + " has no cblas_sgemm (nor scipy_cblas_sgemm): not an OpenBLAS/CBLAS library");
        }
        synchronized (OpenBlasBackend.class) {
            if (!registered) {
                NativeLibrary lib = NativeLibrary.getInstance(path, Map.of(Library.OPTION_FUNCTION_MAPPER,
                        (com.sun.jna.FunctionMapper) (NativeLibrary l, Method m) -> prefix + m.getName()));
                Native.register(Native32.class, lib);
                registered = true;
            }
        }
        this.setThreads = optional(probe, prefix + "openblas_set_num_threads");
        this.getThreads = optional(probe, prefix + "openblas_get_num_threads");
        if (setThreads != null && threads > 0) setThreads.invokeVoid(new Object[] {threads});
        Function getConfig = optional(probe, prefix + "openblas_get_config");
        this.config = getConfig == null ? "unknown build" : getConfig.invokeString(new Object[0], false).trim();
    }

    private static boolean hasSymbol(NativeLibrary lib, String name) {
        return optional(lib, name) != null;
    }

    private static Function optional(NativeLibrary lib, String name) {
        try {
            return lib.getFunction(name);
        } catch (UnsatisfiedLinkError e) {
            return null;
        }
    }

    @Override public String name() { return "openblas"; }

    @Override
    public int threads() {
        return getThreads == null ? -1 : getThreads.invokeInt(new Object[0]);
    }

    /**
     * OpenBLAS's thread count is process-wide: set to 1 for the duration (each caller's GEMM then
     * runs in the caller, concurrently with the others) and restored after. Synchronized so that
     * overlapping calls cannot restore each other's setting.
     */
    @Override
    public synchronized void singleThreaded(Runnable work) {
        int before = threads();
        if (setThreads == null || before <= 1) {
            work.run();
            return;
        }
        setThreads.invokeVoid(new Object[] {1});
        try {
            work.run();
        } finally {
            setThreads.invokeVoid(new Object[] {before});
        }
    }

    @Override
    public String description() {
        return "OpenBLAS " + path + " (" + config + "), " + threads() + " threads";
    }

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                      FloatBuffer a, int aOffset, int lda, FloatBuffer b, int bOffset, int ldb,
                      float beta, FloatBuffer c, int cOffset, int ldc) {
        if (m == 0 || n == 0) return;
        Native32.cblas_sgemm(ROW_MAJOR, transA ? TRANS : NO_TRANS, transB ? TRANS : NO_TRANS, m, n, k,
                alpha, pointer(a, aOffset), lda, pointer(b, bOffset), ldb, beta, pointer(c, cOffset), ldc);
    }

    private static Pointer pointer(FloatBuffer buf, int offsetFloats) {
        Pointer base = Native.getDirectBufferPointer(buf);
        return offsetFloats == 0 ? base : base.share((long) offsetFloats * Float.BYTES);
    }
}
