package org.dl4jbridge.util;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * What an upgraded (M2.1-form) configuration holds, read from the JSON alone: each layer's name,
 * class, frozen state, sizes and parameter count (DL4J_SPEC 2.7). Lets the serializer check a
 * coefficients vector against its configuration and lets tools describe a model without
 * building it.
 */
public record ConfigSummary(ModelKind kind, List<Layer> layers) {

    /** One layer (MultiLayerNetwork index order, or ComputationGraph vertex order). */
    public record Layer(String name, String className, boolean frozen, long nIn, long nOut, long numParams) {
        public String simpleClassName() { return LegacyNames.simpleName(className); }
    }

    public long numParams() {
        long n = 0;
        for (Layer l : layers) n += l.numParams();
        return n;
    }

    public List<String> frozenLayerNames() {
        return layers.stream().filter(Layer::frozen).map(Layer::name).toList();
    }

    /** Summarizes configuration.json text of any DL4J release (upgraded first, refusing what the engine cannot run). */
    public static ConfigSummary ofJson(String json, String source) throws ModelFormatException {
        return of(LegacyConfigUpgrader.upgrade(LegacyConfigUpgrader.parse(json, source), source), source);
    }

    /** Summarizes a configuration already passed through {@link LegacyConfigUpgrader#upgrade}. */
    public static ConfigSummary of(JsonNode upgraded, String source) throws ModelFormatException {
        ModelKind kind = LegacyConfigUpgrader.kindOf(upgraded, source);
        List<Layer> layers = new ArrayList<>();
        if (kind == ModelKind.MULTI_LAYER_NETWORK) {
            JsonNode confs = upgraded.get("confs");
            for (int i = 0; i < confs.size(); i++) {
                layers.add(layer(confs.get(i).get("layer"), "layer" + i, false, source + ": layer " + i));
            }
        } else {
            for (Iterator<Map.Entry<String, JsonNode>> it = upgraded.get("vertices").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode v = e.getValue();
                boolean frozenVertex = v.path("@class").asText().endsWith(".FrozenVertex");
                if (frozenVertex) v = v.get("underlying");
                if (v.path("@class").asText().endsWith(".LayerVertex")) {
                    layers.add(layer(v.path("layerConf").get("layer"), e.getKey(), frozenVertex,
                            source + ": vertex '" + e.getKey() + "'"));
                }
            }
        }
        return new ConfigSummary(kind, List.copyOf(layers));
    }

    private static Layer layer(JsonNode layer, String defaultName, boolean frozen, String where)
            throws ModelFormatException {
        String cls = layer.path("@class").asText();
        String name = layer.hasNonNull("layerName") ? layer.get("layerName").asText() : defaultName;
        if (cls.equals(LegacyNames.FROZEN) || cls.equals(LegacyNames.FROZEN_BACKPROP)) {
            JsonNode inner = layer.has("underlying") ? layer.get("underlying") : layer.get("layer");
            Layer l = layer(inner, name, true, where);
            return new Layer(name, l.className(), true, l.nIn(), l.nOut(), l.numParams());
        }
        long nIn = layer.path("nin").asLong(0);
        long nOut = layer.path("nout").asLong(0);
        return new Layer(name, cls, frozen, nIn, nOut, numParams(cls, layer, nIn, nOut, where));
    }

    /** Parameter count per layer class, as DL4J's parameter initializers lay them out (DL4J_SPEC 2.7). */
    static long numParams(String cls, JsonNode l, long nIn, long nOut, String where) throws ModelFormatException {
        boolean bias = l.path("hasBias").asBoolean(true);
        String simple = LegacyNames.simpleName(cls);
        switch (simple) {
            case "DenseLayer", "OutputLayer" -> {
                long n = nIn * nOut + (bias ? nOut : 0);
                if (l.path("hasLayerNorm").asBoolean(false)) n += nOut;
                return n;
            }
            case "ConvolutionLayer", "Convolution2D" -> {
                return nOut * nIn * kernelArea(l, where) + (bias ? nOut : 0);
            }
            case "DepthwiseConvolution2D" -> {
                long m = l.path("depthMultiplier").asLong(1);
                return m * nIn * kernelArea(l, where) + (bias ? nIn * m : 0);
            }
            case "SeparableConvolution2D" -> {
                long m = l.path("depthMultiplier").asLong(1);
                return m * nIn * kernelArea(l, where) + nOut * nIn * m + (bias ? nOut : 0);
            }
            case "BatchNormalization" -> {
                return (l.path("lockGammaBeta").asBoolean(false) ? 2 : 4) * nOut;
            }
            default -> {
                return 0;
            }
        }
    }

    private static long kernelArea(JsonNode l, String where) throws ModelFormatException {
        JsonNode k = l.get("kernelSize");
        if (k == null || !k.isArray() || k.size() != 2) {
            throw new ModelFormatException(where + ": convolution layer without a two-element \"kernelSize\"");
        }
        return k.get(0).asLong() * k.get(1).asLong();
    }
}
