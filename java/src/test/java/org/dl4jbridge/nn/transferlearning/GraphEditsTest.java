package org.dl4jbridge.nn.transferlearning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.dl4jbridge.nn.conf.ComputationGraphConfiguration;
import org.dl4jbridge.nn.conf.graph.FrozenVertex;
import org.dl4jbridge.nn.conf.graph.LayerVertex;
import org.dl4jbridge.nn.conf.layers.BaseLayer;
import org.dl4jbridge.nn.conf.layers.DenseLayer;
import org.dl4jbridge.nn.conf.layers.OutputLayer;
import org.dl4jbridge.nn.conf.layers.misc.FrozenLayer;
import org.dl4jbridge.nn.updater.Nesterovs;
import org.dl4jbridge.nn.updater.NoOp;
import org.dl4jbridge.nn.updater.Sgd;
import org.junit.jupiter.api.Test;

/** The configuration side of TransferLearning.GraphBuilder (DL4J_SPEC 5.2-5.4). */
class GraphEditsTest {
    private static final FineTuneConfiguration FTC = new FineTuneConfiguration.Builder()
            .updater(new Nesterovs(5e-5, 0.9)).seed(12345).build();

    private static TransferLearning.GraphBuilder builder() {
        ComputationGraphConfiguration orig = TinyVgg.conf(42);
        return new TransferLearning.GraphBuilder(() -> orig);
    }

    /** DL4J's EditLastLayerOthersFrozen sequence. */
    private static ComputationGraphConfiguration lessonEdit() {
        return builder().fineTuneConfiguration(FTC).setFeatureExtractor("fc2")
                .removeVertexKeepConnections("predictions")
                .addLayer("predictions", TinyVgg.newHead(), "fc2")
                .buildConfiguration();
    }

    @Test
    void featureExtractorFreezesTheVertexAndAllItsAncestorsLikeDl4j() {
        ComputationGraphConfiguration c = lessonEdit();
        for (String name : List.of("block1_conv1", "block1_pool", "fc1", "fc2")) {
            LayerVertex lv = (LayerVertex) c.getVertices().get(name);
            assertInstanceOf(FrozenLayer.class, lv.getLayer(), name);
            assertEquals(name, lv.getLayer().getLayerName());
            assertInstanceOf(NoOp.class, lv.getLayer().getUpdaterByParam("W"));
        }
        assertInstanceOf(FrozenVertex.class, c.getVertices().get("flatten"));
        LayerVertex head = (LayerVertex) c.getVertices().get("predictions");
        assertInstanceOf(OutputLayer.class, head.getLayer());
        assertEquals(5, ((OutputLayer) head.getLayer()).getNOut());
        assertEquals(List.of("fc2"), c.getVertexInputs().get("predictions"));
        assertEquals(List.of("predictions"), c.getNetworkOutputs());
        assertEquals(List.of("input"), c.getNetworkInputs());
        // The re-added vertex goes to the end of the vertex map, as in DL4J.
        assertEquals(List.of("block1_conv1", "block1_pool", "flatten", "fc1", "fc2", "predictions"),
                new ArrayList<>(c.getVertices().keySet()));
    }

    @Test
    void fineTuneUpdaterAndSeedReachEveryLayerAndTheNewOne() {
        ComputationGraphConfiguration c = lessonEdit();
        FrozenLayer fc1 = (FrozenLayer) ((LayerVertex) c.getVertices().get("fc1")).getLayer();
        Nesterovs inner = (Nesterovs) ((BaseLayer) fc1.getLayer()).getIUpdater();
        assertEquals(5e-5, inner.getLearningRate(0, 0), 0);
        LayerVertex head = (LayerVertex) c.getVertices().get("predictions");
        assertEquals(5e-5, ((BaseLayer) head.getLayer()).getIUpdater().getLearningRate(0, 0), 0);
        assertEquals(12345L, head.getLayerConf().getSeed());
        assertEquals(12345L, ((LayerVertex) c.getVertices().get("fc2")).getLayerConf().getSeed());
    }

    @Test
    void withoutFineTuneNewLayersTakeDl4jBuilderDefaults() {
        ComputationGraphConfiguration c = builder().removeVertexKeepConnections("predictions")
                .addLayer("predictions", TinyVgg.newHead(), "fc2").buildConfiguration();
        BaseLayer head = (BaseLayer) ((LayerVertex) c.getVertices().get("predictions")).getLayer();
        assertInstanceOf(Sgd.class, head.getIUpdater());
        assertEquals(42L, ((LayerVertex) c.getVertices().get("predictions")).getLayerConf().getSeed());
        assertInstanceOf(Nesterovs.class, ((BaseLayer) ((LayerVertex) c.getVertices().get("fc1")).getLayer()).getIUpdater());
    }

