package org.dl4jbridge.ndarray.ops;

import static org.dl4jbridge.ndarray.ops.ConvReference.array;
import static org.dl4jbridge.ndarray.ops.ConvReference.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.testutil.Npz;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The Winograd paths, F(2x2, 3x3), F(3x3, 3x3) and F(4x4, 3x3), against float64 PyTorch (conv_winograd.npz
 * from tests/reference/make_conv_reference.py): odd sizes with partial tiles, explicit and Same
 * padding, batch 1 and 3, with every block size from one tile row to the whole batch, in both
 * the per-thread and the shared block schemes.
 */
class WinogradTest {
    private static final FusedActivation[] ACTS = FusedActivation.values();
    /** The built-in defaults, whatever -D options the test JVM got. */
    private static final WinogradConfig DEFAULTS = new WinogradConfig(true, null, 16, 8 << 20, true, 128, 512 << 10,
            WinogradConfig.DEFAULT_WEIGHT_CACHE_FLOATS);

    /**
     * Budget 1 makes every tile row its own block; 5000 splits images between blocks. Per-thread
     * max 0 sends every layer through shared blocks, 100000 through per-thread blocks; shared
     * blocks run their GEMMs one per thread, or each on all BLAS threads.
     */
    @ParameterizedTest
    @CsvSource({"F2,8388608,0,true", "F2,8388608,0,false", "F2,5000,100000,true", "F2,1,0,true", "F2,1,100000,true",
                "F3,8388608,0,true", "F3,8388608,0,false", "F3,5000,100000,true", "F3,1,0,true", "F3,1,100000,true",
                "F4,8388608,0,true", "F4,8388608,0,false", "F4,5000,100000,true", "F4,1,0,true", "F4,1,100000,true"})
    void forwardMatchesTorch(Winograd.Tile tile, int budget, int perThreadMax, boolean gemmPerThread) throws Exception {
        // The cache is off: these cases check the transforms themselves (WinogradWeightCacheTest checks the cache).
        // Small budgets come with no minimum block width, so that per-thread blocks split as the budget says
        // (budget 100000: the minimum widens the blocks).
        WinogradConfig s = new WinogradConfig(true, tile, 16, budget, gemmPerThread, perThreadMax, budget, 0)
                .with(budget <= 50000 ? "perThreadMinTiles:0" : "");
        List<Map<String, Npz.Array>> cases = ConvReference.cases("conv_winograd.npz");
        for (int i = 0; i < cases.size(); i++) {
            Map<String, Npz.Array> c = cases.get(i);
            int[] cfg = ConvReference.ints(c.get("cfg"));
            NDArray x = array(c.get("x")), w = array(c.get("w"));
            Conv2DConfig conf = ConvReference.config(cfg);
            assertTrue(Winograd.applies(s, conf.geometry(x.size(2), x.size(3)), x.size(1), w.size(0), cfg[9]),
                    "case " + i + " should take the Winograd path");
            NDArray b = cfg[11] == 1 ? array(c.get("b")) : null;
            ConvGeometry g = conf.geometry(x.size(2), x.size(3));
            NDArray y = NDArray.zeros(x.size(0), w.size(0), g.outH(), g.outW());
            Convolution2D.forward(x, w, b, conf, cfg[9], ACTS[cfg[10]], y, ConvConfig.DEFAULT.withWinograd(s));
            assertClose("winograd " + tile + " case " + i + " (budget " + budget + ", per-thread max " + perThreadMax + ")",
                    c.get("y"), y, 1e-5);
        }
    }

