package org.dl4jbridge.nn.graph;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import org.dl4jbridge.nn.conf.ComputationGraphConfiguration;
import org.dl4jbridge.nn.layers.AbstractLayer;
import org.dl4jbridge.util.LegacyConfigUpgrader;
import org.junit.jupiter.api.Test;

/** The 0.9.x Keras-imported ResNet50 transfer graph (legacy FrozenLayer wrappers) builds a runtime graph here. */
class LegacyFrozenTest {
    @Test
    void buildsWithEveryLayerButTheHeadFrozen() throws Exception {
        Path f = org.dl4jbridge.testutil.Npz.fixtures().resolve("legacy_frozen/configuration.json");
        ComputationGraphConfiguration c = ComputationGraphConfiguration.fromJson(
                LegacyConfigUpgrader.upgradeToJson(Files.readString(f), "legacy_frozen"));
        ComputationGraph g = new ComputationGraph(c);
        g.init();
        int frozen = 0, trainable = 0;
        for (AbstractLayer l : g.getLayers()) {
            if (l.isFrozen()) frozen++; else trainable++;
        }
        assertEquals(158, frozen);
        assertEquals(1, trainable);
        assertFalse(g.getLayer("fc1000").isFrozen());
        assertTrue(g.summary().contains("Frozen BatchNormalization"));
    }
}
