package org.dl4jbridge.ndarray.ops;

import java.nio.FloatBuffer;
import org.dl4jbridge.ndarray.NDArray;

/** Bulk moves between off-heap buffers and heap rows (native memcpy, not element loops). */
final class Buffers {
    private static final int ZERO_CHUNK = 8192;
    private static final FloatBuffer ZEROS = NDArray.allocate(ZERO_CHUNK);

    private Buffers() {}

    static void zero(FloatBuffer b, int off, int n) {
        if (n <= 16) {
            for (int i = 0; i < n; i++) b.put(off + i, 0f);
            return;
        }
        while (n > 0) {
            int c = Math.min(n, ZERO_CHUNK);
            b.put(off, ZEROS, 0, c);
            off += c;
            n -= c;
        }
    }

    static void copy(FloatBuffer src, int srcOff, FloatBuffer dst, int dstOff, int n) {
        dst.put(dstOff, src, srcOff, n);
    }

    static void load(FloatBuffer src, int srcOff, float[] dst, int dstOff, int n) {
        src.get(srcOff, dst, dstOff, n);
    }

    static void store(float[] src, int srcOff, FloatBuffer dst, int dstOff, int n) {
        dst.put(dstOff, src, srcOff, n);
    }

    /** The array itself when c-order contiguous, else a contiguous copy (a cold path). */
    static NDArray contiguous(NDArray a) {
        return a.isContiguous() ? a : a.dup();
    }

    static void requireContiguous(NDArray a, String what) {
        if (!a.isContiguous()) {
            throw new IllegalArgumentException(what + " must be a contiguous c-order array (kernels write it in place);"
                    + " got strides " + java.util.Arrays.toString(a.stride()) + " for shape "
                    + java.util.Arrays.toString(a.shape()) + "; pass a dup() or a fresh NDArray.zeros");
        }
    }
}
