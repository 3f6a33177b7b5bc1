package org.dl4jbridge.nn.graph;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.dl4jbridge.datasets.DataSet;
import org.dl4jbridge.nn.conf.ComputationGraphConfiguration;
import org.dl4jbridge.nn.conf.graph.LayerVertex;
import org.dl4jbridge.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.dl4jbridge.nn.updater.Adam;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.testutil.GradientCheck;
import org.junit.jupiter.api.Test;

class ComputationGraphTest {

    /** Finite differences over every parameter of a graph holding every layer and vertex kind (training mode, float32). */
    @Test
    void gradientCheckEveryLayerKind() {
        ComputationGraph g = new ComputationGraph(TestGraphs.everyLayer(42));
        g.init();
        DataSet ds = TestGraphs.randomData(3, 2, 6, 6, 3, 7);
        g.computeGradientAndScore(ds);
        NDArray analytic = g.gradient().dup();
        for (int i = 0; i < analytic.length(); i++) analytic.put(i, analytic.get(i) / 3f);
        GradientCheck.Result r = GradientCheck.check(g.params(), analytic, p -> g.score(ds, true), GradientCheck.Tolerance.FLOAT32);
        assertEquals(g.numParams(), r.checked());
        System.out.println("every-layer gradient check: " + r);
    }

    @Test
    void sameSeedSameParametersAndTraining() {
        DataSet ds = TestGraphs.randomData(4, 2, 6, 6, 3, 11);
        NDArray[] finals = new NDArray[2];
        for (int run = 0; run < 2; run++) {
            ComputationGraph g = new ComputationGraph(TestGraphs.everyLayer(123, 0.5, new Adam(1e-2)));
            g.init();
            for (int i = 0; i < 3; i++) g.fit(ds);
            finals[run] = g.params().dup();
        }
        assertArrayEquals(finals[0].toFloatArray(), finals[1].toFloatArray());
        ComputationGraph other = new ComputationGraph(TestGraphs.everyLayer(124));
        other.init();
        ComputationGraph same = new ComputationGraph(TestGraphs.everyLayer(123));
        same.init();
        assertFalse(java.util.Arrays.equals(other.params().toFloatArray(), same.params().toFloatArray()));
    }

    @Test
    void inputTypesInferSizesAndPreProcessors() {
        ComputationGraphConfiguration c = TestGraphs.everyLayer(1);
        assertEquals(2, ((org.dl4jbridge.nn.conf.layers.ConvolutionLayer) ((LayerVertex) c.getVertices().get("conv1")).getLayer()).getNIn());
        assertEquals(3, ((org.dl4jbridge.nn.conf.layers.DepthwiseConvolution2D) ((LayerVertex) c.getVertices().get("dw")).getLayer()).getNIn());
        assertEquals(54, ((org.dl4jbridge.nn.conf.layers.DenseLayer) ((LayerVertex) c.getVertices().get("dense")).getLayer()).getNIn());
        assertEquals(10, ((org.dl4jbridge.nn.conf.layers.OutputLayer) ((LayerVertex) c.getVertices().get("out")).getLayer()).getNIn());
        assertNull(((LayerVertex) c.getVertices().get("dense")).getPreProcessor());
        ComputationGraph g = new ComputationGraph(c);
        g.init();
        NDArray out = g.outputSingle(TestGraphs.randomData(5, 2, 6, 6, 3, 3).getFeatures());
        assertArrayEquals(new int[] {5, 3}, out.shape());
        for (int i = 0; i < 5; i++) assertEquals(1.0, out.getAt(i, 0) + out.getAt(i, 1) + out.getAt(i, 2), 1e-5);
        // JSON after init carries variables and round-trips
        String json = c.toJson();
        assertTrue(json.contains("\"conv1_b\""));
        assertEquals(json, ComputationGraphConfiguration.fromJson(json).toJson());
        ComputationGraph restored = new ComputationGraph(ComputationGraphConfiguration.fromJson(json));
        restored.init(g.params(), true);
        NDArray x = TestGraphs.randomData(2, 2, 6, 6, 3, 9).getFeatures();
        assertArrayEquals(g.outputSingle(x).toFloatArray(), restored.outputSingle(x).toFloatArray());
    }

    @Test
    void autoPreProcessorForDenseAfterConv() {
        ComputationGraphConfiguration c = new org.dl4jbridge.nn.conf.NeuralNetConfiguration.Builder().seed(3)
                .graphBuilder().addInputs("in").setInputTypes(org.dl4jbridge.nn.conf.inputs.InputType.convolutional(4, 4, 2))
                .addLayer("conv", new org.dl4jbridge.nn.conf.layers.ConvolutionLayer.Builder(3, 3).nOut(2).build(), "in")
                .addLayer("out", new org.dl4jbridge.nn.conf.layers.OutputLayer.Builder().nOut(2).build(), "conv")
                .setOutputs("out").build();
        assertEquals(new CnnToFeedForwardPreProcessor(2, 2, 2), ((LayerVertex) c.getVertices().get("out")).getPreProcessor());
    }

