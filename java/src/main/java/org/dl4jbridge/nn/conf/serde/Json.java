package org.dl4jbridge.nn.conf.serde;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.TreeMap;

/**
 * Low-level helpers for DL4J's JSON dialect: objects whose properties are written in alphabetical
 * order with the type id ({@code @class} or {@code type}) first, pretty-printed as Jackson's default
 * pretty printer does (DL4J_SPEC 3.1).
 */
public final class Json {
    static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Json() {}

    /** Collects properties, then emits them sorted (type id first). */
    public static final class Obj {
        private final String typeKey;
        private final String typeValue;
        private final TreeMap<String, JsonNode> props = new TreeMap<>();

        public Obj() { this(null, null); }
        public Obj(String typeKey, String typeValue) { this.typeKey = typeKey; this.typeValue = typeValue; }

        public Obj put(String k, JsonNode v) { props.put(k, v == null ? NullNode.getInstance() : v); return this; }
        public Obj put(String k, String v) { return put(k, v == null ? NullNode.getInstance() : F.textNode(v)); }
        public Obj put(String k, double v) { return put(k, F.numberNode(v)); }
        public Obj put(String k, long v) { return put(k, F.numberNode(v)); }
        public Obj put(String k, int v) { return put(k, F.numberNode(v)); }
        public Obj put(String k, boolean v) { return put(k, F.booleanNode(v)); }
        public Obj put(String k, Obj v) { return put(k, v == null ? null : v.node()); }
        public Obj putNull(String k) { return put(k, (JsonNode) null); }
        public Obj put(String k, int[] v) {
            if (v == null) return putNull(k);
            ArrayNode a = F.arrayNode();
            for (int x : v) a.add(x);
            return put(k, a);
        }
        public Obj putStrings(String k, Iterable<String> v) {
            if (v == null) return putNull(k);
            ArrayNode a = F.arrayNode();
            for (String x : v) a.add(x);
            return put(k, a);
        }

        public ObjectNode node() {
            ObjectNode o = F.objectNode();
            if (typeKey != null) o.put(typeKey, typeValue);
            for (Map.Entry<String, JsonNode> e : props.entrySet()) o.set(e.getKey(), e.getValue());
            return o;
        }
    }

    public static String pretty(JsonNode n) {
        try {
            return MAPPER.writeValueAsString(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }

    public static JsonNode parse(String json) {
        if (json == null || json.isBlank()) throw new InvalidConfigurationException("configuration JSON is empty");
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new InvalidConfigurationException("configuration is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    // ---- lenient readers: a missing or null property gives the default -----------------------

    public static boolean has(JsonNode o, String k) { return o != null && o.hasNonNull(k); }

    public static String str(JsonNode o, String k, String def) { return has(o, k) ? o.get(k).asText() : def; }

    public static double dbl(JsonNode o, String k, double def) {
        if (!has(o, k)) return def;
        JsonNode v = o.get(k);
        if (v.isTextual()) {
            String t = v.asText();
            if (t.equals("NaN")) return Double.NaN;
            try { return Double.parseDouble(t); } catch (NumberFormatException e) { return def; }
        }
        return v.asDouble();
    }

    public static long lng(JsonNode o, String k, long def) { return has(o, k) ? o.get(k).asLong() : def; }

    public static int integer(JsonNode o, String k, int def) { return has(o, k) ? o.get(k).asInt() : def; }

    public static boolean bool(JsonNode o, String k, boolean def) { return has(o, k) ? o.get(k).asBoolean() : def; }

    public static int[] ints(JsonNode o, String k, int[] def) {
        if (!has(o, k)) return def;
        JsonNode a = o.get(k);
        if (!a.isArray()) return new int[] {a.asInt(), a.asInt()};
        int[] r = new int[a.size()];
        for (int i = 0; i < r.length; i++) r[i] = a.get(i).asInt();
        return r;
    }

    /** The {@code @class} of an object, or a clear error naming where it is missing. */
    public static String classOf(JsonNode o, String where) {
        if (o == null || !o.isObject()) throw new InvalidConfigurationException(where + ": expected a JSON object, got " + o);
        JsonNode c = o.get("@class");
        if (c == null) {
            throw new InvalidConfigurationException(where + ": no \"@class\" property (found " + fieldNames(o)
                    + "). This reader takes DL4J 1.0.0-beta..M2.1 JSON; convert legacy (0.x) files with the serde converter first");
        }
        return c.asText();
    }

    static String fieldNames(JsonNode o) {
        StringBuilder sb = new StringBuilder("[");
        o.fieldNames().forEachRemaining(n -> sb.append(sb.length() > 1 ? ", " : "").append(n));
        return sb.append(']').toString();
    }
}
