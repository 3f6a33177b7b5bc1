package org.dl4jbridge.ndarray.cuda;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.ptr.IntByReference;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds and loads NVIDIA's libraries. The folders come from the system property
 * {@code dl4jbridge.cuda.libs} (the Python side passes site-packages/nvidia/&#42;/lib of the
 * {@code [cuda]} extra's wheels) or the environment variable {@code DL4J_BRIDGE_CUDA_LIBS}, both a
 * path list; a library found in none of them is looked up by its soname through the system's
 * loader (LD_LIBRARY_PATH, ld.so.cache), so a system CUDA install also works.
 *
 * <p>Each failure is recorded with its reason; {@link #load} throws
 * {@link CudaUnavailableException.LibrariesMissing} naming every place tried and the fix.
 */
public final class CudaLibraries {
    /** A library: its sonames, newest first (CUDA 13's, then 12's; cuDNN 9 serves both). */
    public enum Lib {
        RUNTIME("CUDA runtime", "nvidia-cuda-runtime", "libcudart.so.13", "libcudart.so.12"),
        NVRTC("NVRTC", "nvidia-cuda-nvrtc", "libnvrtc.so.13", "libnvrtc.so.12"),
        CUBLAS("cuBLAS", "nvidia-cublas", "libcublas.so.13", "libcublas.so.12"),
        CUDNN("cuDNN", "nvidia-cudnn-cu13", "libcudnn.so.9");

        final String label, wheel;
        final String[] sonames;

        Lib(String label, String wheel, String... sonames) {
            this.label = label;
            this.wheel = wheel;
            this.sonames = sonames;
        }
    }

    /** The fix named whenever a library is missing. */
    public static final String INSTALL_FIX = "install the CUDA extra: pip install 'dl4j-bridge[cuda]' "
            + "(or point config cuda_lib_path / DL4J_BRIDGE_CUDA_LIB_PATH at the folders holding the libraries)";

    private CudaLibraries() {}

    /** The folders searched, in order. */
    public static List<Path> searchDirs() {
        String value = System.getProperty("dl4jbridge.cuda.libs");
        if (value == null || value.isBlank()) value = System.getenv("DL4J_BRIDGE_CUDA_LIBS");
        List<Path> dirs = new ArrayList<>();
        if (value != null) {
            for (String part : value.split(File.pathSeparator)) {
                if (!part.isBlank()) dirs.add(Path.of(part.trim()));
            }
        }
        return dirs;
    }

    /** The file for {@code lib} in the search folders, or null; {@code tried} gets one line per miss. */
    public static Path find(Lib lib, List<String> tried) {
        for (Path dir : searchDirs()) {
            for (String soname : lib.sonames) {
                Path p = dir.resolve(soname);
                if (Files.isRegularFile(p)) return p;
            }
        }
        if (tried != null) tried.add(lib.label + ": none of " + String.join(", ", lib.sonames) + " in "
                + (searchDirs().isEmpty() ? "(no folders given)" : searchDirs().toString()));
        return null;
    }

    /**
     * Loads {@code lib} as {@code iface}: from the search folders, else by soname through the
     * system loader. Throws {@link CudaUnavailableException.LibrariesMissing} naming what was tried.
     */
    public static <T extends Library> Loaded<T> load(Lib lib, Class<T> iface) {
        List<String> tried = new ArrayList<>();
        Path file = find(lib, tried);
        List<String> names = new ArrayList<>();
        if (file != null) names.add(file.toString());
        else for (String s : lib.sonames) names.add(s);
        for (String name : names) {
            try {
                return new Loaded<>(Native.load(name, iface), name);
            } catch (UnsatisfiedLinkError e) {
                tried.add(name + ": " + firstLine(e.getMessage()));
            }
        }
        throw new CudaUnavailableException.LibrariesMissing("the " + lib.label + " library (wheel " + lib.wheel
                + ") could not be loaded; tried " + tried + ". Fix: " + INSTALL_FIX);
    }

    /** A loaded library and the name or path it was loaded from. */
    public record Loaded<T>(T lib, String path) {}

    /**
     * Whether the NVIDIA driver's libcuda.so.1 is loadable; null if it is, else the loader's
     * reason. The runtime needs it for everything but version queries.
     */
    public static String driverProblem() {
        try {
            NativeLibrary.getInstance("libcuda.so.1");
            return null;
        } catch (UnsatisfiedLinkError e) {
            return firstLine(e.getMessage());
        }
    }

    /**
     * The versions of whichever libraries load, with no GPU or driver needed (cudaRuntimeGetVersion,
     * nvrtcVersion, cublasGetProperty and cudnnGetVersion are all host-only queries); a library
     * that does not load maps to "missing: reason".
     */
    public static Map<String, String> versions() {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("runtime", attempt(() -> {
            Loaded<Natives.Runtime> rt = load(Lib.RUNTIME, Natives.Runtime.class);
            IntByReference v = new IntByReference();
            check(rt.lib().cudaRuntimeGetVersion(v), "cudaRuntimeGetVersion");
            return dotted(v.getValue()) + " (" + rt.path() + ")";
        }));
        out.put("nvrtc", attempt(() -> {
            Loaded<Natives.Nvrtc> nv = load(Lib.NVRTC, Natives.Nvrtc.class);
            IntByReference major = new IntByReference(), minor = new IntByReference();
            check(nv.lib().nvrtcVersion(major, minor), "nvrtcVersion");
            return major.getValue() + "." + minor.getValue() + " (" + nv.path() + ")";
        }));
        out.put("cublas", attempt(() -> {
            Loaded<Natives.Cublas> cb = load(Lib.CUBLAS, Natives.Cublas.class);
            int[] parts = new int[3];
            for (int i = 0; i < 3; i++) {
                IntByReference v = new IntByReference();
                check(cb.lib().cublasGetProperty(i, v), "cublasGetProperty");
                parts[i] = v.getValue();
            }
            return parts[0] + "." + parts[1] + "." + parts[2] + " (" + cb.path() + ")";
        }));
        out.put("cudnn", attempt(() -> {
            Loaded<Natives.Cudnn> dnn = load(Lib.CUDNN, Natives.Cudnn.class);
            long v = dnn.lib().cudnnGetVersion();  // 9.x encodes major*10000 + minor*100 + patch
            return (v / 10000) + "." + (v % 10000 / 100) + "." + (v % 100) + " (" + dnn.path() + ")";
        }));
        String driver = driverProblem();
        out.put("driver", driver == null ? "libcuda.so.1 loadable" : "missing: " + driver);
        return out;
    }

    /** CUDA's integer version (major*1000 + minor*10) as "13.0". */
    static String dotted(int v) {
        return (v / 1000) + "." + (v % 1000 / 10);
    }

    private static void check(int status, String call) {
        if (status != 0) throw new CudaException(call + " failed with status " + status);
    }

    private interface Query { String get(); }

    private static String attempt(Query q) {
        try {
            return q.get();
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            return "missing: " + firstLine(e.getMessage());
        }
    }

    /** The first line of a loader message; JNA's first line ends in ':' and the reason follows on the next. */
    static String firstLine(String s) {
        if (s == null) return "";
        String[] lines = s.split("\n");
        if (lines.length > 1 && lines[0].endsWith(":")) return lines[0] + " " + lines[1].trim();
        return lines[0];
    }
}
