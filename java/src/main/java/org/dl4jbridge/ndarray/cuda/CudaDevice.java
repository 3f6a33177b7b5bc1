package org.dl4jbridge.ndarray.cuda;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;
import java.util.HashMap;
import java.util.Map;

/**
 * GPU 0 with NVIDIA's libraries loaded: one stream, one cuBLAS and one cuDNN handle, and the
 * element-wise kernels compiled for the device's architecture. One per JVM ({@link #get}); the
 * checks in {@link #open} run in order so that each missing piece gets its own typed error:
 * libraries, then driver, then GPU.
 *
 * <p>UNTESTED ON A GPU: written against NVIDIA's headers and checked here only as far as a machine
 * without a driver allows (loading, versions, NVRTC, the error cases). tests/gpu/run.sh is the check.
 */
public final class CudaDevice {
    static final int MEMCPY_HOST_TO_DEVICE = 1, MEMCPY_DEVICE_TO_HOST = 2, MEMCPY_DEVICE_TO_DEVICE = 3;
    private static final int ERR_MEMORY_ALLOCATION = 2, ERR_INSUFFICIENT_DRIVER = 35, ERR_NO_DEVICE = 100;
    private static final int ATTR_CC_MAJOR = 75, ATTR_CC_MINOR = 76, ATTR_SM_COUNT = 16;
    /** cuBLAS math modes: DEFAULT never uses TF32 for SGEMM; TF32_TENSOR_OP opts in. */
    private static final int CUBLAS_DEFAULT_MATH = 0, CUBLAS_TF32_TENSOR_OP_MATH = 3;

    private static volatile CudaDevice instance;

    final Natives.Runtime rt;
    final Natives.Cublas cublas;
    final Natives.Cudnn cudnn;
    final Pointer stream, cublasHandle, cudnnHandle;
    final boolean tf32;
    private final String name;
    private final int ccMajor, ccMinor, smCount;
    private final Map<String, String> versions;
    private final Map<String, Pointer> kernels = new HashMap<>();
    /** The CUBIN the kernels were loaded from, kept alive with the device: with CUDA's lazy module loading
     * (the default since 12.2) the driver may read the image again when a kernel is first launched. */
    private Memory kernelImage;

