package org.dl4jbridge.ndarray.ops;

import java.nio.FloatBuffer;
import java.util.Arrays;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.ndarray.Parallel;

/**
 * Depthwise 2-D convolution: each input channel {@code c} is convolved with its own
 * {@code depthMultiplier} filters, giving output channels {@code c * depthMultiplier + j}.
 *
 * <p>There is too little arithmetic per value for GEMM to help, so this runs as direct loops
 * ({@link DepthwiseForward} for the forward pass). The backward pass works per (image, channel)
 * plane: each plane is copied once into a zero-padded heap plane, split by column phase when the
 * stride is above 1, so every kernel tap is a contiguous run over an output row.
 */
public final class DepthwiseConvolution2D {

    /** Where each filter tap sits in the weight array. */
    public enum Layout {
        /** DL4J DepthwiseConvolution2D: {@code [kH, kW, nIn, depthMultiplier]} c-order. */
        DL4J,
        /** PyTorch / grouped ConvolutionLayer: {@code [nIn * depthMultiplier, 1, kH, kW]}. */
        TORCH;

        int[] shape(int cin, int m, int kH, int kW) {
            return this == DL4J ? new int[] {kH, kW, cin, m} : new int[] {cin * m, 1, kH, kW};
        }

        /** Flat index of tap {@code t = ky*kW + kx} of output channel {@code o}. */
        int index(int o, int t, int channelsOut, int taps) {
            return this == DL4J ? t * channelsOut + o : o * taps + t;
        }
    }

    private DepthwiseConvolution2D() {}

    public static NDArray forward(NDArray x, NDArray w, Layout layout, int depthMultiplier, NDArray b,
                                  Conv2DConfig cfg, FusedActivation act) {
        Convolution2D.checkRank4(x, "input");
        ConvGeometry g = cfg.geometry(x.size(2), x.size(3));
        NDArray out = NDArray.zeros(x.size(0), x.size(1) * depthMultiplier, g.outH(), g.outW());
        forward(x, w, layout, depthMultiplier, b, cfg, act, out);
        return out;
    }

    public static void forward(NDArray x, NDArray w, Layout layout, int depthMultiplier, NDArray b,
                               Conv2DConfig cfg, FusedActivation act, NDArray out) {
        forward(x, w, layout, depthMultiplier, b, cfg, act, out, ConvConfig.DEFAULT);
    }

    /** As above, with the kernel's block and stack sizes given (tests vary them). */
    public static void forward(NDArray x, NDArray w, Layout layout, int depthMultiplier, NDArray b,
                               Conv2DConfig cfg, FusedActivation act, NDArray out, ConvConfig conf) {
        ConvGeometry g = validate(x, w, layout, depthMultiplier, b, cfg);
        Convolution2D.requireShape(out, "output", x.size(0), x.size(1) * depthMultiplier, g.outH(), g.outW());
        Buffers.requireContiguous(out, "output");
        forwardKernel(x.contiguous(), w.contiguous(), layout, depthMultiplier,
                b == null ? null : b.contiguous(), g, act == null ? FusedActivation.IDENTITY : act, out, conf);
    }

    static ConvGeometry validate(NDArray x, NDArray w, Layout layout, int m, NDArray b, Conv2DConfig cfg) {
        Convolution2D.checkRank4(x, "input");
        if (cfg == null) throw new IllegalArgumentException("convolution config is null");
        if (layout == null) throw new IllegalArgumentException("weight layout is null; DL4J's is Layout.DL4J [kH, kW, nIn, depthMultiplier]");
        if (m <= 0) throw new IllegalArgumentException("depthMultiplier must be positive, got " + m);
        int[] expected = layout.shape(x.size(1), m, cfg.kH(), cfg.kW());
        if (w == null || !Arrays.equals(w.shape(), expected)) {
            throw new IllegalArgumentException("depthwise weights have shape " + (w == null ? "null" : Arrays.toString(w.shape()))
                    + ", expected " + Arrays.toString(expected) + " (" + layout + " layout) for input "
                    + Arrays.toString(x.shape()) + " and depthMultiplier " + m);
        }
        if (b != null && b.length() != x.size(1) * m) {
            throw new IllegalArgumentException("bias has " + b.length() + " elements, expected nIn*depthMultiplier = " + x.size(1) * m);
        }
        return cfg.geometry(x.size(2), x.size(3));
    }

