package org.dl4jbridge.util;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.dl4jbridge.bridge.Interrupts;
import org.dl4jbridge.ndarray.NDArray;

/**
 * Decodes one ND4J binary array (DL4J_SPEC 2.2–2.5) from a stream, counting bytes so that every
 * error can say how far the input got. One instance per array.
 */
final class Nd4jBinaryReader {
    /** AllocationMode names in ordinal order; the first three use int32 lengths. */
    private static final List<String> MODES = List.of("DIRECT", "HEAP", "JAVACPP", "LONG_SHAPE", "MIXED_DATA_TYPES");
    private static final Set<String> INT_LENGTH_MODES = Set.of("DIRECT", "HEAP", "JAVACPP");
    private static final int MAX_RANK = 32;
    /** Below this many bytes a declared length is trusted enough to allocate for it up front. */
    private static final long EAGER_ALLOCATION_BYTES = 64L << 20;
    private static final int CHUNK = 1 << 16;

    private final InputStream in;
    private final String source;
    private final long byteLimit;
    private long consumed;
    private long dataStart;

    Nd4jBinaryReader(InputStream in, String source, long byteLimit) {
        this.in = in;
        this.source = source;
        this.byteLimit = byteLimit;
    }

    Nd4jBinary.Decoded readArray() throws IOException {
        String infoMode = readMode("shape-info buffer");
        long infoLength = readLength(infoMode, "shape-info buffer");
        String infoType = readUtf("shape-info data type");
        if (!infoType.equals("INT") && !infoType.equals("LONG")) {
            throw error("shape-info buffer has data type '" + infoType + "'; expected INT or LONG");
        }
        if (infoLength < 4 || infoLength > 2L * MAX_RANK + 4) {
            throw error("shape-info buffer declares " + infoLength + " values; an array of rank 0.."
                    + MAX_RANK + " has 4.." + (2 * MAX_RANK + 4));
        }
        long[] info = new long[(int) infoLength];
        for (int i = 0; i < info.length; i++) {
            info[i] = infoType.equals("INT") ? readInt("shape info") : readLong("shape info");
        }
        long rank = info[0];
        if (rank < 0 || rank > MAX_RANK || info.length != 2 * rank + 4) {
            throw error("shape info declares rank " + rank + " in a buffer of " + info.length
                    + " values (expected 2*rank+4)");
        }
        int r = (int) rank;
        int[] shape = new int[r];
        long[] stride = new long[r];
        long count = 1;
        for (int d = 0; d < r; d++) {
            long dim = info[1 + d];
            if (dim < 0 || dim > Integer.MAX_VALUE) throw error("dimension " + d + " has size " + dim);
            shape[d] = (int) dim;
            count *= dim;
            if (count > Integer.MAX_VALUE) {
                throw error("shape " + Arrays.toString(Arrays.copyOf(info, r + 1)) + " holds more than "
                        + Integer.MAX_VALUE + " elements, the engine's limit per array");
            }
            stride[d] = info[1 + r + d];
        }
        long extras = info[1 + 2 * r];
        long ews = info[2 + 2 * r];
        long orderCode = info[3 + 2 * r];
        if (orderCode != 'c' && orderCode != 'f') {
            throw error("shape info ends with order code " + orderCode + "; expected 99 ('c') or 102 ('f')");
        }
        char order = (char) orderCode;

        String dataMode = readMode("data buffer");
        long dataLength = readLength(dataMode, "data buffer");
        String dataType = readUtf("data type");
        if (dataLength != count) {
            throw error("shape " + Arrays.toString(shape) + " holds " + count + " elements but the data buffer declares "
                    + dataLength);
        }
        FloatBuffer data = readData(dataType, (int) count);
        NDArray array = toCOrder(data, shape, stride, order);
        Nd4jBinary.Header header = new Nd4jBinary.Header(infoMode, infoType, shape, stride, extras, ews, order,
                dataMode, dataType);
        return new Nd4jBinary.Decoded(array, header);
    }

