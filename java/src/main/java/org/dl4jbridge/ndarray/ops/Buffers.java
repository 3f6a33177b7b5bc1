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

    static void requireContiguous(NDArray a, String what) {
        if (!a.isContiguous()) {
            throw new IllegalArgumentException(what + " must be a contiguous c-order array (kernels write it in place);"
                    + " got strides " + java.util.Arrays.toString(a.stride()) + " for shape "
                    + java.util.Arrays.toString(a.shape()) + "; pass a dup() or a fresh NDArray.zeros");
        }
    }

    /**
     * Throws unless {@code out} and {@code in} touch disjoint parts of memory: kernels that write their output
     * while still reading an input (tiles, strips, GEMMs) would otherwise read values they already overwrote.
     */
    static void requireSeparate(NDArray out, String outName, NDArray in, String inName) {
        if (in == null || in.buffer() != out.buffer()) return;
        long[] ri = span(in), ro = span(out);
        if (ri[0] < ro[1] && ro[0] < ri[1]) {
            throw new IllegalArgumentException(outName + " overlaps " + inName
                    + " in the same buffer; write the result into a separate array");
        }
    }

    /** [first, last+1) buffer positions a view can touch. */
    private static long[] span(NDArray x) {
        long lo = x.offset(), hi = x.offset();
        int[] sh = x.shape(), st = x.stride();
        for (int d = 0; d < sh.length; d++) {
            if (sh[d] == 0) return new long[] {x.offset(), x.offset()};
            long ext = (long) (sh[d] - 1) * st[d];
            if (ext >= 0) hi += ext; else lo += ext;
        }
        return new long[] {lo, hi + 1};
    }
}
