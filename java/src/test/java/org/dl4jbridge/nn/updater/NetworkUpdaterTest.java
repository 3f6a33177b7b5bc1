package org.dl4jbridge.nn.updater;

import static org.junit.jupiter.api.Assertions.*;

import org.dl4jbridge.datasets.DataSet;
import org.dl4jbridge.nn.conf.MultiLayerConfiguration;
import org.dl4jbridge.nn.conf.NeuralNetConfiguration;
import org.dl4jbridge.nn.conf.activations.Activation;
import org.dl4jbridge.nn.conf.layers.DenseLayer;
import org.dl4jbridge.nn.conf.layers.OutputLayer;
import org.dl4jbridge.nn.multilayer.MultiLayerNetwork;
import org.dl4jbridge.ndarray.NDArray;
import org.junit.jupiter.api.Test;

/** The update step of DL4J_SPEC 6.1/6.2 recomputed by hand from the network's own gradient. */
class NetworkUpdaterTest {
    static MultiLayerNetwork net(IUpdater u, double l2, double l1) {
        MultiLayerConfiguration c = new NeuralNetConfiguration.Builder().seed(4).updater(u).l2(l2).l1(l1)
                .activation(Activation.TANH).list()
                .layer(new DenseLayer.Builder().nIn(3).nOut(4).build())
                .layer(new OutputLayer.Builder().nIn(4).nOut(2).activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork n = new MultiLayerNetwork(c);
        n.init();
        return n;
    }

    static DataSet data() {
        NDArray x = NDArray.zeros(4, 3), y = NDArray.zeros(4, 2);
        java.util.Random r = new java.util.Random(1);
        for (int i = 0; i < 12; i++) x.put(i, (float) r.nextGaussian());
        for (int i = 0; i < 4; i++) y.putAt(1f, i, i % 2);
        return new DataSet(x, y);
    }

    static boolean isBias(int i) { return (i >= 12 && i < 16) || i >= 24; }

    @Test
    void sgdWithL1L2ScoreAndStep() {
        double lr = 0.1, l2 = 0.01, l1 = 0.003;
        MultiLayerNetwork n = net(new Sgd(lr), l2, l1);
        MultiLayerNetwork plain = net(new Sgd(lr), 0, 0);
        DataSet ds = data();
        float[] theta = n.params().toFloatArray();
        double reg = 0;
        for (int i = 0; i < theta.length; i++) if (!isBias(i)) reg += 0.5 * l2 * theta[i] * theta[i] + l1 * Math.abs(theta[i]);
        assertEquals(plain.score(ds) + reg, n.score(ds), 1e-6);
        n.computeGradientAndScore(ds);
        float[] g = n.gradient().toFloatArray();
        n.fit(ds);
        float[] after = n.params().toFloatArray();
        for (int i = 0; i < theta.length; i++) {
            double gi = g[i] / 4.0 + (isBias(i) ? 0 : l2 * theta[i] + l1 * Math.signum(theta[i]));
            assertEquals(theta[i] - lr * gi, after[i], 1e-6, "param " + i);
        }
    }

    @Test
    void adamStateIsMThenVPerBlock() {
        MultiLayerNetwork n = net(new Adam(0.01), 0, 0);
        assertEquals(2 * n.numParams(), n.getUpdater().stateSize());
        assertEquals(1, n.getUpdater().getBlocks().size());
        DataSet ds = data();
        float[] theta = n.params().toFloatArray();
        n.computeGradientAndScore(ds);
        float[] g = n.gradient().toFloatArray();
        n.fit(ds);
        float[] s = n.getUpdater().getStateViewArray().toFloatArray(), after = n.params().toFloatArray();
        int p = theta.length;
        double alpha = 0.01 * Math.sqrt(1 - 0.999) / (1 - 0.9);
        for (int i = 0; i < p; i++) {
            double gi = g[i] / 4.0, m = 0.1 * gi, v = 0.001 * gi * gi;
            assertEquals(m, s[i], 1e-7);
            assertEquals(v, s[p + i], 2e-5 * v + 1e-12); // (1 - beta2) is rounded to float, as a float32 kernel does
            assertEquals(theta[i] - alpha * m / (Math.sqrt(v) + 1e-8), after[i], 2e-6);
        }
    }

    @Test
    void nesterovsTwoStepsAndStateRoundTrip() {
        MultiLayerNetwork n = net(new Nesterovs(0.1, 0.9), 0, 0);
        DataSet ds = data();
        float[] v = new float[(int) n.numParams()];
        for (int step = 0; step < 2; step++) {
            float[] theta = n.params().toFloatArray();
            n.computeGradientAndScore(ds);
            float[] g = n.gradient().toFloatArray();
            n.fit(ds);
            float[] after = n.params().toFloatArray();
            for (int i = 0; i < theta.length; i++) {
                float vPrev = v[i];
                v[i] = 0.9f * vPrev - 0.1f * (g[i] / 4f);
                assertEquals(theta[i] - (0.9f * vPrev - 1.9f * v[i]), after[i], 1e-6);
            }
        }
        assertArrayEquals(v, n.getUpdater().getStateViewArray().toFloatArray(), 1e-7f);
        MultiLayerNetwork copy = n.clone();
        assertArrayEquals(n.getUpdater().getStateViewArray().toFloatArray(), copy.getUpdater().getStateViewArray().toFloatArray());
        assertThrows(IllegalArgumentException.class, () -> n.getUpdater().setStateViewArray(NDArray.zeros(3)));
    }

    /** The fused parallel Nesterovs pass over a block of several chunks gives the serial rule's bits. */
    @Test
    void nesterovsFusedPassOverManyChunksMatchesTheRuleExactly() {
        int n = 3 * 4096 + 77, fixedLen = 5;
        Nesterovs u = new Nesterovs(0.05, 0.9);
        NetworkUpdater up = new NetworkUpdater(java.util.List.of(
                new NetworkUpdater.Segment("frozen", "W", 0, fixedLen, new NoOp(), java.util.List.of(),
                        org.dl4jbridge.nn.conf.GradientNormalization.None, 1.0, true),
                new NetworkUpdater.Segment("dense", "W", fixedLen, n - 1000, u, java.util.List.of()),
                new NetworkUpdater.Segment("dense", "b", fixedLen + n - 1000, 1000, u, java.util.List.of())));
        NDArray p = NDArray.zeros(fixedLen + n), g = NDArray.zeros(fixedLen + n);
        java.util.Random r = new java.util.Random(3);
        for (int i = 0; i < p.length(); i++) { p.put(i, (float) r.nextGaussian()); g.put(i, (float) r.nextGaussian()); }
        float[] theta = p.toFloatArray(), v = new float[n];
        for (int step = 0; step < 2; step++) {
            float[] grad = g.toFloatArray();
            up.update(p, g, 16, true, step, 0);
            float[] after = p.toFloatArray(), update = g.toFloatArray();
            for (int i = 0; i < fixedLen; i++) assertEquals(theta[i], after[i], 0f, "fixed segment moved at " + i);
            for (int k = 0; k < n; k++) {
                int i = fixedLen + k;
                float vPrev = v[k];
                v[k] = 0.9f * vPrev - 0.05f * (grad[i] * (1f / 16));
                float step1 = 0.9f * vPrev - (1 + 0.9f) * v[k];
                assertEquals(step1, update[i], 0f, "update left in the gradient at " + i);
                assertEquals(theta[i] - step1, after[i], 0f, "param " + i);
            }
            theta = after;
            for (int i = 0; i < g.length(); i++) g.put(i, (float) r.nextGaussian());
        }
        assertArrayEquals(v, up.getStateViewArray().toFloatArray(), 0f);
    }

    @Test
    void gradientClippingPerElementAndPerLayer() {
        for (var gn : new org.dl4jbridge.nn.conf.GradientNormalization[] {
                org.dl4jbridge.nn.conf.GradientNormalization.ClipElementWiseAbsoluteValue,
                org.dl4jbridge.nn.conf.GradientNormalization.ClipL2PerLayer}) {
            double t = 0.01;
            MultiLayerConfiguration c = new NeuralNetConfiguration.Builder().seed(4).updater(new Sgd(1.0))
                    .gradientNormalization(gn).gradientNormalizationThreshold(t).activation(Activation.TANH).list()
                    .layer(new DenseLayer.Builder().nIn(3).nOut(4).build())
                    .layer(new OutputLayer.Builder().nIn(4).nOut(2).activation(Activation.SOFTMAX).build())
                    .build();
            MultiLayerNetwork n = new MultiLayerNetwork(c);
            n.init();
            DataSet ds = data();
            float[] theta = n.params().toFloatArray();
            n.computeGradientAndScore(ds);
            float[] g = n.gradient().toFloatArray();
            n.fit(ds);
            float[] after = n.params().toFloatArray();
            int[][] layers = {{0, 16}, {16, 26}};
            for (int[] l : layers) {
                double norm = 0;
                for (int i = l[0]; i < l[1]; i++) norm += (g[i] / 4.0) * (g[i] / 4.0);
                norm = Math.sqrt(norm);
                for (int i = l[0]; i < l[1]; i++) {
                    double gi = g[i] / 4.0;
                    double expected = gn == org.dl4jbridge.nn.conf.GradientNormalization.ClipElementWiseAbsoluteValue
                            ? Math.max(-t, Math.min(t, gi)) : (norm > t ? gi * t / norm : gi);
                    assertEquals(theta[i] - expected, after[i], 1e-6, gn + " param " + i);
                }
            }
        }
    }

    @Test
    void learningRateScheduleDrivesSgdAndRoundTripsInJson() {
        var schedule = new org.dl4jbridge.nn.updater.schedule.ISchedule.StepSchedule(
                org.dl4jbridge.nn.updater.schedule.ScheduleType.ITERATION, 0.1, 0.5, 1);
        MultiLayerNetwork n = net(new Sgd(schedule), 0, 0);
        String json = n.getLayerWiseConfigurations().toJson();
        assertTrue(json.contains("\"@class\" : \"org.nd4j.linalg.schedule.StepSchedule\""), json);
        assertEquals(json, MultiLayerConfiguration.fromJson(json).toJson());
        assertEquals(new Sgd(schedule), ((org.dl4jbridge.nn.conf.layers.BaseLayer) MultiLayerConfiguration.fromJson(json).getConf(0).getLayer()).getIUpdater());
        DataSet ds = data();
        for (int it = 0; it < 3; it++) {
            float[] theta = n.params().toFloatArray();
            n.computeGradientAndScore(ds);
            float[] g = n.gradient().toFloatArray();
            n.fit(ds);
            float[] after = n.params().toFloatArray();
            double lr = 0.1 * Math.pow(0.5, it);
            for (int i = 0; i < theta.length; i++) assertEquals(theta[i] - lr * g[i] / 4.0, after[i], 1e-6, "iteration " + it + " param " + i);
        }
    }

    @Test
    void multiLayerSummaryUsesLayerNames() {
        String s = net(new Sgd(0.1), 0, 0).summary();
        assertTrue(s.contains("LayerName (LayerType)") && s.contains("layer0 (DenseLayer)") && s.contains("layer1 (OutputLayer)"), s);
        assertFalse(s.contains("InputVertex"), s);
        assertTrue(s.contains("Total Parameters:  26"), s);
    }
}
