package org.dl4jbridge.datasets;

import java.util.Iterator;
import java.util.List;

/** DL4J's minibatch iterator contract (org.nd4j.linalg.dataset.api.iterator.DataSetIterator). */
public interface DataSetIterator extends Iterator<DataSet> {
    /** Back to the first minibatch (DL4J: reset()). */
    void reset();

    default boolean resetSupported() { return true; }

    /** Minibatch size (the last batch may be smaller). */
    int batch();

    /** Class names in label-index order, or null. */
    List<String> getLabels();

    /** Called on every batch before it is returned (DL4J: setPreProcessor). */
    default void setPreProcessor(DataSetPreProcessor preProcessor) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not take a pre-processor");
    }

    default DataSetPreProcessor getPreProcessor() { return null; }

    /**
     * A description of everything this iterator's minibatches depend on (its files with size and
     * modification time, decoding settings, pre-processor, batch size), from which the feature
     * cache builds its key; null (the default) when the iterator cannot describe its data, which
     * makes the cache hash the minibatches themselves.
     */
    default String cacheIdentity() { return null; }
}
