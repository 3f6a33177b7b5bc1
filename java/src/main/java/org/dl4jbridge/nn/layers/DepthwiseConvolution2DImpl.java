package org.dl4jbridge.nn.layers;

import org.dl4jbridge.nn.conf.layers.DepthwiseConvolution2D;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.ndarray.ops.FusedActivation;

/** Depthwise convolution layer, weights in DL4J's [kH, kW, nIn, depthMultiplier] layout. */
public class DepthwiseConvolution2DImpl extends ConvolutionLayerImpl {
    private final int multiplier;

    public DepthwiseConvolution2DImpl(DepthwiseConvolution2D conf) {
        super(conf);
        this.multiplier = conf.getDepthMultiplier();
    }

    @Override
    protected NDArray forward(NDArray x, boolean training) {
        checkInput(x);
        x = x.contiguous();
        FusedActivation fused = act.fused();
        NDArray out = newArray(outputShape(x));   // overwritten
        org.dl4jbridge.ndarray.ops.DepthwiseConvolution2D.forward(x, params.get("W"),
                org.dl4jbridge.ndarray.ops.DepthwiseConvolution2D.Layout.DL4J, multiplier, bias(), cfg,
                fused == null ? FusedActivation.IDENTITY : fused, out);
        if (fused == null) act.apply(out);
        output = keepForBackprop() ? out : null;
        return out;
    }

    @Override public int outputChannels() { return nIn * multiplier; }

    @Override
    public void inferInto(NDArray x, NDArray w, NDArray b, FusedActivation epilogue, NDArray out) {
        org.dl4jbridge.ndarray.ops.DepthwiseConvolution2D.forward(x.contiguous(), w,
                org.dl4jbridge.ndarray.ops.DepthwiseConvolution2D.Layout.DL4J, multiplier, b, cfg, epilogue, out);
    }

    /** DL4J's depthwise W is [kH, kW, nIn, depthMultiplier]: the output channel is the flat index modulo nIn*m. */
    @Override
    protected void scaleChunk(float[] a, int first, int n, float[] scale) {
        int channels = scale.length;
        for (int k = 0; k < n; ) {
            int c0 = (first + k) % channels, m = Math.min(n - k, channels - c0);
            for (int j = 0; j < m; j++) a[k + j] *= scale[c0 + j];
            k += m;
        }
    }

    @Override
    protected NDArray backward(NDArray eps, boolean needInputGradient) {
        NDArray dz = outputGradient(eps);
        NDArray dx = needInputGradient ? newArray(input.shape()) : null;   // overwritten
        org.dl4jbridge.ndarray.ops.DepthwiseConvolution2D.backward(input, params.get("W"),
                org.dl4jbridge.ndarray.ops.DepthwiseConvolution2D.Layout.DL4J, multiplier, dz, cfg, dx, grads.get("W"), biasGrad());
        return dx;
    }
}
