package org.dl4jbridge.datasets;

/** Transforms a minibatch in place (DL4J: DataSetPreProcessor, e.g. VGG16ImagePreProcessor). */
@FunctionalInterface
public interface DataSetPreProcessor {
    void preProcess(DataSet dataSet);
}
