package org.dl4jbridge.nn.graph;

import java.util.Random;
import java.util.SplittableRandom;
import org.dl4jbridge.datasets.DataSet;
import org.dl4jbridge.nn.conf.ComputationGraphConfiguration;
import org.dl4jbridge.nn.conf.ConvolutionMode;
import org.dl4jbridge.nn.conf.NeuralNetConfiguration;
import org.dl4jbridge.nn.conf.activations.Activation;
import org.dl4jbridge.nn.conf.graph.ElementWiseVertex;
import org.dl4jbridge.nn.conf.graph.MergeVertex;
import org.dl4jbridge.nn.conf.graph.PreprocessorVertex;
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
import org.dl4jbridge.nn.conf.losses.LossFunctions.LossFunction;
import org.dl4jbridge.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.dl4jbridge.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.dl4jbridge.nn.updater.IUpdater;
import org.dl4jbridge.nn.transferlearning.FineTuneConfiguration;
import org.dl4jbridge.nn.transferlearning.TransferLearning;
import org.dl4jbridge.nn.updater.Nesterovs;
import org.dl4jbridge.nn.weights.WeightInit;
import org.dl4jbridge.zoo.EfficientNetLite0;
import org.dl4jbridge.ndarray.NDArray;

/** Small graphs shared by the nn tests. */
final class TestGraphs {
    private TestGraphs() {}

    /**
     * Every layer and vertex kind: conv (Same) -> BN -> activation, a zero-padding + 3x3 conv branch, element-wise
     * add, depthwise conv, max pooling, upsampling, merge, global pooling, a flatten pre-processor
     * vertex, dense, a feed-forward-to-CNN pre-processor vertex, dropout (retain {@code retain}), output.
     */
    static ComputationGraphConfiguration everyLayer(long seed, double retain, IUpdater updater) {
        return new NeuralNetConfiguration.Builder().seed(seed).updater(updater).activation(Activation.TANH)
                .graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.convolutional(6, 6, 2))
                .addLayer("conv1", new ConvolutionLayer.Builder(3, 3).nOut(3).convolutionMode(ConvolutionMode.Same).build(), "in")
                .addLayer("bn", new BatchNormalization.Builder().build(), "conv1")
                .addLayer("act", new ActivationLayer.Builder(Activation.SIGMOID).build(), "bn")
                .addLayer("zp", new org.dl4jbridge.nn.conf.layers.ZeroPaddingLayer.Builder(1, 1).build(), "in")
                .addLayer("conv2", new ConvolutionLayer.Builder(3, 3).nOut(3).activation(Activation.IDENTITY).build(), "zp")
                .addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "act", "conv2")
                .addLayer("dw", new DepthwiseConvolution2D.Builder(3, 3).depthMultiplier(2).padding(1, 1).build(), "add")
                .addLayer("pool", new SubsamplingLayer.Builder(PoolingType.AVG).kernelSize(2, 2).stride(2, 2).build(), "dw")
                .addLayer("up", new Upsampling2D.Builder(2).build(), "pool")
                .addVertex("merge", new MergeVertex(), "up", "add")
                .addLayer("gp", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "merge")
                .addVertex("flat", new PreprocessorVertex(new CnnToFeedForwardPreProcessor(3, 3, 6)), "pool")
                .addLayer("dense", new DenseLayer.Builder().nOut(4).build(), "flat")
                .addVertex("ff2cnn", new PreprocessorVertex(new FeedForwardToCnnPreProcessor(2, 2, 1)), "dense")
                .addLayer("gp2", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "ff2cnn")
                .addVertex("merge2", new MergeVertex(), "gp", "gp2")
                .addLayer("drop", new DropoutLayer.Builder(retain).build(), "merge2")
                .addLayer("out", new OutputLayer.Builder(LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build(), "drop")
                .setOutputs("out")
                .build();
    }

    static ComputationGraphConfiguration everyLayer(long seed) { return everyLayer(seed, 1.0, new Nesterovs(0.05, 0.9)); }

    static DataSet randomData(int mb, int c, int h, int w, int classes, long seed) {
        Random r = new Random(seed);
        NDArray x = NDArray.zeros(mb, c, h, w);
        for (int i = 0; i < x.length(); i++) x.put(i, (float) r.nextGaussian());
        NDArray y = NDArray.zeros(mb, classes);
        for (int i = 0; i < mb; i++) y.putAt(1f, i, r.nextInt(classes));
        return new DataSet(x, y);
    }

    /**
     * A fine-tuning graph: EfficientNet-Lite0 at 64x64 (random init) frozen to block13_add, blocks 14-15 and the head
     * trainable, a new 5-class output, Nesterovs (0.01, 0.9).
     */
    static ComputationGraph efficientNetFineTune() {
        ComputationGraph base = new EfficientNetLite0(5, 7L, new Nesterovs(), new int[] {3, 64, 64}).init();
        return new TransferLearning.GraphBuilder(base)
                .fineTuneConfiguration(new FineTuneConfiguration.Builder().updater(new Nesterovs(0.01, 0.9)).seed(3).build())
                .setFeatureExtractor("block13_add")
                .removeVertexKeepConnections(EfficientNetLite0.OUTPUT)
                .addLayer(EfficientNetLite0.OUTPUT, new OutputLayer.Builder(LossFunction.NEGATIVELOGLIKELIHOOD)
                        .nIn(1280).nOut(5).activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build(),
                        EfficientNetLite0.FEATURES)
                .build();
    }

    /** {@code mb} images of 3x64x64 uniform in [-1, 1) with one-hot labels of 5 classes, for {@link #efficientNetFineTune}. */
    static DataSet fineTuneBatch(int mb, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[mb * 3 * 64 * 64], y = new float[mb * 5];
        for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextDouble() * 2 - 1);
        for (int i = 0; i < mb; i++) y[i * 5 + r.nextInt(5)] = 1f;
        return new DataSet(NDArray.of(x, mb, 3, 64, 64), NDArray.of(y, mb, 5));
    }
}
