package org.dl4jbridge.nn.conf;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.dl4jbridge.nn.conf.layers.FeedForwardLayer;
import org.dl4jbridge.nn.conf.layers.Layer;
import org.dl4jbridge.nn.conf.serde.ConfigurationJson;

/** A stack of layer configurations (DL4J: MultiLayerConfiguration). */
public class MultiLayerConfiguration extends NetworkSettings implements Cloneable {
    private List<NeuralNetConfiguration> confs;
    private Map<Integer, InputPreProcessor> inputPreProcessors;

    public MultiLayerConfiguration(List<NeuralNetConfiguration> confs, Map<Integer, InputPreProcessor> inputPreProcessors) {
        this.confs = new ArrayList<>(confs);
        this.inputPreProcessors = new HashMap<>(inputPreProcessors);
    }

    public List<NeuralNetConfiguration> getConfs() { return confs; }
    public NeuralNetConfiguration getConf(int i) { return confs.get(i); }
    public Map<Integer, InputPreProcessor> getInputPreProcessors() { return inputPreProcessors; }
    public InputPreProcessor getInputPreProcess(int i) { return inputPreProcessors.get(i); }

    /** Checks that every feed-forward layer knows its sizes. */
    public void validate() {
        for (int i = 0; i < confs.size(); i++) {
            Layer l = confs.get(i).getLayer();
            if (l instanceof FeedForwardLayer f && !(l instanceof org.dl4jbridge.nn.conf.layers.DropoutLayer)
                    && !(l instanceof org.dl4jbridge.nn.conf.layers.BatchNormalization)) {
                if (f.getNOut() <= 0) {
                    throw new IllegalStateException("layer " + i + " ('" + l.getLayerName() + "', " + l.getClass().getSimpleName()
                            + ") has nOut=" + f.getNOut() + ": set .nOut(n) on its builder");
                }
                if (f.getNIn() <= 0) {
                    throw new IllegalStateException("layer " + i + " ('" + l.getLayerName() + "', " + l.getClass().getSimpleName()
                            + ") has nIn=" + f.getNIn() + ": set .nIn(n) on its builder or call setInputType(...)");
                }
            }
        }
    }

    /** DL4J 1.0.0-M2.1's configuration.json text. */
    public String toJson() { return ConfigurationJson.toJson(this); }

    /** Reads DL4J 1.0.0-M2.1 (and beta-era @class) configuration JSON. */
    public static MultiLayerConfiguration fromJson(String json) { return ConfigurationJson.multiLayerFromJson(json); }

    @Override
    public MultiLayerConfiguration clone() {
        try {
            MultiLayerConfiguration c = (MultiLayerConfiguration) super.clone();
            c.confs = new ArrayList<>();
            for (NeuralNetConfiguration n : confs) c.confs.add(n.clone());
            c.inputPreProcessors = new HashMap<>();
            inputPreProcessors.forEach((k, v) -> c.inputPreProcessors.put(k, v.clone()));
            return c;
        } catch (CloneNotSupportedException e) {
            throw new AssertionError(e);
        }
    }

    @Override public boolean equals(Object o) { return o instanceof MultiLayerConfiguration m && m.toJson().equals(toJson()); }
    @Override public int hashCode() { return toJson().hashCode(); }
    @Override public String toString() { return toJson(); }
}
