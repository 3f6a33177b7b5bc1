package org.dl4jbridge.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.testutil.Npz;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Against what DL4J 1.0.0-beta's NativeImageLoader made of goldenretriever.jpg (fixtures/image_loader).
 * The photo is 224x224, so the 224 arrays check decoding and channel order alone and the 128 arrays
 * add the resize.
 */
class NativeImageLoaderFixtureTest {
    /**
     * Measured: identical (max and mean difference 0) with JDK 17 and 25: ImageIO's JPEG decoder
     * (IJG libjpeg with the integer IDCT and fancy upsampling) gives the same samples as OpenCV's
     * libjpeg-turbo here, and {@link LinearResize} reproduces OpenCV's fixed-point arithmetic. One
     * level is allowed for a JDK whose libjpeg build rounds a chroma sample differently; any real bug
     * (channel order, another resize, a crop, an ICC colour conversion) costs tens of levels.
     */
    private static final float MAX_ABS = 1f;
    private static final double MEAN_ABS = 0.01;

    @ParameterizedTest
    @CsvSource({"bgr,128", "bgr,224", "rgb,128", "rgb,224"})
    void matchesDl4jLoader(String order, int size) throws Exception {
        Path dir = Npz.fixtures().resolve("image_loader");
        Path expectedFile = dir.resolve("goldenretriever_" + order + size + "_unnormalized_nchw_INDArray.bin");
        Nd4jArrayFile.Array expected = Nd4jArrayFile.read(expectedFile);
        NativeImageLoader loader = new NativeImageLoader(size, size, 3,
                order.equals("bgr") ? ChannelOrder.BGR : ChannelOrder.RGB);
        NDArray actual = loader.asMatrix(dir.resolve("goldenretriever.jpg"));
        assertArrayEquals(expected.shape(), actual.shape());
        float[] a = actual.toFloatArray(), e = expected.data();
        float max = 0;
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            float d = Math.abs(a[i] - e[i]);
            max = Math.max(max, d);
            sum += d;
        }
        double mean = sum / a.length;
        System.out.printf("image_loader %s%d: max abs diff %.1f, mean abs diff %.5f%n", order, size, max, mean);
        assertTrue(max <= MAX_ABS, "max abs difference " + max + " > " + MAX_ABS);
        assertTrue(mean <= MEAN_ABS, "mean abs difference " + mean + " > " + MEAN_ABS);
    }
}
