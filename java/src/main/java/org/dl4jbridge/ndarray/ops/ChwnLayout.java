package org.dl4jbridge.ndarray.ops;

import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.ndarray.Parallel;

/**
 * The batch-innermost layout CHWN, {@code [channel][row][column][image]}, that {@link ChwnMBConv} runs in,
 * and the conversions to and from the engine's NCHW. In CHWN a 1x1 convolution of the whole batch is one
 * GEMM ({@code Y[cout x hw*n] = W[cout x cin] * X[cin x hw*n]}) however small the map, and a depthwise
 * channel's weights are scalars over rows of {@code w * n} floats. The conversions are exact (copies only), so
 * an activation converted back is bit for bit what the kernels computed.
 */
public final class ChwnLayout {
    private ChwnLayout() {}

    /** {@code [n, c, h, w]} -> {@code [c, h, w, n]}. */
    public static int[] chwnShape(int[] nchw) {
        if (nchw.length != 4) throw new IllegalArgumentException("NCHW shape must have rank 4, got " + java.util.Arrays.toString(nchw));
        return new int[] {nchw[1], nchw[2], nchw[3], nchw[0]};
    }

    /** {@code [c, h, w, n]} -> {@code [n, c, h, w]}. */
    public static int[] nchwShape(int[] chwn) {
        if (chwn.length != 4) throw new IllegalArgumentException("CHWN shape must have rank 4, got " + java.util.Arrays.toString(chwn));
        return new int[] {chwn[3], chwn[0], chwn[1], chwn[2]};
    }

    /** Writes NCHW {@code x} into {@code out} ({@code [c, h, w, n]}, contiguous). */
    public static void toChwn(NDArray x, NDArray out) {
        Convolution2D.checkRank4(x, "input");
        Convolution2D.requireShape(out, "CHWN output", chwnShape(x.shape()));
        Buffers.requireContiguous(out, "CHWN output");
        NDArray xc = x.contiguous();
        int n = x.size(0), c = x.size(1), hw = x.size(2) * x.size(3);
        // Per channel: its n planes into a heap block, transposed to pixel-major, stored as one run.
        Parallel.dynamic(c, ch -> {
            ConvWorkspace ws = ConvWorkspace.get();
            float[] src = ws.heap(4, n * hw), dst = ws.heap(5, n * hw);
            for (int i = 0; i < n; i++) Buffers.load(xc.buffer(), xc.offset() + (i * c + ch) * hw, src, i * hw, hw);
            for (int i = 0; i < n; i++) {
                for (int p = 0, s = i * hw; p < hw; p++) dst[p * n + i] = src[s + p];
            }
            Buffers.store(dst, 0, out.buffer(), out.offset() + ch * hw * n, hw * n);
        });
    }

    /** A new NCHW array holding CHWN {@code x} ({@code [c, h, w, n]}). */
    public static NDArray toNchw(NDArray x) {
        NDArray out = NDArray.zeros(nchwShape(x.shape()));
        toNchw(x, out);
        return out;
    }

    /** Writes CHWN {@code x} ({@code [c, h, w, n]}, contiguous) into NCHW {@code out} (contiguous). */
    public static void toNchw(NDArray x, NDArray out) {
        Convolution2D.checkRank4(x, "CHWN input");
        Buffers.requireContiguous(x, "CHWN input");
        Convolution2D.requireShape(out, "NCHW output", nchwShape(x.shape()));
        Buffers.requireContiguous(out, "NCHW output");
        int c = x.size(0), hw = x.size(1) * x.size(2), n = x.size(3);
        Parallel.dynamic(c, ch -> {
            ConvWorkspace ws = ConvWorkspace.get();
            float[] src = ws.heap(4, n * hw), dst = ws.heap(5, n * hw);
            Buffers.load(x.buffer(), x.offset() + ch * hw * n, src, 0, hw * n);
            for (int i = 0; i < n; i++) {
                for (int p = 0, d = i * hw; p < hw; p++) dst[d + p] = src[p * n + i];
            }
            for (int i = 0; i < n; i++) Buffers.store(dst, i * hw, out.buffer(), out.offset() + (i * c + ch) * hw, hw);
        });
    }

    /**
     * Global pooling of CHWN {@code x} into {@code out [n, c]}: per (image, channel) the same arithmetic as
     * {@link GlobalPooling#forward} on the NCHW array (average: {@link Reductions#pooledSum}; max in pixel
     * order), so both layouts give the same floats.
     */
    public static void pool(NDArray x, PoolingType type, NDArray out) {
        Convolution2D.checkRank4(x, "CHWN input");
        Buffers.requireContiguous(x, "CHWN input");
        if (type == null) throw new IllegalArgumentException("pooling type is null; use PoolingType.MAX or AVG");
        int c = x.size(0), hw = x.size(1) * x.size(2), n = x.size(3);
        Convolution2D.requireShape(out, "output", n, c);
        Parallel.dynamic(c, ch -> {
            float[] row = ConvWorkspace.get().heap(4, hw * n);
            Buffers.load(x.buffer(), x.offset() + ch * hw * n, row, 0, hw * n);
            poolRow(row, hw, n, type, out, ch, c);
        });
    }

    /** Pools one channel's {@code [hw][n]} row into column {@code ch} of {@code out [n, c]}. */
    static void poolRow(float[] row, int hw, int n, PoolingType type, NDArray out, int ch, int c) {
        for (int i = 0; i < n; i++) {
            float v;
            if (type == PoolingType.MAX) {
                v = Float.NEGATIVE_INFINITY;
                for (int p = 0; p < hw; p++) v = Math.max(v, row[p * n + i]);
            } else {
                v = (float) (Reductions.pooledSum(row, i, n, hw) / hw);
            }
            out.put(i * c + ch, v);
        }
    }
}
