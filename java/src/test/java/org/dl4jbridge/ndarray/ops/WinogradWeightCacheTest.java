package org.dl4jbridge.ndarray.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.dl4jbridge.ndarray.NDArray;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Cached Winograd weights: reused while the weights are unchanged, never once they change (the
 * im2col path, which caches nothing, is the reference), and a cached pass gives exactly the result
 * of an uncached one.
 */
class WinogradWeightCacheTest {
    private static final Conv2DConfig SAME3 = Conv2DConfig.of(3, 1, ConvolutionMode.Same);
    private static final WinogradConfig CACHED = WinogradConfig.DEFAULT.with("enabled:true,weightCacheFloats:"
            + WinogradConfig.DEFAULT_WEIGHT_CACHE_FLOATS);
    private static final WinogradConfig UNCACHED = CACHED.with("weightCacheFloats:0");
    private static final WinogradConfig IM2COL = CACHED.with("enabled:false");

    @BeforeEach
    void emptyCache() {
        WinogradWeightCache.clear();
    }

    private static NDArray random(long seed, int... shape) {
        Random r = new Random(seed);
        NDArray a = NDArray.zeros(shape);
        for (int i = 0; i < a.length(); i++) a.put(i, (float) r.nextGaussian());
        return a;
    }

    private static NDArray conv(NDArray x, NDArray w, NDArray b, WinogradConfig s) {
        NDArray y = NDArray.zeros(x.size(0), w.size(0), x.size(2), x.size(3));
        Convolution2D.forward(x, w, b, SAME3, 1, FusedActivation.IDENTITY, y, ConvConfig.DEFAULT.withWinograd(s));
        return y;
    }

    private static void assertClose(NDArray expected, NDArray actual, String what) {
        float[] e = expected.toFloatArray(), a = actual.toFloatArray();
        double scale = 0, worst = 0;
        for (float v : e) scale = Math.max(scale, Math.abs(v));
        for (int i = 0; i < e.length; i++) worst = Math.max(worst, Math.abs(e[i] - a[i]));
        assertTrue(worst <= 1e-5 * scale, what + ": max |difference| " + worst + " vs max |value| " + scale);
    }

    @Test
    void reusesTheTransformWhileTheWeightsAreUnchanged() {
        NDArray x = random(1, 2, 24, 10, 11), w = random(2, 20, 24, 3, 3), b = random(3, 20);
        long before = WinogradWeightCache.TRANSFORMS.get();
        NDArray first = conv(x, w, b, CACHED);
        NDArray second = conv(x, w, b, CACHED);
        assertEquals(1, WinogradWeightCache.TRANSFORMS.get() - before, "the second call must reuse the transform");
        assertArrayEquals(conv(x, w, b, UNCACHED).toFloatArray(), second.toFloatArray(), 0f, "cached vs uncached");
        assertArrayEquals(first.toFloatArray(), second.toFloatArray(), 0f);
        assertClose(conv(x, w, b, IM2COL), second, "cached Winograd vs im2col");
    }

    @Test
    void seesAnInPlaceChangeOfOneWeight() {
        NDArray x = random(4, 3, 16, 9, 9), w = random(5, 32, 16, 3, 3);
        NDArray before = conv(x, w, null, CACHED);
        w.put(w.length() / 2, w.get(w.length() / 2) + 3f); // one filter tap, written through the same buffer
        NDArray after = conv(x, w, null, CACHED);
        assertClose(conv(x, w, null, IM2COL), after, "after the change");
        assertTrue(java.util.Arrays.mismatch(before.toFloatArray(), after.toFloatArray()) >= 0,
                "the change must change the output, or this test proves nothing");
        // Changing the weights back finds the old values again: correct whether or not it is a hit.
        w.put(w.length() / 2, w.get(w.length() / 2) - 3f);
        assertClose(conv(x, w, null, IM2COL), conv(x, w, null, CACHED), "after the change back");
    }

    @Test
    void weightsInViewsOfOneBufferAreKeptApart() {
        // Two layers' weights side by side in one flat vector, as a network's parameters are.
        int len = 16 * 16 * 9;
        NDArray flat = random(6, 1, 2 * len);
        NDArray w1 = flat.flatView(0, 'c', 16, 16, 3, 3), w2 = flat.flatView(len, 'c', 16, 16, 3, 3);
        NDArray x = random(7, 2, 16, 8, 8);
        NDArray y1 = conv(x, w1, null, CACHED), y2 = conv(x, w2, null, CACHED);
        assertClose(conv(x, w1, null, IM2COL), y1, "first view");
        assertClose(conv(x, w2, null, IM2COL), y2, "second view");
        assertClose(conv(x, w1, null, IM2COL), conv(x, w1, null, CACHED), "first view again");
    }

    @Test
    void aBudgetTooSmallForTheLayerTransformsEveryCall() {
        NDArray x = random(8, 1, 16, 6, 6), w = random(9, 16, 16, 3, 3);
        WinogradConfig tiny = CACHED.with("weightCacheFloats:100");
        long before = WinogradWeightCache.TRANSFORMS.get();
        NDArray y = conv(x, w, null, tiny);
        conv(x, w, null, tiny);
        assertEquals(0, WinogradWeightCache.TRANSFORMS.get() - before, "nothing goes through the cache");
        assertClose(conv(x, w, null, IM2COL), y, "uncached");
    }
}
