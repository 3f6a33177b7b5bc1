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
 * 1x1 convolutions through {@link PointwiseConvolution} against float64 PyTorch
 * (tests/reference/make_pointwise_reference.py), with tile sizes that give whole-image tiles,
 * several tiles per image, and a short last tile.
 */
class PointwiseConvolutionTest {
    private static final FusedActivation[] ACTS = FusedActivation.values();

    @ParameterizedTest
    @ValueSource(ints = {1 << 17, 64, 50, 1})
    void forwardMatchesTorch(int tileFloats) throws Exception {
        ConvConfig tuned = ConvConfig.DEFAULT.with("tileFloats:" + tileFloats + ",minTilesPerThread:0");
        List<Map<String, Npz.Array>> cases = ConvReference.cases("pointwise_forward.npz");
        for (int i = 0; i < cases.size(); i++) {
            Map<String, Npz.Array> c = cases.get(i);
            int[] cfg = ConvReference.ints(c.get("cfg"));
            NDArray x = array(c.get("x")), w = array(c.get("w"));
            NDArray b = cfg[11] == 1 ? array(c.get("b")) : null;
            Conv2DConfig conf = ConvReference.config(cfg);
            assertTrue(PointwiseConvolution.applies(tuned, conf.geometry(x.size(2), x.size(3)), 1, x.size(0), w.size(0)),
                    "case " + i + " must take the tiled path");
            ConvGeometry g = conf.geometry(x.size(2), x.size(3));
            NDArray y = NDArray.zeros(x.size(0), w.size(0), g.outH(), g.outW());
            Convolution2D.forward(x, w, b, conf, 1, ACTS[cfg[10]], y, tuned);
            assertClose("case " + i + " (tile " + tileFloats + " floats)", c.get("y"), y, 1e-5);
        }
    }
}
