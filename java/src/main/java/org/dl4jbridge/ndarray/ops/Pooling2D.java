package org.dl4jbridge.ndarray.ops;

import java.nio.FloatBuffer;
import java.util.Arrays;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.ndarray.Parallel;

/**
 * Max and average pooling over NCHW (DL4J's SubsamplingLayer), any kernel, stride, padding,
 * dilation and convolution mode; parallel over (image, channel) planes.
 *
 * <p>Padding cells never win a max. For AVG, {@code includePadInDivisor} is DL4J's
 * {@code avgPoolIncludePadInDivisor}: true divides every window by {@code kH*kW}; false divides by
 * the number of window cells that lie inside the input.
 */
public final class Pooling2D {
    private Pooling2D() {}

    public static NDArray forward(NDArray x, Conv2DConfig cfg, PoolingType type, boolean includePadInDivisor) {
        ConvGeometry g = validate(x, cfg, type);
        NDArray out = NDArray.zeros(x.size(0), x.size(1), g.outH(), g.outW());
        forward(x, cfg, type, includePadInDivisor, out);
        return out;
    }

    public static void forward(NDArray x, Conv2DConfig cfg, PoolingType type, boolean includePadInDivisor, NDArray out) {
        ConvGeometry g = validate(x, cfg, type);
        Convolution2D.requireShape(out, "output", x.size(0), x.size(1), g.outH(), g.outW());
        Buffers.requireContiguous(out, "output");
        NDArray xc = x.contiguous();
        int planes = x.size(0) * x.size(1);
        int in = g.inPlane(), p = g.outPlane();
        Windows win = Windows.of(g);
        Parallel.range(planes, (lo, hi) -> {
            ConvWorkspace ws = ConvWorkspace.get();
            float[] src = ws.heap(0, in);
            float[] dst = ws.heap(1, p);
            for (int t = lo; t < hi; t++) {
                Buffers.load(xc.buffer(), xc.offset() + t * in, src, 0, in);
                if (type == PoolingType.MAX) maxPlane(src, dst, g, win);
                else avgPlane(src, dst, g, win, includePadInDivisor);
                Buffers.store(dst, 0, out.buffer(), out.offset() + t * p, p);
            }
        });
    }

    static ConvGeometry validate(NDArray x, Conv2DConfig cfg, PoolingType type) {
        Convolution2D.checkRank4(x, "input");
        if (cfg == null) throw new IllegalArgumentException("pooling config is null");
        if (type == null) throw new IllegalArgumentException("pooling type is null; use PoolingType.MAX or AVG");
        if (cfg.mode() != ConvolutionMode.Same) {
            int effH = (cfg.kH() - 1) * cfg.dH() + 1, effW = (cfg.kW() - 1) * cfg.dW() + 1;
            if (cfg.pH() >= effH || cfg.pW() >= effW) {
                throw new IllegalArgumentException("pooling padding [" + cfg.pH() + ", " + cfg.pW()
                        + "] must be smaller than the kernel extent [" + effH + ", " + effW
                        + "], otherwise a window can lie wholly in the padding");
            }
        }
        return cfg.geometry(x.size(2), x.size(3));
    }

    /**
     * For every output row and column: where its window starts in the input and which kernel
     * taps land inside the input. Computed once per call, so the per-window loops do no division.
     */
    private record Windows(int[] y0, int[] kyLo, int[] kyHi, int[] x0, int[] kxLo, int[] kxHi) {
        static Windows of(ConvGeometry g) {
            Conv2DConfig c = g.cfg();
            int[][] ys = axis(g.outH(), c.sH(), g.padTop(), c.dH(), c.kH(), g.inH());
            int[][] xs = axis(g.outW(), c.sW(), g.padLeft(), c.dW(), c.kW(), g.inW());
            return new Windows(ys[0], ys[1], ys[2], xs[0], xs[1], xs[2]);
        }

        private static int[][] axis(int out, int s, int pad, int d, int k, int size) {
            int[] start = new int[out], lo = new int[out], hi = new int[out];
            for (int o = 0; o < out; o++) {
                int st = o * s - pad;
                start[o] = st;
                lo[o] = st >= 0 ? 0 : (-st + d - 1) / d;
                hi[o] = Math.min(k, st >= size ? 0 : (size - st + d - 1) / d);
            }
            return new int[][] {start, lo, hi};
        }
    }

    /** 2x2 windows, stride 2, no padding or dilation (VGG16's pools): no bounds logic at all. */
    private static boolean isPlain2x2(ConvGeometry g) {
        Conv2DConfig c = g.cfg();
        return c.kH() == 2 && c.kW() == 2 && c.sH() == 2 && c.sW() == 2 && c.dH() == 1 && c.dW() == 1
                && g.padTop() == 0 && g.padLeft() == 0 && g.padBottom() == 0 && g.padRight() == 0;
    }

    private static void max2x2(float[] src, float[] dst, int w, int ho, int wo) {
        for (int oy = 0; oy < ho; oy++) {
            int r0 = 2 * oy * w, r1 = r0 + w, o = oy * wo;
            for (int ox = 0; ox < wo; ox++) {
                int i = 2 * ox;
                dst[o + ox] = Math.max(Math.max(src[r0 + i], src[r0 + i + 1]), Math.max(src[r1 + i], src[r1 + i + 1]));
            }
        }
    }

