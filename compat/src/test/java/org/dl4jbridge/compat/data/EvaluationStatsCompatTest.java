package org.dl4jbridge.compat.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Stream;
import org.dl4jbridge.ndarray.NDArray;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Issue 10, part 2e: {@code stats()} of DL4J 1.0.0-M2.1's
 * {@code org.nd4j.evaluation.classification.Evaluation} and of the engine's
 * {@code org.dl4jbridge.eval.Evaluation}, fed the same label and prediction rows in the same
 * minibatches, must be the same text character for character. Each case is one typical or edge
 * situation of the lesson and of users' own evaluations.
 */
class EvaluationStatsCompatTest {
    private static final List<String> FLOWERS = List.of("daisy", "dandelion", "roses", "sunflowers", "tulips");
    private static Locale savedLocale;

    /** DL4J formats with the default locale; the engine always with ROOT. Compare them where they agree. */
    @BeforeAll
    static void englishLocale() {
        savedLocale = Locale.getDefault();
        Locale.setDefault(Locale.US);
    }

    @AfterAll
    static void restoreLocale() {
        Locale.setDefault(savedLocale);
    }

    /** One evaluation input: rows of labels and predictions, split into minibatches. */
    record Case(String name, List<String> labels, int numClasses, int topN, Integer binaryPositiveClass,
                boolean setPositiveClass, float[][] labelRows, float[][] predRows, int batch, int statsVariant) {
        @Override
        public String toString() { return name; }
    }

