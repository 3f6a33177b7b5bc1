package org.dl4jbridge.ndarray;

import java.io.File;
import java.util.ArrayList;
import java.util.List;

/**
 * Chooses the backend once per JVM. Order: the library named by the system property
 * {@code dl4jbridge.blas} (the Python side passes scipy-openblas32's library), the environment
 * variable {@code DL4J_BRIDGE_BLAS}, Debian's libopenblas, then the pure-Java fallback, which
 * announces itself once on stderr. {@code dl4jbridge.blas=java} forces the fallback.
 *
 * <p>{@code dl4jbridge.backend=cuda} (or {@code DL4J_BRIDGE_BACKEND=cuda}) selects the CUDA backend
 * instead; when it cannot run, every use throws its typed
 * {@link org.dl4jbridge.ndarray.cuda.CudaUnavailableException} (never a silent fall back to the CPU).
 */
public final class Backends {
    private static final String[] SYSTEM_CANDIDATES = {
        "/usr/lib/x86_64-linux-gnu/libopenblas.so.0",
        "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
        "/usr/lib64/libopenblas.so.0",
        "/usr/lib/libopenblas.so.0",
    };
    private static volatile Backend current;
    private static final List<String> tried = new ArrayList<>();

    private Backends() {}

    public static Backend get() {
        Backend b = current;
        if (b == null) {
            synchronized (Backends.class) {
                if (current == null) current = choose();
                b = current;
            }
        }
        return b;
    }

    /** Every library path tried and why it was not used (for doctor). */
    public static synchronized List<String> tried() {
        get();
        return List.copyOf(tried);
    }

    /** "cpu" (the default) or "cuda", from the system property, else the environment. */
    public static String requestedKind() {
        String kind = System.getProperty("dl4jbridge.backend");
        if (kind == null || kind.isBlank()) kind = System.getenv("DL4J_BRIDGE_BACKEND");
        kind = kind == null || kind.isBlank() ? "cpu" : kind.trim().toLowerCase(java.util.Locale.ROOT);
        if (!kind.equals("cpu") && !kind.equals("cuda")) {
            throw new IllegalArgumentException("backend '" + kind + "' is unknown: use 'cpu' or 'cuda' "
                    + "(dl4jbridge.backend / DL4J_BRIDGE_BACKEND)");
        }
        return kind;
    }

    private static Backend choose() {
        if (requestedKind().equals("cuda")) {
            return new org.dl4jbridge.ndarray.cuda.CudaBackend(org.dl4jbridge.ndarray.cuda.CudaDevice.get());
        }
        int threads = Parallel.threads();
        String requested = System.getProperty("dl4jbridge.blas");
        if (requested == null || requested.isBlank()) requested = System.getenv("DL4J_BRIDGE_BLAS");
        if ("java".equalsIgnoreCase(requested)) {
            return fallback("pure Java requested (dl4jbridge.blas=java)");
        }
        List<String> candidates = new ArrayList<>();
        if (requested != null && !requested.isBlank()) candidates.add(requested);
        for (String s : SYSTEM_CANDIDATES) candidates.add(s);
        for (String path : candidates) {
            if (!new File(path).isFile()) {
                tried.add(path + ": no such file");
                continue;
            }
            try {
                return new OpenBlasBackend(path, threads);
            } catch (Throwable t) {
                tried.add(path + ": " + t);
            }
        }
        return fallback("no OpenBLAS library could be loaded (tried " + tried
                + "); install scipy-openblas32 or set DL4J_BRIDGE_BLAS=/path/libopenblas.so");
    }

    private static Backend fallback(String reason) {
        System.err.println("dl4j-bridge WARNING: using the pure-Java GEMM, several times slower than OpenBLAS. " + reason);
        return new JavaBackend(reason);
    }
}
