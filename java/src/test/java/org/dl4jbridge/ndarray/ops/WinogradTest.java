package org.dl4jbridge.ndarray.ops;

import static org.dl4jbridge.ndarray.ops.ConvReference.array;
import static org.dl4jbridge.ndarray.ops.ConvReference.assertClose;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.testutil.Npz;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Winograd F(2x2, 3x3) path against float64 PyTorch (conv_winograd.npz from
 * tests/reference/make_conv_reference.py): odd sizes with partial tiles, explicit and Same
 * padding, batch 1 and 3, with every block size from one tile row to the whole batch.
 */
class WinogradTest {
    private static final FusedActivation[] ACTS = FusedActivation.values();
    private final int defaultBudget = Winograd2x2.blockBudget;

    @AfterEach
    void restore() {
        Winograd2x2.blockBudget = defaultBudget;
        Winograd2x2.enabled = true;
    }

    /** Budget 1 makes every tile row its own block; 5000 splits images between blocks. */
    @ParameterizedTest
    @ValueSource(ints = {8 << 20, 5000, 1})
    void forwardMatchesTorch(int budget) throws Exception {
        Winograd2x2.blockBudget = budget;
        List<Map<String, Npz.Array>> cases = ConvReference.cases("conv_winograd.npz");
        for (int i = 0; i < cases.size(); i++) {
            Map<String, Npz.Array> c = cases.get(i);
            int[] cfg = ConvReference.ints(c.get("cfg"));
            NDArray x = array(c.get("x")), w = array(c.get("w"));
            Conv2DConfig conf = ConvReference.config(cfg);
            assertTrue(Winograd2x2.applies(conf.geometry(x.size(2), x.size(3)), x.size(1), cfg[9]),
                    "case " + i + " should take the Winograd path");
            NDArray b = cfg[11] == 1 ? array(c.get("b")) : null;
            NDArray y = Convolution2D.forward(x, w, b, conf, cfg[9], ACTS[cfg[10]]);
            assertClose("winograd case " + i + " (budget " + budget + ")", c.get("y"), y, 1e-5);
        }
    }

    /** Output written into a view of a larger buffer lands only in its own elements. */
    @Test
    void writesOnlyTheOutputView() throws Exception {
        Map<String, Npz.Array> c = ConvReference.cases("conv_winograd.npz").get(0);
        NDArray x = array(c.get("x")), w = array(c.get("w")), b = array(c.get("b"));
        int[] shape = c.get("y").shape();
        int len = shape[0] * shape[1] * shape[2] * shape[3];
        NDArray big = NDArray.zeros(len + 10);
        for (int i = 0; i < len + 10; i++) big.put(i, -7f);
        NDArray y = big.flatView(5, 'c', shape);
        Convolution2D.forward(x, w, b, ConvReference.config(ConvReference.ints(c.get("cfg"))), 1, FusedActivation.RELU, y);
        assertClose("winograd into a view", c.get("y"), y, 1e-5);
        for (int i = 0; i < 5; i++) {
            assertTrue(big.get(i) == -7f && big.get(len + 5 + i) == -7f, "element outside the view was written");
        }
    }

    @Test
    void leavesOtherConvolutionsToIm2col() {
        ConvGeometry strided = Conv2DConfig.of(3, 2, ConvolutionMode.Same).geometry(8, 8);
        ConvGeometry fiveByFive = Conv2DConfig.of(5, 1, ConvolutionMode.Same).geometry(8, 8);
        ConvGeometry dilated = new Conv2DConfig(3, 3, 1, 1, 0, 0, 2, 2, ConvolutionMode.Truncate).geometry(9, 9);
        ConvGeometry plain = Conv2DConfig.of(3, 1, ConvolutionMode.Same).geometry(8, 8);
        assertFalse(Winograd2x2.applies(strided, 64, 1));
        assertFalse(Winograd2x2.applies(fiveByFive, 64, 1));
        assertFalse(Winograd2x2.applies(dilated, 64, 1));
        assertFalse(Winograd2x2.applies(plain, 3, 1), "3 input channels: GEMMs too short");
        assertFalse(Winograd2x2.applies(plain, 64, 2), "grouped");
        assertTrue(Winograd2x2.applies(plain, 64, 1));
        Winograd2x2.enabled = false;
        assertFalse(Winograd2x2.applies(plain, 64, 1));
    }
}