    // ---- data -------------------------------------------------------------------------------

    private static int widthOf(String type) {
        return switch (type) {
            case "DOUBLE", "LONG", "UINT64" -> 8;
            case "FLOAT", "INT", "UINT32" -> 4;
            case "HALF", "BFLOAT16", "SHORT", "UINT16" -> 2;
            case "BYTE", "UBYTE", "BOOL" -> 1;
            default -> -1;
        };
    }

    private FloatBuffer readData(String type, int count) throws IOException {
        dataStart = consumed;
        int width = widthOf(type);
        if (width < 0) {
            throw error("data type '" + type + "' cannot be read (supported: DOUBLE, FLOAT, HALF, BFLOAT16, LONG, INT, "
                    + "SHORT, BYTE, UBYTE, BOOL and their unsigned forms)");
        }
        long bytes = (long) count * width;
        if (byteLimit >= 0 && bytes > byteLimit - consumed) {
            long left = Math.max(0, byteLimit - consumed);
            throw error("array header declares " + count + " " + type + " elements but the entry ends after "
                    + left / width + " (" + bytes + " bytes needed, " + left + " left)");
        }
        if (byteLimit >= 0 || bytes <= EAGER_ALLOCATION_BYTES) {
            FloatBuffer out = NDArray.allocate(count);
            decodeStream(type, width, count, out);
            return out;
        }
        // Unknown input size and a large declared length: collect the bytes first, so a corrupt
        // length fails on the missing bytes instead of allocating gigabytes for them.
        List<byte[]> chunks = new ArrayList<>();
        long left = bytes;
        while (left > 0) {
            byte[] chunk = new byte[(int) Math.min(left, 16L << 20)];
            readFully(chunk, chunk.length, count, type, width);
            chunks.add(chunk);
            left -= chunk.length;
        }
        FloatBuffer out = NDArray.allocate(count);
        for (byte[] chunk : chunks) decodeChunk(type, width, chunk, chunk.length, out);
        return out;
    }

    private void decodeStream(String type, int width, int count, FloatBuffer out) throws IOException {
        byte[] chunk = new byte[CHUNK];
        long left = (long) count * width;
        while (left > 0) {
            int n = (int) Math.min(left, chunk.length);
            readFully(chunk, n, count, type, width);
            decodeChunk(type, width, chunk, n, out);
            left -= n;
        }
    }

    private static void decodeChunk(String type, int width, byte[] chunk, int n, FloatBuffer out) {
        ByteBuffer bb = ByteBuffer.wrap(chunk, 0, n).order(ByteOrder.BIG_ENDIAN);
        int elements = n / width;
        switch (type) {
            case "FLOAT" -> out.put(bb.asFloatBuffer().limit(elements));
            case "DOUBLE" -> { for (int i = 0; i < elements; i++) out.put((float) bb.getDouble()); }
            case "HALF" -> { for (int i = 0; i < elements; i++) out.put(HalfFloat.toFloat(bb.getShort())); }
            case "BFLOAT16" -> { for (int i = 0; i < elements; i++) out.put(HalfFloat.bfloat16ToFloat(bb.getShort())); }
            case "LONG" -> { for (int i = 0; i < elements; i++) out.put((float) bb.getLong()); }
            case "UINT64" -> { for (int i = 0; i < elements; i++) out.put(unsignedLongToFloat(bb.getLong())); }
            case "INT" -> { for (int i = 0; i < elements; i++) out.put((float) bb.getInt()); }
            case "UINT32" -> { for (int i = 0; i < elements; i++) out.put((float) (bb.getInt() & 0xffffffffL)); }
            case "SHORT" -> { for (int i = 0; i < elements; i++) out.put((float) bb.getShort()); }
            case "UINT16" -> { for (int i = 0; i < elements; i++) out.put((float) (bb.getShort() & 0xffff)); }
            case "BYTE" -> { for (int i = 0; i < elements; i++) out.put((float) bb.get()); }
            case "UBYTE", "BOOL" -> { for (int i = 0; i < elements; i++) out.put((float) (bb.get() & 0xff)); }
            default -> throw new IllegalStateException("unhandled type " + type);
        }
    }

