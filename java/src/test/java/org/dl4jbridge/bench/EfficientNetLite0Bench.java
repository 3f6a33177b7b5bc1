package org.dl4jbridge.bench;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.ndarray.ops.Conv2DConfig;
import org.dl4jbridge.ndarray.ops.ChwnLayout;
import org.dl4jbridge.ndarray.ops.ChwnMBConv;
import org.dl4jbridge.ndarray.ops.ConvConfig;
import org.dl4jbridge.ndarray.ops.ConvolutionMode;
import org.dl4jbridge.ndarray.ops.Convolution2D;
import org.dl4jbridge.ndarray.ops.DepthwiseConvolution2D;
import org.dl4jbridge.ndarray.ops.FusedActivation;
import org.dl4jbridge.ndarray.ops.FusedMBConv;
import org.dl4jbridge.ndarray.ops.GlobalPooling;
import org.dl4jbridge.ndarray.ops.PoolingType;

/**
 * EfficientNet-Lite0 to the 1280-d pooled features (EFFNET_LITE0.md section 1), random weights,
 * with batch norm folded into each convolution's weights and bias (inference form; the PyTorch
 * side of the benchmark folds it the same way). Depthwise weights use DL4J's layout. Each block runs on the path
 * {@link ChwnMBConv#choose} picks, as the ComputationGraph's inference plan does; consecutive blocks on the
 * batch-innermost path ({@link ChwnMBConv}) pass their activations on in that layout, and the head's 1x1
 * convolution and the pool then run as one {@link ChwnMBConv#pointwisePool}.
 */
final class EfficientNetLite0Bench {
    /** cin, expansion, kernel, stride, cout per MBConv block (EFFNET_LITE0.md's table). */
    static final int[][] BLOCKS = {
        {32, 1, 3, 1, 16}, {16, 6, 3, 2, 24}, {24, 6, 3, 1, 24}, {24, 6, 5, 2, 40}, {40, 6, 5, 1, 40},
        {40, 6, 3, 2, 80}, {80, 6, 3, 1, 80}, {80, 6, 3, 1, 80}, {80, 6, 5, 1, 112}, {112, 6, 5, 1, 112},
        {112, 6, 5, 1, 112}, {112, 6, 5, 2, 192}, {192, 6, 5, 1, 192}, {192, 6, 5, 1, 192}, {192, 6, 5, 1, 192},
        {192, 6, 3, 1, 320},
    };
    private static final Conv2DConfig POINTWISE = Conv2DConfig.of(1, 1, ConvolutionMode.Same);

    private record Block(int cin, int mid, int k, int s, int cout, NDArray expW, NDArray expB,
                         NDArray dwW, NDArray dwB, NDArray projW, NDArray projB) {
        /** Whether the block adds its input to its output (stride 1, as many channels out as in). */
        boolean residual() { return s == 1 && cin == cout; }
    }

    private final int batch, size;
    private final NDArray stemW, stemB, headW, headB;
    private final List<Block> blocks = new ArrayList<>();
    private final FloatBuffer[] buffers = new FloatBuffer[4];
    /** Seconds per step kind, summed over forward passes: where the time goes. */
    final java.util.Map<String, Double> profile = new java.util.TreeMap<>();
    /** Seconds per individual layer (block index, kind and shape), for per-layer tuning. */
    final java.util.Map<String, Double> layerProfile = new java.util.TreeMap<>();
    /** The convolutions' settings (NetworkAB switches them between batches). */
    ConvConfig conv = ConvConfig.DEFAULT;
    /** Per-layer process CPU seconds instead of wall seconds: on a loaded machine, the work rather than the wait. */
    boolean cpuTime;
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    private long mark;

    private long now() { return cpuTime ? OS.getProcessCpuTime() : System.nanoTime(); }
    private String layer = "";

    private void lap(String what) {
        long now = now();
        profile.merge(what, (now - mark) / 1e9, Double::sum);
        layerProfile.merge(layer + what, (now - mark) / 1e9, Double::sum);
        mark = now;
    }

