package org.dl4jbridge.ndarray.ops;

import java.util.Arrays;
import org.dl4jbridge.ndarray.NDArray;

/**
 * DL4J's CNN ↔ feed-forward preprocessors (DL4J_SPEC 3.6).
 *
 * <ul>
 *   <li>{@link #cnnToFeedForward(NDArray)}: {@code [mb, C, H, W]} → {@code [mb, C·H·W]} in c order
 *       (flat index {@code c·H·W + h·W + w}): a view when x is contiguous, else a copy. Its backward
 *       is {@link #feedForwardToCnn}.</li>
 *   <li>{@link #feedForwardToCnn(NDArray, int, int, int)}: {@code [mb, C·H·W]} → {@code [mb, C, H, W]}
 *       (c-order reshape; a view when contiguous).</li>
 *   <li>{@link #cnnToFeedForwardChannelsLast(NDArray, NDArray)}: TensorFlowCnnToFeedForward (old Keras
 *       imports): NCHW permuted to NHWC, then flattened (flat index {@code h·W·C + w·C + c}) into
 *       {@code out [mb, H·W·C]} (a copy). Its backward is
 *       {@link #feedForwardToCnnChannelsLast(NDArray, int, int, int, NDArray)}.</li>
 * </ul>
 */
public final class Flatten {
    private Flatten() {}

    public static NDArray cnnToFeedForward(NDArray x) {
        requireRank4(x);
        return x.reshape(x.size(0), x.size(1) * x.size(2) * x.size(3));
    }

    public static NDArray feedForwardToCnn(NDArray x, int channels, int height, int width) {
        requireFlat(x, channels, height, width);
        return x.reshape(x.size(0), channels, height, width);
    }

    /** NCHW {@code x [mb, C, H, W]} → {@code out [mb, H·W·C]} in channels-last order; returns out. */
    public static NDArray cnnToFeedForwardChannelsLast(NDArray x, NDArray out) {
        requireRank4(x);
        Chunked.requireContiguous("x", x);
        int mb = x.size(0), c = x.size(1), hw = x.size(2) * x.size(3);
        requireFlat(out, c, x.size(2), x.size(3));
        Chunked.requireContiguous("out", out);
        if (out.size(0) != mb) throw new IllegalArgumentException("out has " + out.size(0) + " rows, x has " + mb);
        permute(x, out, mb, c, hw, true);
        return out;
    }

    /** Inverse of {@link #cnnToFeedForwardChannelsLast}: {@code x [mb, H·W·C]} → {@code out [mb, C, H, W]}. */
    public static NDArray feedForwardToCnnChannelsLast(NDArray x, int channels, int height, int width, NDArray out) {
        requireFlat(x, channels, height, width);
        Chunked.requireContiguous("x", x);
        int[] want = {x.size(0), channels, height, width};
        if (!Arrays.equals(want, out.shape())) {
            throw new IllegalArgumentException("out must have shape " + Arrays.toString(want) + ", got " + Arrays.toString(out.shape()));
        }
        Chunked.requireContiguous("out", out);
        permute(out, x, x.size(0), channels, height * width, false);
        return out;
    }

    /** Moves between NCHW {@code cnn} and NHWC-flattened {@code flat}; direction by {@code toFlat}. */
    private static void permute(NDArray cnn, NDArray flat, int mb, int c, int hw, boolean toFlat) {
        float[] a = new float[c * hw], b = new float[c * hw];
        for (int i = 0; i < mb; i++) {
            int co = cnn.offset() + i * c * hw, fo = flat.offset() + i * c * hw;
            if (toFlat) {
                cnn.buffer().get(co, a, 0, a.length);
                for (int ch = 0; ch < c; ch++) for (int p = 0; p < hw; p++) b[p * c + ch] = a[ch * hw + p];
                flat.buffer().put(fo, b, 0, b.length);
            } else {
                flat.buffer().get(fo, b, 0, b.length);
                for (int ch = 0; ch < c; ch++) for (int p = 0; p < hw; p++) a[ch * hw + p] = b[p * c + ch];
                cnn.buffer().put(co, a, 0, a.length);
            }
        }
    }

    private static void requireRank4(NDArray x) {
        if (x.rank() != 4) {
            throw new IllegalArgumentException("CNN activations must be [mb, C, H, W], got " + Arrays.toString(x.shape()));
        }
    }

    private static void requireFlat(NDArray x, int c, int h, int w) {
        if (x.rank() != 2 || x.size(1) != c * h * w) {
            throw new IllegalArgumentException("feed-forward activations must be [mb, " + (c * h * w) + "] for C=" + c + ", H=" + h
                    + ", W=" + w + ", got " + Arrays.toString(x.shape()));
        }
    }
}
