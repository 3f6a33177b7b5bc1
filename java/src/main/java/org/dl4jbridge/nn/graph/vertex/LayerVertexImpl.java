package org.dl4jbridge.nn.graph.vertex;

import org.dl4jbridge.nn.conf.InputPreProcessor;
import org.dl4jbridge.nn.layers.AbstractLayer;
import org.dl4jbridge.nn.layers.OutputLayerImpl;
import org.dl4jbridge.ndarray.NDArray;

/** A layer, with its optional input pre-processor. */
public class LayerVertexImpl extends VertexImpl {
    private final AbstractLayer layer;
    private final InputPreProcessor preProcessor;

    public LayerVertexImpl(String name, AbstractLayer layer, InputPreProcessor preProcessor) {
        super(name);
        this.layer = layer;
        this.preProcessor = preProcessor;
    }

    @Override public AbstractLayer layer() { return layer; }
    public InputPreProcessor preProcessor() { return preProcessor; }
    @Override public boolean hasTrainableParams() { return !layer.isFrozen() && layer.numParams() > 0; }
    public boolean isOutputLayer() { return layer instanceof OutputLayerImpl; }

    @Override
    public NDArray forward(NDArray[] inputs, boolean training) {
        NDArray x = inputs[0];
        if (preProcessor != null) x = preProcessor.preProcess(x, x.size(0));
        return layer.activate(x, training);
    }

    @Override
    public NDArray[] backward(NDArray epsilon, boolean[] need) {
        return new NDArray[] {fromLayerInput(layer.backprop(epsilon, need[0]))};
    }

    /** Backward of an output layer from its labels. */
    public NDArray[] backwardFromLabels(NDArray labels, boolean[] need) {
        return new NDArray[] {fromLayerInput(((OutputLayerImpl) layer).backpropLabels(labels, need[0]))};
    }

    private NDArray fromLayerInput(NDArray dx) {
        if (dx == null || preProcessor == null) return dx;
        return preProcessor.backprop(dx, dx.size(0));
    }

    @Override public void clearCaches() { layer.clearCaches(); }

    @Override
    public void setTrainingArrays(org.dl4jbridge.nn.layers.TrainingArrays arrays) {
        super.setTrainingArrays(arrays);
        layer.setTrainingArrays(arrays);
    }
}
