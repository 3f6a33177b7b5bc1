package org.dl4jbridge.ndarray.ops;

import java.nio.FloatBuffer;
import java.util.random.RandomGenerator;
import org.dl4jbridge.ndarray.NDArray;

/**
 * DL4J's {@code Dropout(p)}: {@code p} is the probability of RETAINING an activation (DL4J_SPEC 3.7).
 * Training applies inverted dropout, {@code out = x ⊙ mask} with mask entries 0 (probability
 * 1 − p) or 1/p (probability p), so the expected activation is unchanged; at inference nothing is
 * applied (callers simply skip this op). DL4J's native RNG stream cannot be reproduced, so masks
 * come from the seeded generator the caller passes in (same seed, same mask).
 *
 * <ul>
 *   <li>{@link #forward(NDArray, double, RandomGenerator, NDArray, NDArray)}: fills {@code mask}
 *       (x's shape, contiguous) and writes {@code out = x ⊙ mask} (out may be x).</li>
 *   <li>{@link #backward(NDArray, NDArray, NDArray)}: {@code dx = dOut ⊙ mask} with the same mask
 *       (dx may be dOut).</li>
 * </ul>
 */
public final class Dropout {
    private Dropout() {}

    /** Draws a fresh mask into {@code mask} and writes {@code out = x ⊙ mask}; returns out. */
    public static NDArray forward(NDArray x, double retainProbability, RandomGenerator rng, NDArray mask, NDArray out) {
        fillMask(mask, retainProbability, rng);
        return apply(x, mask, out);
    }

    /** {@code dx = dOut ⊙ mask}; returns dx. */
    public static NDArray backward(NDArray dOut, NDArray mask, NDArray dx) {
        return apply(dOut, mask, dx);
    }

    /** {@code out = x ⊙ mask} for a mask drawn earlier; returns out. */
    public static NDArray apply(NDArray x, NDArray mask, NDArray out) {
        Chunked.sameShapeContiguous("mask", mask, "input", x);
        Chunked.zip(x, mask, out, Dropout::multiply);
        return out;
    }

    /** Fills {@code mask} with 0 or 1/p, each entry kept with probability p (sequential, so reproducible). */
    public static void fillMask(NDArray mask, double retainProbability, RandomGenerator rng) {
        if (!(retainProbability > 0 && retainProbability <= 1)) {
            throw new IllegalArgumentException("dropout p is the probability of RETAINING an activation and must be in (0, 1], got "
                    + retainProbability + " (DL4J: Dropout(0.8) keeps 80%)");
        }
        Chunked.requireContiguous("mask", mask);
        float keep = (float) (1.0 / retainProbability);
        FloatBuffer mb = mask.buffer();
        float[] chunk = new float[Math.min(mask.length(), Chunked.CHUNK)];
        for (int p = 0; p < mask.length(); p += chunk.length) {
            int n = Math.min(chunk.length, mask.length() - p);
            for (int j = 0; j < n; j++) chunk[j] = rng.nextDouble() < retainProbability ? keep : 0f;
            mb.put(mask.offset() + p, chunk, 0, n);
        }
    }

    private static void multiply(float[] x, float[] m, float[] y, int n) {
        for (int j = 0; j < n; j++) y[j] = x[j] * m[j];
    }
}
