package org.dl4jbridge.nn.layers;

import java.nio.FloatBuffer;
import org.dl4jbridge.nn.conf.layers.ZeroPaddingLayer;
import org.dl4jbridge.ndarray.NDArray;

/**
 * Zero padding of NCHW activations; backward crops the gradient.
 * TODO(ops-core): a padding op in org.dl4jbridge.ndarray.ops; this row copy is the minimal piece.
 */
public class ZeroPaddingLayerImpl extends AbstractLayer {
    private final int top, bottom, left, right;

    public ZeroPaddingLayerImpl(ZeroPaddingLayer conf) {
        super(conf);
        int[] p = conf.getPadding();
        top = p[0]; bottom = p[1]; left = p[2]; right = p[3];
    }

    @Override
    protected NDArray forward(NDArray x, boolean training) {
        if (x.rank() != 4) throw shapeError("[minibatch, channels, height, width] (NCHW)", x);
        x = x.contiguous();
        int n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3), oh = h + top + bottom, ow = w + left + right;
        NDArray out = NDArray.zeros(n, c, oh, ow);
        copyRows(x.buffer(), x.offset(), out.buffer(), 0, n * c, h, w, oh, ow, true);
        return out;
    }

    @Override
    protected NDArray backward(NDArray eps, boolean needInputGradient) {
        if (!needInputGradient) return null;
        NDArray e = eps.contiguous();
        int[] s = input.shape();
        NDArray dx = NDArray.zeros(s);
        copyRows(e.buffer(), e.offset(), dx.buffer(), 0, s[0] * s[1], s[2], s[3], s[2] + top + bottom, s[3] + left + right, false);
        return dx;
    }

    /** Copies each h x w plane into (pad) or out of (crop) the padded oh x ow plane. */
    private void copyRows(FloatBuffer src, int srcOff, FloatBuffer dst, int dstOff, int planes, int h, int w, int oh, int ow, boolean pad) {
        for (int p = 0; p < planes; p++) {
            for (int r = 0; r < h; r++) {
                int small = p * h * w + r * w, big = p * oh * ow + (r + top) * ow + left;
                FloatBuffer from = src.duplicate(), to = dst.duplicate();
                int fromAt = srcOff + (pad ? small : big), toAt = dstOff + (pad ? big : small);
                from.position(fromAt).limit(fromAt + w);
                to.position(toAt);
                to.put(from);
            }
        }
    }
}
