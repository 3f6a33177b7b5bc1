package org.dl4jbridge.ndarray.ops;

import static org.dl4jbridge.ndarray.ops.ConvReference.array;
import static org.dl4jbridge.ndarray.ops.ConvReference.assertClose;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.testutil.Npz;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Strided ungrouped convolutions through {@link StridedConvolution} against float64 PyTorch (the
 * strided cases of tests/reference/make_conv_reference.py: stride 2 with odd sizes and batch 1,
 * mixed strides with dilation, Same padding, Strict), with tile sizes from whole images down to one
 * output row per tile.
 */
class StridedConvolutionTest {
    private static final FusedActivation[] ACTS = FusedActivation.values();

    @ParameterizedTest
    @ValueSource(ints = {1 << 17, 100, 1})
    void forwardMatchesTorch(int tileFloats) throws Exception {
        // splitStem off: the 3x3 stride-2 cases with few channels would run StemConvolution (StemConvolutionTest).
        ConvConfig tuned = ConvConfig.DEFAULT.with("tileFloats:" + tileFloats + ",minTilesPerThread:0,splitStem:false");
        int checked = 0;
        for (Map<String, Npz.Array> c : ConvReference.cases("conv_forward_backward.npz")) {
            int[] cfg = ConvReference.ints(c.get("cfg"));
            if (cfg[9] != 1 || (cfg[2] == 1 && cfg[3] == 1)) continue;
            NDArray x = array(c.get("x")), w = array(c.get("w"));
            NDArray b = cfg[11] == 1 ? array(c.get("b")) : null;
            Conv2DConfig conf = ConvReference.config(cfg);
            assertTrue(StridedConvolution.applies(tuned, conf.geometry(x.size(2), x.size(3)), 1, x.size(0), x.size(1), w.size(0)));
            ConvGeometry g = conf.geometry(x.size(2), x.size(3));
            NDArray y = NDArray.zeros(x.size(0), w.size(0), g.outH(), g.outW());
            Convolution2D.forward(x, w, b, conf, 1, ACTS[cfg[10]], y, tuned);
            assertClose("strided case " + checked + " (tile " + tileFloats + " floats)", c.get("y"), y, 1e-5);
            checked++;
        }
        if (checked < 3) throw new AssertionError("expected at least 3 strided cases, found " + checked);
    }

    /**
     * Stride-1 ungrouped convolutions with a short K (their kernel rows all unfolded, as VGG16's first
     * layer) take the same banded path when {@code bandedShortK} is on, and give the same results.
     */
    @ParameterizedTest
    @ValueSource(ints = {1 << 17, 100, 1})
    void shortKStrideOneMatchesTorch(int tileFloats) throws Exception {
        ConvConfig tuned = ConvConfig.DEFAULT.with("tileFloats:" + tileFloats + ",minTilesPerThread:0,bandedShortK:true,"
                + "enabled:false");
        int checked = 0;
        for (Map<String, Npz.Array> c : ConvReference.cases("conv_forward_backward.npz")) {
            int[] cfg = ConvReference.ints(c.get("cfg"));
            NDArray x = array(c.get("x")), w = array(c.get("w"));
            if (cfg[9] != 1 || cfg[2] != 1 || cfg[3] != 1 || cfg[0] == 1 || x.size(1) * cfg[1] >= tuned.shortK()) continue;
            NDArray b = cfg[11] == 1 ? array(c.get("b")) : null;
            Conv2DConfig conf = ConvReference.config(cfg);
            ConvGeometry g = conf.geometry(x.size(2), x.size(3));
            assertTrue(StridedConvolution.applies(tuned, g, 1, x.size(0), x.size(1), w.size(0)));
            assertTrue(!StridedConvolution.applies(tuned.with("bandedShortK:false"), g, 1, x.size(0), x.size(1), w.size(0)));
            NDArray y = NDArray.zeros(x.size(0), w.size(0), g.outH(), g.outW());
            Convolution2D.forward(x, w, b, conf, 1, ACTS[cfg[10]], y, tuned);
            assertClose("stride-1 short-K case " + checked + " (tile " + tileFloats + " floats)", c.get("y"), y, 1e-5);
            checked++;
        }
        if (checked < 3) throw new AssertionError("expected at least 3 stride-1 short-K cases, found " + checked);
    }
}
