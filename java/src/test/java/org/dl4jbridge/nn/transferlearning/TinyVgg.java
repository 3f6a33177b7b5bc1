package org.dl4jbridge.nn.transferlearning;

import org.dl4jbridge.nn.conf.ComputationGraphConfiguration;
import org.dl4jbridge.nn.conf.NeuralNetConfiguration;
import org.dl4jbridge.nn.conf.activations.Activation;
import org.dl4jbridge.nn.conf.graph.PreprocessorVertex;
import org.dl4jbridge.nn.conf.inputs.InputType;
import org.dl4jbridge.nn.conf.layers.ConvolutionLayer;
import org.dl4jbridge.nn.conf.layers.DenseLayer;
import org.dl4jbridge.nn.conf.layers.OutputLayer;
import org.dl4jbridge.nn.conf.layers.PoolingType;
import org.dl4jbridge.nn.conf.layers.SubsamplingLayer;
import org.dl4jbridge.nn.conf.losses.LossFunctions;
import org.dl4jbridge.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.dl4jbridge.nn.updater.Nesterovs;
import org.dl4jbridge.nn.weights.WeightInit;

/** VGG16's shape in miniature, with its vertex names (DL4J_SPEC 4.3): conv, pool, flatten, fc1, fc2, predictions. */
final class TinyVgg {
    static final int CLASSES = 10;

    private TinyVgg() {}

    static ComputationGraphConfiguration conf(long seed) {
        return new NeuralNetConfiguration.Builder()
                .seed(seed)
                .updater(new Nesterovs(0.01, 0.9))
                .weightInit(WeightInit.XAVIER)
                .activation(Activation.RELU)
                .graphBuilder()
                .addInputs("input")
                .setInputTypes(InputType.convolutional(8, 8, 3))
                .addLayer("block1_conv1", new ConvolutionLayer.Builder(3, 3).nOut(4).build(), "input")
                .addLayer("block1_pool", new SubsamplingLayer.Builder(PoolingType.MAX, new int[] {2, 2}, new int[] {2, 2}).build(),
                        "block1_conv1")
                .addVertex("flatten", new PreprocessorVertex(new CnnToFeedForwardPreProcessor(3, 3, 4)), "block1_pool")
                .addLayer("fc1", new DenseLayer.Builder().nIn(36).nOut(16).build(), "flatten")
                .addLayer("fc2", new DenseLayer.Builder().nIn(16).nOut(8).build(), "fc1")
                .addLayer("predictions", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(8).nOut(CLASSES)
                        .activation(Activation.SOFTMAX).build(), "fc2")
                .setOutputs("predictions")
                .build();
    }

    /** The lesson's new head: 5 classes on fc2's 8 features. */
    static OutputLayer newHead() {
        return new OutputLayer.Builder(LossFunctions.LossFunction.NEGATIVELOGLIKELIHOOD).nIn(8).nOut(5)
                .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build();
    }
}
