package org.dl4jbridge.compat.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.dl4jbridge.nn.conf.ConvolutionMode;
import org.dl4jbridge.nn.conf.MultiLayerConfiguration;
import org.dl4jbridge.nn.conf.NeuralNetConfiguration;
import org.dl4jbridge.nn.conf.activations.Activation;
import org.dl4jbridge.nn.conf.inputs.InputType;
import org.dl4jbridge.nn.conf.layers.ActivationLayer;
import org.dl4jbridge.nn.conf.layers.BatchNormalization;
import org.dl4jbridge.nn.conf.layers.ConvolutionLayer;
import org.dl4jbridge.nn.conf.layers.DenseLayer;
import org.dl4jbridge.nn.conf.layers.DepthwiseConvolution2D;
import org.dl4jbridge.nn.conf.layers.DropoutLayer;
import org.dl4jbridge.nn.conf.layers.GlobalPoolingLayer;
import org.dl4jbridge.nn.conf.layers.OutputLayer;
import org.dl4jbridge.nn.conf.layers.PoolingType;
import org.dl4jbridge.nn.conf.layers.SubsamplingLayer;
import org.dl4jbridge.nn.conf.layers.Upsampling2D;
import org.dl4jbridge.nn.conf.layers.ZeroPaddingLayer;
import org.dl4jbridge.nn.conf.losses.LossFunctions.LossFunction;
import org.dl4jbridge.nn.graph.ComputationGraph;
import org.dl4jbridge.nn.multilayer.MultiLayerNetwork;
import org.dl4jbridge.nn.transferlearning.FineTuneConfiguration;
import org.dl4jbridge.nn.transferlearning.TransferLearning;
import org.dl4jbridge.nn.updater.Adam;
import org.dl4jbridge.nn.updater.IUpdater;
import org.dl4jbridge.nn.updater.Nesterovs;
import org.dl4jbridge.nn.updater.NoOp;
import org.dl4jbridge.nn.updater.RmsProp;
import org.dl4jbridge.nn.updater.Sgd;
import org.dl4jbridge.util.ModelSerializer;
import org.dl4jbridge.zoo.EfficientNetLite0;
import org.dl4jbridge.zoo.VGG16;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Engine -> DL4J: every kind of zip the engine writes restores in DL4J 1.0.0-M2.1's own
 * ModelSerializer with the same outputs (1e-4 relative), numParams, layer names, frozen set and
 * updater state, and one further fit step on the same batch in both gives the same parameters (1e-5
 * relative), so the saved updater state is DL4J's too.
 *
 * <p>Weights are random (seeded) in every model: the EfficientNet-Lite0 ImageNet weights come from a
 * Python package that a Maven test cannot reach, and the weights do not change what is checked (file
 * layout, configuration, updater state, arithmetic).
 */
class EngineToDl4jTest {
    static final double OUTPUT_TOL = 1e-4;
    static final double PARAM_TOL = 1e-5;

    @TempDir Path dir;

    /** The lesson's graph: EfficientNet-Lite0 frozen to global_pool, new 5-class head, Nesterovs, fitted twice. */
    @Test
    void lessonEfficientNetLite0TransferLearned() throws IOException {
        ComputationGraph base = new EfficientNetLite0().init();
        ComputationGraph model = new TransferLearning.GraphBuilder(base)
                .fineTuneConfiguration(new FineTuneConfiguration.Builder().updater(new Nesterovs(0.01, 0.9)).seed(12345).build())
                .setFeatureExtractor(EfficientNetLite0.FEATURES)
                .removeVertexKeepConnections(EfficientNetLite0.OUTPUT)
                .addLayer(EfficientNetLite0.OUTPUT, new OutputLayer.Builder(LossFunction.NEGATIVELOGLIKELIHOOD).nIn(1280).nOut(5)
                        .activation(Activation.SOFTMAX).build(), EfficientNetLite0.FEATURES)
                .build();
        Both.Batch batch = Both.classification(1, 5, 2, 3, 224, 224);
        for (int i = 0; i < 2; i++) model.fit(batch.engine());
        org.deeplearning4j.nn.graph.ComputationGraph dl4j = saveAndRestore(model);
        long frozen = Both.engineLayers(model.getLayers()).values().stream().filter(f -> f).count();
        assertEquals(model.getLayers().size() - 1, frozen, "everything but the new head is frozen");
        double out = assertSameGraph(model, dl4j, batch);
        Both.report("EfficientNet-Lite0 lesson graph", out, assertOneMoreStepAgrees(model, dl4j, batch));
    }

