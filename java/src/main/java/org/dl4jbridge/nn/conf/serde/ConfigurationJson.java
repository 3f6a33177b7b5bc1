package org.dl4jbridge.nn.conf.serde;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.dl4jbridge.nn.conf.ComputationGraphConfiguration;
import org.dl4jbridge.nn.conf.InputPreProcessor;
import org.dl4jbridge.nn.conf.MultiLayerConfiguration;
import org.dl4jbridge.nn.conf.NetworkSettings;
import org.dl4jbridge.nn.conf.NeuralNetConfiguration;
import org.dl4jbridge.nn.conf.graph.ElementWiseVertex;
import org.dl4jbridge.nn.conf.graph.FrozenVertex;
import org.dl4jbridge.nn.conf.graph.GraphVertex;
import org.dl4jbridge.nn.conf.graph.LayerVertex;
import org.dl4jbridge.nn.conf.graph.MergeVertex;
import org.dl4jbridge.nn.conf.graph.PreprocessorVertex;

/**
 * configuration.json in DL4J 1.0.0-M2.1's dialect (DL4J_SPEC 3): writing exactly, reading leniently
 * (unknown properties ignored, missing ones take the field defaults of DL4J's no-argument constructors).
 * Legacy dialects (0.x wrapper objects) are converted to this form by the serde converter first.
 */
public final class ConfigurationJson {
    /**
     * The layer classes (simple names) this reader builds: the one list every "supported layers"
     * message quotes, and the one the file upgrader and the Python no-JVM reader accept.
     */
    public static final List<String> SUPPORTED_LAYERS = List.of("ActivationLayer", "BatchNormalization",
            "ConvolutionLayer", "DenseLayer", "DepthwiseConvolution2D", "DropoutLayer", "FrozenLayer",
            "FrozenLayerWithBackprop", "GlobalPoolingLayer", "OutputLayer", "SubsamplingLayer", "Upsampling2D",
            "ZeroPaddingLayer");
    /** The graph vertex classes (simple names) this reader builds. */
    public static final List<String> SUPPORTED_VERTICES = List.of("ElementWiseVertex", "FrozenVertex", "LayerVertex",
            "MergeVertex", "PreprocessorVertex");

    private ConfigurationJson() {}

    // ---- writing ----

    public static String toJson(MultiLayerConfiguration c) {
        ArrayNode confs = Json.F.arrayNode();
        for (NeuralNetConfiguration n : c.getConfs()) confs.add(nnc(n).node());
        Json.Obj pre = new Json.Obj();
        c.getInputPreProcessors().forEach((k, v) -> pre.put(String.valueOf(k), ConfigObjectsJson.preProcessor(v)));
        Json.Obj o = new Json.Obj()
                .put("backpropType", c.getBackpropType()).put("cacheMode", c.getCacheMode()).put("confs", confs)
                .put("dataType", c.getDataType()).put("epochCount", c.getEpochCount())
                .put("inferenceWorkspaceMode", c.getInferenceWorkspaceMode()).put("inputPreProcessors", pre)
                .put("iterationCount", c.getIterationCount()).put("tbpttBackLength", c.getTbpttBackLength())
                .put("tbpttFwdLength", c.getTbpttFwdLength()).put("trainingWorkspaceMode", c.getTrainingWorkspaceMode())
                .put("validateOutputLayerConfig", c.isValidateOutputLayerConfig());
        return Json.pretty(o.node());
    }

