package org.dl4jbridge.nn.transferlearning;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.dl4jbridge.nn.conf.ComputationGraphConfiguration;
import org.dl4jbridge.nn.conf.GraphNames;
import org.dl4jbridge.nn.conf.InputPreProcessor;
import org.dl4jbridge.nn.conf.NeuralNetConfiguration;
import org.dl4jbridge.nn.conf.graph.GraphVertex;
import org.dl4jbridge.nn.conf.graph.LayerVertex;
import org.dl4jbridge.nn.conf.inputs.InputType;
import org.dl4jbridge.nn.conf.layers.FeedForwardLayer;
import org.dl4jbridge.nn.conf.layers.Layer;
import org.dl4jbridge.nn.conf.layers.misc.FrozenLayer;
import org.dl4jbridge.nn.weights.IWeightInit;

/**
 * The edits of a {@link TransferLearning.GraphBuilder}, recorded as calls arrive and applied at
 * {@link #apply} in one canonical order, so the result does not depend on the order of the calls:
 *
 * <ol>
 *   <li>the fine-tune configuration, on every existing layer (DL4J_SPEC 5.2);</li>
 *   <li>nOut replacements (with their consumers' nIn), then nIn replacements;</li>
 *   <li>removals (with or without connections; they commute);</li>
 *   <li>additions, in the order of the calls: DL4J's vertex order, which fixes the topological order
 *       and so the parameter layout (compat/'s TransferLearningConfigTest; an added vertex may take a
 *       later-added one as input);</li>
 *   <li>network inputs and outputs;</li>
 *   <li>freezing: the feature-extractor vertices and all their ancestors (DL4J_SPEC 5.3).</li>
 * </ol>
 *
 * For the order DL4J's own examples use, this is DL4J's result. Names of the original graph are
 * checked when a call arrives (with the closest existing names in the error); names that may be
 * added by a later call are checked at {@link #apply}.
 */
final class GraphEdits {
    /** What a removal keeps: the other vertices' references to the name, or nothing. */
    enum Removal { KEEP_CONNECTIONS, AND_CONNECTIONS }

    record Addition(String name, Layer layer, GraphVertex vertex, InputPreProcessor preProcessor, List<String> inputs) {}

    record SizeReplace(String name, long size, IWeightInit scheme, IWeightInit schemeNext) {}

    /** The edited configuration and the vertices whose parameters must be freshly initialised. */
    record Result(ComputationGraphConfiguration conf, Set<String> reinitialized, Set<String> frozen) {}

    private final ComputationGraphConfiguration original;
    private final List<String> originalNames;
    private FineTuneConfiguration fineTune;
    private final Set<String> featureExtractor = new LinkedHashSet<>();
    private final Map<String, Removal> removals = new LinkedHashMap<>();
    private final Map<String, Addition> additions = new LinkedHashMap<>();
    private final Map<String, SizeReplace> nOutReplacements = new LinkedHashMap<>();
    private final Map<String, SizeReplace> nInReplacements = new LinkedHashMap<>();
    private List<String> outputs;
    private List<String> inputs;
    private final Set<String> addedInputs = new LinkedHashSet<>();
    private List<InputType> inputTypes;

    GraphEdits(ComputationGraphConfiguration original) {
        this.original = original;
        this.originalNames = original.vertexNamesByIndex();
    }

    // ---- recording ---------------------------------------------------------------------------

    void fineTune(FineTuneConfiguration ftc) {
        if (ftc == null) throw new IllegalArgumentException("fineTuneConfiguration(null): pass a FineTuneConfiguration");
        if (fineTune != null && fineTune != ftc) {
            throw new IllegalStateException("fineTuneConfiguration was already set (" + fineTune + "); set it once");
        }
        fineTune = ftc;
    }

    FineTuneConfiguration fineTune() { return fineTune; }

    void featureExtractor(String... names) {
        requireNames("setFeatureExtractor", names);
        for (String n : names) {
            if (!original.getVertices().containsKey(n)) {
                throw unknown("setFeatureExtractor", n, original.getNetworkInputs().contains(n)
                        ? " ('" + n + "' is a network input, which is never frozen; name a vertex)" : "");
            }
            featureExtractor.add(n);
        }
    }

