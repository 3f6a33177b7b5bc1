package org.dl4jbridge.ndarray.ops;

import static org.dl4jbridge.ndarray.ops.ConvReference.array;
import static org.dl4jbridge.ndarray.ops.ConvReference.assertClose;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.testutil.Npz;
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
    private static final FusedActivation[] ACTS = FusedActivation.values();

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
        List<Map<String, Npz.Array>> cases = ConvReference.cases("mbconv_forward.npz");
        for (int i = 0; i < cases.size(); i++) {
            Map<String, Npz.Array> c = cases.get(i);
            int[] cfg = ConvReference.ints(c.get("cfg"));
            boolean expand = cfg[9] == 1, residual = cfg[10] == 1;
            Conv2DConfig dw = ConvReference.config(new int[] {cfg[0], cfg[1], cfg[2], cfg[3], cfg[4], cfg[5], cfg[6], cfg[7],
                    cfg[8], 1, 0, 1});
            NDArray x = array(c.get("x"));
            int[] ys = c.get("y").shape();
            NDArray y = NDArray.zeros(ys);
            FusedMBConv.forward(x, expand ? array(c.get("expW")) : null, expand ? array(c.get("expB")) : null, ACTS[cfg[11]],
                    array(c.get("dwW")), DepthwiseConvolution2D.Layout.TORCH, array(c.get("dwB")), dw, ACTS[cfg[12]],
                    array(c.get("projW")), array(c.get("projB")), ACTS[cfg[13]], residual ? array(c.get("res")) : null, y,
                    unitFloats, blockFloats);
            assertClose("mbconv case " + i + " (unit " + unitFloats + " floats, block " + blockFloats + ", fma "
                    + fusedMultiplyAdd + ")", c.get("y"), y, 1e-5);
        }
    }

    /**
     * Without a projection bias the projection's GEMM has no bias column (K = mid rather than mid + 1): the same
     * floats as a zero bias, with and without a residual.
     */
    @Test
    void projectionWithoutBiasIsAZeroBias() throws Exception {
        for (Map<String, Npz.Array> c : ConvReference.cases("mbconv_forward.npz")) {
            int[] cfg = ConvReference.ints(c.get("cfg"));
            boolean expand = cfg[9] == 1, residual = cfg[10] == 1;
            Conv2DConfig dw = ConvReference.config(new int[] {cfg[0], cfg[1], cfg[2], cfg[3], cfg[4], cfg[5], cfg[6], cfg[7],
                    cfg[8], 1, 0, 1});
            NDArray x = array(c.get("x")), projW = array(c.get("projW"));
            NDArray[] y = {NDArray.zeros(c.get("y").shape()), NDArray.zeros(c.get("y").shape())};
            for (int v = 0; v < 2; v++) {
                FusedMBConv.forward(x, expand ? array(c.get("expW")) : null, expand ? array(c.get("expB")) : null, ACTS[cfg[11]],
                        array(c.get("dwW")), DepthwiseConvolution2D.Layout.TORCH, array(c.get("dwB")), dw, ACTS[cfg[12]],
                        projW, v == 0 ? null : NDArray.zeros(projW.size(0)), ACTS[cfg[13]],
                        residual ? array(c.get("res")) : null, y[v]);
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
        Map<String, Npz.Array> c = ConvReference.cases("mbconv_forward.npz").get(0);
        int[] cfg = ConvReference.ints(c.get("cfg"));
        assertTrue(cfg[9] == 1 && cfg[10] == 1, "case 0 has an expansion and a residual");
        Conv2DConfig dw = ConvReference.config(new int[] {cfg[0], cfg[1], cfg[2], cfg[3], cfg[4], cfg[5], cfg[6], cfg[7],
                cfg[8], 1, 0, 1});
        NDArray res = array(c.get("res"));
        NDArray[] y = {NDArray.zeros(c.get("y").shape()), NDArray.zeros(c.get("y").shape())};
        for (int v = 0; v < 2; v++) {
            FusedMBConv.forward(array(c.get("x")), array(c.get("expW")), array(c.get("expB")), FusedActivation.RELU6,
                    array(c.get("dwW")), DepthwiseConvolution2D.Layout.TORCH, array(c.get("dwB")), dw, FusedActivation.RELU6,
                    array(c.get("projW")), array(c.get("projB")), FusedActivation.RELU6, v == 0 ? res : null, y[v]);
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
