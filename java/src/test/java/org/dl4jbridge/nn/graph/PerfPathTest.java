package org.dl4jbridge.nn.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.dl4jbridge.nn.conf.ComputationGraphConfiguration;
import org.dl4jbridge.nn.conf.ConvolutionMode;
import org.dl4jbridge.nn.conf.NeuralNetConfiguration;
import org.dl4jbridge.nn.conf.activations.Activation;
import org.dl4jbridge.nn.conf.graph.ElementWiseVertex;
import org.dl4jbridge.nn.conf.inputs.InputType;
import org.dl4jbridge.nn.conf.layers.ActivationLayer;
import org.dl4jbridge.nn.conf.layers.BatchNormalization;
import org.dl4jbridge.nn.conf.layers.ConvolutionLayer;
import org.dl4jbridge.nn.conf.layers.DepthwiseConvolution2D;
import org.dl4jbridge.nn.conf.layers.GlobalPoolingLayer;
import org.dl4jbridge.nn.conf.layers.OutputLayer;
import org.dl4jbridge.nn.conf.layers.PoolingType;
import org.dl4jbridge.nn.conf.layers.SubsamplingLayer;
import org.dl4jbridge.nn.conf.losses.LossFunctions.LossFunction;
import org.dl4jbridge.nn.transferlearning.TransferLearningHelper;
import org.dl4jbridge.nn.updater.Nesterovs;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.zoo.EfficientNetLite0;
import org.dl4jbridge.datasets.DataSet;
import org.junit.jupiter.api.Test;

/**
 * The pooled, BN-folding inference path ({@code output(names, false, x)}) against the plain
 * vertex-by-vertex forward ({@code feedForward(x, false)}): equal up to float rounding.
 */
class PerfPathTest {
    private static final double TOL = 1e-5;

