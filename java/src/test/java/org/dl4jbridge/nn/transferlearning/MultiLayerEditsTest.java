package org.dl4jbridge.nn.transferlearning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.Consumer;
import org.dl4jbridge.nn.conf.MultiLayerConfiguration;
import org.dl4jbridge.nn.conf.NeuralNetConfiguration;
import org.dl4jbridge.nn.conf.activations.Activation;
import org.dl4jbridge.nn.conf.layers.DenseLayer;
import org.dl4jbridge.nn.conf.layers.OutputLayer;
import org.dl4jbridge.nn.conf.layers.misc.FrozenLayer;
import org.dl4jbridge.nn.conf.losses.LossFunctions;
import org.dl4jbridge.nn.updater.Adam;
import org.junit.jupiter.api.Test;

class MultiLayerEditsTest {
    static MultiLayerConfiguration mlp() {
        return new NeuralNetConfiguration.Builder().seed(7).activation(Activation.RELU).list()
                .layer(new DenseLayer.Builder().nIn(3).nOut(4).build())
                .layer(new DenseLayer.Builder().nIn(4).nOut(4).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(4).nOut(5).activation(Activation.SOFTMAX).build())
                .build();
    }

    private static TransferLearning.Builder builder() {
        MultiLayerConfiguration orig = mlp();
        return new TransferLearning.Builder(() -> orig);
    }

    private static OutputLayer head() {
        return new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(4).nOut(2).activation(Activation.SOFTMAX).build();
    }

    @Test
    void freezesLayersUpToTheIndexAndReplacesTheOutput() {
        FineTuneConfiguration ftc = new FineTuneConfiguration.Builder().updater(new Adam(1e-3)).seed(99).build();
        List<Consumer<TransferLearning.Builder>> calls = List.of(b -> b.fineTuneConfiguration(ftc), b -> b.setFeatureExtractor(1),
                b -> b.removeOutputLayer(), b -> b.addLayer(head()));
        String expected = null;
        for (List<Integer> perm : GraphEditsTest.permutations(List.of(0, 1, 2, 3))) {
            TransferLearning.Builder b = builder();
            for (int i : perm) calls.get(i).accept(b);
            MultiLayerConfiguration c = b.buildConfiguration();
            if (expected == null) {
                expected = c.toJson();
                assertInstanceOf(FrozenLayer.class, c.getConf(0).getLayer());
                assertInstanceOf(FrozenLayer.class, c.getConf(1).getLayer());
                OutputLayer out = (OutputLayer) c.getConf(2).getLayer();
                assertEquals(2, out.getNOut());
                assertInstanceOf(Adam.class, out.getIUpdater());
                assertEquals(99L, c.getConf(2).getSeed());
            }
            assertEquals(expected, c.toJson(), "order " + perm);
        }
    }

    @Test
    void freezingTheOutputLayerAndBadIndicesAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> builder().setFeatureExtractor(2).buildConfiguration());
        assertTrue(e.getMessage().contains("output layer"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> builder().setFeatureExtractor(3));
        assertTrue(e.getMessage().contains("0..2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> builder().removeLayersFromOutput(4));
        assertTrue(e.getMessage().contains("3 layers"), e.getMessage());
    }

    @Test
    void nOutReplaceResizesTheNextLayer() {
        MultiLayerConfiguration c = builder().nOutReplace(1, 6, org.dl4jbridge.nn.weights.WeightInit.XAVIER).buildConfiguration();
        assertEquals(6, ((DenseLayer) c.getConf(1).getLayer()).getNOut());
        assertEquals(6, ((OutputLayer) c.getConf(2).getLayer()).getNIn());
    }

    @Test
    void builtNetworkKeepsFrozenParametersAndTrainsTheNewOutput() {
        org.dl4jbridge.nn.multilayer.MultiLayerNetwork orig = new org.dl4jbridge.nn.multilayer.MultiLayerNetwork(mlp());
        orig.init();
        org.dl4jbridge.nn.multilayer.MultiLayerNetwork n = new TransferLearning.Builder(orig)
                .fineTuneConfiguration(new FineTuneConfiguration.Builder().updater(new org.dl4jbridge.nn.updater.Sgd(0.5)).seed(3).build())
                .setFeatureExtractor(1).removeOutputLayer().addLayer(head()).build();
        float[] w0 = orig.getLayer(0).paramTable().get("W").dup().toFloatArray();
        org.junit.jupiter.api.Assertions.assertArrayEquals(w0, n.getLayer(0).paramTable().get("W").dup().toFloatArray());
        float[] head0 = n.getLayer(2).paramTable().get("W").dup().toFloatArray();
        org.dl4jbridge.ndarray.NDArray x = org.dl4jbridge.ndarray.NDArray.of(new float[] {1, 2, 3, -1, 0, 1}, 2, 3);
        org.dl4jbridge.ndarray.NDArray y = org.dl4jbridge.ndarray.NDArray.of(new float[] {1, 0, 0, 1}, 2, 2);
        for (int i = 0; i < 3; i++) n.fit(x, y);
        org.junit.jupiter.api.Assertions.assertArrayEquals(w0, n.getLayer(0).paramTable().get("W").dup().toFloatArray());
        org.junit.jupiter.api.Assertions.assertFalse(java.util.Arrays.equals(head0, n.getLayer(2).paramTable().get("W").dup().toFloatArray()));
    }
}
