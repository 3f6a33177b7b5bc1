package org.dl4jbridge.ndarray.ops;

import static org.dl4jbridge.ndarray.ops.ConvReference.array;
import static org.dl4jbridge.ndarray.ops.ConvReference.assertClose;

import java.util.List;
import java.util.Map;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.testutil.Npz;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Depthwise forward against float64 PyTorch (tests/reference/make_depthwise_reference.py), with the
 * stacking and row-block sizes varied so one image per stack, many images per stack, one grid row
 * per block and blocks that end mid-image all run, with the fused multiply-add kernels and the plain ones.
 */
class DepthwiseForwardTest {
    private static final FusedActivation[] ACTS = FusedActivation.values();
    private final boolean defaultFused = DepthwiseTaps.fused;

    @AfterEach
    void restoreTuning() {
        DepthwiseTaps.fused = defaultFused;
    }

    @ParameterizedTest
    @CsvSource({"2048,16384,true", "1,16384,true", "40,1,true", "2048,1,true", "13,300,true", "2048,16384,false",
                "40,300,false"})
    void forwardMatchesTorch(int blockFloats, int stackFloats, boolean fusedMultiplyAdd) throws Exception {
        ConvConfig conf = ConvConfig.DEFAULT.with("depthwiseBlockFloats:" + blockFloats + ",depthwiseStackFloats:" + stackFloats);
        DepthwiseTaps.fused = fusedMultiplyAdd;
        List<Map<String, Npz.Array>> cases = ConvReference.cases("depthwise_forward.npz");
        for (int i = 0; i < cases.size(); i++) {
            Map<String, Npz.Array> c = cases.get(i);
            int[] cfg = ConvReference.ints(c.get("cfg"));
            NDArray x = array(c.get("x")), w = array(c.get("w"));
            NDArray b = cfg[11] == 1 ? array(c.get("b")) : null;
            int m = w.size(0) / x.size(1);
            String what = "case " + i + " (block " + blockFloats + ", stack " + stackFloats + ", fma " + fusedMultiplyAdd + ")";
            ConvGeometry g = ConvReference.config(cfg).geometry(x.size(2), x.size(3));
            NDArray y = NDArray.zeros(x.size(0), w.size(0), g.outH(), g.outW());
            DepthwiseConvolution2D.forward(x, w, DepthwiseConvolution2D.Layout.TORCH, m, b, ConvReference.config(cfg),
                    ACTS[cfg[10]], y, conf);
            assertClose(what, c.get("y"), y, 1e-5);
            NDArray grouped = NDArray.zeros(x.size(0), w.size(0), g.outH(), g.outW());
            Convolution2D.forward(x, w, b, ConvReference.config(cfg), cfg[9], ACTS[cfg[10]], grouped, conf);
            assertClose(what + " through Convolution2D", c.get("y"), grouped, 1e-5);
        }
    }
}
