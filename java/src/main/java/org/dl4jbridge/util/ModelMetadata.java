package org.dl4jbridge.util;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.dl4jbridge.Engine;

/**
 * dl4j-bridge's own entry in a model zip ({@value ModelZip#METADATA}): plain JSON describing what
 * the numbers alone do not say (class labels, input shape, preprocessing, seed, metrics) plus the
 * versions that wrote it. DL4J ignores unknown zip entries, and Python reads it without a JVM.
 *
 * <p>Well-known keys have typed accessors; any other key can be set with {@link #put}.
 */
public final class ModelMetadata {
    public static final String FORMAT = "dl4j-bridge-metadata";
    public static final int FORMAT_VERSION = 1;
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private final ObjectNode root;

    public ModelMetadata() {
        this(F.objectNode());
    }

    private ModelMetadata(ObjectNode root) {
        this.root = root;
    }

    public static ModelMetadata fromJson(String json, String source) throws ModelFormatException {
        JsonNode n = LegacyConfigUpgrader.parse(json, source);
        return new ModelMetadata(((ObjectNode) n).deepCopy());
    }

    /** The JSON as written into the zip, with the format marker and the writing versions. */
    public String toJson() {
        ObjectNode out = F.objectNode();
        out.put("format", FORMAT);
        out.put("formatVersion", FORMAT_VERSION);
        root.fields().forEachRemaining(e -> {
            if (!e.getKey().equals("format") && !e.getKey().equals("formatVersion")) out.set(e.getKey(), e.getValue());
        });
        if (!out.has("versions")) {
            ObjectNode v = out.putObject("versions");
            v.put("dl4jBridge", Engine.VERSION);
            v.put("dl4jFormat", "1.0.0-M2.1");
            v.put("java", System.getProperty("java.version"));
        }
        return LegacyConfigUpgrader.toJson(out);
    }

    // ---- well-known keys ------------------------------------------------------------------------

    public ModelMetadata labels(List<String> labels) {
        ArrayNode a = root.putArray("labels");
        labels.forEach(a::add);
        return this;
    }

    public List<String> labels() {
        List<String> out = new ArrayList<>();
        root.path("labels").forEach(n -> out.add(n.asText()));
        return out;
    }

    /** Input shape without the minibatch dimension, e.g. {3, 224, 224}. */
    public ModelMetadata inputShape(long... shape) {
        ArrayNode a = root.putArray("inputShape");
        for (long s : shape) a.add(s);
        return this;
    }

    public long[] inputShape() {
        JsonNode a = root.path("inputShape");
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).asLong();
        return out;
    }

    /** How inputs must be prepared, e.g. "VGG16ImagePreProcessor" or a JSON description. */
    public ModelMetadata preprocessing(String description) {
        root.put("preprocessing", description);
        return this;
    }

    public String preprocessing() {
        return root.hasNonNull("preprocessing") ? root.get("preprocessing").asText() : null;
    }

    public ModelMetadata seed(long seed) {
        root.put("seed", seed);
        return this;
    }

    public Long seed() {
        return root.hasNonNull("seed") ? root.get("seed").asLong() : null;
    }

    public ModelMetadata metric(String name, double value) {
        ObjectNode m = root.has("metrics") ? (ObjectNode) root.get("metrics") : root.putObject("metrics");
        m.put(name, value);
        return this;
    }

    public Map<String, Double> metrics() {
        Map<String, Double> out = new LinkedHashMap<>();
        root.path("metrics").fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asDouble()));
        return out;
    }

    // ---- any key ------------------------------------------------------------------------------------

    /** Sets {@code key} to a JSON value given as text, e.g. {@code put("notes", "\"fine-tuned\"")}. */
    public ModelMetadata put(String key, String jsonValue) throws ModelFormatException {
        root.set(key, LegacyConfigUpgrader.parseValue(jsonValue, "metadata value of '" + key + "'"));
        return this;
    }

    /** The JSON text of {@code key}, or null. */
    public String get(String key) {
        JsonNode n = root.get(key);
        return n == null ? null : LegacyConfigUpgrader.toJson(n);
    }

    @Override
    public String toString() {
        return toJson();
    }
}
