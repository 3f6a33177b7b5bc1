package org.dl4jbridge.util;

import static org.dl4jbridge.util.LegacyNames.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Rewrites one layer's JSON (any dialect from 0.5.0 on) into the M2.1 {@code @class} form,
 * following how DL4J's own deserializer converts legacy fields (DL4J_SPEC 3.2, 3.7, 3.8):
 * wrapper objects, activation strings, loss enums, the updater enum with flat hyperparameters,
 * the weight-init enum with its distribution, {@code dropOut}, and {@code l1}/{@code l2}.
 */
final class LegacyLayerUpgrader {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    /** Fields that only legacy layers carry; dropped once converted. */
    private static final List<String> LEGACY_FIELDS = List.of(
            "activationFunction", "lossFunction", "customLossFunction", "updater", "learningRate", "biasLearningRate",
            "momentum", "momentumSchedule", "rho", "epsilon", "rmsDecay", "adamMeanDecay", "adamVarDecay",
            "learningRateSchedule", "weightInit", "dist", "dropOut", "l1", "l2", "l1Bias", "l2Bias", "biasL1",
            "biasL2", "convolutionType", "pretrain");

    private LegacyLayerUpgrader() {}

    /**
     * @param layer    the layer JSON: a wrapper object or an {@code @class} object
     * @param conf     the enclosing NeuralNetConfiguration (legacy dropout/learning-rate policy live there)
     * @param where    e.g. "layer 2" or "vertex 'fc'", for messages
     * @param defaultName the layer name DL4J gives an unnamed layer
     */
    static ObjectNode upgrade(JsonNode layer, JsonNode conf, String where, String defaultName)
            throws ModelFormatException {
        if (layer == null || !layer.isObject()) {
            throw new ModelFormatException(where + ": layer is " + (layer == null ? "missing" : layer.getNodeType())
                    + "; expected a JSON object");
        }
        String cls;
        ObjectNode fields;
        if (layer.has("@class")) {
            cls = layer.get("@class").asText();
            fields = ((ObjectNode) layer).deepCopy();
            fields.remove("@class");
        } else {
            String wrapper = singleKey(layer, where + " layer");
            cls = LAYER_WRAPPERS.get(wrapper);
            if (cls == null) {
                throw new ModelFormatException(where + ": unknown layer type '" + wrapper + "'. dl4j-bridge supports "
                        + "only these convolutional and feed-forward layers: " + supportedLayerList());
            }
            JsonNode inner = layer.get(wrapper);
            fields = inner != null && inner.isObject() ? ((ObjectNode) inner).deepCopy() : F.objectNode();
        }
        if (!SUPPORTED_LAYERS.contains(cls)) {
            throw new ModelFormatException(where + ": layer class " + cls + " is not supported. dl4j-bridge supports "
                    + "only these convolutional and feed-forward layers: " + supportedLayerList());
        }
        if (fields.path("layerName").isNull() || !fields.has("layerName")) fields.put("layerName", defaultName);

        if (cls.equals(FROZEN) || cls.equals(FROZEN_BACKPROP)) {
            String innerKey = fields.has("underlying") ? "underlying" : "layer";
            ObjectNode inner = upgrade(fields.get(innerKey), conf, where + " (inside " + simpleName(cls) + ")",
                    fields.get("layerName").asText());
            fields.remove(List.of("layer", "underlying"));
            fields.set(cls.equals(FROZEN) ? "layer" : "underlying", inner);
            fields.putIfAbsent("constraints", F.nullNode());
            fields.putIfAbsent("idropout", F.nullNode());
            return withClass(cls, fields);
        }

        convertActivation(fields, where);
        if (OUTPUT_LAYERS.contains(cls)) convertLoss(fields, where);
        if (BASE_LAYERS.contains(cls)) {
            convertUpdater(fields, conf, where);
            convertWeightInit(fields, where);
            convertRegularization(fields);
        }
        convertDropout(fields, conf);
        fields.putIfAbsent("constraints", F.nullNode());
        if (BASE_LAYERS.contains(cls)) fields.putIfAbsent("weightNoise", F.nullNode());
        convertGeometry(cls, fields);
        fields.remove(LEGACY_FIELDS);
        return withClass(cls, fields);
    }

    // ---- activation and loss -------------------------------------------------------------------