    /**
     * Maps large enough that the multi-row transforms split an image into several segments (F2:
     * 46 x 44 tiles past 1024 a segment; F3: 31 x 30 past 655), with partial edge tiles, blocks that
     * start and end inside an image (budget 50000) and both block schemes: the same floats as the
     * one-row transforms (the same operations in the same order), and within 1e-5 of im2col.
     */
    @ParameterizedTest
    @CsvSource({"F2,8388608,0", "F2,50000,0", "F2,50000,100000", "F3,8388608,0", "F3,50000,0", "F3,50000,100000",
                "F4,8388608,0", "F4,50000,0", "F4,50000,100000", "F4,100000,100000"})
    void multiRowTransformsSplitLargeMapsExactly(Winograd.Tile tile, int budget, int perThreadMax) {
        java.util.Random rnd = new java.util.Random(11);
        NDArray x = NDArray.zeros(2, 16, 91, 88), w = NDArray.zeros(20, 16, 3, 3), b = NDArray.zeros(20);
        for (NDArray a : new NDArray[] {x, w, b}) {
            for (int i = 0; i < a.length(); i++) a.put(i, (float) rnd.nextGaussian());
        }
        Conv2DConfig conf = Conv2DConfig.of(3, 1, ConvolutionMode.Same);
        WinogradConfig s = new WinogradConfig(true, tile, 16, budget, true, perThreadMax, budget, 0)
                .with(budget <= 50000 ? "perThreadMinTiles:0" : "");
        NDArray multi = NDArray.zeros(2, 20, 91, 88), single = NDArray.zeros(2, 20, 91, 88), ref = NDArray.zeros(2, 20, 91, 88);
        Convolution2D.forward(x, w, b, conf, 1, FusedActivation.RELU, multi, ConvConfig.DEFAULT.withWinograd(s));
        Convolution2D.forward(x, w, b, conf, 1, FusedActivation.RELU, single,
                ConvConfig.DEFAULT.withWinograd(s.with("multiRowTransforms:false")));
        Convolution2D.forward(x, w, b, conf, 1, FusedActivation.RELU, ref,
                ConvConfig.DEFAULT.withWinograd(s.with("enabled:false")));
        double maxRef = 0, maxErr = 0;
        for (int i = 0; i < ref.length(); i++) {
            assertEquals(single.get(i), multi.get(i), "element " + i + ": multi-row and one-row transforms differ");
            maxRef = Math.max(maxRef, Math.abs(ref.get(i)));
            maxErr = Math.max(maxErr, Math.abs(ref.get(i) - multi.get(i)));
        }
        assertTrue(maxErr <= 1e-5 * maxRef, "winograd " + tile + " vs im2col: max error " + maxErr + " of " + maxRef);
    }

    /**
     * A convolution with its 2x2 stride-2 max pool fused (the pooled rows written from the output
     * transform) gives the same floats as the convolution followed by Pooling2D: even and odd sizes
     * (Truncate drops the last row and column), segments split inside images, both block schemes.
     */
    @ParameterizedTest
    @CsvSource({"F2,8388608,0,30,28", "F4,8388608,0,30,28", "F2,50000,100000,91,88", "F4,50000,100000,91,88",
                "F4,8388608,0,15,15", "F2,1,100000,15,17", "F4,50000,0,120,120", "F4,100000,100000,91,88"})
    void maxPoolFusedIntoTheOutputTransformGivesTheSameFloats(Winograd.Tile tile, int budget, int perThreadMax, int h, int w) {
        java.util.Random rnd = new java.util.Random(13);
        NDArray x = NDArray.zeros(2, 16, h, w), wt = NDArray.zeros(20, 16, 3, 3), b = NDArray.zeros(20);
        for (NDArray a : new NDArray[] {x, wt, b}) {
            for (int i = 0; i < a.length(); i++) a.put(i, (float) rnd.nextGaussian());
        }
        Conv2DConfig conf = Conv2DConfig.of(3, 1, ConvolutionMode.Same), pool = Conv2DConfig.of(2, 2, ConvolutionMode.Truncate);
        ConvConfig s = ConvConfig.DEFAULT.withWinograd(new WinogradConfig(true, tile, 16, budget, true, perThreadMax, budget, 0)
                .with(budget <= 50000 ? "perThreadMinTiles:0" : ""));
        assertTrue(Convolution2D.poolFuses(x, wt, conf, 1, pool, s));
        NDArray full = NDArray.zeros(2, 20, h, w), ref = NDArray.zeros(2, 20, h / 2, w / 2), fused = NDArray.zeros(2, 20, h / 2, w / 2);
        Convolution2D.forward(x, wt, b, conf, 1, FusedActivation.RELU, full, s);
        Pooling2D.forward(full, pool, PoolingType.MAX, false, ref);
        Convolution2D.forwardMaxPooled(x, wt, b, conf, FusedActivation.RELU, pool, fused, s);
        for (int i = 0; i < ref.length(); i++) assertEquals(ref.get(i), fused.get(i), "element " + i);
    }

