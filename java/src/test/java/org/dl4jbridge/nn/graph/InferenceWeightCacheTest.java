package org.dl4jbridge.nn.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.dl4jbridge.datasets.DataSet;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.nn.conf.ComputationGraphConfiguration;
import org.dl4jbridge.nn.conf.ConvolutionMode;
import org.dl4jbridge.nn.conf.NeuralNetConfiguration;
import org.dl4jbridge.nn.conf.activations.Activation;
import org.dl4jbridge.nn.conf.inputs.InputType;
import org.dl4jbridge.nn.conf.layers.BatchNormalization;
import org.dl4jbridge.nn.conf.layers.ConvolutionLayer;
import org.dl4jbridge.nn.conf.layers.GlobalPoolingLayer;
import org.dl4jbridge.nn.conf.layers.OutputLayer;
import org.dl4jbridge.nn.conf.layers.PoolingType;
import org.dl4jbridge.nn.conf.losses.LossFunctions.LossFunction;
import org.dl4jbridge.nn.updater.Nesterovs;
import org.junit.jupiter.api.Test;

/**
 * Inference keeps Winograd-transformed weights between passes; whatever route changes the
 * parameters (a write through the live parameter view, setParams, fit), the next pass must use the
 * new values: it must give exactly what a fresh copy of the network (its own buffers, nothing cached
 * for them) gives.
 */
class InferenceWeightCacheTest {
    /** Two 3x3 convolutions with 16 channels (Winograd's range), one with a batch norm folded into it. */
    private static ComputationGraphConfiguration twoConvs() {
        return new NeuralNetConfiguration.Builder().seed(5).updater(new Nesterovs(0.1, 0.9)).graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.convolutional(10, 10, 16))
                .addLayer("c1", new ConvolutionLayer.Builder(3, 3).nOut(16).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.IDENTITY).build(), "in")
                .addLayer("bn", new BatchNormalization.Builder().build(), "c1")
                .addLayer("c2", new ConvolutionLayer.Builder(3, 3).nOut(16).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.RELU).build(), "bn")
                .addLayer("gp", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "c2")
                .addLayer("out", new OutputLayer.Builder(LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build(), "gp")
                .setOutputs("out")
                .build();
    }

    private static NDArray random(long seed, int... shape) {
        Random r = new Random(seed);
        NDArray x = NDArray.zeros(shape);
        for (int i = 0; i < x.length(); i++) x.put(i, (float) r.nextGaussian());
        return x;
    }

    /** The pass's output must be a fresh copy's, and differ from {@code before} (else the change proved nothing). */
    private static float[] assertSeesTheChange(ComputationGraph g, NDArray x, float[] before, String route) {
        float[] now = g.output(java.util.List.of("gp"), false, x)[0].toFloatArray();
        float[] fresh = g.clone().output(java.util.List.of("gp"), false, x)[0].toFloatArray();
        assertArrayEquals(fresh, now, 0f, route + ": the pass must use the changed parameters");
        assertTrue(Arrays.mismatch(before, now) >= 0, route + ": the change did not change the output");
        return now;
    }

    @Test
    void everyRouteOfParameterChangeIsSeen() {
        ComputationGraph g = new ComputationGraph(twoConvs());
        g.init();
        NDArray x = random(1, 4, 16, 10, 10);
        float[] out = g.output(java.util.List.of("gp"), false, x)[0].toFloatArray();
        g.output(java.util.List.of("gp"), false, x); // a second pass: the transforms are now cached

        NDArray c2w = g.paramTable().get("c2_W");
        c2w.put(7, c2w.get(7) + 1f);
        out = assertSeesTheChange(g, x, out, "write through the parameter view");

        NDArray p = g.params().dup();
        for (int i = 0; i < p.length(); i += 3) p.put(i, p.get(i) * 0.5f);
        g.setParams(p);
        out = assertSeesTheChange(g, x, out, "setParams");

        NDArray y = NDArray.zeros(4, 3);
        for (int i = 0; i < 4; i++) y.putAt(1f, i, i % 3);
        g.fit(new DataSet(x, y));
        out = assertSeesTheChange(g, x, out, "fit");

        NDArray gamma = g.paramTable().get("bn_gamma");
        gamma.put(0, gamma.get(0) * 2f); // changes the folded weights, computed into a buffer reused every pass
        assertSeesTheChange(g, x, out, "batch-norm parameter folded into c1");
    }
}
