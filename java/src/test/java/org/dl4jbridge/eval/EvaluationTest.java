package org.dl4jbridge.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.util.List;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.testutil.Npz;
import org.junit.jupiter.api.Test;

/** Counting, metrics and the conditional parts of stats(), following DL4J_SPEC 7.2-7.4. */
class EvaluationTest {

    @Test
    void countsFollowDl4jRuleIncludingFirstMaximumOnTies() {
        Evaluation e = new Evaluation(3);
        NDArray labels = NDArray.of(new float[] {1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1}, 4, 3);
        // Row 1 ties classes 0 and 2: the first maximum (0) wins.
        NDArray preds = NDArray.of(new float[] {.7f, .2f, .1f, .4f, .2f, .4f, .1f, .1f, .8f, .3f, .6f, .1f}, 4, 3);
        e.eval(labels, preds);
        assertArrayEquals(new long[] {1, 0, 0, 1, 0, 0, 0, 1, 1}, e.getConfusionMatrixFlat());
        assertEquals(1, e.truePositives(2));
        assertEquals(1, e.falseNegatives(2));
        assertEquals(1, e.falsePositives(0));
        assertEquals(2, e.trueNegatives(0));
        // TN rule of spec 7.2 applied by hand to rows (actual,predicted) = (0,0),(1,0),(2,2),(2,1).
        assertEquals(2, e.trueNegatives(1));
        assertEquals(2, e.trueNegatives(2));
        assertEquals(0.5, e.accuracy());
    }

    @Test
    void neverPredictedAndAbsentClassesAreExcludedWithDl4jWarnings() {
        Evaluation e = Evaluation.fromConfusion(new long[][] {{3, 0, 0}, {1, 0, 0}, {0, 0, 0}}, null);
        assertEquals(0.75, e.precision(), 1e-12);   // class 0 only: 3/4
        assertEquals(0.5, e.recall(), 1e-12);       // classes 0 (1.0) and 1 (0.0); class 2 absent
        assertEquals(2 * 0.75 / 1.75, e.f1(), 1e-12);
        assertEquals(List.of(1, 2), e.classesExcludedFromPrecision());
        assertEquals(List.of(2), e.classesExcludedFromRecall());
        assertEquals(0.0, e.precision(1));
        String s = e.stats();
        assertTrue(s.contains("\n Precision:       0.7500\t(2 classes excluded from average)"
                + "\n Recall:          0.5000\t(1 class excluded from average)"
                + "\n F1 Score:        0.8571\t(2 classes excluded from average)"
                + "\nPrecision, recall & F1: macro-averaged (equally weighted avg. of 3 classes)\n\n"
                + "Warning: 2 classes were never predicted by the model and were excluded from average precision"
                + "\nClasses excluded from average precision: [1, 2]\n"
                + "Warning: 1 class was never predicted by the model and was excluded from average recall"
                + "\nClasses excluded from average recall: [2]\n"
                + "\n=========================Confusion Matrix=========================\n"), s);
        assertTrue(e.stats(true).contains("classes)\n\n\n====="), "stats(true) suppresses warnings");
    }

    @Test
    void allClassesUndefinedPrintsNaN() {
        Evaluation e = Evaluation.fromConfusion(new long[][] {{0, 0, 0}, {0, 0, 5}, {0, 0, 0}}, null);
        assertEquals(0.0, e.recall()); // only class 1 is present, and it is never right
        e = Evaluation.fromConfusion(new long[][] {{0, 4, 0}, {0, 0, 0}, {0, 0, 0}}, null);
        assertEquals(0.0, e.precision()); // class 1 predicted, TP 0
        assertEquals(0.0, e.recall());
        assertTrue(Double.isNaN(e.f1()), "every class has an undefined precision or recall");
        assertTrue(e.stats().contains("\n F1 Score:        NaN\t(3 classes excluded from average)"));
    }

