package org.dl4jbridge.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.FloatBuffer;
import java.util.SplittableRandom;
import org.dl4jbridge.ndarray.Backend;
import org.dl4jbridge.ndarray.Backends;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.ndarray.Parallel;

/**
 * Entry points for tests/bench_engine_vs_torch.py (called through the Python bridge): each builds
 * a network from the engine's ops with random weights, times forward passes and answers JSON.
 */
public final class ConvNetBench {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ConvNetBench() {}

    /** VGG16 to fc2 at 224x224: images/s and the convolution stack's effective GFLOP/s. */
    public static String vgg16(int batch, int warmup, int iters) {
        Vgg16Bench net = new Vgg16Bench(batch, 224, 42);
        NDArray input = net.randomInput(7);
        for (int i = 0; i < warmup; i++) net.forward(input);
        net.resetConvTiming();
        org.dl4jbridge.ndarray.ops.Convolution2D.phaseSeconds(true);
        ObjectNode out = timed(batch, iters, () -> net.forward(input));
        double[] phases = org.dl4jbridge.ndarray.ops.Convolution2D.phaseSeconds(true);
        out.put("conv_columns_seconds", phases[0]).put("conv_gemm_seconds", phases[1]).put("conv_epilogue_seconds", phases[2]);
        out.put("conv_seconds", net.convSeconds());
        out.put("conv_gflops_per_s", net.convFlops() / net.convSeconds() / 1e9);
        out.put("checksum", checksum(net.forward(input)));
        return out.toString();
    }

    /**
     * VGG16 to fc2 with every activation on the GPU (GpuVgg16Bench): images/s, the peak device memory
     * the engine's buffers held, and the relative error of fc2 against the CPU engine on {@code checkBatch}
     * images (0 skips the check).
     */
    public static String vgg16Cuda(int batch, int warmup, int iters, int checkBatch) {
        Vgg16Bench weights = new Vgg16Bench(checkBatch > 0 ? checkBatch : 1, 224, 42);
        ObjectNode out;
        org.dl4jbridge.ndarray.cuda.DeviceBuffer.resetPeak();
        try (GpuVgg16Bench net = new GpuVgg16Bench(weights, batch, 224)) {
            NDArray input = BenchArrays.uniform(new SplittableRandom(7), 1f, batch, 3, 224, 224);
            for (int i = 0; i < warmup; i++) net.forward(input);
            out = timed(batch, iters, () -> net.forward(input));
            out.put("backend", "cuDNN/cuBLAS, activations on the GPU (GpuVgg16Bench)");
            out.put("peak_device_bytes", org.dl4jbridge.ndarray.cuda.DeviceBuffer.peakBytes());
        }
        if (checkBatch > 0) {
            try (GpuVgg16Bench small = new GpuVgg16Bench(weights, checkBatch, 224)) {
                NDArray x = weights.randomInput(11);
                NDArray gpu = small.forward(x), cpu = weights.forward(x);
                double diff = 0, ref = 0;
                for (int i = 0; i < cpu.length(); i++) {
                    double d = gpu.get(i) - cpu.get(i);
                    diff += d * d;
                    ref += (double) cpu.get(i) * cpu.get(i);
                }
                out.put("rel_error_vs_cpu", Math.sqrt(diff / Math.max(ref, 1e-300)));
            }
        }
        return out.toString();
    }

    /** EfficientNet-Lite0 to the pooled 1280-d features at 224x224 (BN folded). */
    public static String efficientNetLite0(int batch, int warmup, int iters) {
        EfficientNetLite0Bench net = new EfficientNetLite0Bench(batch, 224, 42);
        NDArray input = net.randomInput(7);
        NDArray features = NDArray.zeros(batch, 1280);
        for (int i = 0; i < warmup; i++) net.forward(input, features);
        net.profile.clear();
        ObjectNode out = timed(batch, iters, () -> net.forward(input, features));
        out.put("checksum", checksum(features));
        out.putPOJO("profile_seconds", net.profile);
        return out.toString();
    }

    /** Row-major SGEMM C[m,n] = A[m,k] B[k,n] on off-heap buffers: best GFLOP/s of {@code reps}. */
    public static String gemm(int m, int n, int k, int reps) {
        SplittableRandom rnd = new SplittableRandom(1);
        NDArray a = BenchArrays.uniform(rnd, 1f, m, k), b = BenchArrays.uniform(rnd, 1f, k, n);
        FloatBuffer c = NDArray.allocate(m * n);
        Backend blas = Backends.get();
        blas.sgemm(false, false, m, n, k, 1f, a.buffer(), 0, k, b.buffer(), 0, n, 0f, c, 0, n);
        double best = 0;
        ArrayNode all = JSON.createArrayNode();
        for (int r = 0; r < reps; r++) {
            long t0 = System.nanoTime();
            blas.sgemm(false, false, m, n, k, 1f, a.buffer(), 0, k, b.buffer(), 0, n, 0f, c, 0, n);
            double gf = 2.0 * m * n * k / (System.nanoTime() - t0);
            all.add(gf);
            best = Math.max(best, gf);
        }
        ObjectNode out = JSON.createObjectNode();
        out.put("m", m).put("n", n).put("k", k).put("gflops_per_s", best);
        out.set("all", all);
        out.put("backend", blas.description());
        return out.toString();
    }

    private static ObjectNode timed(int batch, int iters, Runnable forward) {
        ArrayNode times = JSON.createArrayNode();
        long total = 0;
        for (int i = 0; i < iters; i++) {
            long t0 = System.nanoTime();
            forward.run();
            long dt = System.nanoTime() - t0;
            total += dt;
            times.add(dt / 1e9);
        }
        ObjectNode out = JSON.createObjectNode();
        out.put("images_per_s", (double) batch * iters / (total / 1e9));
        out.set("seconds_per_batch", times);
        out.put("backend", Backends.get().description());
        out.put("engine_threads", Parallel.threads());
        return out;
    }

    private static double checksum(NDArray a) {
        double s = 0;
        for (float v : a.toFloatArray()) s += v;
        return s;
    }

    /** {@code java -cp engine.jar org.dl4jbridge.bench.ConvNetBench vgg16|effnet|gemm [batch iters]}. */
    public static void main(String[] args) {
        String which = args.length > 0 ? args[0] : "vgg16";
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 16;
        int iters = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        switch (which) {
            case "vgg16" -> System.out.println(vgg16(batch, 1, iters));
            case "effnet" -> System.out.println(efficientNetLite0(batch, 2, iters));
            case "gemm" -> System.out.println(gemm(512, 16 * 784, 4608, iters));
            default -> throw new IllegalArgumentException("unknown benchmark " + which + "; use vgg16, effnet or gemm");
        }
    }
}
