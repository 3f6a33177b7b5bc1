package org.dl4jbridge.datasets;

import java.util.List;
import org.dl4jbridge.ndarray.NDArray;

/**
 * One minibatch: features {@code [mb, ...]} and one-hot labels {@code [mb, nClasses]}, as DL4J's
 * {@code org.nd4j.linalg.dataset.DataSet}. Label names are optional (evaluation prints them).
 */
public final class DataSet {
    private NDArray features;
    private NDArray labels;
    private List<String> labelNames;

    public DataSet(NDArray features, NDArray labels) {
        if (features.size(0) != labels.size(0)) {
            throw new IllegalArgumentException("features have " + features.size(0) + " examples but labels have "
                    + labels.size(0));
        }
        this.features = features;
        this.labels = labels;
    }

    public NDArray getFeatures() { return features; }
    public NDArray getLabels() { return labels; }
    public void setFeatures(NDArray features) { this.features = features; }
    public void setLabels(NDArray labels) { this.labels = labels; }
    public int numExamples() { return features.size(0); }
    public List<String> getLabelNamesList() { return labelNames; }
    public void setLabelNames(List<String> names) { this.labelNames = names == null ? null : List.copyOf(names); }
}
