package org.dl4jbridge.ndarray.ops;

import static org.junit.jupiter.api.Assertions.assertThrows;

import org.dl4jbridge.ndarray.NDArray;
import org.junit.jupiter.api.Test;

class BiasTest {
    private static final Ref REF = Ref.load("ops_bias.npz");

    @Test
    void rowVectorAddAndGradientMatchTorch() {
        REF.assertClose("out2", Bias.addRowVector(REF.nd("x2"), REF.nd("b2")));
        // bias as DL4J's [1,n] view inside a parameter vector
        NDArray params = NDArray.zeros(20);
        NDArray b = params.flatView(7, 'c', 1, 11).assign(REF.nd("b2").reshape(1, 11));
        REF.assertClose("out2", Bias.addRowVector(REF.nd("x2"), b));
        REF.assertClose("out1", Bias.addRowVector(REF.nd("x1"), REF.nd("b1")));
        NDArray grads = NDArray.zeros(30);
        NDArray db = grads.flatView(2, 'c', 1, 11);
        REF.assertClose("db2", Bias.rowVectorGradient(REF.nd("dz2"), db));
        REF.assertClose("db1", Bias.rowVectorGradient(REF.nd("x1"), NDArray.zeros(3)));
    }

    @Test
    void perChannelAddAndGradientMatchTorch() {
        REF.assertClose("out4", Bias.addPerChannel(REF.nd("x4"), REF.nd("b4")));
        REF.assertClose("db4", Bias.perChannelGradient(REF.nd("dz4"), NDArray.zeros(4)));
    }

    @Test
    void rejectsWrongBiasLength() {
        assertThrows(IllegalArgumentException.class, () -> Bias.addRowVector(NDArray.zeros(2, 3), NDArray.zeros(4)));
        assertThrows(IllegalArgumentException.class, () -> Bias.addPerChannel(NDArray.zeros(1, 2, 3, 3), NDArray.zeros(3)));
    }
}
