package org.dl4jbridge.nn.layers;

import org.dl4jbridge.nn.conf.layers.ActivationLayer;
import org.dl4jbridge.nn.conf.layers.BaseOutputLayer;
import org.dl4jbridge.nn.conf.layers.BatchNormalization;
import org.dl4jbridge.nn.conf.layers.ConvolutionLayer;
import org.dl4jbridge.nn.conf.layers.DenseLayer;
import org.dl4jbridge.nn.conf.layers.DepthwiseConvolution2D;
import org.dl4jbridge.nn.conf.layers.DropoutLayer;
import org.dl4jbridge.nn.conf.layers.GlobalPoolingLayer;
import org.dl4jbridge.nn.conf.layers.Layer;
import org.dl4jbridge.nn.conf.layers.SubsamplingLayer;
import org.dl4jbridge.nn.conf.layers.Upsampling2D;
import org.dl4jbridge.nn.conf.layers.misc.FrozenLayer;

/** Runtime layer for a layer configuration. */
public final class LayerFactory {
    private LayerFactory() {}

    public static AbstractLayer create(Layer conf) {
        if (conf instanceof FrozenLayer f) return new FrozenLayerImpl(f, create(f.getLayer()));
        if (conf instanceof BaseOutputLayer o) return new OutputLayerImpl(o);
        if (conf instanceof DenseLayer d) return new DenseLayerImpl(d);
        if (conf instanceof DepthwiseConvolution2D d) return new DepthwiseConvolution2DImpl(d);
        if (conf instanceof ConvolutionLayer c) return new ConvolutionLayerImpl(c);
        if (conf instanceof SubsamplingLayer s) return new SubsamplingLayerImpl(s);
        if (conf instanceof GlobalPoolingLayer g) return new GlobalPoolingLayerImpl(g);
        if (conf instanceof BatchNormalization bn) return new BatchNormalizationImpl(bn);
        if (conf instanceof ActivationLayer a) return new ActivationLayerImpl(a);
        if (conf instanceof DropoutLayer d) return new DropoutLayerImpl(d);
        if (conf instanceof Upsampling2D u) return new Upsampling2DImpl(u);
        if (conf instanceof org.dl4jbridge.nn.conf.layers.ZeroPaddingLayer z) return new ZeroPaddingLayerImpl(z);
        throw new IllegalArgumentException("layer '" + conf.getLayerName() + "': no runtime for " + conf.getClass().getSimpleName());
    }
}
