package org.dl4jbridge.bench;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.dl4jbridge.ndarray.Backends;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.ndarray.ops.Conv2DConfig;
import org.dl4jbridge.ndarray.ops.ConvolutionMode;
import org.dl4jbridge.ndarray.ops.Convolution2D;
import org.dl4jbridge.ndarray.ops.FusedActivation;
import org.dl4jbridge.ndarray.ops.Pooling2D;
import org.dl4jbridge.ndarray.ops.PoolingType;
import org.dl4jbridge.ndarray.ops.ConvConfig;

/**
 * VGG16 up to fc2 (DL4J_SPEC 4.3's graph: 3x3 Same convolutions with ReLU, 2x2 max pools, fc1
 * and fc2 with ReLU) with random weights, built from the engine's ops. Activations ping-pong
 * between two buffers sized for the largest layer, as an inference engine should.
 */
final class Vgg16Bench {
    /** The convolutions' settings (NetworkAB switches them between batches). */
    ConvConfig conv = ConvConfig.DEFAULT;
    static final int[][] BLOCKS = {{64, 64}, {128, 128}, {256, 256, 256}, {512, 512, 512}, {512, 512, 512}};
    private static final Conv2DConfig CONV = Conv2DConfig.of(3, 1, ConvolutionMode.Same);
    private static final Conv2DConfig POOL = Conv2DConfig.of(2, 2, ConvolutionMode.Truncate);

    private record ConvLayer(NDArray w, NDArray b) {}

    private final int batch, size;
    private final List<ConvLayer> convs = new ArrayList<>();
    private final NDArray fc1W, fc1B, fc2W, fc2B;
    private final FloatBuffer ping, pong;
    private long convNanos;
    /** Seconds per convolution layer, summed over passes (where the time goes). */
    final double[] layerSeconds = new double[13];
    /**
     * Per layer, the seconds of Convolution2D's phases (columns or Winograd input transform, GEMM,
     * epilogue or Winograd output transform), summed over the threads that ran them where the
     * threads run their own blocks (so under load they include the wait for a core).
     */
    final double[][] layerPhaseSeconds = new double[13][3];
    /** Seconds per max pool (one after each block), summed over passes. */
    final double[] poolSeconds = new double[BLOCKS.length];
    private double convFlops;

    Vgg16Bench(int batch, int size, long seed) {
        this.batch = batch;
        this.size = size;
        SplittableRandom rnd = new SplittableRandom(seed);
        int cin = 3;
        for (int[] block : BLOCKS) {
            for (int cout : block) {
                convs.add(new ConvLayer(BenchArrays.uniform(rnd, BenchArrays.heScale(cin * 9), cout, cin, 3, 3),
                        BenchArrays.uniform(rnd, 0.01f, cout)));
                cin = cout;
            }
        }
        int flat = 512 * (size / 32) * (size / 32);
        fc1W = BenchArrays.uniform(rnd, BenchArrays.heScale(flat), flat, 4096);
        fc1B = BenchArrays.uniform(rnd, 0.01f, 4096);
        fc2W = BenchArrays.uniform(rnd, BenchArrays.heScale(4096), 4096, 4096);
        fc2B = BenchArrays.uniform(rnd, 0.01f, 4096);
        int largest = batch * 64 * size * size;
        ping = NDArray.allocate(largest);
        pong = NDArray.allocate(largest);
    }

    NDArray randomInput(long seed) {
        return BenchArrays.uniform(new SplittableRandom(seed), 1f, batch, 3, size, size);
    }

    /** Runs the network; returns [batch, 4096] fc2 activations (a view into the ping buffer). */
    NDArray forward(NDArray input) {
        NDArray x = input;
        int h = size, layer = 0, pool = 0;
        FloatBuffer next = ping;
        for (int[] block : BLOCKS) {
            boolean pooledByConv = false;
            for (int j = 0; j < block.length; j++) {
                int cout = block[j];
                ConvLayer l = convs.get(layer++);
                // The block's last convolution writes the pooled output itself where it can (WinogradConfig.fusePool).
                pooledByConv = j == block.length - 1 && Convolution2D.poolFuses(x, l.w(), CONV, 1, POOL, conv);
                NDArray y = pooledByConv ? BenchArrays.view(next, batch, cout, h / 2, h / 2) : BenchArrays.view(next, batch, cout, h, h);
                double[] ph0 = Convolution2D.phaseSeconds(false);
                long t0 = System.nanoTime();
                if (pooledByConv) {
                    Convolution2D.forwardMaxPooled(x, l.w(), l.b(), CONV, FusedActivation.RELU, POOL, y, conv);
                } else {
                    Convolution2D.forward(x, l.w(), l.b(), CONV, 1, FusedActivation.RELU, y, conv);
                }
                long dt = System.nanoTime() - t0;
                double[] ph1 = Convolution2D.phaseSeconds(false);
                for (int i = 0; i < 3; i++) layerPhaseSeconds[layer - 1][i] += ph1[i] - ph0[i];
                convNanos += dt;
                layerSeconds[layer - 1] += dt / 1e9;
                convFlops += 2.0 * batch * cout * l.w().size(1) * 9 * h * h;
                x = y;
                next = next == ping ? pong : ping;
            }
            h /= 2;
            if (pooledByConv) {
                pool++;
                continue;
            }
            NDArray pooled = BenchArrays.view(next, batch, x.size(1), h, h);
            long t0 = System.nanoTime();
            Pooling2D.forward(x, POOL, PoolingType.MAX, false, pooled);
            poolSeconds[pool++] += (System.nanoTime() - t0) / 1e9;
            x = pooled;
            next = next == ping ? pong : ping;
        }
        int flat = x.length() / batch;
        FloatBuffer fc1 = next;
        Backends.get().sgemm(false, false, batch, 4096, flat, 1f, x.buffer(), x.offset(), flat,
                fc1W.buffer(), 0, 4096, 0f, fc1, 0, 4096);
        BenchArrays.biasRelu(fc1, 0, batch, 4096, fc1B);
        FloatBuffer fc2 = fc1 == ping ? pong : ping;
        Backends.get().sgemm(false, false, batch, 4096, 4096, 1f, fc1, 0, 4096, fc2W.buffer(), 0, 4096,
                0f, fc2, 0, 4096);
        BenchArrays.biasRelu(fc2, 0, batch, 4096, fc2B);
        return NDArray.wrap(fc2, 0, batch, 4096);
    }

    /** The weights, for GpuVgg16Bench (same seed, same network on the GPU): conv i's [w, b], then fc1 and fc2 [w, b]. */
    NDArray[] convWeights(int i) { return new NDArray[] {convs.get(i).w(), convs.get(i).b()}; }
    NDArray[] fcWeights() { return new NDArray[] {fc1W, fc1B, fc2W, fc2B}; }

    void resetConvTiming() {
        convNanos = 0;
        convFlops = 0;
        java.util.Arrays.fill(layerSeconds, 0);
        for (double[] p : layerPhaseSeconds) java.util.Arrays.fill(p, 0);
        java.util.Arrays.fill(poolSeconds, 0);
    }
    double convSeconds() { return convNanos / 1e9; }
    double convFlops() { return convFlops; }
}