    static Stream<Arguments> cases() {
        List<Case> cs = new ArrayList<>();
        // The lesson's situation: 5 named classes, 633 test photos, mostly right.
        cs.add(random("5 flowers, 633 rows, mostly right", FLOWERS, 5, 633, 0.9, 1, 16, 1));
        cs.add(random("5 classes without names", null, 5, 200, 0.6, 1, 32, 2));
        cs.add(random("5 flowers, random head (accuracy ~0.2)", FLOWERS, 5, 633, 0.0, 1, 16, 3));
        cs.add(random("binary, named", List.of("cat", "dog"), 2, 100, 0.7, 1, 10, 4));
        cs.add(random("binary, unnamed", null, 2, 57, 0.5, 1, 8, 5));
        Case b = random("binary, positive class 0", List.of("neg", "pos"), 2, 80, 0.6, 1, 16, 6);
        cs.add(new Case(b.name, b.labels, 2, 1, 0, true, b.labelRows, b.predRows, b.batch, 0));
        Case m = random("binary, macro averages (positive class null)", List.of("neg", "pos"), 2, 80, 0.6, 1, 16, 7);
        cs.add(new Case(m.name, m.labels, 2, 1, null, true, m.labelRows, m.predRows, m.batch, 0));
        cs.add(neverPredicted("class 3 never predicted", FLOWERS, 5, new int[] {3}, 300, 8));
        cs.add(neverPredicted("classes 1 and 4 never predicted", null, 5, new int[] {1, 4}, 300, 9));
        cs.add(neverPresent("class 2 never present", FLOWERS, 5, new int[] {2}, 300, 10));
        cs.add(neverPresent("classes 0, 2, 4 never present", null, 5, new int[] {0, 2, 4}, 300, 11));
        cs.add(neverPresent("binary, class 1 never present", List.of("a", "b"), 2, new int[] {1}, 40, 12));
        cs.add(neverPredicted("binary, class 1 never predicted", List.of("a", "b"), 2, new int[] {1}, 40, 13));
        cs.add(macro(neverPresent("binary macro, class 1 never present", List.of("a", "b"), 2, new int[] {1}, 40, 27)));
        cs.add(macro(neverPredicted("binary macro, class 0 never predicted", null, 2, new int[] {0}, 40, 28)));
        cs.add(macro(allOneClass("binary macro, only class 0 at all (F1 NaN)", List.of("a", "b"), 0, 29)));
        cs.add(bothMissing("class 1 never present, class 3 never predicted", FLOWERS, 14));
        cs.add(ties("ties in argmax (predictions and labels)", FLOWERS, 15));
        cs.add(allOneClass("every prediction the same class", FLOWERS, 2, 16));
        cs.add(perfect("perfect predictions", FLOWERS, 250, 17));
        cs.add(perfect("perfect, 100 in one cell (column width at a power of ten)", List.of("a", "b", "c"), 300, 0));
        cs.add(random("1234 rows, 4-digit counts", null, 3, 1234 * 3, 0.8, 1, 100, 18));
        cs.add(random("top-3 accuracy", FLOWERS, 5, 300, 0.5, 3, 16, 19));
        cs.add(random("10 classes", null, 10, 500, 0.5, 1, 50, 20));
        cs.add(random("21 classes (no matrix printed)", null, 21, 400, 0.5, 1, 50, 21));
        cs.add(neverPredicted("25 classes, 18 never predicted", null, 25,
                new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17}, 400, 22));
        cs.add(random("1 row", FLOWERS, 5, 1, 1.0, 1, 1, 23));
        // The same data through the stats variants.
        Case v = neverPredicted("stats(true): warnings suppressed", FLOWERS, 5, new int[] {2}, 200, 24);
        cs.add(new Case(v.name, v.labels, 5, 1, null, false, v.labelRows, v.predRows, v.batch, 1));
        Case w = random("stats(false, true) with 22 classes", null, 22, 300, 0.5, 1, 50, 25);
        cs.add(new Case(w.name, w.labels, 22, 1, null, false, w.labelRows, w.predRows, w.batch, 2));
        Case x = random("stats(false, false) with 5 classes", FLOWERS, 5, 100, 0.5, 1, 50, 26);
        cs.add(new Case(x.name, x.labels, 5, 1, null, false, x.labelRows, x.predRows, x.batch, 3));
        return cs.stream().map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void statsTextIsDl4js(Case c) {
        org.nd4j.evaluation.classification.Evaluation dl4j = c.labels != null
                ? new org.nd4j.evaluation.classification.Evaluation(c.labels, c.topN)
                : c.topN > 1 ? new org.nd4j.evaluation.classification.Evaluation(c.numClasses, c.topN)
                : new org.nd4j.evaluation.classification.Evaluation(c.numClasses);
        org.dl4jbridge.eval.Evaluation engine = c.labels != null
                ? new org.dl4jbridge.eval.Evaluation(c.labels, c.topN)
                : new org.dl4jbridge.eval.Evaluation(c.numClasses, c.topN);
        if (c.setPositiveClass) {
            dl4j.setBinaryPositiveClass(c.binaryPositiveClass);
            engine.setBinaryPositiveClass(c.binaryPositiveClass);
        }
        int n = c.numClasses;
        for (int start = 0; start < c.labelRows.length; start += c.batch) {
            int end = Math.min(c.labelRows.length, start + c.batch);
            float[] l = flatten(c.labelRows, start, end, n);
            float[] p = flatten(c.predRows, start, end, n);
            INDArray dl = Nd4j.create(l, new long[] {end - start, n});
            INDArray dp = Nd4j.create(p, new long[] {end - start, n});
            dl4j.eval(dl, dp);
            engine.eval(NDArray.of(l, end - start, n), NDArray.of(p, end - start, n));
        }
        String expected;
        String actual;
        switch (c.statsVariant) {
            case 1 -> { expected = dl4j.stats(true); actual = engine.stats(true); }
            case 2 -> { expected = dl4j.stats(false, true); actual = engine.stats(false, true); }
            case 3 -> { expected = dl4j.stats(false, false); actual = engine.stats(false, false); }
            default -> { expected = dl4j.stats(); actual = engine.stats(); }
        }
        if (!expected.equals(actual)) fail(firstDifference(expected, actual));
        assertEquals(dl4j.accuracy(), engine.accuracy(), 0.0, "accuracy");
    }