    void remove(String name, Removal how) {
        String call = how == Removal.KEEP_CONNECTIONS ? "removeVertexKeepConnections" : "removeVertexAndConnections";
        requireOriginal(call, name);
        Removal before = removals.putIfAbsent(name, how);
        if (before != null && before != how) {
            throw new IllegalArgumentException(call + "('" + name + "') conflicts with the earlier "
                    + (before == Removal.KEEP_CONNECTIONS ? "removeVertexKeepConnections" : "removeVertexAndConnections")
                    + " of the same vertex: choose one");
        }
    }

    void add(String name, Layer layer, GraphVertex vertex, InputPreProcessor pre, String... inputs) {
        String call = layer != null ? "addLayer" : "addVertex";
        if (name == null || name.isEmpty()) throw new IllegalArgumentException(call + ": the vertex name must be non-empty");
        if (layer == null && vertex == null) throw new IllegalArgumentException(call + "('" + name + "'): the layer is null");
        if (inputs == null || inputs.length == 0) {
            throw new IllegalArgumentException(call + "('" + name + "') needs at least one input vertex name, e.g. "
                    + call + "(\"" + name + "\", layer, \"fc2\")");
        }
        requireNames(call, inputs);
        if (additions.containsKey(name)) {
            throw new IllegalArgumentException(call + "('" + name + "'): a vertex of that name was already added in this builder");
        }
        additions.put(name, new Addition(name, layer == null ? null : layer.clone(), vertex == null ? null : vertex.clone(),
                pre == null ? null : pre.clone(), List.of(inputs)));
    }

    void nOutReplace(String name, long nOut, IWeightInit scheme, IWeightInit schemeNext) {
        requireSizedLayer("nOutReplace", name, nOut);
        nOutReplacements.put(name, new SizeReplace(name, nOut, scheme, schemeNext));
    }

    void nInReplace(String name, long nIn, IWeightInit scheme) {
        requireSizedLayer("nInReplace", name, nIn);
        nInReplacements.put(name, new SizeReplace(name, nIn, scheme, null));
    }

    void setOutputs(String... names) {
        requireNames("setOutputs", names);
        outputs = List.of(names);
    }

    void setInputs(String... names) {
        requireNames("setInputs", names);
        inputs = List.of(names);
    }

    void addInputs(String... names) {
        requireNames("addInputs", names);
        addedInputs.addAll(Arrays.asList(names));
    }

    void setInputTypes(InputType... types) {
        inputTypes = List.of(types);
    }

    private void requireNames(String call, String... names) {
        if (names == null || names.length == 0) throw new IllegalArgumentException(call + " needs at least one vertex name");
        for (String n : names) {
            if (n == null || n.isEmpty()) throw new IllegalArgumentException(call + ": vertex names must be non-empty, got " + n);
        }
    }

    private void requireOriginal(String call, String name) {
        requireNames(call, name);
        if (!originalNames.contains(name)) throw unknown(call, name, "");
    }

    private void requireSizedLayer(String call, String name, long size) {
        requireOriginal(call, name);
        if (size < 1) throw new IllegalArgumentException(call + "('" + name + "', " + size + "): the size must be >= 1");
        GraphVertex v = original.getVertices().get(name);
        if (!(v instanceof LayerVertex lv) || !(unwrap(lv.getLayer()) instanceof FeedForwardLayer)) {
            throw new IllegalArgumentException(call + "('" + name + "'): '" + name + "' is " + v
                    + ", not a layer with nIn/nOut (dense, output or convolution layer)");
        }
    }

    private IllegalArgumentException unknown(String call, String name, String hint) {
        return new IllegalArgumentException(call + "('" + name + "'): the graph has no vertex '" + name + "'"
                + GraphNames.closest(name, originalNames) + hint);
    }

    // ---- applying ----------------------------------------------------------------------------

    Result apply() {
        ComputationGraphConfiguration c = original.clone();
        c.clearTopologicalOrder();
        c.setIterationCount(0);
        c.setEpochCount(0);
        Set<String> reinit = new LinkedHashSet<>();
        applyFineTune(c);
        if (fineTune != null && fineTune.getSeed() != null) c.getDefaultConfiguration().setSeed(fineTune.getSeed());
        applySizeReplacements(c, reinit);
        applyRemovals(c);
        applyAdditions(c, reinit);
        applyInputsOutputs(c);
        c.validate();
        if (inputTypes != null) c.inferTypes(inputTypes, true);
        c.requireSizesKnown();
        Set<String> frozen = Freezing.freeze(c, featureExtractor);
        c.clearTopologicalOrder();
        c.topologicalOrder();
        return new Result(c, reinit, frozen);
    }

