package org.dl4jbridge.ndarray.ops;

import static org.dl4jbridge.ndarray.ops.ConvReference.array;
import static org.dl4jbridge.ndarray.ops.ConvReference.assertClose;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Random;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.testutil.Npz;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The split-row stem path ({@link StemConvolution}) against float64 PyTorch (the 3x3 stride-2 cases of
 * tests/reference/make_conv_reference.py with at most 4 input channels) and against a float64 loop over the
 * definition for the shapes those cases do not cover: odd and even sizes, batch 1, Same padding (extra row and
 * column at the end), Truncate with explicit padding on every side, 1 to 4 input channels, every activation; with
 * bands from whole images down to one output row.
 */
class StemConvolutionTest {
    private static final FusedActivation[] ACTS = FusedActivation.values();

    @ParameterizedTest
    @ValueSource(ints = {1 << 17, 100, 1})
    void matchesTorch(int tileFloats) throws Exception {
        ConvConfig tuned = ConvConfig.DEFAULT.with("tileFloats:" + tileFloats);
        int checked = 0;
        for (Map<String, Npz.Array> c : ConvReference.cases("conv_forward_backward.npz")) {
            int[] cfg = ConvReference.ints(c.get("cfg"));
            NDArray x = array(c.get("x")), w = array(c.get("w"));
            Conv2DConfig conf = ConvReference.config(cfg);
            ConvGeometry g = conf.geometry(x.size(2), x.size(3));
            if (!StemConvolution.applies(tuned, g, cfg[9], x.size(1))) continue;
            NDArray b = cfg[11] == 1 ? array(c.get("b")) : null;
            NDArray y = NDArray.zeros(x.size(0), w.size(0), g.outH(), g.outW());
            Convolution2D.forward(x, w, b, conf, 1, ACTS[cfg[10]], y, tuned);
            assertClose("stem case " + checked + " (tile " + tileFloats + " floats)", c.get("y"), y, 1e-5);
            checked++;
        }
        if (checked < 2) throw new AssertionError("expected at least 2 stem-shaped cases, found " + checked);
    }

    @ParameterizedTest
    @ValueSource(ints = {1 << 17, 100, 1})
    void matchesTheDefinition(int tileFloats) {
        ConvConfig tuned = ConvConfig.DEFAULT.with("tileFloats:" + tileFloats);
        Random rnd = new Random(11);
        int[][] shapes = { // n, cin, cout, h, w
                {1, 3, 5, 9, 9}, {2, 3, 4, 10, 7}, {3, 1, 2, 7, 12}, {1, 4, 3, 6, 5}, {2, 2, 6, 16, 17}, {1, 3, 2, 3, 3}};
        Conv2DConfig[] configs = {Conv2DConfig.of(3, 2, ConvolutionMode.Same),
                new Conv2DConfig(3, 3, 2, 2, 1, 1, 1, 1, ConvolutionMode.Truncate),
                new Conv2DConfig(3, 3, 2, 2, 0, 0, 1, 1, ConvolutionMode.Truncate)};
        int checked = 0;
        for (int[] s : shapes) {
            for (Conv2DConfig conf : configs) {
                for (FusedActivation act : ACTS) {
                    NDArray x = random(rnd, s[0], s[1], s[3], s[4]), w = random(rnd, s[2], s[1], 3, 3);
                    NDArray b = checked % 2 == 0 ? random(rnd, s[2]) : null;
                    ConvGeometry g = conf.geometry(s[3], s[4]);
                    assertTrue(StemConvolution.applies(tuned, g, 1, s[1]));
                    NDArray y = NDArray.zeros(s[0], s[2], g.outH(), g.outW());
                    Convolution2D.forward(x, w, b, conf, 1, act, y, tuned);
                    double[] ref = definition(x, w, b, g, act);
                    for (int i = 0; i < ref.length; i++) {
                        if (Math.abs(y.get(i) - ref[i]) > 1e-5 * Math.max(1, Math.abs(ref[i]))) {
                            throw new AssertionError("shape " + java.util.Arrays.toString(s) + " " + conf + " " + act + " (tile "
                                    + tileFloats + "): element " + i + " is " + y.get(i) + ", expected " + ref[i]);
                        }
                    }
                    checked++;
                }
            }
        }
    }

    /** The path is a switch: off, the same shapes take the im2col path. */
    @ParameterizedTest
    @ValueSource(ints = {3, 5})
    void onlyFewInputChannelsAndOnlyWhenOn(int cin) {
        ConvGeometry g = Conv2DConfig.of(3, 2, ConvolutionMode.Same).geometry(224, 224);
        assertTrue(StemConvolution.applies(ConvConfig.DEFAULT, g, 1, cin) == (cin <= StemConvolution.MAX_INPUT_CHANNELS));
        assertTrue(!StemConvolution.applies(ConvConfig.DEFAULT.with("splitStem:false"), g, 1, cin));
        assertTrue(!StemConvolution.applies(ConvConfig.DEFAULT, Conv2DConfig.of(3, 1, ConvolutionMode.Same).geometry(224, 224), 1, cin));
    }

    private static double[] definition(NDArray x, NDArray w, NDArray b, ConvGeometry g, FusedActivation act) {
        int n = x.size(0), cin = x.size(1), h = x.size(2), wi = x.size(3), cout = w.size(0), ho = g.outH(), wo = g.outW();
        double[] out = new double[n * cout * ho * wo];
        for (int img = 0; img < n; img++) {
            for (int co = 0; co < cout; co++) {
                for (int oy = 0; oy < ho; oy++) {
                    for (int ox = 0; ox < wo; ox++) {
                        double sum = b == null ? 0 : b.get(co);
                        for (int ci = 0; ci < cin; ci++) {
                            for (int ky = 0; ky < 3; ky++) {
                                for (int kx = 0; kx < 3; kx++) {
                                    int iy = 2 * oy - g.padTop() + ky, ix = 2 * ox - g.padLeft() + kx;
                                    if (iy < 0 || iy >= h || ix < 0 || ix >= wi) continue;
                                    sum += (double) x.get(((img * cin + ci) * h + iy) * wi + ix) * w.get(((co * cin + ci) * 3 + ky) * 3 + kx);
                                }
                            }
                        }
                        out[((img * cout + co) * ho + oy) * wo + ox] = activation(act, (float) sum);
                    }
                }
            }
        }
        return out;
    }

    /** The activations by their definitions (max(z, 0), min(max(z, 0), 6)), independently of the kernels' loops. */
    private static float activation(FusedActivation act, float z) {
        return switch (act) {
            case RELU -> Math.max(z, 0f);
            case RELU6 -> Math.min(Math.max(z, 0f), 6f);
            case IDENTITY -> z;
        };
    }

    private static NDArray random(Random rnd, int... shape) {
        NDArray a = NDArray.zeros(shape);
        for (int i = 0; i < a.length(); i++) a.buffer().put(a.offset() + i, (float) (rnd.nextGaussian()));
        return a;
    }
}