    public static String toJson(ComputationGraphConfiguration c) {
        int[] order = c.topologicalOrder();
        ObjectNode vertexInputs = Json.F.objectNode();
        c.getVertexInputs().forEach((k, v) -> {
            ArrayNode a = Json.F.arrayNode();
            v.forEach(a::add);
            vertexInputs.set(k, a);
        });
        ObjectNode vertices = Json.F.objectNode();
        c.getVertices().forEach((k, v) -> vertices.set(k, vertex(v).node()));
        ArrayNode topo = Json.F.arrayNode();
        for (int i : order) topo.add(i);
        Json.Obj o = new Json.Obj()
                .put("backpropType", c.getBackpropType()).put("cacheMode", c.getCacheMode()).put("dataType", c.getDataType())
                .put("defaultConfiguration", nnc(c.getDefaultConfiguration())).put("epochCount", c.getEpochCount())
                .put("inferenceWorkspaceMode", c.getInferenceWorkspaceMode()).put("iterationCount", c.getIterationCount())
                .putStrings("networkInputs", c.getNetworkInputs()).putStrings("networkOutputs", c.getNetworkOutputs())
                .put("tbpttBackLength", c.getTbpttBackLength()).put("tbpttFwdLength", c.getTbpttFwdLength())
                .put("topologicalOrder", topo).putStrings("topologicalOrderStr", c.getTopologicalOrderStr())
                .put("trainingWorkspaceMode", c.getTrainingWorkspaceMode())
                .put("validateOutputLayerConfig", c.isValidateOutputLayerConfig())
                .put("vertexInputs", vertexInputs).put("vertices", vertices);
        return Json.pretty(o.node());
    }

    static Json.Obj nnc(NeuralNetConfiguration n) {
        return new Json.Obj().put("cacheMode", n.getCacheMode()).put("dataType", n.getDataType()).put("epochCount", n.getEpochCount())
                .put("iterationCount", n.getIterationCount()).put("layer", n.getLayer() == null ? null : LayerJson.write(n.getLayer()))
                .put("maxNumLineSearchIterations", n.getMaxNumLineSearchIterations()).put("miniBatch", n.isMiniBatch())
                .put("minimize", n.isMinimize()).put("optimizationAlgo", n.getOptimizationAlgo()).put("seed", n.getSeed())
                .putNull("stepFunction").putStrings("variables", n.getVariables());
    }

    static Json.Obj vertex(GraphVertex v) {
        Json.Obj o = new Json.Obj("@class", v.jsonClassName());
        if (v instanceof LayerVertex lv) {
            o.put("layerConf", nnc(lv.getLayerConf())).put("outputVertex", lv.isOutputVertex())
                    .put("preProcessor", ConfigObjectsJson.preProcessor(lv.getPreProcessor()));
        } else if (v instanceof MergeVertex m) {
            o.put("mergeAxis", m.getMergeAxis()).put("modified", m.isModified());
        } else if (v instanceof ElementWiseVertex e) {
            o.put("op", e.getOp().name());
        } else if (v instanceof PreprocessorVertex p) {
            o.put("preProcessor", ConfigObjectsJson.preProcessor(p.getPreProcessor()));
        } else if (v instanceof FrozenVertex f) {
            o.put("underlying", vertex(f.getUnderlying()));
        } else {
            throw new IllegalStateException("cannot write vertex " + v);
        }
        return o;
    }

    // ---- reading ----