    private static void convertActivation(ObjectNode f, String where) throws ModelFormatException {
        JsonNode fn = f.get("activationFn");
        if (fn != null && fn.isObject() && !fn.has("@class")) {
            String name = singleKey(fn, where + " activationFn");
            String cls = ACTIVATION_WRAPPERS.get(name);
            if (cls == null) throw new ModelFormatException(where + ": unknown activation '" + name + "'");
            f.set("activationFn", activation(cls, fn.get(name)));
        } else if ((fn == null || fn.isNull()) && f.hasNonNull("activationFunction")) {
            String name = f.get("activationFunction").asText();
            String cls = ACTIVATION_STRINGS.get(name.toLowerCase());
            if (cls == null) throw new ModelFormatException(where + ": unknown activation function '" + name + "'");
            f.set("activationFn", activation(cls, null));
        }
    }

    private static ObjectNode activation(String cls, JsonNode params) {
        ObjectNode o = F.objectNode();
        o.put("@class", cls);
        if (params != null && params.isObject()) params.fields().forEachRemaining(e -> o.set(e.getKey(), e.getValue()));
        // Instances built from names carry the class's defaults, as DL4J's no-argument constructors do.
        if (cls.endsWith("ActivationReLU")) {
            for (String k : List.of("max", "negativeSlope", "threshold")) o.putIfAbsent(k, F.nullNode());
        } else if (cls.endsWith("ActivationLReLU")) {
            o.putIfAbsent("alpha", F.numberNode(0.01));
        } else if (cls.endsWith("ActivationELU")) {
            o.putIfAbsent("alpha", F.numberNode(1.0));
        }
        return o;
    }

    private static void convertLoss(ObjectNode f, String where) throws ModelFormatException {
        JsonNode fn = f.get("lossFn");
        ObjectNode loss;
        if (fn != null && fn.isObject() && fn.has("@class")) {
            loss = ((ObjectNode) fn).deepCopy();
        } else if (fn != null && fn.isObject() && fn.size() > 0) {
            String name = singleKey(fn, where + " lossFn");
            String cls = LOSS_WRAPPERS.get(name);
            if (cls == null) throw new ModelFormatException(where + ": unknown loss function '" + name + "'");
            loss = F.objectNode().put("@class", cls);
            JsonNode params = fn.get(name);
            if (params != null && params.isObject()) params.fields().forEachRemaining(e -> loss.set(e.getKey(), e.getValue()));
        } else if (f.hasNonNull("lossFunction")) {
            String name = f.get("lossFunction").asText();
            String cls = LOSS_ENUMS.get(name);
            if (cls == null) {
                throw new ModelFormatException(where + ": loss function " + name + " has no modern equivalent; "
                        + "supported: " + LOSS_ENUMS.keySet());
            }
            loss = F.objectNode().put("@class", cls);
        } else {
            return;
        }
        loss.remove("configProperties");
        String cls = loss.get("@class").asText();
        if (cls.endsWith("LossMCXENT") || cls.endsWith("LossNegativeLogLikelihood")) {
            loss.putIfAbsent("softmaxClipEps", F.numberNode(1.0E-10));
        }
        f.set("lossFn", loss);
    }

    // ---- updater ----------------------------------------------------------------------------------