    private CudaDevice() {
        // 1. libraries (each throws LibrariesMissing naming the wheel and the fix)
        this.rt = CudaLibraries.load(CudaLibraries.Lib.RUNTIME, Natives.Runtime.class).lib();
        Natives.Nvrtc nvrtc = CudaLibraries.load(CudaLibraries.Lib.NVRTC, Natives.Nvrtc.class).lib();
        this.cublas = CudaLibraries.load(CudaLibraries.Lib.CUBLAS, Natives.Cublas.class).lib();
        this.cudnn = CudaLibraries.load(CudaLibraries.Lib.CUDNN, Natives.Cudnn.class).lib();
        this.versions = CudaLibraries.versions();
        // 2. driver
        String driverProblem = CudaLibraries.driverProblem();
        if (driverProblem != null) {
            throw new CudaUnavailableException.DriverMissing("no NVIDIA driver: libcuda.so.1 cannot be loaded ("
                    + driverProblem + "). The CUDA backend needs the NVIDIA driver installed on the system "
                    + "(the pip wheels bring everything else). Fix: install the driver (R580 or newer for CUDA 13), "
                    + "or use the CPU backend: config.set(backend='cpu') / --device cpu");
        }
        // 3. a GPU
        IntByReference count = new IntByReference();
        int status = rt.cudaGetDeviceCount(count);
        if (status == ERR_INSUFFICIENT_DRIVER) {
            IntByReference drv = new IntByReference(), run = new IntByReference();
            rt.cudaDriverGetVersion(drv);
            rt.cudaRuntimeGetVersion(run);
            throw new CudaUnavailableException.DriverMissing("the NVIDIA driver supports CUDA "
                    + CudaLibraries.dotted(drv.getValue()) + " but the runtime is CUDA " + CudaLibraries.dotted(run.getValue())
                    + ". Fix: update the driver, or install the extra's CUDA 12 wheels to match an older driver");
        }
        if (status == ERR_NO_DEVICE || (status == 0 && count.getValue() == 0)) {
            throw new CudaUnavailableException.NoGpu("the NVIDIA driver is installed but reports no GPU"
                    + " (CUDA_VISIBLE_DEVICES=" + System.getenv("CUDA_VISIBLE_DEVICES") + "). Fix: run on a machine with an"
                    + " NVIDIA GPU, check nvidia-smi, or use the CPU backend: config.set(backend='cpu') / --device cpu");
        }
        if (status != 0) {
            throw new CudaUnavailableException.NoGpu("cudaGetDeviceCount failed: " + rt.cudaGetErrorString(status)
                    + ". Fix: check the driver with nvidia-smi, or use --device cpu");
        }
        check(rt.cudaSetDevice(0), "cudaSetDevice(0)");
        this.ccMajor = attribute(ATTR_CC_MAJOR);
        this.ccMinor = attribute(ATTR_CC_MINOR);
        this.smCount = attribute(ATTR_SM_COUNT);
        if (ccMajor < 7 || (ccMajor == 7 && ccMinor < 5)) {
            throw new CudaUnavailableException.NoGpu("GPU 0 has compute capability " + ccMajor + "." + ccMinor
                    + "; CUDA 13 needs 7.5 or newer. Fix: use a newer GPU or --device cpu");
        }
        this.name = deviceName();
        PointerByReference ref = new PointerByReference();
        check(rt.cudaStreamCreate(ref), "cudaStreamCreate");
        this.stream = ref.getValue();
        checkBlas(cublas.cublasCreate_v2(ref), "cublasCreate");
        this.cublasHandle = ref.getValue();
        checkBlas(cublas.cublasSetStream_v2(cublasHandle, stream), "cublasSetStream");
        // TF32 is opt-in (dl4jbridge.cuda.tf32=true): float32 results then differ from the CPU by about 1e-3
        // relative instead of 1e-6.
        this.tf32 = Boolean.getBoolean("dl4jbridge.cuda.tf32");
        checkBlas(cublas.cublasSetMathMode(cublasHandle, tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH),
                "cublasSetMathMode");
        checkDnn(cudnn.cudnnCreate(ref), "cudnnCreate");
        this.cudnnHandle = ref.getValue();
        checkDnn(cudnn.cudnnSetStream(cudnnHandle, stream), "cudnnSetStream");
        loadKernels(nvrtc);
    }

    /** The device, opened on first use; a failure is not cached, so each use reports it again. */
    public static CudaDevice get() {
        CudaDevice d = instance;
        if (d == null) {
            synchronized (CudaDevice.class) {
                if (instance == null) instance = new CudaDevice();
                d = instance;
            }
        }
        return d;
    }

    private void loadKernels(Natives.Nvrtc nvrtc) {
        byte[] cubin = CudaKernels.compileCubin(nvrtc, "sm_" + ccMajor + ccMinor);
        Memory code = new Memory(cubin.length);
        code.write(0, cubin, 0, cubin.length);
        kernelImage = code;
        PointerByReference lib = new PointerByReference();
        check(rt.cudaLibraryLoadData(lib, code, null, null, 0, null, null, 0), "cudaLibraryLoadData(kernels)");
        for (String entry : CudaKernels.ENTRY_POINTS) {
            PointerByReference k = new PointerByReference();
            check(rt.cudaLibraryGetKernel(k, lib.getValue(), entry), "cudaLibraryGetKernel(" + entry + ")");
            kernels.put(entry, k.getValue());
        }
    }

    /**
     * Launches an element-wise kernel over {@code n} items on the stream. {@code args} are Pointer
     * (device buffers), Integer, Long or Float, in the kernel's parameter order.
     */
    public void launch(String kernel, long n, Object... args) {
        Pointer k = kernels.get(kernel);
        if (k == null) throw new IllegalArgumentException("no kernel named " + kernel + " (known: " + kernels.keySet() + ")");
        // cudaLaunchKernel takes an array of pointers to each argument's value.
        Memory values = new Memory(8L * Math.max(1, args.length));
        Memory slots = new Memory((long) Native.POINTER_SIZE * Math.max(1, args.length));
        for (int i = 0; i < args.length; i++) {
            long off = 8L * i;
            Object a = args[i];
            if (a instanceof DeviceBuffer b) values.setPointer(off, b.pointer());
            else if (a instanceof Pointer p) values.setPointer(off, p);
            else if (a instanceof Integer v) values.setInt(off, v);
            else if (a instanceof Long v) values.setLong(off, v);
            else if (a instanceof Float v) values.setFloat(off, v);
            else throw new IllegalArgumentException("kernel argument " + i + " of " + kernel + " has unsupported type " + a);
            slots.setPointer((long) Native.POINTER_SIZE * i, values.share(off));
        }
        int block = 256;
        // Enough blocks to fill every SM several times over; the grid-stride loops cover the rest.
        int grid = (int) Math.max(1, Math.min((n + block - 1) / block, 32L * smCount));
        check(rt.cudaLaunchKernel(k, new Natives.Dim3(grid, 1, 1), new Natives.Dim3(block, 1, 1), slots, 0, stream),
                "cudaLaunchKernel(" + kernel + ")");
    }

