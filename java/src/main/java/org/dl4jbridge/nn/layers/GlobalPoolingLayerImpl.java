package org.dl4jbridge.nn.layers;

import org.dl4jbridge.nn.conf.layers.GlobalPoolingLayer;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.ndarray.ops.GlobalPooling;
import org.dl4jbridge.ndarray.ops.PoolingType;

/** Global max/average pooling over H and W: [mb,C,H,W] -> [mb,C] (or [mb,C,1,1] without collapsing). */
public class GlobalPoolingLayerImpl extends AbstractLayer {
    private final PoolingType type;
    private final boolean collapse;

    public GlobalPoolingLayerImpl(GlobalPoolingLayer conf) {
        super(conf);
        this.type = SubsamplingLayerImpl.poolingType(conf.getPoolingType(), conf.getLayerName());
        this.collapse = conf.isCollapseDimensions();
        int[] dims = conf.getPoolingDimensions();
        if (dims != null && !(dims.length == 2 && dims[0] == 2 && dims[1] == 3)) {
            throw new IllegalArgumentException("layer '" + conf.getLayerName() + "': only pooling over dimensions [2, 3] is supported, got "
                    + java.util.Arrays.toString(dims));
        }
    }

    /** The pooling type (inference plans pool activations of another layout with it). */
    public PoolingType type() { return type; }

    /** Pooled {@code [mb, C]} as this layer returns it: as is when it collapses dimensions, else {@code [mb, C, 1, 1]}. */
    public NDArray shaped(NDArray pooled) {
        return collapse ? pooled : pooled.reshape(pooled.size(0), pooled.size(1), 1, 1);
    }

    @Override
    protected NDArray forward(NDArray x, boolean training) {
        if (x.rank() != 4) throw shapeError("[minibatch, channels, height, width] (NCHW)", x);
        return shaped(GlobalPooling.forward(x.contiguous(), type));
    }

    @Override
    protected NDArray backward(NDArray eps, boolean needInputGradient) {
        if (!needInputGradient) return null;
        NDArray e = eps.contiguous();
        if (e.rank() == 4) e = e.reshape(e.size(0), e.size(1));
        NDArray dx = newArray(input.shape());   // overwritten
        GlobalPooling.backward(input, e, type, dx);
        return dx;
    }
}
