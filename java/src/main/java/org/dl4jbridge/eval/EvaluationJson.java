package org.dl4jbridge.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Evaluation to and from JSON.
 *
 * <p>{@link #toJson} writes the run directory's metrics.json: the headline metrics, per-class
 * counts and metrics, the confusion matrix and the labels, with undefined values (0/0) as null so
 * any JSON reader accepts the file. {@link #fromDl4jJson} reads the JSON DL4J's own Evaluation
 * writes ({@code Evaluation.toJson()}, e.g. {@code eval_100b/evaluation.json}), so evaluations a
 * Java team saved can be printed and compared here.
 */
public final class EvaluationJson {
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private EvaluationJson() {}

    public static String toJson(Evaluation e) {
        Map<String, Object> root = new LinkedHashMap<>();
        int n = e.getNumClasses();
        root.put("numClasses", n);
        root.put("numExamples", e.getNumRowCounter());
        root.put("accuracy", finite(e.accuracy()));
        if (e.getTopN() > 1) {
            root.put("topN", e.getTopN());
            root.put("topNAccuracy", finite(e.topNAccuracy()));
        }
        root.put("precision", finite(e.precision()));
        root.put("recall", finite(e.recall()));
        root.put("f1", finite(e.f1()));
        root.put("averaging", e.usesPositiveClass() ? "positive class " + e.getBinaryPositiveClass() : "macro");
        root.put("labels", labelNames(e));
        root.put("classesExcludedFromPrecision", e.classesExcludedFromPrecision());
        root.put("classesExcludedFromRecall", e.classesExcludedFromRecall());
        root.put("classesExcludedFromF1", e.classesExcludedFromF1());
        List<Map<String, Object>> perClass = new ArrayList<>();
        for (int c = 0; c < n; c++) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("index", c);
            m.put("label", e.getClassLabel(c));
            m.put("count", e.classCount(c));
            m.put("truePositives", e.truePositives(c));
            m.put("falsePositives", e.falsePositives(c));
            m.put("falseNegatives", e.falseNegatives(c));
            m.put("trueNegatives", e.trueNegatives(c));
            m.put("precision", e.precision(c));
            m.put("recall", e.recall(c));
            m.put("f1", e.f1(c));
            perClass.add(m);
        }
        root.put("perClass", perClass);
        root.put("confusionMatrix", e.getConfusionMatrix());
        root.put("confusionMatrixFormat", "confusionMatrix[actual][predicted]");
        try {
            return MAPPER.writeValueAsString(root);
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException("could not write evaluation JSON: " + ex.getMessage(), ex);
        }
    }

    private static List<String> labelNames(Evaluation e) {
        List<String> out = new ArrayList<>();
        for (int c = 0; c < e.getNumClasses(); c++) out.add(e.getClassLabel(c));
        return out;
    }

    private static Double finite(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? null : v;
    }

    /**
     * Rebuilds an evaluation from DL4J's Evaluation JSON. The confusion matrix is the source; the
     * saved TP/FP/FN/TN maps and the row count are checked against it, so a hand-edited or
     * truncated file is reported rather than silently printing other numbers.
     */
    public static Evaluation fromDl4jJson(String json) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException ex) {
            throw new IllegalArgumentException("not valid JSON: " + ex.getOriginalMessage(), ex);
        }
        JsonNode classes = root.path("confusion").path("classes");
        JsonNode matrix = root.path("confusion").path("matrix");
        if (!classes.isArray() || !matrix.isObject()) {
            throw new IllegalArgumentException("not a DL4J Evaluation JSON: it lacks confusion.classes / "
                    + "confusion.matrix (fields found: " + fieldNames(root) + ")");
        }
        int n = classes.size();
        long[][] confusion = new long[n][n];
        for (Iterator<Map.Entry<String, JsonNode>> it = matrix.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> row = it.next();
            int actual = classIndex(row.getKey(), n);
            // DL4J stores each row as a multiset: [[predicted classes...], [counts...]], padded with zeros.
            JsonNode predicted = row.getValue().path(0);
            JsonNode counts = row.getValue().path(1);
            if (!predicted.isArray() || !counts.isArray() || predicted.size() != counts.size()) {
                throw new IllegalArgumentException("confusion row " + row.getKey()
                        + " is not [[classes...], [counts...]] of equal length: " + row.getValue());
            }
            for (int i = 0; i < predicted.size(); i++) {
                long count = counts.get(i).asLong();
                if (count != 0) confusion[actual][classIndex(predicted.get(i).asText(), n)] += count;
            }
        }
        List<String> labels = null;
        if (root.path("labelsList").isArray()) {
            labels = new ArrayList<>();
            for (JsonNode l : root.path("labelsList")) labels.add(l.asText());
        }
        Evaluation e = Evaluation.fromConfusion(confusion, labels);
        JsonNode positive = root.path("binaryPositiveClass");
        e.setBinaryPositiveClass(positive.isNumber() ? Integer.valueOf(positive.asInt()) : null);
        checkCounts(root, e);
        return e;
    }

    private static void checkCounts(JsonNode root, Evaluation e) {
        if (root.has("numRowCounter") && root.get("numRowCounter").asLong() != e.getNumRowCounter()) {
            throw new IllegalArgumentException("numRowCounter is " + root.get("numRowCounter").asLong()
                    + " but the confusion matrix holds " + e.getNumRowCounter() + " examples");
        }
        checkCounter(root, "truePositives", e, Evaluation::truePositives);
        checkCounter(root, "falsePositives", e, Evaluation::falsePositives);
        checkCounter(root, "falseNegatives", e, Evaluation::falseNegatives);
        checkCounter(root, "trueNegatives", e, Evaluation::trueNegatives);
    }

    private interface PerClass {
        long get(Evaluation e, int c);
    }

    private static void checkCounter(JsonNode root, String field, Evaluation e, PerClass derived) {
        JsonNode map = root.path(field).path("map");
        if (!map.isObject()) return;
        for (int c = 0; c < e.getNumClasses(); c++) {
            long saved = map.path(String.valueOf(c)).asLong(0);
            if (saved != derived.get(e, c)) {
                throw new IllegalArgumentException(field + "[" + c + "] is " + saved + " in the file but the confusion "
                        + "matrix gives " + derived.get(e, c) + ": the file is inconsistent");
            }
        }
    }

    private static int classIndex(String key, int n) {
        int c;
        try {
            c = Integer.parseInt(key.trim());
        } catch (NumberFormatException ex) {
            throw new IllegalArgumentException("confusion class '" + key + "' is not a class index");
        }
        if (c < 0 || c >= n) {
            throw new IllegalArgumentException("confusion class " + c + " is outside 0.." + (n - 1));
        }
        return c;
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> out = new ArrayList<>();
        node.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
