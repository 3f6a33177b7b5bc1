package org.dl4jbridge.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.dl4jbridge.testutil.Npz;
import org.junit.jupiter.api.Test;

class LegacyConfigUpgraderTest {
    private static final Path FIX = Npz.fixtures();
    private static final String L = "org.deeplearning4j.nn.conf.layers.";

    static String configOf(Path zip) throws IOException {
        try (ZipFile z = new ZipFile(zip.toFile())) {
            return new String(z.getInputStream(z.getEntry("configuration.json")).readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static long coefficientCount(Path zip) throws IOException {
        try (ZipFile z = new ZipFile(zip.toFile())) {
            ZipEntry e = z.getEntry("coefficients.bin");
            return Nd4jBinary.read(z.getInputStream(e), "coefficients.bin", e.getSize()).length();
        }
    }

    static Path regression(String release, String model) {
        return FIX.resolve("regression_" + release + "/" + release + "_ModelSerializer_Regression_" + model + ".zip");
    }

    static JsonNode upgraded(Path zip) throws IOException {
        return LegacyConfigUpgrader.upgrade(configOf(zip), zip.getFileName().toString());
    }

    static List<Path> allModelZips() {
        List<Path> zips = new ArrayList<>();
        for (String r : List.of("050", "060", "071")) {
            for (String m : List.of("MLP_1", "MLP_2", "CNN_1")) zips.add(regression(r, m));
        }
        zips.add(FIX.resolve("upsampling_100a/net.bin"));
        zips.add(FIX.resolve("MLPMoon/Model_RANDOM_INIT_UNTRAINED.zip"));
        zips.add(FIX.resolve("LenetMnist/Model_RANDOM_INIT_UNTRAINED.zip"));
        return zips;
    }

    private static JsonNode layer(JsonNode conf, int i) {
        return conf.get("confs").get(i).get("layer");
    }

    private static void assertUpdater(JsonNode layer, String cls, double lr, String field, double value) {
        JsonNode u = layer.get("iupdater");
        assertEquals("org.nd4j.linalg.learning.config." + cls, u.get("@class").asText(), layer.toString());
        assertEquals(lr, u.get("learningRate").asDouble(), 1e-12);
        assertEquals(value, u.get(field).asDouble(), 1e-12);
    }

    @Test
    void mlp1CarriesItsHyperparametersInEveryRelease() throws IOException {
        for (String r : List.of("050", "060", "071")) {
            JsonNode c = upgraded(regression(r, "MLP_1"));
            JsonNode dense = layer(c, 0), out = layer(c, 1);
            assertEquals(L + "DenseLayer", dense.get("@class").asText(), r);
            assertEquals("org.nd4j.linalg.activations.impl.ActivationReLU", dense.at("/activationFn/@class").asText());
            assertEquals(3, dense.get("nin").asInt());
            assertEquals(4, dense.get("nout").asInt());
            assertEquals("org.deeplearning4j.nn.weights.WeightInitXavier", dense.at("/weightInitFn/@class").asText());
            assertUpdater(dense, "Nesterovs", 0.15, "momentum", 0.9);
            assertEquals(L + "OutputLayer", out.get("@class").asText());
            assertEquals("org.nd4j.linalg.activations.impl.ActivationSoftmax", out.at("/activationFn/@class").asText());
            assertEquals("org.nd4j.linalg.lossfunctions.impl.LossMCXENT", out.at("/lossFn/@class").asText(), r);
            assertUpdater(out, "Nesterovs", 0.15, "momentum", 0.9);
            assertEquals("FLOAT", c.get("dataType").asText());
            assertTrue(out.get("idropout").isNull(), "dropOut 0.0 means no dropout");
            assertFalse(dense.has("updater") || dense.has("activationFunction") || dense.has("l2"),
                    "legacy fields removed: " + dense);
        }
    }

    @Test
    void mlp2ConvertsDropoutRegularizationAndDistribution() throws IOException {
        for (String r : List.of("050", "060", "071")) {
            JsonNode c = upgraded(regression(r, "MLP_2"));
            JsonNode dense = layer(c, 0), out = layer(c, 1);
            assertEquals("org.nd4j.linalg.activations.impl.ActivationLReLU", dense.at("/activationFn/@class").asText());
            assertEquals("org.nd4j.linalg.activations.impl.ActivationIdentity", out.at("/activationFn/@class").asText());
            assertEquals("org.nd4j.linalg.lossfunctions.impl.LossMSE", out.at("/lossFn/@class").asText());
            for (JsonNode l : List.of(dense, out)) {
                assertUpdater(l, "RmsProp", 0.15, "rmsDecay", 0.96);
                assertEquals("org.deeplearning4j.nn.conf.dropout.Dropout", l.at("/idropout/@class").asText());
                assertEquals(0.6, l.at("/idropout/p").asDouble(), 0, "dropOut 0.6 is the retain probability");
                assertEquals("org.deeplearning4j.nn.weights.WeightInitDistribution", l.at("/weightInitFn/@class").asText());
                assertEquals("org.deeplearning4j.nn.conf.distribution.NormalDistribution",
                        l.at("/weightInitFn/distribution/type").asText());
                assertEquals(0.1, l.at("/weightInitFn/distribution/mean").asDouble(), 0);
                assertEquals(1.2, l.at("/weightInitFn/distribution/std").asDouble(), 0);
                JsonNode reg = l.get("regularization");
                assertEquals(2, reg.size(), reg.toString());
                assertEquals("org.nd4j.linalg.learning.regularization.L1Regularization", reg.at("/0/@class").asText());
                assertEquals(0.1, reg.at("/0/l1/value").asDouble(), 0);
                assertEquals("org.nd4j.linalg.learning.regularization.WeightDecay", reg.at("/1/@class").asText());
                assertEquals(0.2, reg.at("/1/coeff/value").asDouble(), 0);
                assertFalse(reg.at("/1/applyLR").asBoolean(true));
                assertEquals(0, l.get("regularizationBias").size());
            }
        }
    }

    @Test
    void cnn1CarriesGeometry() throws IOException {
        for (String r : List.of("050", "060", "071")) {
            JsonNode c = upgraded(regression(r, "CNN_1"));
            JsonNode conv = layer(c, 0), pool = layer(c, 1), out = layer(c, 2);
            assertEquals(L + "ConvolutionLayer", conv.get("@class").asText());
            assertEquals("[2,2]", conv.get("kernelSize").toString());
            assertEquals("[1,1]", conv.get("stride").toString());
            assertEquals("[0,0]", conv.get("padding").toString());
            assertEquals(3, conv.get("nin").asInt());
            assertEquals(3, conv.get("nout").asInt());
            assertEquals("org.nd4j.linalg.activations.impl.ActivationTanH", conv.at("/activationFn/@class").asText());
            assertEquals("org.deeplearning4j.nn.weights.WeightInitRelu", conv.at("/weightInitFn/@class").asText());
            assertUpdater(conv, "RmsProp", 0.15, "rmsDecay", 0.96);
            assertEquals(L + "SubsamplingLayer", pool.get("@class").asText());
            assertEquals("MAX", pool.get("poolingType").asText());
            assertEquals("[2,2]", pool.get("kernelSize").toString());
            assertEquals("[1,1]", pool.get("stride").toString());
            assertFalse(pool.has("iupdater"), "pooling has no updater in M2.1");
            assertEquals("org.nd4j.linalg.activations.impl.ActivationSigmoid", out.at("/activationFn/@class").asText());
            assertEquals("org.nd4j.linalg.lossfunctions.impl.LossNegativeLogLikelihood", out.at("/lossFn/@class").asText());
            assertEquals(26 * 26 * 3, out.get("nin").asInt());
            assertEquals(5, out.get("nout").asInt());
        }
        JsonNode pre = upgraded(regression("071", "CNN_1")).at("/inputPreProcessors/2");
        assertEquals("org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor", pre.get("@class").asText());
        assertEquals(28, pre.get("inputHeight").asInt());
        assertEquals(3, pre.get("numChannels").asInt());
        assertEquals("NCHW", pre.get("format").asText());
    }

    @Test
    void upsamplingAlphaConfigUpgrades() throws IOException {
        JsonNode c = upgraded(FIX.resolve("upsampling_100a/net.bin"));
        assertEquals("ConvolutionLayer", LegacyNames.simpleName(layer(c, 0).get("@class").asText()));
        assertEquals("Same", layer(c, 0).get("convolutionMode").asText());
        assertEquals("[2,2]", layer(c, 1).get("size").toString());
        assertEquals("org.nd4j.linalg.lossfunctions.impl.LossMSE", layer(c, 3).at("/lossFn/@class").asText());
        assertFalse(layer(c, 3).get("lossFn").has("configProperties"));
        assertEquals("ENABLED", c.get("trainingWorkspaceMode").asText(), "SEPARATE means workspaces on");
        assertEquals("org.nd4j.linalg.learning.config.Sgd", layer(c, 0).at("/iupdater/@class").asText());
        assertEquals("org.deeplearning4j.nn.weights.WeightInitXavier", layer(c, 3).at("/weightInitFn/@class").asText());
        assertEquals(56, c.at("/inputPreProcessors/3/inputHeight").asInt());
    }

    @Test
    void currentFormatPassesThroughUnchanged() throws IOException {
        JsonNode lenet = upgraded(FIX.resolve("LenetMnist/Model_RANDOM_INIT_UNTRAINED.zip"));
        JsonNode original = LegacyConfigUpgrader.parse(configOf(FIX.resolve("LenetMnist/Model_RANDOM_INIT_UNTRAINED.zip")), "x");
        for (int i = 0; i < original.get("confs").size(); i++) {
            // Every field DL4J wrote survives with its value; only absent defaults are added.
            JsonNode before = layer(original, i), after = layer(lenet, i);
            before.fieldNames().forEachRemaining(k -> assertEquals(before.get(k), after.get(k), k));
            assertTrue(after.size() - before.size() <= 1, after.toString());
        }
        assertEquals(original.at("/inputPreProcessors/0"), lenet.at("/inputPreProcessors/0"));
        assertEquals(50, lenet.at("/inputPreProcessors/4/numChannels").asInt());
        assertEquals("NCHW", lenet.at("/inputPreProcessors/4/format").asText(), "beta7's only layout, made explicit");
        JsonNode moon = upgraded(FIX.resolve("MLPMoon/Model_RANDOM_INIT_UNTRAINED.zip"));
        assertUpdater(layer(moon, 0), "Nesterovs", 0.005, "momentum", 0.9);
    }

    @Test
    void parameterCountsMatchTheCoefficients() throws IOException {
        for (Path zip : allModelZips()) {
            ConfigSummary s = ConfigSummary.of(upgraded(zip), zip.toString());
            assertEquals(coefficientCount(zip), s.numParams(), zip.toString());
        }
    }

    @Test
    void upgradingIsIdempotent() throws IOException {
        for (Path zip : allModelZips()) {
            JsonNode once = upgraded(zip);
            assertEquals(once, LegacyConfigUpgrader.upgrade(once, "again"), zip.toString());
        }
    }

    @Test
    void legacyFrozenGraphParsesAndReportsFrozenLayers() throws IOException {
        String json = Files.readString(FIX.resolve("legacy_frozen/configuration.json"));
        JsonNode c = LegacyConfigUpgrader.upgrade(json, "configuration.json");
        assertEquals(ModelKind.COMPUTATION_GRAPH, LegacyConfigUpgrader.kindOf(c, "x"));
        ConfigSummary s = ConfigSummary.of(c, "configuration.json");
        List<String> frozen = s.frozenLayerNames();
        assertEquals(53 + 53 + 49 + 2 + 1, frozen.size());
        assertTrue(frozen.contains("conv1") && frozen.contains("bn_conv1") && frozen.contains("zeropadding2d_3"));
        assertFalse(frozen.contains("fc1000"), "the new output layer is trainable");
        JsonNode conv1 = c.at("/vertices/conv1/layerConf/layer");
        assertEquals(LegacyNames.FROZEN, conv1.get("@class").asText());
        assertEquals(L + "ConvolutionLayer", conv1.at("/layer/@class").asText());
        assertEquals("[7,7]", conv1.at("/layer/kernelSize").toString());
        assertEquals("org.deeplearning4j.nn.weights.WeightInitXavierUniform",
                conv1.at("/layer/weightInitFn/@class").asText());
        assertEquals("org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor",
                c.at("/vertices/flatten_3/preProcessor/@class").asText());
        assertEquals("org.deeplearning4j.nn.conf.graph.ElementWiseVertex", c.at("/vertices/merge_33/@class").asText());
        assertEquals("LossNegativeLogLikelihood",
                LegacyNames.simpleName(c.at("/vertices/fc1000/layerConf/layer/lossFn/@class").asText()));
        assertEquals(61415, c.get("iterationCount").asInt());
        // Vertex order decides the parameter layout (DL4J_SPEC 2.7): it must survive.
        List<String> before = new ArrayList<>(), after = new ArrayList<>();
        LegacyConfigUpgrader.parse(json, "x").get("vertices").fieldNames().forEachRemaining(before::add);
        c.get("vertices").fieldNames().forEachRemaining(after::add);
        assertEquals(before, after);
    }

    // ---- refusals ---------------------------------------------------------------------------------

    private static ModelFormatException refuse(String json) {
        return assertThrows(ModelFormatException.class, () -> LegacyConfigUpgrader.upgrade(json, "conf.json"));
    }

    @Test
    void recurrentLayersAreRefusedByName() throws IOException {
        String mlp = configOf(regression("050", "MLP_1"));
        ModelFormatException e = refuse(mlp.replaceFirst("\"dense\"", "\"gravesLSTM\""));
        assertTrue(e.getMessage().contains("layer 0") && e.getMessage().contains("GravesLSTM")
                && e.getMessage().contains("supports only"), e.getMessage());
        String moon = configOf(FIX.resolve("MLPMoon/Model_RANDOM_INIT_UNTRAINED.zip"));
        e = refuse(moon.replaceFirst("layers.DenseLayer", "layers.LSTM"));
        assertTrue(e.getMessage().contains("org.deeplearning4j.nn.conf.layers.LSTM")
                && e.getMessage().contains("DenseLayer"), e.getMessage());
    }

    @Test
    void unsupportedVerticesAndPreprocessorsAreRefused() {
        String graph = """
            {"networkInputs":["in"],"networkOutputs":["out"],"vertexInputs":{"last":["in"]},
             "vertices":{"last":{"LastTimeStepVertex":{"maskArrayInputName":"in"}}}}""";
        ModelFormatException e = refuse(graph);
        assertTrue(e.getMessage().contains("vertex 'last'") && e.getMessage().contains("LastTimeStepVertex"),
                e.getMessage());
        String rnnPre = """
            {"networkInputs":["in"],"networkOutputs":["p"],"vertexInputs":{"p":["in"]},
             "vertices":{"p":{"PreprocessorVertex":{"preProcessor":{"rnnToFeedForward":{}}}}}}""";
        assertTrue(refuse(rnnPre).getMessage().contains("RnnToFeedForwardPreProcessor"));
        assertTrue(refuse("{\"foo\":1}").getMessage().contains("neither a ComputationGraph"));
        assertTrue(refuse("{not json").getMessage().startsWith("conf.json: not valid JSON"));
    }

    @Test
    void tensorFlowFlattenPreprocessorIsAccepted() throws IOException {
        String graph = """
            {"networkInputs":["in"],"networkOutputs":["flat"],"vertexInputs":{"flat":["in"]},
             "vertices":{"flat":{"PreprocessorVertex":{"preProcessor":{
               "@class":"org.deeplearning4j.nn.modelimport.keras.preprocessors.TensorFlowCnnToFeedForwardPreProcessor",
               "inputHeight":2,"inputWidth":3,"numChannels":4}}}}}""";
        JsonNode c = LegacyConfigUpgrader.upgrade(graph, "g");
        assertEquals(LegacyNames.TF_CNN_TO_FF, c.at("/vertices/flat/preProcessor/@class").asText());
        assertEquals(4, c.at("/vertices/flat/preProcessor/numChannels").asInt());
        assertEquals("FLOAT", c.at("/defaultConfiguration/dataType").asText());
    }

    @Test
    void beta3ClassFormWithLegacyFieldsIsConverted() throws IOException {
        String beta3 = """
            {"backprop":true,"pretrain":false,"backpropType":"Standard","confs":[{"l1ByParam":{},"layer":{
              "@class":"org.deeplearning4j.nn.conf.layers.DenseLayer","activationFn":{
                "@class":"org.nd4j.linalg.activations.impl.ActivationReLU"},"iupdater":{
                "@class":"org.nd4j.linalg.learning.config.Adam","learningRate":0.001,"beta1":0.9,"beta2":0.999,
                "epsilon":1.0E-8},"l1":0.0,"l2":5.0E-4,"l1Bias":0.0,"l2Bias":1.0E-4,"weightInit":"RELU","dist":null,
              "nin":4,"nout":3,"layerName":"fc"},"legacyBatchScaledL2":true,"seed":1},
              {"layer":{"@class":"org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop","underlying":{
                "@class":"org.deeplearning4j.nn.conf.layers.OutputLayer","activationFn":{
                "@class":"org.nd4j.linalg.activations.impl.ActivationSoftmax"},"lossFn":{
                "@class":"org.nd4j.linalg.lossfunctions.impl.LossMCXENT"},"weightInit":"DISTRIBUTION",
                "dist":{"type":"org.deeplearning4j.nn.conf.distribution.UniformDistribution","lower":-0.5,"upper":0.5},
                "nin":3,"nout":2}}}],"inputPreProcessors":{},"trainingWorkspaceMode":"SINGLE"}""";
        JsonNode c = LegacyConfigUpgrader.upgrade(beta3, "beta3.json");
        JsonNode fc = layer(c, 0);
        assertEquals("org.deeplearning4j.nn.weights.WeightInitRelu", fc.at("/weightInitFn/@class").asText());
        assertEquals(1, fc.get("regularization").size(), "l1 0.0 adds nothing");
        assertEquals("org.nd4j.linalg.learning.regularization.WeightDecay", fc.at("/regularization/0/@class").asText());
        assertEquals(5.0E-4, fc.at("/regularization/0/coeff/value").asDouble(), 0);
        assertEquals(1.0E-4, fc.at("/regularizationBias/0/coeff/value").asDouble(), 0);
        assertEquals(0.999, fc.at("/iupdater/beta2").asDouble(), 0, "an existing iupdater is kept");
        JsonNode frozen = layer(c, 1);
        assertEquals(LegacyNames.FROZEN_BACKPROP, frozen.get("@class").asText());
        assertEquals("org.deeplearning4j.nn.conf.distribution.UniformDistribution",
                frozen.at("/underlying/weightInitFn/distribution/type").asText());
        assertEquals(1.0E-10, frozen.at("/underlying/lossFn/softmaxClipEps").asDouble(), 0);
        assertEquals("ENABLED", c.get("trainingWorkspaceMode").asText());
        assertFalse(c.has("backprop") || c.has("pretrain"));
        ConfigSummary s = ConfigSummary.of(c, "beta3.json");
        assertEquals(4 * 3 + 3 + 3 * 2 + 2, s.numParams());
        assertEquals(List.of("layer1"), s.frozenLayerNames());
    }

    @Test
    void legacyLearningRatePoliciesBecomeSchedules() throws IOException {
        String mlp = configOf(regression("071", "MLP_1"));
        JsonNode step = LegacyConfigUpgrader.upgrade(mlp.replace("\"learningRatePolicy\" : \"None\"",
                "\"learningRatePolicy\" : \"Step\"").replace("\"lrPolicyDecayRate\" : \"NaN\"",
                "\"lrPolicyDecayRate\" : 0.5").replace("\"lrPolicySteps\" : \"NaN\"", "\"lrPolicySteps\" : 100"), "s");
        JsonNode schedule = layer(step, 0).at("/iupdater/learningRateSchedule");
        assertEquals("org.nd4j.linalg.schedule.StepSchedule", schedule.get("@class").asText(), step.toString());
        assertEquals(0.15, schedule.get("initialValue").asDouble(), 1e-12);
        assertEquals(0.5, schedule.get("decayRate").asDouble(), 0);
        assertEquals(100, schedule.get("step").asDouble(), 0);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> LegacyConfigUpgrader.upgrade(
                mlp.replace("\"learningRatePolicy\" : \"None\"", "\"learningRatePolicy\" : \"Poly\""), "p.json"));
        assertTrue(e.getMessage().contains("p.json: layer 0") && e.getMessage().contains("'Poly'"), e.getMessage());
    }
}