    /** stats() before any eval(): DL4J's "no data" sentence. */
    @org.junit.jupiter.api.Test
    void statsWithoutDataIsDl4js() {
        assertEquals(new org.nd4j.evaluation.classification.Evaluation(FLOWERS).stats(),
                new org.dl4jbridge.eval.Evaluation(FLOWERS).stats());
        assertEquals(new org.nd4j.evaluation.classification.Evaluation(3).stats(),
                new org.dl4jbridge.eval.Evaluation(3).stats());
    }

    // ---- case builders ---------------------------------------------------------------------

    /** Each row's class drawn uniformly; the prediction right with probability pRight, else random. */
    private static Case random(String name, List<String> labels, int n, int rows, double pRight, int topN, int batch,
                               long seed) {
        Random r = new Random(seed);
        float[][] l = new float[rows][];
        float[][] p = new float[rows][];
        for (int i = 0; i < rows; i++) {
            int a = r.nextInt(n);
            int q = r.nextDouble() < pRight ? a : r.nextInt(n);
            l[i] = oneHot(n, a);
            p[i] = softmaxLike(r, n, q);
        }
        return new Case(name, labels, n, topN, null, false, l, p, batch, 0);
    }

    private static Case neverPredicted(String name, List<String> labels, int n, int[] missing, int rows, long seed) {
        Random r = new Random(seed);
        List<Integer> allowed = new ArrayList<>();
        for (int c = 0; c < n; c++) {
            final int cc = c;
            if (Arrays.stream(missing).noneMatch(m -> m == cc)) allowed.add(c);
        }
        float[][] l = new float[rows][];
        float[][] p = new float[rows][];
        for (int i = 0; i < rows; i++) {
            int a = r.nextInt(n);
            int q = r.nextDouble() < 0.6 && allowed.contains(a) ? a : allowed.get(r.nextInt(allowed.size()));
            l[i] = oneHot(n, a);
            p[i] = softmaxLike(r, n, q);
        }
        return new Case(name, labels, n, 1, null, false, l, p, 32, 0);
    }

    private static Case neverPresent(String name, List<String> labels, int n, int[] missing, int rows, long seed) {
        Random r = new Random(seed);
        List<Integer> present = new ArrayList<>();
        for (int c = 0; c < n; c++) {
            final int cc = c;
            if (Arrays.stream(missing).noneMatch(m -> m == cc)) present.add(c);
        }
        float[][] l = new float[rows][];
        float[][] p = new float[rows][];
        for (int i = 0; i < rows; i++) {
            int a = present.get(r.nextInt(present.size()));
            int q = r.nextDouble() < 0.6 ? a : r.nextInt(n);
            l[i] = oneHot(n, a);
            p[i] = softmaxLike(r, n, q);
        }
        return new Case(name, labels, n, 1, null, false, l, p, 32, 0);
    }

    /** The same rows with binaryPositiveClass set to null: macro averages over the two classes. */
    private static Case macro(Case c) {
        return new Case(c.name, c.labels, c.numClasses, c.topN, null, true, c.labelRows, c.predRows, c.batch, c.statsVariant);
    }

    private static Case bothMissing(String name, List<String> labels, long seed) {
        Random r = new Random(seed);
        int n = 5;
        int rows = 200;
        float[][] l = new float[rows][];
        float[][] p = new float[rows][];
        for (int i = 0; i < rows; i++) {
            int a;
            do { a = r.nextInt(n); } while (a == 1);
            int q;
            do { q = r.nextDouble() < 0.5 ? a : r.nextInt(n); } while (q == 3);
            l[i] = oneHot(n, a);
            p[i] = softmaxLike(r, n, q);
        }
        return new Case(name, labels, n, 1, null, false, l, p, 25, 0);
    }

