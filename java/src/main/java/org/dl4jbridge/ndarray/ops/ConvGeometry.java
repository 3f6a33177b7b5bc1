package org.dl4jbridge.ndarray.ops;

/**
 * A {@link Conv2DConfig} resolved for one input size: the output size and the padding actually
 * applied on each side (Same mode pads asymmetrically, extra row/column at the bottom/right).
 */
public record ConvGeometry(Conv2DConfig cfg, int inH, int inW, int outH, int outW,
                           int padTop, int padBottom, int padLeft, int padRight) {

    /** A stride-1, undilated 1x1 window with no padding: the convolution is a plain GEMM. */
    public boolean isPointwise() {
        return cfg.kH() == 1 && cfg.kW() == 1 && cfg.sH() == 1 && cfg.sW() == 1
                && padTop == 0 && padBottom == 0 && padLeft == 0 && padRight == 0;
    }

    public int inPlane() { return inH * inW; }
    public int outPlane() { return outH * outW; }
}
