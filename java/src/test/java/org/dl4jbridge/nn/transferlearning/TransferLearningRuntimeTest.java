package org.dl4jbridge.nn.transferlearning;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.dl4jbridge.datasets.DataSet;
import org.dl4jbridge.datasets.DataSetIterator;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.nn.graph.ComputationGraph;
import org.dl4jbridge.nn.updater.Nesterovs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Built networks: parameter copying, frozen parameters under training, TransferLearningHelper equivalences. */
class TransferLearningRuntimeTest {
    private static final List<String> FROZEN = List.of("block1_conv1", "fc1", "fc2");
    @TempDir Path tmp;

    static ComputationGraph original() {
        ComputationGraph g = new ComputationGraph(TinyVgg.conf(42));
        g.init();
        return g;
    }

    static FineTuneConfiguration ftc() {
        return new FineTuneConfiguration.Builder().updater(new Nesterovs(0.05, 0.9)).seed(12345).build();
    }

    static ComputationGraph lesson(ComputationGraph orig) {
        return new TransferLearning.GraphBuilder(orig).fineTuneConfiguration(ftc()).setFeatureExtractor("fc2")
                .removeVertexKeepConnections("predictions").addLayer("predictions", TinyVgg.newHead(), "fc2").build();
    }

    static List<DataSet> batches(int count, int mb, long seed) {
        Random r = new Random(seed);
        List<DataSet> out = new ArrayList<>();
        for (int b = 0; b < count; b++) {
            float[] x = new float[mb * 3 * 8 * 8];
            for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
            float[] y = new float[mb * 5];
            for (int i = 0; i < mb; i++) y[i * 5 + r.nextInt(5)] = 1;
            out.add(new DataSet(NDArray.of(x, mb, 3, 8, 8), NDArray.of(y, mb, 5)));
        }
        return out;
    }

    static Map<String, float[]> snapshot(ComputationGraph g) {
        Map<String, float[]> out = new java.util.LinkedHashMap<>();
        g.paramTable().forEach((k, v) -> out.put(k, v.dup().toFloatArray()));
        return out;
    }

    @Test
    void keptLayersCarryTheOriginalParametersAndStayBitIdenticalUnderTraining() {
        ComputationGraph orig = original();
        Map<String, float[]> before = snapshot(orig);
        ComputationGraph model = lesson(orig);
        Map<String, float[]> built = snapshot(model);
        for (String layer : FROZEN) {
            for (String p : List.of("_W", "_b")) assertArrayEquals(before.get(layer + p), built.get(layer + p), layer + p);
            assertTrue(model.getLayer(layer).isFrozen(), layer);
        }
        assertFalse(model.getLayer("predictions").isFrozen());
        assertEquals(8 * 5, built.get("predictions_W").length);
        for (DataSet ds : batches(4, 6, 1)) model.fit(ds);
        Map<String, float[]> after = snapshot(model);
        for (String layer : FROZEN) {
            for (String p : List.of("_W", "_b")) assertArrayEquals(built.get(layer + p), after.get(layer + p), layer + p);
        }
        assertFalse(java.util.Arrays.equals(built.get("predictions_W"), after.get("predictions_W")), "the head learns");
        assertEquals(before.keySet(), snapshot(orig).keySet());
        assertArrayEquals(before.get("fc2_W"), snapshot(orig).get("fc2_W"), "the original is untouched");
    }

    @Test
    void callOrderDoesNotChangeTheBuiltNetwork() {
        ComputationGraph a = lesson(original());
        ComputationGraph b = new TransferLearning.GraphBuilder(original())
                .addLayer("predictions", TinyVgg.newHead(), "fc2").removeVertexKeepConnections("predictions")
                .setFeatureExtractor("fc2").fineTuneConfiguration(ftc()).build();
        assertEquals(a.getConfiguration().toJson(), b.getConfiguration().toJson());
        assertArrayEquals(a.params().toFloatArray(), b.params().toFloatArray());
    }

    /** A builder lets go of the original once built (so a lingering builder cannot keep its parameters alive). */
    @Test
    void aBuilderBuildsOnceAndThenHoldsNoOriginal() throws Exception {
        TransferLearning.GraphBuilder b = new TransferLearning.GraphBuilder(original()).fineTuneConfiguration(ftc())
                .setFeatureExtractor("fc2");
        b.build();
        java.lang.reflect.Field f = TransferLearning.GraphBuilder.class.getDeclaredField("source");
        f.setAccessible(true);
        assertNull(f.get(b));
        IllegalStateException e = assertThrows(IllegalStateException.class, b::build);
        assertTrue(e.getMessage().contains("make a new builder"), e.getMessage());
    }

    @Test
    void featurizedOutputEqualsTheFullGraphOutput() {
        ComputationGraph model = lesson(original());
        TransferLearningHelper helper = new TransferLearningHelper(model);
        assertEquals(List.of("fc2"), helper.frozenBoundary());
        DataSet ds = batches(1, 7, 3).get(0);
        float[] full = model.outputSingle(ds.getFeatures()).toFloatArray();
        float[] viaFeatures = helper.outputFromFeaturized(helper.featurize(ds).getFeatures()).toFloatArray();
        assertEquals(full.length, viaFeatures.length);
        for (int i = 0; i < full.length; i++) assertEquals(full[i], viaFeatures[i], 1e-6, "element " + i);
    }