    private static void maxPlane(float[] src, float[] dst, ConvGeometry g, Windows win) {
        if (isPlain2x2(g)) {
            max2x2(src, dst, g.inW(), g.outH(), g.outW());
            return;
        }
        Conv2DConfig c = g.cfg();
        int w = g.inW(), wo = g.outW(), dH = c.dH(), dW = c.dW();
        for (int oy = 0; oy < g.outH(); oy++) {
            int y0 = win.y0()[oy], kyLo = win.kyLo()[oy], kyHi = win.kyHi()[oy];
            for (int ox = 0; ox < wo; ox++) {
                int x0 = win.x0()[ox], kxLo = win.kxLo()[ox], kxHi = win.kxHi()[ox];
                float m = Float.NEGATIVE_INFINITY;
                for (int ky = kyLo; ky < kyHi; ky++) {
                    int r = (y0 + ky * dH) * w + x0;
                    for (int kx = kxLo; kx < kxHi; kx++) m = Math.max(m, src[r + kx * dW]);
                }
                dst[oy * wo + ox] = m;
            }
        }
    }

    private static void avgPlane(float[] src, float[] dst, ConvGeometry g, Windows win, boolean includePad) {
        Conv2DConfig c = g.cfg();
        int w = g.inW(), wo = g.outW(), dH = c.dH(), dW = c.dW();
        float full = c.kH() * c.kW();
        for (int oy = 0; oy < g.outH(); oy++) {
            int y0 = win.y0()[oy], kyLo = win.kyLo()[oy], kyHi = win.kyHi()[oy];
            for (int ox = 0; ox < wo; ox++) {
                int x0 = win.x0()[ox], kxLo = win.kxLo()[ox], kxHi = win.kxHi()[ox];
                float s = 0f;
                for (int ky = kyLo; ky < kyHi; ky++) {
                    int r = (y0 + ky * dH) * w + x0;
                    for (int kx = kxLo; kx < kxHi; kx++) s += src[r + kx * dW];
                }
                dst[oy * wo + ox] = s / (includePad ? full : (float) ((kyHi - kyLo) * (kxHi - kxLo)));
            }
        }
    }

    /**
     * Input gradient (overwritten) from the output gradient. MAX routes each window's gradient to
     * its first maximal input cell, as PyTorch does.
     */
    public static void backward(NDArray x, NDArray gradOut, Conv2DConfig cfg, PoolingType type,
                                boolean includePadInDivisor, NDArray gradIn) {
        ConvGeometry g = validate(x, cfg, type);
        Convolution2D.requireShape(gradOut, "output gradient", x.size(0), x.size(1), g.outH(), g.outW());
        Convolution2D.requireShape(gradIn, "input gradient", x.shape());
        Buffers.requireContiguous(gradIn, "input gradient");
        NDArray xc = x.contiguous(), gc = gradOut.contiguous();
        int in = g.inPlane(), p = g.outPlane();
        Conv2DConfig c = g.cfg();
        int w = g.inW(), wo = g.outW();
        float full = c.kH() * c.kW();
        Windows win = Windows.of(g);
        Parallel.range(x.size(0) * x.size(1), (lo, hi) -> {
            ConvWorkspace ws = ConvWorkspace.get();
            float[] src = ws.heap(0, in);
            float[] gp = ws.heap(1, p);
            float[] dIn = ws.heap(2, in);
            for (int t = lo; t < hi; t++) {
                if (type == PoolingType.MAX) Buffers.load(xc.buffer(), xc.offset() + t * in, src, 0, in);
                Buffers.load(gc.buffer(), gc.offset() + t * p, gp, 0, p);
                Arrays.fill(dIn, 0, in, 0f);
                for (int oy = 0; oy < g.outH(); oy++) {
                    int y0 = win.y0()[oy], kyLo = win.kyLo()[oy], kyHi = win.kyHi()[oy];
                    for (int ox = 0; ox < wo; ox++) {
                        int x0 = win.x0()[ox], kxLo = win.kxLo()[ox], kxHi = win.kxHi()[ox];
                        float gv = gp[oy * wo + ox];
                        if (type == PoolingType.MAX) {
                            int best = -1;
                            float m = Float.NEGATIVE_INFINITY;
                            for (int ky = kyLo; ky < kyHi; ky++) {
                                int r = (y0 + ky * c.dH()) * w + x0;
                                for (int kx = kxLo; kx < kxHi; kx++) {
                                    int i = r + kx * c.dW();
                                    if (best < 0 || src[i] > m) { m = src[i]; best = i; }
                                }
                            }
                            if (best >= 0) dIn[best] += gv;
                        } else {
                            float share = gv / (includePadInDivisor ? full : (float) ((kyHi - kyLo) * (kxHi - kxLo)));
                            for (int ky = kyLo; ky < kyHi; ky++) {
                                int r = (y0 + ky * c.dH()) * w + x0;
                                for (int kx = kxLo; kx < kxHi; kx++) dIn[r + kx * c.dW()] += share;
                            }
                        }
                    }
                }
                Buffers.store(dIn, 0, gradIn.buffer(), gradIn.offset() + t * in, in);
            }
        });
    }
}
