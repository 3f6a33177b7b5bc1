package org.dl4jbridge.nn.multilayer;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.dl4jbridge.datasets.DataSet;
import org.dl4jbridge.nn.conf.MultiLayerConfiguration;
import org.dl4jbridge.nn.updater.Nesterovs;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.util.ModelFiles;
import org.dl4jbridge.util.ModelZip;
import org.dl4jbridge.util.Nd4jBinary;
import org.junit.jupiter.api.Test;

/** DL4J beta7's MLPMoon integration fixture: forward, summed gradient, one epoch of training (DL4J_SPEC 9.1, 9.2). */
class MLPMoonTest {
    static Path dir() {
        Path d = org.dl4jbridge.testutil.Npz.fixtures().resolve("MLPMoon");
        return d;
    }

    static MultiLayerNetwork untrained() throws IOException {
        ModelFiles f = ModelZip.read(dir().resolve("Model_RANDOM_INIT_UNTRAINED.zip"), true);
        MultiLayerConfiguration conf = MultiLayerConfiguration.fromJson(f.configuration());
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init(f.params(), true);
        assertEquals(f.updaterState().length(), net.getUpdater().stateSize());
        net.getUpdater().setStateViewArray(f.updaterState());
        return net;
    }

    /** Rows of a moon CSV (label, x, y) as features [n,2] and one-hot labels [n,2]. */
    static DataSet rows(String file, int from, int to) throws IOException {
        List<String> lines = Files.readAllLines(dir().resolve(file));
        int n = to - from;
        NDArray x = NDArray.zeros(n, 2), y = NDArray.zeros(n, 2);
        for (int i = 0; i < n; i++) {
            String[] p = lines.get(from + i).split(",");
            x.putAt(Float.parseFloat(p[1]), i, 0);
            x.putAt(Float.parseFloat(p[2]), i, 1);
            y.putAt(1f, i, Integer.parseInt(p[0].trim()));
        }
        return new DataSet(x, y);
    }

    static double maxDiff(NDArray a, NDArray b) {
        assertEquals(a.length(), b.length());
        double m = 0;
        for (int i = 0; i < a.length(); i++) m = Math.max(m, Math.abs(a.get(i) - b.get(i)));
        return m;
    }

    @Test
    void forwardMatchesDl4jPredictions() throws IOException {
        MultiLayerNetwork net = untrained();
        NDArray expected = Nd4jBinary.read(dir().resolve("predictions/output_1_0.bin"));
        NDArray out = net.output(rows("moon_data_eval.csv", 0, 10).getFeatures());
        assertTrue(maxDiff(out, expected) < 1e-6, "max diff " + maxDiff(out, expected));
        System.out.printf("MLPMoon: forward max diff %.3g%n", maxDiff(out, expected));
    }

    @Test
    void summedGradientMatchesDl4j() throws IOException {
        MultiLayerNetwork net = untrained();
        net.computeGradientAndScore(rows("moon_data_eval.csv", 0, 5));
        NDArray expected = Nd4jBinary.read(dir().resolve("flattenedGradients.bin"));
        double d = maxDiff(net.gradient(), expected);
        assertTrue(d < 1e-6, "max gradient diff " + d);
        System.out.printf("MLPMoon: summed gradient max diff %.3g%n", d);
    }

    @Test
    void oneEpochReproducesTrainingCurveAndParams() throws IOException {
        MultiLayerNetwork net = untrained();
        assertEquals(new Nesterovs(0.005, 0.9), ((org.dl4jbridge.nn.conf.layers.BaseLayer) net.getLayerWiseConfigurations().getConf(0).getLayer()).getIUpdater());
        String[] curve = Files.readString(dir().resolve("trainingCurve.csv")).trim().split(",");
        assertEquals(63, curve.length);
        int n = Files.readAllLines(dir().resolve("moon_data_train.csv")).size();
        double worst = 0;
        int it = 0;
        for (int from = 0; from < n; from += 32, it++) {
            net.fit(rows("moon_data_train.csv", from, Math.min(n, from + 32)));
            worst = Math.max(worst, Math.abs(net.score() - Double.parseDouble(curve[it])));
        }
        assertEquals(63, it);
        assertEquals(63, net.getIterationCount());
        assertTrue(worst < 1e-5, "worst score diff " + worst);
        double p = maxDiff(net.params(), Nd4jBinary.read(dir().resolve("paramsPostTrain.bin")));
        assertTrue(p < 1e-5, "max param diff " + p);
        System.out.printf("MLPMoon: worst score diff %.3g, max param diff %.3g%n", worst, p);
    }

    @Test
    void aFitStoppedByCtrlCCountsTheUpdatesItMade() throws IOException {
        MultiLayerNetwork net = untrained();
        List<DataSet> batches = List.of(rows("moon_data_train.csv", 0, 10), rows("moon_data_train.csv", 10, 20),
                rows("moon_data_train.csv", 20, 30), rows("moon_data_train.csv", 30, 40));
        Thread caller = Thread.currentThread();
        net.setListeners(new org.dl4jbridge.nn.graph.TrainingListener() {
            @Override public void iterationDone(Object model, int iteration, int epoch, double score) {
                if (iteration == 2) org.dl4jbridge.bridge.Interrupts.cancel(caller);
            }
        });
        try {
            assertThrows(java.util.concurrent.CancellationException.class,
                    () -> net.fit(new org.dl4jbridge.nn.transferlearning.FeaturizedIterator(batches, null), 2));
        } finally {
            org.dl4jbridge.bridge.Interrupts.clear(caller);
        }
        assertEquals(2, net.getIterationCount());
        assertEquals(2, net.getLayerWiseConfigurations().getIterationCount(), "the saved configuration's count too");
    }
}
