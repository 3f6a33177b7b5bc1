package org.dl4jbridge.nn.transferlearning;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.dl4jbridge.nn.conf.ComputationGraphConfiguration;
import org.dl4jbridge.nn.conf.graph.FrozenVertex;
import org.dl4jbridge.nn.conf.graph.GraphVertex;
import org.dl4jbridge.nn.conf.graph.LayerVertex;
import org.dl4jbridge.nn.conf.layers.misc.FrozenLayer;

/**
 * DL4J's setFeatureExtractor semantics (DL4J_SPEC 5.3): the named vertices and all their
 * ancestors are frozen; layers become {@link FrozenLayer}s, other vertices {@link FrozenVertex}es,
 * network inputs stay as they are. Vertices that are not ancestors (a parallel branch) stay
 * trainable.
 */
final class Freezing {
    private Freezing() {}

    /** The named vertices and every vertex they depend on (excluding network inputs), in topological order. */
    static List<String> withAncestors(ComputationGraphConfiguration c, Set<String> names) {
        List<String> byIndex = c.vertexNamesByIndex();
        int[] order = c.topologicalOrder();
        Set<String> toFreeze = new HashSet<>(names);
        List<String> frozen = new ArrayList<>();
        for (int k = order.length - 1; k >= 0; k--) {  // reverse topological order, as DL4J walks it
            String name = byIndex.get(order[k]);
            if (!toFreeze.contains(name) || !c.getVertices().containsKey(name)) continue;
            frozen.add(0, name);
            toFreeze.addAll(c.getVertexInputs().getOrDefault(name, List.of()));
        }
        return frozen;
    }

    /**
     * Wraps the named vertices and their ancestors in place. Refuses to freeze a network output:
     * a frozen output layer can never learn, which is never what transfer learning wants.
     */
    static Set<String> freeze(ComputationGraphConfiguration c, Set<String> names) {
        Set<String> frozen = new LinkedHashSet<>();
        if (names.isEmpty()) {
            collectAlreadyFrozen(c, frozen);
            return frozen;
        }
        List<String> targets = withAncestors(c, names);
        for (String out : c.getNetworkOutputs()) {
            if (targets.contains(out)) {
                throw new IllegalArgumentException("setFeatureExtractor" + names + " would freeze the output layer '" + out
                        + "', which then could never learn. Freeze up to the layer before it (e.g. setFeatureExtractor(\""
                        + firstInput(c, out) + "\")), or replace the output layer: removeVertexKeepConnections(\"" + out
                        + "\") + addLayer(\"" + out + "\", newOutputLayer, \"" + firstInput(c, out) + "\")");
            }
        }
        for (String name : targets) {
            GraphVertex v = c.getVertices().get(name);
            if (v instanceof LayerVertex lv) {
                if (!(lv.getLayer() instanceof FrozenLayer)) {
                    FrozenLayer f = new FrozenLayer(lv.getLayer());
                    f.setLayerName(name);
                    lv.getLayerConf().setLayer(f);
                }
            } else if (!(v instanceof FrozenVertex)) {
                c.getVertices().put(name, new FrozenVertex(v));
            }
        }
        collectAlreadyFrozen(c, frozen);
        return frozen;
    }

    private static void collectAlreadyFrozen(ComputationGraphConfiguration c, Set<String> into) {
        for (Map.Entry<String, GraphVertex> e : c.getVertices().entrySet()) {
            if (isFrozen(e.getValue())) into.add(e.getKey());
        }
    }

    static boolean isFrozen(GraphVertex v) {
        return v instanceof FrozenVertex || (v instanceof LayerVertex lv && lv.getLayer() instanceof FrozenLayer);
    }

    private static String firstInput(ComputationGraphConfiguration c, String name) {
        List<String> ins = c.getVertexInputs().get(name);
        return ins == null || ins.isEmpty() ? "..." : ins.get(0);
    }
}
