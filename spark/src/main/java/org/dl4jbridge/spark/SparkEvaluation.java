package org.dl4jbridge.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.dl4jbridge.eval.Evaluation;

/**
 * The result of an evaluation over a cluster: DL4J's Evaluation (merged from every partition's
 * confusion counts, each row counted once: a failed task's partial counts are discarded by Spark),
 * plus how many rows were evaluated and how many were skipped with an error (unreadable image,
 * unknown label), with the first few reasons.
 */
public final class SparkEvaluation implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final int KEEP_ERRORS = 10;

    private final Evaluation evaluation;
    private final long rows;
    private final long errors;
    private final List<String> firstErrors;

    private SparkEvaluation(Evaluation evaluation, long rows, long errors, List<String> firstErrors) {
        this.evaluation = evaluation;
        this.rows = rows;
        this.errors = errors;
        this.firstErrors = firstErrors;
    }

    /** Rows of (label, probabilities array, error) to counts. */
    static SparkEvaluation of(Dataset<Row> predicted, ImageSpec spec) {
        int c = spec.numClasses();
        Counts total = predicted.javaRDD().mapPartitions((Iterator<Row> it) -> {
            Counts counts = new Counts(c);
            while (it.hasNext()) counts.add(it.next(), spec);
            return Collections.singletonList(counts).iterator();
        }).reduce(Counts::merge);
        Evaluation e = Evaluation.fromConfusionFlat(total.confusion, c, spec.labels());
        return new SparkEvaluation(e, total.rows, total.errors, total.messages);
    }

    static final class Counts implements Serializable {
        private static final long serialVersionUID = 1L;
        final long[] confusion;
        final int numClasses;
        long rows;
        long errors;
        final List<String> messages = new ArrayList<>();

        Counts(int numClasses) {
            this.numClasses = numClasses;
            this.confusion = new long[numClasses * numClasses];
        }

        void add(Row r, ImageSpec spec) {
            rows++;
            String error = r.isNullAt(2) ? null : r.getString(2);
            int actual = -1;
            if (error == null) {
                try {
                    if (r.isNullAt(0)) throw new IllegalArgumentException("the row has no label");
                    actual = spec.classIndex(r.get(0));
                } catch (IllegalArgumentException e) {
                    error = e.getMessage();
                }
            }
            if (error != null) {
                errors++;
                if (messages.size() < KEEP_ERRORS) messages.add(error);
                return;
            }
            confusion[actual * numClasses + argmax(r.getList(1))]++;
        }

        void addPrediction(int actual, int predicted) {
            rows++;
            confusion[actual * numClasses + predicted]++;
        }

        static int argmax(List<Object> p) {
            int best = 0;
            for (int k = 1; k < p.size(); k++) if (((Number) p.get(k)).floatValue() > ((Number) p.get(best)).floatValue()) best = k;
            return best;
        }

        Counts merge(Counts o) {
            for (int i = 0; i < confusion.length; i++) confusion[i] += o.confusion[i];
            rows += o.rows;
            errors += o.errors;
            for (String m : o.messages) if (messages.size() < KEEP_ERRORS) messages.add(m);
            return this;
        }
    }

    static SparkEvaluation fromCounts(Counts total, ImageSpec spec) {
        return new SparkEvaluation(Evaluation.fromConfusionFlat(total.confusion, spec.numClasses(), spec.labels()),
                total.rows, total.errors, total.messages);
    }

    public Evaluation getEvaluation() { return evaluation; }
    public long rows() { return rows; }
    /** Rows left out of the evaluation (unreadable image, missing or unknown label). */
    public long errors() { return errors; }
    public List<String> firstErrors() { return List.copyOf(firstErrors); }
    public double accuracy() { return evaluation.accuracy(); }
    public String stats() { return evaluation.stats(); }

    @Override
    public String toString() {
        return evaluation.stats() + "\nrows " + rows + ", skipped with an error " + errors;
    }
}