    @Test
    void badInputsGiveTypedErrors() {
        ComputationGraph g = new ComputationGraph(TestGraphs.everyLayer(5));
        g.init();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> g.outputSingle(NDArray.zeros(2, 3, 6, 6)));
        assertTrue(e.getMessage().contains("conv1"), e.getMessage());
        DataSet wrongClasses = new DataSet(TestGraphs.randomData(2, 2, 6, 6, 3, 1).getFeatures(), NDArray.zeros(2, 4));
        e = assertThrows(IllegalArgumentException.class, () -> g.fit(wrongClasses));
        assertTrue(e.getMessage().contains("wrong number of classes"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> new ComputationGraph(TestGraphs.everyLayer(5)).params());
    }

    @Test
    void summaryListsVerticesParamsAndFrozen() {
        ComputationGraph g = new ComputationGraph(TestGraphs.everyLayer(5));
        g.init();
        g.freezeLayersInPlace(List.of("conv1"));
        String s = g.summary();
        assertTrue(s.contains("conv1 (Frozen ConvolutionLayer)"), s);
        assertTrue(s.contains("b:{1,3}, W:{3,2,3,3}"), s);
        assertTrue(s.contains("Total Parameters:  " + g.numParams()), s);
        assertTrue(s.contains("Frozen Parameters:  57"), s);
        NDArray before = g.getLayer("conv1").paramTable().get("W").dup();
        g.fit(TestGraphs.randomData(2, 2, 6, 6, 3, 4));
        assertArrayEquals(before.toFloatArray(), g.getLayer("conv1").paramTable().get("W").toFloatArray());
    }

