package org.dl4jbridge.zoo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.dl4jbridge.nn.conf.ComputationGraphConfiguration;
import org.dl4jbridge.nn.conf.ConvolutionMode;
import org.dl4jbridge.nn.conf.NeuralNetConfiguration;
import org.dl4jbridge.nn.conf.activations.Activation;
import org.dl4jbridge.nn.conf.graph.PreprocessorVertex;
import org.dl4jbridge.nn.conf.inputs.InputType;
import org.dl4jbridge.nn.conf.layers.ConvolutionLayer;
import org.dl4jbridge.nn.conf.layers.DenseLayer;
import org.dl4jbridge.nn.conf.layers.PoolingType;
import org.dl4jbridge.nn.conf.layers.SubsamplingLayer;
import org.dl4jbridge.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.dl4jbridge.nn.graph.ComputationGraph;
import org.dl4jbridge.util.ModelSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * VGG16.initPretrained through DL4J's download/cache path, with a small file of the same format
 * (a VGG-like ComputationGraph zip with the Keras vertex names) served from a file:// mirror; the
 * real 500 MB file cannot be downloaded here.
 */
class VGG16PretrainedTest {
    @TempDir Path dir;
    Path mirror;
    Path cache;

    @BeforeEach
    void resources() throws IOException {
        mirror = Files.createDirectories(dir.resolve("mirror/models"));
        cache = dir.resolve("dl4j-home");
        DL4JResources.setBaseDownloadURL(dir.resolve("mirror").toUri().toString());
        DL4JResources.setBaseDirectory(cache);
    }

    @AfterEach
    void reset() {
        DL4JResources.setBaseDownloadURL(null);
        DL4JResources.resetBaseDirectoryLocation();
    }

    /** VGG16 whose IMAGENET file is a tiny VGG-like graph: same names, 16x16 input, few channels. */
    static final class TinyVgg extends VGG16 {
        final long checksum;

        TinyVgg(long checksum) {
            this.checksum = checksum;
        }

        @Override public long pretrainedChecksum(PretrainedType type) { return checksum; }

        @Override
        public ComputationGraphConfiguration conf() {
            return new NeuralNetConfiguration.Builder().seed(7).activation(Activation.RELU).graphBuilder()
                    .addInputs(INPUT).setInputTypes(InputType.convolutional(16, 16, 3))
                    .addLayer("block1_conv1", new ConvolutionLayer.Builder(3, 3).nIn(3).nOut(4)
                            .convolutionMode(ConvolutionMode.Same).build(), INPUT)
                    .addLayer("block1_pool", new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build(), "block1_conv1")
                    .addVertex("flatten", new PreprocessorVertex(new CnnToFeedForwardPreProcessor(8, 8, 4)), "block1_pool")
                    .addLayer("fc1", new DenseLayer.Builder().nIn(256).nOut(8).build(), "flatten")
                    .addLayer("fc2", new DenseLayer.Builder().nIn(8).nOut(8).build(), "fc1")
                    .addLayer("predictions", new DenseLayer.Builder().nIn(8).nOut(5).activation(Activation.SOFTMAX).build(), "fc2")
                    .setOutputs("predictions").build();
        }
    }

    private Path serveTinyModel() throws IOException {
        ComputationGraph g = new TinyVgg(0).init();
        Path zip = mirror.resolve("vgg16_dl4j_inference.zip");
        ModelSerializer.writeModel(g, zip.toFile(), false);
        return zip;
    }

    @Test
    void downloadsVerifiesCachesInDl4jsLayoutAndRestores() throws IOException {
        Path served = serveTinyModel();
        long adler = PretrainedFiles.adler32(served);
        TinyVgg model = new TinyVgg(adler);
        ComputationGraph restored = model.initPretrained();
        Path cached = cache.resolve("models/vgg16/vgg16_dl4j_inference.zip");
        assertTrue(Files.isRegularFile(cached), "cached at DL4J's path " + cached);
        assertArrayEquals(Files.readAllBytes(served), Files.readAllBytes(cached));
        ComputationGraph original = ModelSerializer.restoreComputationGraph(served.toFile());
        assertArrayEquals(original.params().toFloatArray(), restored.params().toFloatArray());
        assertTrue(restored.getConfiguration().getVertices().containsKey("fc2"));
        Files.delete(served);   // the second call needs only the cache
        assertArrayEquals(original.params().toFloatArray(), model.initPretrained().params().toFloatArray());
    }

    @Test
    void realChecksumRefusesAWrongFileAndKeepsItAside() throws IOException {
        serveTinyModel();   // not DL4J's ImageNet file: its Adler-32 is not 3501732770
        var e = assertThrows(ZooDownloadException.class, () -> new VGG16().initPretrained());
        assertEquals(ZooDownloadException.Reason.CHECKSUM_MISMATCH, e.reason());
        assertTrue(e.getMessage().contains("3501732770"), e.getMessage());
        assertFalse(Files.exists(cache.resolve("models/vgg16/vgg16_dl4j_inference.zip")));
        assertTrue(Files.exists(cache.resolve("models/vgg16/vgg16_dl4j_inference.zip.bad")));
    }

    @Test
    void unreachableFileGivesTheTypedErrorWithEverythingNeededToPlaceItByHand() {
        var e = assertThrows(ZooDownloadException.class, () -> new VGG16().initPretrained());
        assertEquals(ZooDownloadException.Reason.UNREACHABLE, e.reason());
        String url = dir.resolve("mirror").toUri() + "models/vgg16_dl4j_inference.zip";
        Path path = cache.resolve("models/vgg16/vgg16_dl4j_inference.zip");
        for (String part : new String[] {url, path.toString(), "3501732770", "by hand"}) {
            assertTrue(e.getMessage().contains(part), "message lacks " + part + ": " + e.getMessage());
        }
    }
}
