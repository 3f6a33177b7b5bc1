package org.dl4jbridge.ndarray.ops;

import static org.dl4jbridge.ndarray.ops.ConvReference.assertClose;
import static org.dl4jbridge.ndarray.ops.ConvReference.assertNear;
import static org.dl4jbridge.ndarray.ops.ConvReference.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.dl4jbridge.ndarray.NDArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The CHWN kernels: the inverted-residual block against float64 PyTorch (mbconv_forward.npz from
 * tests/reference/make_mbconv_reference.py: 3x3 and 5x5, stride 1 and 2, Same and Truncate padding, odd sizes,
 * with and without expansion and residual, batch 1 and several images) and against the layer-by-layer NCHW path
 * on EfficientNet-Lite0's shapes and odd ones (batch 1, 3, 16; channel counts not multiples of 16), with one
 * expansion block and with many, with the fused multiply-add loops and the plain ones; the 1x1 convolution and
 * the 1x1 convolution with global pooling against Convolution2D and GlobalPooling; the layout's conversions exact.
 */
class ChwnMBConvTest {
    private final boolean defaultFused = DepthwiseTaps.fused;

    @AfterEach
    void restoreFused() {
        DepthwiseTaps.fused = defaultFused;
    }

    private static NDArray chwn(NDArray nchw) {
        NDArray out = NDArray.zeros(ChwnLayout.chwnShape(nchw.shape()));
        ChwnLayout.toChwn(nchw, out);
        return out;
    }

    @ParameterizedTest
    @CsvSource({"655360, true", "1, true", "655360, false", "1, false"})
    void forwardMatchesTorch(int expandFloats, boolean fusedMultiplyAdd) throws Exception {
        assertEquals(ChwnMBConv.EXPAND_FLOATS, 655360, "the first cases run the default block size");
        DepthwiseTaps.fused = fusedMultiplyAdd;
        List<ConvReference.MBConvCase> cases = ConvReference.MBConvCase.all();
        for (int i = 0; i < cases.size(); i++) {
            ConvReference.MBConvCase c = cases.get(i);
            NDArray y = NDArray.zeros(ChwnLayout.chwnShape(c.y().shape()));
            ChwnMBConv.forward(chwn(c.x()), c.expW(), c.expB(), c.expAct(), c.dwW(), DepthwiseConvolution2D.Layout.TORCH,
                    c.dwB(), c.dw(), c.dwAct(), c.projW(), c.projB(), c.projAct(), c.res() == null ? null : chwn(c.res()), y,
                    expandFloats);
            assertClose("mbconv case " + i + " (block " + expandFloats + " floats, fma " + fusedMultiplyAdd + ")",
                    c.y(), ChwnLayout.toNchw(y), 1e-5);
        }
        assertEquals(10, cases.size(), "cases in mbconv_forward.npz");
    }

    /** {n, cin, mid, cout, h, w, k, s, residual, expand} */
    private static final int[][] SHAPES = {
        {16, 40, 240, 40, 28, 28, 5, 1, 1, 1},    // EfficientNet-Lite0 block 4
        {16, 40, 240, 80, 28, 28, 3, 2, 0, 1},    // block 5
        {3, 80, 480, 80, 14, 14, 3, 1, 1, 1},     // block 6
        {3, 112, 672, 192, 14, 14, 5, 2, 0, 1},   // block 11
        {1, 192, 1152, 192, 7, 7, 5, 1, 1, 1},    // block 13, batch 1
        {16, 192, 1152, 320, 7, 7, 3, 1, 0, 1},   // block 15
        {3, 7, 37, 11, 9, 9, 5, 2, 0, 1},         // channels not a multiple of 16, odd map: Same pads 2/2
        {16, 7, 37, 11, 9, 6, 5, 1, 0, 1},        // batch 16 (taps at constant shifts), map not square
        {16, 9, 21, 9, 5, 8, 3, 1, 1, 1},         // the same with 3x3 and a residual
        {16, 7, 21, 9, 9, 10, 5, 2, 0, 1},        // batch 16 at stride 2 (even and odd columns apart), 5x5
        {16, 6, 6, 5, 8, 7, 3, 2, 0, 0},          // and 3x3 without expansion
        {1, 13, 29, 13, 10, 10, 5, 2, 0, 1},      // even map at stride 2: Same pads 1/2
        {3, 9, 21, 9, 6, 11, 3, 2, 0, 1},         // a map that is not square
        {3, 17, 17, 6, 8, 7, 3, 1, 0, 0},         // no expansion (EfficientNet's block 0 form)
        {3, 11, 11, 5, 9, 8, 5, 2, 0, 0},         // no expansion, strided: the input's columns split by phase
    };

