package org.dl4jbridge.ndarray.ops;

import java.util.Random;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.testutil.GradientCheck;
import org.junit.jupiter.api.Test;

/**
 * Finite-difference checks (testutil/GradientCheck, DL4J's style) of every convolution and
 * pooling backward, with loss {@code L = sum r * out} so that dL/dout = r.
 */
class ConvGradientCheckTest {
    private static final GradientCheck.Tolerance TOL = GradientCheck.Tolerance.FLOAT32;

    private static NDArray random(Random rnd, float scale, int... shape) {
        NDArray a = NDArray.zeros(shape);
        for (int i = 0; i < a.length(); i++) a.put(i, (float) (rnd.nextGaussian() * scale));
        return a;
    }

    /** Distinct values at least 0.05 apart, so no max window has a tie within the step h = 0.01. */
    private static NDArray spaced(Random rnd, int... shape) {
        NDArray a = NDArray.zeros(shape);
        int n = a.length();
        int[] perm = rnd.ints(0, Integer.MAX_VALUE).distinct().limit(n).toArray();
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        java.util.Arrays.sort(order, (p, q) -> Integer.compare(perm[p], perm[q]));
        for (int i = 0; i < n; i++) a.put(order[i], 0.05f * (i - n / 2f));
        return a;
    }

    private static void checkConv(Conv2DConfig cfg, int n, int cin, int cout, int h, int w, int groups) {
        Random rnd = new Random(31L * cin + cout + h);
        NDArray x = random(rnd, 1f, n, cin, h, w);
        NDArray wt = random(rnd, 0.5f, cout, cin / groups, cfg.kH(), cfg.kW());
        NDArray b = random(rnd, 0.5f, cout);
        NDArray y = Convolution2D.forward(x, wt, b, cfg, groups, FusedActivation.IDENTITY);
        float[] r = random(rnd, 1f, y.shape()).toFloatArray();
        NDArray gy = NDArray.of(r, y.shape());
        Convolution2D.Gradients g = Convolution2D.backward(x, wt, true, gy, cfg, groups, true);
        GradientCheck.check(x, g.input(), v -> GradientCheck.weightedSum(
                Convolution2D.forward(v, wt, b, cfg, groups, FusedActivation.IDENTITY), r), TOL);
        GradientCheck.check(wt, g.weight(), v -> GradientCheck.weightedSum(
                Convolution2D.forward(x, v, b, cfg, groups, FusedActivation.IDENTITY), r), TOL);
        GradientCheck.check(b, g.bias(), v -> GradientCheck.weightedSum(
                Convolution2D.forward(x, wt, v, cfg, groups, FusedActivation.IDENTITY), r), TOL);
    }

    @Test
    void convolutionSameStride2() {
        checkConv(Conv2DConfig.of(3, 2, ConvolutionMode.Same), 2, 3, 4, 6, 5, 1);
    }

    @Test
    void convolutionDilatedGroupedTruncate() {
        checkConv(new Conv2DConfig(3, 2, 1, 2, 1, 0, 2, 1, ConvolutionMode.Truncate), 1, 4, 6, 7, 6, 2);
    }

    @Test
    void convolutionDepthwiseGrouped() {
        checkConv(Conv2DConfig.of(5, 2, ConvolutionMode.Same), 2, 3, 6, 6, 6, 3);
    }

    /** Stride-1 depthwise backward runs one plane-long loop per tap (EfficientNet's 7x7 maps); with dilation and multiplier 2. */
    @Test
    void depthwiseStride1PlaneLoops() {
        checkConv(Conv2DConfig.of(5, 1, ConvolutionMode.Same), 3, 4, 4, 7, 7, 4);
        checkConv(new Conv2DConfig(3, 3, 1, 1, 2, 1, 2, 1, ConvolutionMode.Truncate), 2, 3, 6, 7, 8, 3);
    }

    @Test
    void depthwiseDl4jLayout() {
        Random rnd = new Random(5);
        int cin = 3, m = 2;
        Conv2DConfig cfg = Conv2DConfig.of(3, 1, ConvolutionMode.Same);
        NDArray x = random(rnd, 1f, 2, cin, 5, 4);
        NDArray wt = random(rnd, 0.5f, 3, 3, cin, m);
        NDArray b = random(rnd, 0.5f, cin * m);
        DepthwiseConvolution2D.Layout l = DepthwiseConvolution2D.Layout.DL4J;
        NDArray y = DepthwiseConvolution2D.forward(x, wt, l, m, b, cfg, FusedActivation.IDENTITY);
        float[] r = random(rnd, 1f, y.shape()).toFloatArray();
        NDArray gx = NDArray.zeros(x.shape()), gw = NDArray.zeros(wt.shape()), gb = NDArray.zeros(cin * m);
        DepthwiseConvolution2D.backward(x, wt, l, m, NDArray.of(r, y.shape()), cfg, gx, gw, gb);
        GradientCheck.check(x, gx, v -> GradientCheck.weightedSum(
                DepthwiseConvolution2D.forward(v, wt, l, m, b, cfg, FusedActivation.IDENTITY), r), TOL);
        GradientCheck.check(wt, gw, v -> GradientCheck.weightedSum(
                DepthwiseConvolution2D.forward(x, v, l, m, b, cfg, FusedActivation.IDENTITY), r), TOL);
        GradientCheck.check(b, gb, v -> GradientCheck.weightedSum(
                DepthwiseConvolution2D.forward(x, wt, l, m, v, cfg, FusedActivation.IDENTITY), r), TOL);
    }

    private static void checkPool(Conv2DConfig cfg, PoolingType type, boolean includePad) {
        Random rnd = new Random(cfg.hashCode());
        NDArray x = spaced(rnd, 2, 2, 7, 6);
        NDArray y = Pooling2D.forward(x, cfg, type, includePad);
        float[] r = random(rnd, 1f, y.shape()).toFloatArray();
        NDArray gx = NDArray.zeros(x.shape());
        Pooling2D.backward(x, NDArray.of(r, y.shape()), cfg, type, includePad, gx);
        GradientCheck.check(x, gx, v -> GradientCheck.weightedSum(Pooling2D.forward(v, cfg, type, includePad), r), TOL);
    }

    @Test
    void pooling() {
        checkPool(Conv2DConfig.of(2, 2, ConvolutionMode.Truncate), PoolingType.MAX, false);
        checkPool(Conv2DConfig.of(3, 2, ConvolutionMode.Same), PoolingType.MAX, false);
        checkPool(Conv2DConfig.of(3, 2, ConvolutionMode.Same), PoolingType.AVG, true);
        checkPool(Conv2DConfig.of(3, 2, ConvolutionMode.Same), PoolingType.AVG, false);
        checkPool(new Conv2DConfig(3, 3, 1, 1, 1, 1, 1, 1, ConvolutionMode.Truncate), PoolingType.AVG, false);
    }

    @Test
    void globalPooling() {
        for (PoolingType type : PoolingType.values()) {
            Random rnd = new Random(type.ordinal());
            NDArray x = spaced(rnd, 2, 3, 4, 5);
            float[] r = random(rnd, 1f, 2, 3).toFloatArray();
            NDArray gx = NDArray.zeros(x.shape());
            GlobalPooling.backward(x, NDArray.of(r, 2, 3), type, gx);
            GradientCheck.check(x, gx, v -> GradientCheck.weightedSum(GlobalPooling.forward(v, type), r), TOL);
        }
    }
}
