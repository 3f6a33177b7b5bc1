package org.dl4jbridge.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.ndarray.ops.Convolution2D;

/**
 * Same-JVM A/B timing of EfficientNet-Lite0 under kernel variants chosen by system properties:
 * batches alternate between the variants so that both see the same machine load (the only kind of
 * comparison that means anything on a shared machine), and per-layer seconds are printed side by side.
 *
 * <p>{@code java -cp engine.jar org.dl4jbridge.bench.EfficientNetAB BATCHES NAME=prop:value,prop:value ...}
 * (a variant with no settings is written {@code NAME=}).
 */
public final class EfficientNetAB {
    private EfficientNetAB() {}

    public static void main(String[] args) {
        int batches = Integer.parseInt(args[0]);
        List<String> names = new ArrayList<>();
        List<Map<String, String>> settings = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            String[] nv = args[i].split("=", 2);
            names.add(nv[0]);
            Map<String, String> props = new TreeMap<>();
            if (nv.length > 1 && !nv[1].isEmpty()) {
                for (String kv : nv[1].split(",")) {
                    String[] p = kv.split(":", 2);
                    props.put(p[0], p[1]);
                }
            }
            settings.add(props);
        }
        EfficientNetLite0Bench net = new EfficientNetLite0Bench(16, 224, 42);
        NDArray input = net.randomInput(7), features = NDArray.zeros(16, 1280);
        List<Map<String, Double>> layers = new ArrayList<>();
        double[] total = new double[names.size()];
        double[][] phases = new double[names.size()][3];
        for (int v = 0; v < names.size(); v++) layers.add(new TreeMap<>());
        for (int round = -2; round < batches; round++) {
            for (int v = 0; v < names.size(); v++) {
                settings.get(v).forEach(System::setProperty);
                net.layerProfile.clear();
                Convolution2D.phaseSeconds(true);
                long t0 = System.nanoTime();
                net.forward(input, features);
                double dt = (System.nanoTime() - t0) / 1e9;
                double[] ph = Convolution2D.phaseSeconds(true);
                settings.get(v).keySet().forEach(System::clearProperty);
                if (round < 0) continue;
                total[v] += dt;
                for (int i = 0; i < 3; i++) phases[v][i] += ph[i];
                final int vv = v;
                net.layerProfile.forEach((k, s) -> layers.get(vv).merge(k, s, Double::sum));
            }
        }
        StringBuilder sb = new StringBuilder(String.format("%-34s", "layer (s over " + batches + " batches of 16)"));
        for (String n : names) sb.append(String.format("%10s", n));
        System.out.println(sb);
        for (String k : layers.get(0).keySet()) {
            sb = new StringBuilder(String.format("%-34s", k));
            for (Map<String, Double> m : layers) sb.append(String.format("%10.3f", m.getOrDefault(k, 0.0)));
            System.out.println(sb);
        }
        Map<String, double[]> kinds = new TreeMap<>();
        for (int v = 0; v < names.size(); v++) {
            for (Map.Entry<String, Double> e : layers.get(v).entrySet()) {
                String kind = e.getKey().substring(e.getKey().lastIndexOf(' ') + 1);
                kinds.computeIfAbsent(kind, x -> new double[names.size()])[v] += e.getValue();
            }
        }
        for (Map.Entry<String, double[]> e : kinds.entrySet()) {
            sb = new StringBuilder(String.format("%-34s", "TOTAL " + e.getKey()));
            for (double d : e.getValue()) sb.append(String.format("%10.3f", d));
            System.out.println(sb);
        }
        String[] phaseNames = {"GEMM convs: columns", "GEMM convs: GEMM", "GEMM convs: epilogue"};
        for (int i = 0; i < 3; i++) {
            sb = new StringBuilder(String.format("%-34s", phaseNames[i]));
            for (double[] ph : phases) sb.append(String.format("%10.3f", ph[i]));
            System.out.println(sb);
        }
        sb = new StringBuilder(String.format("%-34s", "images/s"));
        for (double t : total) sb.append(String.format("%10.2f", 16 * batches / t));
        System.out.println(sb);
        System.out.println("checksum " + features.get(0) + " " + features.get(1279));
    }
}
