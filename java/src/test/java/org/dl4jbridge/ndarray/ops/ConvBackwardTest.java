package org.dl4jbridge.ndarray.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.testutil.GradientCheck;
import org.junit.jupiter.api.Test;

/** ConvBackward's tiles (all images at once, uneven image tiles, row tiles) give the same gradients, and the right ones. */
class ConvBackwardTest {
    private static NDArray random(Random rnd, int... shape) {
        NDArray a = NDArray.zeros(shape);
        for (int i = 0; i < a.length(); i++) a.put(i, (float) rnd.nextGaussian());
        return a;
    }

    private static NDArray[] grads(NDArray x, NDArray w, NDArray gy, Conv2DConfig cfg, int groups, int budget) {
        NDArray gx = NDArray.zeros(x.shape()), gw = NDArray.zeros(w.shape()), gb = NDArray.zeros(w.size(0));
        // Garbage in every output: the backward must overwrite all of it (the 1x1 path skips zeroing the input gradient).
        gx.assign(Float.NaN);
        gw.assign(Float.NaN);
        gb.assign(Float.NaN);
        Convolution2D.backward(x, w, gy, cfg, groups, gx, gw, gb, ConvConfig.DEFAULT.with("columnBudget:" + budget));
        return new NDArray[] {gx, gw, gb};
    }

    /**
     * 3x3 stride-1 input gradients through Winograd (flipped kernels) equal the GEMM path's (which
     * the test below checks by finite differences: with 16 channels float32 differences are too noisy).
     */
    @Test
    void winogradInputGradientMatchesGemmPath() {
        for (Conv2DConfig cfg : new Conv2DConfig[] {Conv2DConfig.of(3, 1, ConvolutionMode.Same),
                new Conv2DConfig(3, 3, 1, 1, 0, 0, 1, 1, ConvolutionMode.Truncate),
                new Conv2DConfig(3, 3, 1, 1, 2, 1, 1, 1, ConvolutionMode.Truncate)}) {
            Random rnd = new Random(11);
            int n = 3, cin = 16, cout = 24;
            NDArray x = random(rnd, n, cin, 6, 7), w = random(rnd, cout, cin, 3, 3);
            ConvGeometry g = cfg.geometry(6, 7);
            assertEquals(cfg.pH() <= 2, ConvBackward.winogradDataGradient(g, 1, cin, cout, ConvConfig.DEFAULT), cfg.toString());
            NDArray gy = random(rnd, n, cout, g.outH(), g.outW());
            NDArray gxW = NDArray.zeros(x.shape()), gwW = NDArray.zeros(w.shape());
            Convolution2D.backward(x, w, gy, cfg, 1, gxW, gwW, null, ConvConfig.DEFAULT);
            NDArray gxG = NDArray.zeros(x.shape()), gwG = NDArray.zeros(w.shape());
            Convolution2D.backward(x, w, gy, cfg, 1, gxG, gwG, null, ConvConfig.DEFAULT.with("enabled:false"));
            float[] a = gxG.toFloatArray(), b = gxW.toFloatArray();
            for (int i = 0; i < a.length; i++) assertEquals(a[i], b[i], 1e-4f * (1 + Math.abs(a[i])), "input gradient at " + i + ", " + cfg);
            assertEquals(java.util.Arrays.toString(gwG.toFloatArray()), java.util.Arrays.toString(gwW.toFloatArray()));
        }
    }

