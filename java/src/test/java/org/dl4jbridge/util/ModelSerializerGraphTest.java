package org.dl4jbridge.util;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.nn.conf.ComputationGraphConfiguration;
import org.dl4jbridge.nn.conf.NeuralNetConfiguration;
import org.dl4jbridge.nn.conf.activations.Activation;
import org.dl4jbridge.nn.conf.graph.ElementWiseVertex;
import org.dl4jbridge.nn.conf.layers.ActivationLayer;
import org.dl4jbridge.nn.conf.layers.BatchNormalization;
import org.dl4jbridge.nn.conf.layers.ConvolutionLayer;
import org.dl4jbridge.nn.conf.layers.DenseLayer;
import org.dl4jbridge.nn.conf.layers.DepthwiseConvolution2D;
import org.dl4jbridge.nn.conf.layers.GlobalPoolingLayer;
import org.dl4jbridge.nn.conf.layers.Layer;
import org.dl4jbridge.nn.conf.layers.OutputLayer;
import org.dl4jbridge.nn.conf.layers.PoolingType;
import org.dl4jbridge.nn.conf.layers.SubsamplingLayer;
import org.dl4jbridge.nn.conf.layers.misc.FrozenLayer;
import org.dl4jbridge.nn.conf.losses.LossFunctions;
import org.dl4jbridge.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.dl4jbridge.nn.graph.ComputationGraph;
import org.dl4jbridge.nn.updater.Adam;
import org.dl4jbridge.nn.updater.Nesterovs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ComputationGraph save -> restore through ModelSerializer: configuration, parameters, updater state, outputs. */
class ModelSerializerGraphTest {
    @TempDir
    Path dir;

    private static ConvolutionLayer conv(int k, int stride, int pad, int nIn, int nOut, Activation a) {
        return new ConvolutionLayer.Builder(k, k).stride(stride, stride).padding(pad, pad).nIn(nIn).nOut(nOut)
                .activation(a).build();
    }

    private static Layer frozenIf(boolean frozen, Layer l) {
        return frozen ? new FrozenLayer(l) : l;
    }

    /** VGG16's shape in miniature: conv blocks, max pooling, fc1, fc2, predictions (names as DL4J's zoo). */
    static ComputationGraphConfiguration vggShaped(boolean frozenFeatures) {
        return new NeuralNetConfiguration.Builder().seed(1234).updater(new Nesterovs(0.01, 0.9))
                .activation(Activation.RELU).graphBuilder()
                .addInputs("input_1")
                .addLayer("block1_conv1", frozenIf(frozenFeatures, conv(3, 1, 1, 3, 4, Activation.RELU)), "input_1")
                .addLayer("block1_conv2", frozenIf(frozenFeatures, conv(3, 1, 1, 4, 4, Activation.RELU)), "block1_conv1")
                .addLayer("block1_pool", frozenIf(frozenFeatures, new SubsamplingLayer.Builder(PoolingType.MAX,
                        new int[] {2, 2}, new int[] {2, 2}).build()), "block1_conv2")
                .addLayer("block2_conv1", frozenIf(frozenFeatures, conv(3, 1, 1, 4, 8, Activation.RELU)), "block1_pool")
                .addLayer("block2_pool", frozenIf(frozenFeatures, new SubsamplingLayer.Builder(PoolingType.MAX,
                        new int[] {2, 2}, new int[] {2, 2}).build()), "block2_conv1")
                .addLayer("fc1", frozenIf(frozenFeatures, new DenseLayer.Builder().nIn(8 * 2 * 2).nOut(16).build()),
                        new CnnToFeedForwardPreProcessor(2, 2, 8), "block2_pool")
                .addLayer("fc2", frozenIf(frozenFeatures, new DenseLayer.Builder().nIn(16).nOut(16).build()), "fc1")
                .addLayer("predictions", new OutputLayer.Builder(LossFunctions.LossFunction.NEGATIVELOGLIKELIHOOD)
                        .nIn(16).nOut(5).activation(Activation.SOFTMAX).build(), "fc2")
                .setOutputs("predictions").build();
    }

