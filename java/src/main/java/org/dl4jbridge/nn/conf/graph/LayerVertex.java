package org.dl4jbridge.nn.conf.graph;

import java.util.Objects;
import org.dl4jbridge.nn.conf.InputPreProcessor;
import org.dl4jbridge.nn.conf.NeuralNetConfiguration;
import org.dl4jbridge.nn.conf.inputs.InputType;
import org.dl4jbridge.nn.conf.layers.Layer;

/** A vertex holding one layer, with an optional pre-processor applied to its input (DL4J: LayerVertex). */
public class LayerVertex extends GraphVertex {
    private NeuralNetConfiguration layerConf;
    private InputPreProcessor preProcessor;
    private boolean outputVertex;

    public LayerVertex(NeuralNetConfiguration layerConf, InputPreProcessor preProcessor) {
        this.layerConf = Objects.requireNonNull(layerConf, "layerConf");
        this.preProcessor = preProcessor;
    }

    public NeuralNetConfiguration getLayerConf() { return layerConf; }
    public void setLayerConf(NeuralNetConfiguration c) { this.layerConf = c; }
    public Layer getLayer() { return layerConf.getLayer(); }
    public InputPreProcessor getPreProcessor() { return preProcessor; }
    public void setPreProcessor(InputPreProcessor p) { this.preProcessor = p; }
    public boolean isOutputVertex() { return outputVertex; }
    public void setOutputVertex(boolean v) { this.outputVertex = v; }

    @Override public int minVertexInputs() { return 1; }
    @Override public int maxVertexInputs() { return 1; }

    @Override
    public InputType getOutputType(int layerIndex, InputType... in) {
        if (in.length != 1) {
            throw new IllegalArgumentException("layer vertex '" + getLayer().getLayerName() + "' takes exactly one input, got "
                    + in.length + "; merge inputs first with a MergeVertex");
        }
        InputType t = preProcessor == null ? in[0] : preProcessor.getOutputType(in[0]);
        return getLayer().getOutputType(layerIndex, t);
    }

    @Override
    public LayerVertex clone() {
        LayerVertex v = (LayerVertex) super.clone();
        v.layerConf = layerConf.clone();
        v.preProcessor = preProcessor == null ? null : preProcessor.clone();
        return v;
    }

    @Override public String toString() { return "LayerVertex(" + getLayer() + ")"; }
}
