package org.dl4jbridge.compat.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Random;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.ndarray.ops.Activation;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Rounding 'dl4j''s element rules, each against DL4J on many inputs (the README's counts come from here):
 * the engine must give DL4J's bits on every input; the printed line says how many inputs the nearest
 * alternative (Java's own pow, exp, a float division) gets wrong, which is why the rule is what it is.
 * Runs in the dl4j-rounding execution ({@link SameArithmetic}).
 */
class RoundingRulesTest {
    @BeforeAll
    static void useDl4jsOwnArithmetic() throws java.io.IOException {
        assumeTrue(SameArithmetic.active(), "runs in the dl4j-rounding surefire execution, which sets dl4jbridge.rounding=dl4j");
        SameArithmetic.use();
    }

    private static boolean same(float a, float b) { return Float.floatToRawIntBits(a) == Float.floatToRawIntBits(b); }

    private static long ulps(float a, float b) { return Math.abs((long) Float.floatToRawIntBits(a) - Float.floatToRawIntBits(b)); }

    /** 200,000 inputs of either sign, magnitudes 1e-6 to 10, log-uniform. */
    @Test
    void tanhIsDl4jsOnEveryInput() {
        int n = 200_000;
        float[] x = new float[n];
        Random r = new Random(1);
        for (int i = 0; i < n; i++) {
            float m = (float) Math.pow(10, -6 + 7 * r.nextDouble());
            x[i] = r.nextBoolean() ? m : -m;
        }
        float[] dl4j = Transforms.tanh(Nd4j.createFromArray(x), true).toFloatVector();
        float[] engine = Activation.TANH.forward(NDArray.of(x, n)).toFloatArray();
        int engineDiffers = 0, javaPowDiffers = 0;
        long worstFromTanh = 0;
        for (int i = 0; i < n; i++) {
            if (!same(engine[i], dl4j[i])) engineDiffers++;
            float p = (float) Math.pow((float) Math.E, -2f * Math.abs(x[i]));
            float viaJavaPow = (1f - p) / (1f + p);
            if (!same(x[i] < 0 ? -viaJavaPow : viaJavaPow, dl4j[i])) javaPowDiffers++;
            worstFromTanh = Math.max(worstFromTanh, ulps((float) Math.tanh(x[i]), dl4j[i]));
        }
        System.out.printf("compat rounding rule tanh: engine differs from DL4J on %d of %d inputs; with Java's pow rounded to"
                + " float it would on %d; DL4J's tanh is up to %d ulp from tanh rounded to float%n", engineDiffers, n, javaPowDiffers,
                worstFromTanh);
        assertEquals(0, engineDiffers, "inputs where the engine's tanh differs from DL4J's");
    }

    /** 20,000 rows of seven N(0, 4^2) values. */
    @Test
    void softmaxIsDl4jsOnEveryRow() {
        int rows = 20_000, k = 7;
        float[] x = new float[rows * k];
        Random r = new Random(3);
        for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextGaussian() * 4);
        INDArray in = Nd4j.create(x.clone(), new long[] {rows, k}, 'c');
        float[] dl4j = new ActivationSoftmax().getActivation(in, false).reshape(rows * k).toFloatVector();
        float[] engine = Activation.SOFTMAX.forward(NDArray.of(x, rows, k)).toFloatArray();
        int engineDiffers = 0, javaExpDiffers = 0;
        for (int q = 0; q < rows; q++) {
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < k; j++) max = Math.max(max, x[q * k + j]);
            float[] e = new float[k];
            float sum = 0;
            for (int j = 0; j < k; j++) sum += e[j] = (float) Math.exp(x[q * k + j] - max);
            boolean engineRow = true, javaRow = true;
            for (int j = 0; j < k; j++) {
                engineRow &= same(engine[q * k + j], dl4j[q * k + j]);
                javaRow &= same(e[j] / sum, dl4j[q * k + j]);
            }
            if (!engineRow) engineDiffers++;
            if (!javaRow) javaExpDiffers++;
        }
        System.out.printf("compat rounding rule softmax: engine differs from DL4J on %d of %d rows; with Java's exp rounded to"
                + " float it would on %d%n", engineDiffers, rows, javaExpDiffers);
        assertEquals(0, engineDiffers, "rows where the engine's softmax differs from DL4J's");
    }

    /** Adam's step size at t = 1..200 (both modes use it: the order is DL4J's everywhere). */
    @Test
    void adamStepSizeIsDl4jsAtEveryIteration() {
        double lr = 0.01;
        float b1 = 0.9f, b2 = 0.999f;
        int engineDiffers = 0, floatDivisionDiffers = 0;
        for (int it = 0; it < 200; it++) {
            // State m = v = 1 and a gradient of 1 keep m and v at 1, so DL4J's update is its step size.
            INDArray view = Nd4j.ones(1, 2);
            INDArray g = Nd4j.ones(1, 1);
            new Adam(lr).instantiate(view, false).applyUpdater(g, it, 0);
            float dl4j = g.getFloat(0);
            if (!same(new org.dl4jbridge.nn.updater.Adam(lr).stepSize(it, 0), dl4j)) engineDiffers++;
            float b1t = (float) Math.pow(b1, it + 1), b2t = (float) Math.pow(b2, it + 1);
            if (!same((float) lr * (float) Math.sqrt(1f - b2t) / (1f - b1t), dl4j)) floatDivisionDiffers++;
        }
        System.out.printf("compat rounding rule Adam step size: engine differs from DL4J at %d of 200 iterations; dividing in"
                + " float it would at %d%n", engineDiffers, floatDivisionDiffers);
        assertEquals(0, engineDiffers, "iterations where the engine's Adam step size differs from DL4J's");
    }
}
