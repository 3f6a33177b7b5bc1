package org.dl4jbridge.util;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.testutil.Npz;
import org.junit.jupiter.api.Test;

class Nd4jBinaryTest {
    private static final Path FIX = Npz.fixtures();
    private static final Path HEADERS = FIX.resolve("array_headers");

    private static NDArray header(String name) throws IOException {
        return Nd4jBinary.read(HEADERS.resolve("CustomLayerExample_" + name + ".bin"));
    }

    @Test
    void everyHeaderGenerationReads() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(HEADERS)) { files = s.sorted().toList(); }
        assertEquals(13, files.size(), "array_headers fixture count");
        for (Path f : files) {
            NDArray a = Nd4jBinary.read(f);
            assertEquals(2, a.rank(), f.toString());
            assertEquals(3, a.size(0), f + ": every CustomLayerExample array has 3 examples");
        }
        String[][] pairs = {{"Input_100a", "Output_100a"}, {"Input_100b3_double", "Output_100b3_double"},
                {"Input_100b3_float", "Output_100b3_float"}, {"Input_100b6_double", "Output_100b6_double"},
                {"Input_100b6_float", "Output_100b6_float"}, {"Input_100b6_half", "Output_100b6_half"}};
        for (String[] p : pairs) {
            assertEquals(header(p[0]).size(0), header(p[1]).size(0), p[0] + " vs " + p[1]);
            assertArrayEquals(new int[] {3, 5}, header(p[0]).shape(), p[0]);
            assertArrayEquals(new int[] {3, 8}, header(p[1]).shape(), p[1]);
        }
    }

    @Test
    void headerGenerationsAreRecognised() throws IOException {
        String[][] expected = {{"Input_100a", "JAVACPP", "INT", "DOUBLE"},
                {"Input_100b3_float", "LONG_SHAPE", "LONG", "FLOAT"},
                {"Input_100b6_half", "MIXED_DATA_TYPES", "LONG", "HALF"}};
        for (String[] e : expected) {
            Path f = HEADERS.resolve("CustomLayerExample_" + e[0] + ".bin");
            try (var in = Files.newInputStream(f)) {
                Nd4jBinary.Header h = Nd4jBinary.readDecoded(in, f.toString(), Files.size(f)).header();
                assertEquals(e[1], h.shapeInfoMode(), e[0]);
                assertEquals(e[2], h.shapeInfoType(), e[0]);
                assertEquals(e[3], h.dataType(), e[0]);
            }
        }
    }

    @Test
    void sameArrayInEveryPrecisionAgrees() throws IOException {
        // DL4J wrote the same inputs as double, float and half: the decodings must agree to
        // each format's precision.
        float[] d = header("Input_100b6_double").toFloatArray();
        float[] f = header("Input_100b6_float").toFloatArray();
        float[] h = header("Input_100b6_half").toFloatArray();
        for (int i = 0; i < d.length; i++) {
            assertEquals(d[i], f[i], 1e-7f, "float vs double at " + i);
            assertEquals(d[i], h[i], Math.abs(d[i]) * 1e-3f + 1e-4f, "half vs double at " + i);
        }
        assertArrayEquals(header("Input_100b3_double").toFloatArray(), header("Input_100a").toFloatArray(), 1e-7f);
    }

    @Test
    void fOrderedArrayComesBackWithElementsInPlace() throws IOException {
        // The 100a outputs are softmax rows stored in 'f' order: only the right element
        // positions make each row sum to 1 (read as c order, the sums are 0.94, 0.67, 1.39).
        for (String name : List.of("Output_100a", "Graph_Output_100a", "Output_100b6_float", "Output_100b3_double")) {
            NDArray a = header(name);
            for (int r = 0; r < 3; r++) {
                double sum = 0;
                for (int c = 0; c < 8; c++) sum += a.getAt(r, c);
                assertEquals(1.0, sum, 1e-5, name + " row " + r);
            }
        }
    }

    @Test
    void integrationTestArraysRead() throws IOException {
        NDArray flat = Nd4jBinary.read(FIX.resolve("MLPMoon/flattenedGradients.bin"));
        assertArrayEquals(new int[] {1, 102}, flat.shape());
        NDArray w0 = Nd4jBinary.read(FIX.resolve("MLPMoon/gradients/0_W.bin"));
        assertArrayEquals(new int[] {2, 20}, w0.shape());
        // DL4J_SPEC 9.2: the flattened vector holds dense W in f order.
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 20; j++) assertEquals(w0.getAt(i, j), flat.get(i + 2 * j), 0f);
        }
        NDArray b0 = Nd4jBinary.read(FIX.resolve("MLPMoon/gradients/0_b.bin"));
        for (int j = 0; j < 20; j++) assertEquals(b0.get(j), flat.get(40 + j), 0f);
        assertArrayEquals(new int[] {1, 102}, Nd4jBinary.read(FIX.resolve("MLPMoon/paramsPostTrain.bin")).shape());
        assertArrayEquals(new int[] {10, 2}, Nd4jBinary.read(FIX.resolve("MLPMoon/predictions/output_1_0.bin")).shape());

        NDArray lenet = Nd4jBinary.read(FIX.resolve("LenetMnist/flattenedGradients.bin"));
        assertArrayEquals(new int[] {1, 431080}, lenet.shape());
        NDArray lb = Nd4jBinary.read(FIX.resolve("LenetMnist/gradients/0_b.bin"));
        NDArray lw = Nd4jBinary.read(FIX.resolve("LenetMnist/gradients/0_W.bin"));
        assertArrayEquals(new int[] {20, 1, 5, 5}, lw.shape());
        for (int i = 0; i < 20; i++) assertEquals(lb.get(i), lenet.get(i), 0f);
        for (int i = 0; i < 500; i++) assertEquals(lw.get(i), lenet.get(20 + i), 0f);
        assertEquals(431080, Nd4jBinary.read(FIX.resolve("LenetMnist/paramsPostTrain.bin")).length());

        NDArray in = Nd4jBinary.read(FIX.resolve("upsampling_100a/in.bin"));
        assertArrayEquals(new int[] {3, 1, 28, 28}, in.shape());
        assertArrayEquals(new int[] {1, 94178}, Nd4jBinary.read(FIX.resolve("upsampling_100a/gradient.bin")).shape());
    }

    @Test
    void regressionCoefficientsHoldOneToN() throws IOException {
        int checked = 0;
        for (String release : List.of("050", "060", "071")) {
            try (Stream<Path> s = Files.list(FIX.resolve("regression_" + release))) {
                for (Path zip : s.sorted().toList()) {
                    try (ZipFile z = new ZipFile(zip.toFile())) {
                        ZipEntry e = z.getEntry("coefficients.bin");
                        NDArray p = Nd4jBinary.read(z.getInputStream(e), zip.getFileName() + ":coefficients.bin",
                                e.getSize());
                        assertEquals(2, p.rank());
                        assertEquals(1, p.size(0));
                        for (int i = 0; i < p.length(); i++) assertEquals(i + 1, p.get(i), 0f, zip + " at " + i);
                        checked++;
                    }
                }
            }
        }
        assertTrue(checked >= 8, "regression zips found: " + checked);
    }

    @Test
    void dl4jWrittenCurrentFormatFilesAreReproducedByteForByte() throws IOException {
        for (String f : List.of("MLPMoon/predictions/output_1_0.bin", "MLPMoon/paramsPostTrain.bin",
                "MLPMoon/gradients/1_W.bin", "array_headers/CustomLayerExample_Output_100b6_float.bin")) {
            byte[] original = Files.readAllBytes(FIX.resolve(f));
            NDArray a = Nd4jBinary.read(new ByteArrayInputStream(original), f);
            assertArrayEquals(original, Nd4jBinary.toBytes(a), f);
        }
    }

    @Test
    void roundTripIsExact() throws IOException {
        float[] v = new float[24];
        for (int i = 0; i < v.length; i++) v[i] = (float) Math.sin(i) * 1e3f;
        for (int[] shape : new int[][] {{24}, {1, 24}, {2, 3, 4}, {24, 1}}) {
            NDArray a = NDArray.of(v, shape);
            byte[] bytes = Nd4jBinary.toBytes(a);
            NDArray back = Nd4jBinary.read(new ByteArrayInputStream(bytes));
            assertArrayEquals(shape, back.shape());
            assertArrayEquals(v, back.toFloatArray(), 0f);
            assertArrayEquals(bytes, Nd4jBinary.toBytes(back));
        }
        NDArray transposedView = NDArray.of(v, 4, 6).transpose();
        NDArray back = Nd4jBinary.read(new ByteArrayInputStream(Nd4jBinary.toBytes(transposedView)));
        assertArrayEquals(transposedView.toFloatArray(), back.toFloatArray(), 0f);
    }

    @Test
    void writtenHeaderFollowsSpecFieldByField() throws IOException {
        NDArray a = NDArray.of(new float[] {1.5f, -2f, 3f, 4f, 5f, 6f}, 2, 3);
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(Nd4jBinary.toBytes(a)));
        assertEquals("MIXED_DATA_TYPES", in.readUTF());
        assertEquals(8L, in.readLong());
        assertEquals("LONG", in.readUTF());
        long[] info = new long[8];
        for (int i = 0; i < 8; i++) info[i] = in.readLong();
        assertArrayEquals(new long[] {2, 2, 3, 3, 1, 8192, 1, 99}, info);
        assertEquals("MIXED_DATA_TYPES", in.readUTF());
        assertEquals(6L, in.readLong());
        assertEquals("FLOAT", in.readUTF());
        assertEquals(1.5f, in.readFloat());
        assertEquals(-2f, in.readFloat());
        in.skipNBytes(16);
        assertEquals(-1, in.read(), "nothing after the data");

        // Spec 2.3: params [1,N] carry strides [1,1]; rank-1 arrays [1, N, 1, 8192, 1, 99].
        assertArrayEquals(new long[] {2, 1, 5, 1, 1, 8192, 1, 99}, Nd4jBinary.shapeInfo(new int[] {1, 5}));
        assertArrayEquals(new long[] {1, 5, 1, 8192, 1, 99}, Nd4jBinary.shapeInfo(new int[] {5}));
    }

    // ---- bad input ----------------------------------------------------------------------------

    private static ModelFormatException readBad(byte[] bytes, long limit) {
        return assertThrows(ModelFormatException.class,
                () -> Nd4jBinary.read(new ByteArrayInputStream(bytes), "coefficients.bin", limit));
    }

    @Test
    void truncatedDataIsATypedErrorNamingTheEntry() throws IOException {
        byte[] good = Nd4jBinary.toBytes(NDArray.zeros(1, 4096));
        byte[] cut = Arrays.copyOf(good, good.length - 3096 * 4);
        ModelFormatException unknown = readBad(cut, -1);
        assertTrue(unknown.getMessage().startsWith("coefficients.bin: "), unknown.getMessage());
        assertTrue(unknown.getMessage().contains("declares 4096 FLOAT elements but the entry ends after 1000"),
                unknown.getMessage());
        ModelFormatException known = readBad(cut, cut.length);
        assertTrue(known.getMessage().contains("4096"), known.getMessage());
        assertTrue(readBad(Arrays.copyOf(good, 20), -1).getMessage().contains("inside the"));
        assertTrue(readBad(new byte[0], -1).getMessage().contains("after 0 bytes"));
    }

    @Test
    void garbageLengthsFailWithoutAllocating() throws IOException {
        // A header that claims 2^31-1 elements on a tiny stream must not try to allocate 8 GB.
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeUTF("MIXED_DATA_TYPES");
        out.writeLong(6);
        out.writeUTF("LONG");
        for (long v : new long[] {1, Integer.MAX_VALUE, 1, 16384, 1, 99}) out.writeLong(v);
        out.writeUTF("MIXED_DATA_TYPES");
        out.writeLong(Integer.MAX_VALUE);
        out.writeUTF("DOUBLE");
        out.writeDouble(1.0);
        byte[] b = bytes.toByteArray();
        assertTrue(readBad(b, -1).getMessage().contains("ends after 1"));
        assertTrue(readBad(b, b.length).getMessage().contains("ends after 1"));

        ByteArrayOutputStream huge = new ByteArrayOutputStream();
        out = new DataOutputStream(huge);
        out.writeUTF("MIXED_DATA_TYPES");
        out.writeLong(Long.MAX_VALUE);
        out.writeUTF("LONG");
        assertTrue(readBad(huge.toByteArray(), -1).getMessage().contains("shape-info buffer declares"));
    }

    @Test
    void corruptHeadersAreNamed() throws IOException {
        byte[] good = Nd4jBinary.toBytes(NDArray.zeros(2, 2));
        byte[] badMode = good.clone();
        badMode[2] = 'X';
        assertTrue(readBad(badMode, -1).getMessage().contains("allocation mode 'XIXED_DATA_TYPES'"));
        byte[] badRank = good.clone();
        badRank[2 + 16 + 8 + 2 + 4 + 7] = 9; // rank slot
        assertTrue(readBad(badRank, -1).getMessage().contains("rank 9"), readBad(badRank, -1).getMessage());
        byte[] badOrder = good.clone();
        badOrder[2 + 16 + 8 + 2 + 4 + 8 * 8 - 1] = 7; // last shape-info value
        assertTrue(readBad(badOrder, -1).getMessage().contains("order code 7"));
        byte[] notAnArray = "PK\3\4 this is a zip".getBytes();
        assertTrue(readBad(notAnArray, -1).getMessage().contains("is this an ND4J binary array?")
                || readBad(notAnArray, -1).getMessage().contains("string of"));
    }
}
