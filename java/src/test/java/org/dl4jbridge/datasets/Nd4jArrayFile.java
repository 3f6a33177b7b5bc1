package org.dl4jbridge.datasets;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Minimal reader of ND4J's binary array format (DL4J_SPEC section 2) for the image-loader fixtures:
 * c-order FLOAT arrays in the beta2+ (int64 lengths) or legacy (int32 lengths) header forms.
 */
final class Nd4jArrayFile {
    record Array(int[] shape, float[] data) {}

    private Nd4jArrayFile() {}

    static Array read(Path path) throws IOException {
        try (InputStream raw = Files.newInputStream(path); DataInputStream in = new DataInputStream(raw)) {
            long[] shapeInfo = readLongBuffer(in);
            int rank = (int) shapeInfo[0];
            if ((char) shapeInfo[shapeInfo.length - 1] != 'c') throw new IOException(path + ": only c-order arrays");
            int[] shape = new int[rank];
            for (int i = 0; i < rank; i++) shape[i] = (int) shapeInfo[1 + i];
            String mode = in.readUTF();
            long n = legacy(mode) ? in.readInt() : in.readLong();
            String type = in.readUTF();
            if (!type.equals("FLOAT")) throw new IOException(path + ": data type " + type + ", expected FLOAT");
            float[] data = new float[(int) n];
            for (int i = 0; i < n; i++) data[i] = in.readFloat();
            return new Array(shape, data);
        }
    }

    private static boolean legacy(String mode) {
        return mode.equals("DIRECT") || mode.equals("HEAP") || mode.equals("JAVACPP");
    }

    private static long[] readLongBuffer(DataInputStream in) throws IOException {
        String mode = in.readUTF();
        long n = legacy(mode) ? in.readInt() : in.readLong();
        String type = in.readUTF();
        long[] out = new long[(int) n];
        for (int i = 0; i < n; i++) out[i] = type.equals("INT") ? in.readInt() : in.readLong();
        return out;
    }
}
