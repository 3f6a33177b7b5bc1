package org.dl4jbridge.nn.conf.serde;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.ArrayList;
import java.util.List;
import org.dl4jbridge.nn.conf.CNN2DFormat;
import org.dl4jbridge.nn.conf.InputPreProcessor;
import org.dl4jbridge.nn.conf.activations.Activation;
import org.dl4jbridge.nn.conf.activations.IActivation;
import org.dl4jbridge.nn.conf.distribution.Distribution;
import org.dl4jbridge.nn.conf.distribution.NormalDistribution;
import org.dl4jbridge.nn.conf.distribution.UniformDistribution;
import org.dl4jbridge.nn.conf.dropout.Dropout;
import org.dl4jbridge.nn.conf.dropout.IDropout;
import org.dl4jbridge.nn.conf.losses.ILossFunction;
import org.dl4jbridge.nn.conf.losses.LossFunctions;
import org.dl4jbridge.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.dl4jbridge.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.dl4jbridge.nn.conf.regularization.L1Regularization;
import org.dl4jbridge.nn.conf.regularization.L2Regularization;
import org.dl4jbridge.nn.conf.regularization.Regularization;
import org.dl4jbridge.nn.conf.regularization.WeightDecay;
import org.dl4jbridge.nn.updater.Adam;
import org.dl4jbridge.nn.updater.IUpdater;
import org.dl4jbridge.nn.updater.Nesterovs;
import org.dl4jbridge.nn.updater.NoOp;
import org.dl4jbridge.nn.updater.RmsProp;
import org.dl4jbridge.nn.updater.Sgd;
import org.dl4jbridge.nn.weights.IWeightInit;
import org.dl4jbridge.nn.weights.WeightInitConstant;
import org.dl4jbridge.nn.weights.WeightInitDistribution;

/** JSON of the small polymorphic objects inside layer configurations (DL4J_SPEC 3.7, 3.8). */
final class ConfigObjectsJson {
    static final String REG_PACKAGE = "org.nd4j.linalg.learning.regularization.";
    static final String FIXED_SCHEDULE = "org.nd4j.linalg.schedule.FixedSchedule";
    static final String DROPOUT = "org.deeplearning4j.nn.conf.dropout.Dropout";

    private ConfigObjectsJson() {}

    // ---- activations ----
    static Json.Obj activation(IActivation a) {
        if (a == null) return null;
        Json.Obj o = new Json.Obj("@class", a.getType().implClassName());
        switch (a.getType()) {
            case RELU -> o.put("max", num(a.getMax())).put("negativeSlope", num(a.getNegativeSlope())).put("threshold", num(a.getThreshold()));
            case LEAKYRELU, ELU -> o.put("alpha", a.getAlpha());
            default -> { }
        }
        return o;
    }

    static IActivation activation(JsonNode n, String where) {
        if (n == null || n.isNull()) return null;
        String cls = Json.classOf(n, where);
        Activation t = Activation.fromImplClass(cls);
        if (t == null) throw new InvalidConfigurationException(where + ": unsupported activation class " + cls);
        Double alpha = Json.has(n, "alpha") ? Double.valueOf(n.get("alpha").asDouble()) : t.getActivationFunction().getAlpha();
        return new IActivation(t, alpha, dblOrNull(n, "max"), dblOrNull(n, "negativeSlope"), dblOrNull(n, "threshold"));
    }

    // ---- losses ----
    static Json.Obj loss(ILossFunction l) {
        if (l == null) return null;
        Json.Obj o = new Json.Obj("@class", l.getType().implClassName());
        if (l.hasClipEps()) o.put("softmaxClipEps", l.getSoftmaxClipEps());
        float[] w = l.getWeights();
        if (w != null) {
            ArrayNode a = Json.F.arrayNode();
            for (float x : w) a.add(x);
            o.put("weights", a);
        }
        return o;
    }