    /** Rows whose largest prediction (and, for some, largest label entry) is shared by several classes. */
    private static Case ties(String name, List<String> labels, long seed) {
        Random r = new Random(seed);
        int n = 5;
        int rows = 120;
        float[][] l = new float[rows][];
        float[][] p = new float[rows][];
        for (int i = 0; i < rows; i++) {
            int a = r.nextInt(n);
            l[i] = oneHot(n, a);
            p[i] = new float[n];
            switch (i % 6) {
                case 0 -> Arrays.fill(p[i], 0.2f);                                 // all equal
                case 1 -> { p[i][a] = 0.4f; p[i][(a + 2) % n] = 0.4f; p[i][(a + 1) % n] = 0.2f; }
                case 2 -> { p[i][(a + 1) % n] = 0.45f; p[i][(a + 3) % n] = 0.45f; p[i][a] = 0.1f; }
                case 3 -> { p[i][n - 1] = 0.5f; p[i][0] = 0.5f; }                  // first and last
                case 4 -> { l[i] = new float[n]; l[i][1] = 0.5f; l[i][3] = 0.5f; p[i] = softmaxLike(r, n, 3); } // tied label
                default -> p[i] = softmaxLike(r, n, a);
            }
        }
        return new Case(name, labels, n, 1, null, false, l, p, 16, 0);
    }

    /** Every prediction is {@code predicted}; with two classes, every label is it too. */
    private static Case allOneClass(String name, List<String> labels, int predicted, long seed) {
        Random r = new Random(seed);
        int n = labels.size();
        int rows = 150;
        float[][] l = new float[rows][];
        float[][] p = new float[rows][];
        for (int i = 0; i < rows; i++) {
            l[i] = oneHot(n, n == 2 ? predicted : r.nextInt(n));
            p[i] = softmaxLike(r, n, predicted);
        }
        return new Case(name, labels, n, 1, null, false, l, p, 16, 0);
    }

    private static Case perfect(String name, List<String> labels, int rows, long seed) {
        Random r = new Random(seed);
        int n = labels.size();
        float[][] l = new float[rows][];
        float[][] p = new float[rows][];
        for (int i = 0; i < rows; i++) {
            int a = seed == 0 ? i % n : r.nextInt(n);   // seed 0: exactly rows / n in every diagonal cell
            l[i] = oneHot(n, a);
            p[i] = softmaxLike(r, n, a);
        }
        return new Case(name, labels, n, 1, null, false, l, p, 16, 0);
    }

    private static float[] oneHot(int n, int c) {
        float[] v = new float[n];
        v[c] = 1f;
        return v;
    }

    /** Positive values summing to 1 whose strict maximum is at {@code top}. */
    private static float[] softmaxLike(Random r, int n, int top) {
        float[] v = new float[n];
        float sum = 0;
        for (int j = 0; j < n; j++) {
            v[j] = 0.05f + r.nextFloat();
            sum += v[j];
        }
        float max = 0;
        for (float x : v) max = Math.max(max, x);
        v[top] = max + 0.5f + r.nextFloat();
        sum = 0;
        for (float x : v) sum += x;
        for (int j = 0; j < n; j++) v[j] /= sum;
        return v;
    }

    private static float[] flatten(float[][] rows, int start, int end, int n) {
        float[] out = new float[(end - start) * n];
        for (int i = start; i < end; i++) System.arraycopy(rows[i], 0, out, (i - start) * n, n);
        return out;
    }

    /** Both texts, and where they part, with tabs and newlines made visible. */
    static String firstDifference(String expected, String actual) {
        int i = 0;
        while (i < expected.length() && i < actual.length() && expected.charAt(i) == actual.charAt(i)) i++;
        int from = Math.max(0, i - 60);
        return "stats() differs at character " + i + "\n--- DL4J near there:\n" + visible(expected.substring(from,
                Math.min(expected.length(), i + 60))) + "\n--- engine near there:\n" + visible(actual.substring(from,
                Math.min(actual.length(), i + 60))) + "\n--- DL4J:\n" + expected + "\n--- engine:\n" + actual;
    }

    private static String visible(String s) {
        return s.replace("\t", "\\t").replace("\n", "\\n\n");
    }
}
