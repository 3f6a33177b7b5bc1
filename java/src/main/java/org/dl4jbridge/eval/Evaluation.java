package org.dl4jbridge.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.dl4jbridge.ndarray.NDArray;

/**
 * Classification evaluation with DL4J's semantics (DL4J_SPEC section 7): a confusion matrix
 * accumulated from argmax(labels) vs argmax(predictions), the per-class counts derived from it,
 * accuracy, precision, recall and F1 (macro-averaged over the classes for which they are defined,
 * or for the positive class with exactly two classes) and {@link #stats()} printing DL4J's text.
 *
 * <p>TP/FP/FN/TN are derived from the confusion matrix rather than counted separately: DL4J's
 * counting rule (spec 7.2) gives exactly these values, and a single source of truth keeps
 * {@link #merge} and {@link #fromConfusion} trivially consistent.
 *
 * <p>Not supported (DL4J options the lesson never uses): a binary decision threshold, a cost
 * array, masks and time-series (rank 3) labels; rank-2 input only.
 */
public final class Evaluation {
    /** DL4J's default: with two classes, precision/recall/F1 are reported for class 1. */
    public static final int DEFAULT_BINARY_POSITIVE_CLASS = 1;

    private int numClasses = -1;
    private List<String> labels;
    private long[][] confusion;
    private long numRows;
    private final int topN;
    private long topNCorrect;
    private long topNTotal;
    private Integer binaryPositiveClass = DEFAULT_BINARY_POSITIVE_CLASS;

    /** The number of classes is taken from the first {@link #eval} call. */
    public Evaluation() {
        this.topN = 1;
    }

    public Evaluation(int numClasses) {
        this(numClasses, 1);
    }

    /** {@code topN > 1} also counts how often the actual class is among the N most probable. */
    public Evaluation(int numClasses, int topN) {
        this.topN = checkTopN(topN);
        if (numClasses < 1) {
            throw new IllegalArgumentException("numClasses must be at least 1, got " + numClasses);
        }
        setNumClasses(numClasses);
    }

    /** Label names, one per class in class-index order (e.g. the sorted class folder names). */
    public Evaluation(List<String> labels) {
        this(labels, 1);
    }

    public Evaluation(List<String> labels, int topN) {
        this.topN = checkTopN(topN);
        if (labels == null || labels.isEmpty()) {
            throw new IllegalArgumentException("labels must name at least one class, got " + labels);
        }
        setNumClasses(labels.size());
        this.labels = List.copyOf(labels);
    }

    // Array-typed entry points: pyjnius passes Python lists as Java arrays, not as java.util.List.

    /** An evaluation over {@code labels.length} named classes (the Python wrapper's constructor). */
    public static Evaluation forLabels(String[] labels, int topN) {
        return new Evaluation(labels == null ? null : Arrays.asList(labels), topN);
    }

    /** An evaluation over {@code numClasses} unnamed classes, or (numClasses = 0) sized by the first eval. */
    public static Evaluation forClasses(int numClasses, int topN) {
        if (numClasses == 0) {
            checkTopN(topN);
            if (topN != 1) throw new IllegalArgumentException("topN > 1 needs the number of classes up front");
            return new Evaluation();
        }
        return new Evaluation(numClasses, topN);
    }

    /** {@link #fromConfusion} with the matrix flattened row by row ({@code flat[actual * n + predicted]}). */
    public static Evaluation fromConfusionFlat(long[] flat, int numClasses, String[] labels) {
        if (numClasses < 1 || flat == null || flat.length != (long) numClasses * numClasses) {
            throw new IllegalArgumentException("a confusion matrix of " + numClasses + " classes needs "
                    + (long) numClasses * numClasses + " counts, got " + (flat == null ? "null" : flat.length));
        }
        long[][] m = new long[numClasses][numClasses];
        for (int a = 0; a < numClasses; a++) System.arraycopy(flat, a * numClasses, m[a], 0, numClasses);
        return fromConfusion(m, labels == null ? null : Arrays.asList(labels));
    }

    private static int checkTopN(int topN) {
        if (topN < 1) throw new IllegalArgumentException("topN must be at least 1, got " + topN);
        return topN;
    }

