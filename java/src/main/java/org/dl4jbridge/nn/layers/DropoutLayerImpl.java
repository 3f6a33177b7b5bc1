package org.dl4jbridge.nn.layers;

import org.dl4jbridge.nn.conf.layers.DropoutLayer;
import org.dl4jbridge.ndarray.NDArray;

/** Passes its (dropped-out, in training) input through; the dropout itself is the base class's input dropout. */
public class DropoutLayerImpl extends AbstractLayer {
    public DropoutLayerImpl(DropoutLayer conf) { super(conf); }

    @Override protected NDArray forward(NDArray x, boolean training) { return x; }

    @Override protected NDArray backward(NDArray eps, boolean needInputGradient) { return needInputGradient ? eps : null; }
}
