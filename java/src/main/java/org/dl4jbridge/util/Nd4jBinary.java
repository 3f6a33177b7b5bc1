package org.dl4jbridge.util;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.dl4jbridge.bridge.Interrupts;
import org.dl4jbridge.ndarray.NDArray;

/**
 * ND4J's binary array format ({@code Nd4j.write} / {@code Nd4j.read}; DL4J_SPEC section 2): the
 * format of {@code coefficients.bin} and {@code updaterState.bin} inside model zips and of loose
 * {@code *.bin} arrays.
 *
 * <p>Reading accepts every header generation DL4J has written (JAVACPP/DIRECT/HEAP with int32
 * lengths and INT shape info, LONG_SHAPE, MIXED_DATA_TYPES) and every numeric data type, converted
 * to the engine's float32; 'f'-ordered arrays come back c-ordered with each element in its place.
 * Writing produces the beta4 … M2.1 form: MIXED_DATA_TYPES, LONG shape info with extras 8192
 * (FLOAT), FLOAT data, big-endian, c order.
 *
 * <p>Bad input raises {@link ModelFormatException} naming the source; declared lengths are checked
 * against the bytes that remain before anything is allocated, so a corrupt length cannot exhaust
 * memory.
 */
public final class Nd4jBinary {
    /** Shape-info extras flag of a float32 array (ArrayOptionsHelper / ArrayOptions.h). */
    static final long EXTRAS_FLOAT = 8192;
    /** Array-type bit of an empty array. */
    static final long EXTRAS_EMPTY = 8;
    static final String MODE_CURRENT = "MIXED_DATA_TYPES";

    private Nd4jBinary() {}

    /** What the file's two buffer headers said, kept for diagnostics and format tests. */
    public record Header(String shapeInfoMode, String shapeInfoType, int[] shape, long[] stride,
                         long extras, long elementWiseStride, char order,
                         String dataMode, String dataType) {}

    /** An array read from a file together with the header it was read from. */
    public record Decoded(NDArray array, Header header) {}

    // ---- reading --------------------------------------------------------------------------

    public static NDArray read(Path file) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            return read(in, file.getFileName().toString(), Files.size(file));
        }
    }

    /** Reads one array; the stream is left positioned after it (arrays may follow each other). */
    public static NDArray read(InputStream in) throws IOException {
        return read(in, "array", -1);
    }

    public static NDArray read(InputStream in, String source) throws IOException {
        return read(in, source, -1);
    }

    /**
     * @param source    the file or zip entry name used in error messages
     * @param byteLimit bytes left in {@code in}, or -1 when unknown; used to reject lengths the
     *                  input cannot hold before allocating for them
     */
    public static NDArray read(InputStream in, String source, long byteLimit) throws IOException {
        return readDecoded(in, source, byteLimit).array();
    }

    public static Decoded readDecoded(InputStream in, String source, long byteLimit) throws IOException {
        return new Nd4jBinaryReader(in, source, byteLimit).readArray();
    }

    // ---- writing --------------------------------------------------------------------------

    /** Writes {@code array} with its own shape; the stream is flushed, not closed. */
    public static void write(NDArray array, OutputStream out) throws IOException {
        DataOutputStream data = new DataOutputStream(new BufferedOutputStream(nonClosing(out), 1 << 16));
        long[] shapeInfo = shapeInfo(array.shape());
        data.writeUTF(MODE_CURRENT);
        data.writeLong(shapeInfo.length);
        data.writeUTF("LONG");
        for (long v : shapeInfo) data.writeLong(v);

        int n = array.length();
        data.writeUTF(MODE_CURRENT);
        data.writeLong(n);
        data.writeUTF("FLOAT");
        writeFloatsBigEndian(array.contiguous(), data);
        data.flush();
    }

    private static void writeFloatsBigEndian(NDArray contiguous, OutputStream out) throws IOException {
        FloatBuffer src = contiguous.buffer().duplicate();
        src.position(contiguous.offset()).limit(contiguous.offset() + contiguous.length());
        byte[] chunk = new byte[1 << 16];
        ByteBuffer bytes = ByteBuffer.wrap(chunk).order(ByteOrder.BIG_ENDIAN);
        FloatBuffer floats = bytes.asFloatBuffer();
        while (src.hasRemaining()) {
            // A model zip is written atomically, so stopping here for Ctrl-C leaves the old file (or none).
            Interrupts.check("writing the model's parameters");
            int count = Math.min(src.remaining(), chunk.length / Float.BYTES);
            floats.clear();
            FloatBuffer part = src.slice().limit(count);
            floats.put(part);
            src.position(src.position() + count);
            out.write(chunk, 0, count * Float.BYTES);
        }
    }

    public static byte[] toBytes(NDArray array) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + array.length() * Float.BYTES);
        try {
            write(array, bytes);
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory cannot fail", e);
        }
        return bytes.toByteArray();
    }

    /**
     * {@code [rank, shape, stride, extras, ews, 'c']} as ND4J writes it. ND4J gives rank-2 vectors
     * ({@code [1,N]} or {@code [N,1]}) the strides {@code [1,1]} (observed in every DL4J-written
     * parameter file), other shapes plain c-order strides.
     */
    static long[] shapeInfo(int[] shape) {
        int rank = shape.length;
        long[] info = new long[2 * rank + 4];
        info[0] = rank;
        int[] strides = NDArray.cStrides(shape);
        boolean vector2d = rank == 2 && (shape[0] == 1 || shape[1] == 1);
        for (int d = 0; d < rank; d++) {
            info[1 + d] = shape[d];
            info[1 + rank + d] = vector2d ? 1 : strides[d];
        }
        long extras = EXTRAS_FLOAT;
        if (NDArray.lengthOf(shape) == 0) extras |= EXTRAS_EMPTY;
        info[1 + 2 * rank] = extras;
        info[2 + 2 * rank] = 1;
        info[3 + 2 * rank] = 'c';
        return info;
    }

    private static OutputStream nonClosing(OutputStream out) {
        return new java.io.FilterOutputStream(out) {
            @Override public void write(byte[] b, int off, int len) throws IOException { out.write(b, off, len); }
            @Override public void close() throws IOException { flush(); }
        };
    }
}
