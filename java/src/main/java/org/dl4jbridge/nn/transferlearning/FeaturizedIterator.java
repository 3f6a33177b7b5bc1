package org.dl4jbridge.nn.transferlearning;

import java.util.List;
import java.util.NoSuchElementException;
import org.dl4jbridge.datasets.DataSet;
import org.dl4jbridge.datasets.DataSetIterator;

/** Featurized minibatches held in memory (a frozen boundary's activations are small next to images). */
public final class FeaturizedIterator implements DataSetIterator {
    private final List<DataSet> batches;
    private final List<String> labels;
    private int next;

    public FeaturizedIterator(List<DataSet> batches, List<String> labels) {
        this.batches = List.copyOf(batches);
        this.labels = labels == null ? null : List.copyOf(labels);
    }

    @Override public boolean hasNext() { return next < batches.size(); }

    @Override
    public DataSet next() {
        if (!hasNext()) throw new NoSuchElementException("no more featurized minibatches: call reset()");
        return batches.get(next++);
    }

    @Override public void reset() { next = 0; }
    @Override public int batch() { return batches.isEmpty() ? 0 : batches.get(0).numExamples(); }
    @Override public List<String> getLabels() { return labels; }

    /** Number of minibatches. */
    public int size() { return batches.size(); }

    /** Number of examples over all minibatches. */
    public int totalExamples() { return batches.stream().mapToInt(DataSet::numExamples).sum(); }
}
