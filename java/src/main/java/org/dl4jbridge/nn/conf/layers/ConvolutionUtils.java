package org.dl4jbridge.nn.conf.layers;

import org.dl4jbridge.nn.conf.ConvolutionMode;

/** Output sizes of 2-D convolution/pooling per DL4J's convolution modes (used for InputType inference). */
public final class ConvolutionUtils {
    private ConvolutionUtils() {}

    /** Output length along one axis. Same: ceil(in/stride); Truncate: floor; Strict: must divide exactly. */
    public static long outputSize(long in, int k, int s, int p, int d, ConvolutionMode mode, String layerName) {
        long effK = (long) d * (k - 1) + 1;
        if (mode == ConvolutionMode.Same) return (in + s - 1) / s;
        long span = in + 2L * p - effK;
        if (span < 0) {
            throw new IllegalArgumentException("layer '" + layerName + "': kernel " + k + " (dilation " + d
                    + ") with padding " + p + " does not fit input size " + in + "; use a smaller kernel or more padding");
        }
        if (mode == ConvolutionMode.Strict && span % s != 0) {
            throw new IllegalArgumentException("layer '" + layerName + "': ConvolutionMode.Strict needs (in + 2*pad - kernel) "
                    + "divisible by stride, got in=" + in + " kernel=" + k + " pad=" + p + " stride=" + s
                    + "; use ConvolutionMode.Truncate or Same");
        }
        return span / s + 1;
    }

    static int[] pair(int[] v, String what) {
        if (v == null || v.length != 2) {
            throw new IllegalArgumentException(what + " must have 2 values (height, width), got "
                    + (v == null ? "null" : java.util.Arrays.toString(v)));
        }
        for (int x : v) {
            if (x < 0) throw new IllegalArgumentException(what + " values must be >= 0, got " + java.util.Arrays.toString(v));
        }
        return v.clone();
    }
}