    /**
     * A zero-padded input plane split into stride phases: padded pixel (py, px) lives in phase
     * plane (py % sH, px % sW) at (py / sH, px / sW). Every kernel tap then reads, for output
     * (oy, ox), the contiguous element {@code tapBase + oy * wq + ox}, so a whole output plane
     * (on a grid of width wq; columns from wo on are discarded) is one multiply-add per tap.
     */
    private record Padded(int hp, int wp, int sH, int sW, int hq, int wq) {
        static Padded of(ConvGeometry g) {
            Conv2DConfig c = g.cfg();
            int hp = (g.outH() - 1) * c.sH() + (c.kH() - 1) * c.dH() + 1;
            int wp = (g.outW() - 1) * c.sW() + (c.kW() - 1) * c.dW() + 1;
            return new Padded(hp, wp, c.sH(), c.sW(), (hp + c.sH() - 1) / c.sH(), (wp + c.sW() - 1) / c.sW());
        }

        /** Phase planes plus one row of slack read (never used) by the last grid row's discarded columns. */
        int size() { return sH * sW * hq * wq + wq; }

        int at(int py, int px) {
            return ((py % sH) * sW + px % sW) * hq * wq + (py / sH) * wq + px / sW;
        }

        /** Element read by output (0, 0) for the tap at padded offset (kyd, kxd). */
        int tapBase(int kyd, int kxd) { return at(kyd, kxd); }
    }

    static void forwardKernel(NDArray x, NDArray w, Layout layout, int m, NDArray b, ConvGeometry g,
                              FusedActivation act, NDArray out, ConvConfig conf) {
        float[] taps = canonicalTaps(w, layout, x.size(1) * m, g.cfg().kH() * g.cfg().kW());
        DepthwiseForward.run(x, taps, b == null ? null : b.toFloatArray(), m, g, act, out, conf);
    }

    /** Weights as [output channel][tap] whatever the stored layout. */
    static float[] canonicalTaps(NDArray w, Layout layout, int cout, int kk) {
        float[] src = w.toFloatArray();
        if (layout == Layout.TORCH) return src;
        float[] taps = new float[cout * kk];
        for (int o = 0; o < cout; o++) {
            for (int t = 0; t < kk; t++) taps[o * kk + t] = src[layout.index(o, t, cout, kk)];
        }
        return taps;
    }

    /** {@code acc[accOff + i] += a[i] * b[bOff + i]}. */
    private static void mulAdd(float[] acc, int accOff, float[] a, float[] b, int bOff, int n) {
        for (int i = 0; i < n; i++) acc[accOff + i] += a[i] * b[bOff + i];
    }

