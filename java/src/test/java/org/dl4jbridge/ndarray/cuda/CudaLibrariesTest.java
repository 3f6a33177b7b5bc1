package org.dl4jbridge.ndarray.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Discovery, version checks and the typed errors that a machine without a GPU can produce. Ordered:
 * once a test has loaded libcudnn.so.9 from a folder, the process's loader finds it by soname, so the
 * missing-library case runs first (no other test class loads cuDNN).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CudaLibrariesTest {
    private static <T> T withLibs(String value, java.util.function.Supplier<T> body) {
        String before = System.getProperty("dl4jbridge.cuda.libs");
        System.setProperty("dl4jbridge.cuda.libs", value);
        try {
            return body.get();
        } finally {
            if (before == null) System.clearProperty("dl4jbridge.cuda.libs");
            else System.setProperty("dl4jbridge.cuda.libs", before);
        }
    }

    @Test
    void searchDirsComeFromThePathList(@TempDir Path a, @TempDir Path b) {
        List<Path> dirs = withLibs(a + java.io.File.pathSeparator + " " + b + " ", CudaLibraries::searchDirs);
        assertEquals(List.of(a, b), dirs);
    }

    @Test
    void findPrefersTheNewestSonameInTheFolders(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("libcudart.so.12"), "");
        Files.writeString(dir.resolve("libcudart.so.13"), "");
        Path found = withLibs(dir.toString(), () -> CudaLibraries.find(CudaLibraries.Lib.RUNTIME, null));
        assertEquals(dir.resolve("libcudart.so.13"), found);
        List<String> tried = new ArrayList<>();
        assertEquals(null, withLibs(dir.toString(), () -> CudaLibraries.find(CudaLibraries.Lib.CUDNN, tried)));
        assertTrue(tried.get(0).contains("libcudnn.so.9") && tried.get(0).contains(dir.toString()), tried.toString());
    }

    @Test
    @Order(1)
    void aMissingLibraryIsATypedErrorNamingTheWheelAndTheFix(@TempDir Path empty) {
        boolean systemHasIt;
        try {
            com.sun.jna.NativeLibrary.getInstance("libcudnn.so.9");
            systemHasIt = true;
        } catch (UnsatisfiedLinkError e) {
            systemHasIt = false;
        }
        assumeTrue(!systemHasIt, "the system loader finds libcudnn.so.9 itself, so it cannot be missing here");
        var e = assertThrows(CudaUnavailableException.LibrariesMissing.class, () -> withLibs(empty.toString(),
                () -> CudaLibraries.load(CudaLibraries.Lib.CUDNN, Natives.Cudnn.class)));
        assertTrue(e.getMessage().contains("nvidia-cudnn-cu13"), e.getMessage());
        assertTrue(e.getMessage().contains("pip install 'dl4j-bridge[cuda]'"), e.getMessage());
        assertTrue(e.getMessage().contains(empty.toString()), e.getMessage());
    }

    @Test
    void aCorruptLibraryFileIsReportedWithTheLoadersReason(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("libcudnn.so.9"), "not an ELF file");
        var e = assertThrows(CudaUnavailableException.LibrariesMissing.class, () -> withLibs(dir.toString(),
                () -> CudaLibraries.load(CudaLibraries.Lib.CUDNN, Natives.Cudnn.class)));
        assertTrue(e.getMessage().contains(dir.resolve("libcudnn.so.9").toString()), e.getMessage());
    }

    /** Needs the [cuda] extra's wheels (DL4J_BRIDGE_CUDA_LIBS); each query is host-only, so no GPU is needed. */
    @Test
    void versionsOfInstalledLibrariesAreReadWithoutAGpu() {
        for (CudaLibraries.Lib lib : CudaLibraries.Lib.values()) {
            assumeTrue(CudaLibraries.find(lib, null) != null, lib + " not in DL4J_BRIDGE_CUDA_LIBS: pip install 'dl4j-bridge[cuda]'");
        }
        Map<String, String> v = CudaLibraries.versions();
        assertTrue(v.get("runtime").matches("1[23]\\.\\d+ .*"), v.toString());
        assertTrue(v.get("nvrtc").matches("1[23]\\.\\d+ .*"), v.toString());
        assertTrue(v.get("cublas").matches("1[23]\\.\\d+\\.\\d+ .*"), v.toString());
        assertTrue(v.get("cudnn").matches("9\\.\\d+\\.\\d+ .*"), v.toString());
    }

    /** On a machine without the NVIDIA driver (CI, this project's build machines) the device reports exactly that. */
    @Test
    void withoutTheDriverTheDeviceSaysSoAndNamesTheFix() {
        assumeTrue(CudaLibraries.driverProblem() != null, "an NVIDIA driver is present: this case cannot be produced here");
        for (CudaLibraries.Lib lib : CudaLibraries.Lib.values()) {
            assumeTrue(CudaLibraries.find(lib, null) != null, lib + " not in DL4J_BRIDGE_CUDA_LIBS: the libraries-missing error comes first");
        }
        var e = assertThrows(CudaUnavailableException.DriverMissing.class, CudaDevice::get);
        assertTrue(e.getMessage().contains("libcuda.so.1") && e.getMessage().contains("--device cpu"), e.getMessage());
        // Not cached: asking again reports it again rather than handing out a half-built device.
        assertThrows(CudaUnavailableException.DriverMissing.class, CudaDevice::get);
    }

    /**
     * Every function the backend declares exists in the library it is bound to (a misspelt or removed
     * name would otherwise surface only on a GPU machine, at its first call). cuDNN 9's legacy
     * convolution, pooling, batch-norm, activation and softmax calls must still be exported by libcudnn.so.9.
     */
    @Test
    void everyDeclaredFunctionIsExportedByItsLibrary() {
        Object[][] bindings = {{CudaLibraries.Lib.RUNTIME, Natives.Runtime.class}, {CudaLibraries.Lib.NVRTC, Natives.Nvrtc.class},
                               {CudaLibraries.Lib.CUBLAS, Natives.Cublas.class}, {CudaLibraries.Lib.CUDNN, Natives.Cudnn.class}};
        List<String> missing = new ArrayList<>();
        for (Object[] b : bindings) {
            CudaLibraries.Lib lib = (CudaLibraries.Lib) b[0];
            Path file = CudaLibraries.find(lib, null);
            assumeTrue(file != null, lib + " not in DL4J_BRIDGE_CUDA_LIBS: pip install 'dl4j-bridge[cuda]'");
            com.sun.jna.NativeLibrary nl = com.sun.jna.NativeLibrary.getInstance(file.toString());
            for (java.lang.reflect.Method m : ((Class<?>) b[1]).getDeclaredMethods()) {
                try {
                    nl.getFunction(m.getName());
                } catch (UnsatisfiedLinkError e) {
                    missing.add(lib + ": " + m.getName());
                }
            }
        }
        assertEquals(List.of(), missing);
    }

    /**
     * cudaLaunchKernel's by-value grid and block structs marshal through JNA: without a driver the
     * runtime answers with an error status instead of launching, which is enough to exercise the call.
     */
    @Test
    void aKernelLaunchMarshalsWithoutADriver() {
        assumeTrue(CudaLibraries.driverProblem() != null, "a driver is present: a launch with a null kernel would reach it");
        assumeTrue(CudaLibraries.find(CudaLibraries.Lib.RUNTIME, null) != null, "no CUDA runtime in DL4J_BRIDGE_CUDA_LIBS");
        Natives.Runtime rt = CudaLibraries.load(CudaLibraries.Lib.RUNTIME, Natives.Runtime.class).lib();
        int status = rt.cudaLaunchKernel(null, new Natives.Dim3(1, 1, 1), new Natives.Dim3(32, 1, 1), null, 0, null);
        assertTrue(status != 0, "a launch with no driver and no kernel must fail, got status " + status);
        assertTrue(rt.cudaGetErrorString(status).length() > 0);
    }
}
