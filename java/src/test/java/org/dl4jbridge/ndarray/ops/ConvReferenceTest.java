package org.dl4jbridge.ndarray.ops;

import static org.dl4jbridge.ndarray.ops.ConvReference.array;
import static org.dl4jbridge.ndarray.ops.ConvReference.assertClose;

import java.util.List;
import java.util.Map;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.testutil.Npz;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Convolution forward and backward against float64 PyTorch (tests/reference/make_conv_reference.py),
 * under several column budgets so every tiling path (row tiles, image batches, in-place 1x1) runs.
 */
class ConvReferenceTest {
    private static final FusedActivation[] ACTS = FusedActivation.values();

    /**
     * Budgets force row tiles and image batches; shortK 0 / huge force kernel-row shifting / full
     * unfolding; pointwise 1 sends every 1x1 convolution through the in-place GEMM.
     */
    @ParameterizedTest
    @CsvSource({"8388608,256,2147483647", "8388608,0,1", "700,0,2147483647", "60,0,1", "700,100000,1",
                "60,100000,2147483647"})
    void forwardMatchesTorch(int budget, int shortK, int pointwise) throws Exception {
        ConvConfig conf = ConvConfig.DEFAULT.with("columnBudget:" + budget + ",shortK:" + shortK + ",pointwiseDirectMin:"
                + pointwise);
        List<Map<String, Npz.Array>> cases = ConvReference.cases("conv_forward_backward.npz");
        for (int i = 0; i < cases.size(); i++) {
            Map<String, Npz.Array> c = cases.get(i);
            int[] cfg = ConvReference.ints(c.get("cfg"));
            NDArray b = cfg[11] == 1 ? array(c.get("b")) : null;
            NDArray x = array(c.get("x")), w = array(c.get("w"));
            Conv2DConfig cc = ConvReference.config(cfg);
            ConvGeometry g = cc.geometry(x.size(2), x.size(3));
            NDArray y = NDArray.zeros(x.size(0), w.size(0), g.outH(), g.outW());
            Convolution2D.forward(x, w, b, cc, cfg[9], ACTS[cfg[10]], y, conf);
            assertClose("case " + i + " forward (budget " + budget + ")", c.get("y"), y, 1e-5);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {8 << 20, 1500, 60})   // all images in one tile; one image a tile for most cases; row tiles
    void backwardMatchesTorchAutograd(int budget) throws Exception {
        ConvReference.assertBackwardMatches("conv_forward_backward.npz", ConvConfig.DEFAULT.with("columnBudget:" + budget));
    }

    /** DL4J's DepthwiseConvolution2D layout [kH, kW, nIn, m] gives the same numbers as the grouped form. */
    @Test
    void depthwiseDl4jLayoutMatchesTorch() throws Exception {
        int checked = 0;
        for (Map<String, Npz.Array> c : ConvReference.cases("conv_forward_backward.npz")) {
            int[] cfg = ConvReference.ints(c.get("cfg"));
            NDArray x = array(c.get("x"));
            NDArray wTorch = array(c.get("w"));
            int cin = x.size(1), groups = cfg[9];
            if (groups != cin || wTorch.size(1) != 1) continue;
            int m = wTorch.size(0) / cin, kH = cfg[0], kW = cfg[1];
            NDArray wDl4j = NDArray.zeros(kH, kW, cin, m);
            for (int ch = 0; ch < cin; ch++)
                for (int j = 0; j < m; j++)
                    for (int ky = 0; ky < kH; ky++)
                        for (int kx = 0; kx < kW; kx++) wDl4j.putAt(wTorch.getAt(ch * m + j, 0, ky, kx), ky, kx, ch, j);
            Conv2DConfig conf = ConvReference.config(cfg);
            NDArray b = cfg[11] == 1 ? array(c.get("b")) : null;
            NDArray y = DepthwiseConvolution2D.forward(x, wDl4j, DepthwiseConvolution2D.Layout.DL4J, m, b, conf, ACTS[cfg[10]]);
            assertClose("depthwise DL4J layout forward", c.get("y"), y, 1e-5);
            NDArray gx = NDArray.zeros(x.shape()), gw = NDArray.zeros(wDl4j.shape()), gb = NDArray.zeros(cin * m);
            DepthwiseConvolution2D.backward(x, wDl4j, DepthwiseConvolution2D.Layout.DL4J, m, array(c.get("gy")), conf, gx, gw, gb);
            assertClose("depthwise DL4J layout dL/dx", c.get("gx"), gx, 1e-5);
            NDArray gwTorch = NDArray.zeros(wTorch.shape());
            for (int ch = 0; ch < cin; ch++)
                for (int j = 0; j < m; j++)
                    for (int ky = 0; ky < kH; ky++)
                        for (int kx = 0; kx < kW; kx++) gwTorch.putAt(gw.getAt(ky, kx, ch, j), ch * m + j, 0, ky, kx);
            assertClose("depthwise DL4J layout dL/dW", c.get("gw"), gwTorch, 1e-5);
            assertClose("depthwise DL4J layout dL/db", c.get("gb"), gb, 1e-5);
            checked++;
        }
        if (checked < 3) throw new AssertionError("expected at least 3 depthwise cases, found " + checked);
    }
}