    /** Only tiles with an even side, only 2x2 stride-2 unpadded pools, only when switched on. */
    @Test
    void poolFusionOnlyWhereItsRowsAreWhole() {
        NDArray x = NDArray.zeros(1, 16, 30, 30), w = NDArray.zeros(8, 16, 3, 3);
        Conv2DConfig conf = Conv2DConfig.of(3, 1, ConvolutionMode.Same), pool = Conv2DConfig.of(2, 2, ConvolutionMode.Truncate);
        ConvConfig f4 = ConvConfig.DEFAULT.with("tile:F4");
        assertTrue(Convolution2D.poolFuses(x, w, conf, 1, pool, f4));
        assertFalse(Convolution2D.poolFuses(x, w, conf, 1, pool, f4.with("tile:F3")), "3-row tiles split pool windows");
        assertFalse(Convolution2D.poolFuses(x, w, conf, 1, pool, f4.with("fusePool:false")));
        assertFalse(Convolution2D.poolFuses(x, w, conf, 1, pool, f4.with("multiRowTransforms:false")));
        assertFalse(Convolution2D.poolFuses(x, w, conf, 1, Conv2DConfig.of(3, 2, ConvolutionMode.Truncate), f4));
        assertFalse(Convolution2D.poolFuses(x, w, conf, 1, Conv2DConfig.of(2, 1, ConvolutionMode.Truncate), f4));
        assertFalse(Convolution2D.poolFuses(NDArray.zeros(1, 16, 31, 31), w, conf, 1, Conv2DConfig.of(2, 2, ConvolutionMode.Same), f4),
                "Same padding on an odd size pads the pool");
        assertFalse(Convolution2D.poolFuses(x, w, conf, 1, pool, f4.with("enabled:false")));
        assertThrows(IllegalArgumentException.class, () -> Convolution2D.forwardMaxPooled(x, w, null, conf,
                FusedActivation.RELU, pool, NDArray.zeros(1, 8, 15, 15), f4.with("tile:F3")));
    }

    /** Training runs these layers backward through im2col: the gradients of the same cases. */
    @Test
    void backwardOfWinogradLayersMatchesTorchAutograd() throws Exception {
        ConvReference.assertBackwardMatches("conv_winograd.npz");
    }

    /** Output written into a view of a larger buffer lands only in its own elements. */
    @Test
    void writesOnlyTheOutputView() throws Exception {
        Map<String, Npz.Array> c = ConvReference.cases("conv_winograd.npz").get(0);
        NDArray x = array(c.get("x")), w = array(c.get("w")), b = array(c.get("b"));
        int[] shape = c.get("y").shape();
        int len = shape[0] * shape[1] * shape[2] * shape[3];
        NDArray big = NDArray.zeros(len + 10);
        for (int i = 0; i < len + 10; i++) big.put(i, -7f);
        NDArray y = big.flatView(5, 'c', shape);
        Convolution2D.forward(x, w, b, ConvReference.config(ConvReference.ints(c.get("cfg"))), 1, FusedActivation.RELU, y);
        assertClose("winograd into a view", c.get("y"), y, 1e-5);
        for (int i = 0; i < 5; i++) {
            assertTrue(big.get(i) == -7f && big.get(len + 5 + i) == -7f, "element outside the view was written");
        }
    }

    @Test
    void leavesOtherConvolutionsToIm2col() {
        ConvGeometry strided = Conv2DConfig.of(3, 2, ConvolutionMode.Same).geometry(8, 8);
        ConvGeometry fiveByFive = Conv2DConfig.of(5, 1, ConvolutionMode.Same).geometry(8, 8);
        ConvGeometry dilated = new Conv2DConfig(3, 3, 1, 1, 0, 0, 2, 2, ConvolutionMode.Truncate).geometry(9, 9);
        ConvGeometry plain = Conv2DConfig.of(3, 1, ConvolutionMode.Same).geometry(8, 8);
        assertFalse(Winograd.applies(DEFAULTS, strided, 64, 64, 1));
        assertFalse(Winograd.applies(DEFAULTS, fiveByFive, 64, 64, 1));
        assertFalse(Winograd.applies(DEFAULTS, dilated, 64, 64, 1));
        assertFalse(Winograd.applies(DEFAULTS, plain, 3, 64, 1), "3 input channels: GEMMs too short");
        assertFalse(Winograd.applies(DEFAULTS, plain, 64, 64, 2), "grouped");
        assertTrue(Winograd.applies(DEFAULTS, plain, 64, 64, 1));
        assertFalse(Winograd.applies(DEFAULTS, plain, 4096, 4096, 1), "transformed weights would need 1 GB");
        assertFalse(Winograd.applies(DEFAULTS.with("enabled:false"), plain, 64, 64, 1));
    }

