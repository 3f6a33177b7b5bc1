package org.dl4jbridge.util;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.nn.multilayer.MultiLayerNetwork;
import org.dl4jbridge.testutil.Npz;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every DL4J-written model in the fixtures restores with DL4J's values in DL4J's places, and computes DL4J's outputs. */
class ModelSerializerFixturesTest {
    private static final Path FIX = Npz.fixtures();

    @TempDir
    Path dir;

    private static MultiLayerNetwork restore(Path zip) throws IOException {
        return ModelSerializer.restoreMultiLayerNetwork(zip.toString(), true);
    }

    private static JsonNode layerJson(MultiLayerNetwork net, int i) throws ModelFormatException {
        return LegacyConfigUpgrader.parse(net.getLayerWiseConfigurations().toJson(), "restored").at("/confs/" + i + "/layer");
    }

    /**
     * 0.6.0 and 0.7.1's MLP_2 use gradient clipping (ClipElementWiseAbsoluteValue), which the
     * network runtime does not implement yet: they must be refused with a typed error naming it.
     * Their configuration (hyperparameters, dropout, regularization) is checked at the JSON level
     * in LegacyConfigUpgraderTest.
     */
    static boolean needsGradientClipping(Path zip) {
        String n = zip.getFileName().toString();
        return n.contains("MLP_2") && !n.startsWith("050");
    }

    @Test
    void gradientClippingModelsRestoreWithTheirClipping() throws IOException {
        // nn's updater implements DL4J's gradient normalization modes, so these now restore (changed by nn).
        for (String r : List.of("060", "071")) {
            MultiLayerNetwork net = restore(LegacyConfigUpgraderTest.regression(r, "MLP_2"));
            var layer = (org.dl4jbridge.nn.conf.layers.BaseLayer) net.getLayerWiseConfigurations().getConf(0).getLayer();
            assertEquals(org.dl4jbridge.nn.conf.GradientNormalization.ClipElementWiseAbsoluteValue, layer.getGradientNormalization());
        }
    }

    @Test
    void everyFixtureRestoresWithItsParameterVector() throws IOException {
        for (Path zip : LegacyConfigUpgraderTest.allModelZips()) {
            if (needsGradientClipping(zip)) continue;
            MultiLayerNetwork net = restore(zip);
            NDArray stored = ModelZip.read(zip, false).params();
            assertArrayEquals(stored.toFloatArray(), net.params().toFloatArray(), 0f, zip.toString());
        }
    }

    @Test
    void regressionParametersLandInDl4jPlaces() throws IOException {
        for (String r : List.of("050", "060", "071")) {
            // Dense: W [nIn, nOut] in f order, then b (DL4J_SPEC 2.7); values are 1..N by construction.
            MultiLayerNetwork mlp = restore(LegacyConfigUpgraderTest.regression(r, "MLP_1"));
            NDArray w0 = mlp.getParam("0_W"), b0 = mlp.getParam("0_b"), w1 = mlp.getParam("1_W");
            assertArrayEquals(new int[] {3, 4}, w0.shape());
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 4; j++) assertEquals(1 + i + 3 * j, w0.getAt(i, j), 0f, r + " 0_W");
            }
            for (int j = 0; j < 4; j++) assertEquals(13 + j, b0.get(j), 0f);
            for (int i = 0; i < 4; i++) {
                for (int j = 0; j < 5; j++) assertEquals(17 + i + 4 * j, w1.getAt(i, j), 0f, r + " 1_W");
            }
            assertEquals(41, mlp.getParam("1_b").get(4), 0f);

