package org.dl4jbridge.ndarray.cuda;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The element-wise kernels (kernels.cu beside this class) and their compilation by NVRTC. NVRTC runs
 * on the host with no GPU, so compilation is tested everywhere (CudaKernelsTest).
 *
 * <p>The backend loads a CUBIN for the device's exact architecture, not PTX: PTX written by a newer
 * NVRTC (the wheel's 13.5, say) carries a PTX ISA version that an older driver (580 = CUDA 13.0)
 * refuses to JIT, while a CUBIN for sm_90 from any CUDA 13 NVRTC loads on any CUDA 13 driver.
 */
public final class CudaKernels {
    /** Every entry point kernels.cu must define; the launch code looks these names up. */
    public static final List<String> ENTRY_POINTS = List.of(
            "bias_add_nchw", "bias_add_rows", "column_sums",
            "leaky_relu_forward", "leaky_relu_backward",
            "prob_minus_label", "mcxent_rows", "mse_rows",
            "sgd_update", "nesterovs_update", "adam_update", "rmsprop_update", "subtract_inplace",
            "u8_hwc_to_nchw", "depthwise_to_kcrs", "kcrs_to_depthwise", "bn_running_update");

    private static final Pattern ENTRY = Pattern.compile("extern \"C\" __global__ void (\\w+)\\(");

    private CudaKernels() {}

    /** The CUDA C source. */
    public static String source() {
        try (InputStream in = CudaKernels.class.getResourceAsStream("kernels.cu")) {
            if (in == null) throw new IllegalStateException("kernels.cu is missing from the engine jar: rebuild it");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The entry points the source declares, in order. */
    public static List<String> declaredEntryPoints(String source) {
        List<String> out = new ArrayList<>();
        Matcher m = ENTRY.matcher(source);
        while (m.find()) out.add(m.group(1));
        return out;
    }

    /** PTX for {@code virtualArch} with the NVRTC that {@link CudaLibraries} finds (the Python tests call this). */
    public static String ptx(String virtualArch) {
        return compilePtx(CudaLibraries.load(CudaLibraries.Lib.NVRTC, Natives.Nvrtc.class).lib(), virtualArch);
    }

    /** PTX for a virtual architecture such as "compute_90". */
    public static String compilePtx(Natives.Nvrtc nvrtc, String virtualArch) {
        byte[] ptx = compile(nvrtc, "--gpu-architecture=" + virtualArch, false);
        return new String(ptx, 0, ptx.length - 1, StandardCharsets.US_ASCII);  // drop the trailing NUL
    }

    /** A CUBIN (machine code) for a real architecture such as "sm_90". */
    public static byte[] compileCubin(Natives.Nvrtc nvrtc, String realArch) {
        return compile(nvrtc, "--gpu-architecture=" + realArch, true);
    }

    private static byte[] compile(Natives.Nvrtc nvrtc, String archOption, boolean cubin) {
        PointerByReference prog = new PointerByReference();
        check(nvrtc, nvrtc.nvrtcCreateProgram(prog, source(), "kernels.cu", 0, null, null), "nvrtcCreateProgram");
        Pointer p = prog.getValue();
        try {
            // -std=c++17 and no fast-math: the arithmetic must match the CPU engine's float code.
            String[] options = {archOption, "--std=c++17"};
            int status = nvrtc.nvrtcCompileProgram(p, options.length, options);
            if (status != 0) {
                throw new CudaException("NVRTC could not compile kernels.cu for " + archOption + ": "
                        + nvrtc.nvrtcGetErrorString(status) + "\n" + log(nvrtc, p));
            }
            LongByReference size = new LongByReference();
            check(nvrtc, cubin ? nvrtc.nvrtcGetCUBINSize(p, size) : nvrtc.nvrtcGetPTXSize(p, size), "get size");
            byte[] out = new byte[(int) size.getValue()];
            check(nvrtc, cubin ? nvrtc.nvrtcGetCUBIN(p, out) : nvrtc.nvrtcGetPTX(p, out), "get code");
            return out;
        } finally {
            nvrtc.nvrtcDestroyProgram(prog);
        }
    }

    private static String log(Natives.Nvrtc nvrtc, Pointer p) {
        LongByReference size = new LongByReference();
        if (nvrtc.nvrtcGetProgramLogSize(p, size) != 0 || size.getValue() <= 1) return "(no log)";
        byte[] log = new byte[(int) size.getValue()];
        nvrtc.nvrtcGetProgramLog(p, log);
        return new String(log, 0, log.length - 1, StandardCharsets.UTF_8);
    }

    private static void check(Natives.Nvrtc nvrtc, int status, String call) {
        if (status != 0) throw new CudaException(call + ": " + nvrtc.nvrtcGetErrorString(status));
    }
}
