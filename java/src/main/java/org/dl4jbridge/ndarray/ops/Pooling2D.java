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
        NDArray xc = Buffers.contiguous(x);
        int planes = x.size(0) * x.size(1);
        int in = g.inPlane(), p = g.outPlane();
        Parallel.range(planes, (lo, hi) -> {
            ConvWorkspace ws = ConvWorkspace.get();
            float[] src = ws.heap(0, in);
            float[] dst = ws.heap(1, p);
            for (int t = lo; t < hi; t++) {
                Buffers.load(xc.buffer(), xc.offset() + t * in, src, 0, in);
                if (type == PoolingType.MAX) maxPlane(src, dst, g);
                else avgPlane(src, dst, g, includePadInDivisor);
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

    /** First and last+1 kernel index along one axis whose tap lands inside [0, size). */
    private static int lo(int start, int d) { return start >= 0 ? 0 : (-start + d - 1) / d; }
    private static int hi(int start, int d, int k, int size) {
        return Math.min(k, start >= size ? 0 : (size - start + d - 1) / d);
    }

    private static void maxPlane(float[] src, float[] dst, ConvGeometry g) {
        Conv2DConfig c = g.cfg();
        int w = g.inW(), wo = g.outW();
        for (int oy = 0; oy < g.outH(); oy++) {
            int y0 = oy * c.sH() - g.padTop();
            int kyLo = lo(y0, c.dH()), kyHi = hi(y0, c.dH(), c.kH(), g.inH());
            for (int ox = 0; ox < wo; ox++) {
                int x0 = ox * c.sW() - g.padLeft();
                int kxLo = lo(x0, c.dW()), kxHi = hi(x0, c.dW(), c.kW(), w);
                float m = Float.NEGATIVE_INFINITY;
                for (int ky = kyLo; ky < kyHi; ky++) {
                    int r = (y0 + ky * c.dH()) * w + x0;
                    for (int kx = kxLo; kx < kxHi; kx++) m = Math.max(m, src[r + kx * c.dW()]);
                }
                dst[oy * wo + ox] = m;
            }
        }
    }

    private static void avgPlane(float[] src, float[] dst, ConvGeometry g, boolean includePad) {
        Conv2DConfig c = g.cfg();
        int w = g.inW(), wo = g.outW();
        float full = c.kH() * c.kW();
        for (int oy = 0; oy < g.outH(); oy++) {
            int y0 = oy * c.sH() - g.padTop();
            int kyLo = lo(y0, c.dH()), kyHi = hi(y0, c.dH(), c.kH(), g.inH());
            for (int ox = 0; ox < wo; ox++) {
                int x0 = ox * c.sW() - g.padLeft();
                int kxLo = lo(x0, c.dW()), kxHi = hi(x0, c.dW(), c.kW(), w);
                float s = 0f;
                for (int ky = kyLo; ky < kyHi; ky++) {
                    int r = (y0 + ky * c.dH()) * w + x0;
                    for (int kx = kxLo; kx < kxHi; kx++) s += src[r + kx * c.dW()];
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
        NDArray xc = Buffers.contiguous(x), gc = Buffers.contiguous(gradOut);
        int in = g.inPlane(), p = g.outPlane();
        Conv2DConfig c = g.cfg();
        int w = g.inW(), wo = g.outW();
        float full = c.kH() * c.kW();
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
                    int y0 = oy * c.sH() - g.padTop();
                    int kyLo = lo(y0, c.dH()), kyHi = hi(y0, c.dH(), c.kH(), g.inH());
                    for (int ox = 0; ox < wo; ox++) {
                        int x0 = ox * c.sW() - g.padLeft();
                        int kxLo = lo(x0, c.dW()), kxHi = hi(x0, c.dW(), c.kW(), w);
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