            // Convolution: b first, then W [nOut, nIn, kH, kW] in c order.
            MultiLayerNetwork cnn = restore(LegacyConfigUpgraderTest.regression(r, "CNN_1"));
            NDArray cb = cnn.getParam("0_b"), cw = cnn.getParam("0_W");
            assertArrayEquals(new float[] {1, 2, 3}, cb.toFloatArray(), 0f);
            assertArrayEquals(new int[] {3, 3, 2, 2}, cw.shape());
            float[] w = cw.toFloatArray();
            for (int i = 0; i < w.length; i++) assertEquals(4 + i, w[i], 0f, r + " conv W");
            assertEquals(40, cnn.getParam("2_W").getAt(0, 0), 0f);
            assertEquals(10184, cnn.getParam("2_b").get(4), 0f);
        }
    }

    @Test
    void restoredConfigurationsCarryTheReadmeHyperparameters() throws IOException {
        for (String r : List.of("050", "060", "071")) {
            JsonNode dense = layerJson(restore(LegacyConfigUpgraderTest.regression(r, "MLP_1")), 0);
            assertEquals("org.nd4j.linalg.activations.impl.ActivationReLU", dense.at("/activationFn/@class").asText());
            assertEquals("org.nd4j.linalg.learning.config.Nesterovs", dense.at("/iupdater/@class").asText());
            assertEquals(0.15, dense.at("/iupdater/learningRate").asDouble(), 1e-12);
            assertEquals(0.9, dense.at("/iupdater/momentum").asDouble(), 1e-12);

            MultiLayerNetwork cnn = restore(LegacyConfigUpgraderTest.regression(r, "CNN_1"));
            JsonNode conv = layerJson(cnn, 0), pool = layerJson(cnn, 1);
            assertEquals("[2,2]", conv.get("kernelSize").toString());
            assertEquals("[1,1]", conv.get("stride").toString());
            assertEquals("[0,0]", conv.get("padding").toString());
            assertEquals("org.nd4j.linalg.activations.impl.ActivationTanH", conv.at("/activationFn/@class").asText());
            assertEquals("MAX", pool.get("poolingType").asText());
            assertEquals("org.nd4j.linalg.lossfunctions.impl.LossNegativeLogLikelihood",
                    layerJson(cnn, 2).at("/lossFn/@class").asText());

            if (needsGradientClipping(LegacyConfigUpgraderTest.regression(r, "MLP_2"))) continue;
            MultiLayerNetwork mlp2 = restore(LegacyConfigUpgraderTest.regression(r, "MLP_2"));
            for (int i = 0; i < 2; i++) {
                JsonNode l = layerJson(mlp2, i);
                assertEquals("org.nd4j.linalg.learning.config.RmsProp", l.at("/iupdater/@class").asText());
                assertEquals(0.96, l.at("/iupdater/rmsDecay").asDouble(), 1e-12);
                assertEquals(0.15, l.at("/iupdater/learningRate").asDouble(), 1e-12);
                assertEquals(0.6, l.at("/idropout/p").asDouble(), 1e-12, "retain probability");
                assertEquals(0.1, l.at("/regularization/0/l1/value").asDouble(), 1e-12);
                assertEquals("org.nd4j.linalg.learning.regularization.WeightDecay", l.at("/regularization/1/@class").asText());
                assertEquals(0.2, l.at("/regularization/1/coeff/value").asDouble(), 1e-12);
                assertEquals(0.1, l.at("/weightInitFn/distribution/mean").asDouble(), 1e-12);
                assertEquals(1.2, l.at("/weightInitFn/distribution/std").asDouble(), 1e-12);
            }
            assertEquals("org.nd4j.linalg.lossfunctions.impl.LossMSE", layerJson(mlp2, 1).at("/lossFn/@class").asText());
        }
    }

    private static String cls(JsonNode n, String ptr) {
        return LegacyNames.simpleName(n.at(ptr).asText());
    }

    @Test
    void integrationModelsCarryTheReadmeHyperparameters() throws IOException {
        MultiLayerNetwork moon = restore(FIX.resolve("MLPMoon/Model_RANDOM_INIT_UNTRAINED.zip"));
        JsonNode d = layerJson(moon, 0), o = layerJson(moon, 1);
        assertEquals(List.of("DenseLayer", "ActivationReLU", "WeightInitXavier", "Nesterovs"), List.of(cls(d, "/@class"),
                cls(d, "/activationFn/@class"), cls(d, "/weightInitFn/@class"), cls(d, "/iupdater/@class")));
        assertEquals(List.of(2L, 20L, 20L, 2L), List.of(d.get("nin").asLong(), d.get("nout").asLong(),
                o.get("nin").asLong(), o.get("nout").asLong()));
        assertEquals(0.005, d.at("/iupdater/learningRate").asDouble(), 1e-12);
        assertEquals(0.9, d.at("/iupdater/momentum").asDouble(), 1e-12);
        assertEquals(List.of("ActivationSoftmax", "LossNegativeLogLikelihood"),
                List.of(cls(o, "/activationFn/@class"), cls(o, "/lossFn/@class")));
        JsonNode moonConf = LegacyConfigUpgrader.parse(moon.getLayerWiseConfigurations().toJson(), "moon");
        assertEquals(123, moonConf.at("/confs/0/seed").asLong());

        MultiLayerNetwork up = restore(FIX.resolve("upsampling_100a/net.bin"));
        List<String> classes = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) classes.add(cls(layerJson(up, i), "/@class"));
        assertEquals(List.of("ConvolutionLayer", "Upsampling2D", "ConvolutionLayer", "OutputLayer"), classes);
        for (int i : new int[] {0, 2}) {
            JsonNode c = layerJson(up, i);
            assertEquals("Same", c.get("convolutionMode").asText());
            assertEquals("[2,2]", c.get("kernelSize").toString());
            assertEquals("ActivationTanH", cls(c, "/activationFn/@class"));
            assertEquals("WeightInitXavier", cls(c, "/weightInitFn/@class"));
        }
        assertEquals(List.of(1L, 5L, 5L, 3L), List.of(layerJson(up, 0).get("nin").asLong(), layerJson(up, 0).get("nout").asLong(),
                layerJson(up, 2).get("nin").asLong(), layerJson(up, 2).get("nout").asLong()));
        assertEquals(2, layerJson(up, 1).at("/size/0").asInt());
        JsonNode out = layerJson(up, 3);
        assertEquals(List.of("ActivationTanH", "LossMSE"), List.of(cls(out, "/activationFn/@class"), cls(out, "/lossFn/@class")));
        assertEquals(10, out.get("nout").asInt());

        MultiLayerNetwork lenet = restore(FIX.resolve("LenetMnist/Model_RANDOM_INIT_UNTRAINED.zip"));
        List<String> lenetClasses = new java.util.ArrayList<>();
        for (int i = 0; i < 6; i++) lenetClasses.add(cls(layerJson(lenet, i), "/@class"));
        assertEquals(List.of("ConvolutionLayer", "SubsamplingLayer", "ConvolutionLayer", "SubsamplingLayer", "DenseLayer",
                "OutputLayer"), lenetClasses);
        JsonNode conv0 = layerJson(lenet, 0);
        assertEquals("Nesterovs", cls(conv0, "/iupdater/@class"));
        assertEquals("L2Regularization", cls(conv0, "/regularization/0/@class"));
        JsonNode lenetConf = LegacyConfigUpgrader.parse(lenet.getLayerWiseConfigurations().toJson(), "lenet");
        assertEquals("FeedForwardToCnnPreProcessor", cls(lenetConf, "/inputPreProcessors/0/@class"));
        assertEquals("CnnToFeedForwardPreProcessor", cls(lenetConf, "/inputPreProcessors/4/@class"));
    }

    @Test
    void updaterStateIsRestoredIntoTheUpdater() throws IOException {
        for (String r : List.of("050", "060", "071")) {
            // The regression files' Nesterovs state was set to 1..S, one velocity per parameter.
            Path zip = LegacyConfigUpgraderTest.regression(r, "MLP_1");
            float[] state = restore(zip).getUpdater().getStateViewArray().toFloatArray();
            assertEquals(41, state.length);
            for (int i = 0; i < state.length; i++) assertEquals(i + 1, state[i], 0f, r);
            MultiLayerNetwork fresh = ModelSerializer.restoreMultiLayerNetwork(zip.toString(), false);
            for (float v : fresh.getUpdater().getStateViewArray().toFloatArray()) assertEquals(0f, v, "loadUpdater=false");
        }
        float[] cnn = restore(LegacyConfigUpgraderTest.regression("071", "CNN_1")).getUpdater().getStateViewArray()
                .toFloatArray();
        assertEquals(10184, cnn.length, "RmsProp: one value per parameter");
        assertEquals(10184f, cnn[10183], 0f);
    }

    static NDArray moonRows(int n) throws IOException {
        List<String> lines = Files.readAllLines(FIX.resolve("MLPMoon/moon_data_eval.csv"));
        float[] x = new float[2 * n];
        for (int i = 0; i < n; i++) {
            String[] p = lines.get(i).split(",");
            x[2 * i] = Float.parseFloat(p[1]);
            x[2 * i + 1] = Float.parseFloat(p[2]);
        }
        return NDArray.of(x, n, 2);
    }

    @Test
    void mlpMoonPredictionsAreReproduced() throws IOException {
        MultiLayerNetwork net = restore(FIX.resolve("MLPMoon/Model_RANDOM_INIT_UNTRAINED.zip"));
        NDArray expected0 = Nd4jBinary.read(FIX.resolve("MLPMoon/predictions/output_0_0.bin"));
        NDArray expected1 = Nd4jBinary.read(FIX.resolve("MLPMoon/predictions/output_1_0.bin"));
        assertArrayEquals(expected0.toFloatArray(), net.output(moonRows(1)).toFloatArray(), 1e-5f);
        assertArrayEquals(expected1.toFloatArray(), net.output(moonRows(10)).toFloatArray(), 1e-5f);
    }

    @Test
    void upsamplingOutputsAreReproduced() throws IOException {
        MultiLayerNetwork net = restore(FIX.resolve("upsampling_100a/net.bin"));
        NDArray in = Nd4jBinary.read(FIX.resolve("upsampling_100a/in.bin"));
        NDArray expected = Nd4jBinary.read(FIX.resolve("upsampling_100a/out.bin"));
        NDArray out = net.output(in);
        assertArrayEquals(expected.shape(), out.shape());
        assertArrayEquals(expected.toFloatArray(), out.toFloatArray(), 1e-5f);
    }

    @Test
    void multiLayerNetworkRoundTrips() throws IOException {
        MultiLayerNetwork net = restore(FIX.resolve("MLPMoon/Model_RANDOM_INIT_UNTRAINED.zip"));
        ModelSerializerGraphTest.fillRandom(net.getUpdater().getStateViewArray(), 3);
        Path zip = dir.resolve("moon.zip");
        ModelSerializer.writeModel(net, zip, true, new ModelMetadata().labels(List.of("0", "1")));
        MultiLayerNetwork back = restore(zip);
        assertEquals(net.getLayerWiseConfigurations().toJson(), back.getLayerWiseConfigurations().toJson());
        assertArrayEquals(net.params().toFloatArray(), back.params().toFloatArray(), 0f);
        assertArrayEquals(net.getUpdater().getStateViewArray().toFloatArray(),
                back.getUpdater().getStateViewArray().toFloatArray(), 0f);
        assertArrayEquals(net.output(moonRows(10)).toFloatArray(), back.output(moonRows(10)).toFloatArray(), 0f);
        ModelFiles files = ModelZip.read(zip, true);
        assertArrayEquals(new int[] {102}, files.params().shape(), "M2.1 MultiLayerNetwork params are rank 1");
        assertArrayEquals(new int[] {102}, files.updaterState().shape());
        assertEquals(ModelKind.MULTI_LAYER_NETWORK, ModelSerializer.detectKind(zip));
    }

    @Test
    void wrongKindAndStreamRestore() throws IOException {
        Path moon = FIX.resolve("MLPMoon/Model_RANDOM_INIT_UNTRAINED.zip");
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> ModelSerializer.restoreComputationGraph(moon.toString()));
        assertTrue(e.getMessage().contains("holds a MultiLayerNetwork") && e.getMessage().contains("restoreMultiLayerNetwork"),
                e.getMessage());
        try (var in = Files.newInputStream(moon)) {
            assertEquals(102, ModelSerializer.restoreMultiLayerNetwork(in, true).numParams());
        }
    }
}
