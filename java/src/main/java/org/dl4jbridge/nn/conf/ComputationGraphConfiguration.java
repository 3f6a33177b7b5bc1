package org.dl4jbridge.nn.conf;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.dl4jbridge.nn.conf.graph.GraphVertex;
import org.dl4jbridge.nn.conf.graph.LayerVertex;
import org.dl4jbridge.nn.conf.inputs.InputType;
import org.dl4jbridge.nn.conf.layers.Layer;
import org.dl4jbridge.nn.conf.serde.ConfigurationJson;

/**
 * A directed acyclic graph of vertices (DL4J: ComputationGraphConfiguration). Vertex indices are the
 * network inputs first, then {@code vertices} in insertion order; parameters are laid out in
 * {@link #topologicalOrder()} (DL4J_SPEC 2.7, 5.8).
 */
public class ComputationGraphConfiguration extends NetworkSettings implements Cloneable {
    private LinkedHashMap<String, GraphVertex> vertices = new LinkedHashMap<>();
    private LinkedHashMap<String, List<String>> vertexInputs = new LinkedHashMap<>();
    private List<String> networkInputs = new ArrayList<>();
    private List<String> networkOutputs = new ArrayList<>();
    private NeuralNetConfiguration defaultConfiguration = new NeuralNetConfiguration();
    private int[] topologicalOrder;
    private List<String> topologicalOrderStr;

    public ComputationGraphConfiguration() {}

    public LinkedHashMap<String, GraphVertex> getVertices() { return vertices; }
    public LinkedHashMap<String, List<String>> getVertexInputs() { return vertexInputs; }
    public List<String> getNetworkInputs() { return networkInputs; }
    public List<String> getNetworkOutputs() { return networkOutputs; }
    public void setNetworkInputs(List<String> v) { this.networkInputs = new ArrayList<>(v); }
    public void setNetworkOutputs(List<String> v) { this.networkOutputs = new ArrayList<>(v); }
    public NeuralNetConfiguration getDefaultConfiguration() { return defaultConfiguration; }
    public void setDefaultConfiguration(NeuralNetConfiguration c) { this.defaultConfiguration = c; }

    /** Stored order, or null when none was stored/computed yet. */
    public int[] getTopologicalOrder() { return topologicalOrder == null ? null : topologicalOrder.clone(); }
    public List<String> getTopologicalOrderStr() { return topologicalOrderStr; }

    /** Sets a stored order (as read from JSON); validated against the vertices. */
    public void setTopologicalOrder(int[] order, List<String> names) {
        this.topologicalOrder = order == null ? null : order.clone();
        this.topologicalOrderStr = names == null ? null : new ArrayList<>(names);
    }

    /** All vertex names by index: network inputs, then vertices in insertion order. */
    public List<String> vertexNamesByIndex() {
        List<String> names = new ArrayList<>(networkInputs);
        names.addAll(vertices.keySet());
        return names;
    }

