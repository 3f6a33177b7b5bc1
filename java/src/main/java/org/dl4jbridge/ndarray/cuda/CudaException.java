package org.dl4jbridge.ndarray.cuda;

/** A CUDA, cuBLAS, cuDNN or NVRTC call failed after the backend started: names the call and the status. */
public final class CudaException extends RuntimeException {
    public CudaException(String message) { super(message); }
}