    /**
     * An evaluation holding given counts: {@code confusion[actual][predicted]}. For rebuilding an
     * evaluation saved elsewhere (DL4J's evaluation JSON, a metrics.json).
     */
    public static Evaluation fromConfusion(long[][] confusion, List<String> labels) {
        if (confusion == null || confusion.length == 0) {
            throw new IllegalArgumentException("the confusion matrix must have at least one class");
        }
        int n = confusion.length;
        if (labels != null && labels.size() != n) {
            throw new IllegalArgumentException("the confusion matrix has " + n + " classes but " + labels.size()
                    + " labels were given: " + labels);
        }
        Evaluation e = labels == null ? new Evaluation(n) : new Evaluation(labels);
        for (int a = 0; a < n; a++) {
            if (confusion[a].length != n) {
                throw new IllegalArgumentException("the confusion matrix must be square (" + n + "x" + n + ") but row "
                        + a + " has " + confusion[a].length + " entries");
            }
            for (int p = 0; p < n; p++) {
                if (confusion[a][p] < 0) {
                    throw new IllegalArgumentException("confusion[" + a + "][" + p + "] = " + confusion[a][p]
                            + " is negative; counts must be >= 0");
                }
                e.confusion[a][p] = confusion[a][p];
                e.numRows += confusion[a][p];
            }
        }
        return e;
    }

    private void setNumClasses(int n) {
        numClasses = n;
        confusion = new long[n][n];
    }

    // ---- counting ------------------------------------------------------------------------

    /**
     * Adds a minibatch: {@code labels} one-hot (or any row whose argmax is the class) and
     * {@code predictions} the network output, both {@code [minibatch, numClasses]}.
     */
    public void eval(NDArray labels, NDArray predictions) {
        checkShapes(labels, predictions);
        int mb = labels.size(0);
        int n = labels.size(1);
        if (numClasses < 0) setNumClasses(n);
        float[] l = labels.toFloatArray();
        float[] p = predictions.toFloatArray();
        for (int i = 0; i < mb; i++) {
            int actual = argmax(l, i * n, n);
            int predicted = argmaxChecked(p, i * n, n, i);
            confusion[actual][predicted]++;
            numRows++;
            if (topN > 1) {
                topNTotal++;
                if (rankOf(p, i * n, n, actual) < topN) topNCorrect++;
            }
        }
    }

    /** Adds one example by class indices. */
    public void eval(int actual, int predicted) {
        if (numClasses < 0) {
            throw new IllegalStateException("the number of classes is unknown: construct with new Evaluation(numClasses) "
                    + "or new Evaluation(labels) before eval(actual, predicted)");
        }
        checkClass("actual", actual);
        checkClass("predicted", predicted);
        confusion[actual][predicted]++;
        numRows++;
    }

    private void checkShapes(NDArray labels, NDArray predictions) {
        if (labels == null || predictions == null) {
            throw new IllegalArgumentException("eval needs both labels and predictions, got labels=" + labels
                    + ", predictions=" + predictions);
        }
        if (labels.rank() != 2 || predictions.rank() != 2) {
            throw new IllegalArgumentException("eval expects rank-2 [minibatch, numClasses] arrays, got labels "
                    + Arrays.toString(labels.shape()) + " and predictions " + Arrays.toString(predictions.shape())
                    + "; reshape time series or masked data before evaluating");
        }
        if (!Arrays.equals(labels.shape(), predictions.shape())) {
            throw new IllegalArgumentException("labels " + Arrays.toString(labels.shape()) + " and predictions "
                    + Arrays.toString(predictions.shape()) + " must have the same shape");
        }
        if (numClasses >= 0 && labels.size(1) != numClasses) {
            throw new IllegalArgumentException("this evaluation has " + numClasses + " classes" + labelsHint()
                    + " but the arrays have " + labels.size(1) + " columns: the output layer's nOut must equal the "
                    + "number of classes");
        }
    }

    private String labelsHint() {
        return labels == null ? "" : " " + labels;
    }

    private void checkClass(String what, int c) {
        if (c < 0 || c >= numClasses) {
            throw new IllegalArgumentException(what + " class " + c + " is outside 0.." + (numClasses - 1));
        }
    }

    /** DL4J's argmax: the first maximum wins on ties. */
    private static int argmax(float[] v, int off, int n) {
        int best = 0;
        for (int j = 1; j < n; j++) {
            if (v[off + j] > v[off + best]) best = j;
        }
        return best;
    }

    private static int argmaxChecked(float[] v, int off, int n, int row) {
        for (int j = 0; j < n; j++) {
            if (Float.isNaN(v[off + j])) {
                throw new IllegalArgumentException("predictions row " + row + " contains NaN (column " + j
                        + "): the network diverged or its input holds NaN; check the learning rate and the data");
            }
        }
        return argmax(v, off, n);
    }

    /** How many classes are strictly more probable than {@code c}. */
    private static int rankOf(float[] v, int off, int n, int c) {
        int above = 0;
        for (int j = 0; j < n; j++) {
            if (v[off + j] > v[off + c]) above++;
        }
        return above;
    }