    private static float sum(float[] a, int off, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) s += a[off + i];
        return (float) s;
    }

    private static void axpy(float[] acc, int accOff, float[] src, int srcOff, int n, float a) {
        for (int i = 0; i < n; i++) acc[accOff + i] += a * src[srcOff + i];
    }

    private static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
        int i = 0;
        for (; i + 3 < n; i += 4) {
            s0 += a[aOff + i] * b[bOff + i];
            s1 += a[aOff + i + 1] * b[bOff + i + 1];
            s2 += a[aOff + i + 2] * b[bOff + i + 2];
            s3 += a[aOff + i + 3] * b[bOff + i + 3];
        }
        for (; i < n; i++) s0 += a[aOff + i] * b[bOff + i];
        return (s0 + s1) + (s2 + s3);
    }

    /** Copies one input plane into the padded, phase-split layout (zeros outside the input). */
    private static void loadPadded(FloatBuffer xb, int planeOff, ConvGeometry g, Padded pd, float[] pad, float[] row) {
        int h = g.inH(), w = g.inW();
        int copyW = Math.max(0, Math.min(w, pd.wp() - g.padLeft()));
        boolean unit = pd.sH() == 1 && pd.sW() == 1;
        if (!unit) Arrays.fill(pad, 0, pd.size(), 0f);
        for (int py = 0; py < pd.hp(); py++) {
            int iy = py - g.padTop();
            boolean inside = iy >= 0 && iy < h && copyW > 0;
            if (unit) {
                int base = py * pd.wq();
                if (!inside) {
                    Arrays.fill(pad, base, base + pd.wp(), 0f);
                    continue;
                }
                Arrays.fill(pad, base, base + g.padLeft(), 0f);
                Buffers.load(xb, planeOff + iy * w, pad, base + g.padLeft(), copyW);
                Arrays.fill(pad, base + g.padLeft() + copyW, base + pd.wp(), 0f);
            } else if (inside) {
                Arrays.fill(row, 0, pd.wp(), 0f);
                Buffers.load(xb, planeOff + iy * w, row, g.padLeft(), copyW);
                int rowBase = (py % pd.sH()) * pd.sW() * pd.hq() * pd.wq() + (py / pd.sH()) * pd.wq();
                for (int phX = 0; phX < pd.sW(); phX++) {
                    gatherStrided(row, phX, pd.wp(), pd.sW(), pad, rowBase + phX * pd.hq() * pd.wq());
                }
            }
        }
        if (unit) Arrays.fill(pad, pd.hp() * pd.wq(), pd.size(), 0f);
    }

    private static void gatherStrided(float[] src, int start, int end, int step, float[] dst, int dstOff) {
        for (int px = start, q = dstOff; px < end; px += step, q++) dst[q] = src[px];
    }

    // ---- backward -----------------------------------------------------------------------------

    /**
     * Gradients of the pre-activation output {@code gradOut} with respect to the input (when
     * {@code gradIn} is not null), the weights (in {@code layout}) and the bias (when
     * {@code gradB} is not null). All outputs are overwritten.
     */
    public static void backward(NDArray x, NDArray w, Layout layout, int m, NDArray gradOut, Conv2DConfig cfg,
                                NDArray gradIn, NDArray gradW, NDArray gradB) {
        ConvGeometry g = validate(x, w, layout, m, null, cfg);
        int n = x.size(0), cin = x.size(1), cout = cin * m;
        Convolution2D.requireShape(gradOut, "output gradient", n, cout, g.outH(), g.outW());
        Convolution2D.requireShape(gradW, "weight gradient", w.shape());
        Buffers.requireContiguous(gradW, "weight gradient");
        if (gradIn != null) {
            Convolution2D.requireShape(gradIn, "input gradient", x.shape());
            Buffers.requireContiguous(gradIn, "input gradient");
        }
        if (gradB != null && gradB.length() != cout) {
            throw new IllegalArgumentException("bias gradient has " + gradB.length() + " elements, expected " + cout);
        }
        backwardKernel(x.contiguous(), w.contiguous(), layout, m, gradOut.contiguous(), g,
                gradIn, gradW, gradB);
    }

    /**
     * Many channels of small maps (EfficientNet-Lite0's 7x7 and 14x14 blocks) go channels-last
     * ({@link DepthwiseBackwardNhwc}): loops along the channels instead of along a few-element plane.
     */
    static final int NHWC_MIN_CHANNELS = 64, NHWC_MAX_PLANE = 400;

    static void backwardKernel(NDArray x, NDArray w, Layout layout, int m, NDArray gradOut, ConvGeometry g,
                               NDArray gradIn, NDArray gradW, NDArray gradB) {
        int n = x.size(0), cin = x.size(1), cout = cin * m;
        Conv2DConfig c = g.cfg();
        int kk = c.kH() * c.kW();
        float[] taps = canonicalTaps(w, layout, cout, kk);
        if (m == 1 && cin >= NHWC_MIN_CHANNELS && g.outH() * g.outW() <= NHWC_MAX_PLANE) {
            DepthwiseBackwardNhwc.run(x, taps, layout, gradOut, g, gradIn, gradW, gradB);
            return;
        }
        float[] dTaps = new float[cout * kk];
        float[] dBias = new float[cout];
        Padded pd = Padded.of(g);
        int ho = g.outH(), wo = g.outW(), p = ho * wo;
        int h = g.inH(), wi = g.inW();
        boolean unit = c.sH() == 1 && c.sW() == 1;
        int span = ho * pd.wp();
        // Parallel over input channels: a channel's filters, bias and input planes belong to one thread.
        Parallel.range(cin, (lo, hi) -> {
            ConvWorkspace ws = ConvWorkspace.get();
            float[] pad = ws.heap(0, pd.size());
            float[] row = ws.heap(1, Math.max(pd.wp(), wi));
            float[] gp = ws.heap(2, p);
            float[] dPad = ws.heap(3, pd.size());
            float[] gw = unit ? ws.heap(5, span) : null;
            float[] acc = unit ? ws.heap(4, m * kk * span) : null;
            for (int ch = lo; ch < hi; ch++) {
                if (unit) Arrays.fill(acc, 0, m * kk * span, 0f);
                for (int img = 0; img < n; img++) {
                    loadPadded(x.buffer(), x.offset() + (img * cin + ch) * g.inPlane(), g, pd, pad, row);
                    if (gradIn != null) Arrays.fill(dPad, 0, pd.size(), 0f);
                    for (int j = 0; j < m; j++) {
                        int o = ch * m + j;
                        if (unit) {
                            // Stride 1: output (oy, ox) reads padded element oy*wp + ox + tapBase, so with the
                            // gradient spread to the padded row width (zeros past wo) every tap is one dot
                            // and one axpy over the whole plane: short maps (7x7) otherwise make 7-long loops.
                            Arrays.fill(gw, 0, span, 0f);
                            double bsum = 0;
                            int src = gradOut.offset() + (img * cout + o) * p;
                            for (int oy = 0; oy < ho; oy++) {
                                Buffers.load(gradOut.buffer(), src + oy * wo, gw, oy * pd.wp(), wo);
                                for (int ox = 0; ox < wo; ox++) bsum += gw[oy * pd.wp() + ox];
                            }
                            for (int ky = 0; ky < c.kH(); ky++) {
                                for (int kx = 0; kx < c.kW(); kx++) {
                                    int t = ky * c.kW() + kx, base = pd.tapBase(ky * c.dH(), kx * c.dW());
                                    // Products summed element-wise over the images, reduced once per channel:
                                    // a dot product's serial sum does not vectorise, this loop does.
                                    mulAdd(acc, (j * kk + t) * span, gw, pad, base, span);
                                    if (gradIn != null) axpy(dPad, base, gw, 0, span, taps[o * kk + t]);
                                }
                            }
                            dBias[o] += (float) bsum;
                            continue;
                        }
                        Buffers.load(gradOut.buffer(), gradOut.offset() + (img * cout + o) * p, gp, 0, p);
                        double bsum = 0;
                        for (int oy = 0; oy < ho; oy++) {
                            int gOff = oy * wo;
                            for (int ox = 0; ox < wo; ox++) bsum += gp[gOff + ox];
                            for (int ky = 0; ky < c.kH(); ky++) {
                                for (int kx = 0; kx < c.kW(); kx++) {
                                    int t = ky * c.kW() + kx;
                                    int base = pd.tapBase(ky * c.dH(), kx * c.dW()) + oy * pd.wq();
                                    dTaps[o * kk + t] += dot(gp, gOff, pad, base, wo);
                                    if (gradIn != null) axpy(dPad, base, gp, gOff, wo, taps[o * kk + t]);
                                }
                            }
                        }
                        dBias[o] += (float) bsum;
                    }
                    if (gradIn != null) {
                        int planeOff = gradIn.offset() + (img * cin + ch) * g.inPlane();
                        for (int iy = 0; iy < h; iy++) {
                            int py = iy + g.padTop();
                            if (unit) {
                                // The padded row holds the input row's gradient contiguously from padLeft on;
                                // input columns past the padded width (never read by the forward) get zero.
                                int inside = Math.max(0, Math.min(wi, pd.wp() - g.padLeft()));
                                if (py >= pd.hp()) inside = 0;
                                if (inside > 0) Buffers.store(dPad, py * pd.wp() + g.padLeft(), gradIn.buffer(), planeOff + iy * wi, inside);
                                if (inside < wi) {
                                    Arrays.fill(row, 0, wi - inside, 0f);
                                    Buffers.store(row, 0, gradIn.buffer(), planeOff + iy * wi + inside, wi - inside);
                                }
                                continue;
                            }
                            Arrays.fill(row, 0, wi, 0f);
                            if (py < pd.hp()) {
                                for (int ix = 0; ix < wi; ix++) {
                                    int px = ix + g.padLeft();
                                    if (px < pd.wp()) row[ix] = dPad[pd.at(py, px)];
                                }
                            }
                            Buffers.store(row, 0, gradIn.buffer(), planeOff + iy * wi, wi);
                        }
                    }
                }
                if (unit) {
                    for (int j = 0; j < m; j++) {
                        for (int t = 0; t < kk; t++) dTaps[(ch * m + j) * kk + t] = sum(acc, (j * kk + t) * span, span);
                    }
                }
            }
        });
        for (int o = 0; o < cout; o++) {
            for (int t = 0; t < kk; t++) gradW.put(layout.index(o, t, cout, kk), dTaps[o * kk + t]);
        }
        if (gradB != null) for (int o = 0; o < cout; o++) gradB.put(o, dBias[o]);
    }
}