    /**
     * DL4J's order (rounding 'dl4j': one whole-batch GEMM forward and backward, the input gradient's taps
     * added last to first, no Winograd or other paths) computes the same convolution and gradients as the
     * default paths, up to rounding, for every geometry: stride, dilation, padding, 1x1, groups, and a layer
     * the default sends through Winograd. That it rounds as DL4J does is compat's (SameBitsTest, Dl4jToEngineTest).
     */
    @Test
    void dl4jOrderComputesTheSameConvolutionAndGradients() {
        ConvConfig dl4j = ConvConfig.DEFAULT.with("dl4jOrder:true");
        Conv2DConfig[] cfgs = {Conv2DConfig.of(3, 1, ConvolutionMode.Same), new Conv2DConfig(3, 3, 2, 2, 1, 1, 1, 1, ConvolutionMode.Truncate),
                new Conv2DConfig(3, 3, 1, 1, 2, 2, 2, 2, ConvolutionMode.Truncate), new Conv2DConfig(1, 1, 1, 1, 0, 0, 1, 1, ConvolutionMode.Truncate),
                new Conv2DConfig(3, 2, 2, 1, 0, 1, 1, 1, ConvolutionMode.Truncate)};
        for (int groups : new int[] {1, 2}) {
            for (Conv2DConfig cfg : cfgs) {
                for (int cin : new int[] {4, 16}) {
                    Random rnd = new Random(31 + cin + groups);
                    int n = 3, cout = 24;
                    NDArray x = random(rnd, n, cin, 9, 8), w = random(rnd, cout, cin / groups, cfg.kH(), cfg.kW()), b = random(rnd, cout);
                    ConvGeometry g = cfg.geometry(9, 8);
                    String what = cfg + ", cin " + cin + ", groups " + groups;
                    NDArray yDefault = NDArray.zeros(n, cout, g.outH(), g.outW()), yDl4j = NDArray.zeros(n, cout, g.outH(), g.outW());
                    Convolution2D.forward(x, w, b, cfg, groups, FusedActivation.RELU, yDefault, ConvConfig.DEFAULT);
                    Convolution2D.forward(x, w, b, cfg, groups, FusedActivation.RELU, yDl4j, dl4j);
                    assertClose(yDefault, yDl4j, "output, " + what);
                    NDArray gy = random(rnd, n, cout, g.outH(), g.outW());
                    NDArray[] d = new NDArray[3], o = new NDArray[3];
                    for (NDArray[] out : new NDArray[][] {d, o}) {
                        out[0] = NDArray.zeros(x.shape());
                        out[1] = NDArray.zeros(w.shape());
                        out[2] = NDArray.zeros(cout);
                        out[0].assign(Float.NaN);
                        out[1].assign(Float.NaN);
                        out[2].assign(Float.NaN);
                        Convolution2D.backward(x, w, gy, cfg, groups, out[0], out[1], out[2], out == d ? ConvConfig.DEFAULT : dl4j);
                    }
                    for (int k = 0; k < 3; k++) assertClose(d[k], o[k], "gradient " + k + ", " + what);
                }
            }
        }
    }

    private static void assertClose(NDArray expected, NDArray actual, String what) {
        float[] a = expected.toFloatArray(), b = actual.toFloatArray();
        for (int i = 0; i < a.length; i++) assertEquals(a[i], b[i], 1e-4f * (1 + Math.abs(a[i])), what + " at " + i);
    }

    @Test
    void imageTilesRowTilesAndOneTileAgree() {
        for (int groups : new int[] {1, 2}) {
            for (Conv2DConfig cfg : new Conv2DConfig[] {Conv2DConfig.of(3, 1, ConvolutionMode.Same),
                    new Conv2DConfig(1, 1, 1, 1, 0, 0, 1, 1, ConvolutionMode.Truncate),
                    new Conv2DConfig(3, 3, 2, 2, 1, 1, 1, 1, ConvolutionMode.Truncate)}) {
                Random rnd = new Random(7 + groups);
                int n = 5, cin = 4, cout = 6;
                NDArray x = random(rnd, n, cin, 7, 6), w = random(rnd, cout, cin / groups, cfg.kH(), cfg.kW());
                ConvGeometry g = cfg.geometry(7, 6);
                NDArray gy = random(rnd, n, cout, g.outH(), g.outW());
                int perImage = Math.max(cin / groups * cfg.kH() * cfg.kW(), cout / groups) * g.outH() * g.outW();
                NDArray[] one = grads(x, w, gy, cfg, groups, 1 << 20);
                for (int budget : new int[] {2 * perImage, perImage, 2 * g.outW() * cin * 9}) {   // tiles 2,2,1; 1 each; rows
                    NDArray[] other = grads(x, w, gy, cfg, groups, budget);
                    for (int k = 0; k < 3; k++) {
                        float[] a = one[k].toFloatArray(), b = other[k].toFloatArray();
                        for (int i = 0; i < a.length; i++) {
                            assertEquals(a[i], b[i], 1e-4f * (1 + Math.abs(a[i])), "gradient " + k + " at " + i
                                    + ", groups " + groups + ", budget " + budget + ", " + cfg);
                        }
                    }
                }
                // and the tiled result is the derivative (finite differences of sum(gy * conv(x, w)))
                NDArray[] tiled = grads(x, w, gy, cfg, groups, 2 * perImage);
                float[] r = gy.toFloatArray();
                GradientCheck.check(x, tiled[0], v -> GradientCheck.weightedSum(
                        Convolution2D.forward(v, w, null, cfg, groups, FusedActivation.IDENTITY), r), GradientCheck.Tolerance.FLOAT32);
                GradientCheck.check(w, tiled[1], v -> GradientCheck.weightedSum(
                        Convolution2D.forward(x, v, null, cfg, groups, FusedActivation.IDENTITY), r), GradientCheck.Tolerance.FLOAT32);
            }
        }
    }

