package org.dl4jbridge.nn.transferlearning;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.dl4jbridge.datasets.DataSet;
import org.dl4jbridge.ndarray.NDArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FeatureCacheTest {
    @TempDir Path dir;

    private static List<DataSet> batches() {
        DataSet a = new DataSet(NDArray.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3), NDArray.of(new float[] {1, 0, 0, 1}, 2, 2));
        DataSet b = new DataSet(NDArray.of(new float[] {-7.5f, Float.MIN_VALUE, 9e30f}, 1, 3), NDArray.of(new float[] {0, 1}, 1, 2));
        return List.of(a, b);
    }

    @Test
    void roundTripIsBitExactAndLeavesNoTempFiles() throws Exception {
        FeatureCache cache = new FeatureCache(dir);
        String key = FeatureCache.key("params", "fc2", "data");
        assertTrue(cache.load(key).isEmpty());
        assertEquals("miss", cache.lastStatus());
        cache.store(key, batches());
        List<DataSet> back = cache.load(key).orElseThrow();
        assertEquals("hit", cache.lastStatus());
        assertEquals(2, back.size());
        for (int i = 0; i < 2; i++) {
            assertArrayEquals(batches().get(i).getFeatures().toFloatArray(), back.get(i).getFeatures().toFloatArray());
            assertArrayEquals(batches().get(i).getFeatures().shape(), back.get(i).getFeatures().shape());
            assertArrayEquals(batches().get(i).getLabels().toFloatArray(), back.get(i).getLabels().toFloatArray());
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(cache.fileFor(key)), files.toList());
        }
    }

    @Test
    void keyDependsOnEveryPartAndItsBoundaries() {
        assertNotEquals(FeatureCache.key("ab", "c"), FeatureCache.key("a", "bc"));
        assertNotEquals(FeatureCache.key("a", "b"), FeatureCache.key("b", "a"));
        assertEquals(FeatureCache.key("a", "b"), FeatureCache.key("a", "b"));
    }

    @Test
    void corruptOrTruncatedEntryIsDeletedAndReportedAsMiss() throws Exception {
        FeatureCache cache = new FeatureCache(dir);
        String key = FeatureCache.key("x");
        cache.store(key, batches());
        Path f = cache.fileFor(key);
        byte[] bytes = Files.readAllBytes(f);
        bytes[30] ^= 0x10;  // a feature value: only the checksum can notice
        Files.write(f, bytes);
        assertTrue(cache.load(key).isEmpty());
        assertTrue(cache.lastStatus().startsWith("corrupt (checksum mismatch)"), cache.lastStatus());
        assertFalse(Files.exists(f));

        cache.store(key, batches());
        byte[] whole = Files.readAllBytes(f);
        Files.write(f, java.util.Arrays.copyOf(whole, whole.length - 40));
        assertTrue(cache.load(key).isEmpty());
        assertTrue(cache.lastStatus().startsWith("corrupt"), cache.lastStatus());

        Files.writeString(f, "garbage");
        assertTrue(cache.load(key).isEmpty());
        assertFalse(Files.exists(f));
    }

    @Test
    void badKeyIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> new FeatureCache(dir).fileFor("../etc/passwd"));
    }
}
