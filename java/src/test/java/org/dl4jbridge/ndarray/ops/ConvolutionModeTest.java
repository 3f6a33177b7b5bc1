package org.dl4jbridge.ndarray.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** DL4J's output-size and padding rules, on hand-countable sizes. */
class ConvolutionModeTest {

    @Test
    void samePutsTheExtraPaddingBottomRight() {
        // 224 input, 3x3 stride 2: ceil(224/2) = 112, total pad (111*2 + 3 - 224) = 1 -> 0 before, 1 after.
        assertEquals(new ConvolutionMode.Dim(112, 0, 1), ConvolutionMode.Same.dim("height", 224, 3, 2, 0, 1));
        // 5x5 stride 2 on 56: out 28, total 3 -> 1 before, 2 after (EFFNET_LITE0 block 3).
        assertEquals(new ConvolutionMode.Dim(28, 1, 2), ConvolutionMode.Same.dim("height", 56, 5, 2, 0, 1));
        // Same ignores the configured padding.
        assertEquals(new ConvolutionMode.Dim(7, 1, 1), ConvolutionMode.Same.dim("width", 7, 3, 1, 5, 1));
    }

    @Test
    void truncateDropsAndStrictRefuses() {
        assertEquals(new ConvolutionMode.Dim(3, 0, 0), ConvolutionMode.Truncate.dim("height", 7, 2, 2, 0, 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConvolutionMode.Strict.dim("height", 7, 2, 2, 0, 1));
        assertTrue(e.getMessage().contains("not divisible by stride 2"), e.getMessage());
        assertEquals(new ConvolutionMode.Dim(3, 0, 0), ConvolutionMode.Strict.dim("height", 6, 2, 2, 0, 1));
        // Dilation 2 makes a 3-kernel span 5.
        assertEquals(new ConvolutionMode.Dim(3, 0, 0), ConvolutionMode.Truncate.dim("width", 7, 3, 1, 0, 2));
    }

    @Test
    void causalPadsEverythingBefore() {
        assertEquals(new ConvolutionMode.Dim(10, 4, 0), ConvolutionMode.Causal.dim("length", 10, 3, 1, 0, 2));
        assertThrows(IllegalArgumentException.class, () -> Conv2DConfig.of(3, 1, ConvolutionMode.Causal));
    }

    @Test
    void badSizesAreRejectedWithTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConvolutionMode.Truncate.dim("height", 2, 5, 1, 0, 1));
        assertTrue(e.getMessage().contains("does not fit input height 2"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ConvolutionMode.Same.dim("height", 4, 3, 0, 0, 1));
    }
}
