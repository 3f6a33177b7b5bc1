package org.dl4jbridge.ndarray.cuda;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.PointerByReference;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Device-resident layer ops on cuDNN's legacy descriptor API (cudnnConvolution*, cudnnPooling*,
 * cudnnBatchNormalization*, cudnnActivation*, cudnnSoftmax*), all float32 NCHW, all queued on the
 * device's stream. Pointers are device memory ({@link DeviceBuffer#pointer}).
 *
 * <p>Convolution algorithms are chosen per shape by cudnnFind* (which times every algorithm on the
 * real shape, as PyTorch's cudnn.benchmark does) and cached, so each shape pays the search once.
 * With TF32 off (the default) the convolution descriptors ask for FMA math only, so no algorithm
 * rounds operands to TF32.
 *
 * <p>UNTESTED ON A GPU: no GPU was lent while this was written. tests/gpu/run.sh compares every op
 * here with the CPU engine (GpuOpCheck). Not yet used by the layers: wiring them in (so activations
 * stay on the GPU through a whole pass) is the next step. cuDNN pads symmetrically only: DL4J's
 * "Same" mode with an odd total padding (stride-2 convolutions of EfficientNet) needs an explicit
 * zero-pad first.
 */
public final class CudnnOps implements AutoCloseable {
    private static final int NCHW = 0, FLOAT = 0, CROSS_CORRELATION = 1;
    private static final int DEFAULT_MATH = 0, FMA_MATH = 3;
    private static final int POOL_MAX = 0, POOL_AVG_INCLUDE_PAD = 1, POOL_AVG_EXCLUDE_PAD = 2;
    private static final int NOT_PROPAGATE_NAN = 0;
    private static final int SOFTMAX_ACCURATE = 1, SOFTMAX_MODE_INSTANCE = 0;
    private static final int BN_SPATIAL = 1;
    /** cudnnConvolution*AlgoPerf_t: algo@0, status@4, time@8, memory(size_t)@16, determinism@24, mathType@28; 48 bytes. */
    private static final int PERF_BYTES = 48, PERF_MAX = 16;

    /** cuDNN's activation modes the engine uses (identity is a no-op, LeakyReLU an NVRTC kernel). */
    public enum Act { SIGMOID(0), RELU(1), TANH(2), RELU6(3);
        final int mode;
        Act(int mode) { this.mode = mode; }
    }

    /** A 2-D convolution's shape: input n×c×h×w, k filters kh×kw, groups (c for depthwise), padding, stride, dilation. */
    public record ConvShape(int n, int c, int h, int w, int k, int kh, int kw, int groups,
                            int padH, int padW, int strideH, int strideW, int dilH, int dilW) {
        public int outH() { return (h + 2 * padH - (dilH * (kh - 1) + 1)) / strideH + 1; }
        public int outW() { return (w + 2 * padW - (dilW * (kw - 1) + 1)) / strideW + 1; }
    }

    private record Algo(int algo, long workspace, int mathType) {}

    private final CudaDevice d;
    private final Natives.Cudnn dnn;
    private final Map<String, Algo> algos = new ConcurrentHashMap<>();
    private DeviceBuffer workspace;

    public CudnnOps(CudaDevice device) {
        this.d = device;
        this.dnn = device.cudnn;
    }

    // ---- descriptors (created per call and destroyed after: cheap next to the work they describe) ----

    private final class Descs implements AutoCloseable {
        Pointer x, y, w, conv, pool, act, bn;

        Pointer tensor(int n, int c, int h, int wd) {
            PointerByReference r = new PointerByReference();
            d.checkDnn(dnn.cudnnCreateTensorDescriptor(r), "cudnnCreateTensorDescriptor");
            d.checkDnn(dnn.cudnnSetTensor4dDescriptor(r.getValue(), NCHW, FLOAT, n, c, h, wd), "cudnnSetTensor4dDescriptor");
            return r.getValue();
        }

        void convDescs(ConvShape s) {
            x = tensor(s.n(), s.c(), s.h(), s.w());
            y = tensor(s.n(), s.k(), s.outH(), s.outW());
            PointerByReference r = new PointerByReference();
            d.checkDnn(dnn.cudnnCreateFilterDescriptor(r), "cudnnCreateFilterDescriptor");
            w = r.getValue();
            d.checkDnn(dnn.cudnnSetFilter4dDescriptor(w, FLOAT, NCHW, s.k(), s.c() / s.groups(), s.kh(), s.kw()),
                    "cudnnSetFilter4dDescriptor");
            d.checkDnn(dnn.cudnnCreateConvolutionDescriptor(r), "cudnnCreateConvolutionDescriptor");
            conv = r.getValue();
            d.checkDnn(dnn.cudnnSetConvolution2dDescriptor(conv, s.padH(), s.padW(), s.strideH(), s.strideW(),
                    s.dilH(), s.dilW(), CROSS_CORRELATION, FLOAT), "cudnnSetConvolution2dDescriptor");
            d.checkDnn(dnn.cudnnSetConvolutionGroupCount(conv, s.groups()), "cudnnSetConvolutionGroupCount");
            d.checkDnn(dnn.cudnnSetConvolutionMathType(conv, d.tf32 ? DEFAULT_MATH : FMA_MATH), "cudnnSetConvolutionMathType");
            IntByReference on = new IntByReference(), oc = new IntByReference(), oh = new IntByReference(), ow = new IntByReference();
            d.checkDnn(dnn.cudnnGetConvolution2dForwardOutputDim(conv, x, w, on, oc, oh, ow), "cudnnGetConvolution2dForwardOutputDim");
            if (oh.getValue() != s.outH() || ow.getValue() != s.outW() || oc.getValue() != s.k()) {
                throw new IllegalStateException("cuDNN's output shape " + oc.getValue() + "x" + oh.getValue() + "x" + ow.getValue()
                        + " differs from the engine's " + s.k() + "x" + s.outH() + "x" + s.outW() + " for " + s);
            }
        }

        @Override public void close() {
            if (x != null) dnn.cudnnDestroyTensorDescriptor(x);
            if (y != null) dnn.cudnnDestroyTensorDescriptor(y);
            if (bn != null) dnn.cudnnDestroyTensorDescriptor(bn);
            if (w != null) dnn.cudnnDestroyFilterDescriptor(w);
            if (conv != null) dnn.cudnnDestroyConvolutionDescriptor(conv);
            if (pool != null) dnn.cudnnDestroyPoolingDescriptor(pool);
            if (act != null) dnn.cudnnDestroyActivationDescriptor(act);
        }
    }

    private static final float[] ONE = {1f}, ZERO = {0f};

    // ---- convolution ----

    private enum Pass { FORWARD, BACKWARD_DATA, BACKWARD_FILTER }

    /** The fastest allowed algorithm for this shape and pass, found once and cached. */
    private Algo algo(Pass pass, ConvShape s, Descs ds) {
        return algos.computeIfAbsent(pass + " " + s, key -> {
            Memory perf = new Memory((long) PERF_BYTES * PERF_MAX);
            IntByReference returned = new IntByReference();
            int status = switch (pass) {
                case FORWARD -> dnn.cudnnFindConvolutionForwardAlgorithm(d.cudnnHandle, ds.x, ds.w, ds.conv, ds.y, PERF_MAX, returned, perf);
                case BACKWARD_DATA -> dnn.cudnnFindConvolutionBackwardDataAlgorithm(d.cudnnHandle, ds.w, ds.y, ds.conv, ds.x, PERF_MAX, returned, perf);
                case BACKWARD_FILTER -> dnn.cudnnFindConvolutionBackwardFilterAlgorithm(d.cudnnHandle, ds.x, ds.y, ds.conv, ds.w, PERF_MAX, returned, perf);
            };
            d.checkDnn(status, "cudnnFindConvolution" + pass + "Algorithm");
            for (int i = 0; i < returned.getValue(); i++) {
                long o = (long) PERF_BYTES * i;
                int math = perf.getInt(o + 28);
                boolean allowed = d.tf32 || (math != 1 && math != 2);  // 1, 2: tensor-op math (TF32 for float)
                if (perf.getInt(o + 4) == 0 && allowed) return new Algo(perf.getInt(o), perf.getLong(o + 16), math);
            }
            throw new CudaException("cuDNN found no usable " + pass + " algorithm for " + s);
        });
    }

    private Pointer workspace(long bytes) {
        if (bytes == 0) return null;
        long floats = (bytes + 3) / 4;
        if (workspace == null || workspace.length() < floats) {
            if (workspace != null) workspace.close();
            workspace = new DeviceBuffer(d, floats);
        }
        return workspace.pointer();
    }

    /** y = conv(x, w) (+ beta * y); weights [k, c/groups, kh, kw]. */
    public void convForward(ConvShape s, Pointer x, Pointer w, Pointer y, float beta) {
        try (Descs ds = new Descs()) {
            ds.convDescs(s);
            Algo a = algo(Pass.FORWARD, s, ds);
            d.checkDnn(dnn.cudnnSetConvolutionMathType(ds.conv, a.mathType()), "cudnnSetConvolutionMathType");
            d.checkDnn(dnn.cudnnConvolutionForward(d.cudnnHandle, ONE, ds.x, x, ds.w, w, ds.conv, a.algo(),
                    workspace(a.workspace()), a.workspace(), new float[] {beta}, ds.y, y), "cudnnConvolutionForward");
        }
    }

    /** dx = conv_transpose(dy, w). */
    public void convBackwardData(ConvShape s, Pointer w, Pointer dy, Pointer dx) {
        try (Descs ds = new Descs()) {
            ds.convDescs(s);
            Algo a = algo(Pass.BACKWARD_DATA, s, ds);
            d.checkDnn(dnn.cudnnSetConvolutionMathType(ds.conv, a.mathType()), "cudnnSetConvolutionMathType");
            d.checkDnn(dnn.cudnnConvolutionBackwardData(d.cudnnHandle, ONE, ds.w, w, ds.y, dy, ds.conv, a.algo(),
                    workspace(a.workspace()), a.workspace(), ZERO, ds.x, dx), "cudnnConvolutionBackwardData");
        }
    }

    /** dw (+)= correlation of x with dy; beta 1 accumulates into an existing gradient. */
    public void convBackwardFilter(ConvShape s, Pointer x, Pointer dy, Pointer dw, float beta) {
        try (Descs ds = new Descs()) {
            ds.convDescs(s);
            Algo a = algo(Pass.BACKWARD_FILTER, s, ds);
            d.checkDnn(dnn.cudnnSetConvolutionMathType(ds.conv, a.mathType()), "cudnnSetConvolutionMathType");
            d.checkDnn(dnn.cudnnConvolutionBackwardFilter(d.cudnnHandle, ONE, ds.x, x, ds.y, dy, ds.conv, a.algo(),
                    workspace(a.workspace()), a.workspace(), new float[] {beta}, ds.w, dw), "cudnnConvolutionBackwardFilter");
        }
    }

    /** db = sum of dy over n, h, w. */
    public void convBackwardBias(int n, int k, int h, int w, Pointer dy, Pointer db) {
        try (Descs ds = new Descs()) {
            ds.y = ds.tensor(n, k, h, w);
            ds.bn = ds.tensor(1, k, 1, 1);
            d.checkDnn(dnn.cudnnConvolutionBackwardBias(d.cudnnHandle, ONE, ds.y, dy, ZERO, ds.bn, db), "cudnnConvolutionBackwardBias");
        }
    }

    /** Number of cached algorithm choices (for tests: a second call with the same shape must not search again). */
    public int cachedAlgorithms() { return algos.size(); }

    // ---- pooling ----

    /** Pooling of x (n×c×h×w) into y; max, or average including or excluding padding from the divisor. */
    public void poolForward(boolean max, boolean avgIncludePad, int n, int c, int h, int w, int kh, int kw,
                            int padH, int padW, int sH, int sW, Pointer x, Pointer y) {
        try (Descs ds = poolDescs(max, avgIncludePad, n, c, h, w, kh, kw, padH, padW, sH, sW)) {
            d.checkDnn(dnn.cudnnPoolingForward(d.cudnnHandle, ds.pool, ONE, ds.x, x, ZERO, ds.y, y), "cudnnPoolingForward");
        }
    }

    public void poolBackward(boolean max, boolean avgIncludePad, int n, int c, int h, int w, int kh, int kw,
                             int padH, int padW, int sH, int sW, Pointer x, Pointer y, Pointer dy, Pointer dx) {
        try (Descs ds = poolDescs(max, avgIncludePad, n, c, h, w, kh, kw, padH, padW, sH, sW)) {
            d.checkDnn(dnn.cudnnPoolingBackward(d.cudnnHandle, ds.pool, ONE, ds.y, y, ds.y, dy, ds.x, x, ZERO, ds.x, dx),
                    "cudnnPoolingBackward");
        }
    }

    private Descs poolDescs(boolean max, boolean includePad, int n, int c, int h, int w, int kh, int kw,
                            int padH, int padW, int sH, int sW) {
        Descs ds = new Descs();
        int oh = (h + 2 * padH - kh) / sH + 1, ow = (w + 2 * padW - kw) / sW + 1;
        ds.x = ds.tensor(n, c, h, w);
        ds.y = ds.tensor(n, c, oh, ow);
        PointerByReference r = new PointerByReference();
        d.checkDnn(dnn.cudnnCreatePoolingDescriptor(r), "cudnnCreatePoolingDescriptor");
        ds.pool = r.getValue();
        int mode = max ? POOL_MAX : includePad ? POOL_AVG_INCLUDE_PAD : POOL_AVG_EXCLUDE_PAD;
        d.checkDnn(dnn.cudnnSetPooling2dDescriptor(ds.pool, mode, NOT_PROPAGATE_NAN, kh, kw, padH, padW, sH, sW),
                "cudnnSetPooling2dDescriptor");
        return ds;
    }

    // ---- activations and softmax ----

    /** y = f(x) over {@code count} elements (in place allowed). */
    public void activationForward(Act act, long count, Pointer x, Pointer y) {
        try (Descs ds = actDescs(act, count)) {
            d.checkDnn(dnn.cudnnActivationForward(d.cudnnHandle, ds.act, ONE, ds.x, x, ZERO, ds.x, y), "cudnnActivationForward");
        }
    }

    /**
     * dz from the output a and da, as the engine's ActivationFn.backward: every mode here has its
     * derivative as a function of the output, so a stands in for the input too.
     */
    public void activationBackward(Act act, long count, Pointer a, Pointer da, Pointer dz) {
        try (Descs ds = actDescs(act, count)) {
            d.checkDnn(dnn.cudnnActivationBackward(d.cudnnHandle, ds.act, ONE, ds.x, a, ds.x, da, ds.x, a, ZERO, ds.x, dz),
                    "cudnnActivationBackward");
        }
    }

    private Descs actDescs(Act act, long count) {
        if (count > Integer.MAX_VALUE) throw new IllegalArgumentException("activation over " + count + " elements: split it");
        Descs ds = new Descs();
        ds.x = ds.tensor(1, (int) count, 1, 1);
        PointerByReference r = new PointerByReference();
        d.checkDnn(dnn.cudnnCreateActivationDescriptor(r), "cudnnCreateActivationDescriptor");
        ds.act = r.getValue();
        d.checkDnn(dnn.cudnnSetActivationDescriptor(ds.act, act.mode, NOT_PROPAGATE_NAN, act == Act.RELU6 ? 6.0 : 0.0),
                "cudnnSetActivationDescriptor");
        return ds;
    }

    /** Row-wise softmax of a rows×cols matrix (max subtracted first). */
    public void softmaxForward(int rows, int cols, Pointer x, Pointer y) {
        try (Descs ds = new Descs()) {
            ds.x = ds.tensor(rows, cols, 1, 1);
            d.checkDnn(dnn.cudnnSoftmaxForward(d.cudnnHandle, SOFTMAX_ACCURATE, SOFTMAX_MODE_INSTANCE, ONE, ds.x, x, ZERO, ds.x, y),
                    "cudnnSoftmaxForward");
        }
    }

    public void softmaxBackward(int rows, int cols, Pointer y, Pointer dy, Pointer dx) {
        try (Descs ds = new Descs()) {
            ds.x = ds.tensor(rows, cols, 1, 1);
            d.checkDnn(dnn.cudnnSoftmaxBackward(d.cudnnHandle, SOFTMAX_ACCURATE, SOFTMAX_MODE_INSTANCE, ONE, ds.x, y, ds.x, dy,
                    ZERO, ds.x, dx), "cudnnSoftmaxBackward");
        }
    }

    // ---- batch normalization (spatial: one mean/variance per channel) ----

    public void batchNormInference(int n, int c, int h, int w, Pointer x, Pointer y, Pointer gamma, Pointer beta,
                                   Pointer mean, Pointer var, double eps) {
        try (Descs ds = bnDescs(n, c, h, w)) {
            d.checkDnn(dnn.cudnnBatchNormalizationForwardInference(d.cudnnHandle, BN_SPATIAL, ONE, ZERO, ds.x, x, ds.x, y,
                    ds.bn, gamma, beta, mean, var, eps), "cudnnBatchNormalizationForwardInference");
        }
    }

    /**
     * Training forward: normalizes with the batch statistics, saves mean and inverse deviation for
     * {@link #batchNormBackward}, and updates the running statistics as the engine does
     * (decay·running + (1−decay)·batch, biased batch variance) with the bn_running_update kernel:
     * cuDNN's own update would blend in the unbiased variance, so it is given no running buffers.
     */
    public void batchNormTraining(int n, int c, int h, int w, Pointer x, Pointer y, Pointer gamma, Pointer beta,
                                  double decay, Pointer runMean, Pointer runVar, double eps, Pointer saveMean, Pointer saveInvStd) {
        try (Descs ds = bnDescs(n, c, h, w)) {
            d.checkDnn(dnn.cudnnBatchNormalizationForwardTraining(d.cudnnHandle, BN_SPATIAL, ONE, ZERO, ds.x, x, ds.x, y,
                    ds.bn, gamma, beta, 0.0, null, null, eps, saveMean, saveInvStd),
                    "cudnnBatchNormalizationForwardTraining");
        }
        d.launch("bn_running_update", c, runMean, runVar, saveMean, saveInvStd, c, (float) decay, (float) eps);
    }

    public void batchNormBackward(int n, int c, int h, int w, Pointer x, Pointer dy, Pointer dx, Pointer gamma,
                                  Pointer dGamma, Pointer dBeta, double eps, Pointer saveMean, Pointer saveInvStd) {
        try (Descs ds = bnDescs(n, c, h, w)) {
            d.checkDnn(dnn.cudnnBatchNormalizationBackward(d.cudnnHandle, BN_SPATIAL, ONE, ZERO, ONE, ZERO, ds.x, x, ds.x, dy,
                    ds.x, dx, ds.bn, gamma, dGamma, dBeta, eps, saveMean, saveInvStd), "cudnnBatchNormalizationBackward");
        }
    }

    private Descs bnDescs(int n, int c, int h, int w) {
        Descs ds = new Descs();
        ds.x = ds.tensor(n, c, h, w);
        PointerByReference r = new PointerByReference();
        d.checkDnn(dnn.cudnnCreateTensorDescriptor(r), "cudnnCreateTensorDescriptor");
        ds.bn = r.getValue();
        d.checkDnn(dnn.cudnnDeriveBNTensorDescriptor(ds.bn, ds.x, BN_SPATIAL), "cudnnDeriveBNTensorDescriptor");
        return ds;
    }

    @Override
    public void close() {
        if (workspace != null) workspace.close();
        workspace = null;
    }
}
