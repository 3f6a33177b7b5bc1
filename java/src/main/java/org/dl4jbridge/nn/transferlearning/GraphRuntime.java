package org.dl4jbridge.nn.transferlearning;

import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.nn.conf.ComputationGraphConfiguration;
import org.dl4jbridge.nn.conf.MultiLayerConfiguration;
import org.dl4jbridge.nn.conf.graph.GraphVertex;
import org.dl4jbridge.nn.conf.graph.LayerVertex;
import org.dl4jbridge.nn.graph.ComputationGraph;
import org.dl4jbridge.nn.layers.AbstractLayer;
import org.dl4jbridge.nn.multilayer.MultiLayerNetwork;

/**
 * The bridge between the configuration edits and runtime networks: builds the edited network and
 * copies the original's parameters into every layer that was kept as it was (DL4J_SPEC 5.4).
 */
final class GraphRuntime {
    private GraphRuntime() {}

    /** What the graph builder reads from the original network. */
    interface Source {
        ComputationGraphConfiguration configuration();

        /** The original's parameters of one layer vertex, by parameter key; null when there is no runtime network. */
        default Map<String, NDArray> layerParams(String vertexName) { return null; }
    }

    interface MultiLayerSource {
        MultiLayerConfiguration configuration();

        default Map<String, NDArray> layerParams(int layerIndex) { return null; }
    }

    static Source source(ComputationGraph g) {
        if (g == null) throw new IllegalArgumentException("TransferLearning.GraphBuilder needs the original network, got null");
        requireInitialized(g);
        return new Source() {
            @Override public ComputationGraphConfiguration configuration() { return g.getConfiguration(); }
            @Override public Map<String, NDArray> layerParams(String name) { return g.getLayer(name).paramTable(); }
        };
    }

    static MultiLayerSource source(MultiLayerNetwork n) {
        if (n == null) throw new IllegalArgumentException("TransferLearning.Builder needs the original network, got null");
        try {
            n.numParams();
        } catch (IllegalStateException e) {
            throw new IllegalArgumentException("the original network is not initialized: call init() (or restore it) first", e);
        }
        return new MultiLayerSource() {
            @Override public MultiLayerConfiguration configuration() { return n.getLayerWiseConfigurations(); }
            @Override public Map<String, NDArray> layerParams(int i) { return n.getLayer(i).paramTable(); }
        };
    }

    private static void requireInitialized(ComputationGraph g) {
        try {
            g.numParams();
        } catch (IllegalStateException e) {
            throw new IllegalArgumentException("the original network is not initialized: call init() (or restore it) first", e);
        }
    }

    /** init() draws every layer from the (fine-tune) seed; then kept layers get the original's values. */
    static ComputationGraph build(Source source, GraphEdits.Result r) {
        ComputationGraph g = new ComputationGraph(r.conf());
        g.init();
        for (Map.Entry<String, GraphVertex> e : r.conf().getVertices().entrySet()) {
            String name = e.getKey();
            if (!(e.getValue() instanceof LayerVertex) || r.reinitialized().contains(name)) continue;
            Map<String, NDArray> from = source.layerParams(name);
            if (from != null) copy(from, g.getLayer(name), "layer '" + name + "'");
        }
        return g;
    }

    static MultiLayerNetwork build(MultiLayerSource source, MultiLayerEdits.Result r) {
        MultiLayerNetwork n = new MultiLayerNetwork(r.conf());
        n.init();
        for (int i = 0; i < r.conf().getConfs().size(); i++) {
            if (r.reinitialized().contains(i) || i >= source.configuration().getConfs().size()) continue;
            Map<String, NDArray> from = source.layerParams(i);
            if (from != null) copy(from, n.getLayer(i), "layer " + i);
        }
        return n;
    }

    /** Copies parameter values key by key (the target keeps its own views into its flat vector). */
    static void copy(Map<String, NDArray> from, AbstractLayer to, String what) {
        Map<String, NDArray> target = to.paramTable();
        if (!target.keySet().equals(from.keySet())) {
            throw new IllegalStateException(what + ": parameters " + from.keySet() + " of the original do not match "
                    + target.keySet() + " of the edited network");
        }
        for (Map.Entry<String, NDArray> p : target.entrySet()) {
            NDArray src = from.get(p.getKey());
            if (!Arrays.equals(src.shape(), p.getValue().shape())) {
                throw new IllegalStateException(what + ": parameter " + p.getKey() + " has shape " + Arrays.toString(src.shape())
                        + " in the original and " + Arrays.toString(p.getValue().shape()) + " in the edited network; "
                        + "use nOutReplace/nInReplace to change sizes");
            }
            p.getValue().assign(src);
        }
    }

    /** Copies the named layers' parameters from one graph into another (by vertex name). */
    static void copyLayers(ComputationGraph from, ComputationGraph to, Set<String> names) {
        for (String name : names) copy(from.getLayer(name).paramTable(), to.getLayer(name), "layer '" + name + "'");
    }
}
