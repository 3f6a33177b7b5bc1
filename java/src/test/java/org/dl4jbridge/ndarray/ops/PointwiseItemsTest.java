package org.dl4jbridge.ndarray.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.ndarray.Parallel;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The training forward over multi-image items equals the per-image convolution, with and without bias and activation. */
class PointwiseItemsTest {
    private static NDArray random(Random rnd, int... shape) {
        NDArray a = NDArray.zeros(shape);
        for (int i = 0; i < a.length(); i++) a.put(i, (float) rnd.nextGaussian());
        return a;
    }

    @Test
    void forwardMatchesThePerImageConvolution() {
        Assumptions.assumeTrue(Parallel.threads() >= 2, "the image split needs at least 2 engine threads (-Ddl4jbridge.threads)");
        Conv2DConfig cfg = new Conv2DConfig(1, 1, 1, 1, 0, 0, 1, 1, ConvolutionMode.Truncate);
        for (int n : new int[] {16, 9}) {
            for (boolean withBias : new boolean[] {false, true}) {
                for (FusedActivation act : new FusedActivation[] {FusedActivation.IDENTITY, FusedActivation.RELU6}) {
                    Random rnd = new Random(n * 7 + (withBias ? 1 : 0));
                    int cin = 24, cout = 40;
                    NDArray x = random(rnd, n, cin, 7, 7), w = random(rnd, cout, cin, 1, 1);
                    NDArray b = withBias ? random(rnd, cout) : null;
                    assertTrue(PointwiseItems.applies(x, w, cfg, ConvConfig.DEFAULT));
                    NDArray want = NDArray.zeros(n, cout, 7, 7), got = NDArray.zeros(n, cout, 7, 7);
                    got.assign(Float.NaN);   // every element must be written
                    Convolution2D.forward(x, w, b, cfg, 1, act, want);
                    PointwiseItems.forward(x, w, b, act, got);
                    float[] a = want.toFloatArray(), c = got.toFloatArray();
                    for (int i = 0; i < a.length; i++) {
                        assertEquals(a[i], c[i], 1e-5f * (1 + Math.abs(a[i])), "element " + i + ", n " + n + ", bias " + withBias + ", " + act);
                    }
                }
            }
        }
    }

    @Test
    void appliesOnlyToUngroupedPointwiseConvolutionsOfEnoughImages() {
        Assumptions.assumeTrue(Parallel.threads() >= 2, "the image split needs at least 2 engine threads");
        Random rnd = new Random(1);
        NDArray w = random(rnd, 8, 4, 1, 1);
        Conv2DConfig pointwise = new Conv2DConfig(1, 1, 1, 1, 0, 0, 1, 1, ConvolutionMode.Truncate);
        assertTrue(PointwiseItems.applies(NDArray.zeros(2 * Parallel.threads(), 4, 7, 7), w, pointwise, ConvConfig.DEFAULT));
        assertFalse(PointwiseItems.applies(NDArray.zeros(2 * Parallel.threads() - 1, 4, 7, 7), w, pointwise, ConvConfig.DEFAULT), "too few images");
        assertFalse(PointwiseItems.applies(NDArray.zeros(16, 4, 7, 7), w, new Conv2DConfig(1, 1, 2, 2, 0, 0, 1, 1, ConvolutionMode.Truncate), ConvConfig.DEFAULT), "strided");
        assertFalse(PointwiseItems.applies(NDArray.zeros(16, 4, 7, 7), random(rnd, 8, 4, 3, 3), Conv2DConfig.of(3, 1, ConvolutionMode.Same), ConvConfig.DEFAULT), "3x3");
    }
}