    static ILossFunction loss(JsonNode n, String where) {
        if (n == null || n.isNull()) return null;
        String cls = Json.classOf(n, where);
        LossFunctions.LossFunction t = LossFunctions.LossFunction.fromImplClass(cls);
        if (t == null) {
            throw new InvalidConfigurationException(where + ": unsupported loss function " + cls
                    + " (supported: LossMCXENT, LossNegativeLogLikelihood, LossMSE)");
        }
        float[] w = null;
        if (Json.has(n, "weights") && n.get("weights").isArray()) {
            JsonNode a = n.get("weights");
            w = new float[a.size()];
            for (int i = 0; i < w.length; i++) w[i] = (float) a.get(i).asDouble();
        }
        return new ILossFunction(t, Json.dbl(n, "softmaxClipEps", ILossFunction.DEFAULT_SOFTMAX_CLIP_EPS), w);
    }

    // ---- updaters (nulls omitted) ----
    static Json.Obj updater(IUpdater u) {
        if (u == null) return null;
        Json.Obj o = new Json.Obj("@class", u.jsonClassName());
        if (u.getLearningRateSchedule() != null) o.put("learningRateSchedule", ScheduleJson.write(u.getLearningRateSchedule()));
        if (u instanceof Sgd s) o.put("learningRate", s.getLearningRate());
        else if (u instanceof Nesterovs x) o.put("learningRate", x.getLearningRate()).put("momentum", x.getMomentum());
        else if (u instanceof Adam a) o.put("beta1", a.getBeta1()).put("beta2", a.getBeta2()).put("epsilon", a.getEpsilon())
                .put("learningRate", a.getLearningRate());
        else if (u instanceof RmsProp r) o.put("epsilon", r.getEpsilon()).put("learningRate", r.getLearningRate())
                .put("rmsDecay", r.getRmsDecay());
        return o;
    }

    static IUpdater updater(JsonNode n, String where) {
        if (n == null || n.isNull()) return null;
        String cls = Json.classOf(n, where);
        for (String sched : new String[] {"momentumISchedule", "momentumSchedule"}) {
            if (Json.has(n, sched) && !(n.get(sched).isObject() && n.get(sched).size() == 0)) {
                throw new InvalidConfigurationException(where + ": " + sched + " (momentum schedules) is not supported yet");
            }
        }
        String simple = cls.startsWith(IUpdater.CONFIG_PACKAGE) ? cls.substring(IUpdater.CONFIG_PACKAGE.length()) : cls;
        if (Json.has(n, "learningRateSchedule")) {
            org.dl4jbridge.nn.updater.schedule.ISchedule sch = ScheduleJson.read(n.get("learningRateSchedule"), where + ".learningRateSchedule");
            return switch (simple) {
                case "Sgd" -> new Sgd(sch);
                case "Nesterovs" -> new Nesterovs(sch, Json.dbl(n, "momentum", Nesterovs.DEFAULT_NESTEROV_MOMENTUM));
                case "Adam" -> new Adam(sch);
                case "RmsProp" -> new RmsProp(sch);
                default -> throw new InvalidConfigurationException(where + ": a learning-rate schedule on " + cls + " is not supported");
            };
        }
        return switch (simple) {
            case "Sgd" -> new Sgd(Json.dbl(n, "learningRate", Sgd.DEFAULT_SGD_LR));
            case "Nesterovs" -> new Nesterovs(Json.dbl(n, "learningRate", Nesterovs.DEFAULT_NESTEROV_LEARNING_RATE),
                    Json.dbl(n, "momentum", Nesterovs.DEFAULT_NESTEROV_MOMENTUM));
            case "Adam" -> new Adam(Json.dbl(n, "learningRate", Adam.DEFAULT_ADAM_LEARNING_RATE),
                    Json.dbl(n, "beta1", Adam.DEFAULT_ADAM_BETA1_MEAN_DECAY), Json.dbl(n, "beta2", Adam.DEFAULT_ADAM_BETA2_VAR_DECAY),
                    Json.dbl(n, "epsilon", Adam.DEFAULT_ADAM_EPSILON));
            case "RmsProp" -> new RmsProp(Json.dbl(n, "learningRate", RmsProp.DEFAULT_RMSPROP_LEARNING_RATE),
                    Json.dbl(n, "rmsDecay", RmsProp.DEFAULT_RMSPROP_RMSDECAY), Json.dbl(n, "epsilon", RmsProp.DEFAULT_RMSPROP_EPSILON));
            case "NoOp" -> new NoOp();
            default -> throw new InvalidConfigurationException(where + ": unsupported updater " + cls
                    + " (supported: Sgd, Nesterovs, Adam, RmsProp, NoOp)");
        };
    }

