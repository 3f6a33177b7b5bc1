package org.dl4jbridge.bench;

import java.nio.FloatBuffer;
import java.util.SplittableRandom;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.ndarray.Parallel;

/** Random weights and small element-wise steps for the benchmark networks (not the engine's ops). */
final class BenchArrays {
    private BenchArrays() {}

    /** Uniform in [-scale, scale), filled in heap chunks and bulk-copied off-heap. */
    static NDArray uniform(SplittableRandom rnd, float scale, int... shape) {
        NDArray a = NDArray.zeros(shape);
        float[] chunk = new float[1 << 16];
        int n = a.length();
        for (int off = 0; off < n; off += chunk.length) {
            int len = Math.min(chunk.length, n - off);
            for (int i = 0; i < len; i++) chunk[i] = (float) ((rnd.nextDouble() * 2 - 1) * scale);
            a.buffer().put(a.offset() + off, chunk, 0, len);
        }
        return a;
    }

    /** He-style scale for a layer with {@code fanIn} inputs, so activations stay O(1) through depth. */
    static float heScale(int fanIn) {
        return (float) Math.sqrt(6.0 / fanIn);
    }

    /** {@code y += x} over contiguous arrays of equal length (the MBConv residual). */
    static void addInPlace(NDArray y, NDArray x) {
        int n = y.length();
        int chunk = 1 << 14;
        int chunks = (n + chunk - 1) / chunk;
        Parallel.range(chunks, (lo, hi) -> {
            float[] a = new float[chunk], b = new float[chunk];
            for (int c = lo; c < hi; c++) {
                int off = c * chunk, len = Math.min(chunk, n - off);
                y.buffer().get(y.offset() + off, a, 0, len);
                x.buffer().get(x.offset() + off, b, 0, len);
                for (int i = 0; i < len; i++) a[i] += b[i];
                y.buffer().put(y.offset() + off, a, 0, len);
            }
        });
    }

    /** {@code out[r, :] = max(out[r, :] + bias, 0)} for a [rows, cols] row-major block (dense layers). */
    static void biasRelu(FloatBuffer out, int off, int rows, int cols, NDArray bias) {
        float[] b = bias.toFloatArray();
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            out.get(off + r * cols, row, 0, cols);
            for (int i = 0; i < cols; i++) row[i] = Math.max(row[i] + b[i], 0f);
            out.put(off + r * cols, row, 0, cols);
        }
    }

    /** A c-order view of the first elements of {@code buf} with the given shape. */
    static NDArray view(FloatBuffer buf, int... shape) {
        return NDArray.wrap(buf, 0, shape);
    }
}