    private static void convertUpdater(ObjectNode f, JsonNode conf, String where) throws ModelFormatException {
        if (f.hasNonNull("iupdater")) return;
        if (!f.hasNonNull("updater")) return;
        String name = f.get("updater").asText();
        double lr = num(f, "learningRate");
        double eps = num(f, "epsilon");
        ObjectNode u = F.objectNode();
        switch (name) {
            case "SGD" -> { u.put("@class", UPDATER + "Sgd"); u.put("learningRate", lr); }
            case "NESTEROVS" -> {
                u.put("@class", UPDATER + "Nesterovs");
                u.put("learningRate", lr);
                u.put("momentum", num(f, "momentum"));
            }
            case "RMSPROP" -> {
                u.put("@class", UPDATER + "RmsProp");
                u.put("epsilon", Double.isNaN(eps) ? 1e-8 : eps);
                u.put("learningRate", lr);
                u.put("rmsDecay", num(f, "rmsDecay"));
            }
            case "ADAM", "ADAMAX", "NADAM" -> {
                u.put("@class", UPDATER + (name.equals("ADAM") ? "Adam" : name.equals("ADAMAX") ? "AdaMax" : "Nadam"));
                u.put("beta1", num(f, "adamMeanDecay"));
                u.put("beta2", num(f, "adamVarDecay"));
                u.put("epsilon", Double.isNaN(eps) ? 1e-8 : eps);
                u.put("learningRate", lr);
            }
            case "ADAGRAD" -> {
                u.put("@class", UPDATER + "AdaGrad");
                u.put("epsilon", Double.isNaN(eps) ? 1e-6 : eps);
                u.put("learningRate", lr);
            }
            case "ADADELTA" -> {
                u.put("@class", UPDATER + "AdaDelta");
                u.put("epsilon", Double.isNaN(eps) ? 1e-6 : eps);
                u.put("rho", num(f, "rho"));
            }
            case "NONE" -> u.put("@class", UPDATER + "NoOp");
            default -> throw new ModelFormatException(where + ": updater '" + name + "' cannot be converted "
                    + "(supported: SGD, NESTEROVS, RMSPROP, ADAM, ADAMAX, NADAM, ADAGRAD, ADADELTA, NONE)");
        }
        ObjectNode schedule = LegacyLearningRate.schedule(conf, f, lr, where);
        if (schedule != null && u.has("learningRate")) u.set("learningRateSchedule", schedule);
        f.set("iupdater", u);
        f.putIfAbsent("biasUpdater", F.nullNode());
    }

    // ---- weight init ------------------------------------------------------------------------------

    private static void convertWeightInit(ObjectNode f, String where) throws ModelFormatException {
        if (f.hasNonNull("weightInitFn")) return;
        if (!f.hasNonNull("weightInit")) return;
        String name = f.get("weightInit").asText();
        ObjectNode w = F.objectNode();
        switch (name) {
            case "ZERO", "ONES" -> {
                w.put("@class", WEIGHTS + "WeightInitConstant");
                w.put("value", name.equals("ZERO") ? 0.0 : 1.0);
            }
            case "DISTRIBUTION" -> {
                w.put("@class", WEIGHTS + "WeightInitDistribution");
                w.set("distribution", distribution(f.get("dist"), where));
            }
            default -> {
                String cls = WEIGHT_INITS.get(name);
                if (cls == null) throw new ModelFormatException(where + ": unknown weight init '" + name + "'");
                w.put("@class", cls);
            }
        }
        f.set("weightInitFn", w);
    }

    static ObjectNode distribution(JsonNode dist, String where) throws ModelFormatException {
        if (dist == null || dist.isNull()) {
            throw new ModelFormatException(where + ": weightInit DISTRIBUTION without a 'dist'");
        }
        ObjectNode out = F.objectNode();
        if (dist.has("type") || dist.has("@class")) {
            out.put("type", dist.has("type") ? dist.get("type").asText() : dist.get("@class").asText());
            dist.fields().forEachRemaining(e -> {
                if (!e.getKey().equals("type") && !e.getKey().equals("@class")) out.set(e.getKey(), e.getValue());
            });
            return out;
        }
        String name = singleKey(dist, where + " dist");
        String cls = DISTRIBUTIONS.get(name);
        if (cls == null) throw new ModelFormatException(where + ": unknown distribution '" + name + "'");
        out.put("type", cls);
        dist.get(name).fields().forEachRemaining(e -> out.set(e.getKey(), e.getValue()));
        return out;
    }

    // ---- regularization and dropout ---------------------------------------------------------------

    private static void convertRegularization(ObjectNode f) {
        if (!f.has("regularization")) {
            ArrayNode weights = F.arrayNode();
            double l1 = num(f, "l1");
            double l2 = num(f, "l2");
            if (l1 > 0) weights.add(regularizer("L1Regularization", "l1", l1));
            // DL4J turns a legacy l2 into WeightDecay without the learning rate (1.0.0-beta3 behaviour).
            if (l2 > 0) weights.add(weightDecay(l2));
            f.set("regularization", weights);
        }
        if (!f.has("regularizationBias")) {
            ArrayNode bias = F.arrayNode();
            double l1b = Math.max(nz(num(f, "l1Bias")), nz(num(f, "biasL1")));
            double l2b = Math.max(nz(num(f, "l2Bias")), nz(num(f, "biasL2")));
            if (l1b > 0) bias.add(regularizer("L1Regularization", "l1", l1b));
            if (l2b > 0) bias.add(weightDecay(l2b));
            f.set("regularizationBias", bias);
        }
    }

