package org.dl4jbridge.ndarray;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * A float32 n-dimensional array whose elements live off-heap in a direct {@link FloatBuffer}, so
 * native BLAS reads and writes them in place (no copy per call).
 *
 * <p>An array is a window onto a buffer: {@code offset} (in elements), {@code shape} and
 * {@code stride} (in elements). Freshly created arrays are c-order and contiguous. Views share
 * the buffer: DL4J lays a layer's W and b out as views into one flat parameter vector
 * (DL4J_SPEC 2.7), dense W in f-order, which is a strided view here.
 *
 * <p>Element access by flat c-order index ({@link #get(int)}) is for tests and cold paths; hot
 * kernels take {@link #buffer()} and {@link #offset()} and index contiguous data directly.
 */
public final class NDArray {
    private final FloatBuffer buf;
    private final int offset;
    private final int[] shape;
    private final int[] stride;
    private final int length;

    private NDArray(FloatBuffer buf, int offset, int[] shape, int[] stride) {
        this.buf = buf;
        this.offset = offset;
        this.shape = shape.clone();
        this.stride = stride.clone();
        this.length = lengthOf(shape);
    }

    // ---- creation ----------------------------------------------------------------------

    /** Zero-filled c-order array. */
    public static NDArray zeros(int... shape) {
        int n = lengthOf(shape);
        return new NDArray(allocate(n), 0, shape, cStrides(shape));
    }

    /** A c-order array holding a copy of {@code values}. */
    public static NDArray of(float[] values, int... shape) {
        if (lengthOf(shape) != values.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds "
                    + lengthOf(shape) + " elements but " + values.length + " values were given");
        }
        NDArray a = zeros(shape);
        a.buf.put(0, values);
        return a;
    }

    /** Wraps an existing direct buffer (no copy) as a c-order array starting at {@code offset}. */
    public static NDArray wrap(FloatBuffer buffer, int offset, int... shape) {
        if (!buffer.isDirect()) throw new IllegalArgumentException("NDArray needs a direct buffer");
        if (offset < 0 || offset + lengthOf(shape) > buffer.capacity()) {
            throw new IllegalArgumentException("view [" + offset + ", +" + lengthOf(shape)
                    + ") lies outside a buffer of " + buffer.capacity() + " elements");
        }
        return new NDArray(buffer, offset, shape, cStrides(shape));
    }

    /** Allocates an off-heap, native-order float buffer of {@code n} elements (zeroed). */
    public static FloatBuffer allocate(int n) {
        if (n < 0) throw new IllegalArgumentException("negative length " + n);
        long bytes = (long) n * Float.BYTES;
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(n + " floats exceed one direct buffer (2 GiB); use smaller batches");
        }
        return ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    // ---- geometry ----------------------------------------------------------------------

    public int[] shape() { return shape.clone(); }
    public int[] stride() { return stride.clone(); }
    public int rank() { return shape.length; }
    public int size(int dim) { return shape[dim < 0 ? shape.length + dim : dim]; }
    public int length() { return length; }
    public int offset() { return offset; }
    /** The whole backing buffer; index it from {@link #offset()}. */
    public FloatBuffer buffer() { return buf; }

    public boolean isContiguous() {
        int expected = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            if (shape[d] != 1 && stride[d] != expected) return false;
            expected *= shape[d];
        }
        return true;
    }

    // ---- views ---------------------------------------------------------------------------

    /** A c-order view of the same elements with another shape; needs a contiguous array. */
    public NDArray reshape(int... newShape) {
        if (lengthOf(newShape) != length) {
            throw new IllegalArgumentException("cannot reshape " + Arrays.toString(shape) + " ("
                    + length + " elements) to " + Arrays.toString(newShape));
        }
        if (!isContiguous()) return dup().reshape(newShape);
        return new NDArray(buf, offset, newShape, cStrides(newShape));
    }

    /** Contiguous view of {@code count} elements starting {@code start} elements in (flat). */
    public NDArray flatSlice(int start, int count) {
        if (!isContiguous()) throw new IllegalStateException("flatSlice needs a contiguous array");
        if (start < 0 || count < 0 || start + count > length) {
            throw new IndexOutOfBoundsException("slice [" + start + ", " + (start + count) + ") of " + length);
        }
        return new NDArray(buf, offset + start, new int[] {count}, new int[] {1});
    }

    /**
     * View of {@code count} elements starting at {@code start}, laid out in the given order
     * ('c' or 'f') with the given shape: how DL4J carves W and b out of the parameter vector.
     */
    public NDArray flatView(int start, char order, int... viewShape) {
        NDArray flat = flatSlice(start, lengthOf(viewShape));
        int[] s = order == 'f' ? fStrides(viewShape) : cStrides(viewShape);
        return new NDArray(buf, flat.offset, viewShape, s);
    }

    /** Sub-array of the leading dimension: rows [from, to). */
    public NDArray slice0(int from, int to) {
        if (from < 0 || to > shape[0] || from > to) {
            throw new IndexOutOfBoundsException("rows [" + from + ", " + to + ") of " + shape[0]);
        }
        int[] s = shape.clone();
        s[0] = to - from;
        return new NDArray(buf, offset + from * stride[0], s, stride);
    }

    /** Swaps the two dimensions of a rank-2 array (a view). */
    public NDArray transpose() {
        if (shape.length != 2) throw new IllegalStateException("transpose needs rank 2, got " + Arrays.toString(shape));
        return new NDArray(buf, offset, new int[] {shape[1], shape[0]}, new int[] {stride[1], stride[0]});
    }

    // ---- copies -------------------------------------------------------------------------

    /** A fresh contiguous c-order copy. */
    public NDArray dup() {
        NDArray out = zeros(shape);
        out.assign(this);
        return out;
    }

    /**
     * This array when it is c-order contiguous, else a contiguous copy ({@link #dup}): what a kernel that reads
     * plain runs of floats takes; a view is copied once.
     */
    public NDArray contiguous() {
        return isContiguous() ? this : dup();
    }

    /** Copies {@code src} (same shape, any strides) into this array. */
    public NDArray assign(NDArray src) {
        if (!Arrays.equals(shape, src.shape)) {
            throw new IllegalArgumentException("assign: shape " + Arrays.toString(src.shape)
                    + " into " + Arrays.toString(shape));
        }
        if (isContiguous() && src.isContiguous()) {
            FloatBuffer s = src.buf.duplicate();
            s.position(src.offset).limit(src.offset + length);
            FloatBuffer d = buf.duplicate();
            d.position(offset);
            d.put(s);
            return this;
        }
        for (int i = 0; i < length; i++) put(i, src.get(i));
        return this;
    }

    public NDArray assign(float value) {
        if (isContiguous()) {
            // Bulk copies of a filled chunk (a network's gradient vector is zeroed every step: 538 MB for VGG16).
            float[] chunk = new float[Math.min(length, 8192)];
            if (value != 0f) java.util.Arrays.fill(chunk, value);
            for (int i = 0; i < length; i += chunk.length) buf.put(offset + i, chunk, 0, Math.min(chunk.length, length - i));
        } else {
            for (int i = 0; i < length; i++) put(i, value);
        }
        return this;
    }

    /** Elements in c-order as a heap array (a copy). */
    public float[] toFloatArray() {
        float[] out = new float[length];
        if (isContiguous()) {
            buf.get(offset, out);
        } else {
            for (int i = 0; i < length; i++) out[i] = get(i);
        }
        return out;
    }

    // ---- element access (flat c-order index) ---------------------------------------------

    public float get(int flatIndex) { return buf.get(bufferIndex(flatIndex)); }
    public void put(int flatIndex, float v) { buf.put(bufferIndex(flatIndex), v); }

    public float getAt(int... idx) { return buf.get(indexOf(idx)); }
    public void putAt(float v, int... idx) { buf.put(indexOf(idx), v); }

    private int bufferIndex(int flat) {
        if (flat < 0 || flat >= length) throw new IndexOutOfBoundsException(flat + " of " + length);
        int pos = offset;
        for (int d = shape.length - 1; d >= 0; d--) {
            int i = flat % shape[d];
            flat /= shape[d];
            pos += i * stride[d];
        }
        return pos;
    }

    private int indexOf(int[] idx) {
        if (idx.length != shape.length) {
            throw new IllegalArgumentException(idx.length + " indices for rank " + shape.length);
        }
        int pos = offset;
        for (int d = 0; d < idx.length; d++) {
            if (idx[d] < 0 || idx[d] >= shape[d]) {
                throw new IndexOutOfBoundsException("index " + idx[d] + " in dimension " + d + " of size " + shape[d]);
            }
            pos += idx[d] * stride[d];
        }
        return pos;
    }

    // ---- shape helpers --------------------------------------------------------------------

    public static int lengthOf(int[] shape) {
        long n = 1;
        for (int s : shape) {
            if (s < 0) throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            n *= s;
        }
        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("array " + Arrays.toString(shape) + " too large");
        return (int) n;
    }

    public static int[] cStrides(int[] shape) {
        int[] s = new int[shape.length];
        int acc = 1;
        for (int d = shape.length - 1; d >= 0; d--) { s[d] = acc; acc *= shape[d]; }
        return s;
    }

    public static int[] fStrides(int[] shape) {
        int[] s = new int[shape.length];
        int acc = 1;
        for (int d = 0; d < shape.length; d++) { s[d] = acc; acc *= shape[d]; }
        return s;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("NDArray").append(Arrays.toString(shape)).append(' ');
        int n = Math.min(length, 8);
        sb.append('[');
        for (int i = 0; i < n; i++) { if (i > 0) sb.append(", "); sb.append(get(i)); }
        if (length > n) sb.append(", ...");
        return sb.append(']').toString();
    }
}
