package org.dl4jbridge.nn.conf.layers.misc;

import org.dl4jbridge.nn.conf.layers.Layer;

/**
 * Like {@link FrozenLayer} (parameters never updated), but the gradient still flows through it to
 * the layers below (DL4J: FrozenLayerWithBackprop; JSON property "underlying").
 */
public class FrozenLayerWithBackprop extends FrozenLayer {
    public FrozenLayerWithBackprop(Layer layer) { super(layer); }

    public Layer getUnderlying() { return layer; }

    @Override public FrozenLayerWithBackprop clone() { return (FrozenLayerWithBackprop) super.clone(); }
    @Override public String toString() { return "FrozenLayerWithBackprop(" + layer + ")"; }
}