    /**
     * The 1x1 path that splits the images into work items (EfficientNet-Lite0's trainable 7x7 blocks)
     * gives the one-tile path's gradients, and the right ones, for batches that split evenly and not.
     */
    @Test
    void pointwiseImageItemsMatchOneTileAndExactSums() {
        org.junit.jupiter.api.Assumptions.assumeTrue(org.dl4jbridge.ndarray.Parallel.threads() >= 2,
                "the image split needs at least 2 engine threads (-Ddl4jbridge.threads)");
        Conv2DConfig cfg = new Conv2DConfig(1, 1, 1, 1, 0, 0, 1, 1, ConvolutionMode.Truncate);
        for (int n : new int[] {16, 9}) {
            Random rnd = new Random(3 + n);
            int cin = 12, cout = 20;
            NDArray x = random(rnd, n, cin, 7, 7), w = random(rnd, cout, cin, 1, 1), gy = random(rnd, n, cout, 7, 7);
            ConvGeometry g = cfg.geometry(7, 7);
            assertEquals(true, PointwiseItems.applies(g, 1, n, cin, cout, ConvConfig.DEFAULT), "n " + n);
            int perImage = Math.max(cin, cout) * 49;
            // A budget of one image's columns sends the call to the one-GEMM-per-tile path.
            assertEquals(false, PointwiseItems.applies(g, 1, n, cin, cout, ConvConfig.DEFAULT.with("columnBudget:" + perImage)));
            NDArray[] split = grads(x, w, gy, cfg, 1, 1 << 20), tiles = grads(x, w, gy, cfg, 1, perImage);
            for (int k = 0; k < 3; k++) {
                float[] a = tiles[k].toFloatArray(), b = split[k].toFloatArray();
                for (int i = 0; i < a.length; i++) assertEquals(a[i], b[i], 1e-4f * (1 + Math.abs(a[i])), "gradient " + k + " at " + i + ", n " + n);
            }
            // The gradients are sums of many products: float32 finite differences of the summed loss are too
            // noisy for the small ones, so both are checked against the sums themselves, in double.
            for (int img = 0; img < n; img++) {
                for (int ci = 0; ci < cin; ci++) {
                    for (int q = 0; q < 49; q++) {
                        double e = 0;
                        for (int co = 0; co < cout; co++) e += (double) w.get(co * cin + ci) * gy.get((img * cout + co) * 49 + q);
                        int at = (img * cin + ci) * 49 + q;
                        assertEquals(e, split[0].get(at), 1e-4 * (1 + Math.abs(e)), "input gradient at " + at + ", n " + n);
                    }
                }
            }
            for (int co = 0; co < cout; co++) {
                for (int ci = 0; ci < cin; ci++) {
                    double e = 0;
                    for (int img = 0; img < n; img++) {
                        for (int q = 0; q < 49; q++) e += (double) gy.get((img * cout + co) * 49 + q) * x.get((img * cin + ci) * 49 + q);
                    }
                    assertEquals(e, split[1].get(co * cin + ci), 1e-4 * (1 + Math.abs(e)), "weight gradient [" + co + ", " + ci + "], n " + n);
                }
            }
        }
    }
}
