package org.dl4jbridge.nn.layers;

import org.dl4jbridge.nn.conf.layers.SubsamplingLayer;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.ndarray.ops.Conv2DConfig;
import org.dl4jbridge.ndarray.ops.Pooling2D;
import org.dl4jbridge.ndarray.ops.PoolingType;

/** Max/average pooling layer on ops-conv's Pooling2D. */
public class SubsamplingLayerImpl extends AbstractLayer {
    private final Conv2DConfig cfg;
    private final PoolingType type;
    private final boolean includePad;

    public SubsamplingLayerImpl(SubsamplingLayer conf) {
        super(conf);
        this.cfg = ConvolutionLayerImpl.config(conf.getKernelSize(), conf.getStride(), conf.getPadding(), conf.getDilation(),
                conf.getConvolutionMode());
        this.type = poolingType(conf.getPoolingType(), conf.getLayerName());
        this.includePad = conf.isAvgPoolIncludePadInDivisor();
    }

    static PoolingType poolingType(org.dl4jbridge.nn.conf.layers.PoolingType t, String layer) {
        return switch (t) {
            case MAX -> PoolingType.MAX;
            case AVG -> PoolingType.AVG;
            default -> throw new IllegalArgumentException("layer '" + layer + "': pooling type " + t
                    + " is not supported by the engine (supported: MAX, AVG)");
        };
    }

    @Override
    protected NDArray forward(NDArray x, boolean training) {
        if (x.rank() != 4) throw shapeError("[minibatch, channels, height, width] (NCHW)", x);
        return Pooling2D.forward(x.contiguous(), cfg, type, includePad);
    }

    /** Window, stride, padding, dilation and mode (the graph's inference plan fuses some pools into convolutions). */
    public Conv2DConfig poolConfig() { return cfg; }

    /** MAX or AVG. */
    public PoolingType type() { return type; }

    /** The output shape for input {@code x} (the graph's pooled inference path allocates it). */
    public int[] outputShape(NDArray x) {
        if (x.rank() != 4) throw shapeError("[minibatch, channels, height, width] (NCHW)", x);
        org.dl4jbridge.ndarray.ops.ConvGeometry g = cfg.geometry(x.size(2), x.size(3));
        return new int[] {x.size(0), x.size(1), g.outH(), g.outW()};
    }

    /** Inference forward into {@code out} (of {@link #outputShape}); nothing is kept for backprop. */
    public void inferInto(NDArray x, NDArray out) {
        Pooling2D.forward(x.contiguous(), cfg, type, includePad, out);
    }

    @Override
    protected NDArray backward(NDArray eps, boolean needInputGradient) {
        if (!needInputGradient) return null;
        NDArray dx = NDArray.zeros(input.shape());
        Pooling2D.backward(input, eps.contiguous(), cfg, type, includePad, dx);
        return dx;
    }
}