    /** The engine's VGG16 (Keras names, as the pretrained file) on 32x32 input: as saved, then the lesson's edit. */
    @Test
    void vgg16ShapedGraph() throws IOException {
        ComputationGraph vgg = VGG16.builder().numClasses(5).inputShape(3, 32, 32).seed(42).build().init();
        Both.Batch batch = Both.classification(2, 5, 2, 3, 32, 32);
        org.deeplearning4j.nn.graph.ComputationGraph dl4jVgg = saveAndRestore(vgg);
        Both.report("VGG16-shaped graph as saved", assertSameGraph(vgg, dl4jVgg, batch), Double.NaN);

        ComputationGraph edited = new TransferLearning.GraphBuilder(vgg)
                .fineTuneConfiguration(new FineTuneConfiguration.Builder().updater(new Nesterovs(5e-3, 0.9)).seed(12345).build())
                .setFeatureExtractor("fc2")
                .removeVertexKeepConnections("predictions")
                .addLayer("predictions", new OutputLayer.Builder(LossFunction.NEGATIVELOGLIKELIHOOD).nIn(4096).nOut(5)
                        .activation(Activation.SOFTMAX).build(), "fc2")
                .build();
        edited.fit(batch.engine());
        org.deeplearning4j.nn.graph.ComputationGraph dl4jEdited = saveAndRestore(edited);
        double out = assertSameGraph(edited, dl4jEdited, batch);
        Both.report("VGG16-shaped graph, lesson edit", out, assertOneMoreStepAgrees(edited, dl4jEdited, batch));
    }