    private void applyFineTune(ComputationGraphConfiguration c) {
        if (fineTune == null) return;
        for (Map.Entry<String, GraphVertex> e : c.getVertices().entrySet()) {
            if (e.getValue() instanceof LayerVertex lv) {
                NeuralNetConfiguration nnc = lv.getLayerConf();
                // DL4J fine-tunes the layer inside a frozen wrapper too (it is unused there: NoOp, spec 5.6).
                if (nnc.getLayer() instanceof FrozenLayer f) {
                    NeuralNetConfiguration inner = nnc.clone();
                    inner.setLayer(f.getLayer());
                    fineTune.applyTo(inner);
                    if (fineTune.getSeed() != null) nnc.setSeed(fineTune.getSeed());
                } else {
                    fineTune.applyTo(nnc);
                }
                nnc.getLayer().setLayerName(e.getKey());
            }
        }
    }

    private void applySizeReplacements(ComputationGraphConfiguration c, Set<String> reinit) {
        for (SizeReplace r : sortedByTopology(c, nOutReplacements)) {
            requireNotRemoved("nOutReplace", r.name());
            FeedForwardLayer layer = resetForReplace(c, r.name(), r.scheme());
            layer.setNOut(r.size());
            reinit.add(r.name());
            for (Map.Entry<String, List<String>> e : c.getVertexInputs().entrySet()) {
                if (!e.getValue().contains(r.name()) || removals.containsKey(e.getKey())) continue;
                GraphVertex consumer = c.getVertices().get(e.getKey());
                if (!(consumer instanceof LayerVertex lv) || !(unwrap(lv.getLayer()) instanceof FeedForwardLayer next)) {
                    throw new IllegalArgumentException("nOutReplace('" + r.name() + "'): its consumer '" + e.getKey() + "' is "
                            + consumer + ", not a layer whose nIn can follow; remove or replace that vertex too");
                }
                next.setNIn(r.size());
                if (r.schemeNext() != null) next.setWeightInitFn(r.schemeNext());
                keepOriginalUpdater(e.getKey(), next);
                reinit.add(e.getKey());
            }
        }
        for (SizeReplace r : sortedByTopology(c, nInReplacements)) {
            requireNotRemoved("nInReplace", r.name());
            FeedForwardLayer layer = resetForReplace(c, r.name(), r.scheme());
            layer.setNIn(r.size());
            reinit.add(r.name());
        }
    }

    /**
     * DL4J rebuilds the consumer of an nOutReplace'd layer from the original layer, whose updater is
     * already set, so the fine-tune configuration's updater does not reach it (its l2 and dropout,
     * unset in the original, do). Measured against DL4J 1.0.0-M2.1 in compat/'s TransferLearningConfigTest.
     */
    private void keepOriginalUpdater(String name, FeedForwardLayer next) {
        if (fineTune == null || !(original.getVertices().get(name) instanceof LayerVertex lv)) return;
        if (unwrap(lv.getLayer()) instanceof org.dl4jbridge.nn.conf.layers.BaseLayer orig && orig.getIUpdater() != null) {
            next.setIUpdater(orig.getIUpdater().clone());
        }
    }

    /** DL4J replaces the layer by a clone whose layer-level training settings fall back to defaults. */
    private FeedForwardLayer resetForReplace(ComputationGraphConfiguration c, String name, IWeightInit scheme) {
        LayerVertex lv = (LayerVertex) c.getVertices().get(name);
        if (lv.getLayer() instanceof FrozenLayer) {
            throw new IllegalArgumentException("cannot change the size of '" + name + "': it is frozen in the original graph");
        }
        return SizeChange.resetLayer((FeedForwardLayer) lv.getLayer(), scheme, globalBuilder());
    }

