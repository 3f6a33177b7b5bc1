package org.dl4jbridge.ndarray.ops;

import static org.junit.jupiter.api.Assertions.assertThrows;

import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.testutil.GradientCheck;
import org.junit.jupiter.api.Test;

class ActivationTest {
    private static final Ref REF = Ref.load("ops_activations.npz");
    private static final String[] SHAPES = {"s", "b1"};

    private static double alphaOf(String refName) { return refName.equals("LEAKYRELU_0.2") ? 0.2 : 0.01; }

    private static Activation kindOf(String refName) { return Activation.valueOf(refName.split("_")[0]); }

    private static final String[] NAMES = {"IDENTITY", "RELU", "RELU6", "LEAKYRELU", "LEAKYRELU_0.2", "TANH", "SIGMOID", "SOFTMAX"};

    @Test
    void forwardMatchesTorchOutOfPlaceAndInPlace() {
        for (String s : SHAPES) {
            for (String name : NAMES) {
                Activation act = kindOf(name);
                NDArray z = REF.nd(s + "_z");
                REF.assertClose(s + "_" + name + "_a", act.forward(z, NDArray.zeros(z.shape()), alphaOf(name)));
                REF.assertClose(s + "_" + name + "_a", act.forward(z, z, alphaOf(name)));
            }
        }
    }

    @Test
    void backwardMatchesTorchAutograd() {
        for (String s : SHAPES) {
            for (String name : NAMES) {
                Activation act = kindOf(name);
                double alpha = alphaOf(name);
                NDArray z = REF.nd(s + "_z"), g = REF.nd(s + "_g");
                NDArray a = act.forward(z, NDArray.zeros(z.shape()), alpha);
                REF.assertClose(s + "_" + name + "_dz", act.backward(a, g, NDArray.zeros(z.shape()), alpha));
                REF.assertClose(s + "_" + name + "_dz", act.backwardFromInput(z, g, NDArray.zeros(z.shape()), alpha));
                // fully in place: the layer's activation buffer receives dL/dz
                NDArray g2 = g.dup();
                REF.assertClose(s + "_" + name + "_dz", act.backward(a, g2, g2, alpha));
            }
        }
    }

    @Test
    void backwardPassesFiniteDifferenceCheck() {
        for (String name : NAMES) {
            Activation act = kindOf(name);
            double alpha = alphaOf(name);
            NDArray z = REF.nd("s_z");
            float[] r = Ref.randomWeights(z.length(), 7);
            NDArray a = act.forward(z, NDArray.zeros(z.shape()), alpha);
            NDArray dz = act.backward(a, NDArray.of(r, z.shape()), NDArray.zeros(z.shape()), alpha);
            NDArray scratch = NDArray.zeros(z.shape());
            GradientCheck.check(z, dz, x -> GradientCheck.weightedSum(act.forward(x, scratch, alpha), r),
                    GradientCheck.Tolerance.FLOAT32);
        }
    }

    @Test
    void largeArraysTakeTheParallelPathWithTheSameResults() {
        int n = Chunked.PARALLEL_MIN * 3 + 17;
        float[] v = Ref.randomWeights(n, 3);
        NDArray z = NDArray.of(v, n);
        NDArray a = Activation.SIGMOID.forward(z);
        NDArray dz = Activation.SIGMOID.backward(a, z, NDArray.zeros(n));
        double[] expA = new double[n], expDz = new double[n];
        for (int i = 0; i < n; i++) {
            expA[i] = 1 / (1 + Math.exp(-(double) v[i]));
            expDz[i] = v[i] * expA[i] * (1 - expA[i]);
        }
        Ref.assertClose("sigmoid (parallel)", expA, a.toFloatArray());
        Ref.assertClose("sigmoid backward (parallel)", expDz, dz.toFloatArray());
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> Activation.RELU.forward(NDArray.zeros(2, 3), NDArray.zeros(3, 2)));
        assertThrows(IllegalArgumentException.class, () -> Activation.SOFTMAX.forward(NDArray.zeros(2, 3, 4)));
        assertThrows(IllegalArgumentException.class,
                () -> Activation.LEAKYRELU.forward(NDArray.zeros(2), NDArray.zeros(2), -0.5));
        NDArray w = NDArray.zeros(4, 4);
        assertThrows(IllegalArgumentException.class, () -> Activation.TANH.forward(w.transpose(), NDArray.zeros(4, 4)));
    }
}
