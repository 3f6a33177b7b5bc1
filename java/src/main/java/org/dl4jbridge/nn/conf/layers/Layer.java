package org.dl4jbridge.nn.conf.layers;

import java.util.List;
import org.dl4jbridge.nn.conf.InputPreProcessor;
import org.dl4jbridge.nn.conf.NeuralNetConfiguration;
import org.dl4jbridge.nn.conf.dropout.Dropout;
import org.dl4jbridge.nn.conf.dropout.IDropout;
import org.dl4jbridge.nn.conf.inputs.InputType;
import org.dl4jbridge.nn.conf.regularization.Regularization;
import org.dl4jbridge.nn.updater.IUpdater;

/**
 * A layer's configuration (DL4J: org.deeplearning4j.nn.conf.layers.Layer). Fields left unset by the
 * layer's builder (null / NaN) are filled from the global {@link NeuralNetConfiguration.Builder} when
 * the layer joins a network, as DL4J does.
 */
public abstract class Layer implements Cloneable {
    public static final String PACKAGE = "org.deeplearning4j.nn.conf.layers.";

    protected String layerName;
    protected IDropout iDropout;

    protected Layer() {}

    protected Layer(Builder<?> b) {
        this.layerName = b.layerName;
        this.iDropout = b.iDropout;
    }

    public String getLayerName() { return layerName; }
    public void setLayerName(String layerName) { this.layerName = layerName; }
    public IDropout getIDropout() { return iDropout; }
    public void setIDropout(IDropout d) { this.iDropout = d; }

    /** DL4J's fully qualified configuration class name ({@code @class} in JSON). */
    public String jsonClassName() { return PACKAGE + getClass().getSimpleName(); }

    /** Output type for the given input type; validates the input kind. */
    public abstract InputType getOutputType(int layerIndex, InputType inputType);

    /** Sets nIn from the input type (only where unset unless {@code override}). */
    public void setNIn(InputType inputType, boolean override) {}

    /** The pre-processor DL4J adds automatically in front of this layer for {@code inputType}, or null. */
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) { return null; }

    /** Updater for one of this layer's parameters (null for layers without parameters). */
    public IUpdater getUpdaterByParam(String paramName) { return null; }

    /** Regularization terms for one parameter (weights and biases have separate lists). */
    public List<Regularization> getRegularizationByParam(String paramName) { return List.of(); }

    /** Whether the layer maintains this parameter itself (running statistics), so the updater must leave it alone. */
    public boolean isRunningStatistic(String paramName) { return false; }

    /** Fills fields this layer left unset from the global builder's values. */
    public void applyGlobalDefaults(NeuralNetConfiguration.Builder global) {}

    /** True for layers that compute a loss (OutputLayer). */
    public boolean isOutputLayer() { return false; }

    @Override
    public Layer clone() {
        try {
            Layer l = (Layer) super.clone();
            if (iDropout != null) l.iDropout = iDropout.clone();
            return l;
        } catch (CloneNotSupportedException e) {
            throw new AssertionError(e);
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "(" + (layerName == null ? "" : layerName) + ")";
    }

    /** Common builder settings; {@code T} is the concrete builder so chained calls keep its type. */
    @SuppressWarnings("unchecked")
    public abstract static class Builder<T extends Builder<T>> {
        protected String layerName;
        protected IDropout iDropout;

        /** Layer name (in a ComputationGraph the vertex name replaces it). */
        public T name(String layerName) { this.layerName = layerName; return (T) this; }

        /** Dropout with {@code p} = probability of RETAINING an activation (DL4J semantics). */
        public T dropOut(double retainProbability) { this.iDropout = new Dropout(retainProbability); return (T) this; }

        public T dropOut(IDropout dropout) { this.iDropout = dropout; return (T) this; }

        public abstract <E extends Layer> E build();
    }
}