    /**
     * F(4x4) up to 128 input channels and F(3x3) from 128 only where the GEMMs are large enough (tiles,
     * flop saving); F(2x2) past F(3x3)'s accuracy range.
     */
    @Test
    void choosesTheTileSizeByChannelsTilesAndFlops() {
        Conv2DConfig same = Conv2DConfig.of(3, 1, ConvolutionMode.Same);
        assertEquals(Winograd.Tile.F4, Winograd.tileFor(DEFAULTS, same.geometry(224, 224), 64, 16));  // VGG16 layer 2
        assertEquals(Winograd.Tile.F4, Winograd.tileFor(DEFAULTS, same.geometry(112, 112), 128, 16)); // VGG16 layer 4
        assertEquals(Winograd.Tile.F4, Winograd.tileFor(DEFAULTS, same.geometry(224, 224), 64, 1));   // 3136 tiles
        assertEquals(Winograd.Tile.F3, Winograd.tileFor(DEFAULTS, same.geometry(56, 56), 129, 16));   // F4's accuracy range
        assertEquals(Winograd.Tile.F2, Winograd.tileFor(DEFAULTS, same.geometry(14, 14), 64, 16));    // 256 F4 tiles
        assertEquals(Winograd.Tile.F2, Winograd.tileFor(DEFAULTS, same.geometry(5, 5), 64, 100));     // 36*2² > 0.8*16*3²
        assertEquals(Winograd.Tile.F2, Winograd.tileFor(DEFAULTS.with("f4MaxInputChannels:0"), same.geometry(224, 224), 64, 16));
        assertEquals(Winograd.Tile.F3, Winograd.tileFor(DEFAULTS.with("f4MaxInputChannels:64"), same.geometry(112, 112), 128, 16));
        assertThrows(IllegalArgumentException.class, () -> DEFAULTS.with("f4MaxInputChannels:256"));
        assertEquals(Winograd.Tile.F3, Winograd.tileFor(DEFAULTS, same.geometry(56, 56), 256, 16));   // 25*19² <= 0.8*16*28²
        assertEquals(Winograd.Tile.F3, Winograd.tileFor(DEFAULTS, same.geometry(28, 28), 512, 16));   // 1600 tiles
        assertEquals(Winograd.Tile.F2, Winograd.tileFor(DEFAULTS, same.geometry(14, 14), 512, 16));   // 400 tiles
        assertEquals(Winograd.Tile.F2, Winograd.tileFor(DEFAULTS, same.geometry(28, 28), 512, 1));    // 100 tiles
        assertEquals(Winograd.Tile.F2, Winograd.tileFor(DEFAULTS, same.geometry(4, 4), 256, 100));    // 25*2² > 16*2²
        assertEquals(Winograd.Tile.F2, Winograd.tileFor(DEFAULTS, same.geometry(224, 224), 1024, 16)); // accuracy
        assertEquals(Winograd.Tile.F3, Winograd.tileFor(DEFAULTS.with("tile:F3"), same.geometry(224, 224), 64, 16));
    }

    @Test
    void settingsAreReadFromTheirTextForm() {
        WinogradConfig c = DEFAULTS.with("tile:F3,gemmPerThread:false,blockBudget:5000,perThreadMaxChannels:0");
        assertEquals(new WinogradConfig(true, Winograd.Tile.F3, 16, 5000, false, 0, 512 << 10,
                WinogradConfig.DEFAULT_WEIGHT_CACHE_FLOATS), c);
        assertEquals(0, c.with("weightCacheFloats:0").weightCacheFloats());
        assertTrue(DEFAULTS.multiRowTransforms());
        assertFalse(c.with("multiRowTransforms:false").multiRowTransforms());
        assertEquals(c.weightCacheFloats(), c.with("multiRowTransforms:false").weightCacheFloats());
        assertEquals(DEFAULTS, c.with("tile:auto,gemmPerThread:true,blockBudget:8388608,perThreadMaxChannels:128"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DEFAULTS.with("tile:F5"));
        assertTrue(e.getMessage().contains("F2, F3 or F4"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DEFAULTS.with("speed:fast"));
    }
}