    /** DL4J_SPEC 3.10's example: parameter layout (conv b then W c-order, dense W f-order) and updater blocks. */
    @Test
    void specExampleLayoutAndUpdaterState() throws Exception {
        String json;
        try (var in = getClass().getResourceAsStream("/nn/spec_3_10_graph.json")) {
            json = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        ComputationGraph g = new ComputationGraph(ComputationGraphConfiguration.fromJson(json));
        g.init();
        assertEquals(659, g.numParams());
        NDArray p = g.params();
        for (int i = 0; i < 659; i++) p.put(i, i);
        assertEquals(0f, g.getParam("conv_b").get(0));
        assertEquals(4f, g.getParam("conv_W").getAt(0, 0, 0, 0));
        assertEquals(4f + 1 * 27 + 2 * 9 + 1 * 3 + 1, g.getParam("conv_W").getAt(1, 2, 1, 1));
        assertEquals(112f + 5 + 3 * 64, g.getParam("fc_W").getAt(5, 3));
        assertEquals(624f, g.getParam("fc_b").get(0));
        assertEquals(632f + 7 + 2 * 8, g.getParam("out_W").getAt(7, 2));
        assertEquals(656f, g.getParam("out_b").get(0));
        assertEquals(547, g.getUpdater().stateSize());
        var blocks = g.getUpdater().getBlocks();
        assertEquals(2, blocks.size());
        assertTrue(blocks.get(0).updater() instanceof org.dl4jbridge.nn.updater.NoOp);
        assertEquals(112, blocks.get(1).paramOffset());
        assertEquals(547, blocks.get(1).stateLength());
        assertEquals(json, g.getConfiguration().toJson());
    }

    /** FrozenLayerWithBackprop (dense and batch norm inside): no parameter change, but the gradient reaches the layer below. */
    @Test
    void frozenWithBackprop() {
        var c = new org.dl4jbridge.nn.conf.NeuralNetConfiguration.Builder().seed(9).activation(org.dl4jbridge.nn.conf.activations.Activation.TANH)
                .updater(new org.dl4jbridge.nn.updater.Sgd(0.1))
                .graphBuilder().addInputs("in")
                .addLayer("d1", new org.dl4jbridge.nn.conf.layers.DenseLayer.Builder().nIn(3).nOut(4).build(), "in")
                .addLayer("bn", new org.dl4jbridge.nn.conf.layers.misc.FrozenLayerWithBackprop(
                        new org.dl4jbridge.nn.conf.layers.BatchNormalization.Builder().nIn(4).nOut(4).build()), "d1")
                .addLayer("d2", new org.dl4jbridge.nn.conf.layers.misc.FrozenLayerWithBackprop(
                        new org.dl4jbridge.nn.conf.layers.DenseLayer.Builder().nIn(4).nOut(4).build()), "bn")
                .addLayer("out", new org.dl4jbridge.nn.conf.layers.OutputLayer.Builder().nIn(4).nOut(2)
                        .activation(org.dl4jbridge.nn.conf.activations.Activation.SOFTMAX).build(), "d2")
                .setOutputs("out").build();
        ComputationGraph g = new ComputationGraph(c);
        g.init();
        // non-trivial running statistics so the inference-mode BN backward is exercised
        g.getParam("bn_mean").assign(0.3f);
        g.getParam("bn_log10stdev").assign(0.2f);
        java.util.Random r = new java.util.Random(3);
        NDArray x = NDArray.zeros(5, 3), y = NDArray.zeros(5, 2);
        for (int i = 0; i < 15; i++) x.put(i, (float) r.nextGaussian());
        for (int i = 0; i < 5; i++) y.putAt(1f, i, i % 2);
        DataSet ds = new DataSet(x, y);
        g.computeGradientAndScore(ds);
        int n1 = 3 * 4 + 4;
        NDArray analytic = g.gradient().flatView(0, 'c', n1).dup();
        for (int i = 0; i < n1; i++) analytic.put(i, analytic.get(i) / 5f);
        GradientCheck.check(g.params().flatView(0, 'c', n1), analytic, p -> g.score(ds, true), GradientCheck.Tolerance.FLOAT32);
        NDArray frozenBefore = g.params().flatView(n1, 'c', (int) g.numParams() - n1 - 10).dup();
        NDArray d1Before = g.getParam("d1_W").dup();
        g.fit(ds);
        assertArrayEquals(frozenBefore.toFloatArray(), g.params().flatView(n1, 'c', (int) g.numParams() - n1 - 10).toFloatArray());
        assertFalse(java.util.Arrays.equals(d1Before.toFloatArray(), g.getParam("d1_W").toFloatArray()));
    }

    /**
     * MAX subsampling and MAX global pooling under finite differences. A 1x1 convolution of a
     * single-channel input with distinct values is monotone in the input, so the arg-max of each
     * window does not move under the small parameter perturbations: no kink is crossed.
     */
    @Test
    void gradientCheckMaxPooling() {
        var c = new org.dl4jbridge.nn.conf.NeuralNetConfiguration.Builder().seed(21).activation(org.dl4jbridge.nn.conf.activations.Activation.TANH)
                .graphBuilder().addInputs("in").setInputTypes(org.dl4jbridge.nn.conf.inputs.InputType.convolutional(4, 4, 1))
                .addLayer("conv", new org.dl4jbridge.nn.conf.layers.ConvolutionLayer.Builder(1, 1).nOut(2).build(), "in")
                .addLayer("pool", new org.dl4jbridge.nn.conf.layers.SubsamplingLayer.Builder(org.dl4jbridge.nn.conf.layers.PoolingType.MAX)
                        .kernelSize(2, 2).stride(2, 2).build(), "conv")
                .addLayer("gmax", new org.dl4jbridge.nn.conf.layers.GlobalPoolingLayer.Builder(org.dl4jbridge.nn.conf.layers.PoolingType.MAX).build(), "conv")
                .addLayer("fc", new org.dl4jbridge.nn.conf.layers.DenseLayer.Builder().nOut(3).build(), "pool")
                .addVertex("merge", new org.dl4jbridge.nn.conf.graph.MergeVertex(), "fc", "gmax")
                .addLayer("out", new org.dl4jbridge.nn.conf.layers.OutputLayer.Builder().nOut(2)
                        .activation(org.dl4jbridge.nn.conf.activations.Activation.SOFTMAX).build(), "merge")
                .setOutputs("out").build();
        ComputationGraph g = new ComputationGraph(c);
        g.init();
        NDArray w = g.getParam("conv_W");
        for (int i = 0; i < w.length(); i++) if (Math.abs(w.get(i)) < 0.2f) w.put(i, w.get(i) < 0 ? -0.5f : 0.5f);
        java.util.List<Integer> perm = new java.util.ArrayList<>();
        for (int i = 0; i < 32; i++) perm.add(i);
        java.util.Collections.shuffle(perm, new java.util.Random(5));
        NDArray x = NDArray.zeros(2, 1, 4, 4), y = NDArray.zeros(2, 2);
        for (int i = 0; i < 32; i++) x.put(i, (perm.get(i) - 16) * 0.1f);
        y.putAt(1f, 0, 0);
        y.putAt(1f, 1, 1);
        DataSet ds = new DataSet(x, y);
        g.computeGradientAndScore(ds);
        NDArray analytic = g.gradient().dup();
        for (int i = 0; i < analytic.length(); i++) analytic.put(i, analytic.get(i) / 2f);
        GradientCheck.Result r = GradientCheck.check(g.params(), analytic, p -> g.score(ds, true), GradientCheck.Tolerance.FLOAT32);
        assertEquals(g.numParams(), r.checked());
    }

    @Test
    void softmaxWithOneOutputIsRefused() {
        var c = new org.dl4jbridge.nn.conf.NeuralNetConfiguration.Builder().seed(1).graphBuilder().addInputs("in")
                .addLayer("out", new org.dl4jbridge.nn.conf.layers.OutputLayer.Builder().nIn(3).nOut(1)
                        .activation(org.dl4jbridge.nn.conf.activations.Activation.SOFTMAX).build(), "in")
                .setOutputs("out").build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ComputationGraph(c).init());
        assertTrue(e.getMessage().contains("nOut=1"), e.getMessage());
    }
}
