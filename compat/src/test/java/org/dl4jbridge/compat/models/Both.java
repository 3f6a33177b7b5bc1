package org.dl4jbridge.compat.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.zip.ZipFile;
import org.dl4jbridge.ndarray.NDArray;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What the model-compatibility tests share: arrays copied between the engine ({@link NDArray}) and
 * ND4J ({@link INDArray}), one batch held by both, the relative-error measure and its assertions,
 * and a key-by-key JSON tree comparison.
 *
 * <p>Relative error of an array {@code got} against {@code ref}: {@code max_i |got_i - ref_i| / max_i |ref_i|}
 * (the largest difference over the reference's scale). Element-wise relative error is not used: a
 * float32 value that cancels to near zero has no meaningful relative error.
 */
final class Both {
    private Both() {}

    static final ObjectMapper JSON = new ObjectMapper();

    /** The engine array as a c-order float ND4J array of the same shape. */
    static INDArray nd4j(NDArray a) {
        int[] s = a.shape();
        long[] shape = new long[s.length];
        for (int i = 0; i < s.length; i++) shape[i] = s[i];
        return Nd4j.create(a.toFloatArray(), shape, 'c');
    }

    /** The ND4J array as an engine array of the same shape (values in c order). */
    static NDArray engine(INDArray a) {
        long[] s = a.shape();
        int[] shape = new int[s.length];
        for (int i = 0; i < s.length; i++) shape[i] = Math.toIntExact(s[i]);
        return NDArray.of(floats(a), shape);
    }

    /** The values of an ND4J array in c order, as float. */
    static float[] floats(INDArray a) {
        if (a.length() == 0) return new float[0];
        return Nd4j.toFlattened('c', a.castTo(DataType.FLOAT)).toFloatVector();
    }

    /** One minibatch held by both sides: features and one-hot (or, for regression, real) labels. */
    record Batch(NDArray x, NDArray y) {
        org.dl4jbridge.datasets.DataSet engine() { return new org.dl4jbridge.datasets.DataSet(x, y); }
        org.nd4j.linalg.dataset.DataSet dl4j() { return new org.nd4j.linalg.dataset.DataSet(nd4j(x), nd4j(y)); }
    }

    /** Gaussian features of shape {@code featureShape} and one-hot labels over {@code classes}, from {@code seed}. */
    static Batch classification(long seed, int classes, int... featureShape) {
        Random r = new Random(seed);
        NDArray x = NDArray.zeros(featureShape);
        for (int i = 0; i < x.length(); i++) x.put(i, (float) r.nextGaussian());
        int mb = featureShape[0];
        NDArray y = NDArray.zeros(mb, classes);
        for (int i = 0; i < mb; i++) y.putAt(1f, i, (i + r.nextInt(classes)) % classes);
        return new Batch(x, y);
    }

    /** Gaussian features and uniform real targets in [0, 1) (for MSE). */
    static Batch regression(long seed, int outputs, int... featureShape) {
        Random r = new Random(seed);
        NDArray x = NDArray.zeros(featureShape);
        for (int i = 0; i < x.length(); i++) x.put(i, (float) r.nextGaussian());
        NDArray y = NDArray.zeros(featureShape[0], outputs);
        for (int i = 0; i < y.length(); i++) y.put(i, r.nextFloat());
        return new Batch(x, y);
    }

    /** {@code max|got - ref| / max|ref|}; 0 when both are all zero. */
    static double relErr(float[] got, float[] ref) {
        assertEquals(ref.length, got.length, "array lengths");
        double maxDiff = 0, scale = 0;
        for (int i = 0; i < ref.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs((double) got[i] - ref[i]));
            scale = Math.max(scale, Math.abs((double) ref[i]));
        }
        if (maxDiff == 0) return 0;
        return scale == 0 ? Double.POSITIVE_INFINITY : maxDiff / scale;
    }

    /** Fails unless {@code relErr(engine, dl4j) <= tol}, naming the worst element. */
    static double assertClose(String what, float[] engine, float[] dl4j, double tol) {
        double e = relErr(engine, dl4j);
        if (!(e <= tol)) {
            int worst = 0;
            for (int i = 0; i < dl4j.length; i++) {
                if (Math.abs(engine[i] - dl4j[i]) > Math.abs(engine[worst] - dl4j[worst])) worst = i;
            }
            fail(what + ": relative error " + e + " > " + tol + " (worst element " + worst + ": engine "
                    + engine[worst] + ", DL4J " + dl4j[worst] + ", of " + dl4j.length + ")");
        }
        return e;
    }

    static double assertClose(String what, NDArray engine, INDArray dl4j, double tol) {
        assertEquals(java.util.Arrays.toString(dl4j.shape()), java.util.Arrays.toString(toLong(engine.shape())), what + ": shape");
        return assertClose(what, engine.toFloatArray(), floats(dl4j), tol);
    }

    private static long[] toLong(int[] s) {
        long[] l = new long[s.length];
        for (int i = 0; i < s.length; i++) l[i] = s[i];
        return l;
    }

    /**
     * How many one-ulp perturbations of the initial parameters estimate the run's float32 conditioning. One
     * pattern is a single sample of a spread: after the engine's convolution backward changed its summation
     * order (one GEMM over a tile of whole images instead of one per image), RmsProp/MSE step 8 read 1.6e-6
     * against DL4J while the one pattern moved the engine's own score by only 3.0e-7; the largest of a few
     * patterns is the steadier estimate of how far float32 rounding alone moves that step.
     */
    static final int NUDGES = 4;

    /**
     * The parameters moved by one float32 ulp each: pattern 0 alternately up and down, the others up or down
     * at random (seeded by the pattern).
     */
    static org.dl4jbridge.ndarray.NDArray nudge(org.dl4jbridge.ndarray.NDArray p, int pattern) {
        org.dl4jbridge.ndarray.NDArray q = p.dup();
        java.util.Random signs = new java.util.Random(pattern);
        for (int i = 0; i < q.length(); i++) {
            boolean up = pattern == 0 ? i % 2 == 0 : signs.nextBoolean();
            q.put(i, up ? Math.nextUp(q.get(i)) : Math.nextDown(q.get(i)));
        }
        return q;
    }

    /** How far beyond a tolerance a run may read where float32 itself spreads that far (see SameTrainingTest). */
    static final double SENSITIVITY_FACTOR = 4;

    /**
     * {@link #assertParamsClose}, except that an array beyond {@code tol} passes where the run is that
     * ill-conditioned in float32: the engine's own run, repeated from its starting parameters moved by one ulp
     * each ({@link #NUDGES} patterns; {@code nudgedRun} gives the final parameters of pattern k), ends at least
     * 1/{@link #SENSITIVITY_FACTOR} of the engine-DL4J difference away from the engine's final parameters.
     * Computed only when an array exceeds {@code tol}; each array so accepted is printed.
     */
    static double assertParamsCloseOrIllConditioned(String what, Map<String, NDArray> engine, Map<String, INDArray> dl4j,
                                                    double tol, java.util.function.IntFunction<Map<String, NDArray>> nudgedRun) {
        assertEquals(new TreeSet<>(dl4j.keySet()), new TreeSet<>(engine.keySet()), what + ": parameter keys");
        double worst = 0;
        Map<String, Double> beyond = new java.util.TreeMap<>();
        for (String k : new TreeSet<>(dl4j.keySet())) {
            double r = relErr(engine.get(k).toFloatArray(), floats(dl4j.get(k)));
            worst = Math.max(worst, r);
            if (!(r <= tol)) beyond.put(k, r);
        }
        if (beyond.isEmpty()) return worst;
        Map<String, Double> spread = new java.util.TreeMap<>();
        for (int p = 0; p < NUDGES; p++) {
            Map<String, NDArray> run = nudgedRun.apply(p);
            for (String k : beyond.keySet()) {
                spread.merge(k, relErr(run.get(k).toFloatArray(), engine.get(k).toFloatArray()), Math::max);
            }
        }
        List<String> bad = new ArrayList<>();
        for (Map.Entry<String, Double> e : beyond.entrySet()) {
            String line = e.getKey() + " " + e.getValue() + " (the engine's own largest change for " + NUDGES
                    + " one-ulp changes of its starting parameters: " + spread.get(e.getKey()) + ")";
            if (e.getValue() <= SENSITIVITY_FACTOR * spread.get(e.getKey())) {
                System.out.println(what + ": beyond " + tol + " but within float32 conditioning: " + line);
            } else {
                bad.add(line);
            }
        }
        if (!bad.isEmpty()) fail(what + ": parameters beyond " + tol + " relative: " + bad);
        return worst;
    }

    /**
     * Every parameter array by key (same key set on both sides), each within {@code tol} relative, plus
     * the whole flat vector; returns the largest per-array error.
     */
    static double assertParamsClose(String what, Map<String, NDArray> engine, Map<String, INDArray> dl4j, double tol) {
        assertEquals(new TreeSet<>(dl4j.keySet()), new TreeSet<>(engine.keySet()), what + ": parameter keys");
        double worst = 0;
        List<String> bad = new ArrayList<>();
        for (String k : new TreeSet<>(dl4j.keySet())) {
            float[] e = engine.get(k).toFloatArray(), d = floats(dl4j.get(k));
            double r = relErr(e, d);
            worst = Math.max(worst, r);
            if (!(r <= tol)) bad.add(k + " " + r);
        }
        if (!bad.isEmpty()) fail(what + ": parameters beyond " + tol + " relative: " + bad);
        return worst;
    }

    /**
     * Every vertex activation (inference mode) that both graphs compute under the same name, within
     * {@code tol}: a softmax over a few classes hides most of the network, its inputs do not. Returns
     * the largest error.
     */
    static double assertActivationsClose(String what, org.dl4jbridge.nn.graph.ComputationGraph engine,
                                         org.deeplearning4j.nn.graph.ComputationGraph dl4j, NDArray x, double tol) {
        Map<String, NDArray> e = engine.feedForward(x, false);
        Map<String, INDArray> d = dl4j.feedForward(nd4j(x), false);
        // DL4J's ActivationLayer works in place on its input in inference, so the array feedForward
        // returns for the vertex before it already holds the activated values: those are not compared
        // (the ActivationLayer's own output is).
        var conf = dl4j.getConfiguration();
        java.util.Set<String> overwritten = new java.util.HashSet<>();
        conf.getVertexInputs().forEach((name, ins) -> {
            if (conf.getVertices().get(name) instanceof org.deeplearning4j.nn.conf.graph.LayerVertex lv) {
                org.deeplearning4j.nn.conf.layers.Layer l = lv.getLayerConf().getLayer();
                if (l instanceof org.deeplearning4j.nn.conf.layers.misc.FrozenLayer f) l = f.getLayer();
                if (l instanceof org.deeplearning4j.nn.conf.layers.ActivationLayer) overwritten.addAll(ins);
            }
        });
        double worst = 0;
        int compared = 0;
        for (Map.Entry<String, NDArray> en : e.entrySet()) {
            INDArray ref = d.get(en.getKey());
            if (ref == null || overwritten.contains(en.getKey())) continue;
            worst = Math.max(worst, assertClose(what + ": activation of " + en.getKey(), en.getValue(), ref, tol));
            compared++;
        }
        assertTrue(compared >= dl4j.getLayers().length - overwritten.size(), what + ": only " + compared + " activations compared");
        return worst;
    }

    /** One line of measured agreement in the test output (the numbers the README quotes). */
    static void report(String what, double outputErr, double paramErr) {
        System.out.printf("compat %s: output relative error %.2g%s%n", what, outputErr,
                Double.isNaN(paramErr) ? "" : String.format(", parameters after training %.2g", paramErr));
    }

    /** Restores a DL4J ComputationGraph zip with its updater state. */
    static org.deeplearning4j.nn.graph.ComputationGraph dl4jGraph(File zip) throws IOException {
        return org.deeplearning4j.util.ModelSerializer.restoreComputationGraph(zip, true);
    }

    static org.deeplearning4j.nn.multilayer.MultiLayerNetwork dl4jMln(File zip) throws IOException {
        return org.deeplearning4j.util.ModelSerializer.restoreMultiLayerNetwork(zip, true);
    }

    /** Layer names of a DL4J graph, in its layer order, and which are frozen (FrozenLayer wrappers). */
    static Map<String, Boolean> dl4jLayers(org.deeplearning4j.nn.api.Layer[] layers) {
        Map<String, Boolean> m = new LinkedHashMap<>();
        for (org.deeplearning4j.nn.api.Layer l : layers) {
            boolean frozen = l instanceof org.deeplearning4j.nn.layers.FrozenLayer
                    || l instanceof org.deeplearning4j.nn.layers.FrozenLayerWithBackprop;
            m.put(l.getConfig().getLayerName(), frozen);
        }
        return m;
    }

    static Map<String, Boolean> engineLayers(List<org.dl4jbridge.nn.layers.AbstractLayer> layers) {
        Map<String, Boolean> m = new LinkedHashMap<>();
        for (org.dl4jbridge.nn.layers.AbstractLayer l : layers) m.put(l.name(), l.isFrozen());
        return m;
    }

    /** The parsed configuration.json of a ModelSerializer zip. */
    static JsonNode configurationJson(File zip) throws IOException {
        try (ZipFile z = new ZipFile(zip)) {
            var entry = z.getEntry("configuration.json");
            assertTrue(entry != null, zip + " has no configuration.json");
            try (var in = z.getInputStream(entry)) {
                return JSON.readTree(in);
            }
        }
    }

    static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
        }
    }

    /**
     * Every difference between two JSON trees, one line per path: a key present on one side only, a
     * different scalar, a different array length. Numbers compare by value (1 and 1.0 are equal).
     */
    static List<String> jsonDiff(JsonNode a, JsonNode b) {
        List<String> out = new ArrayList<>();
        diff("$", a, b, out);
        return out;
    }

    private static void diff(String path, JsonNode a, JsonNode b, List<String> out) {
        if (a.isNumber() && b.isNumber()) {
            if (a.decimalValue().compareTo(b.decimalValue()) != 0) out.add(path + ": " + a + " vs " + b);
            return;
        }
        if (a.isObject() && b.isObject()) {
            TreeMap<String, JsonNode> am = fields(a), bm = fields(b);
            TreeSet<String> keys = new TreeSet<>(am.keySet());
            keys.addAll(bm.keySet());
            for (String k : keys) {
                String p = path + "." + k;
                if (!bm.containsKey(k)) out.add(p + ": only in the first (" + abbreviate(am.get(k)) + ")");
                else if (!am.containsKey(k)) out.add(p + ": only in the second (" + abbreviate(bm.get(k)) + ")");
                else diff(p, am.get(k), bm.get(k), out);
            }
            return;
        }
        if (a.isArray() && b.isArray()) {
            if (a.size() != b.size()) {
                out.add(path + ": array of " + a.size() + " vs " + b.size() + " (" + abbreviate(a) + " vs " + abbreviate(b) + ")");
                return;
            }
            for (int i = 0; i < a.size(); i++) diff(path + "[" + i + "]", a.get(i), b.get(i), out);
            return;
        }
        if (!a.equals(b)) out.add(path + ": " + abbreviate(a) + " vs " + abbreviate(b));
    }

    private static TreeMap<String, JsonNode> fields(JsonNode n) {
        TreeMap<String, JsonNode> m = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            m.put(e.getKey(), e.getValue());
        }
        return m;
    }

    private static String abbreviate(JsonNode n) {
        String s = n.toString();
        return s.length() <= 120 ? s : s.substring(0, 117) + "...";
    }
}