    /** Adds another evaluation's counts (e.g. from another thread or data shard). */
    public void merge(Evaluation other) {
        if (other == null || other.numClasses < 0) return;
        if (numClasses < 0) {
            setNumClasses(other.numClasses);
            if (labels == null && other.labels != null) labels = other.labels;
        }
        if (other.numClasses != numClasses) {
            throw new IllegalArgumentException("cannot merge an evaluation of " + other.numClasses
                    + " classes into one of " + numClasses + " classes");
        }
        if (labels != null && other.labels != null && !labels.equals(other.labels)) {
            throw new IllegalArgumentException("cannot merge evaluations with different labels: " + labels + " vs "
                    + other.labels);
        }
        if (labels == null) labels = other.labels;
        for (int a = 0; a < numClasses; a++) {
            for (int p = 0; p < numClasses; p++) confusion[a][p] += other.confusion[a][p];
        }
        numRows += other.numRows;
        topNCorrect += other.topNCorrect;
        topNTotal += other.topNTotal;
    }

    // ---- counts --------------------------------------------------------------------------

    public int getNumClasses() { return Math.max(numClasses, 0); }
    public long getNumRowCounter() { return numRows; }
    public int getTopN() { return topN; }

    /** The label names, or null when none were given (stats() then prints class indices). */
    public List<String> getLabelsList() { return labels; }

    public void setLabelsList(List<String> names) {
        if (names != null && numClasses >= 0 && names.size() != numClasses) {
            throw new IllegalArgumentException(names.size() + " labels " + names + " given for " + numClasses
                    + " classes");
        }
        if (names != null && numClasses < 0) setNumClasses(names.size());
        labels = names == null ? null : List.copyOf(names);
    }

    /** The label names as an array, or null when none were given. */
    public String[] getLabelsArray() {
        return labels == null ? null : labels.toArray(new String[0]);
    }

    public void setLabels(String[] names) {
        setLabelsList(names == null ? null : Arrays.asList(names));
    }

    /** The name printed for class {@code c}: its label, or its index. */
    public String getClassLabel(int c) {
        return labels != null ? labels.get(c) : String.valueOf(c);
    }

    /** null means macro averages even with two classes. */
    public Integer getBinaryPositiveClass() { return binaryPositiveClass; }
    public void setBinaryPositiveClass(Integer c) {
        if (c != null && (c < 0 || c > 1)) {
            throw new IllegalArgumentException("binaryPositiveClass must be 0, 1 or null (macro averages), got " + c);
        }
        binaryPositiveClass = c;
    }

    /** {@code [actual][predicted]} counts (a copy). */
    public long[][] getConfusionMatrix() {
        long[][] out = new long[getNumClasses()][];
        for (int a = 0; a < out.length; a++) out[a] = confusion[a].clone();
        return out;
    }

    /** The confusion matrix flattened row by row (one array for callers across a bridge). */
    public long[] getConfusionMatrixFlat() {
        int n = getNumClasses();
        long[] out = new long[n * n];
        for (int a = 0; a < n; a++) System.arraycopy(confusion[a], 0, out, a * n, n);
        return out;
    }

    public long getCount(int actual, int predicted) { return confusion[actual][predicted]; }

    public long truePositives(int c) { return confusion[c][c]; }

    public long falsePositives(int c) {
        long s = 0;
        for (int a = 0; a < numClasses; a++) if (a != c) s += confusion[a][c];
        return s;
    }

    public long falseNegatives(int c) {
        long s = 0;
        for (int p = 0; p < numClasses; p++) if (p != c) s += confusion[c][p];
        return s;
    }

    public long trueNegatives(int c) {
        return numRows - truePositives(c) - falsePositives(c) - falseNegatives(c);
    }

    /** Examples whose actual class is {@code c}. */
    public long classCount(int c) { return truePositives(c) + falseNegatives(c); }

    // ---- metrics -------------------------------------------------------------------------

    public double accuracy() {
        long correct = 0;
        for (int c = 0; c < getNumClasses(); c++) correct += confusion[c][c];
        return numRows == 0 ? Double.NaN : (double) correct / numRows;
    }

    /** Fraction of examples whose actual class is among the topN most probable (accuracy when topN = 1). */
    public double topNAccuracy() {
        if (topN <= 1) return accuracy();
        return topNTotal == 0 ? Double.NaN : (double) topNCorrect / topNTotal;
    }

    /** TP/(TP+FP); 0 for a class that was never predicted (DL4J's default edge value). */
    public double precision(int c) { return orEdge(precisionOrNaN(c), 0.0); }

