package org.dl4jbridge.nn.transferlearning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.dl4jbridge.datasets.DataSet;
import org.dl4jbridge.nn.graph.ComputationGraph;
import org.dl4jbridge.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training the head on features (TransferLearningHelper) leaves the full model in the state that
 * training the whole graph leaves it in: parameters, updater state and iteration/epoch counts, so
 * a zip saved after either mode continues training the same way.
 */
class HelperTrainingStateTest {
    @TempDir Path tmp;

    private static final List<DataSet> DATA = TransferLearningRuntimeTest.batches(4, 6, 21);
    private static final List<DataSet> MORE = TransferLearningRuntimeTest.batches(3, 6, 22);

    private static float[] state(ComputationGraph g) { return g.getUpdater().getStateViewArray().dup().toFloatArray(); }

    @Test
    void aZipSavedAfterFeaturizedTrainingContinuesLikeOneSavedAfterFullTraining() throws Exception {
        ComputationGraph full = TransferLearningRuntimeTest.lesson(TransferLearningRuntimeTest.original());
        full.fit(new TransferLearningRuntimeTest.ListIterator(DATA), 2);
        ComputationGraph viaFeatures = TransferLearningRuntimeTest.lesson(TransferLearningRuntimeTest.original());
        TransferLearningHelper helper = new TransferLearningHelper(viaFeatures);
        helper.fitFeaturized(helper.featurize(new TransferLearningRuntimeTest.ListIterator(DATA)), 2);

        assertEquals(full.getIterationCount(), viaFeatures.getIterationCount());
        assertEquals(8, viaFeatures.getIterationCount());
        assertEquals(full.getEpochCount(), viaFeatures.getEpochCount());
        assertEquals(2, viaFeatures.getEpochCount());
        assertClose(state(full), state(viaFeatures), "updater state after training");
        boolean trained = false;
        for (float v : state(viaFeatures)) trained |= v != 0;
        assertTrue(trained, "the head's momentum is in the full model");

        Path a = tmp.resolve("full.zip"), b = tmp.resolve("features.zip");
        ModelSerializer.writeModel(full, a.toString(), true);
        ModelSerializer.writeModel(viaFeatures, b.toString(), true);
        ComputationGraph ra = ModelSerializer.restoreComputationGraph(a, true);
        ComputationGraph rb = ModelSerializer.restoreComputationGraph(b, true);
        for (DataSet ds : MORE) {
            ra.fit(ds);
            rb.fit(ds);
        }
        assertClose(ra.params().dup().toFloatArray(), rb.params().dup().toFloatArray(), "parameters after continuing");
    }

    @Test
    void aHelperOnARestoredModelContinuesItsUpdaterState() throws Exception {
        ComputationGraph model = TransferLearningRuntimeTest.lesson(TransferLearningRuntimeTest.original());
        model.fit(new TransferLearningRuntimeTest.ListIterator(DATA), 1);
        Path zip = tmp.resolve("m.zip");
        ModelSerializer.writeModel(model, zip.toString(), true);

        ComputationGraph continued = ModelSerializer.restoreComputationGraph(zip, true);
        continued.fit(new TransferLearningRuntimeTest.ListIterator(MORE), 1);
        ComputationGraph viaHelper = ModelSerializer.restoreComputationGraph(zip, true);
        TransferLearningHelper helper = new TransferLearningHelper(viaHelper);
        assertEquals(4, helper.unfrozenGraph().getIterationCount());
        helper.fitFeaturized(helper.featurize(new TransferLearningRuntimeTest.ListIterator(MORE)), 1);
        assertClose(continued.params().dup().toFloatArray(), viaHelper.params().dup().toFloatArray(), "parameters");
        assertEquals(continued.getIterationCount(), viaHelper.getIterationCount());
    }

    private static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        double worst = 0;
        for (int i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
        assertTrue(worst <= 1e-6, what + ": max difference " + worst);
    }
}
