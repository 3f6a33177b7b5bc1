package org.dl4jbridge.ndarray.cuda;

/**
 * The CUDA backend was asked for and cannot run. The subclasses name which of the causes it is, so
 * that the Python side can raise one typed error per cause; every message names the fix.
 */
public class CudaUnavailableException extends RuntimeException {
    public CudaUnavailableException(String message) { super(message); }
    public CudaUnavailableException(String message, Throwable cause) { super(message, cause); }

    /** NVIDIA's libraries (runtime, NVRTC, cuBLAS, cuDNN) were not found or would not load. */
    public static final class LibrariesMissing extends CudaUnavailableException {
        public LibrariesMissing(String message) { super(message); }
    }

    /** No NVIDIA driver (libcuda.so.1) on this system, or one too old for the runtime. */
    public static final class DriverMissing extends CudaUnavailableException {
        public DriverMissing(String message) { super(message); }
    }

    /** A driver but no usable GPU (none present, none visible, or compute capability too low). */
    public static final class NoGpu extends CudaUnavailableException {
        public NoGpu(String message) { super(message); }
    }
}
