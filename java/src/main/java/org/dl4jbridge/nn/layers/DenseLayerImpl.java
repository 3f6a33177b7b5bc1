package org.dl4jbridge.nn.layers;

import org.dl4jbridge.nn.conf.layers.BaseLayer;
import org.dl4jbridge.nn.conf.layers.FeedForwardLayer;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.ndarray.ops.Bias;
import org.dl4jbridge.ndarray.ops.Linalg;

/** Dense forward {@code a = f(x W + b)} and backward (W is the f-order view into the parameter vector). */
public class DenseLayerImpl extends AbstractLayer {
    protected final ActivationFn act;
    protected final int nIn, nOut;
    protected NDArray output;

    public DenseLayerImpl(FeedForwardLayer conf) {
        super(conf);
        this.act = ActivationFn.of(((BaseLayer) conf).getActivationFn(), conf.getLayerName());
        this.nIn = (int) conf.getNIn();
        this.nOut = (int) conf.getNOut();
    }

    @Override
    protected NDArray forward(NDArray x, boolean training) {
        if (x.rank() != 2 || x.size(1) != nIn) {
            throw shapeError("[minibatch, " + nIn + "] (nIn=" + nIn + ")", x);
        }
        x = x.contiguous();
        NDArray z = Linalg.mmul(x, params.get("W"));
        NDArray b = params.get("b");
        if (b != null) Bias.addRowVector(z, b);
        act.apply(z);
        output = keepForBackprop() ? z : null;
        return z;
    }

    @Override
    protected NDArray backward(NDArray eps, boolean needInputGradient) {
        return backwardFromPreActivation(act.backward(output, eps.contiguous()), needInputGradient);
    }

    /** Weight, bias and input gradients from dL/dz (summed over the minibatch). */
    protected NDArray backwardFromPreActivation(NDArray dz, boolean needInputGradient) {
        Linalg.gemm(input, true, dz, false, grads.get("W"), 1f, 0f);
        NDArray gb = grads.get("b");
        if (gb != null) Bias.rowVectorGradient(dz, gb);
        if (!needInputGradient) return null;
        NDArray dx = NDArray.zeros(dz.size(0), nIn);
        Linalg.gemm(dz, false, params.get("W"), true, dx, 1f, 0f);
        return dx;
    }

    @Override public void clearCaches() { super.clearCaches(); output = null; }
}
