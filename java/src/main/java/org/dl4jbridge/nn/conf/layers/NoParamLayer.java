package org.dl4jbridge.nn.conf.layers;

/** Base of layers without parameters (DL4J: NoParamLayer); JSON writes gradientNormalization "None" / threshold 0.0 for them. */
public abstract class NoParamLayer extends Layer {
    protected NoParamLayer() {}
    protected NoParamLayer(Builder<?> b) { super(b); }
}