    @Test
    void matchesTheLayerByLayerPath() {
        Random rnd = new Random(20261206);
        for (boolean fma : new boolean[] {true, false}) {
            DepthwiseTaps.fused = fma;
            for (int[] s : SHAPES) {
                matchesLayers(rnd, new int[] {s[0], s[1], s[2], s[3], s[4], s[5], s[8], s[9]},
                        Conv2DConfig.of(s[6], s[7], ConvolutionMode.Same), fma);
            }
        }
    }

    /**
     * Explicit padding wider than the kernel reaches: the first and last output rows (and columns) see only zero
     * padding, so they are the bias after the activation (the kernel skips kernel rows that fall on padding); for
     * kernel widths 3 and 5 (their own tap loops) and the general per-tap path (7x7, 1x1, a 3x5 kernel); at batch 16
     * the constant-shift loops, the 3x5 kernel at strides 1x2 included (its rows split into even and odd columns).
     */
    @Test
    void outputRowsOnPaddingAloneMatchTheLayerByLayerPath() {
        Random rnd = new Random(5);
        for (boolean fma : new boolean[] {true, false}) {
            DepthwiseTaps.fused = fma;
            matchesLayers(rnd, new int[] {3, 8, 24, 8, 6, 5, 0, 1}, Conv2DConfig.padded(3, 1, 3), fma);
            matchesLayers(rnd, new int[] {2, 8, 24, 10, 7, 7, 0, 1}, Conv2DConfig.padded(5, 2, 5), fma);
            // Batch 16: the loops that read the padded rows at constant shifts (no ring copies).
            matchesLayers(rnd, new int[] {16, 8, 24, 8, 6, 5, 0, 1}, Conv2DConfig.padded(3, 1, 3), fma);
            matchesLayers(rnd, new int[] {16, 8, 24, 10, 7, 7, 0, 1}, Conv2DConfig.padded(5, 2, 5), fma);
            matchesLayers(rnd, new int[] {2, 8, 16, 8, 5, 6, 0, 1}, Conv2DConfig.padded(7, 1, 7), fma);
            matchesLayers(rnd, new int[] {2, 8, 16, 8, 5, 6, 0, 1}, Conv2DConfig.padded(1, 1, 1), fma);
            matchesLayers(rnd, new int[] {2, 8, 16, 8, 6, 7, 0, 1},
                    new Conv2DConfig(3, 5, 1, 2, 4, 2, 1, 1, ConvolutionMode.Truncate), fma);
            matchesLayers(rnd, new int[] {16, 8, 16, 8, 6, 7, 0, 1},
                    new Conv2DConfig(3, 5, 1, 2, 4, 2, 1, 1, ConvolutionMode.Truncate), fma);
        }
    }