    /**
     * The topological order of vertex indices: the stored one when present, else DL4J's Kahn sort
     * (queue seeded in index order, consumers visited in Java HashSet order, DL4J_SPEC 5.8), stored.
     */
    public int[] topologicalOrder() {
        List<String> names = vertexNamesByIndex();
        if (topologicalOrder != null && topologicalOrder.length == names.size()) return topologicalOrder.clone();
        int n = names.size();
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < n; i++) index.put(names.get(i), i);
        Map<Integer, Set<Integer>> inputsOf = new HashMap<>();
        Map<Integer, Set<Integer>> consumersOf = new HashMap<>();
        for (int i = 0; i < n; i++) { inputsOf.put(i, new HashSet<>()); consumersOf.put(i, new HashSet<>()); }
        for (Map.Entry<String, List<String>> e : vertexInputs.entrySet()) {
            Integer to = index.get(e.getKey());
            if (to == null) continue;
            for (String in : e.getValue()) {
                Integer from = index.get(in);
                if (from == null) {
                    throw new IllegalStateException("vertex '" + e.getKey() + "' takes input '" + in + "', which is neither a network"
                            + " input nor a vertex" + GraphNames.closest(in, names));
                }
                inputsOf.get(to).add(from);
                consumersOf.get(from).add(to);
            }
        }
        LinkedList<Integer> queue = new LinkedList<>();
        for (Map.Entry<Integer, Set<Integer>> e : inputsOf.entrySet()) if (e.getValue().isEmpty()) queue.add(e.getKey());
        int[] order = new int[n];
        int k = 0;
        while (!queue.isEmpty()) {
            int next = queue.removeFirst();
            order[k++] = next;
            for (int c : consumersOf.get(next)) {
                Set<Integer> s = inputsOf.get(c);
                s.remove(next);
                if (s.isEmpty()) queue.add(c);
            }
        }
        if (k != n) {
            List<String> cyc = new ArrayList<>();
            for (Map.Entry<Integer, Set<Integer>> e : inputsOf.entrySet()) if (!e.getValue().isEmpty()) cyc.add(names.get(e.getKey()));
            throw new IllegalStateException("the graph has a cycle through vertices " + cyc + ": a ComputationGraph must be acyclic");
        }
        topologicalOrder = order;
        topologicalOrderStr = new ArrayList<>();
        for (int i : order) topologicalOrderStr.add(names.get(i));
        return order.clone();
    }

    /** Drops a stored order so the next call recomputes it (after editing vertices). */
    public void clearTopologicalOrder() { topologicalOrder = null; topologicalOrderStr = null; }

    /** Validates names, inputs and outputs; throws with the offending name and close matches. */
    public void validate() {
        if (networkInputs.isEmpty()) throw new IllegalStateException("the graph has no inputs: call addInputs(\"input\")");
        if (networkOutputs.isEmpty()) throw new IllegalStateException("the graph has no outputs: call setOutputs(\"name\")");
        List<String> names = vertexNamesByIndex();
        Set<String> seen = new HashSet<>();
        for (String s : names) {
            if (!seen.add(s)) throw new IllegalStateException("vertex name '" + s + "' is used twice: names must be unique");
        }
        for (String in : networkInputs) {
            if (vertices.containsKey(in)) throw new IllegalStateException("'" + in + "' is both a network input and a vertex");
        }
        for (String o : networkOutputs) {
            if (!seen.contains(o)) {
                throw new IllegalStateException("output '" + o + "' is not a vertex of the graph" + GraphNames.closest(o, names));
            }
        }
        for (Map.Entry<String, GraphVertex> e : vertices.entrySet()) {
            List<String> ins = vertexInputs.get(e.getKey());
            int count = ins == null ? 0 : ins.size();
            GraphVertex v = e.getValue();
            if (count < v.minVertexInputs() || count > v.maxVertexInputs()) {
                throw new IllegalStateException("vertex '" + e.getKey() + "' (" + v + ") has " + count + " inputs " + ins
                        + " but takes " + v.minVertexInputs() + (v.maxVertexInputs() == Integer.MAX_VALUE ? " or more"
                        : (v.maxVertexInputs() == v.minVertexInputs() ? "" : " to " + v.maxVertexInputs())));
            }
            for (String in : ins) {
                if (!seen.contains(in)) {
                    throw new IllegalStateException("vertex '" + e.getKey() + "' takes input '" + in
                            + "', which is neither a network input nor a vertex" + GraphNames.closest(in, names));
                }
            }
        }
        topologicalOrder();
    }

    /**
     * Infers nIn and adds DL4J's automatic pre-processors from the network input types, walking the
     * graph in topological order. Returns the output type of every vertex by name.
     */
    public Map<String, InputType> inferTypes(List<InputType> inputTypes, boolean addPreProcessors) {
        if (inputTypes.size() != networkInputs.size()) {
            throw new IllegalArgumentException("setInputTypes got " + inputTypes.size() + " types for " + networkInputs.size()
                    + " network inputs " + networkInputs);
        }
        Map<String, InputType> out = new HashMap<>();
        for (int i = 0; i < networkInputs.size(); i++) out.put(networkInputs.get(i), inputTypes.get(i));
        List<String> names = vertexNamesByIndex();
        int idx = 0;
        for (int vi : topologicalOrder()) {
            String name = names.get(vi);
            GraphVertex v = vertices.get(name);
            if (v == null) continue;
            List<String> ins = vertexInputs.get(name);
            InputType[] types = new InputType[ins.size()];
            for (int i = 0; i < types.length; i++) types[i] = out.get(ins.get(i));
            if (v instanceof LayerVertex lv) {
                Layer l = lv.getLayer();
                if (addPreProcessors && lv.getPreProcessor() == null) lv.setPreProcessor(l.getPreProcessorForInputType(types[0]));
                InputType t = lv.getPreProcessor() == null ? types[0] : lv.getPreProcessor().getOutputType(types[0]);
                l.setNIn(t, false);
            }
            out.put(name, v.getOutputType(idx++, types));
        }
        return out;
    }

    /** DL4J 1.0.0-M2.1's configuration.json text (computes and stores the topological order first). */
    public String toJson() {
        topologicalOrder();
        return ConfigurationJson.toJson(this);
    }

    /** Reads DL4J 1.0.0-M2.1 (and beta-era @class) configuration JSON. */
    public static ComputationGraphConfiguration fromJson(String json) { return ConfigurationJson.graphFromJson(json); }

    @Override
    public ComputationGraphConfiguration clone() {
        try {
            ComputationGraphConfiguration c = (ComputationGraphConfiguration) super.clone();
            c.vertices = new LinkedHashMap<>();
            vertices.forEach((k, v) -> c.vertices.put(k, v.clone()));
            c.vertexInputs = new LinkedHashMap<>();
            vertexInputs.forEach((k, v) -> c.vertexInputs.put(k, new ArrayList<>(v)));
            c.networkInputs = new ArrayList<>(networkInputs);
            c.networkOutputs = new ArrayList<>(networkOutputs);
            c.defaultConfiguration = defaultConfiguration.clone();
            c.topologicalOrder = topologicalOrder == null ? null : topologicalOrder.clone();
            c.topologicalOrderStr = topologicalOrderStr == null ? null : new ArrayList<>(topologicalOrderStr);
            return c;
        } catch (CloneNotSupportedException e) {
            throw new AssertionError(e);
        }
    }

    @Override public boolean equals(Object o) { return o instanceof ComputationGraphConfiguration g && g.toJson().equals(toJson()); }
    @Override public int hashCode() { return toJson().hashCode(); }
    @Override public String toString() { return toJson(); }

    /**
     * Builds a {@link ComputationGraphConfiguration} (DL4J: ComputationGraphConfiguration.GraphBuilder).
     * Layers take unset fields from the global builder when added; the layer name becomes the vertex name.
     */
    public static class GraphBuilder {
        protected final NeuralNetConfiguration.Builder global;
        protected final LinkedHashMap<String, GraphVertex> vertices = new LinkedHashMap<>();
        protected final LinkedHashMap<String, List<String>> vertexInputs = new LinkedHashMap<>();
        protected final List<String> networkInputs = new ArrayList<>();
        protected final List<String> networkOutputs = new ArrayList<>();
        protected List<InputType> inputTypes;
        protected boolean validateOutputLayerConfig = true;
        protected String backpropType = "Standard";

        public GraphBuilder(NeuralNetConfiguration.Builder global) { this.global = global.clone(); }

        public NeuralNetConfiguration.Builder getGlobalConfiguration() { return global; }
        public LinkedHashMap<String, GraphVertex> getVertices() { return vertices; }
        public LinkedHashMap<String, List<String>> getVertexInputs() { return vertexInputs; }
        public List<String> getNetworkInputs() { return networkInputs; }
        public List<String> getNetworkOutputs() { return networkOutputs; }
        public List<InputType> getInputTypes() { return inputTypes; }

        public GraphBuilder addInputs(String... names) {
            for (String n : names) {
                requireFreeName(n);
                networkInputs.add(n);
            }
            return this;
        }

        public GraphBuilder setInputTypes(InputType... types) { this.inputTypes = new ArrayList<>(Arrays.asList(types)); return this; }

        public GraphBuilder addLayer(String name, Layer layer, String... inputs) { return addLayer(name, layer, null, inputs); }

        /** DL4J's alias of addLayer. */
        public GraphBuilder layer(String name, Layer layer, String... inputs) { return addLayer(name, layer, null, inputs); }

        public GraphBuilder addLayer(String name, Layer layer, InputPreProcessor preProcessor, String... inputs) {
            if (layer == null) throw new IllegalArgumentException("addLayer('" + name + "'): layer is null");
            NeuralNetConfiguration c = global.layerConfiguration(layer);
            c.getLayer().setLayerName(name);
            return addVertex(name, new LayerVertex(c, preProcessor), inputs);
        }

        public GraphBuilder addVertex(String name, GraphVertex vertex, String... inputs) {
            requireFreeName(name);
            if (inputs == null || inputs.length == 0) {
                throw new IllegalArgumentException("vertex '" + name + "' needs at least one input (a network input or another vertex)");
            }
            vertices.put(name, vertex);
            vertexInputs.put(name, new ArrayList<>(Arrays.asList(inputs)));
            return this;
        }

        /** Removes a vertex and every reference to it (DL4J: removeVertex(name)). */
        public GraphBuilder removeVertex(String name) { return removeVertex(name, true); }

        public GraphBuilder removeVertex(String name, boolean removeConnections) {
            if (!vertices.containsKey(name) && !networkInputs.contains(name)) {
                throw new IllegalArgumentException("cannot remove '" + name + "': no such vertex" + GraphNames.closest(name, allNames()));
            }
            vertices.remove(name);
            vertexInputs.remove(name);
            networkInputs.remove(name);
            if (removeConnections) {
                for (List<String> ins : vertexInputs.values()) ins.removeIf(name::equals);
                networkOutputs.remove(name);
            }
            return this;
        }

        public GraphBuilder setOutputs(String... names) {
            networkOutputs.clear();
            networkOutputs.addAll(Arrays.asList(names));
            return this;
        }

        public GraphBuilder validateOutputLayerConfig(boolean v) { this.validateOutputLayerConfig = v; return this; }

        public GraphBuilder backpropType(String t) {
            if (!"Standard".equals(t)) throw new IllegalArgumentException("only backpropType Standard is supported, got " + t);
            this.backpropType = t;
            return this;
        }

        private List<String> allNames() {
            List<String> all = new ArrayList<>(networkInputs);
            all.addAll(vertices.keySet());
            return all;
        }

        private void requireFreeName(String name) {
            if (name == null || name.isEmpty()) throw new IllegalArgumentException("vertex names must be non-empty");
            if (vertices.containsKey(name) || networkInputs.contains(name)) {
                throw new IllegalArgumentException("vertex name '" + name + "' is already used: names must be unique");
            }
        }

        public ComputationGraphConfiguration build() {
            ComputationGraphConfiguration c = new ComputationGraphConfiguration();
            vertices.forEach((k, v) -> c.vertices.put(k, v.clone()));
            vertexInputs.forEach((k, v) -> c.vertexInputs.put(k, new ArrayList<>(v)));
            c.networkInputs = new ArrayList<>(networkInputs);
            c.networkOutputs = new ArrayList<>(networkOutputs);
            c.defaultConfiguration = global.build();
            c.setValidateOutputLayerConfig(validateOutputLayerConfig);
            c.setBackpropType(backpropType);
            c.setTrainingWorkspaceMode(global.getTrainingWorkspaceMode());
            c.setInferenceWorkspaceMode(global.getInferenceWorkspaceMode());
            c.setCacheMode(global.getCacheMode());
            c.setDataType(global.getDataType());
            c.validate();
            if (inputTypes != null) c.inferTypes(inputTypes, true);
            c.requireSizesKnown();
            return c;
        }
    }

    /** Every feed-forward layer must know nIn and nOut before init. */
    public void requireSizesKnown() {
        for (Map.Entry<String, GraphVertex> e : vertices.entrySet()) {
            if (e.getValue() instanceof LayerVertex lv) {
                Layer l = lv.getLayer();
                Layer inner = l instanceof org.dl4jbridge.nn.conf.layers.misc.FrozenLayer f ? f.getLayer() : l;
                if (inner instanceof org.dl4jbridge.nn.conf.layers.FeedForwardLayer ff) {
                    if (ff.getNIn() <= 0) {
                        throw new IllegalStateException("layer '" + e.getKey() + "' (" + inner.getClass().getSimpleName() + ") has nIn="
                                + ff.getNIn() + ": set .nIn(n) on its builder or call setInputTypes(...) on the graph builder");
                    }
                    if (ff.getNOut() <= 0) {
                        throw new IllegalStateException("layer '" + e.getKey() + "' (" + inner.getClass().getSimpleName() + ") has nOut="
                                + ff.getNOut() + ": set .nOut(n) on its builder");
                    }
                }
            }
        }
    }
}
