package org.dl4jbridge.zoo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.dl4jbridge.nn.graph.ComputationGraph;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Convert-once: the imported network is cached as a DL4J zip and restored from there. */
class EfficientNetLite0CacheTest {
    @TempDir Path dir;

    @AfterEach
    void reset() {
        DL4JResources.resetBaseDirectoryLocation();
    }

    @Test
    void firstCallConvertsAndCachesLaterCallsRestoreTheSameWeights() throws IOException {
        Path pth = ZooTestFiles.effnetWeights();
        DL4JResources.setBaseDirectory(dir);
        EfficientNetLite0 model = new EfficientNetLite0();
        Path cached = model.convertedCachePath();
        assertTrue(cached.startsWith(dir.resolve("models/efficientnet-lite0")), cached.toString());
        long c0 = System.nanoTime();
        ComputationGraph converted = model.initPretrained(pth);
        long convertMs = (System.nanoTime() - c0) / 1_000_000;
        assertTrue(Files.isRegularFile(cached), "converted zip cached at " + cached);
        long t0 = System.nanoTime();
        ComputationGraph restored = model.initPretrained(pth);
        long restoreMs = (System.nanoTime() - t0) / 1_000_000;
        assertArrayEquals(converted.params().toFloatArray(), restored.params().toFloatArray());
        assertEquals(converted.getConfiguration().toJson(), restored.getConfiguration().toJson());
        System.out.println("first call (convert + cache): " + convertMs + " ms; later call (restore): " + restoreMs + " ms");

        Files.writeString(cached, "damaged");   // a damaged cache is set aside and rebuilt, never trusted
        ComputationGraph rebuilt = model.initPretrained(pth);
        assertArrayEquals(converted.params().toFloatArray(), rebuilt.params().toFloatArray());
        assertTrue(Files.isRegularFile(cached.resolveSibling(cached.getFileName() + ".bad")));
    }
}
