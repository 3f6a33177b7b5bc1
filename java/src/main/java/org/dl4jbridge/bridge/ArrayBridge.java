package org.dl4jbridge.bridge;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.dl4jbridge.ndarray.NDArray;

/**
 * How numpy arrays cross into the engine and back: one flat buffer plus a shape per call, never
 * element by element (pyjnius turns a Python list into float[] at about 16 ms per image).
 *
 * <p>Two paths: {@link #address} lets Python memmove straight into or out of the array's
 * off-heap memory (several GB/s), and {@link #fromBytes}/{@link #toBytes} copy through one
 * byte[] (bytes <-> byte[] is a single JNI copy). Both use the platform's native byte order,
 * which is numpy's float32 layout.
 */
public final class ArrayBridge {
    private ArrayBridge() {}

    /** A fresh zeroed c-order array for Python to fill through {@link #address}. */
    public static NDArray allocate(int[] shape) {
        return NDArray.zeros(shape);
    }

    /**
     * Address of the first element of a contiguous array, for ctypes.memmove on the Python side.
     * The array must stay referenced while the address is used (the Python wrapper holds it).
     */
    public static long address(NDArray array) {
        if (!array.isContiguous()) {
            throw new IllegalArgumentException("address() needs a contiguous array; call dup() first");
        }
        Pointer base = Native.getDirectBufferPointer(array.buffer());
        return Pointer.nativeValue(base) + (long) array.offset() * Float.BYTES;
    }

    /** Builds an array from native-order float32 bytes. */
    public static NDArray fromBytes(byte[] data, int[] shape) {
        int n = NDArray.lengthOf(shape);
        if (data.length != (long) n * Float.BYTES) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + (long) n * Float.BYTES
                    + " bytes of float32 data but " + data.length + " bytes arrived");
        }
        NDArray out = NDArray.zeros(shape);
        java.nio.FloatBuffer src = ByteBuffer.wrap(data).order(ByteOrder.nativeOrder()).asFloatBuffer();
        java.nio.FloatBuffer dst = out.buffer().duplicate();
        dst.position(out.offset());
        dst.put(src);
        return out;
    }

    /** The array's elements in c-order as native-order float32 bytes. */
    public static byte[] toBytes(NDArray array) {
        NDArray c = array.contiguous();
        byte[] out = new byte[c.length() * Float.BYTES];
        java.nio.FloatBuffer src = c.buffer().duplicate();
        src.position(c.offset()).limit(c.offset() + c.length());
        ByteBuffer.wrap(out).order(ByteOrder.nativeOrder()).asFloatBuffer().put(src);
        return out;
    }
}
