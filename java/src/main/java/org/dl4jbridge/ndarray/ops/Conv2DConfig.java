package org.dl4jbridge.ndarray.ops;

/**
 * The window of a 2-D convolution or pooling: kernel, stride, explicit padding, dilation and
 * DL4J's {@link ConvolutionMode}. Immutable; {@link #geometry(int, int)} resolves it for one input size.
 */
public record Conv2DConfig(int kH, int kW, int sH, int sW, int pH, int pW, int dH, int dW, ConvolutionMode mode) {

    public Conv2DConfig {
        if (mode == null) throw new IllegalArgumentException("convolution mode is null; use ConvolutionMode.Truncate (DL4J's default) or Same");
        if (kH <= 0 || kW <= 0) throw new IllegalArgumentException("kernel size must be positive, got [" + kH + ", " + kW + "]");
        if (sH <= 0 || sW <= 0) throw new IllegalArgumentException("stride must be positive, got [" + sH + ", " + sW + "]");
        if (dH <= 0 || dW <= 0) throw new IllegalArgumentException("dilation must be positive, got [" + dH + ", " + dW + "]");
        if (pH < 0 || pW < 0) throw new IllegalArgumentException("padding must be >= 0, got [" + pH + ", " + pW + "]");
        if (mode == ConvolutionMode.Causal) {
            throw new IllegalArgumentException("ConvolutionMode.Causal applies to 1-D convolutions only (DL4J rejects it"
                    + " for 2-D layers); use ConvolutionMode.Same or Truncate");
        }
    }

    /** Kernel k x k, stride s, no padding, no dilation. */
    public static Conv2DConfig of(int k, int s, ConvolutionMode mode) {
        return new Conv2DConfig(k, k, s, s, 0, 0, 1, 1, mode);
    }

    /** Kernel k x k, stride s, padding p on every side (Truncate), no dilation. */
    public static Conv2DConfig padded(int k, int s, int p) {
        return new Conv2DConfig(k, k, s, s, p, p, 1, 1, ConvolutionMode.Truncate);
    }

    public ConvGeometry geometry(int inH, int inW) {
        ConvolutionMode.Dim h = mode.dim("height", inH, kH, sH, pH, dH);
        ConvolutionMode.Dim w = mode.dim("width", inW, kW, sW, pW, dW);
        return new ConvGeometry(this, inH, inW, h.out(), w.out(), h.padBefore(), h.padAfter(), w.padBefore(), w.padAfter());
    }
}