    /** One block {@code {n, cin, mid, cout, h, w, residual, expand}} with depthwise {@code dwConf}, against the layers one by one. */
    private static void matchesLayers(Random rnd, int[] s, Conv2DConfig dwConf, boolean fma) {
        int n = s[0], cin = s[1], mid = s[2], cout = s[3], h = s[4], w = s[5], k = dwConf.kH() * dwConf.kW();
        boolean residual = s[6] == 1, expand = s[7] == 1;
        NDArray x = random(rnd, 1f, n, cin, h, w);
        NDArray expW = expand ? random(rnd, (float) (1 / Math.sqrt(cin)), mid, cin, 1, 1) : null;
        NDArray expB = expand ? random(rnd, 0.5f, mid) : null;
        NDArray dwW = random(rnd, (float) (1 / Math.sqrt(k)), dwConf.kH(), dwConf.kW(), mid, 1), dwB = random(rnd, 0.5f, mid);
        NDArray projW = random(rnd, (float) (1 / Math.sqrt(mid)), cout, mid, 1, 1), projB = random(rnd, 0.5f, cout);
        Conv2DConfig pw = Conv2DConfig.of(1, 1, ConvolutionMode.Same);

        NDArray e = expand ? Convolution2D.forward(x, expW, expB, pw, 1, FusedActivation.RELU6) : x;
        NDArray d = DepthwiseConvolution2D.forward(e, dwW, DepthwiseConvolution2D.Layout.DL4J, 1, dwB, dwConf,
                FusedActivation.RELU6);
        NDArray expected = Convolution2D.forward(d, projW, projB, pw, 1, FusedActivation.IDENTITY);
        if (residual) ElementWise.forward(ElementWise.Op.Add, new NDArray[] {expected, x}, expected);

        NDArray xc = chwn(x);
        for (int block : new int[] {ChwnMBConv.EXPAND_FLOATS, 1, 5000}) {
            NDArray y = NDArray.zeros(ChwnLayout.chwnShape(expected.shape()));
            ChwnMBConv.forward(xc, expW, expB, FusedActivation.RELU6, dwW, DepthwiseConvolution2D.Layout.DL4J, dwB,
                    dwConf, FusedActivation.RELU6, projW, projB, FusedActivation.IDENTITY, residual ? xc : null, y, block);
            assertNear(expected, ChwnLayout.toNchw(y), 1e-5,
                    "shape " + java.util.Arrays.toString(s) + " " + dwConf + " block " + block + " fma " + fma);
        }
    }

    @Test
    void pointwiseAndPooledHeadMatchTheNchwKernels() {
        Random rnd = new Random(7);
        Conv2DConfig pw = Conv2DConfig.of(1, 1, ConvolutionMode.Same);
        for (int[] s : new int[][] {{16, 320, 1280, 7, 7}, {3, 19, 45, 5, 6}, {1, 8, 33, 1, 1}}) {
            int n = s[0], cin = s[1], cout = s[2], h = s[3], w = s[4];
            NDArray x = random(rnd, 1f, n, cin, h, w), wt = random(rnd, (float) (1 / Math.sqrt(cin)), cout, cin, 1, 1);
            NDArray b = random(rnd, 0.5f, cout);
            NDArray expected = Convolution2D.forward(x, wt, b, pw, 1, FusedActivation.RELU6);
            NDArray y = NDArray.zeros(ChwnLayout.chwnShape(expected.shape()));
            ChwnMBConv.pointwise(chwn(x), wt, b, FusedActivation.RELU6, y);
            assertNear(expected, ChwnLayout.toNchw(y), 1e-5, "1x1 " + java.util.Arrays.toString(s));
            for (PoolingType type : new PoolingType[] {PoolingType.AVG, PoolingType.MAX}) {
                NDArray pooled = NDArray.zeros(n, cout);
                ChwnMBConv.pointwisePool(chwn(x), wt, b, FusedActivation.RELU6, type, pooled);
                assertNear(GlobalPooling.forward(expected, type), pooled, 1e-5, "1x1 + " + type + " pool " + java.util.Arrays.toString(s));
                // The pool alone gives the same floats in both layouts.
                NDArray viaChwn = NDArray.zeros(n, cout);
                ChwnLayout.pool(y, type, viaChwn);
                assertArrayEquals(GlobalPooling.forward(ChwnLayout.toNchw(y), type).toFloatArray(), viaChwn.toFloatArray());
            }
        }
    }

    @Test
    void layoutConversionsAreExact() {
        NDArray x = random(new Random(3), 2f, 3, 5, 4, 7);
        NDArray c = chwn(x);
        assertArrayEquals(new int[] {5, 4, 7, 3}, c.shape());
        assertEquals(x.get(2 * 140 + 3 * 28 + 1 * 7 + 6), c.get(3 * 84 + 1 * 21 + 6 * 3 + 2), "x[2,3,1,6] is c[3,1,6,2]");
        assertArrayEquals(x.toFloatArray(), ChwnLayout.toNchw(c).toFloatArray());
    }

