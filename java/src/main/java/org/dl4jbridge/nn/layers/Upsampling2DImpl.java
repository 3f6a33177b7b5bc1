package org.dl4jbridge.nn.layers;

import org.dl4jbridge.nn.conf.layers.Upsampling2D;
import org.dl4jbridge.ndarray.NDArray;

/** Nearest-neighbour upsampling on ops-core's Upsampling2D. */
public class Upsampling2DImpl extends AbstractLayer {
    private final int sH, sW;

    public Upsampling2DImpl(Upsampling2D conf) {
        super(conf);
        this.sH = conf.getSize()[0];
        this.sW = conf.getSize()[1];
    }

    @Override
    protected NDArray forward(NDArray x, boolean training) {
        if (x.rank() != 4) throw shapeError("[minibatch, channels, height, width] (NCHW)", x);
        return org.dl4jbridge.ndarray.ops.Upsampling2D.forward(x.contiguous(), sH, sW);
    }

    @Override
    protected NDArray backward(NDArray eps, boolean needInputGradient) {
        if (!needInputGradient) return null;
        return org.dl4jbridge.ndarray.ops.Upsampling2D.backward(eps.contiguous(), sH, sW, NDArray.zeros(input.shape()));
    }
}
