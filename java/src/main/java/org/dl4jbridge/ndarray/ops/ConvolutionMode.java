package org.dl4jbridge.ndarray.ops;

/**
 * DL4J's convolution modes (the names are DL4J's, as they appear in configuration.json), with the
 * output-size and padding rule of each for one spatial dimension.
 *
 * <ul>
 *   <li>{@code Truncate}: {@code out = floor((in + 2p - effK) / s) + 1}; rows or columns that do
 *       not fit a whole window are dropped. DL4J's field default.</li>
 *   <li>{@code Strict}: the same size, but a stride that does not divide
 *       {@code in + 2p - effK} is an error instead of a silent truncation.</li>
 *   <li>{@code Same}: {@code out = ceil(in / s)}; the configured padding is ignored and the total
 *       padding {@code max(0, (out-1)s + effK - in)} is split with the smaller half before
 *       (top/left) and the extra row/column after (bottom/right), as TensorFlow does.</li>
 *   <li>{@code Causal}: 1-D only in DL4J: everything is padded before, {@code (k-1)d}, so
 *       {@code out = ceil(in / s)} and no output sees a later input.</li>
 * </ul>
 * {@code effK = (k - 1) * d + 1} is the dilated kernel extent.
 */
public enum ConvolutionMode {
    Strict, Truncate, Same, Causal;

    /** Output size and the padding actually applied before and after, for one dimension. */
    public record Dim(int out, int padBefore, int padAfter) {}

    /**
     * Applies this mode to one spatial dimension.
     *
     * @param what a name for error messages, e.g. "height"
     */
    public Dim dim(String what, int in, int kernel, int stride, int padding, int dilation) {
        if (in <= 0) throw new IllegalArgumentException("input " + what + " must be positive, got " + in);
        if (kernel <= 0) throw new IllegalArgumentException("kernel " + what + " must be positive, got " + kernel);
        if (stride <= 0) throw new IllegalArgumentException("stride " + what + " must be positive, got " + stride);
        if (dilation <= 0) throw new IllegalArgumentException("dilation " + what + " must be positive, got " + dilation);
        if (padding < 0) throw new IllegalArgumentException("padding " + what + " must be >= 0, got " + padding);
        int effK = (kernel - 1) * dilation + 1;
        switch (this) {
            case Same: {
                int out = (in + stride - 1) / stride;
                int total = Math.max(0, (out - 1) * stride + effK - in);
                return new Dim(out, total / 2, total - total / 2);
            }
            case Causal: {
                int out = (in + stride - 1) / stride;
                return new Dim(out, effK - 1, 0);
            }
            default: {
                int span = in + 2 * padding - effK;
                if (span < 0) {
                    throw new IllegalArgumentException("kernel " + what + " " + kernel + " (dilated extent " + effK
                            + ") does not fit input " + what + " " + in + " with padding " + padding + " in mode "
                            + this + "; use a smaller kernel, more padding, or ConvolutionMode.Same");
                }
                if (this == Strict && span % stride != 0) {
                    throw new IllegalArgumentException("ConvolutionMode.Strict: (input " + what + " " + in
                            + " + 2*padding " + padding + " - kernel extent " + effK + ") = " + span
                            + " is not divisible by stride " + stride + "; change the padding or stride, or use"
                            + " ConvolutionMode.Truncate (drops the remainder) or ConvolutionMode.Same");
                }
                return new Dim(span / stride + 1, padding, padding);
            }
        }
    }
}
