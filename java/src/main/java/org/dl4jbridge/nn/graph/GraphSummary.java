package org.dl4jbridge.nn.graph;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.dl4jbridge.nn.conf.ComputationGraphConfiguration;
import org.dl4jbridge.nn.conf.graph.FrozenVertex;
import org.dl4jbridge.nn.conf.graph.GraphVertex;
import org.dl4jbridge.nn.conf.layers.FeedForwardLayer;
import org.dl4jbridge.nn.conf.layers.Layer;
import org.dl4jbridge.nn.graph.vertex.VertexImpl;
import org.dl4jbridge.nn.layers.AbstractLayer;
import org.dl4jbridge.nn.layers.FrozenLayerImpl;
import org.dl4jbridge.nn.params.ParamLayout;
import org.dl4jbridge.ndarray.NDArray;

/** The text of {@link ComputationGraph#summary()}, in DL4J's table style (frozen layers as "Frozen X"). */
final class GraphSummary {
    private GraphSummary() {}

    /**
     * {@code layerStyle}: DL4J's MultiLayerNetwork table (LayerName (LayerType), no input row, no
     * inputs column), else the ComputationGraph table.
     */
    static String of(ComputationGraphConfiguration conf, List<String> names, int[] topo, VertexImpl[] vertices,
                     int[][] inputIdx, boolean layerStyle) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {layerStyle ? "LayerName (LayerType)" : "VertexName (VertexType)", "nIn,nOut", "TotalParams",
                "ParamsShape", "Vertex Inputs"});
        long total = 0, frozen = 0;
        for (int v : topo) {
            String name = names.get(v);
            if (vertices[v] == null) {
                if (layerStyle) continue;
                rows.add(new String[] {name + " (InputVertex)", "-,-", "-", "-", "-"});
                continue;
            }
            List<String> ins = new ArrayList<>();
            for (int j : inputIdx[v]) ins.add(names.get(j));
            AbstractLayer l = vertices[v].layer();
            if (l == null) {
                GraphVertex gv = conf.getVertices().get(name);
                String type = gv instanceof FrozenVertex f ? "Frozen " + f.getUnderlying().getClass().getSimpleName() : gv.getClass().getSimpleName();
                rows.add(new String[] {name + " (" + type + ")", "-,-", "-", "-", ins.toString()});
                continue;
            }
            Layer c = ParamLayout.unwrap(l.conf());
            boolean isFrozen = l.isFrozen();
            String type = (isFrozen ? "Frozen " : "") + c.getClass().getSimpleName();
            String io = c instanceof FeedForwardLayer f ? f.getNIn() + "," + f.getNOut() : "-,-";
            long n = l.numParams();
            total += n;
            if (isFrozen) frozen += n;
            StringBuilder shapes = new StringBuilder();
            Map<String, NDArray> table = l instanceof FrozenLayerImpl fl ? fl.inner().paramTable() : l.paramTable();
            for (Map.Entry<String, NDArray> e : table.entrySet()) {
                if (shapes.length() > 0) shapes.append(", ");
                shapes.append(e.getKey()).append(":{");
                int[] s = e.getValue().shape();
                for (int i = 0; i < s.length; i++) shapes.append(i > 0 ? "," : "").append(s[i]);
                shapes.append('}');
            }
            String label = layerStyle && c.getLayerName() != null ? c.getLayerName() : name;
            rows.add(new String[] {label + " (" + type + ")", io, n == 0 ? "-" : String.valueOf(n),
                    shapes.length() == 0 ? "-" : shapes.toString(), ins.toString()});
        }
        int cols = layerStyle ? 4 : 5;
        int[] w = new int[cols];
        for (String[] r : rows) for (int i = 0; i < cols; i++) w[i] = Math.max(w[i], r[i].length());
        int width = 0;
        for (int x : w) width += x + 3;
        String eq = "=".repeat(width), dash = "-".repeat(width);
        StringBuilder sb = new StringBuilder("\n").append(eq).append('\n');
        for (int r = 0; r < rows.size(); r++) {
            String[] row = rows.get(r);
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < cols; i++) line.append(String.format("%-" + (w[i] + 3) + "s", row[i]));
            sb.append(line.toString().stripTrailing()).append('\n');
            if (r == 0) sb.append(eq).append('\n');
        }
        sb.append(dash).append('\n');
        sb.append(String.format("%28s  %d%n", "Total Parameters:", total));
        sb.append(String.format("%28s  %d%n", "Trainable Parameters:", total - frozen));
        sb.append(String.format("%28s  %d%n", "Frozen Parameters:", frozen));
        sb.append(eq).append('\n');
        return sb.toString();
    }
}
