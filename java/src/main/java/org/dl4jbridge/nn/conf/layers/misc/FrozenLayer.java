package org.dl4jbridge.nn.conf.layers.misc;

import java.util.List;
import java.util.Objects;
import org.dl4jbridge.nn.conf.InputPreProcessor;
import org.dl4jbridge.nn.conf.inputs.InputType;
import org.dl4jbridge.nn.conf.layers.Layer;
import org.dl4jbridge.nn.conf.regularization.Regularization;
import org.dl4jbridge.nn.updater.IUpdater;
import org.dl4jbridge.nn.updater.NoOp;

/**
 * Wraps a layer so it is never trained (DL4J: FrozenLayer): same parameters and layout as the
 * wrapped layer, forward always in inference mode, no gradient, updater NoOp, no regularization.
 */
public class FrozenLayer extends Layer {
    public static final String MISC_PACKAGE = "org.deeplearning4j.nn.conf.layers.misc.";
    protected Layer layer;

    public FrozenLayer(Layer layer) {
        this.layer = Objects.requireNonNull(layer, "FrozenLayer needs the layer to wrap");
        this.layerName = layer.getLayerName();
    }

    public Layer getLayer() { return layer; }
    public void setLayer(Layer l) { this.layer = l; }

    @Override public String jsonClassName() { return MISC_PACKAGE + getClass().getSimpleName(); }
    @Override public void setLayerName(String name) { super.setLayerName(name); layer.setLayerName(name); }
    @Override public InputType getOutputType(int i, InputType in) { return layer.getOutputType(i, in); }
    @Override public void setNIn(InputType in, boolean override) { layer.setNIn(in, override); }
    @Override public InputPreProcessor getPreProcessorForInputType(InputType in) { return layer.getPreProcessorForInputType(in); }
    @Override public IUpdater getUpdaterByParam(String p) { return new NoOp(); }
    @Override public List<Regularization> getRegularizationByParam(String p) { return List.of(); }
    @Override public boolean isOutputLayer() { return layer.isOutputLayer(); }
    @Override public void applyGlobalDefaults(org.dl4jbridge.nn.conf.NeuralNetConfiguration.Builder g) { layer.applyGlobalDefaults(g); }

    @Override
    public FrozenLayer clone() {
        FrozenLayer f = (FrozenLayer) super.clone();
        f.layer = layer.clone();
        return f;
    }

    @Override public String toString() { return "FrozenLayer(" + layer + ")"; }

    public static class Builder extends Layer.Builder<Builder> {
        private Layer layer;

        public Builder layer(Layer l) { this.layer = l; return this; }

        @Override @SuppressWarnings("unchecked")
        public FrozenLayer build() { return new FrozenLayer(layer); }
    }
}
