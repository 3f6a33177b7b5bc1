package org.dl4jbridge.ndarray.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * NVRTC compiles every element-wise kernel; needs no GPU, only the NVRTC library (the nvidia-cuda-nvrtc
 * wheel), found through DL4J_BRIDGE_CUDA_LIBS / -Ddl4jbridge.cuda.libs. Skips, saying so, without it.
 */
class CudaKernelsTest {
    private static Natives.Nvrtc nvrtcOrSkip() {
        List<String> tried = new ArrayList<>();
        assumeTrue(CudaLibraries.find(CudaLibraries.Lib.NVRTC, tried) != null,
                "NVRTC library not found (" + tried + "): set DL4J_BRIDGE_CUDA_LIBS to the folder of libnvrtc.so.13 "
                + "(pip install nvidia-cuda-nvrtc; `dl4j-bridge doctor --cuda-lib-path` prints it)");
        return CudaLibraries.load(CudaLibraries.Lib.NVRTC, Natives.Nvrtc.class).lib();
    }

    @Test
    void sourceDeclaresExactlyTheEntryPointsTheBackendLaunches() {
        assertEquals(CudaKernels.ENTRY_POINTS, CudaKernels.declaredEntryPoints(CudaKernels.source()));
    }

    @Test
    void everyKernelCompilesToPtxForCompute90() {
        String ptx = CudaKernels.compilePtx(nvrtcOrSkip(), "compute_90");
        assertTrue(ptx.contains(".target sm_90"), "PTX targets sm_90: " + ptx.substring(0, Math.min(400, ptx.length())));
        for (String entry : CudaKernels.ENTRY_POINTS) {
            assertTrue(ptx.contains(".entry " + entry + "("), "PTX lacks the entry point " + entry);
        }
        // No entry points beyond the declared ones (a renamed kernel would leave a stale name behind).
        int entries = ptx.split("\\.entry ", -1).length - 1;
        assertEquals(CudaKernels.ENTRY_POINTS.size(), entries);
    }

    @Test
    void cubinForSm90IsAnElfImage() {
        byte[] cubin = CudaKernels.compileCubin(nvrtcOrSkip(), "sm_90");
        assertTrue(cubin.length > 1000, "CUBIN of " + cubin.length + " bytes");
        assertArrayEquals(new byte[] {0x7f, 'E', 'L', 'F'}, java.util.Arrays.copyOf(cubin, 4));
        String text = new String(cubin, java.nio.charset.StandardCharsets.ISO_8859_1);
        for (String entry : CudaKernels.ENTRY_POINTS) assertTrue(text.contains(entry), "CUBIN lacks " + entry);
    }

    @Test
    void aCompileErrorNamesTheArchitectureAndCarriesTheLog() {
        Natives.Nvrtc nvrtc = nvrtcOrSkip();
        CudaException e = assertThrows(CudaException.class, () -> CudaKernels.compilePtx(nvrtc, "compute_1"));
        assertTrue(e.getMessage().contains("compute_1"), e.getMessage());
    }
}
