package org.dl4jbridge.ndarray.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipFile;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.testutil.Npz;
import org.dl4jbridge.util.Nd4jBinary;
import org.junit.jupiter.api.Test;

/**
 * DL4J-written ground truth for these ops together: the MLPMoon fixture (Dense 2→20 ReLU, Output
 * 20→2 softmax NLL, Nesterovs 0.005/0.9) assembled by hand from Linalg, Bias, Activation and
 * LossFunction on DL4J's flat parameter layout (f-order W views, DL4J_SPEC 2.7, 9.2). Checks the
 * forward output, the summed gradient, and the 63-iteration training curve and final parameters.
 */
class MlpMoonOpsTest {
    private static final Path DIR = Npz.fixtures().resolve("MLPMoon");
    private static final double MOM = 0.9, LR = 0.005;

    /** The network's parameter (or gradient) views into one flat vector of 102. */
    private record Views(NDArray flat, NDArray w0, NDArray b0, NDArray w1, NDArray b1) {
        static Views of(NDArray flat) {
            return new Views(flat, flat.flatView(0, 'f', 2, 20), flat.flatView(40, 'c', 1, 20),
                    flat.flatView(60, 'f', 20, 2), flat.flatView(100, 'c', 1, 2));
        }
    }

    /** Activations kept for backward. */
    private record Pass(NDArray x, NDArray a1, NDArray p) {}

    private static Pass forward(Views v, NDArray x) {
        int mb = x.size(0);
        NDArray a1 = Linalg.mmul(x, v.w0, NDArray.zeros(mb, 20));
        Bias.addRowVector(a1, v.b0);
        Activation.RELU.forward(a1, a1);
        NDArray p = Linalg.mmul(a1, v.w1, NDArray.zeros(mb, 2));
        Bias.addRowVector(p, v.b1);
        Activation.SOFTMAX.forward(p, p);
        return new Pass(x, a1, p);
    }

    /** Summed (not averaged) gradient into g's views, as DL4J's layers produce it. */
    private static void backward(Views v, Pass f, NDArray labels, Views g) {
        int mb = f.x.size(0);
        NDArray dz2 = LossFunction.NEGATIVELOGLIKELIHOOD.gradient(f.p, labels, Activation.SOFTMAX, NDArray.zeros(mb, 2));
        Linalg.gemm(f.a1, true, dz2, false, g.w1, 1f, 0f);
        Bias.rowVectorGradient(dz2, g.b1);
        NDArray da1 = NDArray.zeros(mb, 20);
        Linalg.gemm(dz2, false, v.w1, true, da1, 1f, 0f);
        Activation.RELU.backward(f.a1, da1, da1);
        Linalg.gemm(f.x, true, da1, false, g.w0, 1f, 0f);
        Bias.rowVectorGradient(da1, g.b0);
    }

    private static NDArray[] csv(Path file, int from, int count) throws IOException {
        List<String> lines = Files.readAllLines(file).stream().filter(l -> !l.isBlank()).toList();
        int n = Math.min(count, lines.size() - from);
        NDArray x = NDArray.zeros(n, 2), y = NDArray.zeros(n, 2);
        for (int i = 0; i < n; i++) {
            String[] c = lines.get(from + i).split(",");
            y.putAt(1f, i, Integer.parseInt(c[0].trim()));
            x.putAt(Float.parseFloat(c[1]), i, 0);
            x.putAt(Float.parseFloat(c[2]), i, 1);
        }
        return new NDArray[] {x, y};
    }

    private static NDArray initialParams() throws IOException {
        try (ZipFile zip = new ZipFile(DIR.resolve("Model_RANDOM_INIT_UNTRAINED.zip").toFile());
             InputStream in = zip.getInputStream(zip.getEntry("coefficients.bin"))) {
            return flat(Nd4jBinary.read(in, "coefficients.bin"));
        }
    }

    private static NDArray flat(NDArray a) {
        return a.reshape(a.length()).dup();
    }

    private static void assertCloseTo(String what, NDArray expected, NDArray actual, double tol) {
        double[] e = new double[expected.length()];
        for (int i = 0; i < e.length; i++) e[i] = expected.get(i);
        float[] a = actual.toFloatArray();
        for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], a[i], tol * Math.max(1, Math.abs(e[i])), what + " element " + i);
        }
    }

    @Test
    void forwardAndSummedGradientMatchDl4j() throws IOException {
        Views v = Views.of(initialParams());
        NDArray[] eval10 = csv(DIR.resolve("moon_data_eval.csv"), 0, 10);
        assertCloseTo("output_1_0", Nd4jBinary.read(DIR.resolve("predictions/output_1_0.bin")), forward(v, eval10[0]).p, 1e-6);
        NDArray[] eval5 = csv(DIR.resolve("moon_data_eval.csv"), 0, 5);
        Views g = Views.of(NDArray.zeros(102));
        backward(v, forward(v, eval5[0]), eval5[1], g);
        assertCloseTo("flattenedGradients", flat(Nd4jBinary.read(DIR.resolve("flattenedGradients.bin"))), g.flat, 1e-5);
    }

    @Test
    void oneEpochReproducesTrainingCurveAndFinalParameters() throws IOException {
        String[] curve = Files.readString(DIR.resolve("trainingCurve.csv")).trim().split(",");
        Views v = Views.of(initialParams());
        Views g = Views.of(NDArray.zeros(102));
        float[] vel = new float[102];
        Path train = DIR.resolve("moon_data_train.csv");
        for (int it = 0; it < curve.length; it++) {
            NDArray[] batch = csv(train, it * 32, 32);
            Pass f = forward(v, batch[0]);
            double score = LossFunction.NEGATIVELOGLIKELIHOOD.score(f.p, batch[1], Activation.SOFTMAX);
            assertEquals(Double.parseDouble(curve[it]), score, 1e-5, "score at iteration " + it);
            backward(v, f, batch[1], g);
            int mb = batch[0].size(0);
            for (int i = 0; i < 102; i++) { // Nesterovs (DL4J_SPEC 6.2) on the minibatch-averaged gradient
                float grad = g.flat.get(i) / mb;
                float prev = vel[i];
                vel[i] = (float) (MOM * prev - LR * grad);
                v.flat.put(i, (float) (v.flat.get(i) - (MOM * prev - (1 + MOM) * vel[i])));
            }
        }
        assertCloseTo("paramsPostTrain", flat(Nd4jBinary.read(DIR.resolve("paramsPostTrain.bin"))), v.flat, 1e-5);
    }
}