    @Test
    void picksOnePathPerBlock() {
        Conv2DConfig dw = Conv2DConfig.of(5, 1, ConvolutionMode.Same);
        ConvConfig on = ConvConfig.DEFAULT.with("fuseBlocks:true,chwnBlocks:true");
        // Large expanded maps (EfficientNet-Lite0's blocks 0-3) run FusedMBConv, the rest this kernel.
        assertEquals(ChwnMBConv.Path.FUSED, ChwnMBConv.choose(on, dw, 96, 112, 112));
        assertEquals(ChwnMBConv.Path.FUSED, ChwnMBConv.choose(on, dw, 32, 112, 112));
        assertEquals(ChwnMBConv.Path.CHWN, ChwnMBConv.choose(on, dw, 240, 28, 28));
        assertEquals(ChwnMBConv.Path.CHWN, ChwnMBConv.choose(on, dw, 1152, 7, 7));
        assertEquals(ChwnMBConv.Path.CHWN, ChwnMBConv.choose(on.with("fuseBlocks:false"), dw, 96, 112, 112));
        assertEquals(ChwnMBConv.Path.FUSED, ChwnMBConv.choose(on.with("chwnBlocks:false"), dw, 96, 112, 112));
        assertEquals(ChwnMBConv.Path.LAYERS, ChwnMBConv.choose(on.with("chwnBlocks:false"), dw, 240, 14, 14));
        Conv2DConfig dilated = new Conv2DConfig(3, 3, 1, 1, 0, 0, 2, 2, ConvolutionMode.Same);
        assertEquals(ChwnMBConv.Path.LAYERS, ChwnMBConv.choose(on, dilated, 240, 14, 14));
    }

    @Test
    void refusesWhatItDoesNotCompute() {
        NDArray x = NDArray.zeros(4, 8, 8, 1), dwW = NDArray.zeros(4, 1, 3, 3), proj = NDArray.zeros(4, 4, 1, 1);
        Conv2DConfig dilated = new Conv2DConfig(3, 3, 1, 1, 0, 0, 2, 2, ConvolutionMode.Same);
        assertTrue(!ChwnMBConv.applies(dilated) && ChwnMBConv.applies(Conv2DConfig.of(5, 2, ConvolutionMode.Same)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ChwnMBConv.forward(x,
                NDArray.zeros(4, 4, 1, 1), null, FusedActivation.RELU6, dwW, DepthwiseConvolution2D.Layout.TORCH, null, dilated,
                FusedActivation.RELU6, proj, null, FusedActivation.IDENTITY, null, NDArray.zeros(4, 8, 8, 1)));
        assertTrue(e.getMessage().contains("one by one"), e.getMessage());
        // An NCHW-shaped output for a CHWN input is refused by its shape.
        e = assertThrows(IllegalArgumentException.class, () -> ChwnMBConv.forward(x, null, null, FusedActivation.RELU6, dwW,
                DepthwiseConvolution2D.Layout.TORCH, null, Conv2DConfig.of(3, 1, ConvolutionMode.Same), FusedActivation.RELU6,
                proj, null, FusedActivation.IDENTITY, null, NDArray.zeros(1, 4, 8, 8)));
        assertTrue(e.getMessage().contains("CHWN output"), e.getMessage());
    }

    /** Written tile by tile while the input and residual are still read, so the output may not share their memory. */
    @Test
    void refusesAnOutputThatSharesTheInputsMemory() {
        NDArray x = random(new Random(5), 1f, 4, 8, 8, 2), dwW = random(new Random(6), 1f, 3, 3, 4, 1);
        NDArray proj = random(new Random(8), 0.5f, 4, 4, 1, 1);
        Conv2DConfig dw = Conv2DConfig.of(3, 1, ConvolutionMode.Same);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ChwnMBConv.forward(x, null, null,
                FusedActivation.RELU6, dwW, DepthwiseConvolution2D.Layout.DL4J, null, dw, FusedActivation.RELU6, proj, null,
                FusedActivation.IDENTITY, x, x));
        assertTrue(e.getMessage().contains("overlaps the CHWN input") && e.getMessage().contains("separate array"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ChwnMBConv.pointwise(x, proj, null, FusedActivation.RELU6, x));
        assertTrue(e.getMessage().contains("overlaps the CHWN input"), e.getMessage());
        NDArray nchw = random(new Random(9), 1f, 2, 4, 8, 8);
        e = assertThrows(IllegalArgumentException.class, () -> FusedMBConv.forward(nchw, null, null, FusedActivation.RELU6, dwW,
                DepthwiseConvolution2D.Layout.DL4J, null, dw, FusedActivation.RELU6, proj, null, FusedActivation.IDENTITY, nchw, nchw));
        assertTrue(e.getMessage().contains("overlaps the input"), e.getMessage());
    }
}
