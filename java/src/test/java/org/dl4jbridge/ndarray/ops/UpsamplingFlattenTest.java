package org.dl4jbridge.ndarray.ops;

import static org.junit.jupiter.api.Assertions.assertThrows;

import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.testutil.GradientCheck;
import org.junit.jupiter.api.Test;

class UpsamplingFlattenTest {
    private static final Ref REF = Ref.load("ops_upsampling_flatten.npz");

    @Test
    void upsamplingForwardAndBackwardMatchTorch() {
        for (String c : new String[] {"u1", "u2", "u3"}) {
            double[] size = REF.raw(c + "_size").data();
            int sh = (int) size[0], sw = (int) size[1];
            NDArray x = REF.nd(c + "_x");
            REF.assertClose(c + "_out", Upsampling2D.forward(x, sh, sw));
            NDArray dx = Upsampling2D.backward(REF.nd(c + "_g"), sh, sw, NDArray.zeros(x.shape()));
            REF.assertClose(c + "_dx", dx);
        }
    }

    @Test
    void upsamplingBackwardPassesFiniteDifferenceCheck() {
        NDArray x = REF.nd("u2_x");
        NDArray out = Upsampling2D.forward(x, 3, 2);
        float[] r = Ref.randomWeights(out.length(), 11);
        NDArray dx = Upsampling2D.backward(NDArray.of(r, out.shape()), 3, 2, NDArray.zeros(x.shape()));
        GradientCheck.check(x, dx, v -> GradientCheck.weightedSum(Upsampling2D.forward(v, 3, 2, out), r),
                GradientCheck.Tolerance.FLOAT32);
    }

    @Test
    void flattenMatchesTorchInBothChannelOrdersAndInverts() {
        NDArray x = REF.nd("flat_x");
        NDArray ff = Flatten.cnnToFeedForward(x);
        REF.assertClose("flat_nchw", ff);
        REF.assertClose("flat_x", Flatten.feedForwardToCnn(REF.nd("flat_nchw"), 3, 4, 5));
        NDArray tf = Flatten.cnnToFeedForwardChannelsLast(x, NDArray.zeros(2, 60));
        REF.assertClose("flat_nhwc", tf);
        REF.assertClose("flat_x", Flatten.feedForwardToCnnChannelsLast(REF.nd("flat_nhwc"), 3, 4, 5, NDArray.zeros(2, 3, 4, 5)));
    }

    @Test
    void rejectsBadShapes() {
        assertThrows(IllegalArgumentException.class, () -> Upsampling2D.forward(NDArray.zeros(2, 3, 4), 2, 2));
        assertThrows(IllegalArgumentException.class, () -> Upsampling2D.forward(NDArray.zeros(1, 1, 2, 2), 0, 2));
        assertThrows(IllegalArgumentException.class, () -> Flatten.feedForwardToCnn(NDArray.zeros(2, 59), 3, 4, 5));
    }
}
