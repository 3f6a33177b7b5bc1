package org.dl4jbridge.nn.layers;

import org.dl4jbridge.nn.conf.layers.ConvolutionLayer;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.ndarray.ops.Conv2DConfig;
import org.dl4jbridge.ndarray.ops.Convolution2D;
import org.dl4jbridge.ndarray.ops.ConvolutionMode;
import org.dl4jbridge.ndarray.ops.FusedActivation;

/** 2-D convolution layer (NCHW) on ops-conv's Convolution2D; the activation runs fused when it can. */
public class ConvolutionLayerImpl extends AbstractLayer {
    protected final ActivationFn act;
    protected final Conv2DConfig cfg;
    protected final int nIn;
    protected NDArray output;

    public ConvolutionLayerImpl(ConvolutionLayer conf) {
        super(conf);
        this.act = ActivationFn.of(conf.getActivationFn(), conf.getLayerName());
        this.cfg = config(conf.getKernelSize(), conf.getStride(), conf.getPadding(), conf.getDilation(), conf.getConvolutionMode());
        this.nIn = (int) conf.getNIn();
    }

    static Conv2DConfig config(int[] k, int[] s, int[] p, int[] d, org.dl4jbridge.nn.conf.ConvolutionMode mode) {
        ConvolutionMode m = ConvolutionMode.valueOf((mode == null ? org.dl4jbridge.nn.conf.ConvolutionMode.Truncate : mode).name());
        return new Conv2DConfig(k[0], k[1], s[0], s[1], p[0], p[1], d[0], d[1], m);
    }

    protected NDArray bias() {
        NDArray b = params.get("b");
        return b == null ? null : b.reshape(b.length());
    }

    protected NDArray biasGrad() {
        NDArray b = grads.get("b");
        return b == null ? null : b.reshape(b.length());
    }

    protected void checkInput(NDArray x) {
        if (x.rank() != 4 || x.size(1) != nIn) throw shapeError("[minibatch, " + nIn + ", height, width] (NCHW, nIn=" + nIn + ")", x);
    }

    @Override
    protected NDArray forward(NDArray x, boolean training) {
        checkInput(x);
        x = contiguous(x);
        FusedActivation fused = act.fused();
        NDArray out = Convolution2D.forward(x, params.get("W"), bias(), cfg, 1, fused == null ? FusedActivation.IDENTITY : fused);
        if (fused == null) act.apply(out);
        output = keepForBackprop() ? out : null;
        return out;
    }

    @Override
    protected NDArray backward(NDArray eps, boolean needInputGradient) {
        NDArray dz = act.backward(output, contiguous(eps));
        NDArray dx = needInputGradient ? NDArray.zeros(input.shape()) : null;
        Convolution2D.backward(input, params.get("W"), dz, cfg, 1, dx, grads.get("W"), biasGrad());
        return dx;
    }

    @Override public void clearCaches() { super.clearCaches(); output = null; }
}