    @Test
    void twoClassesReportThePositiveClass() {
        Evaluation e = Evaluation.fromConfusion(new long[][] {{5, 1}, {2, 2}}, List.of("cat", "dog"));
        assertEquals(2.0 / 3.0, e.precision(), 1e-12);
        assertEquals(0.5, e.recall(), 1e-12);
        assertTrue(e.stats().contains(
                "\n Precision:       0.6667\n Recall:          0.5000\n F1 Score:        0.5714"
                        + "\nPrecision, recall & F1: reported for positive class (class 1 - \"dog\") only\n\n"));
        e.setBinaryPositiveClass(null);
        assertTrue(e.stats().contains("macro-averaged (equally weighted avg. of 2 classes)"));
        assertEquals((5.0 / 7 + 2.0 / 3) / 2, e.precision(), 1e-12);
    }

    /** DL4J 1.0.0-M2.1's behaviour, checked against DL4J itself in compat's EvaluationStatsCompatTest. */
    @Test
    void twoClassesWithMacroAveragingKeepClassOnesF1AsDl4jDoes() {
        Evaluation e = Evaluation.fromConfusion(new long[][] {{27, 8}, {17, 28}}, null);
        assertTrue(e.stats().contains("reported for positive class (class 1 - \"1\") only"), e.stats());
        e.setBinaryPositiveClass(null);
        assertEquals((27.0 / 44 + 28.0 / 36) / 2, e.precision(), 1e-12);  // averaged
        assertEquals(e.f1(1), e.f1(), 0.0);                                // not averaged
        assertTrue(e.stats().contains("\n F1 Score:        0.6914\n"), e.stats());
        e = Evaluation.fromConfusion(new long[][] {{9, 0}, {0, 0}}, null);
        e.setBinaryPositiveClass(null);
        assertTrue(Double.isNaN(e.f1()), "class 1 neither present nor predicted");
    }

    @Test
    void statsWithoutConfusionPrintsTheNoteOnlyAboveTwentyClasses() {
        Evaluation e = Evaluation.fromConfusion(new long[][] {{2, 1, 0}, {0, 3, 0}, {1, 0, 4}}, null);
        assertTrue(e.stats(false, false).endsWith("3 classes)\n\n\n=================================================================="),
                e.stats(false, false));
    }

    @Test
    void exactPowerOfTenGetsNoLeadingSpaceAsInDl4j() {
        Evaluation e = Evaluation.fromConfusion(new long[][] {{100, 3}, {7, 9}}, null);
        assertTrue(e.confusionMatrix().startsWith("  0  1\n-------\n100  3 | 0 = 0\n  7  9 | 1 = 1\n"),
                e.confusionMatrix());
    }

    @Test
    void topNAccuracyLine() {
        Evaluation e = new Evaluation(3, 2);
        e.eval(NDArray.of(new float[] {0, 0, 1, 1, 0, 0}, 2, 3), NDArray.of(new float[] {.5f, .3f, .2f, .1f, .6f, .3f}, 2, 3));
        assertEquals(0.0, e.accuracy());
        assertEquals(0.0, e.topNAccuracy()); // actual class 2 ranks 3rd, actual class 0 ranks 3rd
        e.eval(NDArray.of(new float[] {0, 1, 0}, 1, 3), NDArray.of(new float[] {.5f, .4f, .1f}, 1, 3));
        assertEquals(1.0 / 3, e.topNAccuracy(), 1e-12);
        assertTrue(e.stats().contains("\n Accuracy:        0.0000\n Top 2 Accuracy:  0.3333\n Precision:"));
    }

    @Test
    void manyClassesPrintTheNoteInsteadOfTheMatrix() {
        Evaluation e = Evaluation.fromConfusion(new long[21][21], null);
        e.eval(0, 0);
        assertTrue(e.stats(true).endsWith("\n\nNote: Confusion matrix not generated due to space requirements for 21 "
                + "classes.\nUse stats(false,true) to generate anyway\n"
                + "=================================================================="), e.stats(true));
        assertTrue(e.stats(false, true).contains("Confusion Matrix"));
    }