    /** TP/(TP+FN); 0 for a class absent from the labels. */
    public double recall(int c) { return orEdge(recallOrNaN(c), 0.0); }

    /** 2PR/(P+R), 0 when P or R is 0 (or undefined). */
    public double f1(int c) { return fBeta1(precision(c), recall(c)); }

    /** Macro precision (or the positive class's, with two classes); NaN when no class was ever predicted. */
    public double precision() {
        if (usesPositiveClass()) return precision(binaryPositiveClass);
        return macro(this::precisionOrNaN);
    }

    public double recall() {
        if (usesPositiveClass()) return recall(binaryPositiveClass);
        return macro(this::recallOrNaN);
    }

    /**
     * Macro F1 (or the positive class's, with two classes). With exactly two classes and macro
     * averaging asked for ({@code binaryPositiveClass} null) DL4J 1.0.0-M2.1 still reports class 1's
     * F1, not the average of both (while precision and recall are averaged); this does the same, so
     * stats() prints DL4J's numbers: NaN when class 1 was neither present nor predicted.
     */
    public double f1() {
        if (usesPositiveClass()) return f1(binaryPositiveClass);
        if (numClasses == 2) return truePositives(1) + falsePositives(1) + falseNegatives(1) == 0 ? Double.NaN : f1(1);
        return macro(this::f1OrNaN);
    }

    /** Classes left out of the macro precision average: never predicted (TP = FP = 0). */
    public List<Integer> classesExcludedFromPrecision() { return undefined(this::precisionOrNaN); }

    /** Classes left out of the macro recall average: never present in the labels (TP = FN = 0). */
    public List<Integer> classesExcludedFromRecall() { return undefined(this::recallOrNaN); }

    /** Classes left out of the macro F1 average: precision or recall undefined. */
    public List<Integer> classesExcludedFromF1() { return undefined(this::f1OrNaN); }

    boolean usesPositiveClass() {
        return numClasses == 2 && binaryPositiveClass != null;
    }

    private double precisionOrNaN(int c) {
        long tp = truePositives(c);
        long fp = falsePositives(c);
        return tp + fp == 0 ? Double.NaN : (double) tp / (tp + fp);
    }

    private double recallOrNaN(int c) {
        long tp = truePositives(c);
        long fn = falseNegatives(c);
        return tp + fn == 0 ? Double.NaN : (double) tp / (tp + fn);
    }

    private double f1OrNaN(int c) {
        double p = precisionOrNaN(c);
        double r = recallOrNaN(c);
        return Double.isNaN(p) || Double.isNaN(r) ? Double.NaN : fBeta1(p, r);
    }

    private static double fBeta1(double p, double r) {
        return p == 0.0 || r == 0.0 ? 0.0 : 2.0 * p * r / (p + r);
    }

    private static double orEdge(double v, double edge) {
        return Double.isNaN(v) ? edge : v;
    }

    private double macro(java.util.function.IntToDoubleFunction perClass) {
        double sum = 0;
        int included = 0;
        for (int c = 0; c < getNumClasses(); c++) {
            double v = perClass.applyAsDouble(c);
            if (!Double.isNaN(v)) {
                sum += v;
                included++;
            }
        }
        return included == 0 ? Double.NaN : sum / included;
    }

    private List<Integer> undefined(java.util.function.IntToDoubleFunction perClass) {
        List<Integer> out = new ArrayList<>();
        for (int c = 0; c < getNumClasses(); c++) {
            if (Double.isNaN(perClass.applyAsDouble(c))) out.add(c);
        }
        return Collections.unmodifiableList(out);
    }

    // ---- text and export -----------------------------------------------------------------

    /** DL4J's stats() text (warnings included, confusion matrix for up to 20 classes). */
    public String stats() { return EvaluationStats.stats(this, false, getNumClasses() <= EvaluationStats.CONFUSION_PRINT_MAX_CLASSES); }

    public String stats(boolean suppressWarnings) {
        return EvaluationStats.stats(this, suppressWarnings, getNumClasses() <= EvaluationStats.CONFUSION_PRINT_MAX_CLASSES);
    }

    public String stats(boolean suppressWarnings, boolean includeConfusion) {
        return EvaluationStats.stats(this, suppressWarnings, includeConfusion);
    }

    /** DL4J's confusion-matrix block (header, dashes, one row per actual class, format note). */
    public String confusionMatrix() { return EvaluationStats.confusionMatrix(this); }

    /** Metrics and counts as JSON (metrics.json): see {@link EvaluationJson#toJson}. */
    public String toJson() { return EvaluationJson.toJson(this); }

    @Override
    public String toString() { return stats(); }
}
