package org.dl4jbridge.util;

import static org.dl4jbridge.util.LegacyNames.*;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns a {@code configuration.json} of any DL4J release from 0.5.0 to 1.0.0-M2.1 into the M2.1
 * {@code @class} form (DL4J_SPEC 3.2–3.8), so that one reader (the configuration classes'
 * {@code fromJson}) serves every generation. M2.1 documents pass through with defaults filled in.
 *
 * <p>Layers, vertices and preprocessors outside what dl4j-bridge runs (recurrent layers, for
 * example) are refused here with a {@link ModelFormatException} that names them.
 */
public final class LegacyConfigUpgrader {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private static final List<String> MLN_FIELDS = List.of("backpropType", "cacheMode", "confs", "dataType",
            "epochCount", "inferenceWorkspaceMode", "inputPreProcessors", "iterationCount", "tbpttBackLength",
            "tbpttFwdLength", "trainingWorkspaceMode", "validateOutputLayerConfig");
    private static final List<String> CG_FIELDS = List.of("backpropType", "cacheMode", "dataType",
            "defaultConfiguration", "epochCount", "inferenceWorkspaceMode", "iterationCount", "networkInputs",
            "networkOutputs", "tbpttBackLength", "tbpttFwdLength", "topologicalOrder", "topologicalOrderStr",
            "trainingWorkspaceMode", "validateOutputLayerConfig", "vertexInputs", "vertices");
    private static final List<String> CONF_FIELDS = List.of("cacheMode", "dataType", "epochCount",
            "iterationCount", "layer", "maxNumLineSearchIterations", "miniBatch", "minimize", "optimizationAlgo",
            "seed", "stepFunction", "variables");
    private static final Set<String> WORKSPACE_MODES = Set.of("ENABLED", "NONE");

    private LegacyConfigUpgrader() {}

    /** Which of DL4J's two model kinds a configuration describes (DL4J_SPEC 1.3). */
    public static ModelKind kindOf(JsonNode root, String source) throws ModelFormatException {
        if (root != null && root.has("vertices")) return ModelKind.COMPUTATION_GRAPH;
        if (root != null && root.has("confs")) return ModelKind.MULTI_LAYER_NETWORK;
        throw new ModelFormatException(source + ": neither a ComputationGraph (no \"vertices\") nor a "
                + "MultiLayerNetwork (no \"confs\") configuration");
    }

    public static ObjectNode upgrade(String json, String source) throws ModelFormatException {
        return upgrade(parse(json, source), source);
    }

    /** The upgraded configuration as pretty-printed JSON text. */
    public static String upgradeToJson(String json, String source) throws ModelFormatException {
        return toJson(upgrade(json, source));
    }

