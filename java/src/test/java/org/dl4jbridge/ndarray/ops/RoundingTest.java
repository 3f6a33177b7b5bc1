package org.dl4jbridge.ndarray.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.dl4jbridge.ndarray.NDArray;
import org.junit.jupiter.api.BeforeAll;
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

    @BeforeAll
    static void loadTheCLibrary() {
        Rounding.Libm.load(); // this JVM runs ACCURATE; the DL4J helpers below call the C library directly
    }

    @Test
    void theEngineRunsAccurateUnlessAsked() {
        assumeTrue(System.getProperty("dl4jbridge.rounding") == null && System.getenv("DL4J_BRIDGE_ROUNDING") == null,
                "a rounding is set for this JVM (dl4jbridge.rounding / DL4J_BRIDGE_ROUNDING)");
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

    /**
     * DL4J 1.0.0-M2.1's own tanh bits for these inputs, recorded from {@code Transforms.tanh} in compat/ (where
     * RoundingRulesTest checks 200,000 inputs against DL4J itself): near 0 it is far from tanh, 1e-5 gives
     * 1.001368e-5 (0.14 % off), which is why it is not the default.
     */
    @Test
    void dl4jTanhGivesDl4jsRecordedBits() {
        float[] x = {-3f, -0.5f, -1e-3f, -1e-5f, 0f, 1e-5f, 1e-3f, 0.1234f, 0.5f, 3f, 20f};
        int[] dl4jBits = {0xbf7ebbe9, 0xbeec9a9f, 0xba831285, 0xb728006e, 0x00000000, 0x3728006e, 0x3a831285, 0x3dfb72b9,
            0x3eec9a9f, 0x3f7ebbe9, 0x3f800000};
        float[] y = new float[x.length];
        Rounding.dl4jTanh(x, y, x.length);
        for (int i = 0; i < x.length; i++) {
            assertEquals(Integer.toHexString(dl4jBits[i]), Integer.toHexString(Float.floatToRawIntBits(y[i])), "x=" + x[i]);
        }
        assertTrue(Math.abs(y[5] - 1e-5f) > 1e-8f, "DL4J's tanh(1e-5) is 1.001368e-5, not tanh's 1e-5");
    }
}
