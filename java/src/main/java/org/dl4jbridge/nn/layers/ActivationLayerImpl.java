package org.dl4jbridge.nn.layers;

import org.dl4jbridge.nn.conf.layers.ActivationLayer;
import org.dl4jbridge.ndarray.NDArray;

/** Element-wise activation, any input shape (SOFTMAX needs rank 2). */
public class ActivationLayerImpl extends AbstractLayer {
    private final ActivationFn act;
    private NDArray output;

    public ActivationLayerImpl(ActivationLayer conf) {
        super(conf);
        this.act = ActivationFn.of(conf.getActivationFn(), conf.getLayerName());
    }

    public ActivationFn activationFn() { return act; }

    @Override
    protected NDArray forward(NDArray x, boolean training) {
        NDArray a = act.op().forward(x.contiguous(), newArray(x.shape()), act.alpha());   // element-wise: overwritten
        output = keepForBackprop() ? a : null;
        return a;
    }

    @Override
    protected NDArray backward(NDArray eps, boolean needInputGradient) {
        return needInputGradient ? act.backward(output, eps.contiguous(), newArray(output.shape())) : null;
    }

    @Override public void clearCaches() { super.clearCaches(); output = null; }
}
