package org.dl4jbridge.util;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.testutil.Npz;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damaged input of every kind ends in a ModelFormatException, never in another exception, an
 * OutOfMemoryError or a hang: random byte flips and truncations of arrays and zips, and random
 * structural damage to configuration.json.
 */
class CorruptInputTest {
    private static final Path FIX = Npz.fixtures();

    @TempDir
    Path dir;

    static final int[] OUTCOMES = new int[2];

    /** The damage must exercise both paths, or the test proves nothing. */
    @org.junit.jupiter.api.AfterAll
    static void bothOutcomesOccurred() {
        assertTrue(OUTCOMES[0] > 0 && OUTCOMES[1] > 0, OUTCOMES[0] + " read, " + OUTCOMES[1] + " refused");
    }

    private interface Reader {
        void read() throws IOException;
    }

    private static void expectCleanOutcome(String what, Reader r) {
        try {
            r.read();
            OUTCOMES[0]++;
        } catch (ModelFormatException e) {
            OUTCOMES[1]++;
            assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), what);
        } catch (Throwable t) {
            fail(what + ": expected success or ModelFormatException, got " + t, t);
        }
    }

    @Test
    void damagedArraysFailCleanly() throws IOException {
        byte[] good = Nd4jBinary.toBytes(NDArray.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
        byte[] legacy = Files.readAllBytes(FIX.resolve("array_headers/CustomLayerExample_Output_100a.bin"));
        Random rnd = new Random(1);
        for (byte[] original : List.of(good, legacy)) {
            for (int trial = 0; trial < 800; trial++) {
                byte[] b = original.clone();
                int flips = 1 + rnd.nextInt(3);
                for (int f = 0; f < flips; f++) b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
                if (rnd.nextBoolean()) b = Arrays.copyOf(b, rnd.nextInt(b.length + 1));
                byte[] input = b;
                long limit = rnd.nextBoolean() ? -1 : input.length;
                expectCleanOutcome("trial " + trial, () ->
                        Nd4jBinary.read(new ByteArrayInputStream(input), "coefficients.bin", limit));
            }
        }
    }

    @Test
    void damagedZipsFailCleanly() throws IOException {
        byte[] zip = Files.readAllBytes(LegacyConfigUpgraderTest.regression("071", "MLP_2"));
        Random rnd = new Random(2);
        Path p = dir.resolve("damaged.zip");
        for (int trial = 0; trial < 150; trial++) {
            byte[] b = zip.clone();
            if (rnd.nextBoolean()) {
                for (int f = 0; f < 1 + rnd.nextInt(4); f++) b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
            } else {
                b = Arrays.copyOf(b, rnd.nextInt(b.length));
            }
            Files.write(p, b);
            expectCleanOutcome("zip trial " + trial, () -> ModelSerializer.readContents(p, null, true));
        }
    }

    @Test
    void structurallyDamagedConfigurationsFailCleanly() throws IOException {
        List<Path> sources = new ArrayList<>(LegacyConfigUpgraderTest.allModelZips());
        List<JsonNode> docs = new ArrayList<>();
        for (Path z : sources) docs.add(LegacyConfigUpgrader.parse(ModelZip.readConfiguration(z), "x"));
        docs.add(LegacyConfigUpgrader.parse(ModelZipTest.specGraph(), "spec"));
        Random rnd = new Random(3);
        JsonNode[] replacements = {JsonNodeFactory.instance.nullNode(), JsonNodeFactory.instance.numberNode(7),
                JsonNodeFactory.instance.textNode("x"), JsonNodeFactory.instance.arrayNode(),
                JsonNodeFactory.instance.objectNode(), JsonNodeFactory.instance.booleanNode(true)};
        for (int trial = 0; trial < 1000; trial++) {
            JsonNode doc = docs.get(rnd.nextInt(docs.size())).deepCopy();
            List<JsonNode[]> slots = new ArrayList<>();
            collectSlots(doc, slots);
            for (int k = 0; k < 1 + rnd.nextInt(3); k++) {
                JsonNode[] slot = slots.get(rnd.nextInt(slots.size()));
                replace(slot, replacements[rnd.nextInt(replacements.length)], rnd);
            }
            expectCleanOutcome("config trial " + trial, () -> {
                ObjectNode up = LegacyConfigUpgrader.upgrade(doc, "conf.json");
                ConfigSummary.of(up, "conf.json").numParams();
            });
        }
    }

    /** Pairs (container, child) for every value in the tree, so a child can be swapped or removed. */
    private static void collectSlots(JsonNode node, List<JsonNode[]> out) {
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                out.add(new JsonNode[] {node, JsonNodeFactory.instance.textNode(e.getKey())});
                collectSlots(e.getValue(), out);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                out.add(new JsonNode[] {node, JsonNodeFactory.instance.numberNode(i)});
                collectSlots(node.get(i), out);
            }
        }
    }

    private static void replace(JsonNode[] slot, JsonNode value, Random rnd) {
        if (slot[0] instanceof ObjectNode o) {
            String key = slot[1].asText();
            if (rnd.nextInt(3) == 0) o.remove(key); else o.set(key, value.deepCopy());
        } else if (slot[0] instanceof ArrayNode a) {
            int i = slot[1].asInt();
            if (i < a.size()) a.set(i, value.deepCopy());
        }
    }
}
