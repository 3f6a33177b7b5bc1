package org.dl4jbridge.compat.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * The same TransferLearning.GraphBuilder call sequence on the same network in DL4J 1.0.0-M2.1 and in
 * the engine gives the same configuration (configuration.json trees compared key by key, every
 * difference listed) and the same frozen layers.
 */
class TransferLearningConfigTest {
    @TempDir Path dir;

    /** The lesson's edit of EfficientNet-Lite0 (the engine's graph, restored in DL4J from the engine's zip). */
    @Test
    void lessonSequenceOnEfficientNetLite0() throws IOException {
        var engineBase = new org.dl4jbridge.zoo.EfficientNetLite0().init();
        File zip = dir.resolve("effnet.zip").toFile();
        org.dl4jbridge.util.ModelSerializer.writeModel(engineBase, zip, false);
        ComputationGraph dl4jBase = org.deeplearning4j.util.ModelSerializer.restoreComputationGraph(zip, false);

        ComputationGraph dl4j = new TransferLearning.GraphBuilder(dl4jBase)
                .fineTuneConfiguration(new FineTuneConfiguration.Builder().updater(new Nesterovs(0.01, 0.9)).seed(12345).build())
                .setFeatureExtractor("global_pool")
                .removeVertexKeepConnections("predictions")
                .addLayer("predictions", new OutputLayer.Builder(LossFunction.NEGATIVELOGLIKELIHOOD).nIn(1280).nOut(5)
                        .activation(Activation.SOFTMAX).build(), "global_pool")
                .build();
        var engine = new org.dl4jbridge.nn.transferlearning.TransferLearning.GraphBuilder(engineBase)
                .fineTuneConfiguration(new org.dl4jbridge.nn.transferlearning.FineTuneConfiguration.Builder()
                        .updater(new org.dl4jbridge.nn.updater.Nesterovs(0.01, 0.9)).seed(12345).build())
                .setFeatureExtractor("global_pool")
                .removeVertexKeepConnections("predictions")
                .addLayer("predictions", new org.dl4jbridge.nn.conf.layers.OutputLayer.Builder(
                                org.dl4jbridge.nn.conf.losses.LossFunctions.LossFunction.NEGATIVELOGLIKELIHOOD).nIn(1280).nOut(5)
                        .activation(org.dl4jbridge.nn.conf.activations.Activation.SOFTMAX).build(), "global_pool")
                .build();
        assertSame(dl4j, engine);
    }

    /**
     * Every GraphBuilder edit on a two-branch CNN: fine-tune configuration with l2 and dropout, a
     * feature extractor, nOutReplace (which re-initializes the next layer's input side too),
     * removeVertexAndConnections of a branch, removeVertexKeepConnections + addLayer of the output, a
     * new vertex, setOutputs.
     */
    @Test
    void everyEditOnABranchedGraph() throws IOException {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).updater(new Adam(0.01))
                .activation(Activation.RELU).graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.convolutional(8, 8, 3))
                .addLayer("conv1", new ConvolutionLayer.Builder(3, 3).nOut(4).build(), "in")
                .addLayer("bn1", new BatchNormalization.Builder().build(), "conv1")
                .addLayer("pool", new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build(), "bn1")
                .addLayer("branchA", new ConvolutionLayer.Builder(1, 1).nOut(5).build(), "pool")
                .addLayer("branchB", new ConvolutionLayer.Builder(1, 1).nOut(2).build(), "pool")
                .addVertex("merge", new MergeVertex(), "branchA", "branchB")
                .addLayer("gp", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "merge")
                .addLayer("fc", new DenseLayer.Builder().nOut(6).activation(Activation.TANH).build(), "gp")
                .addLayer("fc2", new DenseLayer.Builder().nOut(6).activation(Activation.TANH).build(), "fc")
                .addLayer("out", new OutputLayer.Builder(LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build(), "fc2")
                .setOutputs("out")
                .build();
        ComputationGraph dl4jBase = new ComputationGraph(conf);
        dl4jBase.init();
        File zip = dir.resolve("branched.zip").toFile();
        org.deeplearning4j.util.ModelSerializer.writeModel(dl4jBase, zip, false);
        var engineBase = org.dl4jbridge.util.ModelSerializer.restoreComputationGraph(zip, false);

        ComputationGraph dl4j = new TransferLearning.GraphBuilder(dl4jBase)
                .fineTuneConfiguration(new FineTuneConfiguration.Builder().updater(new Nesterovs(0.02, 0.8)).seed(77).l2(1e-4)
                        .dropOut(0.9).build())
                .setFeatureExtractor("pool")
                .nOutReplace("fc", 9, WeightInit.RELU)
                .removeVertexKeepConnections("out")
                .addLayer("out", new OutputLayer.Builder(LossFunction.NEGATIVELOGLIKELIHOOD).nIn(6).nOut(4)
                        .activation(Activation.SOFTMAX).build(), "fc2")
                .addLayer("aux", new OutputLayer.Builder(LossFunction.MSE).nIn(6).nOut(2).activation(Activation.IDENTITY).build(), "fc2")
                .setOutputs("out", "aux")
                .build();
        var engine = new org.dl4jbridge.nn.transferlearning.TransferLearning.GraphBuilder(engineBase)
                .fineTuneConfiguration(new org.dl4jbridge.nn.transferlearning.FineTuneConfiguration.Builder()
                        .updater(new org.dl4jbridge.nn.updater.Nesterovs(0.02, 0.8)).seed(77).l2(1e-4).dropOut(0.9).build())
                .setFeatureExtractor("pool")
                .nOutReplace("fc", 9, org.dl4jbridge.nn.weights.WeightInit.RELU)
                .removeVertexKeepConnections("out")
                .addLayer("out", new org.dl4jbridge.nn.conf.layers.OutputLayer.Builder(
                                org.dl4jbridge.nn.conf.losses.LossFunctions.LossFunction.NEGATIVELOGLIKELIHOOD).nIn(6).nOut(4)
                        .activation(org.dl4jbridge.nn.conf.activations.Activation.SOFTMAX).build(), "fc2")
                .addLayer("aux", new org.dl4jbridge.nn.conf.layers.OutputLayer.Builder(
                                org.dl4jbridge.nn.conf.losses.LossFunctions.LossFunction.MSE).nIn(6).nOut(2)
                        .activation(org.dl4jbridge.nn.conf.activations.Activation.IDENTITY).build(), "fc2")
                .setOutputs("out", "aux")
                .build();
        assertSame(dl4j, engine);
    }

    static void assertSame(ComputationGraph dl4j, org.dl4jbridge.nn.graph.ComputationGraph engine) {
        List<String> diff = Both.jsonDiff(Both.parse(dl4j.getConfiguration().toJson()), Both.parse(engine.getConfiguration().toJson()));
        assertTrue(diff.isEmpty(), diff.size() + " differences (DL4J first, engine second):\n" + String.join("\n", diff));
        assertEquals(Both.dl4jLayers(dl4j.getLayers()), Both.engineLayers(engine.getLayers()), "layer names and which are frozen");
        assertEquals(dl4j.numParams(), engine.numParams(), "numParams");
    }
}
