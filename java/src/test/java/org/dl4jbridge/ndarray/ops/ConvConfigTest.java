package org.dl4jbridge.ndarray.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The convolution settings' text form, as the benchmarks and tests name their variants. */
class ConvConfigTest {
    private static final ConvConfig BUILT_IN = new ConvConfig(WinogradConfig.DEFAULT, 8 << 20, 256, false,
            Integer.MAX_VALUE, false, 1 << 17, 4, true, 2048, 16384, true, true, true, true, false);

    @Test
    void settingsAreReadFromTheirTextForm() {
        ConvConfig c = BUILT_IN.with("columnBudget:700,shortK:0,unfoldAllKernelRows:true,pointwiseDirectMin:1,"
                + "batchedPointwise:true,tileFloats:64,minTilesPerThread:0,fuseBlocks:false,depthwiseBlockFloats:13,"
                + "depthwiseStackFloats:300,bandedShortK:false,splitStem:false,chwnBlocks:false,fuseStem:false,dl4jOrder:true,tile:F3,"
                + "weightCacheFloats:0");
        assertEquals(new ConvConfig(WinogradConfig.DEFAULT.with("tile:F3,weightCacheFloats:0"), 700, 0, true, 1, true, 64, 0,
                false, 13, 300, false, false, false, false, true), c);
        assertEquals(BUILT_IN, BUILT_IN.with(""));
    }

    @Test
    void unknownOrInvalidSettingsSayWhatIsKnown() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BUILT_IN.with("speed:fast"));
        assertTrue(e.getMessage().contains("unknown convolution setting 'speed'") && e.getMessage().contains("columnBudget")
                && e.getMessage().contains("weightCacheFloats"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> BUILT_IN.with("tile:F5"));
        assertTrue(e.getMessage().contains("F2, F3 or F4"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BUILT_IN.with("columnBudget:0"));
        assertThrows(IllegalArgumentException.class, () -> BUILT_IN.with("columnBudget"));
    }

    /** The switches decide the path: batchedPointwise turns the tiled 1x1 path off for the same shape. */
    @Test
    void switchesAreTakenFromTheObjectPassedIn() {
        ConvGeometry g = Conv2DConfig.of(1, 1, ConvolutionMode.Same).geometry(56, 56);
        assertTrue(PointwiseConvolution.applies(BUILT_IN, g, 1, 16, 64));
        assertTrue(!PointwiseConvolution.applies(BUILT_IN.with("batchedPointwise:true"), g, 1, 16, 64));
        assertTrue(!PointwiseConvolution.applies(BUILT_IN.with("minTilesPerThread:1000000"), g, 1, 16, 64));
    }
}
