package org.dl4jbridge.ndarray.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.testutil.GradientCheck;
import org.junit.jupiter.api.Test;

class DropoutTest {
    @Test
    void maskHoldsZeroOrInverseRetainProbabilityWithTheRightFrequency() {
        int n = 200_000;
        double p = 0.8;
        NDArray x = NDArray.zeros(n).assign(2f);
        NDArray mask = NDArray.zeros(n), out = NDArray.zeros(n);
        Dropout.forward(x, p, new SplittableRandom(42), mask, out);
        float keep = (float) (1 / p);
        int kept = 0;
        double mean = 0;
        for (int i = 0; i < n; i++) {
            float m = mask.get(i);
            assertTrue(m == 0f || m == keep, "mask value " + m);
            if (m != 0f) kept++;
            assertEquals(2f * m, out.get(i));
            mean += out.get(i);
        }
        // retained fraction p within 5 standard deviations of a binomial(n, p)
        double sd = Math.sqrt(n * p * (1 - p));
        assertTrue(Math.abs(kept - n * p) < 5 * sd, "kept " + kept + " of " + n);
        assertEquals(2.0, mean / n, 0.02, "inverted scaling keeps the expected activation");
    }

    @Test
    void sameSeedSameMaskAndPOneKeepsEverything() {
        NDArray m1 = NDArray.zeros(3, 7), m2 = NDArray.zeros(3, 7);
        Dropout.fillMask(m1, 0.5, new SplittableRandom(7));
        Dropout.fillMask(m2, 0.5, new SplittableRandom(7));
        assertArrayEquals(m1.toFloatArray(), m2.toFloatArray());
        Dropout.fillMask(m1, 1.0, new SplittableRandom(7));
        for (float v : m1.toFloatArray()) assertEquals(1f, v);
    }

    @Test
    void backwardUsesTheForwardMaskAndPassesGradientCheck() {
        NDArray x = NDArray.of(Ref.randomWeights(35, 1), 5, 7);
        NDArray mask = NDArray.zeros(5, 7);
        Dropout.fillMask(mask, 0.6, new SplittableRandom(3));
        float[] r = Ref.randomWeights(35, 2);
        NDArray dx = Dropout.backward(NDArray.of(r, 5, 7), mask, NDArray.zeros(5, 7));
        NDArray out = NDArray.zeros(5, 7);
        GradientCheck.check(x, dx, v -> GradientCheck.weightedSum(Dropout.apply(v, mask, out), r), GradientCheck.Tolerance.FLOAT32);
    }

    @Test
    void rejectsADropProbabilityOutsideZeroOne() {
        NDArray m = NDArray.zeros(4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Dropout.fillMask(m, 0, new SplittableRandom(1)));
        assertTrue(e.getMessage().contains("RETAINING"));
        assertThrows(IllegalArgumentException.class, () -> Dropout.fillMask(m, 1.5, new SplittableRandom(1)));
    }
}
