package org.dl4jbridge.ndarray.ops;

import static org.dl4jbridge.ndarray.ops.ConvReference.array;
import static org.dl4jbridge.ndarray.ops.ConvReference.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.testutil.Npz;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The channels-last inverted-residual block against float64 PyTorch (mbconv_forward.npz from
 * tests/reference/make_mbconv_reference.py: 3x3 and 5x5, stride 1 and 2, Same and Truncate padding,
 * odd sizes, residual or not, batch 1 and several images; its cases without expansion are
 * FusedMBConv's only), with whole images per unit and with strips of a few rows and of one row, with
 * the fused multiply-add loops and the plain ones;
 * and against the layer-by-layer path (expansion, depthwise, projection, add) on EfficientNet-Lite0's
 * own block shapes, channel counts that are not multiples of the vector width included.
 */
class ChannelsLastMBConvTest {
    private static final FusedActivation[] ACTS = FusedActivation.values();

    private final boolean defaultFused = DepthwiseTaps.fused;

    @AfterEach
    void restoreFused() {
        DepthwiseTaps.fused = defaultFused;
    }

    @ParameterizedTest
    @CsvSource({"524288, true", "3000, true", "1, true", "524288, false", "3000, false"})
    void forwardMatchesTorch(int unitFloats, boolean fusedMultiplyAdd) throws Exception {
        assertEquals(ChannelsLastMBConv.UNIT_FLOATS, 524288, "the first cases run the default unit size");
        DepthwiseTaps.fused = fusedMultiplyAdd;
        List<Map<String, Npz.Array>> cases = ConvReference.cases("mbconv_forward.npz");
        int run = 0;
        for (int i = 0; i < cases.size(); i++) {
            Map<String, Npz.Array> c = cases.get(i);
            int[] cfg = ConvReference.ints(c.get("cfg"));
            boolean expand = cfg[9] == 1, residual = cfg[10] == 1;
            if (!expand) continue;
            Conv2DConfig dw = ConvReference.config(new int[] {cfg[0], cfg[1], cfg[2], cfg[3], cfg[4], cfg[5], cfg[6], cfg[7],
                    cfg[8], 1, 0, 1});
            NDArray y = NDArray.zeros(c.get("y").shape());
            ChannelsLastMBConv.forward(array(c.get("x")), array(c.get("expW")), array(c.get("expB")), ACTS[cfg[11]],
                    array(c.get("dwW")), DepthwiseConvolution2D.Layout.TORCH, array(c.get("dwB")), dw, ACTS[cfg[12]],
                    array(c.get("projW")), array(c.get("projB")), ACTS[cfg[13]], residual ? array(c.get("res")) : null, y,
                    unitFloats);
            assertClose("mbconv case " + i + " (unit " + unitFloats + " floats)", c.get("y"), y, 1e-5);
            run++;
        }
        assertEquals(9, run, "cases with an expansion in mbconv_forward.npz");
    }

    /** {n, cin, mid, cout, size, k, s, residual} */
    private static final int[][] SHAPES = {
        {3, 40, 240, 40, 28, 5, 1, 1},   // EfficientNet-Lite0 block 4
        {2, 24, 144, 40, 56, 5, 2, 0},   // block 3: strips of a 56x56 image
        {2, 80, 480, 80, 14, 3, 1, 1},   // block 6
        {1, 192, 1152, 192, 7, 5, 1, 1}, // block 13, batch 1
        {4, 40, 240, 80, 28, 3, 2, 0},   // block 5
        {2, 7, 37, 11, 9, 5, 2, 0},      // channels not a multiple of 16, odd size
    };

    @Test
    void matchesTheLayerByLayerPathOnEfficientNetShapes() {
        Random rnd = new Random(20261206);
        for (int[] s : SHAPES) {
            int n = s[0], cin = s[1], mid = s[2], cout = s[3], size = s[4], k = s[5], stride = s[6];
            boolean residual = s[7] == 1;
            NDArray x = random(rnd, 1f, n, cin, size, size);
            NDArray expW = random(rnd, (float) (1 / Math.sqrt(cin)), mid, cin, 1, 1), expB = random(rnd, 0.5f, mid);
            NDArray dwW = random(rnd, 1f / k, k, k, mid, 1), dwB = random(rnd, 0.5f, mid);
            NDArray projW = random(rnd, (float) (1 / Math.sqrt(mid)), cout, mid, 1, 1), projB = random(rnd, 0.5f, cout);
            Conv2DConfig dwConf = Conv2DConfig.of(k, stride, ConvolutionMode.Same), pw = Conv2DConfig.of(1, 1, ConvolutionMode.Same);

            NDArray e = Convolution2D.forward(x, expW, expB, pw, 1, FusedActivation.RELU6);
            NDArray d = DepthwiseConvolution2D.forward(e, dwW, DepthwiseConvolution2D.Layout.DL4J, 1, dwB, dwConf,
                    FusedActivation.RELU6);
            NDArray expected = Convolution2D.forward(d, projW, projB, pw, 1, FusedActivation.IDENTITY);
            if (residual) ElementWise.forward(ElementWise.Op.Add, new NDArray[] {expected, x}, expected);

            for (int unit : new int[] {ChannelsLastMBConv.UNIT_FLOATS, 20000}) {
                NDArray y = NDArray.zeros(expected.shape());
                ChannelsLastMBConv.forward(x, expW, expB, FusedActivation.RELU6, dwW, DepthwiseConvolution2D.Layout.DL4J, dwB,
                        dwConf, FusedActivation.RELU6, projW, projB, FusedActivation.IDENTITY, residual ? x : null, y, unit);
                double scale = 1, worst = 0;
                for (int i = 0; i < expected.length(); i++) {
                    scale = Math.max(scale, Math.abs(expected.get(i)));
                    worst = Math.max(worst, Math.abs(expected.get(i) - y.get(i)));
                }
                assertTrue(worst <= 1e-5 * scale, "shape " + java.util.Arrays.toString(s) + " unit " + unit + ": error "
                        + worst + " against the layer-by-layer path (scale " + scale + ")");
            }
        }
    }

    @Test
    void picksOnePathPerBlock() {
        Conv2DConfig dw = Conv2DConfig.of(5, 1, ConvolutionMode.Same);
        ConvConfig on = ConvConfig.DEFAULT.with("channelsLastBlocks:true,fuseBlocks:true,chwnBlocks:false");
        // The batch-innermost kernel, where on, takes every block FusedMBConv does not.
        ConvConfig chwn = on.with("chwnBlocks:true");
        assertEquals(ChannelsLastMBConv.Path.CHWN, ChannelsLastMBConv.choose(chwn, dw, true, 240, 28, 28));
        assertEquals(ChannelsLastMBConv.Path.CHWN, ChannelsLastMBConv.choose(chwn, dw, false, 16, 14, 14));
        assertEquals(ChannelsLastMBConv.Path.FUSED, ChannelsLastMBConv.choose(chwn, dw, true, 96, 112, 112));
        assertEquals(ChannelsLastMBConv.Path.CHANNELS_LAST, ChannelsLastMBConv.choose(on, dw, true, 240, 28, 28));
        assertEquals(ChannelsLastMBConv.Path.FUSED, ChannelsLastMBConv.choose(on, dw, false, 32, 112, 112));
        // Large maps stay with FusedMBConv (measured faster there); without fusion they run channels-last.
        assertEquals(ChannelsLastMBConv.Path.FUSED, ChannelsLastMBConv.choose(on, dw, true, 96, 112, 112));
        assertEquals(ChannelsLastMBConv.Path.CHANNELS_LAST,
                ChannelsLastMBConv.choose(on.with("fuseBlocks:false"), dw, true, 96, 112, 112));
        ConvConfig off = on.with("channelsLastBlocks:false");
        assertEquals(ChannelsLastMBConv.Path.FUSED, ChannelsLastMBConv.choose(off, dw, true, 96, 112, 112));
        assertEquals(ChannelsLastMBConv.Path.LAYERS, ChannelsLastMBConv.choose(off, dw, true, 240, 14, 14));
    }

    @Test
    void refusesWhatItDoesNotCompute() {
        NDArray x = NDArray.zeros(1, 4, 8, 8), dwW = NDArray.zeros(4, 1, 3, 3), proj = NDArray.zeros(4, 4, 1, 1);
        Conv2DConfig dilated = new Conv2DConfig(3, 3, 1, 1, 0, 0, 2, 2, ConvolutionMode.Same);
        assertTrue(!ChannelsLastMBConv.applies(dilated, true)
                && !ChannelsLastMBConv.applies(Conv2DConfig.of(3, 1, ConvolutionMode.Same), false));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ChannelsLastMBConv.forward(x,
                NDArray.zeros(4, 4, 1, 1), null, FusedActivation.RELU6, dwW, DepthwiseConvolution2D.Layout.TORCH, null, dilated,
                FusedActivation.RELU6, proj, null, FusedActivation.IDENTITY, null, NDArray.zeros(1, 4, 8, 8)));
        assertTrue(e.getMessage().contains("one by one"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ChannelsLastMBConv.forward(x, null, null, FusedActivation.RELU6,
                dwW, DepthwiseConvolution2D.Layout.TORCH, null, Conv2DConfig.of(3, 1, ConvolutionMode.Same),
                FusedActivation.RELU6, proj, null, FusedActivation.IDENTITY, null, NDArray.zeros(1, 4, 8, 8)));
    }

    private static NDArray random(Random rnd, float scale, int... shape) {
        NDArray a = NDArray.zeros(shape);
        for (int i = 0; i < a.length(); i++) a.put(i, (rnd.nextFloat() * 2 - 1) * scale);
        return a;
    }
}
