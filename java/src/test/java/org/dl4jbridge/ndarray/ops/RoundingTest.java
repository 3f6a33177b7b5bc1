package org.dl4jbridge.ndarray.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.dl4jbridge.ndarray.NDArray;
import org.junit.jupiter.api.Test;

/**
 * The rounding modes' own rules. That DL4J mode reproduces DL4J bit for bit is shown against DL4J
 * itself in compat/ (SameBitsTest); here: the setting's parsing, and that each mode sums in the order
 * it names (inputs whose float sum depends on the order).
 */
class RoundingTest {
    @Test
    void parsesBothModesAndRefusesOthersNamingThem() {
        assertEquals(Rounding.ACCURATE, Rounding.parse(null));
        assertEquals(Rounding.ACCURATE, Rounding.parse(" "));
        assertEquals(Rounding.ACCURATE, Rounding.parse("Accurate"));
        assertEquals(Rounding.DL4J, Rounding.parse(" dl4j "));
        var e = assertThrows(IllegalArgumentException.class, () -> Rounding.parse("exact"));
        assertTrue(e.getMessage().contains("'accurate'") && e.getMessage().contains("'dl4j'") && e.getMessage().contains("DL4J_BRIDGE_ROUNDING"),
                e.getMessage());
    }

    @Test
    void theEngineRunsAccurateUnlessAsked() {
        // The engine's own test JVM sets nothing: the default mode.
        assertEquals(Rounding.ACCURATE, Rounding.current());
    }

    @Test
    void denseBiasGradientSumsInDoubleOrInFloatInMinibatchOrder() {
        // 1e8 + 1 is 1e8 in float: DL4J's running float sum loses the 1, a double sum keeps it.
        NDArray dz = NDArray.of(new float[] {1e8f, 2f, 1f, 3f, -1e8f, 4f}, 3, 2);
        float[] accurate = Bias.rowVectorGradient(dz, NDArray.zeros(2), Rounding.ACCURATE).toFloatArray();
        float[] dl4j = Bias.rowVectorGradient(dz, NDArray.zeros(2), Rounding.DL4J).toFloatArray();
        assertEquals(1f, accurate[0]);
        assertEquals(0f, dl4j[0]);
        assertEquals(9f, accurate[1]);
        assertEquals(9f, dl4j[1]);
    }

    @Test
    void convolutionBiasGradientSumsInDoubleOrInFloatOverImagesThenPositions() {
        // Two images, two channels, 1x2 planes; channel 0 reads 1e8, 1 | -1e8, 0 in DL4J's order.
        NDArray dz = NDArray.of(new float[] {1e8f, 1f, 5f, 6f, -1e8f, 0f, 7f, 8f}, 2, 2, 1, 2);
        float[] accurate = Bias.perChannelGradient(dz, NDArray.zeros(2), Rounding.ACCURATE).toFloatArray();
        float[] dl4j = Bias.perChannelGradient(dz, NDArray.zeros(2), Rounding.DL4J).toFloatArray();
        assertEquals(1f, accurate[0]);
        assertEquals(0f, dl4j[0]);
        assertEquals(26f, accurate[1]);
        assertEquals(26f, dl4j[1]);
    }

    @Test
    void dl4jSoftmaxDividesByAFloatSumInIndexOrder() {
        // exp(0) = 1 and four terms exp(-17) = 4.1e-8, each below half an ulp of 1: a float running sum
        // stays exactly 1 (DL4J), a double sum does not (the engine's default).
        int n = 5;
        float[] x = {0f, -17f, -17f, -17f, -17f};
        float[] y = new float[n];
        Rounding.dl4jSoftmaxRow(x, y, n);
        assertEquals(1f, y[0]);
        assertEquals(Rounding.Libm.expf(-17f), y[1]);
        float[] accurate = Softmax.forward(NDArray.of(x, 1, n), NDArray.zeros(1, n)).toFloatArray();
        assertTrue(accurate[0] < 1f, "ACCURATE keeps the small terms in the normaliser: " + accurate[0]);
    }

    @Test
    void dl4jTanhIsTheExpFormWithItsSignAndStaysNearTanh() {
        float[] x = {-3f, -0.5f, -1e-3f, 0f, 1e-3f, 0.5f, 3f, 20f};
        float[] y = new float[x.length];
        Rounding.dl4jTanh(x, y, x.length);
        for (int i = 0; i < x.length; i++) {
            float p = Rounding.Libm.powf((float) Math.E, -2f * Math.abs(x[i]));
            float r = (1f - p) / (1f + p);
            assertEquals(x[i] < 0 ? -r : r, y[i], "x=" + x[i]);
            // not correctly rounded near 0 (cancellation in 1 - p), but close where activations live
            double tol = Math.abs(x[i]) < 0.01 ? 1e-3 * Math.abs(x[i]) : 1e-6;
            assertEquals(Math.tanh(x[i]), y[i], tol, "x=" + x[i]);
        }
        assertEquals(1f, y[x.length - 1]);
    }
}