    @Test
    void noDataText() {
        assertEquals("Evaluation: No data available (no evaluation has been performed)", new Evaluation(3).stats());
    }

    @Test
    void mergeEqualsOneEvaluationOverAllRows() {
        NDArray l1 = NDArray.of(new float[] {1, 0, 0, 1}, 2, 2);
        NDArray p1 = NDArray.of(new float[] {.9f, .1f, .8f, .2f}, 2, 2);
        NDArray l2 = NDArray.of(new float[] {0, 1}, 1, 2);
        NDArray p2 = NDArray.of(new float[] {.3f, .7f}, 1, 2);
        Evaluation all = new Evaluation(2);
        all.eval(l1, p1);
        all.eval(l2, p2);
        Evaluation a = new Evaluation(2);
        a.eval(l1, p1);
        Evaluation b = new Evaluation();
        b.eval(l2, p2);
        a.merge(b);
        assertEquals(all.stats(), a.stats());
        assertThrows(IllegalArgumentException.class, () -> a.merge(new Evaluation(3)));
    }

    @Test
    void badInputIsRejectedWithTheValuesReceived() {
        Evaluation e = new Evaluation(List.of("a", "b", "c"));
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> e.eval(NDArray.zeros(2, 5), NDArray.zeros(2, 5)));
        assertTrue(ex.getMessage().contains("3 classes") && ex.getMessage().contains("5 columns"), ex.getMessage());
        ex = assertThrows(IllegalArgumentException.class, () -> e.eval(NDArray.zeros(2, 3), NDArray.zeros(3, 3)));
        assertTrue(ex.getMessage().contains("[2, 3]") && ex.getMessage().contains("[3, 3]"), ex.getMessage());
        NDArray nan = NDArray.of(new float[] {0, Float.NaN, 0}, 1, 3);
        ex = assertThrows(IllegalArgumentException.class, () -> e.eval(NDArray.of(new float[] {1, 0, 0}, 1, 3), nan));
        assertTrue(ex.getMessage().contains("NaN"), ex.getMessage());
        assertThrows(IllegalArgumentException.class, () -> e.eval(3, 0));
    }

    @Test
    void metricsJsonHoldsCountsMetricsAndNullForUndefined() throws Exception {
        Evaluation e = EvaluationJson.fromDl4jJson(Files.readString(Npz.fixtures().resolve("eval_100b/evaluation.json")));
        JsonNode j = new ObjectMapper().readTree(e.toJson());
        assertEquals(0.78, j.get("accuracy").asDouble(), 1e-12);
        assertEquals(0.8, j.get("precision").asDouble(), 1e-12);
        assertEquals(List.of("0", "1", "2"), List.of(j.get("labels").get(0).asText(), j.get("labels").get(1).asText(),
                j.get("labels").get(2).asText()));
        // Counts DL4J itself saved in evaluation.json.
        assertEquals(9, j.get("perClass").get(1).get("falsePositives").asLong());
        assertEquals(91, j.get("perClass").get(1).get("trueNegatives").asLong());
        assertEquals(24, j.get("confusionMatrix").get(1).get(2).asLong());
        JsonNode nan = new ObjectMapper().readTree(Evaluation.fromConfusion(new long[][] {{0, 4, 0}, {0, 0, 0}, {0, 0, 0}},
                null).toJson());
        assertTrue(nan.get("f1").isNull());
    }

    @Test
    void inconsistentDl4jJsonIsReported() throws Exception {
        String json = Files.readString(Npz.fixtures().resolve("eval_100b/evaluation.json"))
                .replace("\"numRowCounter\" : 150", "\"numRowCounter\" : 151");
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> EvaluationJson.fromDl4jJson(json));
        assertTrue(ex.getMessage().contains("151") && ex.getMessage().contains("150"), ex.getMessage());
        assertThrows(IllegalArgumentException.class, () -> EvaluationJson.fromDl4jJson("{\"a\": 1}"));
    }
}
