package org.dl4jbridge.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The example placement and the settings' checks (the Spark jobs themselves are tested from Python, tests/test_spark*.py). */
class ParameterAveragingTrainingMasterTest {

    @Test
    void everySplitGivesEachWorkerAContiguousBlockOfBatchTimesFrequencyExamples() {
        int workers = 3, batch = 4, frequency = 2;
        ParameterAveragingTrainingMaster.WorkerPartitioner p =
                new ParameterAveragingTrainingMaster.WorkerPartitioner(workers, (long) batch * frequency);
        for (long pos = 0; pos < 100; pos++) {
            long inSplit = pos % (workers * batch * frequency);
            assertEquals((int) (inSplit / (batch * frequency)), p.getPartition(pos), "position " + pos);
        }
        assertEquals(workers, p.numPartitions());
    }

    @Test
    void oneWorkerOwnsEveryExample() {
        ParameterAveragingTrainingMaster.WorkerPartitioner p = new ParameterAveragingTrainingMaster.WorkerPartitioner(1, 16);
        for (long pos = 0; pos < 50; pos++) assertEquals(0, p.getPartition(pos));
    }

    @Test
    void settingsAreCheckedAndDefaultToDl4jsAveragingFrequency() {
        assertEquals(5, new ParameterAveragingTrainingMaster.Builder(2, 16).build().getAveragingFrequency());
        assertThrows(IllegalArgumentException.class, () -> new ParameterAveragingTrainingMaster.Builder(0, 16));
        assertThrows(IllegalArgumentException.class, () -> new ParameterAveragingTrainingMaster.Builder(2, 0));
        assertThrows(IllegalArgumentException.class, () -> new ParameterAveragingTrainingMaster.Builder(2, 16).averagingFrequency(0));
    }

    @Test
    void imageSpecRefusesUnknownLabelsAndPreProcessors() {
        ImageSpec spec = new ImageSpec(new String[] {"daisy", "roses"}, 224, 224, "RGB", "EfficientNetLitePreProcessor", 16);
        assertEquals(1, spec.classIndex("roses"));
        assertEquals(1, spec.classIndex(1L));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> spec.classIndex("tulips"));
        assertTrue(e.getMessage().contains("tulips") && e.getMessage().contains("daisy"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> spec.classIndex(2));
        e = assertThrows(IllegalArgumentException.class,
                () -> new ImageSpec(new String[] {"a"}, 224, 224, "RGB", "NoSuchPreProcessor", 16));
        assertTrue(e.getMessage().contains("NoSuchPreProcessor"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ImageSpec(new String[0], 224, 224, "RGB", null, 16));
    }
}
