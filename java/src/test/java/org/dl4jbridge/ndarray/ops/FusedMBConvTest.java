package org.dl4jbridge.ndarray.ops;

import static org.dl4jbridge.ndarray.ops.ConvReference.assertClose;
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
