package org.dl4jbridge.testutil;

import java.util.Arrays;
import org.dl4jbridge.ndarray.NDArray;

/**
 * Finite-difference gradient check in the style of DL4J's GradientCheckUtil: for every element
 * {@code x_i} of an input, the central difference {@code (L(x + h e_i) − L(x − h e_i)) / (2h)} of a
 * scalar loss is compared with the analytic {@code dL/dx_i}.
 *
 * <p>Usage: build a scalar loss of the op's output, typically {@code L = Σ_k r_k · out_k} with fixed
 * random weights r (then the analytic gradient is the op's backward applied to {@code dL/dout = r}),
 * and call {@code GradientCheck.check(x, analytic, x -> loss(x), Tolerance.FLOAT32)}. The loss
 * function is called with {@code x} itself, one element perturbed; it must recompute the forward
 * from {@code x} every time. {@code x} is restored exactly afterwards.
 *
 * <p>Pass rule per element (DL4J's): relative error {@code |a − n| / (|a| + |n|)} ≤ maxRelError,
 * or absolute error {@code |a − n|} ≤ absFloor (tiny gradients whose difference is rounding noise).
 *
 * <p>Why {@link Tolerance#FLOAT32} is h = 1e-2, maxRel = 1e-2, absFloor = 1e-4: the engine computes in
 * float32 (unit roundoff u ≈ 6e-8). The loss is accumulated in double, so its rounding noise is
 * about u·Σ|r_k·out_k| ≈ 1e-6 for the O(10)-sized losses of the tests; divided by 2h this is 5e-5,
 * below the absolute floor. Truncation error of the central difference is h²/6·|L'''| ≈ 2e-5·|L'''|,
 * i.e. relative errors of order 1e-4 for smooth ops, 100× inside maxRel. Kinks (ReLU at 0, max
 * pooling ties) must be kept further than h from the inputs, which the tests ensure. The perturbed
 * values are rounded to float, so the actual step {@code x⁺ − x⁻} (not 2h) is used as denominator.
 */
public final class GradientCheck {
    /** A scalar loss recomputed from the (perturbed) input. */
    @FunctionalInterface
    public interface ScalarFunction { double apply(NDArray x); }

    /** Step and pass thresholds. */
    public record Tolerance(double step, double maxRelError, double absFloor) {
        /** For float32 ops; see the class comment for the justification. */
        public static final Tolerance FLOAT32 = new Tolerance(1e-2, 1e-2, 1e-4);
    }

    /** What a check found; {@link #check} throws when it fails, so tests usually ignore it. */
    public record Result(int checked, double maxRelError, double maxAbsError, int worstIndex) {}

    private GradientCheck() {}

    /**
     * Checks {@code analytic} (same number of elements as {@code x}, compared in flat c-order)
     * against central differences of {@code loss} around {@code x}. Throws AssertionError naming the
     * first failing elements.
     */
    public static Result check(NDArray x, NDArray analytic, ScalarFunction loss, Tolerance tol) {
        if (analytic.length() != x.length()) {
            throw new IllegalArgumentException("analytic gradient has " + analytic.length() + " elements, input has "
                    + x.length() + " (shape " + Arrays.toString(x.shape()) + ")");
        }
        float[] grad = analytic.toFloatArray();
        double worstRel = 0, worstAbs = 0;
        int worst = -1, failures = 0;
        StringBuilder report = new StringBuilder();
        for (int i = 0; i < x.length(); i++) {
            float orig = x.get(i);
            float plus = (float) (orig + tol.step()), minus = (float) (orig - tol.step());
            x.put(i, plus);
            double lp = loss.apply(x);
            x.put(i, minus);
            double lm = loss.apply(x);
            x.put(i, orig);
            double numeric = (lp - lm) / ((double) plus - (double) minus);
            double a = grad[i];
            double abs = Math.abs(a - numeric);
            double rel = abs == 0 ? 0 : abs / (Math.abs(a) + Math.abs(numeric));
            boolean ok = rel <= tol.maxRelError() || abs <= tol.absFloor();
            if (ok && rel > worstRel && abs > tol.absFloor()) { worstRel = rel; worst = i; }
            worstAbs = Math.max(worstAbs, abs);
            if (!ok) {
                if (failures < 10) {
                    report.append(String.format("%n  element %d: analytic %.8g, numeric %.8g, rel %.3g, abs %.3g",
                            i, a, numeric, rel, abs));
                }
                if (rel > worstRel) { worstRel = rel; worst = i; }
                failures++;
            }
        }
        if (failures > 0) {
            throw new AssertionError("gradient check failed for " + failures + " of " + x.length() + " elements (step "
                    + tol.step() + ", maxRel " + tol.maxRelError() + ", absFloor " + tol.absFloor() + "):" + report);
        }
        return new Result(x.length(), worstRel, worstAbs, worst);
    }

    /** {@code Σ_k r_k · out_k} in double: the usual scalar loss for checking an op's backward. */
    public static double weightedSum(NDArray out, float[] r) {
        if (r.length != out.length()) {
            throw new IllegalArgumentException("weights have " + r.length + " elements, output has " + out.length());
        }
        double s = 0;
        for (int k = 0; k < r.length; k++) s += (double) r[k] * out.get(k);
        return s;
    }
}