    // ---- weight init and distributions ----
    static Json.Obj weightInit(IWeightInit w) {
        if (w == null) return null;
        Json.Obj o = new Json.Obj("@class", w.jsonClassName());
        if (w instanceof WeightInitConstant c) o.put("value", c.getValue());
        if (w instanceof WeightInitDistribution d) o.put("distribution", distribution(d.getDistribution()));
        return o;
    }

    static IWeightInit weightInit(JsonNode n, String where) {
        if (n == null || n.isNull()) return null;
        String cls = Json.classOf(n, where);
        String simple = cls.startsWith(IWeightInit.PACKAGE) ? cls.substring(IWeightInit.PACKAGE.length()) : cls;
        return switch (simple) {
            case "WeightInitConstant" -> new WeightInitConstant(Json.dbl(n, "value", 0.0));
            case "WeightInitDistribution" -> new WeightInitDistribution(distribution(n.get("distribution"), where + ".distribution"));
            default -> {
                try {
                    Class<?> k = Class.forName(IWeightInit.class.getPackageName() + "." + simple);
                    if (!IWeightInit.class.isAssignableFrom(k)) throw new ClassNotFoundException(simple);
                    yield (IWeightInit) k.getDeclaredConstructor().newInstance();
                } catch (ReflectiveOperationException e) {
                    throw new InvalidConfigurationException(where + ": unsupported weight init " + cls);
                }
            }
        };
    }

    static Json.Obj distribution(Distribution d) {
        Json.Obj o = new Json.Obj("type", d.jsonClassName());
        if (d instanceof NormalDistribution n) o.put("mean", n.getMean()).put("std", n.getStd());
        if (d instanceof UniformDistribution u) o.put("lower", u.getLower()).put("upper", u.getUpper());
        return o;
    }

    static Distribution distribution(JsonNode n, String where) {
        if (n == null || n.isNull()) throw new InvalidConfigurationException(where + ": missing distribution");
        String t = Json.str(n, "type", Json.str(n, "@class", ""));
        if (t.endsWith("NormalDistribution") || t.endsWith("GaussianDistribution")) {
            return new NormalDistribution(Json.dbl(n, "mean", 0), Json.dbl(n, "std", 1));
        }
        if (t.endsWith("UniformDistribution")) return new UniformDistribution(Json.dbl(n, "lower", 0), Json.dbl(n, "upper", 1));
        throw new InvalidConfigurationException(where + ": unsupported distribution type '" + t + "' (supported: Normal, Uniform)");
    }

    // ---- dropout ----
    static Json.Obj dropout(IDropout d) {
        if (d == null) return null;
        if (!(d instanceof Dropout x)) throw new IllegalStateException("cannot write dropout " + d);
        return new Json.Obj("@class", DROPOUT).put("helperAllowFallback", x.isHelperAllowFallback()).put("p", x.getP())
                .putNull("pschedule");   // DL4J 1.0.0-M2.1 writes the Jackson getter name (compat/'s TransferLearningConfigTest)
    }

    static IDropout dropout(JsonNode n, String where) {
        if (n == null || n.isNull()) return null;
        String cls = Json.classOf(n, where);
        if (!cls.equals(DROPOUT)) throw new InvalidConfigurationException(where + ": unsupported dropout " + cls + " (supported: Dropout)");
        if (Json.has(n, "pSchedule") || Json.has(n, "pschedule")) {
            throw new InvalidConfigurationException(where + ": dropout schedules are not supported yet");
        }
        return new Dropout(Json.dbl(n, "p", 0.5));
    }

