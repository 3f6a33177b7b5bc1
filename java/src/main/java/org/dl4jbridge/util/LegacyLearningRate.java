package org.dl4jbridge.util;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The 0.x learning-rate policy ({@code learningRatePolicy} + {@code lrPolicy*} on the
 * configuration, {@code learningRateSchedule} on the layer) as an ISchedule object
 * (DL4J_SPEC 3.8) attached to the converted updater.
 */
final class LegacyLearningRate {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final String SCHEDULE = "org.nd4j.linalg.schedule.";

    private LegacyLearningRate() {}

    /** The schedule, or null when the policy is absent or "None". */
    static ObjectNode schedule(JsonNode conf, JsonNode layer, double lr, String where) throws ModelFormatException {
        String policy = conf == null ? "None" : conf.path("learningRatePolicy").asText("None");
        if (policy.equals("None")) return null;
        double decay = LegacyLayerUpgrader.num(conf, "lrPolicyDecayRate");
        double steps = LegacyLayerUpgrader.num(conf, "lrPolicySteps");
        double power = LegacyLayerUpgrader.num(conf, "lrPolicyPower");
        ObjectNode s = F.objectNode();
        switch (policy) {
            case "Exponential" -> {
                s.put("@class", SCHEDULE + "ExponentialSchedule");
                s.put("gamma", decay);
            }
            case "Inverse" -> {
                s.put("@class", SCHEDULE + "InverseSchedule");
                s.put("gamma", decay);
                s.put("power", power);
            }
            case "Step" -> {
                s.put("@class", SCHEDULE + "StepSchedule");
                s.put("decayRate", decay);
                s.put("step", steps);
            }
            case "Sigmoid" -> {
                s.put("@class", SCHEDULE + "SigmoidSchedule");
                s.put("gamma", decay);
                s.put("stepSize", (int) steps);
            }
            case "Schedule" -> {
                JsonNode map = layer.get("learningRateSchedule");
                if (map == null || !map.isObject() || map.isEmpty()) {
                    throw new ModelFormatException(where + ": learningRatePolicy Schedule without a learningRateSchedule map");
                }
                s.put("@class", SCHEDULE + "MapSchedule");
                s.put("scheduleType", "ITERATION");
                s.set("values", map.deepCopy());
                return s;
            }
            default -> throw new ModelFormatException(where + ": legacy learning-rate policy '" + policy
                    + "' cannot be converted (supported: None, Exponential, Inverse, Step, Sigmoid, Schedule)");
        }
        s.put("initialValue", lr);
        s.put("scheduleType", "ITERATION");
        return s;
    }
}