    EfficientNetLite0Bench(int batch, int size, long seed) {
        this.batch = batch;
        this.size = size;
        SplittableRandom rnd = new SplittableRandom(seed);
        stemW = BenchArrays.uniform(rnd, BenchArrays.heScale(27), 32, 3, 3, 3);
        stemB = BenchArrays.uniform(rnd, 0.1f, 32);
        for (int[] b : BLOCKS) {
            int cin = b[0], mid = b[0] * b[1], k = b[2], cout = b[4];
            NDArray expW = b[1] == 1 ? null : BenchArrays.uniform(rnd, BenchArrays.heScale(cin), mid, cin, 1, 1);
            NDArray expB = b[1] == 1 ? null : BenchArrays.uniform(rnd, 0.1f, mid);
            blocks.add(new Block(cin, mid, k, b[3], cout, expW, expB,
                    BenchArrays.uniform(rnd, BenchArrays.heScale(k * k), k, k, mid, 1),
                    BenchArrays.uniform(rnd, 0.1f, mid),
                    BenchArrays.uniform(rnd, BenchArrays.heScale(mid), cout, mid, 1, 1),
                    BenchArrays.uniform(rnd, 0.1f, cout)));
        }
        headW = BenchArrays.uniform(rnd, BenchArrays.heScale(320), 1280, 320, 1, 1);
        headB = BenchArrays.uniform(rnd, 0.1f, 1280);
        int largest = batch * 96 * (size / 2) * (size / 2);
        for (int i = 0; i < buffers.length; i++) buffers[i] = NDArray.allocate(largest);
    }

    NDArray randomInput(long seed) {
        return BenchArrays.uniform(new SplittableRandom(seed), 1f, batch, 3, size, size);
    }