    private void requireNotRemoved(String call, String name) {
        if (removals.containsKey(name)) {
            throw new IllegalArgumentException(call + "('" + name + "') and a removal of '" + name
                    + "' in the same builder: resize it or remove it, not both");
        }
    }

    private List<SizeReplace> sortedByTopology(ComputationGraphConfiguration c, Map<String, SizeReplace> m) {
        List<String> order = new ArrayList<>();
        List<String> names = c.vertexNamesByIndex();
        for (int i : c.topologicalOrder()) order.add(names.get(i));
        List<SizeReplace> out = new ArrayList<>(m.values());
        out.sort(Comparator.comparingInt(r -> order.indexOf(r.name())));
        return out;
    }

    private void applyRemovals(ComputationGraphConfiguration c) {
        for (Map.Entry<String, Removal> e : new TreeMap<>(removals).entrySet()) {
            String name = e.getKey();
            c.getVertices().remove(name);
            c.getVertexInputs().remove(name);
            c.getNetworkInputs().remove(name);
            if (e.getValue() == Removal.AND_CONNECTIONS) {
                for (List<String> ins : c.getVertexInputs().values()) ins.removeIf(name::equals);
                c.getNetworkOutputs().remove(name);
            }
        }
    }

    private void applyAdditions(ComputationGraphConfiguration c, Set<String> reinit) {
        NeuralNetConfiguration.Builder global = globalBuilder();
        for (Addition a : additions.values()) {
            if (c.getVertices().containsKey(a.name()) || c.getNetworkInputs().contains(a.name())) {
                throw new IllegalArgumentException("addLayer/addVertex('" + a.name() + "'): the graph already has a vertex of that "
                        + "name; remove it first with removeVertexKeepConnections(\"" + a.name() + "\") (keeps its consumers "
                        + "and outputs pointing at the new one) or removeVertexAndConnections");
            }
            GraphVertex v = a.vertex();
            if (a.layer() != null) {
                NeuralNetConfiguration conf = global.layerConfiguration(a.layer());
                conf.getLayer().setLayerName(a.name());
                v = new LayerVertex(conf, a.preProcessor());
            }
            c.getVertices().put(a.name(), v);
            c.getVertexInputs().put(a.name(), new ArrayList<>(a.inputs()));
            reinit.add(a.name());
        }
    }

    NeuralNetConfiguration.Builder globalBuilder() {
        NeuralNetConfiguration.Builder g = fineTune == null ? new NeuralNetConfiguration.Builder()
                : fineTune.appliedNeuralNetConfigurationBuilder();
        if (fineTune == null || fineTune.getSeed() == null) g.seed(original.getDefaultConfiguration().getSeed());
        return g;
    }

    private void applyInputsOutputs(ComputationGraphConfiguration c) {
        if (inputs != null) c.setNetworkInputs(inputs);
        for (String in : addedInputs) {
            if (!c.getNetworkInputs().contains(in)) c.getNetworkInputs().add(in);
        }
        if (outputs != null) c.setNetworkOutputs(outputs);
        if (c.getNetworkOutputs().isEmpty()) {
            throw new IllegalArgumentException("the edited graph has no outputs: removeVertexAndConnections removed "
                    + removals.keySet() + ". Name the new outputs with setOutputs(...), or use removeVertexKeepConnections "
                    + "and add a vertex of the same name");
        }
        List<String> all = c.vertexNamesByIndex();
        for (String o : c.getNetworkOutputs()) {
            if (!all.contains(o)) {
                throw new IllegalArgumentException("output '" + o + "' is not a vertex of the edited graph"
                        + GraphNames.closest(o, all) + (removals.containsKey(o)
                        ? " (it was removed: add a new vertex of that name, or call setOutputs with the new output)" : ""));
            }
        }
        for (Map.Entry<String, List<String>> e : c.getVertexInputs().entrySet()) {
            for (String in : e.getValue()) {
                if (!all.contains(in)) {
                    throw new IllegalArgumentException("vertex '" + e.getKey() + "' takes input '" + in
                            + "', which is not a vertex of the edited graph" + GraphNames.closest(in, all)
                            + (removals.containsKey(in) ? " ('" + in + "' was removed)" : ""));
                }
            }
        }
    }

    static Layer unwrap(Layer l) {
        return l instanceof FrozenLayer f ? f.getLayer() : l;
    }
}