    /** conv -> BN -> ReLU6, depthwise -> BN -> ReLU, conv with its own ReLU, project conv -> BN, residual add, pooling, output. */
    private static ComputationGraphConfiguration mbconv() {
        return new NeuralNetConfiguration.Builder().seed(3).updater(new Nesterovs(0.05, 0.9)).graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.convolutional(9, 9, 3))
                .addLayer("stem", new ConvolutionLayer.Builder(3, 3).stride(2, 2).nOut(4).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.IDENTITY).build(), "in")
                .addLayer("stem_bn", new BatchNormalization.Builder().eps(1e-3).build(), "stem")
                .addLayer("stem_act", new ActivationLayer.Builder(Activation.RELU6).build(), "stem_bn")
                .addLayer("expand", new ConvolutionLayer.Builder(1, 1).nOut(8).activation(Activation.RELU).build(), "stem_act")
                .addLayer("dw", new DepthwiseConvolution2D.Builder(3, 3).depthMultiplier(2).convolutionMode(ConvolutionMode.Same)
                        .hasBias(false).activation(Activation.IDENTITY).build(), "expand")
                .addLayer("dw_bn", new BatchNormalization.Builder().build(), "dw")
                .addLayer("dw_act", new ActivationLayer.Builder(Activation.RELU).build(), "dw_bn")
                .addLayer("project", new ConvolutionLayer.Builder(1, 1).nOut(4).activation(Activation.IDENTITY).build(), "dw_act")
                .addLayer("project_bn", new BatchNormalization.Builder().build(), "project")
                .addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "project_bn", "stem_act")
                .addLayer("side", new ConvolutionLayer.Builder(1, 1).nOut(4).activation(Activation.TANH).build(), "add")
                .addVertex("add2", new ElementWiseVertex(ElementWiseVertex.Op.Add), "add", "side")
                .addLayer("gp", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "add2")
                .addLayer("out", new OutputLayer.Builder(LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build(), "gp")
                .setOutputs("out")
                .build();
    }

    /** Random parameters, with batch-norm statistics far from the identity so that folding matters. */
    private static void randomize(ComputationGraph g, long seed) {
        Random r = new Random(seed);
        for (Map.Entry<String, NDArray> e : g.paramTable().entrySet()) {
            NDArray p = e.getValue();
            String k = e.getKey();
            for (int i = 0; i < p.length(); i++) {
                float v;
                if (k.endsWith("_var") || k.endsWith("_gamma")) v = 0.5f + r.nextFloat();
                else if (k.endsWith("_mean") || k.endsWith("_beta") || k.endsWith("_b")) v = (float) (0.3 * r.nextGaussian());
                else v = (float) (0.5 * r.nextGaussian());
                p.put(i, v);
            }
        }
    }

    private static NDArray random(long seed, int... shape) {
        Random r = new Random(seed);
        NDArray x = NDArray.zeros(shape);
        for (int i = 0; i < x.length(); i++) x.put(i, (float) r.nextGaussian());
        return x;
    }

    private static void assertClose(NDArray expected, NDArray actual, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        float[] e = expected.toFloatArray(), a = actual.toFloatArray();
        double scale = 0, worst = 0;
        for (float v : e) scale = Math.max(scale, Math.abs(v));
        for (int i = 0; i < e.length; i++) worst = Math.max(worst, Math.abs(e[i] - a[i]));
        assertTrue(scale > 0, what + ": the reference is all zeros, the comparison would prove nothing");
        assertTrue(worst <= TOL * scale, what + ": max |difference| " + worst + " exceeds " + TOL + " x max |value| " + scale);
    }

    private static void assertSameAsPlain(ComputationGraph g, NDArray x, List<String> names) {
        Map<String, NDArray> plain = g.feedForward(x, false);
        NDArray[] fast = g.output(names, false, x);
        for (int k = 0; k < names.size(); k++) assertClose(plain.get(names.get(k)), fast[k], names.get(k));
    }

    @Test
    void fusedPathMatchesPlainForwardAcrossBatchesAndParameterChanges() {
        ComputationGraph g = new ComputationGraph(mbconv());
        g.init();
        randomize(g, 11);
        List<String> names = List.of("gp", "out", "add");
        assertSameAsPlain(g, random(1, 5, 3, 9, 9), names);
        // The pool now holds the previous batch's values: every buffer must be overwritten.
        assertSameAsPlain(g, random(2, 5, 3, 9, 9), names);
        // A smaller last batch takes other buffer sizes.
        assertSameAsPlain(g, random(3, 2, 3, 9, 9), names);
        // Asking for an intermediate of a foldable chain keeps that chain unfused.
        assertSameAsPlain(g, random(4, 3, 3, 9, 9), List.of("dw_bn", "stem", "gp"));
        // Folded weights must follow the parameters, however they change.
        randomize(g, 12);
        assertSameAsPlain(g, random(5, 3, 3, 9, 9), names);
        NDArray newParams = g.params().dup();
        randomize(g, 13);
        g.setParams(newParams);
        assertSameAsPlain(g, random(6, 3, 3, 9, 9), names);
        NDArray out = g.outputSingle(random(7, 3, 3, 9, 9));
        assertClose(g.feedForward(random(7, 3, 3, 9, 9), false).get("out"), out, "outputSingle");
    }

    /**
     * The folded weights are kept between passes while the parameters stay as they are, so every route that
     * changes a parameter must reach the next pass: one element through a layer's parameter view (each kind a fold
     * reads), the flat parameter view, setParams and fit.
     */
    @Test
    void foldedWeightsFollowEveryParameterChange() {
        ComputationGraph g = new ComputationGraph(mbconv());
        g.init();
        randomize(g, 61);
        List<String> names = List.of("add", "gp");
        NDArray x = random(1, 3, 3, 9, 9);
        assertSameAsPlain(g, x, names);
        assertSameAsPlain(g, x, names);
        for (String key : List.of("stem_W", "dw_W", "project_W", "project_b", "stem_bn_gamma", "dw_bn_beta",
                "project_bn_mean", "stem_bn_log10stdev")) {
            float[] before = g.output(names, false, x)[0].toFloatArray();
            NDArray p = g.getParam(key);
            int last = p.length() - 1;
            p.put(last, p.get(last) + 0.75f);
            float[] after = g.output(names, false, x)[0].toFloatArray();
            assertTrue(!java.util.Arrays.equals(before, after), key + ": the change must reach the output");
            assertSameAsPlain(g, x, names);
        }
        NDArray flat = g.params();
        flat.put(0, flat.get(0) - 0.5f);
        assertSameAsPlain(g, x, names);
        NDArray other = flat.dup();
        randomize(g, 62);
        assertSameAsPlain(g, x, names);
        g.setParams(other);
        assertSameAsPlain(g, x, names);
        NDArray y = NDArray.zeros(3, 3);
        for (int i = 0; i < 3; i++) y.putAt(1f, i, i);
        float[] beforeFit = g.output(names, false, x)[0].toFloatArray();
        g.fit(new DataSet(x, y));
        assertTrue(!java.util.Arrays.equals(beforeFit, g.output(names, false, x)[0].toFloatArray()), "fit must reach the output");
        assertSameAsPlain(g, x, names);
    }

    /**
     * VGG-style block ends: 3x3 convolutions (one with a folded batch norm and a ReLU layer) whose only
     * reader is a 2x2 max pool. Where the shapes fuse (F(4x4) at 126x126, F(2x2) at 63x63 with the
     * last row and column dropped) the convolution writes the pooled output; a Same-mode pool on an odd
     * size (padded) runs after its convolution instead. All as the plain forward.
     */
    @Test
    void convolutionsWithTheirMaxPoolMatchPlainForward() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(5).graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.convolutional(126, 126, 3))
                .addLayer("c1", new ConvolutionLayer.Builder(3, 3).nOut(16).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.RELU).build(), "in")
                .addLayer("c2", new ConvolutionLayer.Builder(3, 3).nOut(16).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.RELU).build(), "c1")
                .addLayer("p1", new SubsamplingLayer.Builder(PoolingType.MAX, new int[] {2, 2}, new int[] {2, 2})
                        .build(), "c2")
                .addLayer("c3", new ConvolutionLayer.Builder(3, 3).nOut(16).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.IDENTITY).build(), "p1")
                .addLayer("c3_bn", new BatchNormalization.Builder().build(), "c3")
                .addLayer("c3_act", new ActivationLayer.Builder(Activation.RELU).build(), "c3_bn")
                .addLayer("p2", new SubsamplingLayer.Builder(PoolingType.MAX, new int[] {2, 2}, new int[] {2, 2})
                        .build(), "c3_act")
                .addLayer("c4", new ConvolutionLayer.Builder(3, 3).nOut(16).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.RELU).build(), "p2")
                .addLayer("p3", new SubsamplingLayer.Builder(PoolingType.MAX, new int[] {2, 2}, new int[] {2, 2})
                        .convolutionMode(ConvolutionMode.Same).build(), "c4")
                .setOutputs("p3")
                .build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        randomize(g, 21);
        assertEquals(3, g.fusedPools(List.of("p3")));
        // At run time c2 (F(4x4)) and c3 (F(2x2)) write pooled outputs; p3, padded, runs after c4.
        org.dl4jbridge.ndarray.ops.Conv2DConfig same3 = org.dl4jbridge.ndarray.ops.Conv2DConfig.of(3, 1,
                org.dl4jbridge.ndarray.ops.ConvolutionMode.Same);
        org.dl4jbridge.ndarray.ops.ConvConfig defaults = org.dl4jbridge.ndarray.ops.ConvConfig.DEFAULT;
        for (int size : new int[] {126, 63}) {
            assertTrue(org.dl4jbridge.ndarray.ops.Convolution2D.poolFuses(NDArray.zeros(2, 16, size, size),
                    NDArray.zeros(16, 16, 3, 3), same3, 1, org.dl4jbridge.ndarray.ops.Conv2DConfig.of(2, 2,
                    org.dl4jbridge.ndarray.ops.ConvolutionMode.Truncate), defaults), "size " + size);
        }
        assertTrue(!org.dl4jbridge.ndarray.ops.Convolution2D.poolFuses(NDArray.zeros(2, 16, 31, 31), NDArray.zeros(16, 16, 3, 3),
                same3, 1, org.dl4jbridge.ndarray.ops.Conv2DConfig.of(2, 2, org.dl4jbridge.ndarray.ops.ConvolutionMode.Same), defaults));
        assertEquals(2, g.fusedPools(List.of("p3", "c3_act")), "a requested convolution output keeps its pool apart");
        NDArray x = random(22, 2, 3, 126, 126);
        assertArrayEquals(new int[] {2, 16, 16, 16}, g.output(List.of("p3"), false, x)[0].shape());
        assertSameAsPlain(g, x, List.of("p3"));
        assertSameAsPlain(g, random(23, 2, 3, 126, 126), List.of("p3", "p1"));
    }

    @Test
    void everyVertexKindMatchesPlainForward() {
        // Sigmoid (not fusable), zero padding, pooling, upsampling, merge, pre-processor vertices, dropout, dense.
        ComputationGraph g = new ComputationGraph(TestGraphs.everyLayer(5));
        g.init();
        randomize(g, 51);
        List<String> names = List.of("out", "pool", "merge", "act", "add");
        assertSameAsPlain(g, random(1, 3, 2, 6, 6), names);
        assertSameAsPlain(g, random(2, 3, 2, 6, 6), names);
        assertSameAsPlain(g, random(3, 1, 2, 6, 6), List.of("dense", "up"));
    }

    @Test
    void returnedArraysAreNotOverwrittenByLaterPasses() {
        ComputationGraph g = new ComputationGraph(mbconv());
        g.init();
        randomize(g, 21);
        NDArray x = random(1, 4, 3, 9, 9);
        NDArray first = g.output(List.of("add"), false, x)[0];
        float[] kept = first.toFloatArray();
        g.output(List.of("add"), false, random(2, 4, 3, 9, 9));
        assertArrayEquals(kept, first.toFloatArray(), 0f);
    }

    @Test
    void trainingStillWorksAfterInference() {
        ComputationGraph g = new ComputationGraph(mbconv());
        g.init();
        randomize(g, 31);
        NDArray x = random(1, 4, 3, 9, 9);
        NDArray y = NDArray.zeros(4, 3);
        for (int i = 0; i < 4; i++) y.putAt(1f, i, i % 3);
        ComputationGraph twin = g.clone();
        g.output(x);
        g.fit(new DataSet(x, y));
        twin.fit(new DataSet(x, y));
        assertArrayEquals(twin.params().toFloatArray(), g.params().toFloatArray(), 0f);
        assertSameAsPlain(g, x, List.of("out"));
    }

    /**
     * At 192x192 block 0's 96x96 map is large enough for FusedMBConv, which then computes the stem itself
     * (FusedMBConv.forwardWithStem): the features match the plain forward pass; asking for the stem's output keeps
     * the stem apart.
     */
    @Test
    void efficientNetLite0StemInsideBlockZeroMatchesPlainForward() {
        ComputationGraph g = new EfficientNetLite0(5, 7L, new Nesterovs(), new int[] {3, 192, 192}).init();
        randomize(g, 43);
        heScale(g, 44);
        NDArray x = random(11, 2, 3, 192, 192);
        assertTrue(org.dl4jbridge.ndarray.ops.FusedMBConv.pays(32, 96, 96), "block 0 runs fused at 192x192");
        assertEquals(1, g.fusedStems(List.of(EfficientNetLite0.FEATURES)));
        assertSameAsPlain(g, x, List.of(EfficientNetLite0.FEATURES));
        List<String> withStem = List.of("stem_act", EfficientNetLite0.FEATURES);
        assertEquals(0, g.fusedStems(withStem));
        assertEquals(16, g.fusedBlocks(withStem));
        assertSameAsPlain(g, x, withStem);
    }

    /** He-scales the convolutions' weights again so 16 blocks neither explode nor vanish. */
    private static void heScale(ComputationGraph g, long seed) {
        Random r = new Random(seed);
        for (Map.Entry<String, NDArray> e : g.paramTable().entrySet()) {
            NDArray p = e.getValue();
            if (!e.getKey().endsWith("_W") || p.rank() != 4) continue;
            boolean depthwise = e.getKey().contains("_dw_");
            int fanIn = depthwise ? p.size(0) * p.size(1) : p.size(1) * p.size(2) * p.size(3);
            for (int i = 0; i < p.length(); i++) p.put(i, (float) (r.nextGaussian() * Math.sqrt(1.0 / fanIn)));
        }
    }

    @Test
    void efficientNetLite0FeaturizeMatchesPlainForward() {
        ComputationGraph g = new EfficientNetLite0(5, 7L, new Nesterovs(), new int[] {3, 64, 64}).init();
        randomize(g, 41);
        heScale(g, 42);
        NDArray x = random(8, 2, 3, 64, 64);
        assertSameAsPlain(g, x, List.of(EfficientNetLite0.FEATURES, EfficientNetLite0.OUTPUT));
        // Every block runs as one fused step (block 0, without expansion, as depthwise and projection)...
        assertEquals(16, g.fusedBlocks(List.of(EfficientNetLite0.FEATURES)));
        // The stem is absorbed into block 0's step, but at 64x64 block 0 runs in the batch-innermost layout, so the
        // stem runs first (its own convolution) and its output is converted: the fallback path, checked above.
        assertEquals(1, g.fusedStems(List.of(EfficientNetLite0.FEATURES)));
        // ...also where an intermediate activation is asked for: block 1's expansion runs apart and the rest of
        // block 1 fuses as a block without expansion; block 2's projection output leaves its residual add outside
        // the fused step; block 7's depthwise output keeps block 7 layer by layer. At 64x64 every map is small, so
        // the blocks run in the batch-innermost layout (ChwnMBConv) and these activations, the head's and the
        // pool's input come from it: requested ones come back NCHW.
        List<String> inside = List.of("block1_expand_act", "block2_project_bn", "block7_dw_act", "block9_add", "head_act",
                EfficientNetLite0.FEATURES);
        assertEquals(15, g.fusedBlocks(inside));
        assertSameAsPlain(g, x, inside);
        // The head's 1x1 convolution runs with the pool (ChwnMBConv.pointwisePool) unless its output is asked for.
        assertEquals(1, g.fusedHeadPools(List.of(EfficientNetLite0.FEATURES)));
        assertEquals(0, g.fusedHeadPools(inside));
        // Batches of one shape reuse the pool: after a warm-up pass, a pass allocates no activation memory.
        List<String> pooled = List.of(EfficientNetLite0.FEATURES);
        g.output(pooled, false, x);
        long allocated = g.workspace().allocatedFloats();
        g.output(pooled, false, random(9, 2, 3, 64, 64));
        g.output(pooled, false, random(10, 2, 3, 64, 64));
        assertEquals(allocated, g.workspace().allocatedFloats(), "floats allocated by passes after the warm-up");
        // Only a few activations are alive at once: the pool is far smaller than all activations together.
        long allActivations = 0;
        for (NDArray a : g.feedForward(x, false).values()) allActivations += a.length();
        assertTrue(allocated < allActivations / 4, "pool of " + allocated + " floats vs " + allActivations + " in all activations");

        TransferLearningHelper helper = new TransferLearningHelper(g, EfficientNetLite0.FEATURES);
        NDArray y = NDArray.zeros(2, 5);
        DataSet features = helper.featurize(new DataSet(x, y));
        assertClose(g.feedForward(x, false).get(EfficientNetLite0.FEATURES), features.getFeatures(), "featurize");
        assertEquals(1280, features.getFeatures().size(1));
        // At 64x64 every expanded map is small and the blocks run layer by layer (FusedMBConv.pays); at 224x224
        // blocks 1 to 3 run through the fused kernel.
        assertSameAsPlain(g, random(11, 1, 3, 224, 224), List.of(EfficientNetLite0.FEATURES, "block3_project_bn"));
        // From block 4 on (28x28 and smaller) the blocks run in the batch-innermost layout; an unfused block in
        // between reads and writes NCHW, the next fused one converts back.
        assertSameAsPlain(g, random(12, 3, 3, 224, 224), List.of(EfficientNetLite0.FEATURES, "block4_add", "block10_dw_act",
                "block12_add", "head_act", EfficientNetLite0.OUTPUT));
    }
}
