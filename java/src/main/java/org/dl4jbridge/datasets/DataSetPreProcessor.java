package org.dl4jbridge.datasets;

/** Transforms a minibatch in place (DL4J: DataSetPreProcessor, e.g. VGG16ImagePreProcessor). */
@FunctionalInterface
public interface DataSetPreProcessor {
    void preProcess(DataSet dataSet);

    /**
     * Everything the pre-processed values depend on, as text (class and constants), for the feature
     * cache's key; null (the default) when the pre-processor cannot say, which makes the cache hash
     * the data itself instead of trusting a description.
     */
    default String cacheIdentity() { return null; }
}