    public static MultiLayerConfiguration multiLayerFromJson(String json) {
        JsonNode root = Json.parse(json);
        if (!root.has("confs")) {
            if (root.has("vertices")) {
                throw new InvalidConfigurationException("this configuration is a ComputationGraph (it has \"vertices\"), not a "
                        + "MultiLayerNetwork: use ComputationGraphConfiguration.fromJson");
            }
            throw new InvalidConfigurationException("not a MultiLayerConfiguration: no \"confs\" property (found " + Json.fieldNames(root) + ")");
        }
        List<NeuralNetConfiguration> confs = new ArrayList<>();
        JsonNode arr = root.get("confs");
        for (int i = 0; i < arr.size(); i++) confs.add(readNnc(arr.get(i), "confs[" + i + "]"));
        Map<Integer, InputPreProcessor> pre = new HashMap<>();
        JsonNode p = root.get("inputPreProcessors");
        if (p != null && p.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> it = p.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                int idx;
                try {
                    idx = Integer.parseInt(e.getKey());
                } catch (NumberFormatException ex) {
                    throw new InvalidConfigurationException("inputPreProcessors: key '" + e.getKey() + "' is not a layer index");
                }
                pre.put(idx, ConfigObjectsJson.preProcessor(e.getValue(), "inputPreProcessors." + e.getKey()));
            }
        }
        MultiLayerConfiguration c = new MultiLayerConfiguration(confs, pre);
        readNetworkSettings(root, c);
        return c;
    }

    /** The network-level fields both configuration kinds share, with DL4J's defaults when absent. */
    private static void readNetworkSettings(JsonNode root, NetworkSettings c) {
        c.setBackpropType(Json.str(root, "backpropType", "Standard"));
        c.setCacheMode(Json.str(root, "cacheMode", "NONE"));
        c.setDataType(Json.str(root, "dataType", "FLOAT"));
        c.setEpochCount(Json.integer(root, "epochCount", 0));
        c.setIterationCount(Json.integer(root, "iterationCount", 0));
        c.setInferenceWorkspaceMode(Json.str(root, "inferenceWorkspaceMode", "ENABLED"));
        c.setTrainingWorkspaceMode(Json.str(root, "trainingWorkspaceMode", "ENABLED"));
        c.setTbpttBackLength(Json.integer(root, "tbpttBackLength", 20));
        c.setTbpttFwdLength(Json.integer(root, "tbpttFwdLength", 20));
        c.setValidateOutputLayerConfig(Json.bool(root, "validateOutputLayerConfig", true));
    }

    public static ComputationGraphConfiguration graphFromJson(String json) {
        JsonNode root = Json.parse(json);
        if (!root.has("vertices") || !root.has("networkInputs")) {
            if (root.has("confs")) {
                throw new InvalidConfigurationException("this configuration is a MultiLayerNetwork (it has \"confs\"), not a "
                        + "ComputationGraph: use MultiLayerConfiguration.fromJson");
            }
            throw new InvalidConfigurationException("not a ComputationGraphConfiguration: needs \"vertices\" and \"networkInputs\" (found "
                    + Json.fieldNames(root) + ")");
        }
        ComputationGraphConfiguration c = new ComputationGraphConfiguration();
        c.setNetworkInputs(strings(root.get("networkInputs")));
        c.setNetworkOutputs(strings(root.get("networkOutputs")));
        Iterator<Map.Entry<String, JsonNode>> it = root.get("vertices").fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            c.getVertices().put(e.getKey(), readVertex(e.getValue(), "vertices." + e.getKey()));
        }
        JsonNode vi = root.get("vertexInputs");
        if (vi != null) {
            Iterator<Map.Entry<String, JsonNode>> it2 = vi.fields();
            while (it2.hasNext()) {
                Map.Entry<String, JsonNode> e = it2.next();
                c.getVertexInputs().put(e.getKey(), strings(e.getValue()));
            }
        }
        for (String name : c.getVertices().keySet()) c.getVertexInputs().putIfAbsent(name, new ArrayList<>());
        if (Json.has(root, "defaultConfiguration")) c.setDefaultConfiguration(readNnc(root.get("defaultConfiguration"), "defaultConfiguration"));
        readNetworkSettings(root, c);
        if (Json.has(root, "topologicalOrder")) {
            c.setTopologicalOrder(Json.ints(root, "topologicalOrder", null),
                    Json.has(root, "topologicalOrderStr") ? strings(root.get("topologicalOrderStr")) : null);
            validateStoredOrder(c);
        }
        c.validate();
        return c;
    }

    /** A stored order must be a permutation of the vertex indices whose names match topologicalOrderStr. */
    private static void validateStoredOrder(ComputationGraphConfiguration c) {
        int[] order = c.getTopologicalOrder();
        List<String> names = c.vertexNamesByIndex();
        boolean[] seen = new boolean[names.size()];
        if (order.length != names.size()) {
            throw new InvalidConfigurationException("topologicalOrder has " + order.length + " entries but the graph has "
                    + names.size() + " vertices (inputs included)");
        }
        for (int k = 0; k < order.length; k++) {
            int i = order[k];
            if (i < 0 || i >= names.size() || seen[i]) {
                throw new InvalidConfigurationException("topologicalOrder is not a permutation of 0.." + (names.size() - 1));
            }
            seen[i] = true;
            List<String> str = c.getTopologicalOrderStr();
            if (str != null && !names.get(i).equals(str.get(k))) {
                throw new InvalidConfigurationException("topologicalOrder[" + k + "] = " + i + " names vertex '" + names.get(i)
                        + "' but topologicalOrderStr[" + k + "] = '" + str.get(k) + "'");
            }
        }
    }

    static NeuralNetConfiguration readNnc(JsonNode n, String where) {
        NeuralNetConfiguration c = new NeuralNetConfiguration();
        if (n == null || !n.isObject()) throw new InvalidConfigurationException(where + ": expected an object, got " + n);
        c.setCacheMode(Json.str(n, "cacheMode", "NONE"));
        c.setDataType(Json.str(n, "dataType", "FLOAT"));
        c.setEpochCount(Json.integer(n, "epochCount", 0));
        c.setIterationCount(Json.integer(n, "iterationCount", 0));
        c.setMaxNumLineSearchIterations(Json.integer(n, "maxNumLineSearchIterations", 5));
        c.setMiniBatch(Json.bool(n, "miniBatch", true));
        c.setMinimize(Json.bool(n, "minimize", true));
        c.setOptimizationAlgo(Json.str(n, "optimizationAlgo", "STOCHASTIC_GRADIENT_DESCENT"));
        c.setSeed(Json.lng(n, "seed", 0));
        if (Json.has(n, "variables")) c.setVariables(strings(n.get("variables")));
        if (Json.has(n, "layer")) c.setLayer(LayerJson.read(n.get("layer"), where + ".layer"));
        return c;
    }

    static GraphVertex readVertex(JsonNode n, String where) {
        String cls = Json.classOf(n, where);
        String simple = cls.substring(cls.lastIndexOf('.') + 1);
        return switch (simple) {
            case "LayerVertex" -> {
                LayerVertex v = new LayerVertex(readNnc(n.get("layerConf"), where + ".layerConf"),
                        ConfigObjectsJson.preProcessor(n.get("preProcessor"), where + ".preProcessor"));
                v.setOutputVertex(Json.bool(n, "outputVertex", false));
                if (v.getLayer() == null) throw new InvalidConfigurationException(where + ".layerConf: no layer");
                yield v;
            }
            case "MergeVertex" -> {
                MergeVertex m = new MergeVertex();
                m.setMergeAxis(Json.integer(n, "mergeAxis", 1));
                m.setModified(Json.bool(n, "modified", false));
                yield m;
            }
            case "ElementWiseVertex" -> {
                String op = Json.str(n, "op", "Add");
                try {
                    yield new ElementWiseVertex(ElementWiseVertex.Op.valueOf(op));
                } catch (IllegalArgumentException e) {
                    throw new InvalidConfigurationException(where + ": unknown ElementWiseVertex op '" + op + "'");
                }
            }
            case "PreprocessorVertex" -> new PreprocessorVertex(ConfigObjectsJson.preProcessor(n.get("preProcessor"), where + ".preProcessor"));
            case "FrozenVertex" -> new FrozenVertex(readVertex(n.get("underlying"), where + ".underlying"));
            default -> throw new InvalidConfigurationException(where + ": unsupported vertex class " + cls + " (supported: "
                    + String.join(", ", SUPPORTED_VERTICES) + ")");
        };
    }

    private static List<String> strings(JsonNode a) {
        List<String> out = new ArrayList<>();
        if (a == null || a.isNull()) return out;
        for (JsonNode s : a) out.add(s.asText());
        return out;
    }
}
