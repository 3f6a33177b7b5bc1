package org.dl4jbridge.nn.layers;

import org.dl4jbridge.nn.conf.layers.ConvolutionLayer;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.ndarray.ops.Conv2DConfig;
import org.dl4jbridge.ndarray.ops.ConvConfig;
import org.dl4jbridge.ndarray.ops.Convolution2D;
import org.dl4jbridge.ndarray.ops.ConvolutionMode;
import org.dl4jbridge.ndarray.ops.FusedActivation;
import org.dl4jbridge.ndarray.ops.PointwiseItems;

/** 2-D convolution layer (NCHW) on ops-conv's Convolution2D; the activation runs fused when it can. */
public class ConvolutionLayerImpl extends AbstractLayer {
    protected final ActivationFn act;
    protected final Conv2DConfig cfg;
    protected final int nIn;
    protected NDArray output;
    /**
     * The convolution settings of a training-mode forward: no Winograd weight cache. Training changes
     * the weights every step, so a cached transform never hits again; each step would add an entry (VGG16's
     * block5: 45 MB a layer, garbage off-heap until a collection) and evict the frozen layers' entries,
     * which then are transformed again every step. The transform goes to per-thread scratch instead.
     */
    static final ConvConfig TRAINING = ConvConfig.DEFAULT.with("weightCacheFloats:0");

    public ConvolutionLayerImpl(ConvolutionLayer conf) {
        super(conf);
        this.act = ActivationFn.of(conf.getActivationFn(), conf.getLayerName());
        this.cfg = config(conf.getKernelSize(), conf.getStride(), conf.getPadding(), conf.getDilation(), conf.getConvolutionMode());
        this.nIn = (int) conf.getNIn();
    }

    static Conv2DConfig config(int[] k, int[] s, int[] p, int[] d, org.dl4jbridge.nn.conf.ConvolutionMode mode) {
        ConvolutionMode m = ConvolutionMode.valueOf((mode == null ? org.dl4jbridge.nn.conf.ConvolutionMode.Truncate : mode).name());
        return new Conv2DConfig(k[0], k[1], s[0], s[1], p[0], p[1], d[0], d[1], m);
    }

    protected NDArray bias() {
        NDArray b = params.get("b");
        return b == null ? null : b.reshape(b.length());
    }

    protected NDArray biasGrad() {
        NDArray b = grads.get("b");
        return b == null ? null : b.reshape(b.length());
    }

    protected void checkInput(NDArray x) {
        if (x.rank() != 4 || x.size(1) != nIn) throw shapeError("[minibatch, " + nIn + ", height, width] (NCHW, nIn=" + nIn + ")", x);
    }

    @Override
    protected NDArray forward(NDArray x, boolean training) {
        checkInput(x);
        x = x.contiguous();
        FusedActivation fused = act.fused();
        NDArray out = newArray(outputShape(x));   // the convolution overwrites it
        NDArray w = params.get("W");
        FusedActivation epilogue = fused == null ? FusedActivation.IDENTITY : fused;
        if (training && PointwiseItems.applies(x, w, cfg, TRAINING)) {
            // Training's 1x1 layers on multi-image items (see PointwiseItems); inference keeps its per-image tiles.
            PointwiseItems.forward(x, w, bias(), epilogue, out);
        } else {
            Convolution2D.forward(x, w, bias(), cfg, 1, epilogue, out, training ? TRAINING : ConvConfig.DEFAULT);
        }
        if (fused == null) act.apply(out);
        output = keepForBackprop() ? out : null;
        return out;
    }

    @Override
    protected NDArray backward(NDArray eps, boolean needInputGradient) {
        NDArray dz = outputGradient(eps);
        NDArray dx = needInputGradient ? newArray(input.shape()) : null;   // backward zeroes it where it accumulates
        Convolution2D.backward(input, params.get("W"), dz, cfg, 1, dx, grads.get("W"), biasGrad());
        return dx;
    }

    /**
     * dL/dz from dL/da through the layer's activation. For IDENTITY (every convolution of the zoo's
     * EfficientNet, whose batch norms and activations are layers of their own) that is eps itself: the
     * backward kernels only read it, so it is not copied into a new array.
     */
    protected NDArray outputGradient(NDArray eps) {
        NDArray e = eps.contiguous();
        return act.op() == org.dl4jbridge.ndarray.ops.Activation.IDENTITY ? e : act.backward(output, e);
    }

