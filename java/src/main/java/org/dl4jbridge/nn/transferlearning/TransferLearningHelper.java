package org.dl4jbridge.nn.transferlearning;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.dl4jbridge.bridge.Interrupts;
import org.dl4jbridge.bridge.ProgressListener;
import org.dl4jbridge.datasets.DataSet;
import org.dl4jbridge.datasets.DataSetIterator;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.nn.conf.ComputationGraphConfiguration;
import org.dl4jbridge.nn.conf.GraphNames;
import org.dl4jbridge.nn.conf.graph.GraphVertex;
import org.dl4jbridge.nn.conf.graph.LayerVertex;
import org.dl4jbridge.nn.graph.ComputationGraph;

/**
 * Train only the unfrozen part of a graph on features computed once (DL4J: TransferLearningHelper,
 * DL4J_SPEC 5.7): {@link #featurize} runs the frozen part, {@link #fitFeaturized} trains the
 * unfrozen subset graph and copies its parameters back into the original graph.
 *
 * <p>With a {@link #setFeatureCache feature cache}, {@link #featurize(DataSetIterator)} stores the
 * featurized minibatches on disk under a key made of the frozen part (configuration and
 * parameters), the boundary vertices and the iterator's own description of its data
 * ({@link DataSetIterator#cacheIdentity()}: files with size and modification time, image size,
 * channel order, pre-processor, batch size), or a hash of the data itself when it has none. The
 * caller passes no name for the data, so a stale name can never bring back stale features.
 *
 * <p>The unfrozen subgraph trains with its own updater; its parameters, updater state and
 * iteration/epoch counts are copied back into the original graph after every fit (and from it
 * when the helper is made), so saving the original saves the trained state, as full-graph
 * training would.
 */
public class TransferLearningHelper {
    /**
     * Floats hashed per chunk: 256 KB, under half a G1 region, so the chunk is an ordinary young
     * object. (4 MB chunks, one per parameter array, made the key of EfficientNet-Lite0's 250
     * arrays allocate 1 GB of humongous garbage per featurize call and grew the committed heap
     * to about 1 GB.)
     */
    private static final int HASH_CHUNK = 1 << 16;

    private final ComputationGraph original;
    private final List<String> frozen;
    private final List<String> boundary;
    private final Set<String> unfrozenLayers = new LinkedHashSet<>();
    private final ComputationGraph unfrozen;
    private FeatureCache cache;

    /** Uses the layers already frozen in {@code graph} (e.g. built by TransferLearning) and their ancestors. */
    public TransferLearningHelper(ComputationGraph graph) {
        this(graph, new String[0]);
    }

