package org.dl4jbridge.nn.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.dl4jbridge.datasets.DataSet;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.nn.conf.activations.Activation;
import org.dl4jbridge.nn.conf.layers.OutputLayer;
import org.dl4jbridge.nn.conf.losses.LossFunctions;
import org.dl4jbridge.nn.layers.AbstractLayer;
import org.dl4jbridge.nn.transferlearning.FineTuneConfiguration;
import org.dl4jbridge.nn.transferlearning.TransferLearning;
import org.dl4jbridge.nn.updater.Nesterovs;
import org.dl4jbridge.nn.weights.WeightInit;
import org.dl4jbridge.zoo.EfficientNetLite0;
import org.junit.jupiter.api.Test;

/**
 * A training step zeroes only the trainable layers' gradient segments once the whole vector has been
 * zeroed: every gradient must still be complete (whatever a trainable segment held before the step
 * is gone) and the frozen layers' segments must stay zero.
 */
class GradientZeroingTest {
    @Test
    void trainableSegmentsAreRecomputedAndFrozenOnesStayZero() {
        ComputationGraph base = new EfficientNetLite0(5, 7L, new Nesterovs(), new int[] {3, 64, 64}).init();
        ComputationGraph g = new TransferLearning.GraphBuilder(base)
                .fineTuneConfiguration(new FineTuneConfiguration.Builder().updater(new Nesterovs(0.01, 0.9)).seed(3).build())
                .setFeatureExtractor("block13_add")
                .removeVertexKeepConnections(EfficientNetLite0.OUTPUT)
                .addLayer(EfficientNetLite0.OUTPUT, new OutputLayer.Builder(LossFunctions.LossFunction.NEGATIVELOGLIKELIHOOD)
                        .nIn(1280).nOut(5).activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build(),
                        EfficientNetLite0.FEATURES)
                .build();
        DataSet first = batch(1), second = batch(2);
        ComputationGraph reference = g.clone();

        g.fit(first);   // zeroes the whole vector (first use); later steps zero the trainable segments only
        int garbage = 0;
        for (AbstractLayer l : g.getLayers()) {
            if (l.isFrozen()) continue;
            for (NDArray a : l.gradientTable().values()) {
                a.assign(1e3f);   // what a step must not leave behind
                garbage += a.length();
            }
        }
        assertTrue(garbage > 0, "the graph has trainable gradients");
        g.computeGradientAndScore(second);

        reference.fit(first);
        reference.gradient();   // hands the vector out: the next step zeroes all of it
        reference.computeGradientAndScore(second);

        float[] got = g.gradient().toFloatArray(), want = reference.gradient().toFloatArray();
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-5f * Math.max(1f, Math.abs(want[i])), "gradient element " + i);
        }
        int start = 0;
        for (AbstractLayer l : g.getLayers()) {
            int n = (int) l.numParams();
            if (l.isFrozen()) for (int i = start; i < start + n; i++) assertEquals(0f, got[i], "frozen layer " + l.name() + " element " + i);
            start += n;
        }
    }

    private static DataSet batch(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int mb = 2;
        float[] x = new float[mb * 3 * 64 * 64], y = new float[mb * 5];
        for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextDouble() * 2 - 1);
        for (int i = 0; i < mb; i++) y[i * 5 + r.nextInt(5)] = 1f;
        return new DataSet(NDArray.of(x, mb, 3, 64, 64), NDArray.of(y, mb, 5));
    }
}