    /**
     * Every layer type the engine supports in one MultiLayerNetwork, with the CNN-to-dense flatten the
     * builder adds. {@code retain} is the DropoutLayer's retain probability: below 1 for the output
     * check (inference ignores dropout), 1 for the fit step (random masks cannot agree across libraries).
     */
    static MultiLayerNetwork everyLayerType(IUpdater updater, double retain) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(7).updater(updater).activation(Activation.TANH)
                .list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).convolutionMode(ConvolutionMode.Same).build())
                .layer(new BatchNormalization.Builder().build())
                .layer(new ActivationLayer.Builder(Activation.RELU6).build())
                .layer(new ZeroPaddingLayer.Builder(1, 1).build())
                .layer(new DepthwiseConvolution2D.Builder(3, 3).depthMultiplier(2).build())
                .layer(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new Upsampling2D.Builder(2).build())
                .layer(new SubsamplingLayer.Builder(PoolingType.AVG).kernelSize(2, 2).stride(2, 2).build())
                .layer(new ConvolutionLayer.Builder(1, 1).nOut(6).activation(Activation.LEAKYRELU).build())
                .layer(new GlobalPoolingLayer.Builder(PoolingType.MAX).build())
                .layer(new DenseLayer.Builder().nOut(5).activation(Activation.SIGMOID).build())
                .layer(new DropoutLayer.Builder(retain).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(8, 8, 2))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    @Test
    void multiLayerNetworkWithEveryLayerType() throws IOException {
        Both.Batch batch = Both.classification(3, 3, 4, 2, 8, 8);
        MultiLayerNetwork withDropout = everyLayerType(new Adam(0.01), 0.5);
        for (int i = 0; i < 2; i++) withDropout.fit(batch.engine());
        org.deeplearning4j.nn.multilayer.MultiLayerNetwork dl4j = saveAndRestore(withDropout);
        Both.report("every-layer MLN, dropout 0.5", assertSameMln(withDropout, dl4j, batch), Double.NaN);

        MultiLayerNetwork net = everyLayerType(new Adam(0.01), 1.0);
        for (int i = 0; i < 2; i++) net.fit(batch.engine());
        org.deeplearning4j.nn.multilayer.MultiLayerNetwork dl4jNet = saveAndRestore(net);
        double out = assertSameMln(net, dl4jNet, batch);
        net.fit(batch.engine());
        dl4jNet.fit(batch.dl4j());
        Both.report("every-layer MLN", out,
                Both.assertParamsClose("every-layer MLN after one more step", net.paramTable(), dl4jNet.paramTable(), PARAM_TOL));
    }

    static List<IUpdater> updaters() {
        return List.of(new Sgd(0.1), new Nesterovs(0.1, 0.9), new Adam(0.01), new RmsProp(0.01), new NoOp());
    }

    /** One small model per updater, fitted three times so that its state is not the initial one. */
    @Test
    void oneModelPerUpdater() throws IOException {
        Both.Batch batch = Both.classification(4, 3, 5, 4);
        for (IUpdater u : updaters()) {
            MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(11).updater(u)
                    .activation(Activation.TANH).list()
                    .layer(new DenseLayer.Builder().nIn(4).nOut(6).build())
                    .layer(new OutputLayer.Builder(LossFunction.MCXENT).nIn(6).nOut(3).activation(Activation.SOFTMAX).build())
                    .build());
            net.init();
            for (int i = 0; i < 3; i++) net.fit(batch.engine());
            org.deeplearning4j.nn.multilayer.MultiLayerNetwork dl4j = saveAndRestore(net);
            String what = u.getClass().getSimpleName();
            double out = assertSameMln(net, dl4j, batch);
            net.fit(batch.engine());
            dl4j.fit(batch.dl4j());
            Both.report("updater " + what, out, Both.assertParamsClose(what + " after one more step", net.paramTable(), dl4j.paramTable(), PARAM_TOL));
        }
    }

    private org.deeplearning4j.nn.graph.ComputationGraph saveAndRestore(ComputationGraph g) throws IOException {
        File f = dir.resolve("graph-" + System.nanoTime() + ".zip").toFile();
        ModelSerializer.writeModel(g, f, true);
        return Both.dl4jGraph(f);
    }

    private org.deeplearning4j.nn.multilayer.MultiLayerNetwork saveAndRestore(MultiLayerNetwork n) throws IOException {
        File f = dir.resolve("mln-" + System.nanoTime() + ".zip").toFile();
        ModelSerializer.writeModel(n, f, true);
        return Both.dl4jMln(f);
    }

    static double assertSameGraph(ComputationGraph engine, org.deeplearning4j.nn.graph.ComputationGraph dl4j, Both.Batch batch) {
        assertEquals(engine.numParams(), dl4j.numParams(), "numParams");
        assertEquals(Both.engineLayers(engine.getLayers()), Both.dl4jLayers(dl4j.getLayers()), "layer names in order, and which are frozen");
        assertArrayEquals(engine.params().toFloatArray(), Both.floats(dl4j.params()), "parameters as read");
        assertUpdaterState(engine.getUpdater(), dl4j.getUpdater() == null ? null : dl4j.getUpdater().getStateViewArray());
        INDArray out = dl4j.outputSingle(Both.nd4j(batch.x()));
        double o = Both.assertClose("output", engine.outputSingle(batch.x()), out, OUTPUT_TOL);
        return Math.max(o, Both.assertActivationsClose("graph", engine, dl4j, batch.x(), OUTPUT_TOL));
    }

    static double assertSameMln(MultiLayerNetwork engine, org.deeplearning4j.nn.multilayer.MultiLayerNetwork dl4j, Both.Batch batch) {
        assertEquals(engine.numParams(), dl4j.numParams(), "numParams");
        assertEquals(List.copyOf(Both.engineLayers(engine.getLayers()).values()), List.copyOf(Both.dl4jLayers(dl4j.getLayers()).values()), "frozen set");
        List<String> dl4jNames = new java.util.ArrayList<>();
        for (int i = 0; i < dl4j.getnLayers(); i++) dl4jNames.add(dl4j.getLayerWiseConfigurations().getConf(i).getLayer().getLayerName());
        List<String> engineNames = new java.util.ArrayList<>();
        for (int i = 0; i < engine.getnLayers(); i++) engineNames.add(engine.getLayerWiseConfigurations().getConf(i).getLayer().getLayerName());
        assertEquals(engineNames, dl4jNames, "layer names");
        assertArrayEquals(engine.params().toFloatArray(), Both.floats(dl4j.params()), "parameters as read");
        assertUpdaterState(engine.getUpdater(), dl4j.getUpdater() == null ? null : dl4j.getUpdater().getStateViewArray());
        INDArray out = dl4j.output(Both.nd4j(batch.x()));
        return Both.assertClose("output", engine.output(batch.x()), out, OUTPUT_TOL);
    }

    /** DL4J's state view (null or empty when the updater has none) holds the engine's values bit for bit. */
    static void assertUpdaterState(org.dl4jbridge.nn.updater.NetworkUpdater engine, INDArray dl4j) {
        float[] e = engine.getStateViewArray() == null ? new float[0] : engine.getStateViewArray().toFloatArray();
        float[] d = dl4j == null ? new float[0] : Both.floats(dl4j);
        assertTrue(e.length == d.length, "updater state length: engine " + e.length + ", DL4J " + d.length);
        assertArrayEquals(e, d, "updater state");
    }

    static double assertOneMoreStepAgrees(ComputationGraph engine, org.deeplearning4j.nn.graph.ComputationGraph dl4j, Both.Batch batch) {
        engine.fit(batch.engine());
        dl4j.fit(batch.dl4j());
        return Both.assertParamsClose("after one more step", engine.paramTable(), dl4j.paramTable(), PARAM_TOL);
    }
}