    @Test
    void everyCallOrderGivesTheSameConfiguration() {
        List<Consumer<TransferLearning.GraphBuilder>> calls = List.of(
                b -> b.fineTuneConfiguration(FTC),
                b -> b.setFeatureExtractor("fc2"),
                b -> b.removeVertexKeepConnections("predictions"),
                b -> b.addLayer("predictions", TinyVgg.newHead(), "fc2"));
        String expected = lessonEdit().toJson();
        int checked = 0;
        for (List<Integer> perm : permutations(List.of(0, 1, 2, 3))) {
            TransferLearning.GraphBuilder b = builder();
            for (int i : perm) calls.get(i).accept(b);
            assertEquals(expected, b.buildConfiguration().toJson(), "order " + perm);
            checked++;
        }
        assertEquals(24, checked);
    }

    @Test
    void unknownNamesAreRejectedAtOnceWithTheClosestNames() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> builder().setFeatureExtractor("fc_2"));
        assertTrue(e.getMessage().contains("'fc_2'") && e.getMessage().contains("fc2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> builder().removeVertexKeepConnections("prediction"));
        assertTrue(e.getMessage().contains("predictions"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> builder().removeVertexKeepConnections("predictions").addLayer("predictions", TinyVgg.newHead(), "fc3")
                        .buildConfiguration());
        assertTrue(e.getMessage().contains("'fc3'") && e.getMessage().contains("fc2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> builder().setFeatureExtractor("input"));
        assertTrue(e.getMessage().contains("network input"), e.getMessage());
    }

    @Test
    void freezingTheOutputLayerIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> builder().setFeatureExtractor("predictions").buildConfiguration());
        assertTrue(e.getMessage().contains("output layer 'predictions'") && e.getMessage().contains("setFeatureExtractor(\"fc2\")"),
                e.getMessage());
    }

    @Test
    void addingAnExistingNameWithoutRemovingItIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> builder().addLayer("predictions", TinyVgg.newHead(), "fc2").buildConfiguration());
        assertTrue(e.getMessage().contains("removeVertexKeepConnections(\"predictions\")"), e.getMessage());
    }

    @Test
    void removeAndConnectionsDropsReferencesSoOutputsMustBeSet() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> builder().removeVertexAndConnections("predictions").buildConfiguration());
        assertTrue(e.getMessage().contains("no outputs"), e.getMessage());
        ComputationGraphConfiguration c = builder().removeVertexAndConnections("predictions")
                .addLayer("head", TinyVgg.newHead(), "fc2").setOutputs("head").buildConfiguration();
        assertEquals(List.of("head"), c.getNetworkOutputs());
        assertFalse(c.getVertices().containsKey("predictions"));
    }

    @Test
    void parallelBranchStaysTrainable() {
        ComputationGraphConfiguration c = builder().setFeatureExtractor("fc1")
                .addLayer("side", new DenseLayer.Builder().nIn(36).nOut(3).build(), "flatten")
                .addLayer("side_out", new OutputLayer.Builder().nIn(3).nOut(2).build(), "side")
                .setOutputs("predictions", "side_out")
                .buildConfiguration();
        assertInstanceOf(FrozenLayer.class, ((LayerVertex) c.getVertices().get("fc1")).getLayer());
        assertInstanceOf(DenseLayer.class, ((LayerVertex) c.getVertices().get("fc2")).getLayer());
        assertInstanceOf(DenseLayer.class, ((LayerVertex) c.getVertices().get("side")).getLayer());
        assertInstanceOf(FrozenVertex.class, c.getVertices().get("flatten"));
    }

    @Test
    void nOutReplaceResizesTheLayerAndItsConsumer() {
        ComputationGraphConfiguration c = builder().fineTuneConfiguration(FTC)
                .nOutReplace("fc2", 12, org.dl4jbridge.nn.weights.WeightInit.XAVIER).buildConfiguration();
        assertEquals(12, ((DenseLayer) ((LayerVertex) c.getVertices().get("fc2")).getLayer()).getNOut());
        assertEquals(12, ((OutputLayer) ((LayerVertex) c.getVertices().get("predictions")).getLayer()).getNIn());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> builder().nOutReplace("flatten", 3, org.dl4jbridge.nn.weights.WeightInit.XAVIER));
        assertTrue(e.getMessage().contains("not a layer with nIn/nOut"), e.getMessage());
    }

    @Test
    void originalConfigurationIsNotModified() {
        ComputationGraphConfiguration orig = TinyVgg.conf(42);
        String before = orig.toJson();
        new TransferLearning.GraphBuilder(() -> orig).fineTuneConfiguration(FTC).setFeatureExtractor("fc2")
                .removeVertexKeepConnections("predictions").addLayer("predictions", TinyVgg.newHead(), "fc2")
                .buildConfiguration();
        assertEquals(before, orig.toJson());
    }

    static <T> List<List<T>> permutations(List<T> items) {
        if (items.isEmpty()) return List.of(List.of());
        List<List<T>> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            List<T> rest = new ArrayList<>(items);
            T head = rest.remove(i);
            for (List<T> p : permutations(rest)) {
                List<T> l = new ArrayList<>();
                l.add(head);
                l.addAll(p);
                out.add(l);
            }
        }
        return out;
    }

    @SuppressWarnings("unused")
    private static Set<String> names(ComputationGraphConfiguration c) { return c.getVertices().keySet(); }
}
