package org.dl4jbridge.nn.conf.serde;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import org.dl4jbridge.nn.updater.schedule.ISchedule;
import org.dl4jbridge.nn.updater.schedule.ScheduleType;

/** ISchedule objects <-> JSON (org.nd4j.linalg.schedule.*, properties alphabetical, DL4J_SPEC 3.8). */
final class ScheduleJson {
    private ScheduleJson() {}

    static Json.Obj write(ISchedule s) {
        Json.Obj o = new Json.Obj("@class", s.jsonClassName());
        if (s instanceof ISchedule.FixedSchedule f) return o.put("value", f.value);
        o.put("scheduleType", s.getScheduleType().name());
        if (s instanceof ISchedule.StepSchedule x) o.put("decayRate", x.decayRate).put("initialValue", x.initialValue).put("step", x.step);
        else if (s instanceof ISchedule.ExponentialSchedule x) o.put("gamma", x.gamma).put("initialValue", x.initialValue);
        else if (s instanceof ISchedule.InverseSchedule x) o.put("gamma", x.gamma).put("initialValue", x.initialValue).put("power", x.power);
        else if (s instanceof ISchedule.PolySchedule x) o.put("initialValue", x.initialValue).put("maxIter", x.maxIter).put("power", x.power);
        else if (s instanceof ISchedule.SigmoidSchedule x) o.put("gamma", x.gamma).put("initialValue", x.initialValue).put("stepSize", x.stepSize);
        else if (s instanceof ISchedule.MapSchedule x) {
            // Map keys keep numeric order, as DL4J's map does
            com.fasterxml.jackson.databind.node.ObjectNode m = Json.F.objectNode();
            x.values.forEach((k, val) -> m.put(String.valueOf(k), val));
            o.put("values", m);
        }
        return o;
    }

    static ISchedule read(JsonNode n, String where) {
        String cls = Json.classOf(n, where);
        String simple = cls.substring(cls.lastIndexOf('.') + 1);
        ScheduleType t = ScheduleType.valueOf(Json.str(n, "scheduleType", "ITERATION"));
        double init = Json.dbl(n, "initialValue", Double.NaN);
        return switch (simple) {
            case "FixedSchedule" -> new ISchedule.FixedSchedule(Json.dbl(n, "value", Double.NaN));
            case "StepSchedule" -> new ISchedule.StepSchedule(t, init, Json.dbl(n, "decayRate", 1), Json.dbl(n, "step", 1));
            case "ExponentialSchedule" -> new ISchedule.ExponentialSchedule(t, init, Json.dbl(n, "gamma", 1));
            case "InverseSchedule" -> new ISchedule.InverseSchedule(t, init, Json.dbl(n, "gamma", 0), Json.dbl(n, "power", 1));
            case "PolySchedule" -> new ISchedule.PolySchedule(t, init, Json.dbl(n, "power", 1), Json.integer(n, "maxIter", 1));
            case "SigmoidSchedule" -> new ISchedule.SigmoidSchedule(t, init, Json.dbl(n, "gamma", 1), Json.integer(n, "stepSize", 0));
            case "MapSchedule" -> {
                Map<Integer, Double> values = new TreeMap<>();
                JsonNode v = n.get("values");
                if (v != null) {
                    Iterator<Map.Entry<String, JsonNode>> it = v.fields();
                    while (it.hasNext()) {
                        Map.Entry<String, JsonNode> e = it.next();
                        values.put(Integer.parseInt(e.getKey()), e.getValue().asDouble());
                    }
                }
                yield new ISchedule.MapSchedule(t, values);
            }
            default -> throw new InvalidConfigurationException(where + ": unsupported schedule " + cls
                    + " (supported: Fixed, Step, Exponential, Inverse, Poly, Sigmoid, Map)");
        };
    }
}
