package org.dl4jbridge.ndarray.ops;

import static org.dl4jbridge.ndarray.ops.ConvReference.assertClose;
import static org.dl4jbridge.ndarray.ops.ConvReference.assertNear;
import static org.dl4jbridge.ndarray.ops.ConvReference.random;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.dl4jbridge.ndarray.NDArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The fused inverted-residual block against float64 PyTorch (mbconv_forward.npz from
 * tests/reference/make_mbconv_reference.py): with and without expansion and residual, 3x3 and 5x5,
 * stride 1 and 2 (odd and even widths: the stride-2 path splits the input's columns into even and odd),
 * Same and Truncate padding, batch 1 and several images; with the default unit size (whole images,
 * several to a unit) and small ones (strips of a few rows, one row); with the fused multiply-add loops
 * and the plain ones.
 */
class FusedMBConvTest {
    private final boolean defaultFused = DepthwiseTaps.fused;

    @AfterEach
    void restoreFused() {
        DepthwiseTaps.fused = defaultFused;
    }

    @ParameterizedTest
    @CsvSource({"524288, 2048, true", "3000, 2048, true", "1, 2048, true", "524288, 2048, false", "3000, 2048, false",
            "1, 2048, false", "524288, 40, true", "3000, 1, true", "524288, 1, false"})
    void forwardMatchesTorch(int unitFloats, int blockFloats, boolean fusedMultiplyAdd) throws Exception {
        assertTrue(FusedMBConv.STRIP_FLOATS == 524288, "the first cases run the default unit size");
        DepthwiseTaps.fused = fusedMultiplyAdd;
        List<ConvReference.MBConvCase> cases = ConvReference.MBConvCase.all();
        for (int i = 0; i < cases.size(); i++) {
            ConvReference.MBConvCase c = cases.get(i);
            NDArray y = NDArray.zeros(c.y().shape());
            FusedMBConv.forward(c.x(), c.expW(), c.expB(), c.expAct(), c.dwW(), DepthwiseConvolution2D.Layout.TORCH, c.dwB(),
                    c.dw(), c.dwAct(), c.projW(), c.projB(), c.projAct(), c.res(), y, unitFloats, blockFloats);
            assertClose("mbconv case " + i + " (unit " + unitFloats + " floats, block " + blockFloats + ", fma "
                    + fusedMultiplyAdd + ")", c.y(), y, 1e-5);
        }
    }

    /**
     * Without a projection bias the projection's GEMM has no bias column (K = mid rather than mid + 1): the same
     * floats as a zero bias, with and without a residual.
     */
    @Test
    void projectionWithoutBiasIsAZeroBias() throws Exception {
        for (ConvReference.MBConvCase c : ConvReference.MBConvCase.all()) {
            NDArray[] y = {NDArray.zeros(c.y().shape()), NDArray.zeros(c.y().shape())};
            for (int v = 0; v < 2; v++) {
                FusedMBConv.forward(c.x(), c.expW(), c.expB(), c.expAct(), c.dwW(), DepthwiseConvolution2D.Layout.TORCH,
                        c.dwB(), c.dw(), c.dwAct(), c.projW(), v == 0 ? null : NDArray.zeros(c.projW().size(0)), c.projAct(),
                        c.res(), y[v]);
            }
            for (int i = 0; i < y[0].length(); i++) {
                if (Math.abs(y[0].get(i) - y[1].get(i)) > 1e-6 * Math.max(1, Math.abs(y[1].get(i)))) {
                    throw new AssertionError("element " + i + ": " + y[0].get(i) + " without bias, " + y[1].get(i) + " with zeros");
                }
            }
        }
    }

    /**
     * With an activation after the projection the residual is added after it (out = act(proj + b) + residual): the
     * same floats as the block without a residual (checked against PyTorch above, the activations included) plus
     * the residual.
     */
    @Test
    void residualComesAfterTheProjectionsActivation() throws Exception {
        ConvReference.MBConvCase c = ConvReference.MBConvCase.all().get(0);
        assertTrue(c.expW() != null && c.res() != null, "case 0 has an expansion and a residual");
        NDArray res = c.res();
        NDArray[] y = {NDArray.zeros(c.y().shape()), NDArray.zeros(c.y().shape())};
        for (int v = 0; v < 2; v++) {
            FusedMBConv.forward(c.x(), c.expW(), c.expB(), FusedActivation.RELU6, c.dwW(), DepthwiseConvolution2D.Layout.TORCH,
                    c.dwB(), c.dw(), FusedActivation.RELU6, c.projW(), c.projB(), FusedActivation.RELU6, v == 0 ? res : null, y[v]);
        }
        boolean clamped = false;
        for (int i = 0; i < y[0].length(); i++) {
            float expected = y[1].get(i) + res.get(i);
            clamped |= y[1].get(i) == 0f || y[1].get(i) == 6f;
            if (Math.abs(y[0].get(i) - expected) > 1e-6 * Math.max(1, Math.abs(expected))) {
                throw new AssertionError("element " + i + " is " + y[0].get(i) + ", expected " + expected);
            }
        }
        assertTrue(clamped, "the activation clamps some outputs, so its order against the residual matters");
    }

    /**
     * A stem computed inside block 0 ({@link FusedMBConv#forwardWithStem}) against the stem through im2col (not the
     * split-column path the fused stem shares with {@link StemConvolution}) and the block's layers one by one: the
     * EfficientNet form (3 channels, Same padding, 3x3 stride-1 depthwise), odd maps with Same's uneven padding and a
     * strided 5x5 depthwise, explicit padding on 1 and 4 channels; whole images, strips of a few rows and of one row;
     * with the fused multiply-add loops and the plain ones.
     */
    @Test
    void stemInsideTheBlockMatchesTheLayers() {
        java.util.Random rnd = new java.util.Random(12);
        ConvConfig im2col = ConvConfig.DEFAULT.with("splitStem:false");
        Conv2DConfig same3 = Conv2DConfig.of(3, 2, ConvolutionMode.Same);
        // {n, c0, H, W, mid, dw k, dw s, cout}, stem window, stem bias (without one the GEMM has no ones row)
        Object[][] cases = {
            {new int[] {2, 3, 64, 64, 32, 3, 1, 16}, same3, true},
            {new int[] {3, 3, 57, 45, 8, 5, 2, 5}, same3, true},
            {new int[] {16, 1, 20, 23, 6, 3, 1, 4}, Conv2DConfig.padded(3, 2, 1), true},
            {new int[] {2, 4, 31, 30, 5, 5, 1, 7}, Conv2DConfig.padded(3, 2, 0), true},
            {new int[] {2, 3, 33, 34, 8, 3, 1, 6}, same3, false},
        };
        for (boolean fma : new boolean[] {true, false}) {
            DepthwiseTaps.fused = fma;
            for (Object[] c : cases) {
                int[] s = (int[]) c[0];
                Conv2DConfig stemConf = (Conv2DConfig) c[1];
                boolean bias = (Boolean) c[2];
                int n = s[0], c0 = s[1], mid = s[4], k = s[5], cout = s[7];
                NDArray image = random(rnd, 1f, n, c0, s[2], s[3]);
                NDArray stemW = random(rnd, (float) (1 / Math.sqrt(9 * c0)), mid, c0, 3, 3);
                NDArray stemB = bias ? random(rnd, 0.5f, mid) : null;
                NDArray dwW = random(rnd, (float) (1 / Math.sqrt(k * k)), k, k, mid, 1), dwB = random(rnd, 0.5f, mid);
                NDArray projW = random(rnd, (float) (1 / Math.sqrt(mid)), cout, mid, 1, 1), projB = random(rnd, 0.5f, cout);
                Conv2DConfig dw = Conv2DConfig.of(k, s[6], ConvolutionMode.Same), pw = Conv2DConfig.of(1, 1, ConvolutionMode.Same);

                ConvGeometry sg = stemConf.geometry(s[2], s[3]);
                NDArray stem = NDArray.zeros(n, mid, sg.outH(), sg.outW());
                Convolution2D.forward(image, stemW, stemB, stemConf, 1, FusedActivation.RELU6, stem, im2col);
                NDArray d = DepthwiseConvolution2D.forward(stem, dwW, DepthwiseConvolution2D.Layout.DL4J, 1, dwB, dw,
                        FusedActivation.RELU6);
                NDArray expected = Convolution2D.forward(d, projW, projB, pw, 1, FusedActivation.IDENTITY);
                for (int unit : new int[] {FusedMBConv.STRIP_FLOATS, 3000, 1}) {
                    NDArray y = NDArray.zeros(expected.shape());
                    FusedMBConv.forwardWithStem(image, stemW, stemB, stemConf, FusedActivation.RELU6, dwW,
                            DepthwiseConvolution2D.Layout.DL4J, dwB, dw, FusedActivation.RELU6, projW, projB,
                            FusedActivation.IDENTITY, y, unit, 2048);
                    assertNear(expected, y, 1e-5, "stem case " + java.util.Arrays.toString(s) + " " + stemConf + " unit "
                            + unit + " fma " + fma + (bias ? "" : " no stem bias"));
                }
            }
        }
    }

    @Test
    void refusesAStemItDoesNotCompute() {
        NDArray image = NDArray.zeros(1, 5, 16, 16), dwW = NDArray.zeros(3, 3, 4, 1), proj = NDArray.zeros(4, 4, 1, 1);
        Conv2DConfig dw = Conv2DConfig.of(3, 1, ConvolutionMode.Same);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FusedMBConv.forwardWithStem(image,
                NDArray.zeros(4, 5, 3, 3), null, Conv2DConfig.of(3, 2, ConvolutionMode.Same), FusedActivation.RELU6, dwW,
                DepthwiseConvolution2D.Layout.DL4J, null, dw, FusedActivation.RELU6, proj, null, FusedActivation.IDENTITY,
                NDArray.zeros(1, 4, 8, 8)));
        assertTrue(e.getMessage().contains("at most 4 input channels") && e.getMessage().contains("of its own"), e.getMessage());
        assertTrue(!FusedMBConv.stemFits(Conv2DConfig.of(3, 1, ConvolutionMode.Same), 3)
                && !FusedMBConv.stemFits(Conv2DConfig.of(5, 2, ConvolutionMode.Same), 3)
                && FusedMBConv.stemFits(Conv2DConfig.of(3, 2, ConvolutionMode.Same), 3));
        NDArray image3 = NDArray.zeros(1, 3, 16, 16);
        e = assertThrows(IllegalArgumentException.class, () -> FusedMBConv.forwardWithStem(image3,
                NDArray.zeros(4, 3, 3, 3), null, Conv2DConfig.of(3, 2, ConvolutionMode.Same), FusedActivation.RELU6, dwW,
                DepthwiseConvolution2D.Layout.DL4J, null, dw, FusedActivation.RELU6, proj, null, FusedActivation.IDENTITY,
                NDArray.zeros(1, 4, 16, 16)));
        assertTrue(e.getMessage().contains("output"), e.getMessage());
    }

    @Test
    void refusesWhatItDoesNotCompute() {
        NDArray x = NDArray.zeros(1, 4, 8, 8), dwW = NDArray.zeros(4, 1, 3, 3), proj = NDArray.zeros(4, 4, 1, 1);
        Conv2DConfig dilated = new Conv2DConfig(3, 3, 1, 1, 0, 0, 2, 2, ConvolutionMode.Same);
        assertTrue(!FusedMBConv.applies(dilated) && !FusedMBConv.applies(Conv2DConfig.of(3, 3, ConvolutionMode.Same)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FusedMBConv.forward(x, null, null,
                FusedActivation.RELU6, dwW, DepthwiseConvolution2D.Layout.TORCH, null, dilated, FusedActivation.RELU6, proj, null,
                FusedActivation.IDENTITY, null,
                NDArray.zeros(1, 4, 8, 8)));
        assertTrue(e.getMessage().contains("one by one"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> FusedMBConv.forward(x, null, null, FusedActivation.RELU6,
                NDArray.zeros(4, 1, 5, 5), DepthwiseConvolution2D.Layout.TORCH, null, Conv2DConfig.of(3, 1, ConvolutionMode.Same),
                FusedActivation.RELU6, proj,
                null, FusedActivation.IDENTITY, null, NDArray.zeros(1, 4, 8, 8)));
    }
}