    private static float unsignedLongToFloat(long v) {
        return v >= 0 ? (float) v : (float) ((v >>> 1) * 2.0);
    }

    /**
     * Rearranges the elements (in buffer order) into a c-order array. DL4J writes dense arrays
     * only, so the strides must be the dense c- or f-strides of the shape; which one decides the
     * element positions (dimensions of size 1 take any stride, as ND4J's row vectors show).
     */
    private NDArray toCOrder(FloatBuffer data, int[] shape, long[] stride, char order) throws ModelFormatException {
        boolean isC = stridesMatch(shape, stride, NDArray.cStrides(shape));
        boolean isF = stridesMatch(shape, stride, NDArray.fStrides(shape));
        if (!isC && !isF) {
            throw error("strides " + Arrays.toString(stride) + " do not describe a dense array of shape "
                    + Arrays.toString(shape) + " (order '" + order + "')");
        }
        NDArray flat = NDArray.wrap(data, 0, shape);
        boolean useC = isC && (order == 'c' || !isF);
        if (useC) return flat;
        NDArray fView = NDArray.wrap(data, 0, NDArray.lengthOf(shape)).flatView(0, 'f', shape);
        return fView.dup();
    }

    private static boolean stridesMatch(int[] shape, long[] actual, int[] dense) {
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] > 1 && actual[d] != dense[d]) return false;
        }
        return true;
    }

    // ---- primitives ---------------------------------------------------------------------------

    private String readMode(String what) throws IOException {
        String mode = readUtf(what + " allocation mode");
        if (!MODES.contains(mode)) {
            throw error(what + " starts with allocation mode '" + printable(mode) + "'; expected one of " + MODES
                    + " (is this an ND4J binary array?)");
        }
        return mode;
    }

    private long readLength(String mode, String what) throws IOException {
        long n = INT_LENGTH_MODES.contains(mode) ? readInt(what + " length") : readLong(what + " length");
        if (n < 0) throw error(what + " declares a negative length " + n);
        return n;
    }

    private String readUtf(String what) throws IOException {
        byte[] len = new byte[2];
        readExactly(len, 2, what);
        int n = ((len[0] & 0xff) << 8) | (len[1] & 0xff);
        if (n > 64) throw error(what + " is a string of " + n + " bytes; ND4J's names are short (corrupt header?)");
        byte[] text = new byte[n];
        readExactly(text, n, what);
        return new String(text, StandardCharsets.UTF_8);
    }

    private int readInt(String what) throws IOException {
        byte[] b = new byte[4];
        readExactly(b, 4, what);
        return ByteBuffer.wrap(b).getInt();
    }

    private long readLong(String what) throws IOException {
        byte[] b = new byte[8];
        readExactly(b, 8, what);
        return ByteBuffer.wrap(b).getLong();
    }

    private void readExactly(byte[] b, int n, String what) throws IOException {
        int got = readUpTo(b, n);
        if (got < n) throw error("input ends after " + consumed + " bytes, inside the " + what);
    }

    private void readFully(byte[] b, int n, int count, String type, int width) throws IOException {
        Interrupts.check("reading the model's parameters");  // VGG16's 138 M parameters take seconds
        int got = readUpTo(b, n);
        if (got < n) {
            throw error("array header declares " + count + " " + type + " elements but the entry ends after "
                    + (consumed - dataStart) / width);
        }
    }

    private int readUpTo(byte[] b, int n) throws IOException {
        int off = 0;
        while (off < n) {
            int k = in.read(b, off, n - off);
            if (k < 0) break;
            off += k;
        }
        consumed += off;
        return off;
    }

    private static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) sb.append(c >= 32 && c < 127 ? c : '?');
        return sb.toString();
    }

    private ModelFormatException error(String what) {
        return new ModelFormatException(source + ": " + what);
    }
}