    /** EfficientNet-Lite0's shape in miniature: stem, an inverted-residual block with a skip, head, pooling. */
    static ComputationGraphConfiguration effnetShaped() {
        return new NeuralNetConfiguration.Builder().seed(42).updater(new Adam(1e-3)).graphBuilder()
                .addInputs("input")
                .addLayer("stem_conv", conv(3, 2, 1, 3, 8, Activation.IDENTITY), "input")
                .addLayer("stem_bn", new BatchNormalization.Builder().nIn(8).nOut(8).build(), "stem_conv")
                .addLayer("stem_relu6", new ActivationLayer.Builder(Activation.RELU6).build(), "stem_bn")
                .addLayer("b1_expand", conv(1, 1, 0, 8, 16, Activation.IDENTITY), "stem_relu6")
                .addLayer("b1_expand_bn", new BatchNormalization.Builder().nIn(16).nOut(16).build(), "b1_expand")
                .addLayer("b1_expand_relu6", new ActivationLayer.Builder(Activation.RELU6).build(), "b1_expand_bn")
                .addLayer("b1_dw", new DepthwiseConvolution2D.Builder(3, 3).padding(1, 1).nIn(16).nOut(16)
                        .activation(Activation.IDENTITY).build(), "b1_expand_relu6")
                .addLayer("b1_dw_bn", new BatchNormalization.Builder().nIn(16).nOut(16).build(), "b1_dw")
                .addLayer("b1_dw_relu6", new ActivationLayer.Builder(Activation.RELU6).build(), "b1_dw_bn")
                .addLayer("b1_project", conv(1, 1, 0, 16, 8, Activation.IDENTITY), "b1_dw_relu6")
                .addLayer("b1_project_bn", new BatchNormalization.Builder().nIn(8).nOut(8).build(), "b1_project")
                .addVertex("b1_add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "b1_project_bn", "stem_relu6")
                .addLayer("head_conv", conv(1, 1, 0, 8, 12, Activation.IDENTITY), "b1_add")
                .addLayer("head_bn", new BatchNormalization.Builder().nIn(12).nOut(12).build(), "head_conv")
                .addLayer("head_relu6", new ActivationLayer.Builder(Activation.RELU6).build(), "head_bn")
                .addLayer("global_pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "head_relu6")
                .addLayer("predictions", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(12).nOut(5)
                        .activation(Activation.SOFTMAX).build(), "global_pool")
                .setOutputs("predictions").build();
    }

    static void fillRandom(NDArray a, long seed) {
        Random r = new Random(seed);
        for (int i = 0; i < a.length(); i++) a.put(i, (float) r.nextGaussian() * 0.3f);
    }

    static NDArray randomInput(long seed, int... shape) {
        NDArray x = NDArray.zeros(shape);
        fillRandom(x, seed);
        return x;
    }

    private void assertRoundTrip(ComputationGraphConfiguration conf, String name, int... inputShape) throws IOException {
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        fillRandom(g.params(), 7);
        NDArray state = g.getUpdater().getStateViewArray();
        fillRandom(state, 8);
        NDArray x = randomInput(9, inputShape);
        float[] before = g.outputSingle(x).toFloatArray();

        Path zip = dir.resolve(name + ".zip");
        ModelMetadata meta = new ModelMetadata().labels(List.of("a", "b", "c", "d", "e")).seed(1234);
        ModelSerializer.writeModel(g, zip, true, meta);
        List<String> expectedEntries = state.length() > 0
                ? List.of("configuration.json", "coefficients.bin", "updaterState.bin", "dl4j-bridge-metadata.json")
                : List.of("configuration.json", "coefficients.bin", "dl4j-bridge-metadata.json");
        assertEquals(expectedEntries, ModelZip.entryNames(zip), name);
        assertEquals(ModelKind.COMPUTATION_GRAPH, ModelSerializer.detectKind(zip));

        ComputationGraph back = ModelSerializer.restoreComputationGraph(zip.toString(), true);
        assertEquals(g.getConfiguration().toJson(), back.getConfiguration().toJson(), name + " configuration");
        assertArrayEquals(g.params().toFloatArray(), back.params().toFloatArray(), 0f, name + " params");
        assertArrayEquals(state.toFloatArray(), back.getUpdater().getStateViewArray().toFloatArray(), 0f,
                name + " updater state");
        assertArrayEquals(before, back.outputSingle(x).toFloatArray(), 0f, name + " outputs");
        assertEquals(List.of("a", "b", "c", "d", "e"), ModelSerializer.readMetadata(zip).labels());

        ModelFiles files = ModelZip.read(zip, true);
        assertArrayEquals(new int[] {1, (int) g.numParams()}, files.params().shape(), "M2.1 graph params are [1, N]");
        if (state.length() > 0) {
            assertArrayEquals(new int[] {state.length()}, files.updaterState().shape(), "M2.1 updater state is rank 1");
        }
    }

    @Test
    void vggShapedGraphRoundTrips() throws IOException {
        assertRoundTrip(vggShaped(false), "vgg", 2, 3, 8, 8);
    }

    @Test
    void effnetShapedGraphRoundTrips() throws IOException {
        assertRoundTrip(effnetShaped(), "effnet", 2, 3, 8, 8);
    }

    @Test
    void transferLearnedGraphWithFrozenLayersRoundTrips() throws IOException {
        assertRoundTrip(vggShaped(true), "transfer", 2, 3, 8, 8);
        ComputationGraph back = ModelSerializer.restoreComputationGraph(dir.resolve("transfer.zip").toString());
        JsonNode conf = LegacyConfigUpgrader.parse(back.getConfiguration().toJson(), "x");
        assertEquals(LegacyNames.FROZEN, conf.at("/vertices/fc2/layerConf/layer/@class").asText());
        ConfigSummary s = ConfigSummary.of(conf, "x");
        assertEquals(List.of("block1_conv1", "block1_conv2", "block1_pool", "block2_conv1", "block2_pool", "fc1", "fc2"),
                s.frozenLayerNames());
        // Frozen layers have NoOp updaters: Nesterovs state covers only predictions (W 16x5 + b 5).
        assertEquals(16 * 5 + 5, back.getUpdater().getStateViewArray().length());
    }

    @Test
    void specExampleDocumentIsWrittenFieldByField() throws IOException {
        String spec = ModelZipTest.specGraph();
        ComputationGraph g = new ComputationGraph(ComputationGraphConfiguration.fromJson(spec));
        g.init();
        Path zip = dir.resolve("spec.zip");
        ModelSerializer.writeModel(g, zip, true, null);
        String written = new String(ModelZipTest.entryBytes(zip, "configuration.json"), StandardCharsets.US_ASCII);
        assertEquals(LegacyConfigUpgrader.parse(spec, "spec"), LegacyConfigUpgrader.parse(written, "written"));
        assertEquals(547, ModelZip.read(zip, true).updaterState().length(), "spec 3.10: one Nesterovs block of 547");
    }

    @Test
    void failureWhileWritingLeavesTheOldFileUntouched() throws IOException {
        ComputationGraph g = new ComputationGraph(vggShaped(false));
        g.init();
        Path zip = dir.resolve("model.zip");
        ModelSerializer.writeModel(g, zip, true, null);
        byte[] before = Files.readAllBytes(zip);
        // params() is first asked for while the zip is being written (configuration.json is
        // already in the temporary file): the failure lands mid-file.
        boolean[] fail = {false};
        ComputationGraph broken = new ComputationGraph(vggShaped(false)) {
            @Override
            public NDArray params() {
                if (fail[0]) throw new IllegalStateException("params unavailable (injected)");
                return super.params();
            }
        };
        broken.init();
        fail[0] = true;
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ModelSerializer.writeModel(broken, zip, true, null));
        assertEquals("params unavailable (injected)", e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(zip));
        try (var s = Files.list(dir)) {
            assertEquals(List.of(zip), s.toList());
        }
    }

    @Test
    void restoringAGraphAsAMultiLayerNetworkFails() throws IOException {
        ComputationGraph g = new ComputationGraph(vggShaped(false));
        g.init();
        Path zip = dir.resolve("flowers.zip");
        ModelSerializer.writeModel(g, zip, false, null);
        assertFalse(ModelZip.entryNames(zip).contains("updaterState.bin"), "saveUpdater=false");
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> ModelSerializer.restoreMultiLayerNetwork(zip.toString()));
        assertTrue(e.getMessage().startsWith("flowers.zip holds a ComputationGraph")
                && e.getMessage().contains("restoreComputationGraph"), e.getMessage());
    }
}