    private static ObjectNode regularizer(String cls, String field, double value) {
        ObjectNode r = F.objectNode().put("@class", REG + cls);
        r.set(field, fixed(value));
        return r;
    }

    private static ObjectNode weightDecay(double coeff) {
        ObjectNode r = F.objectNode().put("@class", REG + "WeightDecay");
        r.put("applyLR", false);
        r.set("coeff", fixed(coeff));
        return r;
    }

    static ObjectNode fixed(double value) {
        return F.objectNode().put("@class", FIXED_SCHEDULE).put("value", value);
    }

    private static void convertDropout(ObjectNode f, JsonNode conf) {
        if (f.hasNonNull("idropout") || !f.has("dropOut")) {
            f.putIfAbsent("idropout", F.nullNode());
            return;
        }
        double d = num(f, "dropOut");
        f.set("idropout", F.nullNode());
        if (Double.isNaN(d)) return;
        if (conf != null && conf.path("useDropConnect").asBoolean(false)) {
            ObjectNode dc = F.objectNode().put("@class", DROPCONNECT);
            dc.put("applyToBiases", false);
            dc.put("weightRetainProb", d);
            f.set("weightNoise", dc);
        } else if (d > 0.0) {
            // Legacy dropOut is already DL4J's retain probability: Dropout(p) with the same value.
            ObjectNode dropout = F.objectNode().put("@class", DROPOUT);
            dropout.put("helperAllowFallback", true);
            dropout.put("p", d);
            dropout.set("pSchedule", F.nullNode());
            f.set("idropout", dropout);
        }
    }

    // ---- geometry fields --------------------------------------------------------------------------

    private static void convertGeometry(String cls, ObjectNode f) {
        boolean convOrPool = cls.endsWith("ConvolutionLayer") || cls.endsWith("Convolution2D")
                || cls.endsWith("SubsamplingLayer") || cls.endsWith("Pooling2D");
        if (convOrPool) {
            // 0.5.0's convolutionType is ignored by DL4J's reader: the mode is the field default, Truncate.
            f.putIfAbsent("convolutionMode", F.textNode("Truncate"));
            if (!f.has("dilation")) f.set("dilation", F.arrayNode().add(1).add(1));
            f.putIfAbsent("cnn2dDataFormat", F.textNode("NCHW"));
        }
        if (cls.endsWith("Upsampling2D") && f.has("size") && f.get("size").isNumber()) {
            int s = f.get("size").asInt();
            f.set("size", F.arrayNode().add(s).add(s));
        }
        if ((cls.endsWith("ConvolutionLayer") || cls.endsWith("DenseLayer") || cls.endsWith("OutputLayer")
                || cls.endsWith("Convolution2D")) && !f.has("hasBias")) {
            f.put("hasBias", true);
        }
    }

    // ---- helpers ------------------------------------------------------------------------------------

    static String singleKey(JsonNode wrapper, String what) throws ModelFormatException {
        if (!wrapper.isObject() || wrapper.size() != 1) {
            throw new ModelFormatException(what + ": expected an object with one type name as its only key, found "
                    + (wrapper.isObject() ? "keys " + fieldNames(wrapper) : wrapper.getNodeType()));
        }
        return wrapper.fieldNames().next();
    }

    private static List<String> fieldNames(JsonNode n) {
        List<String> names = new ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** A numeric field that 0.x files may write as "NaN" text; NaN when absent or null. */
    static double num(JsonNode f, String key) {
        JsonNode v = f.get(key);
        if (v == null || v.isNull()) return Double.NaN;
        if (v.isNumber()) return v.asDouble();
        if (v.isTextual()) {
            try {
                return Double.parseDouble(v.asText());
            } catch (NumberFormatException e) {
                return Double.NaN;
            }
        }
        return Double.NaN;
    }

    private static double nz(double v) {
        return Double.isNaN(v) ? 0.0 : v;
    }

    /** {@code @class} first, then the properties in alphabetical order, as M2.1 writes them. */
    static ObjectNode withClass(String cls, ObjectNode fields) {
        ObjectNode out = F.objectNode();
        out.put("@class", cls);
        Map<String, JsonNode> sorted = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = fields.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            sorted.put(e.getKey(), e.getValue());
        }
        sorted.forEach(out::set);
        return out;
    }
}