    /**
     * Freezes {@code frozenOutputAt} and their ancestors in {@code graph} in place (runtime only; the
     * configuration is unchanged), as DL4J does.
     */
    public TransferLearningHelper(ComputationGraph graph, String... frozenOutputAt) {
        if (graph == null) throw new IllegalArgumentException("TransferLearningHelper needs a network, got null");
        this.original = graph;
        ComputationGraphConfiguration conf = graph.getConfiguration();
        Set<String> roots = new LinkedHashSet<>();
        if (frozenOutputAt == null || frozenOutputAt.length == 0) {
            for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
                if (Freezing.isFrozen(e.getValue()) || isFrozenAtRuntime(e.getKey(), e.getValue())) roots.add(e.getKey());
            }
        } else {
            List<String> names = conf.vertexNamesByIndex();
            for (String n : frozenOutputAt) {
                if (!conf.getVertices().containsKey(n)) {
                    throw new IllegalArgumentException("TransferLearningHelper: the graph has no vertex '" + n + "'"
                            + GraphNames.closest(n, names));
                }
                roots.add(n);
            }
        }
        this.frozen = Freezing.withAncestors(conf, roots);
        for (String out : conf.getNetworkOutputs()) {
            if (frozen.contains(out)) {
                throw new IllegalArgumentException("TransferLearningHelper would freeze the output '" + out
                        + "': nothing would be left to train; freeze up to an earlier vertex");
            }
        }
        this.boundary = boundaryOf(conf, frozen);
        if (boundary.isEmpty()) {
            throw new IllegalArgumentException("No frozen layers found: build the graph with TransferLearning's "
                    + "setFeatureExtractor, or name the last frozen vertex: new TransferLearningHelper(graph, \"fc2\")");
        }
        List<String> toFreeze = new ArrayList<>();
        for (String n : frozen) {
            if (conf.getVertices().get(n) instanceof LayerVertex && !graph.getLayer(n).isFrozen()) toFreeze.add(n);
        }
        // Freezing rebuilds the updater (its state restarts), so a graph that is already frozen is left alone.
        if (!toFreeze.isEmpty()) graph.freezeLayersInPlace(toFreeze);
        this.unfrozen = buildUnfrozenGraph(graph);
        copyTrainingState(original, unfrozen);
    }

    private boolean isFrozenAtRuntime(String name, GraphVertex v) {
        return v instanceof LayerVertex && original.getLayer(name).isFrozen();
    }

    /** Frozen vertices that feed an unfrozen one, sorted by name (DL4J orders featurize's outputs so). */
    private static List<String> boundaryOf(ComputationGraphConfiguration conf, List<String> frozen) {
        Set<String> out = new TreeSet<>();
        for (Map.Entry<String, List<String>> e : conf.getVertexInputs().entrySet()) {
            if (frozen.contains(e.getKey())) continue;
            for (String in : e.getValue()) if (frozen.contains(in)) out.add(in);
        }
        return new ArrayList<>(out);
    }

    private ComputationGraph buildUnfrozenGraph(ComputationGraph graph) {
        ComputationGraphConfiguration conf = graph.getConfiguration();
        GraphEdits edits = new GraphEdits(conf);
        for (String name : frozen) {
            edits.remove(name, boundary.contains(name) ? GraphEdits.Removal.KEEP_CONNECTIONS : GraphEdits.Removal.AND_CONNECTIONS);
        }
        List<String> inputs = new ArrayList<>(boundary);
        for (String in : conf.getNetworkInputs()) {
            boolean stillRead = conf.getVertexInputs().entrySet().stream()
                    .anyMatch(e -> !frozen.contains(e.getKey()) && e.getValue().contains(in));
            if (stillRead) inputs.add(in);
        }
        edits.setInputs(inputs.toArray(new String[0]));
        GraphEdits.Result r = edits.apply();
        ComputationGraph g = new ComputationGraph(r.conf());
        g.init();
        for (Map.Entry<String, GraphVertex> e : r.conf().getVertices().entrySet()) {
            if (e.getValue() instanceof LayerVertex) unfrozenLayers.add(e.getKey());
        }
        GraphRuntime.copyLayers(graph, g, unfrozenLayers);
        return g;
    }

    /** The graph of the unfrozen vertices, whose inputs are the boundary vertices' activations. */
    public ComputationGraph unfrozenGraph() { return unfrozen; }

    /** The frozen vertices whose activations are the features, sorted by name. */
    public List<String> frozenBoundary() { return List.copyOf(boundary); }

    /** Every frozen vertex, in topological order. */
    public List<String> frozenVertices() { return List.copyOf(frozen); }

    // ---- featurizing ----------------------------------------------------------------------------

    /** The boundary activations of {@code input} (inference mode), labels unchanged. */
    public DataSet featurize(DataSet input) {
        requireSingleBoundary();
        // Only the frozen part up to the boundary runs; the rest of the graph's activations are pooled and reused.
        NDArray features = original.output(boundary, false, input.getFeatures())[0].dup();
        DataSet out = new DataSet(features, input.getLabels());
        out.setLabelNames(input.getLabelNamesList());
        return out;
    }

    private void requireSingleBoundary() {
        if (boundary.size() != 1) {
            throw new IllegalStateException("featurize(DataSet) needs one frozen boundary vertex; this graph has "
                    + boundary + " (multi-input features are not supported)");
        }
    }

    /** Keeps featurized minibatches in {@code dir} (see the class comment); null turns the cache off. */
    public TransferLearningHelper setFeatureCache(Path dir) {
        this.cache = dir == null ? null : new FeatureCache(dir);
        return this;
    }

    /** "hit", "miss", "corrupt (...), rebuilt", or "off" / "unused". */
    public String lastCacheStatus() { return cache == null ? "off" : cache.lastStatus(); }

    /** Featurizes every minibatch of {@code source} into memory (through the cache when one is set). */
    public DataSetIterator featurize(DataSetIterator source) { return featurize(source, null); }

    /**
     * As {@link #featurize(DataSetIterator)}, reporting each featurized minibatch to
     * {@code listener} (done minibatches, -1, ""), or once (n, n, "cached") on a cache hit.
     */
    public DataSetIterator featurize(DataSetIterator source, ProgressListener listener) {
        if (source == null) throw new IllegalArgumentException("featurize: the iterator is null");
        requireSingleBoundary();
        List<String> labels = source.getLabels();
        if (cache == null) return new FeaturizedIterator(featurizeAll(source, listener), labels);
        String key = cacheKey(source);
        Optional<List<DataSet>> hit = cache.load(key);
        if (hit.isPresent()) {
            if (listener != null) listener.progress(hit.get().size(), hit.get().size(), "cached");
            return new FeaturizedIterator(hit.get(), labels);
        }
        if (source.resetSupported()) source.reset();
        List<DataSet> batches = featurizeAll(source, listener);
        cache.store(key, batches);
        return new FeaturizedIterator(batches, labels);
    }

    /**
     * The feature-cache key of {@code source}: the frozen part, the boundary, and the iterator's own
     * configuration (or, for an iterator that cannot describe its data, a hash of the data).
     */
    String cacheKey(DataSetIterator source) {
        String described = source.cacheIdentity();
        String identity = described != null ? "iterator:" + described : "content:" + contentHash(source);
        return FeatureCache.key("dl4j-bridge featurized v3", frozenPartHash(), String.join(",", boundary), identity);
    }

    private List<DataSet> featurizeAll(DataSetIterator source, ProgressListener listener) {
        List<DataSet> out = new ArrayList<>();
        try {
            if (!source.hasNext() && source.resetSupported()) source.reset();
            while (source.hasNext()) {
                Interrupts.check("featurizing");
                out.add(featurize(source.next()));
                if (listener != null) listener.progress(out.size(), -1, "");
            }
        } finally {
            original.releaseWorkspace();
            // The pool's buffers lived through the whole data set, so the collector has moved them to
            // the old generation, which a young collection never visits: without a full collection
            // they stay resident while the next step (the lesson featurizes its test part right away)
            // allocates a new pool beside them (EfficientNet-Lite0: 164 MB more at the peak; VGG16
            // far more). One collection per data set costs tens of milliseconds.
            System.gc();
        }
        return out;
    }

    private static String contentHash(DataSetIterator source) {
        if (source.resetSupported()) source.reset();
        java.security.MessageDigest md = FeatureCache.sha256();
        while (source.hasNext()) {
            Interrupts.check("hashing the data for the feature cache");
            DataSet ds = source.next();
            hashArray(md, ds.getFeatures());
            hashArray(md, ds.getLabels());
        }
        return java.util.HexFormat.of().formatHex(md.digest());
    }

    /**
     * The frozen part's inference configuration (JSON) and parameters: what the features are a
     * function of. Training-only settings (updater, regularization, dropout, seed, counts) are left
     * out, so a new head updater or learning rate reuses the cached features.
     */
    String frozenPartHash() {
        ComputationGraphConfiguration part = original.getConfiguration().clone();
        part.getVertices().keySet().retainAll(frozen);
        part.getVertexInputs().keySet().retainAll(frozen);
        part.setNetworkOutputs(boundary);
        part.clearTopologicalOrder();
        InferenceConfiguration.stripTrainingSettings(part);
        java.security.MessageDigest md = FeatureCache.sha256();
        md.update(part.toJson().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        for (String name : frozen) {
            if (!(part.getVertices().get(name) instanceof LayerVertex)) continue;
            for (Map.Entry<String, NDArray> p : original.getLayer(name).paramTable().entrySet()) {
                md.update((name + "_" + p.getKey()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
                hashArray(md, p.getValue());
            }
        }
        return java.util.HexFormat.of().formatHex(md.digest());
    }

    /** Hashes shape and values in chunks: VGG16's fc1 weights alone are 411 MB, too much to copy at once. */
    static void hashArray(java.security.MessageDigest md, NDArray a) {
        md.update(Arrays.toString(a.shape()).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        NDArray c = a.contiguous();
        int chunkFloats = Math.max(1, Math.min(HASH_CHUNK, c.length()));
        java.nio.ByteBuffer chunk = java.nio.ByteBuffer.allocate(chunkFloats * Float.BYTES).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int start = 0; start < c.length(); start += HASH_CHUNK) {
            int n = Math.min(HASH_CHUNK, c.length() - start);
            java.nio.FloatBuffer src = c.buffer().duplicate();
            src.position(c.offset() + start).limit(c.offset() + start + n);
            chunk.clear();
            chunk.asFloatBuffer().put(src);
            md.update(chunk.array(), 0, n * Float.BYTES);
        }
    }

    // ---- training on features -------------------------------------------------------------------

    /** One iteration of the unfrozen graph on featurized data; its parameters are copied back into the original. */
    public void fitFeaturized(DataSet featurized) {
        unfrozen.fit(featurized);
        copyBack();
    }

    /** One epoch over featurized minibatches, then the parameters are copied back. */
    public void fitFeaturized(DataSetIterator featurized) {
        unfrozen.fit(featurized);
        copyBack();
    }

    public void fitFeaturized(DataSetIterator featurized, int epochs) {
        unfrozen.fit(featurized, epochs);
        copyBack();
    }

    /** The unfrozen graph's output for featurized input. */
    public NDArray outputFromFeaturized(NDArray featurized) {
        return unfrozen.outputSingle(featurized);
    }

    private void copyBack() {
        GraphRuntime.copyLayers(unfrozen, original, unfrozenLayers);
        copyTrainingState(unfrozen, original);
    }

    /** Updater state of the unfrozen layers and the iteration/epoch counts, from one graph to the other. */
    private void copyTrainingState(ComputationGraph from, ComputationGraph to) {
        to.getUpdater().copyStateFrom(from.getUpdater(), unfrozenLayers);
        to.getConfiguration().setIterationCount(from.getIterationCount());
        to.getConfiguration().setEpochCount(from.getEpochCount());
    }
}