    public static JsonNode parse(String json, String source) throws ModelFormatException {
        try {
            JsonNode root = MAPPER.readTree(json);
            if (root == null || !root.isObject()) {
                throw new ModelFormatException(source + ": expected a JSON object, found "
                        + (root == null ? "nothing" : root.getNodeType()));
            }
            return root;
        } catch (JsonProcessingException e) {
            throw new ModelFormatException(source + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** Any JSON value (object, array, string, number...), for metadata entries. */
    static JsonNode parseValue(String json, String source) throws ModelFormatException {
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new ModelFormatException(source + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    public static String toJson(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serializes", e);
        }
    }

    public static ObjectNode upgrade(JsonNode root, String source) throws ModelFormatException {
        ModelKind kind = kindOf(root, source);
        ObjectNode out = F.objectNode();
        copy(root, out, kind == ModelKind.COMPUTATION_GRAPH ? CG_FIELDS : MLN_FIELDS);
        out.putIfAbsent("backpropType", F.textNode("Standard"));
        out.putIfAbsent("cacheMode", F.textNode("NONE"));
        // Files before 1.0.0-beta4 have no data type; DL4J then uses FLOAT (and the params' type).
        if (!out.hasNonNull("dataType")) out.put("dataType", "FLOAT");
        out.putIfAbsent("epochCount", F.numberNode(0));
        out.putIfAbsent("iterationCount", F.numberNode(0));
        out.putIfAbsent("tbpttBackLength", F.numberNode(20));
        out.putIfAbsent("tbpttFwdLength", F.numberNode(20));
        out.putIfAbsent("validateOutputLayerConfig", F.booleanNode(true));
        for (String key : List.of("trainingWorkspaceMode", "inferenceWorkspaceMode")) {
            String mode = out.path(key).asText("ENABLED");
            // SEPARATE and SINGLE (up to 1.0.0-alpha) both meant "use workspaces".
            out.put(key, WORKSPACE_MODES.contains(mode) ? mode : "ENABLED");
        }
        if (kind == ModelKind.MULTI_LAYER_NETWORK) {
            upgradeMultiLayer(root, out, source);
        } else {
            upgradeGraph(root, out, source);
        }
        return sorted(out);
    }

    // ---- MultiLayerNetwork ----------------------------------------------------------------------

    private static void upgradeMultiLayer(JsonNode root, ObjectNode out, String source) throws ModelFormatException {
        JsonNode confs = root.get("confs");
        if (!confs.isArray() || confs.isEmpty()) {
            throw new ModelFormatException(source + ": \"confs\" must be a non-empty list of layer configurations");
        }
        ArrayNode upgraded = F.arrayNode();
        for (int i = 0; i < confs.size(); i++) {
            upgraded.add(upgradeConf(confs.get(i), source + ": layer " + i, "layer" + i, false));
        }
        out.set("confs", upgraded);
        ObjectNode pre = F.objectNode();
        JsonNode old = root.path("inputPreProcessors");
        for (Iterator<Map.Entry<String, JsonNode>> it = old.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            int index;
            try {
                index = Integer.parseInt(e.getKey());
            } catch (NumberFormatException ex) {
                index = -1;
            }
            if (index < 0 || index >= confs.size()) {
                throw new ModelFormatException(source + ": input preprocessor key '" + e.getKey()
                        + "' is not a layer index 0.." + (confs.size() - 1));
            }
            if (!e.getValue().isNull()) {
                pre.set(e.getKey(), upgradePreprocessor(e.getValue(), source + ": preprocessor of layer " + index));
            }
        }
        out.set("inputPreProcessors", pre);
    }

    // ---- ComputationGraph -----------------------------------------------------------------------

    private static void upgradeGraph(JsonNode root, ObjectNode out, String source) throws ModelFormatException {
        if (!root.path("networkInputs").isArray() || !root.path("networkOutputs").isArray()) {
            throw new ModelFormatException(source + ": a ComputationGraph configuration needs \"networkInputs\" "
                    + "and \"networkOutputs\" lists");
        }
        JsonNode def = root.get("defaultConfiguration");
        out.set("defaultConfiguration", def == null || def.isNull()
                ? defaultsOnlyConf() : upgradeConf(def, source + ": defaultConfiguration", null, true));
        ObjectNode vertices = F.objectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.get("vertices").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            vertices.set(e.getKey(), upgradeVertex(e.getKey(), e.getValue(), source));
        }
        out.set("vertices", vertices);
        out.set("vertexInputs", root.has("vertexInputs") ? root.get("vertexInputs").deepCopy() : F.objectNode());
    }

    private static ObjectNode upgradeVertex(String name, JsonNode vertex, String source) throws ModelFormatException {
        String where = source + ": vertex '" + name + "'";
        String cls;
        ObjectNode fields;
        if (vertex != null && vertex.has("@class")) {
            cls = vertex.get("@class").asText();
            fields = ((ObjectNode) vertex).deepCopy();
            fields.remove("@class");
        } else {
            if (vertex == null) throw new ModelFormatException(where + ": missing");
            String wrapper = LegacyLayerUpgrader.singleKey(vertex, where);
            cls = VERTEX_WRAPPERS.get(wrapper);
            if (cls == null) {
                throw new ModelFormatException(where + ": unknown vertex type '" + wrapper + "'. dl4j-bridge supports "
                        + "only these vertices: " + supportedVertexList());
            }
            JsonNode inner = vertex.get(wrapper);
            fields = inner != null && inner.isObject() ? ((ObjectNode) inner).deepCopy() : F.objectNode();
        }
        if (!SUPPORTED_VERTICES.contains(cls)) {
            throw new ModelFormatException(where + ": vertex class " + cls + " is not supported. dl4j-bridge supports "
                    + "only these vertices: " + supportedVertexList());
        }
        switch (simpleName(cls)) {
            case "LayerVertex" -> {
                fields.set("layerConf", upgradeConf(fields.get("layerConf"), where, name, false));
                JsonNode pre = fields.get("preProcessor");
                fields.set("preProcessor", pre == null || pre.isNull() ? F.nullNode()
                        : upgradePreprocessor(pre, where + " preProcessor"));
                fields.putIfAbsent("outputVertex", F.booleanNode(false));
            }
            case "PreprocessorVertex" -> fields.set("preProcessor",
                    upgradePreprocessor(fields.get("preProcessor"), where + " preProcessor"));
            case "FrozenVertex" -> fields.set("underlying", upgradeVertex(name, fields.get("underlying"), source));
            case "MergeVertex" -> fields.putIfAbsent("mergeAxis", F.numberNode(1));
            default -> { }
        }
        return LegacyLayerUpgrader.withClass(cls, fields);
    }

    // ---- shared pieces --------------------------------------------------------------------------

    private static ObjectNode upgradeConf(JsonNode conf, String where, String layerName, boolean layerOptional)
            throws ModelFormatException {
        if (conf == null || !conf.isObject()) {
            throw new ModelFormatException(where + ": layer configuration is missing or not an object");
        }
        ObjectNode out = F.objectNode();
        copy(conf, out, CONF_FIELDS);
        JsonNode layer = conf.get("layer");
        if (layer == null || layer.isNull()) {
            if (!layerOptional) throw new ModelFormatException(where + ": no \"layer\" in its configuration");
            out.set("layer", F.nullNode());
        } else {
            out.set("layer", LegacyLayerUpgrader.upgrade(layer, conf, where, layerName));
        }
        fillConfDefaults(out);
        return sorted(out);
    }

    private static ObjectNode defaultsOnlyConf() {
        ObjectNode out = F.objectNode();
        out.set("layer", F.nullNode());
        fillConfDefaults(out);
        return sorted(out);
    }

    private static void fillConfDefaults(ObjectNode out) {
        out.putIfAbsent("cacheMode", F.textNode("NONE"));
        if (!out.hasNonNull("dataType")) out.put("dataType", "FLOAT");
        out.putIfAbsent("epochCount", F.numberNode(0));
        out.putIfAbsent("iterationCount", F.numberNode(0));
        out.putIfAbsent("maxNumLineSearchIterations", F.numberNode(5));
        out.putIfAbsent("miniBatch", F.booleanNode(true));
        out.putIfAbsent("minimize", F.booleanNode(true));
        out.putIfAbsent("optimizationAlgo", F.textNode("STOCHASTIC_GRADIENT_DESCENT"));
        out.putIfAbsent("stepFunction", F.nullNode());
        out.putIfAbsent("variables", F.arrayNode());
    }

    static ObjectNode upgradePreprocessor(JsonNode pre, String where) throws ModelFormatException {
        if (pre == null || !pre.isObject()) throw new ModelFormatException(where + ": missing or not an object");
        String cls;
        ObjectNode fields;
        if (pre.has("@class")) {
            cls = pre.get("@class").asText();
            fields = ((ObjectNode) pre).deepCopy();
            fields.remove("@class");
        } else {
            String wrapper = LegacyLayerUpgrader.singleKey(pre, where);
            cls = PREPROCESSOR_WRAPPERS.get(wrapper);
            if (cls == null) throw new ModelFormatException(where + ": unknown preprocessor type '" + wrapper + "'");
            JsonNode inner = pre.get(wrapper);
            fields = inner != null && inner.isObject() ? ((ObjectNode) inner).deepCopy() : F.objectNode();
        }
        if (!SUPPORTED_PREPROCESSORS.contains(cls)) {
            throw new ModelFormatException(where + ": preprocessor " + cls + " is not supported (recurrent input "
                    + "formats are outside dl4j-bridge); supported: "
                    + SUPPORTED_PREPROCESSORS.stream().map(LegacyNames::simpleName).sorted().toList());
        }
        if (cls.endsWith(".CnnToFeedForwardPreProcessor")) fields.putIfAbsent("format", F.textNode("NCHW"));
        if (cls.endsWith(".ComposableInputPreProcessor")) {
            ArrayNode inner = F.arrayNode();
            for (JsonNode p : fields.path("inputPreProcessors")) inner.add(upgradePreprocessor(p, where));
            fields.set("inputPreProcessors", inner);
        }
        return LegacyLayerUpgrader.withClass(cls, fields);
    }

    private static void copy(JsonNode from, ObjectNode to, List<String> keys) {
        for (String k : keys) {
            if (from.has(k)) to.set(k, from.get(k).deepCopy());
        }
    }

    private static ObjectNode sorted(ObjectNode node) {
        ObjectNode out = F.objectNode();
        java.util.TreeMap<String, JsonNode> m = new java.util.TreeMap<>();
        node.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue()));
        m.forEach(out::set);
        return out;
    }
}
