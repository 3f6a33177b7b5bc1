package org.dl4jbridge.eval;

import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.List;
import java.util.Locale;

/**
 * DL4J's {@code Evaluation.stats()} text, character for character (DL4J_SPEC 7.4, the 1.0.0-beta
 * to M2.1 layout). Users compare this text with DL4J's course and with their Java colleagues'
 * logs, so every space, tab and blank line is part of the contract.
 */
final class EvaluationStats {
    /** Above this many classes DL4J prints a note instead of the matrix. */
    static final int CONFUSION_PRINT_MAX_CLASSES = 20;
    /** Above this many excluded classes the warning no longer lists them. */
    static final int MAX_WARNING_CLASSES_TO_PRINT = 16;

    private static final String METRICS_RULE = "========================Evaluation Metrics========================";
    private static final String CONFUSION_RULE = "=========================Confusion Matrix=========================";
    private static final String CLOSING_RULE = "==================================================================";

    private EvaluationStats() {}

    static String stats(Evaluation e, boolean suppressWarnings, boolean includeConfusion) {
        if (e.getNumRowCounter() == 0) {
            return "Evaluation: No data available (no evaluation has been performed)";
        }
        int n = e.getNumClasses();
        StringBuilder sb = new StringBuilder();
        sb.append("\n\n").append(METRICS_RULE);
        sb.append("\n # of classes:    ").append(n);
        sb.append("\n Accuracy:        ").append(format(e.accuracy()));
        if (e.getTopN() > 1) {
            sb.append("\n Top ").append(e.getTopN()).append(" Accuracy:  ").append(format(e.topNAccuracy()));
        }
        sb.append("\n Precision:       ").append(format(e.precision()))
                .append(excludedSuffix(n, e.classesExcludedFromPrecision()));
        sb.append("\n Recall:          ").append(format(e.recall()))
                .append(excludedSuffix(n, e.classesExcludedFromRecall()));
        sb.append("\n F1 Score:        ").append(format(e.f1()))
                .append(excludedSuffix(n, e.classesExcludedFromF1()));
        if (e.usesPositiveClass()) {
            int pos = e.getBinaryPositiveClass();
            // DL4J names the class even without labels: its index then stands in ("class 1 - \"1\"").
            sb.append("\nPrecision, recall & F1: reported for positive class (class ").append(pos).append(" - \"")
                    .append(e.getClassLabel(pos)).append("\") only");
        } else {
            sb.append("\nPrecision, recall & F1: macro-averaged (equally weighted avg. of ").append(n)
                    .append(" classes)");
        }
        sb.append("\n\n");
        if (!suppressWarnings) {
            appendWarning(sb, e.classesExcludedFromPrecision(), "precision");
            appendWarning(sb, e.classesExcludedFromRecall(), "recall");
        }
        if (includeConfusion) {
            sb.append('\n').append(CONFUSION_RULE).append('\n').append(confusionMatrix(e));
        } else if (n > CONFUSION_PRINT_MAX_CLASSES) {
            // DL4J prints the note only where the matrix was left out for its size: stats(false, false)
            // with 20 classes or fewer just ends the text.
            sb.append("\n\nNote: Confusion matrix not generated due to space requirements for ").append(n)
                    .append(" classes.\nUse stats(false,true) to generate anyway");
        }
        sb.append('\n').append(CLOSING_RULE);
        return sb.toString();
    }

    private static String excludedSuffix(int numClasses, List<Integer> excluded) {
        if (numClasses <= 2 || excluded.isEmpty()) return "";
        int k = excluded.size();
        return "\t(" + k + (k == 1 ? " class" : " classes") + " excluded from average)";
    }

    /** DL4J says "never predicted" for the recall warning too, although those classes are absent from the labels. */
    private static void appendWarning(StringBuilder sb, List<Integer> excluded, String metric) {
        if (excluded.isEmpty()) return;
        int k = excluded.size();
        String wasWere = k == 1 ? "was" : "were";
        sb.append("Warning: ").append(k).append(k == 1 ? " class " : " classes ").append(wasWere)
                .append(" never predicted by the model and ").append(wasWere).append(" excluded from average ")
                .append(metric);
        if (k <= MAX_WARNING_CLASSES_TO_PRINT) {
            sb.append("\nClasses excluded from average ").append(metric).append(": ").append(excluded).append('\n');
        }
    }

    static String confusionMatrix(Evaluation e) {
        int n = e.getNumClasses();
        long maxCount = Math.max(1, n);
        for (int a = 0; a < n; a++) {
            for (int p = 0; p < n; p++) maxCount = Math.max(maxCount, e.getCount(a, p));
        }
        // DL4J sizes columns by ceil(log10(max)), so an exact power of ten (100) fills its column with no space.
        int digits = Math.max(1, (int) Math.ceil(Math.log10(maxCount)));
        String cell = "%" + (digits + 1) + "d";
        StringBuilder sb = new StringBuilder();
        for (int p = 0; p < n; p++) sb.append(String.format(Locale.ROOT, cell, p));
        sb.append('\n');
        sb.append("-".repeat((digits + 1) * n + 1)).append('\n');
        for (int a = 0; a < n; a++) {
            for (int p = 0; p < n; p++) sb.append(String.format(Locale.ROOT, cell, e.getCount(a, p)));
            sb.append(" | ").append(a).append(" = ").append(e.getClassLabel(a)).append('\n');
        }
        sb.append("\nConfusion matrix format: Actual (rowClass) predicted as (columnClass) N times");
        return sb.toString();
    }

    /**
     * DL4J's DecimalFormat("0.0000") (half-even rounding). The locale is fixed to ROOT so the text
     * is the same on every machine (DL4J uses the default locale, which prints "0,7800" in some).
     */
    static String format(double v) {
        if (Double.isNaN(v)) return "NaN";
        if (Double.isInfinite(v)) return v > 0 ? "Infinity" : "-Infinity";
        return new DecimalFormat("0.0000", DecimalFormatSymbols.getInstance(Locale.ROOT)).format(v);
    }
}
