package org.dl4jbridge.ndarray.ops;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.testutil.GradientCheck;
import org.junit.jupiter.api.Test;

/** The checker itself must be able to fail, or every gradient test built on it proves nothing. */
class GradientCheckTest {
    @Test
    void acceptsTheTrueGradientAndRestoresInput() {
        NDArray x = NDArray.of(new float[] {0.5f, -1.25f, 2f}, 3);
        NDArray grad = NDArray.of(new float[] {3 * 0.25f, 3 * 1.5625f, 3 * 4f}, 3); // d/dx Σ x³
        GradientCheck.Result r = GradientCheck.check(x, grad, v -> cubeSum(v), GradientCheck.Tolerance.FLOAT32);
        assertTrue(r.maxRelError() < 1e-3, "rel " + r.maxRelError());
        assertTrue(x.get(1) == -1.25f);
    }

    @Test
    void rejectsAGradientOffByFivePercent() {
        NDArray x = NDArray.of(new float[] {0.5f, -1.25f, 2f}, 3);
        NDArray grad = NDArray.of(new float[] {3 * 0.25f, 3 * 1.5625f * 1.05f, 3 * 4f}, 3);
        AssertionError e = assertThrows(AssertionError.class,
                () -> GradientCheck.check(x, grad, v -> cubeSum(v), GradientCheck.Tolerance.FLOAT32));
        assertTrue(e.getMessage().contains("element 1"), e.getMessage());
    }

    private static double cubeSum(NDArray v) {
        double s = 0;
        for (int i = 0; i < v.length(); i++) s += Math.pow(v.get(i), 3);
        return s;
    }
}