    /** [batch, 1280] pooled features. */
    NDArray forward(NDArray input, NDArray features) {
        mark = now();
        int h = (size + 1) / 2;
        Conv2DConfig stemConf = Conv2DConfig.of(3, 2, ConvolutionMode.Same);
        Block b0 = blocks.get(0);
        Conv2DConfig dw0 = Conv2DConfig.of(b0.k(), b0.s(), ConvolutionMode.Same);
        int first = 0, cur = 0;
        NDArray x;
        if (conv.fuseStem() && b0.expW() == null && !b0.residual()
                && ChwnMBConv.choose(conv, dw0, b0.mid(), h, h) == ChwnMBConv.Path.FUSED) {
            // As inference does (InferencePlan): the stem inside block 0, its output never stored.
            h = (h + b0.s() - 1) / b0.s();
            x = BenchArrays.view(buffers[0], batch, b0.cout(), h, h);
            FusedMBConv.forwardWithStem(input, stemW, stemB, stemConf, FusedActivation.RELU6, b0.dwW(),
                    DepthwiseConvolution2D.Layout.DL4J, b0.dwB(), dw0, FusedActivation.RELU6, b0.projW(), b0.projB(),
                    FusedActivation.IDENTITY, x);
            lap("stem+b00");
            first = 1;
        } else {
            x = BenchArrays.view(buffers[0], batch, 32, h, h);
            Convolution2D.forward(input, stemW, stemB, stemConf, 1, FusedActivation.RELU6, x, conv);
            lap("stem");
        }
        // Whether x is in the batch-innermost layout (ChwnLayout): consecutive CHWN blocks pass it on as it is.
        boolean chwn = false;
        for (int bi = first; bi < blocks.size(); bi++) {
            Block b = blocks.get(bi);
            layer = String.format("b%02d %dx%ds%d %4d@%3d ", bi, b.k(), b.k(), b.s(), b.mid(), h);
            int[] free = freeBuffers(cur);
            Conv2DConfig dwConf = Conv2DConfig.of(b.k(), b.s(), ConvolutionMode.Same);
            ChwnMBConv.Path path = ChwnMBConv.choose(conv, dwConf, b.mid(), h, h);
            if ((path == ChwnMBConv.Path.CHWN) != chwn) {
                NDArray converted = BenchArrays.view(buffers[free[0]], chwn ? ChwnLayout.nchwShape(x.shape())
                        : ChwnLayout.chwnShape(x.shape()));
                if (chwn) ChwnLayout.toNchw(x, converted);
                else ChwnLayout.toChwn(x, converted);
                chwn = !chwn;
                x = converted;
                cur = free[0];
                free = freeBuffers(cur);
                lap("layout");
            }
            if (path == ChwnMBConv.Path.CHWN) {
                int ho = (h + b.s() - 1) / b.s();
                NDArray out = BenchArrays.view(buffers[free[2]], b.cout(), ho, ho, batch);
                NDArray res = b.residual() ? x : null;
                ChwnMBConv.forward(x, b.expW(), b.expB(), FusedActivation.RELU6, b.dwW(), DepthwiseConvolution2D.Layout.DL4J,
                        b.dwB(), dwConf, FusedActivation.RELU6, b.projW(), b.projB(), FusedActivation.IDENTITY, res, out);
                lap("chwnblock");
                x = out;
                cur = free[2];
                h = ho;
                continue;
            }
            if (path != ChwnMBConv.Path.LAYERS) {
                int ho = (h + b.s() - 1) / b.s();
                NDArray out = BenchArrays.view(buffers[free[2]], batch, b.cout(), ho, ho);
                NDArray res = b.residual() ? x : null;
                FusedMBConv.forward(x, b.expW(), b.expB(), FusedActivation.RELU6, b.dwW(),
                        DepthwiseConvolution2D.Layout.DL4J, b.dwB(), dwConf, FusedActivation.RELU6, b.projW(), b.projB(),
                        FusedActivation.IDENTITY, res, out);
                lap("fusedblock");
                x = out;
                cur = free[2];
                h = ho;
                continue;
            }
            NDArray expanded = x;
            if (b.expW() != null) {
                expanded = BenchArrays.view(buffers[free[0]], batch, b.mid(), h, h);
                Convolution2D.forward(x, b.expW(), b.expB(), POINTWISE, 1, FusedActivation.RELU6, expanded, conv);
                lap("expand1x1");
            }
            int ho = (h + b.s() - 1) / b.s();
            NDArray dw = BenchArrays.view(buffers[free[1]], batch, b.mid(), ho, ho);
            DepthwiseConvolution2D.forward(expanded, b.dwW(), DepthwiseConvolution2D.Layout.DL4J, 1, b.dwB(),
                    Conv2DConfig.of(b.k(), b.s(), ConvolutionMode.Same), FusedActivation.RELU6, dw);
            lap("depthwise");
            NDArray out = BenchArrays.view(buffers[free[2]], batch, b.cout(), ho, ho);
            Convolution2D.forward(dw, b.projW(), b.projB(), POINTWISE, 1, FusedActivation.IDENTITY, out, conv);
            lap("project1x1");
            if (b.residual()) BenchArrays.addInPlace(out, x);
            lap("residual");
            x = out;
            cur = free[2];
            h = ho;
        }
        layer = "";
        if (chwn) {
            // The head's 1x1 convolution and the pool in one pass over CHWN: its activations are never stored.
            ChwnMBConv.pointwisePool(x, headW, headB, FusedActivation.RELU6, PoolingType.AVG, features);
            lap("head1x1+pool");
            return features;
        }
        NDArray head = BenchArrays.view(buffers[freeBuffers(cur)[0]], batch, 1280, h, h);
        Convolution2D.forward(x, headW, headB, POINTWISE, 1, FusedActivation.RELU6, head, conv);
        lap("head1x1");
        GlobalPooling.forward(head, PoolingType.AVG, features);
        lap("pool");
        return features;
    }

    private static int[] freeBuffers(int used) {
        int[] f = new int[3];
        for (int i = 0, j = 0; i < 4; i++) if (i != used) f[j++] = i;
        return f;
    }
}