    // ---- regularization ----
    static JsonNode regularization(List<Regularization> list) {
        ArrayNode a = Json.F.arrayNode();
        if (list == null) return a;
        for (Regularization r : list) {
            Json.Obj sched = new Json.Obj("@class", FIXED_SCHEDULE).put("value", r.coefficient());
            if (r instanceof L1Regularization) a.add(new Json.Obj("@class", REG_PACKAGE + "L1Regularization").put("l1", sched).node());
            else if (r instanceof L2Regularization) a.add(new Json.Obj("@class", REG_PACKAGE + "L2Regularization").put("l2", sched).node());
            else if (r instanceof WeightDecay w) {
                a.add(new Json.Obj("@class", REG_PACKAGE + "WeightDecay").put("applyLR", w.isApplyLR()).put("coeff", sched).node());
            }
        }
        return a;
    }

    static List<Regularization> regularization(JsonNode n, String where) {
        List<Regularization> out = new ArrayList<>();
        if (n == null || n.isNull()) return out;
        for (int i = 0; i < n.size(); i++) {
            JsonNode r = n.get(i);
            String cls = Json.classOf(r, where + "[" + i + "]");
            if (cls.endsWith(".L1Regularization")) out.add(new L1Regularization(schedule(r.get("l1"), where)));
            else if (cls.endsWith(".L2Regularization")) out.add(new L2Regularization(schedule(r.get("l2"), where)));
            else if (cls.endsWith(".WeightDecay")) out.add(new WeightDecay(schedule(r.get("coeff"), where), Json.bool(r, "applyLR", true)));
            else throw new InvalidConfigurationException(where + "[" + i + "]: unsupported regularization " + cls);
        }
        return out;
    }

    private static double schedule(JsonNode s, String where) {
        if (s == null || s.isNull()) return 0.0;
        if (s.isNumber()) return s.asDouble();
        String cls = Json.classOf(s, where);
        if (!cls.equals(FIXED_SCHEDULE)) throw new InvalidConfigurationException(where + ": regularization schedule " + cls + " is not supported");
        return Json.dbl(s, "value", 0.0);
    }

    // ---- pre-processors ----
    static Json.Obj preProcessor(InputPreProcessor p) {
        if (p == null) return null;
        if (p instanceof CnnToFeedForwardPreProcessor c) {
            return new Json.Obj("@class", CnnToFeedForwardPreProcessor.CLASS).put("format", c.getFormat().name())
                    .put("inputHeight", c.getInputHeight()).put("inputWidth", c.getInputWidth()).put("numChannels", c.getNumChannels());
        }
        if (p instanceof FeedForwardToCnnPreProcessor f) {
            return new Json.Obj("@class", FeedForwardToCnnPreProcessor.CLASS).put("inputHeight", f.getInputHeight())
                    .put("inputWidth", f.getInputWidth()).put("numChannels", f.getNumChannels());
        }
        throw new IllegalStateException("cannot write pre-processor " + p);
    }

    static InputPreProcessor preProcessor(JsonNode n, String where) {
        if (n == null || n.isNull()) return null;
        String cls = Json.classOf(n, where);
        long h = Json.lng(n, "inputHeight", 0), w = Json.lng(n, "inputWidth", 0), c = Json.lng(n, "numChannels", 0);
        if (cls.equals(CnnToFeedForwardPreProcessor.CLASS)) {
            return new CnnToFeedForwardPreProcessor(h, w, c, CNN2DFormat.valueOf(Json.str(n, "format", "NCHW")));
        }
        if (cls.equals(FeedForwardToCnnPreProcessor.CLASS)) return new FeedForwardToCnnPreProcessor(h, w, c);
        throw new InvalidConfigurationException(where + ": unsupported pre-processor " + cls
                + " (supported: CnnToFeedForwardPreProcessor, FeedForwardToCnnPreProcessor)");
    }

    private static com.fasterxml.jackson.databind.JsonNode num(Double d) {
        return d == null ? com.fasterxml.jackson.databind.node.NullNode.getInstance() : Json.F.numberNode(d);
    }

    private static Double dblOrNull(JsonNode n, String k) { return Json.has(n, k) ? n.get(k).asDouble() : null; }
}
