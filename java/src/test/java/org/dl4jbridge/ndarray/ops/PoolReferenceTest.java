package org.dl4jbridge.ndarray.ops;

import static org.dl4jbridge.ndarray.ops.ConvReference.array;
import static org.dl4jbridge.ndarray.ops.ConvReference.assertClose;

import java.util.List;
import java.util.Map;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.testutil.Npz;
import org.junit.jupiter.api.Test;

/** Pooling forward and backward against float64 PyTorch (tests/reference/make_conv_reference.py). */
class PoolReferenceTest {

    @Test
    void poolingMatchesTorch() throws Exception {
        List<Map<String, Npz.Array>> cases = ConvReference.cases("conv_pooling.npz");
        for (int i = 0; i < cases.size(); i++) {
            Map<String, Npz.Array> c = cases.get(i);
            int[] cfg = ConvReference.ints(c.get("cfg"));
            Conv2DConfig conf = ConvReference.config(cfg);
            PoolingType type = cfg[9] == 0 ? PoolingType.MAX : PoolingType.AVG;
            boolean includePad = cfg[10] == 1;
            NDArray x = array(c.get("x"));
            assertClose("pool case " + i + " forward", c.get("y"), Pooling2D.forward(x, conf, type, includePad), 1e-5);
            NDArray gx = NDArray.zeros(x.shape());
            Pooling2D.backward(x, array(c.get("gy")), conf, type, includePad, gx);
            assertClose("pool case " + i + " backward", c.get("gx"), gx, 1e-5);
        }
    }

    @Test
    void globalPoolingMatchesTorch() throws Exception {
        List<Map<String, Npz.Array>> cases = ConvReference.cases("conv_global_pooling.npz");
        for (int i = 0; i < cases.size(); i++) {
            Map<String, Npz.Array> c = cases.get(i);
            PoolingType type = ConvReference.ints(c.get("cfg"))[0] == 0 ? PoolingType.MAX : PoolingType.AVG;
            NDArray x = array(c.get("x"));
            assertClose("global case " + i + " forward", c.get("y"), GlobalPooling.forward(x, type), 1e-5);
            NDArray gx = NDArray.zeros(x.shape());
            GlobalPooling.backward(x, array(c.get("gy")), type, gx);
            assertClose("global case " + i + " backward", c.get("gx"), gx, 1e-5);
        }
    }
}
