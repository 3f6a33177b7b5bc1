package org.dl4jbridge.compat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.File;
import java.nio.file.Path;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.nn.conf.activations.Activation;
import org.dl4jbridge.nn.conf.layers.DenseLayer;
import org.dl4jbridge.nn.conf.layers.GlobalPoolingLayer;
import org.dl4jbridge.nn.conf.layers.OutputLayer;
import org.dl4jbridge.nn.conf.layers.PoolingType;
import org.dl4jbridge.nn.conf.losses.LossFunctions;
import org.dl4jbridge.nn.graph.ComputationGraph;
import org.dl4jbridge.nn.transferlearning.FineTuneConfiguration;
import org.dl4jbridge.nn.transferlearning.TransferLearning;
import org.dl4jbridge.nn.updater.Adam;
import org.dl4jbridge.nn.weights.WeightInit;
import org.dl4jbridge.util.ModelSerializer;
import org.dl4jbridge.zoo.VGG16Conv;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The vgg16-conv lesson's model (VGG16's convolution base frozen at block5_pool, then average pool, dense 256
 * ReLU and a softmax output with dropOut 0.5, trained with the lesson's Adam 1e-3) as the engine writes it,
 * restored by real DL4J: same layers, same parameters, same predictions. Random weights at 32x32 keep it small; the layer types and names are the lesson's.
 */
class VGG16ConvLessonRestoreTest {
    @TempDir Path dir;

    @Test
    void dl4jRestoresTheLessonModelAndPredictsTheSame() throws Exception {
        ComputationGraph base = VGG16Conv.builder().inputShape(3, 32, 32).build().init();
        ComputationGraph model = new TransferLearning.GraphBuilder(base)
                .fineTuneConfiguration(new FineTuneConfiguration.Builder().updater(new Adam(1e-3)).seed(12345).build())
                .setFeatureExtractor("block5_pool")
                .addLayer("avg_pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "block5_pool")
                .addLayer("fc", new DenseLayer.Builder().nIn(512).nOut(256).activation(Activation.RELU)
                        .weightInit(WeightInit.RELU).build(), "avg_pool")
                .addLayer("predictions", new OutputLayer.Builder(LossFunctions.LossFunction.NEGATIVELOGLIKELIHOOD)
                        .nIn(256).nOut(5).activation(Activation.SOFTMAX).dropOut(0.5).build(), "fc")
                .setOutputs("predictions")
                .build();
        File zip = dir.resolve("model.zip").toFile();
        ModelSerializer.writeModel(model, zip, true);

        org.deeplearning4j.nn.graph.ComputationGraph dl4j =
                org.deeplearning4j.util.ModelSerializer.restoreComputationGraph(zip, true);
        assertEquals(model.numParams(), dl4j.numParams());
        assertEquals(13 + 5 + 3, dl4j.getNumLayers());   // 13 convolutions, 5 pools, avg_pool + fc + predictions
        assertArrayEquals(model.params().toFloatArray(), dl4j.params().toFloatVector(), 0f);

        float[] x = new float[2 * 3 * 32 * 32];
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(7);
        for (int i = 0; i < x.length; i++) x[i] = (float) (rnd.nextDouble() * 255 - 120);
        float[] ours = model.outputSingle(NDArray.of(x, 2, 3, 32, 32)).toFloatArray();
        INDArray theirs = dl4j.outputSingle(Nd4j.create(x, new long[] {2, 3, 32, 32}));
        float[] t = theirs.reshape(theirs.length()).toFloatVector();
        for (int i = 0; i < ours.length; i++) assertEquals(t[i], ours[i], 1e-5f, "probability " + i);
    }
}
