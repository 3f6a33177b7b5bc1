package org.dl4jbridge.ndarray.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.dl4jbridge.ndarray.NDArray;
import org.junit.jupiter.api.Test;

/** The channels-last depthwise backward (many channels, small maps) against the gradients written out from their definition. */
class DepthwiseBackwardNhwcTest {
    @Test
    void matchesTheDefinitionWithPaddingStrideAndDilation() {
        int n = 3, ch = DepthwiseConvolution2D.NHWC_MIN_CHANNELS + 301;   // odd: a shorter last channel block
        for (Conv2DConfig cfg : new Conv2DConfig[] {Conv2DConfig.of(5, 1, ConvolutionMode.Same),
                new Conv2DConfig(3, 3, 2, 2, 1, 1, 1, 1, ConvolutionMode.Truncate),
                new Conv2DConfig(3, 3, 1, 1, 2, 1, 2, 1, ConvolutionMode.Truncate),
                new Conv2DConfig(3, 3, 2, 2, 0, 0, 1, 1, ConvolutionMode.Truncate)}) {   // last input column never read
            int h = 7, w = 8;
            ConvGeometry g = cfg.geometry(h, w);
            assertTrue(g.outH() * g.outW() <= DepthwiseConvolution2D.NHWC_MAX_PLANE);
            Random r = new Random(5);
            int kH = cfg.kH(), kW = cfg.kW();
            NDArray x = NDArray.zeros(n, ch, h, w), wt = NDArray.zeros(kH, kW, ch, 1), gy = NDArray.zeros(n, ch, g.outH(), g.outW());
            for (NDArray a : new NDArray[] {x, wt, gy}) for (int i = 0; i < a.length(); i++) a.put(i, (float) r.nextGaussian());
            NDArray gx = NDArray.zeros(x.shape()), gw = NDArray.zeros(wt.shape()), gb = NDArray.zeros(ch);
            DepthwiseConvolution2D.backward(x, wt, DepthwiseConvolution2D.Layout.DL4J, 1, gy, cfg, gx, gw, gb);
            double[] ex = new double[x.length()], ew = new double[wt.length()], eb = new double[ch];
            for (int i = 0; i < n; i++) {
                for (int c = 0; c < ch; c++) {
                    for (int oy = 0; oy < g.outH(); oy++) {
                        for (int ox = 0; ox < g.outW(); ox++) {
                            double d = gy.getAt(i, c, oy, ox);
                            eb[c] += d;
                            for (int ky = 0; ky < kH; ky++) {
                                for (int kx = 0; kx < kW; kx++) {
                                    int iy = oy * cfg.sH() + ky * cfg.dH() - g.padTop(), ix = ox * cfg.sW() + kx * cfg.dW() - g.padLeft();
                                    if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                                    int wi = (ky * kW + kx) * ch + c;   // DL4J [kH, kW, ch, 1]
                                    ew[wi] += d * x.getAt(i, c, iy, ix);
                                    ex[((i * ch + c) * h + iy) * w + ix] += d * wt.get(wi);
                                }
                            }
                        }
                    }
                }
            }
            check("input", ex, gx, cfg);
            check("weight", ew, gw, cfg);
            check("bias", eb, gb, cfg);
        }
    }

    private static void check(String what, double[] expected, NDArray got, Conv2DConfig cfg) {
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], got.get(i), 1e-4 * (1 + Math.abs(expected[i])), what + " gradient at " + i + ", " + cfg);
        }
    }
}
