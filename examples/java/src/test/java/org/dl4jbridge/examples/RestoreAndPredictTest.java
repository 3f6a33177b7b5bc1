package org.dl4jbridge.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.nn.multilayer.MultiLayerNetwork;
import org.dl4jbridge.util.ModelMetadata;
import org.dl4jbridge.util.ModelSerializer;
import org.dl4jbridge.util.Nd4jBinary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RestoreAndPredictTest {
    private static final Path FIX = fixtures();

    /** Same search as the engine's tests (testutil.Npz.fixtures): property, $DL4J_BRIDGE_SHARED, /work/shared. */
    private static Path fixtures() {
        java.util.List<String> candidates = new java.util.ArrayList<>();
        String prop = System.getProperty("dl4jbridge.fixtures");
        if (prop != null && !prop.isBlank() && !prop.contains("${")) candidates.add(prop);
        String shared = System.getenv("DL4J_BRIDGE_SHARED");
        if (shared != null && !shared.isBlank()) candidates.add(shared + "/dl4j-fixtures");
        candidates.add("/work/shared/dl4j-fixtures");
        for (String c : candidates) {
            if (java.nio.file.Files.isDirectory(Path.of(c))) return Path.of(c);
        }
        throw new IllegalStateException("DL4J fixtures not found (tried " + candidates + "); set DL4J_BRIDGE_SHARED");
    }

    @TempDir
    Path dir;

    private static List<String> run(String... args) throws Exception {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            RestoreAndPredict.main(args);
        } finally {
            System.setOut(old);
        }
        return buf.toString(StandardCharsets.UTF_8).lines().toList();
    }

    @Test
    void printsDl4jsOutputsForADl4jWrittenModel() throws Exception {
        Path net = FIX.resolve("upsampling_100a/net.bin");
        List<String> lines = run(net.toString(), FIX.resolve("upsampling_100a/in.bin").toString());
        assertTrue(lines.get(0).contains("MultiLayerNetwork with 4 layers and 94,178 parameters"), lines.get(0));
        float[] expected = Nd4jBinary.read(FIX.resolve("upsampling_100a/out.bin")).toFloatArray();
        List<Float> printed = new ArrayList<>();
        for (String l : lines) {
            if (!l.startsWith("example ")) continue;
            String values = l.substring(l.indexOf(':') + 1, l.indexOf("->")).trim();
            for (String v : values.split(" ")) printed.add(Float.parseFloat(v));
        }
        assertEquals(expected.length, printed.size());
        for (int i = 0; i < expected.length; i++) assertEquals(expected[i], printed.get(i), 2e-6f, "output " + i);
    }

    @Test
    void namesTheLabelFromTheMetadata() throws Exception {
        MultiLayerNetwork moon = ModelSerializer.restoreMultiLayerNetwork(
                FIX.resolve("MLPMoon/Model_RANDOM_INIT_UNTRAINED.zip").toString(), false);
        Path zip = dir.resolve("moon.zip");
        ModelSerializer.writeModel(moon, zip, false, new ModelMetadata().labels(List.of("lower", "upper")).inputShape(2));
        NDArray x = NDArray.of(new float[] {-0.500568579838f, 0.687106471955f}, 1, 2);
        float[] p = moon.output(x).toFloatArray();
        String expectedLabel = p[1] > p[0] ? "upper" : "lower";
        List<String> lines = run(zip.toString(), "-0.500568579838,0.687106471955");
        assertTrue(lines.get(lines.size() - 1).endsWith("-> " + expectedLabel), lines.toString());
        List<String> zeros = run(zip.toString());
        assertTrue(zeros.stream().anyMatch(l -> l.equals("input: zeros of shape [1, 2]")), zeros.toString());
    }
}
