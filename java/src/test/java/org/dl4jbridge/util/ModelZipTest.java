package org.dl4jbridge.util;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import java.util.stream.Stream;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.testutil.Npz;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelZipTest {
    private static final Path FIX = Npz.fixtures();

    @TempDir
    Path dir;

    static String specGraph() throws IOException {
        try (InputStream in = ModelZipTest.class.getResourceAsStream("/util/spec_3_10_graph.json")) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    static NDArray ramp(int n, int... shape) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = i + 1;
        return NDArray.of(v, shape);
    }

    // ---- DL4J-written files ----------------------------------------------------------------------

    @Test
    void everyFixtureModelReadsWithItsParametersInPlace() throws IOException {
        for (Path zip : LegacyConfigUpgraderTest.allModelZips()) {
            ModelContents c = ModelSerializer.readContents(zip, ModelKind.MULTI_LAYER_NETWORK, true);
            assertEquals(ModelKind.MULTI_LAYER_NETWORK, ModelSerializer.detectKind(zip), zip.toString());
            if (zip.getFileName().toString().contains("Regression")) {
                float[] p = c.files().params().toFloatArray();
                for (int i = 0; i < p.length; i++) assertEquals(i + 1, p[i], 0f, zip + " param " + i);
            }
        }
    }

    @Test
    void updaterStateIsReadWhenAskedFor() throws IOException {
        Path mlp2 = LegacyConfigUpgraderTest.regression("071", "MLP_2");
        NDArray state = ModelZip.read(mlp2, true).updaterState();
        // 0.7.1 MLP_2's RmsProp state was set to 1..S, one value per parameter.
        assertEquals(41, state.length());
        for (int i = 0; i < state.length(); i++) assertEquals(i + 1, state.get(i), 0f);
        assertNull(ModelZip.read(mlp2, false).updaterState());
        NDArray moon = ModelZip.read(FIX.resolve("MLPMoon/Model_RANDOM_INIT_UNTRAINED.zip"), true).updaterState();
        assertEquals(102, moon.length(), "Nesterovs: one velocity per parameter");
        for (float v : moon.toFloatArray()) assertEquals(0f, v);
    }

    @Test
    void dl4jParameterEntryIsReproducedByteForByte() throws IOException {
        Path moon = FIX.resolve("MLPMoon/Model_RANDOM_INIT_UNTRAINED.zip");
        ModelFiles f = ModelZip.read(moon, true);
        Path out = dir.resolve("moon.zip");
        ModelSerializer.writeContents(f, out);
        for (String entry : List.of(ModelZip.CONFIGURATION, ModelZip.COEFFICIENTS, ModelZip.UPDATER_STATE)) {
            assertArrayEquals(entryBytes(moon, entry), entryBytes(out, entry), entry);
        }
    }

    // ---- layout of written files -----------------------------------------------------------------

    @Test
    void writtenZipFollowsDl4jLayout() throws IOException {
        Path out = dir.resolve("graph.zip");
        ModelMetadata meta = new ModelMetadata().labels(List.of("daisy", "rose", "tulip")).inputShape(3, 8, 8).seed(12345);
        ModelSerializer.writeContents(new ModelFiles(specGraph(), ramp(659, 1, 659), ramp(547, 547), null, meta), out);
        assertEquals(List.of("configuration.json", "coefficients.bin", "updaterState.bin", "dl4j-bridge-metadata.json"),
                ModelZip.entryNames(out));
        try (ZipFile z = new ZipFile(out.toFile())) {
            z.stream().forEach(e -> {
                assertEquals(ZipEntry.DEFLATED, e.getMethod(), e.getName());
                assertFalse(e.isDirectory());
            });
        }
        // Local file headers as java.util.zip writes them for DL4J (spec 1.2): version 20, flags
        // 0x0808 (data descriptor + UTF-8 names), method 8.
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(out)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0x04034b50, b.getInt(0));
        assertEquals(20, b.getShort(4));
        assertEquals(0x0808, b.getShort(6));
        assertEquals(8, b.getShort(8));
        byte[] json = entryBytes(out, "configuration.json");
        for (byte c : json) assertTrue(c >= 0, "configuration.json must be ASCII");
        assertEquals(specGraph(), new String(json, StandardCharsets.US_ASCII));

        ModelFiles back = ModelZip.read(out, true);
        assertEquals(specGraph(), back.configuration());
        assertArrayEquals(new int[] {1, 659}, back.params().shape());
        assertArrayEquals(ramp(659, 659).toFloatArray(), back.params().toFloatArray(), 0f);
        assertArrayEquals(new int[] {547}, back.updaterState().shape());
        assertEquals(List.of("daisy", "rose", "tulip"), back.metadata().labels());
        assertArrayEquals(new long[] {3, 8, 8}, back.metadata().inputShape());
        assertEquals(12345L, back.metadata().seed());
        assertEquals(ModelKind.COMPUTATION_GRAPH, ModelSerializer.detectKind(out));
        assertTrue(ModelSerializer.readMetadata(out).get("versions").contains("1.0.0-M2.1"));
    }

    @Test
    void nonAsciiTextIsEscaped() {
        assertEquals("{\"n\":\"caf\\u00e9\"}", new String(ModelZip.asciiJson("{\"n\":\"café\"}"), StandardCharsets.US_ASCII));
    }

    @Test
    void modelWithoutParametersGetsTheMarker() throws IOException {
        String poolOnly = """
            {"networkInputs":["in"],"networkOutputs":["pool"],"vertexInputs":{"pool":["in"]},
             "vertices":{"pool":{"@class":"org.deeplearning4j.nn.conf.graph.LayerVertex","layerConf":{"layer":{
               "@class":"org.deeplearning4j.nn.conf.layers.SubsamplingLayer","kernelSize":[2,2],"stride":[2,2],
               "padding":[0,0],"poolingType":"MAX"}}}}}""";
        Path out = dir.resolve("noparams.zip");
        ModelSerializer.writeContents(new ModelFiles(poolOnly, null, null), out);
        assertEquals(List.of("configuration.json", "coefficients.bin", "noParams.marker"), ModelZip.entryNames(out));
        ModelContents c = ModelSerializer.readContents(out, ModelKind.COMPUTATION_GRAPH, true);
        assertNull(c.files().params());
        assertEquals(0, c.summary().numParams());
    }

    @Test
    void readerIgnoresOrderLegacyEntriesAndDirectories() throws IOException {
        Path mlp = LegacyConfigUpgraderTest.regression("060", "MLP_1");
        Path shuffled = dir.resolve("shuffled.zip");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(shuffled))) {
            z.putNextEntry(new ZipEntry("objects/"));
            z.closeEntry();
            for (String name : List.of("updater.bin", "preprocessor.bin", "objects/thing", "normalizer.bin")) {
                z.putNextEntry(new ZipEntry(name));
                z.write(new byte[] {1, 2, 3});
                z.closeEntry();
            }
            for (String name : List.of(ModelZip.COEFFICIENTS, ModelZip.CONFIGURATION)) {
                z.putNextEntry(new ZipEntry(name));
                z.write(entryBytes(mlp, name));
                z.closeEntry();
            }
        }
        ModelContents c = ModelSerializer.readContents(shuffled, ModelKind.MULTI_LAYER_NETWORK, true);
        assertEquals(41, c.files().params().length());
        assertArrayEquals(new byte[] {1, 2, 3}, c.files().normalizer());
        assertNull(c.files().updaterState());
    }

    // ---- bad input --------------------------------------------------------------------------------

    private ModelFormatException badRead(Path zip, ModelKind kind) {
        return assertThrows(ModelFormatException.class, () -> ModelSerializer.readContents(zip, kind, true));
    }

    @Test
    void wrongKindSaysWhichMethodToUse() throws IOException {
        Path moon = FIX.resolve("MLPMoon/Model_RANDOM_INIT_UNTRAINED.zip");
        ModelFormatException e = badRead(moon, ModelKind.COMPUTATION_GRAPH);
        assertTrue(e.getMessage().contains("Model_RANDOM_INIT_UNTRAINED.zip holds a MultiLayerNetwork")
                && e.getMessage().contains("use restoreMultiLayerNetwork"), e.getMessage());
        Path graph = dir.resolve("flowers.zip");
        ModelSerializer.writeContents(new ModelFiles(specGraph(), ramp(659, 1, 659), null), graph);
        e = badRead(graph, ModelKind.MULTI_LAYER_NETWORK);
        assertTrue(e.getMessage().startsWith("flowers.zip holds a ComputationGraph")
                && e.getMessage().contains("use restoreComputationGraph"), e.getMessage());
    }

    @Test
    void truncatedAndEmptyZipsAreNamed() throws IOException {
        byte[] whole = Files.readAllBytes(LegacyConfigUpgraderTest.regression("071", "CNN_1"));
        Path cut = dir.resolve("cut.zip");
        Files.write(cut, Arrays.copyOf(whole, whole.length / 2));
        ModelFormatException e = badRead(cut, null);
        assertTrue(e.getMessage().startsWith("cut.zip: not a readable zip file"), e.getMessage());
        Path empty = dir.resolve("empty.zip");
        Files.write(empty, new byte[0]);
        assertTrue(badRead(empty, null).getMessage().startsWith("empty.zip: "));
        assertThrows(java.nio.file.NoSuchFileException.class,
                () -> ModelSerializer.readContents(dir.resolve("absent.zip"), null, true));
    }

    @Test
    void missingEntriesAreNamed() throws IOException {
        Path mlp = LegacyConfigUpgraderTest.regression("060", "MLP_1");
        Path noCoeff = zipOf(dir.resolve("nocoeff.zip"), ModelZip.CONFIGURATION, entryBytes(mlp, ModelZip.CONFIGURATION));
        ModelFormatException e = badRead(noCoeff, null);
        assertTrue(e.getMessage().contains("nocoeff.zip: no coefficients.bin entry"), e.getMessage());
        Path noConf = zipOf(dir.resolve("noconf.zip"), ModelZip.COEFFICIENTS, entryBytes(mlp, ModelZip.COEFFICIENTS));
        assertTrue(badRead(noConf, null).getMessage().contains("no configuration.json entry"));
    }

    @Test
    void corruptArrayHeaderNamesTheEntry() throws IOException {
        Path mlp = LegacyConfigUpgraderTest.regression("060", "MLP_1");
        byte[] coeff = entryBytes(mlp, ModelZip.COEFFICIENTS);
        byte[] truncated = Arrays.copyOf(coeff, coeff.length - 40);
        Path z = zipOf(dir.resolve("trunc.zip"), ModelZip.CONFIGURATION, entryBytes(mlp, ModelZip.CONFIGURATION),
                ModelZip.COEFFICIENTS, truncated);
        ModelFormatException e = badRead(z, null);
        assertTrue(e.getMessage().startsWith("trunc.zip: coefficients.bin: array header declares 41 FLOAT elements "
                + "but the entry ends after 31"), e.getMessage());
        byte[] garbage = coeff.clone();
        garbage[3] = 'Z';
        z = zipOf(dir.resolve("garbage.zip"), ModelZip.CONFIGURATION, entryBytes(mlp, ModelZip.CONFIGURATION),
                ModelZip.COEFFICIENTS, garbage);
        assertTrue(badRead(z, null).getMessage().contains("garbage.zip: coefficients.bin: shape-info buffer starts with"));
    }

    @Test
    void parameterCountMismatchGivesBothNumbers() throws IOException {
        Path mlp = LegacyConfigUpgraderTest.regression("060", "MLP_1");
        Path z = zipOf(dir.resolve("mixed.zip"), ModelZip.CONFIGURATION, entryBytes(mlp, ModelZip.CONFIGURATION),
                ModelZip.COEFFICIENTS, Nd4jBinary.toBytes(ramp(40, 1, 40)));
        ModelFormatException e = badRead(z, null);
        assertTrue(e.getMessage().contains("describes 41 parameters but coefficients.bin holds 40"), e.getMessage());
        ModelFormatException w = assertThrows(ModelFormatException.class,
                () -> ModelSerializer.writeContents(new ModelFiles(specGraph(), ramp(600, 1, 600), null), dir.resolve("w.zip")));
        assertTrue(w.getMessage().contains("describes 659 parameters but coefficients.bin holds 600"));
        assertFalse(Files.exists(dir.resolve("w.zip")));
    }

    // ---- atomic saving ----------------------------------------------------------------------------

    @Test
    void failedSaveLeavesTheExistingFileUntouched() throws IOException {
        Path target = dir.resolve("model.zip");
        ModelSerializer.writeContents(new ModelFiles(specGraph(), ramp(659, 1, 659), null), target);
        byte[] before = Files.readAllBytes(target);
        List<ModelZip.Entry> entries = new ArrayList<>(ModelZip.entriesOf(
                new ModelFiles(specGraph(), NDArray.zeros(1, 659), ramp(547, 547))));
        entries.add(2, new ModelZip.Entry("updaterState.bin", os -> {
            os.write(new byte[100_000]);
            throw new IOException("disk full (injected)");
        }));
        IOException e = assertThrows(IOException.class, () -> ModelZip.write(target, entries));
        assertEquals("disk full (injected)", e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(target), "the old model is intact");
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(target), s.toList(), "no temporary file is left behind");
        }
        Path fresh = dir.resolve("fresh.zip");
        ModelZip.write(dir.resolve("readable.zip"), ModelZip.entriesOf(new ModelFiles(specGraph(), ramp(659, 1, 659), null)));
        assertEquals("rw-r--r--", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(dir.resolve("readable.zip"))), "not the temp file's owner-only mode");
        Files.delete(dir.resolve("readable.zip"));
        assertThrows(IOException.class, () -> ModelZip.write(fresh, entries));
        assertFalse(Files.exists(fresh), "a failed first save creates nothing");
    }

    // ---- helpers ------------------------------------------------------------------------------------

    static byte[] entryBytes(Path zip, String entry) throws IOException {
        try (ZipFile z = new ZipFile(zip.toFile())) {
            return z.getInputStream(z.getEntry(entry)).readAllBytes();
        }
    }

    static Path zipOf(Path target, Object... nameBytes) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(bytes)) {
            for (int i = 0; i < nameBytes.length; i += 2) {
                z.putNextEntry(new ZipEntry((String) nameBytes[i]));
                z.write((byte[]) nameBytes[i + 1]);
                z.closeEntry();
            }
        }
        Files.write(target, bytes.toByteArray());
        return target;
    }
}