    @Override public void clearCaches() { super.clearCaches(); output = null; }

    // ---- inference with substituted parameters (the graph's fused inference path) ----------------

    /** The layer's own activation (the graph fuses it, or a following one, into the epilogue). */
    public ActivationFn activationFn() { return act; }

    /** Output channels (for a depthwise layer: nIn * depthMultiplier). */
    public int outputChannels() { return params.get("W").size(0); }

    /** The output shape for input {@code x}, after checking the input as {@link #activate} does. */
    public int[] outputShape(NDArray x) {
        checkInput(x);
        org.dl4jbridge.ndarray.ops.ConvGeometry g = cfg.geometry(x.size(2), x.size(3));
        return new int[] {x.size(0), outputChannels(), g.outH(), g.outW()};
    }

    /** The bias as a vector, or null without one. */
    public NDArray biasVector() { return bias(); }

    /** Window, stride, padding, dilation and mode (inference fuses layers by them). */
    public Conv2DConfig convConfig() { return cfg; }

    /**
     * Writes {@code epilogue(conv(x, w) + b)} into {@code out} with weights {@code w} in this layer's
     * layout (e.g. batch norm folded in): inference only, nothing is kept for backprop.
     */
    public void inferInto(NDArray x, NDArray w, NDArray b, FusedActivation epilogue, NDArray out) {
        Convolution2D.forward(x.contiguous(), w, b, cfg, 1, epilogue, out);
    }

    /**
     * Whether {@link #inferPooledInto} can run this layer with weights {@code w} on {@code x}, followed by
     * a max pool of config {@code pool} ({@link Convolution2D#poolFuses}; never for depthwise layers).
     */
    public boolean poolFuses(NDArray x, NDArray w, Conv2DConfig pool) {
        return !(this instanceof DepthwiseConvolution2DImpl)
                && Convolution2D.poolFuses(x, w, cfg, 1, pool, ConvConfig.DEFAULT);
    }

    /**
     * As {@link #inferInto}, followed by a 2x2 stride-2 max pool, written straight into {@code pooled}
     * without storing the convolution's output; only where {@link #poolFuses} holds.
     */
    public void inferPooledInto(NDArray x, NDArray w, NDArray b, FusedActivation epilogue, Conv2DConfig pool, NDArray pooled) {
        Convolution2D.forwardMaxPooled(x.contiguous(), w, b, cfg, epilogue, pool, pooled,
                ConvConfig.DEFAULT);
    }

    /**
     * Writes the weights scaled per output channel ({@code W[o, ...] * scale[o]}) into {@code dst}
     * (contiguous, the shape of W): folding an inference batch norm that follows this layer.
     */
    public void scaledWeights(float[] scale, NDArray dst) {
        NDArray w = params.get("W").contiguous();
        int len = w.length();
        java.nio.FloatBuffer src = w.buffer(), out = dst.buffer();
        int so = w.offset(), d = dst.offset();
        // Chunks through a heap array, bulk copies each way: the inference plan refolds a batch norm whenever
        // its convolution's weights or its scale change (EfficientNet-Lite0: 3.4 M weights, every pass while
        // it trains), and element by element through the buffers, with a channel division per element, a
        // whole refold cost about 8 ms.
        float[] chunk = SCALE_CHUNK.get();
        for (int i0 = 0; i0 < len; i0 += chunk.length) {
            int n = Math.min(chunk.length, len - i0);
            src.get(so + i0, chunk, 0, n);
            scaleChunk(chunk, i0, n, scale);
            out.put(d + i0, chunk, 0, n);
        }
    }

    private static final ThreadLocal<float[]> SCALE_CHUNK = ThreadLocal.withInitial(() -> new float[1 << 13]);

    /**
     * Multiplies {@code a[0, n)}, flat (c-order) weight elements {@code first, ...}, by their output
     * channel's scale: W is [nOut, nIn, kH, kW], so each channel is one run of nIn*kH*kW elements.
     */
    protected void scaleChunk(float[] a, int first, int n, float[] scale) {
        int perChannel = params.get("W").length() / scale.length;
        for (int k = 0; k < n; ) {
            int c = (first + k) / perChannel, end = Math.min(n, (c + 1) * perChannel - first);
            float s = scale[c];
            for (; k < end; k++) a[k] *= s;
        }
    }
}