    /** Allocates device memory; too little free memory raises DeviceOutOfMemoryException naming the sizes. */
    Pointer malloc(long bytes) {
        PointerByReference ref = new PointerByReference();
        int status = rt.cudaMalloc(ref, Math.max(bytes, 1));
        if (status == ERR_MEMORY_ALLOCATION) {
            rt.cudaGetLastError();  // clear the sticky-free error so later calls work
            long[] mem = memoryInfo();
            throw new DeviceOutOfMemoryException(String.format(
                    "GPU out of memory: %.1f MiB asked for, %.1f MiB free of %.1f MiB on %s. Fix: a smaller batch "
                    + "(batch_size / --batch-size), close models no longer used (model.close()), or use --device cpu",
                    bytes / 1048576.0, mem[0] / 1048576.0, mem[1] / 1048576.0, name));
        }
        check(status, "cudaMalloc(" + bytes + ")");
        return ref.getValue();
    }

    /** {free, total} device memory in bytes. */
    public long[] memoryInfo() {
        LongByReference free = new LongByReference(), total = new LongByReference();
        check(rt.cudaMemGetInfo(free, total), "cudaMemGetInfo");
        return new long[] {free.getValue(), total.getValue()};
    }

    public void synchronize() {
        check(rt.cudaStreamSynchronize(stream), "cudaStreamSynchronize");
    }

    public String name() { return name; }
    public String computeCapability() { return ccMajor + "." + ccMinor; }
    public Map<String, String> versions() { return versions; }

    public String description() {
        long[] mem = memoryInfo();
        return String.format("CUDA %s (compute %s, %d SMs, %.1f GiB free of %.1f GiB), runtime %s, cuBLAS %s, cuDNN %s%s",
                name, computeCapability(), smCount, mem[0] / 1073741824.0, mem[1] / 1073741824.0,
                versions.get("runtime"), versions.get("cublas"), versions.get("cudnn"), tf32 ? ", TF32 on" : "");
    }

    private int attribute(int attr) {
        IntByReference v = new IntByReference();
        check(rt.cudaDeviceGetAttribute(v, attr, 0), "cudaDeviceGetAttribute(" + attr + ")");
        return v.getValue();
    }

    private static String deviceName() {
        try {
            Natives.Driver drv = Native.load("libcuda.so.1", Natives.Driver.class);
            IntByReference dev = new IntByReference();
            byte[] buf = new byte[256];
            if (drv.cuInit(0) != 0 || drv.cuDeviceGet(dev, 0) != 0 || drv.cuDeviceGetName(buf, buf.length, dev.getValue()) != 0) {
                return "GPU 0";
            }
            return Native.toString(buf);
        } catch (UnsatisfiedLinkError e) {
            return "GPU 0";
        }
    }

    void check(int status, String call) {
        if (status == ERR_MEMORY_ALLOCATION) {
            throw new DeviceOutOfMemoryException(call + ": GPU out of memory. Fix: a smaller batch (--batch-size), or --device cpu");
        }
        if (status != 0) throw new CudaException(call + " failed: " + rt.cudaGetErrorString(status) + " (" + status + ")");
    }

    void checkBlas(int status, String call) {
        if (status == 3) throw new DeviceOutOfMemoryException(call + ": cuBLAS could not allocate GPU memory. Fix: a smaller batch");
        if (status != 0) throw new CudaException(call + " failed with cuBLAS status " + status);
    }

    void checkDnn(int status, String call) {
        if (status != 0) throw new CudaException(call + " failed: " + cudnn.cudnnGetErrorString(status) + " (" + status + ")");
    }
}