    @Test
    void fitFeaturizedGivesTheParametersOfFittingTheFullGraph() {
        ComputationGraph full = lesson(original());
        ComputationGraph viaHelper = lesson(original());
        TransferLearningHelper helper = new TransferLearningHelper(viaHelper);
        for (DataSet ds : batches(5, 6, 9)) {
            full.fit(ds);
            helper.fitFeaturized(helper.featurize(ds));
        }
        float[] a = full.params().toFloatArray();
        float[] b = viaHelper.params().toFloatArray();
        double maxDiff = 0;
        for (int i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
        assertTrue(maxDiff <= 1e-6, "max |difference| " + maxDiff);
    }

    @Test
    void helperOnAnAlreadyFrozenGraphKeepsItsUpdaterState() {
        ComputationGraph model = lesson(original());
        for (DataSet ds : batches(2, 4, 2)) model.fit(ds);
        float[] state = model.getUpdater().getStateViewArray().dup().toFloatArray();
        new TransferLearningHelper(model);
        assertArrayEquals(state, model.getUpdater().getStateViewArray().dup().toFloatArray());
    }

    @Test
    void helperFreezesInPlaceFromANamedVertex() {
        ComputationGraph g = original();
        TransferLearningHelper helper = new TransferLearningHelper(g, "fc1");
        assertEquals(List.of("fc1"), helper.frozenBoundary());
        assertEquals(List.of("block1_conv1", "block1_pool", "flatten", "fc1"), helper.frozenVertices());
        assertTrue(g.getLayer("fc1").isFrozen());
        assertFalse(g.getLayer("fc2").isFrozen());
        assertEquals(List.of("fc1"), helper.unfrozenGraph().getConfiguration().getNetworkInputs());
    }

    @Test
    void featureCacheHitGivesTheSameFeaturesAndCorruptionIsRebuilt() throws Exception {
        ComputationGraph model = lesson(original());
        TransferLearningHelper helper = new TransferLearningHelper(model).setFeatureCache(tmp);
        List<DataSet> data = batches(3, 4, 5);
        float[] first = concat(helper.featurize(new ListIterator(data)));
        assertEquals("miss", helper.lastCacheStatus());
        float[] second = concat(helper.featurize(new ListIterator(data)));
        assertEquals("hit", helper.lastCacheStatus());
        assertArrayEquals(first, second);

        List<DataSet> other = batches(3, 4, 6);
        helper.featurize(new ListIterator(other));
        assertEquals("miss", helper.lastCacheStatus(), "other data, other key");

        try (var files = Files.list(tmp)) {
            for (Path entry : files.toList()) {
                byte[] bytes = Files.readAllBytes(entry);
                bytes[bytes.length / 2] ^= 1;
                Files.write(entry, bytes);
            }
        }
        helper.featurize(new ListIterator(data));
        assertTrue(helper.lastCacheStatus().startsWith("corrupt (checksum mismatch)"), helper.lastCacheStatus());
        float[] third = concat(helper.featurize(new ListIterator(data)));
        assertArrayEquals(first, third);

        // Training the head does not change the frozen part, so the key (and the hit) survive it.
        helper.fitFeaturized(helper.featurize(new ListIterator(data)));
        helper.featurize(new ListIterator(data));
        assertEquals("hit", helper.lastCacheStatus());
    }

    @Test
    void featurizeReportsProgressPerMinibatchAndOnceOnACacheHit() {
        TransferLearningHelper helper = new TransferLearningHelper(lesson(original())).setFeatureCache(tmp);
        List<String> events = new ArrayList<>();
        org.dl4jbridge.bridge.ProgressListener l = (done, total, note) -> events.add(done + "/" + total + ":" + note);
        helper.featurize(new ListIterator(batches(3, 2, 8)), l);
        assertEquals(List.of("1/-1:", "2/-1:", "3/-1:"), events);
        events.clear();
        helper.featurize(new ListIterator(batches(3, 2, 8)), l);
        assertEquals(List.of("3/3:cached"), events);
    }

    private static float[] concat(DataSetIterator it) {
        List<Float> out = new ArrayList<>();
        while (it.hasNext()) for (float f : it.next().getFeatures().toFloatArray()) out.add(f);
        float[] a = new float[out.size()];
        for (int i = 0; i < a.length; i++) a[i] = out.get(i);
        return a;
    }

    /** A resettable iterator over fixed minibatches. */
    static final class ListIterator implements DataSetIterator {
        private final List<DataSet> data;
        private int i;

        ListIterator(List<DataSet> data) { this.data = data; }

        @Override public boolean hasNext() { return i < data.size(); }
        @Override public DataSet next() { return data.get(i++); }
        @Override public void reset() { i = 0; }
        @Override public int batch() { return data.get(0).numExamples(); }
        @Override public List<String> getLabels() { return List.of("a", "b", "c", "d", "e"); }
    }
}
