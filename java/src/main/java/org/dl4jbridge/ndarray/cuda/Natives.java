package org.dl4jbridge.ndarray.cuda;

import com.sun.jna.Library;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;

/**
 * JNA views of the C functions the CUDA backend calls, one interface per library. Only the calls
 * used are declared; signatures follow NVIDIA's headers (size_t as long: LP64 Linux only).
 * Interface mapping rather than direct mapping: every call here launches or queues GPU work that
 * costs far more than JNA's reflection.
 */
final class Natives {
    private Natives() {}

    /** libcuda.so.1, the driver: only probed (presence, version, device name); all work goes through the runtime. */
    interface Driver extends Library {
        int cuInit(int flags);
        int cuDriverGetVersion(IntByReference version);
        int cuDeviceGet(IntByReference device, int ordinal);
        int cuDeviceGetName(byte[] name, int len, int device);
    }

    /** A kernel launch's grid or block size, passed by value to cudaLaunchKernel. */
    @Structure.FieldOrder({"x", "y", "z"})
    public static class Dim3 extends Structure implements Structure.ByValue {
        public int x, y, z;
        public Dim3() {}
        public Dim3(int x, int y, int z) { this.x = x; this.y = y; this.z = z; }
    }

    /** libcudart.so.13 / .12, the CUDA runtime. */
    interface Runtime extends Library {
        int cudaRuntimeGetVersion(IntByReference version);
        int cudaDriverGetVersion(IntByReference version);
        int cudaGetDeviceCount(IntByReference count);
        int cudaSetDevice(int device);
        int cudaDeviceGetAttribute(IntByReference value, int attr, int device);
        int cudaMemGetInfo(LongByReference free, LongByReference total);
        int cudaMalloc(PointerByReference ptr, long size);
        int cudaFree(Pointer ptr);
        int cudaMallocHost(PointerByReference ptr, long size);
        int cudaFreeHost(Pointer ptr);
        int cudaMemcpy(Pointer dst, Pointer src, long count, int kind);
        int cudaMemcpyAsync(Pointer dst, Pointer src, long count, int kind, Pointer stream);
        int cudaMemsetAsync(Pointer dst, int value, long count, Pointer stream);
        int cudaStreamCreate(PointerByReference stream);
        int cudaStreamSynchronize(Pointer stream);
        int cudaDeviceSynchronize();
        int cudaGetLastError();
        String cudaGetErrorString(int error);
        int cudaLibraryLoadData(PointerByReference library, Pointer code, Pointer jitOptions, Pointer jitValues,
                                int numJitOptions, Pointer libOptions, Pointer libValues, int numLibOptions);
        int cudaLibraryGetKernel(PointerByReference kernel, Pointer library, String name);
        int cudaLibraryUnload(Pointer library);
        int cudaLaunchKernel(Pointer func, Dim3 grid, Dim3 block, Pointer args, long sharedMem, Pointer stream);
    }

    /** libnvrtc.so.13 / .12: CUDA C to PTX or CUBIN, no GPU needed. */
    interface Nvrtc extends Library {
        int nvrtcVersion(IntByReference major, IntByReference minor);
        String nvrtcGetErrorString(int result);
        int nvrtcCreateProgram(PointerByReference prog, String src, String name, int numHeaders,
                               Pointer headers, Pointer includeNames);
        int nvrtcCompileProgram(Pointer prog, int numOptions, String[] options);
        int nvrtcGetProgramLogSize(Pointer prog, LongByReference size);
        int nvrtcGetProgramLog(Pointer prog, byte[] log);
        int nvrtcGetPTXSize(Pointer prog, LongByReference size);
        int nvrtcGetPTX(Pointer prog, byte[] ptx);
        int nvrtcGetCUBINSize(Pointer prog, LongByReference size);
        int nvrtcGetCUBIN(Pointer prog, byte[] cubin);
        int nvrtcDestroyProgram(PointerByReference prog);
    }

    /** libcublas.so.13 / .12 (the _v2 entry points, which the plain names alias in the C header). */
    interface Cublas extends Library {
        int cublasGetProperty(int type, IntByReference value);
        int cublasCreate_v2(PointerByReference handle);
        int cublasDestroy_v2(Pointer handle);
        int cublasSetStream_v2(Pointer handle, Pointer stream);
        int cublasSetMathMode(Pointer handle, int mode);
        int cublasSgemm_v2(Pointer handle, int transa, int transb, int m, int n, int k, float[] alpha,
                           Pointer a, int lda, Pointer b, int ldb, float[] beta, Pointer c, int ldc);
        int cublasSgemmStridedBatched(Pointer handle, int transa, int transb, int m, int n, int k, float[] alpha,
                                      Pointer a, int lda, long strideA, Pointer b, int ldb, long strideB,
                                      float[] beta, Pointer c, int ldc, long strideC, int batchCount);
    }

