package org.dl4jbridge.nn.conf;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.dl4jbridge.nn.conf.activations.Activation;
import org.dl4jbridge.nn.conf.distribution.NormalDistribution;
import org.dl4jbridge.nn.conf.graph.LayerVertex;
import org.dl4jbridge.nn.conf.inputs.InputType;
import org.dl4jbridge.nn.conf.layers.ConvolutionLayer;
import org.dl4jbridge.nn.conf.layers.DenseLayer;
import org.dl4jbridge.nn.conf.layers.OutputLayer;
import org.dl4jbridge.nn.conf.layers.PoolingType;
import org.dl4jbridge.nn.conf.layers.SubsamplingLayer;
import org.dl4jbridge.nn.conf.layers.misc.FrozenLayer;
import org.dl4jbridge.nn.conf.losses.LossFunctions.LossFunction;
import org.dl4jbridge.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.dl4jbridge.nn.conf.serde.InvalidConfigurationException;
import org.dl4jbridge.nn.updater.Nesterovs;
import org.dl4jbridge.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;

class ConfigurationJsonTest {
    static String resource(String name) throws IOException {
        try (InputStream in = ConfigurationJsonTest.class.getResourceAsStream("/nn/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static Path fixtures() {
        return org.dl4jbridge.testutil.Npz.fixtures();
    }

    /** The spec's M2.1 example document reads and writes back byte for byte. */
    @Test
    void specExampleRoundTripsExactly() throws IOException {
        String spec = resource("spec_3_10_graph.json");
        ComputationGraphConfiguration c = ComputationGraphConfiguration.fromJson(spec);
        assertEquals(spec, c.toJson());
        assertEquals(java.util.List.of("in", "conv", "pool", "fc", "out"), c.getTopologicalOrderStr());
        LayerVertex fc = (LayerVertex) c.getVertices().get("fc");
        assertEquals(new CnnToFeedForwardPreProcessor(4, 4, 4), fc.getPreProcessor());
    }

    /** Building the spec's example with builders gives the same document (variables are filled by init, so set them here). */
    @Test
    void builderReproducesSpecExample() throws IOException {
        ComputationGraphConfiguration c = new NeuralNetConfiguration.Builder()
                .seed(12345).updater(new Nesterovs(5e-5)).activation(Activation.RELU).weightInit(WeightInit.XAVIER)
                .graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.convolutional(8, 8, 3))
                .addLayer("conv", new FrozenLayer(new ConvolutionLayer.Builder(3, 3).nOut(4).padding(1, 1).build()), "in")
                .addLayer("pool", new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build(), "conv")
                .addLayer("fc", new DenseLayer.Builder().nOut(8).dropOut(0.5).build(), "pool")
                .addLayer("out", new OutputLayer.Builder(LossFunction.NEGATIVELOGLIKELIHOOD).nOut(3).activation(Activation.SOFTMAX)
                        .weightInit(new NormalDistribution(0, 0.01)).build(), "fc")
                .setOutputs("out")
                .build();
        c.getDefaultConfiguration().setVariables(java.util.List.of("conv_W", "conv_b", "fc_W", "fc_b", "out_W", "out_b"));
        for (String v : new String[] {"conv", "fc", "out"}) {
            ((LayerVertex) c.getVertices().get(v)).getLayerConf().setVariables(java.util.List.of("W", "b"));
        }
        assertEquals(resource("spec_3_10_graph.json"), c.toJson());
    }

    /** DL4J beta7's MLPMoon config reads; writing it back gives the same text plus M2.1's timeDistributedFormat. */
    @Test
    void mlpMoonConfigRoundTrips() throws IOException {
        String json = Files.readString(fixtures().resolve("MLPMoon/config.mlc.json"));
        MultiLayerConfiguration c = MultiLayerConfiguration.fromJson(json);
        assertEquals(2, c.getConfs().size());
        DenseLayer d = (DenseLayer) c.getConf(0).getLayer();
        assertEquals(2, d.getNIn());
        assertEquals(20, d.getNOut());
        assertEquals(new Nesterovs(0.005, 0.9), d.getIUpdater());
        assertEquals(123, c.getConf(1).getSeed());
        String written = c.toJson().replace("      \"timeDistributedFormat\" : null,\n", "");
        assertEquals(json.replace("\r\n", "\n"), written);
        assertEquals(written, MultiLayerConfiguration.fromJson(c.toJson()).toJson().replace("      \"timeDistributedFormat\" : null,\n", ""));
    }

    @Test
    void wrongKindAndBadInputGiveClearErrors() throws IOException {
        String graph = resource("spec_3_10_graph.json");
        InvalidConfigurationException e = assertThrows(InvalidConfigurationException.class, () -> MultiLayerConfiguration.fromJson(graph));
        assertTrue(e.getMessage().contains("ComputationGraph"), e.getMessage());
        assertThrows(InvalidConfigurationException.class, () -> ComputationGraphConfiguration.fromJson("{ not json"));
        String lstm = graph.replace("org.deeplearning4j.nn.conf.layers.DenseLayer", "org.deeplearning4j.nn.conf.layers.LSTM");
        e = assertThrows(InvalidConfigurationException.class, () -> ComputationGraphConfiguration.fromJson(lstm));
        assertTrue(e.getMessage().contains("vertices.fc.layerConf.layer") && e.getMessage().contains("LSTM"), e.getMessage());
    }

    @Test
    void nesterovsOneArgumentConstructorSetsMomentum() {
        Nesterovs n = new Nesterovs(5e-5);
        assertEquals(0.1, n.getLearningRate());
        assertEquals(5e-5, n.getMomentum());
        assertEquals(new Nesterovs(0.1, 0.9), new Nesterovs());
    }

    @Test
    void graphBuilderRejectsUnknownNamesWithSuggestions() {
        NeuralNetConfiguration.Builder g = new NeuralNetConfiguration.Builder().seed(1);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> g.graphBuilder().addInputs("in")
                .addLayer("fc2", new DenseLayer.Builder().nIn(3).nOut(4).build(), "in")
                .addLayer("out", new OutputLayer.Builder().nIn(4).nOut(2).build(), "fc_2")
                .setOutputs("out").build());
        assertTrue(e.getMessage().contains("fc_2") && e.getMessage().contains("fc2"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> g.graphBuilder().addInputs("in")
                .addLayer("out", new OutputLayer.Builder().nOut(2).build(), "in").setOutputs("out").build());
    }
}