    /** libcudnn.so.9: the legacy (descriptor) API, which cuDNN 9 still ships in its cnn/ops sub-libraries. */
    interface Cudnn extends Library {
        long cudnnGetVersion();
        String cudnnGetErrorString(int status);
        int cudnnCreate(PointerByReference handle);
        int cudnnDestroy(Pointer handle);
        int cudnnSetStream(Pointer handle, Pointer stream);
        int cudnnCreateTensorDescriptor(PointerByReference desc);
        int cudnnSetTensor4dDescriptor(Pointer desc, int format, int dataType, int n, int c, int h, int w);
        int cudnnDestroyTensorDescriptor(Pointer desc);
        int cudnnCreateFilterDescriptor(PointerByReference desc);
        int cudnnSetFilter4dDescriptor(Pointer desc, int dataType, int format, int k, int c, int h, int w);
        int cudnnDestroyFilterDescriptor(Pointer desc);
        int cudnnCreateConvolutionDescriptor(PointerByReference desc);
        int cudnnSetConvolution2dDescriptor(Pointer desc, int padH, int padW, int strideH, int strideW,
                                            int dilationH, int dilationW, int mode, int computeType);
        int cudnnSetConvolutionGroupCount(Pointer desc, int groups);
        int cudnnSetConvolutionMathType(Pointer desc, int mathType);
        int cudnnDestroyConvolutionDescriptor(Pointer desc);
        int cudnnGetConvolution2dForwardOutputDim(Pointer conv, Pointer x, Pointer w, IntByReference n,
                                                  IntByReference c, IntByReference h, IntByReference wOut);
        int cudnnFindConvolutionForwardAlgorithm(Pointer h, Pointer x, Pointer w, Pointer conv, Pointer y,
                                                 int requested, IntByReference returned, Pointer perf);
        int cudnnFindConvolutionBackwardDataAlgorithm(Pointer h, Pointer w, Pointer dy, Pointer conv, Pointer dx,
                                                      int requested, IntByReference returned, Pointer perf);
        int cudnnFindConvolutionBackwardFilterAlgorithm(Pointer h, Pointer x, Pointer dy, Pointer conv, Pointer dw,
                                                        int requested, IntByReference returned, Pointer perf);
        int cudnnConvolutionForward(Pointer h, float[] alpha, Pointer xDesc, Pointer x, Pointer wDesc, Pointer w,
                                    Pointer conv, int algo, Pointer ws, long wsBytes, float[] beta,
                                    Pointer yDesc, Pointer y);
        int cudnnConvolutionBackwardData(Pointer h, float[] alpha, Pointer wDesc, Pointer w, Pointer dyDesc,
                                         Pointer dy, Pointer conv, int algo, Pointer ws, long wsBytes,
                                         float[] beta, Pointer dxDesc, Pointer dx);
        int cudnnConvolutionBackwardFilter(Pointer h, float[] alpha, Pointer xDesc, Pointer x, Pointer dyDesc,
                                           Pointer dy, Pointer conv, int algo, Pointer ws, long wsBytes,
                                           float[] beta, Pointer dwDesc, Pointer dw);
        int cudnnConvolutionBackwardBias(Pointer h, float[] alpha, Pointer dyDesc, Pointer dy, float[] beta,
                                         Pointer dbDesc, Pointer db);
        int cudnnCreatePoolingDescriptor(PointerByReference desc);
        int cudnnSetPooling2dDescriptor(Pointer desc, int mode, int nanOpt, int windowH, int windowW,
                                        int padH, int padW, int strideH, int strideW);
        int cudnnDestroyPoolingDescriptor(Pointer desc);
        int cudnnPoolingForward(Pointer h, Pointer pool, float[] alpha, Pointer xDesc, Pointer x, float[] beta,
                                Pointer yDesc, Pointer y);
        int cudnnPoolingBackward(Pointer h, Pointer pool, float[] alpha, Pointer yDesc, Pointer y, Pointer dyDesc,
                                 Pointer dy, Pointer xDesc, Pointer x, float[] beta, Pointer dxDesc, Pointer dx);
        int cudnnCreateActivationDescriptor(PointerByReference desc);
        int cudnnSetActivationDescriptor(Pointer desc, int mode, int nanOpt, double coef);
        int cudnnDestroyActivationDescriptor(Pointer desc);
        int cudnnActivationForward(Pointer h, Pointer act, float[] alpha, Pointer xDesc, Pointer x, float[] beta,
                                   Pointer yDesc, Pointer y);
        int cudnnActivationBackward(Pointer h, Pointer act, float[] alpha, Pointer yDesc, Pointer y,
                                    Pointer dyDesc, Pointer dy, Pointer xDesc, Pointer x, float[] beta,
                                    Pointer dxDesc, Pointer dx);
        int cudnnSoftmaxForward(Pointer h, int algo, int mode, float[] alpha, Pointer xDesc, Pointer x,
                                float[] beta, Pointer yDesc, Pointer y);
        int cudnnSoftmaxBackward(Pointer h, int algo, int mode, float[] alpha, Pointer yDesc, Pointer y,
                                 Pointer dyDesc, Pointer dy, float[] beta, Pointer dxDesc, Pointer dx);
        int cudnnDeriveBNTensorDescriptor(Pointer bnDesc, Pointer xDesc, int mode);
        int cudnnBatchNormalizationForwardInference(Pointer h, int mode, float[] alpha, float[] beta,
                                                    Pointer xDesc, Pointer x, Pointer yDesc, Pointer y,
                                                    Pointer bnDesc, Pointer scale, Pointer bias, Pointer mean,
                                                    Pointer var, double eps);
        int cudnnBatchNormalizationForwardTraining(Pointer h, int mode, float[] alpha, float[] beta,
                                                   Pointer xDesc, Pointer x, Pointer yDesc, Pointer y,
                                                   Pointer bnDesc, Pointer scale, Pointer bias, double avgFactor,
                                                   Pointer runMean, Pointer runVar, double eps,
                                                   Pointer saveMean, Pointer saveInvVar);
        int cudnnBatchNormalizationBackward(Pointer h, int mode, float[] alphaData, float[] betaData,
                                            float[] alphaParam, float[] betaParam, Pointer xDesc, Pointer x,
                                            Pointer dyDesc, Pointer dy, Pointer dxDesc, Pointer dx,
                                            Pointer bnDesc, Pointer scale, Pointer dScale, Pointer dBias,
                                            double eps, Pointer saveMean, Pointer saveInvVar);
    }
}
