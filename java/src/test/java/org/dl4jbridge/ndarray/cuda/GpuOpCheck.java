package org.dl4jbridge.ndarray.cuda;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.dl4jbridge.ndarray.Backend;
import org.dl4jbridge.ndarray.Backends;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.ndarray.ops.Activation;
import org.dl4jbridge.ndarray.ops.BatchNorm;
import org.dl4jbridge.ndarray.ops.Conv2DConfig;
import org.dl4jbridge.ndarray.ops.ConvolutionMode;
import org.dl4jbridge.ndarray.ops.Convolution2D;
import org.dl4jbridge.ndarray.ops.DepthwiseConvolution2D;
import org.dl4jbridge.ndarray.ops.FusedActivation;
import org.dl4jbridge.ndarray.ops.Pooling2D;
import org.dl4jbridge.ndarray.ops.PoolingType;
import org.dl4jbridge.ndarray.ops.Softmax;
import org.dl4jbridge.nn.updater.Adam;
import org.dl4jbridge.nn.updater.IUpdater;
import org.dl4jbridge.nn.updater.Nesterovs;
import org.dl4jbridge.nn.updater.RmsProp;
import org.dl4jbridge.nn.updater.Sgd;

/**
 * Every GPU op, forward and backward, against the CPU engine on fresh random data (a new seed each
 * run, printed): ‖gpu − cpu‖ / ‖cpu‖ must stay under 1e-4 in float32 with TF32 off. Outputs are
 * poisoned with NaN first, so an element an op leaves unwritten fails the check. Also: device memory
 * returns to its baseline on close and on collection, and an impossible allocation is a
 * DeviceOutOfMemoryException after which the device still works.
 *
 * <p>Run by tests/gpu/run.sh with the CPU backend selected (the reference), the GPU side built
 * explicitly: {@code java -cp engine.jar:gpu-tests.jar org.dl4jbridge.ndarray.cuda.GpuOpCheck out.json}
 * (a check program, so it lives in the test sources, out of the product jar). Exit 1 if any check
 * fails, 3 without a usable GPU, 4 after a dry run.
 */
public final class GpuOpCheck {
    private static final double TOLERANCE = 1e-4;
    /**
     * -Ddl4jbridge.gpucheck.dryRun=true: only the CPU references, no device (to check this program itself on a
     * machine without a GPU; the GPU half then never runs, and the program says so).
     */
    private static final boolean DRY = Boolean.getBoolean("dl4jbridge.gpucheck.dryRun");
    private final CudaDevice dev = DRY ? null : CudaDevice.get();
    private final CudnnOps ops = DRY ? null : new CudnnOps(dev);
    private final CudaBackend gpuGemm = DRY ? null : new CudaBackend(dev);
    private final Backend cpuGemm = Backends.get();
    private final SplittableRandom rnd;
    private final ObjectMapper json = new ObjectMapper();
    private final ArrayNode results = json.createArrayNode();
    private int failures;

    private GpuOpCheck(long seed) { this.rnd = new SplittableRandom(seed); }

    public static void main(String[] args) throws Exception {
        if (!Backends.requestedKind().equals("cpu")) {
            throw new IllegalStateException("run GpuOpCheck with the CPU backend selected: it is the reference");
        }
        long seed = System.nanoTime();
        GpuOpCheck c;
        try {
            c = new GpuOpCheck(seed);
        } catch (CudaUnavailableException e) {
            System.out.println("GpuOpCheck cannot run: " + e.getClass().getSimpleName() + ": " + e.getMessage());
            System.exit(3);
            return;
        }
        System.out.println("GpuOpCheck seed " + seed + " on " + (DRY ? "NO DEVICE (dry run: CPU references only)"
                : c.dev.description()) + "; reference " + c.cpuGemm.description());
        c.runAll();
        ObjectNode out = c.json.createObjectNode();
        out.put("seed", seed).put("device", DRY ? "dry run" : c.dev.description()).put("tolerance", TOLERANCE).put("failures", c.failures);
        out.set("results", c.results);
        String text = c.json.writerWithDefaultPrettyPrinter().writeValueAsString(out);
        if (args.length > 0) Files.writeString(Path.of(args[0]), text);
        if (DRY) {
            System.out.println(c.failures == 0 ? "DRY RUN: every CPU reference computed; nothing was checked on a GPU"
                    : c.failures + " CPU reference groups FAILED in the dry run");
            System.exit(c.failures == 0 ? 4 : 1);  // never 0: a dry run proves nothing about the GPU
        }
        System.out.println((c.failures == 0 ? "ALL PASS" : c.failures + " FAILED") + " (" + c.results.size() + " checks)");
        System.exit(c.failures == 0 ? 0 : 1);
    }

    private void runAll() {
        guarded("gemm", this::gemm);
        guarded("conv", this::conv);
        guarded("depthwise", this::depthwise);
        guarded("pooling", this::pooling);
        guarded("activations", this::activations);
        guarded("softmax", this::softmax);
        guarded("batchnorm", this::batchNorm);
        guarded("kernels", this::kernels);
        guarded("updaters", this::updaters);
        if (DRY) return;
        guarded("memory", this::memory);
        guarded("out_of_memory", this::outOfMemory);
    }

    /** A group that throws is one failure with its message, and the other groups still run. */
    private void guarded(String group, Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            failures++;
            ObjectNode n = results.addObject();
            n.put("name", group).put("pass", false).put("error", e.toString());
            System.out.println("FAIL " + group + ": " + e);
            e.printStackTrace(System.out);
        }
    }

    // ---- helpers ----

    private NDArray rand(int... shape) {
        NDArray a = NDArray.zeros(shape);
        for (int i = 0; i < a.length(); i++) a.put(i, (float) (rnd.nextDouble() * 2 - 1));
        return a;
    }

    private DeviceBuffer up(NDArray a) {
        DeviceBuffer b = new DeviceBuffer(dev, a.length());
        b.upload(a.buffer(), a.offset(), a.length());
        return b;
    }

    private DeviceBuffer poisoned(long n) {
        DeviceBuffer b = new DeviceBuffer(dev, n);
        b.poison();
        return b;
    }

    private NDArray down(DeviceBuffer b, int... shape) {
        NDArray a = NDArray.zeros(shape);
        b.download(a.buffer(), a.offset(), a.length());
        return a;
    }

    private void compare(String name, NDArray got, NDArray want) {
        double diff = 0, ref = 0;
        boolean nan = false;
        for (int i = 0; i < want.length(); i++) {
            double g = got.get(i), w = want.get(i);
            if (Double.isNaN(g)) nan = true;
            diff += (g - w) * (g - w);
            ref += w * w;
        }
        double rel = nan ? Double.POSITIVE_INFINITY : Math.sqrt(diff) / Math.max(Math.sqrt(ref), 1e-30);
        boolean pass = rel <= TOLERANCE;
        if (!pass) failures++;
        ObjectNode n = results.addObject();
        n.put("name", name).put("rel_error", nan ? "NaN (unwritten or invalid)" : String.valueOf(rel)).put("pass", pass);
        System.out.printf("%s %-60s rel %.2e%n", pass ? "ok  " : "FAIL", name, rel);
    }

    private void check(String name, boolean ok, String detail) {
        if (!ok) failures++;
        results.addObject().put("name", name).put("pass", ok).put("detail", detail);
        System.out.printf("%s %-60s %s%n", ok ? "ok  " : "FAIL", name, detail);
    }

    // ---- checks ----

    private void gemm() {
        int[][] sizes = {{37, 53, 29}, {256, 384, 1152}, {1, 4096, 25088}};
        for (int[] s : sizes) {
            for (int t = 0; t < 4; t++) {
                boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
                int m = s[0], n = s[1], k = s[2];
                int lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 1, ldc = n + 2;
                NDArray a = rand((ta ? k : m) * lda + 5), b = rand((tb ? n : k) * ldb + 7);
                NDArray c0 = rand(m * ldc + 4);
                for (float beta : new float[] {0.5f, 0f}) {
                    // The whole buffer is compared: the gaps of the padded C must come back untouched.
                    NDArray cpu = c0.dup(), gpu = c0.dup();
                    cpuGemm.sgemm(ta, tb, m, n, k, 0.7f, a.buffer(), 5, lda, b.buffer(), 7, ldb, beta, cpu.buffer(), 4, ldc);
                    if (DRY) continue;
                    gpuGemm.sgemm(ta, tb, m, n, k, 0.7f, a.buffer(), 5, lda, b.buffer(), 7, ldb, beta, gpu.buffer(), 4, ldc);
                    compare(String.format("sgemm %dx%dx%d transA=%b transB=%b beta %.1f (offsets, padded ld)", m, n, k, ta, tb, beta),
                            gpu, cpu);
                }
            }
        }
    }

    private void conv() {
        // n, c, h, w, k, kh, kw, groups, pad, stride, dilation
        int[][] cases = {
            {2, 3, 9, 11, 5, 3, 3, 1, 1, 1, 1},
            {3, 8, 12, 12, 16, 1, 1, 1, 0, 1, 1},
            {2, 6, 13, 13, 4, 5, 5, 1, 2, 2, 1},
            {2, 8, 10, 10, 12, 3, 3, 2, 1, 1, 1},
            {2, 4, 15, 15, 6, 3, 3, 1, 2, 1, 2},
            {4, 64, 28, 28, 64, 3, 3, 1, 1, 1, 1},
        };
        for (int[] q : cases) {
            int n = q[0], c = q[1], h = q[2], w = q[3], k = q[4], kh = q[5], kw = q[6], g = q[7], p = q[8], s = q[9], dl = q[10];
            CudnnOps.ConvShape shape = new CudnnOps.ConvShape(n, c, h, w, k, kh, kw, g, p, p, s, s, dl, dl);
            Conv2DConfig cfg = new Conv2DConfig(kh, kw, s, s, p, p, dl, dl, ConvolutionMode.Truncate);
            NDArray x = rand(n, c, h, w), wt = rand(k, c / g, kh, kw);
            NDArray y = Convolution2D.forward(x, wt, null, cfg, g, FusedActivation.IDENTITY);
            NDArray dy = rand(y.shape());
            Convolution2D.Gradients grads = Convolution2D.backward(x, wt, true, dy, cfg, g, true);
            String label = String.format("conv n%d c%d %dx%d k%d %dx%d g%d p%d s%d d%d", n, c, h, w, k, kh, kw, g, p, s, dl);
            if (!DRY) try (DeviceBuffer dx = up(x); DeviceBuffer dw = up(wt); DeviceBuffer ddy = up(dy); DeviceBuffer dyOut = poisoned(y.length()); DeviceBuffer dxOut = poisoned(x.length());
                 DeviceBuffer dwOut = poisoned(wt.length()); DeviceBuffer dbOut = poisoned(k)) {
                ops.convForward(shape, dx.pointer(), dw.pointer(), dyOut.pointer(), 0f);
                compare(label + " forward", down(dyOut, y.shape()), y);
                ops.convBackwardData(shape, dw.pointer(), ddy.pointer(), dxOut.pointer());
                compare(label + " backward data", down(dxOut, x.shape()), grads.input());
                ops.convBackwardFilter(shape, dx.pointer(), ddy.pointer(), dwOut.pointer(), 0f);
                compare(label + " backward filter", down(dwOut, wt.shape()), grads.weight());
                ops.convBackwardBias(n, k, y.size(2), y.size(3), ddy.pointer(), dbOut.pointer());
                compare(label + " backward bias", down(dbOut, k), grads.bias());
            }
        }
        if (DRY) return;
        int before = ops.cachedAlgorithms();
        if (!DRY) try (DeviceBuffer x = up(rand(2, 3, 9, 11)); DeviceBuffer w = up(rand(5, 3, 3, 3)); DeviceBuffer y = poisoned(2 * 5 * 9 * 11)) {
            ops.convForward(new CudnnOps.ConvShape(2, 3, 9, 11, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1), x.pointer(), w.pointer(), y.pointer(), 0f);
        }
        check("conv algorithm cache: a repeated shape searches no more", ops.cachedAlgorithms() == before,
                "cached " + before + " then " + ops.cachedAlgorithms());
    }

    private void depthwise() {
        int[][] cases = {{2, 8, 12, 12, 1, 3, 1, 1}, {2, 6, 11, 11, 2, 5, 2, 2}, {4, 32, 28, 28, 1, 3, 1, 1}};
        for (int[] q : cases) {
            int n = q[0], c = q[1], h = q[2], w = q[3], m = q[4], kk = q[5], s = q[6], p = q[7];
            Conv2DConfig cfg = new Conv2DConfig(kk, kk, s, s, p, p, 1, 1, ConvolutionMode.Truncate);
            NDArray x = rand(n, c, h, w), wt = rand(kk, kk, c, m);
            NDArray y = DepthwiseConvolution2D.forward(x, wt, DepthwiseConvolution2D.Layout.DL4J, m, null, cfg, FusedActivation.IDENTITY);
            NDArray dy = rand(y.shape()), gx = NDArray.zeros(x.shape()), gw = NDArray.zeros(wt.shape());
            DepthwiseConvolution2D.backward(x, wt, DepthwiseConvolution2D.Layout.DL4J, m, dy, cfg, gx, gw, null);
            CudnnOps.ConvShape shape = new CudnnOps.ConvShape(n, c, h, w, c * m, kk, kk, c, p, p, s, s, 1, 1);
            String label = String.format("depthwise n%d c%d %dx%d m%d k%d s%d p%d", n, c, h, w, m, kk, s, p);
            if (!DRY) try (DeviceBuffer dx = up(x); DeviceBuffer dwDl4j = up(wt); DeviceBuffer dk = poisoned(wt.length()); DeviceBuffer ddy = up(dy);
                 DeviceBuffer yOut = poisoned(y.length()); DeviceBuffer dxOut = poisoned(x.length()); DeviceBuffer dkOut = poisoned(wt.length()); DeviceBuffer dwOut = poisoned(wt.length())) {
                dev.launch("depthwise_to_kcrs", wt.length(), dwDl4j, dk, kk, kk, c, m);
                ops.convForward(shape, dx.pointer(), dk.pointer(), yOut.pointer(), 0f);
                compare(label + " forward", down(yOut, y.shape()), y);
                ops.convBackwardData(shape, dk.pointer(), ddy.pointer(), dxOut.pointer());
                compare(label + " backward data", down(dxOut, x.shape()), gx);
                ops.convBackwardFilter(shape, dx.pointer(), ddy.pointer(), dkOut.pointer(), 0f);
                dev.launch("kcrs_to_depthwise", wt.length(), dkOut, dwOut, kk, kk, c, m);
                compare(label + " backward filter (DL4J layout)", down(dwOut, wt.shape()), gw);
            }
        }
    }

    private void pooling() {
        // max?, includePad, n, c, h, w, k, stride, pad
        int[][] cases = {{1, 0, 2, 3, 8, 8, 2, 2, 0}, {1, 0, 2, 4, 9, 9, 3, 2, 1}, {0, 1, 2, 3, 8, 8, 2, 2, 0},
                         {0, 1, 2, 3, 9, 9, 3, 2, 1}, {0, 0, 2, 3, 9, 9, 3, 2, 1}};
        for (int[] q : cases) {
            boolean max = q[0] == 1, incl = q[1] == 1;
            int n = q[2], c = q[3], h = q[4], w = q[5], k = q[6], s = q[7], p = q[8];
            Conv2DConfig cfg = new Conv2DConfig(k, k, s, s, p, p, 1, 1, ConvolutionMode.Truncate);
            PoolingType type = max ? PoolingType.MAX : PoolingType.AVG;
            NDArray x = rand(n, c, h, w);
            NDArray y = Pooling2D.forward(x, cfg, type, incl);
            NDArray dy = rand(y.shape()), dx = NDArray.zeros(x.shape());
            Pooling2D.backward(x, dy, cfg, type, incl, dx);
            String label = String.format("pool %s%s n%d c%d %dx%d k%d s%d p%d", type, max ? "" : (incl ? " incl-pad" : " excl-pad"), n, c, h, w, k, s, p);
            if (!DRY) try (DeviceBuffer gx = up(x); DeviceBuffer gy = poisoned(y.length()); DeviceBuffer gdy = up(dy); DeviceBuffer gdx = poisoned(x.length())) {
                ops.poolForward(max, incl, n, c, h, w, k, k, p, p, s, s, gx.pointer(), gy.pointer());
                compare(label + " forward", down(gy, y.shape()), y);
                ops.poolBackward(max, incl, n, c, h, w, k, k, p, p, s, s, gx.pointer(), gy.pointer(), gdy.pointer(), gdx.pointer());
                compare(label + " backward", down(gdx, x.shape()), dx);
            }
        }
    }

    private void activations() {
        Object[][] cases = {{Activation.RELU, CudnnOps.Act.RELU}, {Activation.RELU6, CudnnOps.Act.RELU6},
                            {Activation.SIGMOID, CudnnOps.Act.SIGMOID}, {Activation.TANH, CudnnOps.Act.TANH}};
        for (Object[] cs : cases) {
            Activation cpu = (Activation) cs[0];
            CudnnOps.Act gpu = (CudnnOps.Act) cs[1];
            NDArray z = rand(3, 7, 5, 5);
            for (int i = 0; i < z.length(); i++) z.put(i, z.get(i) * 8);  // reach ReLU6's upper clip
            NDArray a = cpu.forward(z), da = rand(z.shape());
            NDArray dz = cpu.backward(a, da, NDArray.zeros(z.shape()));
            if (!DRY) try (DeviceBuffer gz = up(z); DeviceBuffer ga = poisoned(z.length()); DeviceBuffer gda = up(da); DeviceBuffer gdz = poisoned(z.length())) {
                ops.activationForward(gpu, z.length(), gz.pointer(), ga.pointer());
                compare("activation " + cpu + " forward", down(ga, z.shape()), a);
                ops.activationBackward(gpu, z.length(), ga.pointer(), gda.pointer(), gdz.pointer());
                compare("activation " + cpu + " backward", down(gdz, z.shape()), dz);
            }
        }
        NDArray z = rand(4, 33);
        NDArray a = Activation.LEAKYRELU.forward(z, NDArray.zeros(z.shape()), 0.2), da = rand(z.shape());
        NDArray dz = Activation.LEAKYRELU.backward(a, da, NDArray.zeros(z.shape()), 0.2);
        if (!DRY) try (DeviceBuffer gz = up(z); DeviceBuffer ga = poisoned(z.length()); DeviceBuffer gda = up(da); DeviceBuffer gdz = poisoned(z.length())) {
            dev.launch("leaky_relu_forward", z.length(), gz, ga, (long) z.length(), 0.2f);
            compare("activation LEAKYRELU(0.2) forward (NVRTC)", down(ga, z.shape()), a);
            dev.launch("leaky_relu_backward", z.length(), ga, gda, gdz, (long) z.length(), 0.2f);
            compare("activation LEAKYRELU(0.2) backward (NVRTC)", down(gdz, z.shape()), dz);
        }
    }

    private void softmax() {
        NDArray z = rand(16, 10);
        NDArray a = Softmax.forward(z, NDArray.zeros(z.shape())), da = rand(z.shape());
        NDArray dz = Softmax.backward(a, da, NDArray.zeros(z.shape()));
        if (!DRY) try (DeviceBuffer gz = up(z); DeviceBuffer ga = poisoned(z.length()); DeviceBuffer gda = up(da); DeviceBuffer gdz = poisoned(z.length())) {
            ops.softmaxForward(16, 10, gz.pointer(), ga.pointer());
            compare("softmax forward", down(ga, 16, 10), a);
            ops.softmaxBackward(16, 10, ga.pointer(), gda.pointer(), gdz.pointer());
            compare("softmax backward", down(gdz, 16, 10), dz);
        }
    }

    private void batchNorm() {
        int n = 4, c = 6, h = 7, w = 5;
        double eps = 1e-3, decay = 0.9;
        NDArray x = rand(n, c, h, w), gamma = rand(c), beta = rand(c), mean = rand(c), var = rand(c);
        for (int i = 0; i < c; i++) var.put(i, Math.abs(var.get(i)) + 0.5f);
        NDArray yInf = BatchNorm.inference(x, gamma, beta, mean, var, eps, NDArray.zeros(x.shape()));
        NDArray yTr = NDArray.zeros(x.shape());
        BatchNorm.Stats stats = BatchNorm.training(x, gamma, beta, eps, yTr);
        NDArray runMean = mean.dup(), runVar = var.dup();
        BatchNorm.updateRunningStats(stats, runMean, runVar, decay);
        NDArray dy = rand(x.shape()), dx = NDArray.zeros(x.shape()), dg = NDArray.zeros(c), db = NDArray.zeros(c);
        BatchNorm.backward(x, dy, gamma, stats, dx, dg, db);
        if (!DRY) try (DeviceBuffer gx = up(x); DeviceBuffer gg = up(gamma); DeviceBuffer gb = up(beta); DeviceBuffer gm = up(mean); DeviceBuffer gv = up(var); DeviceBuffer gy = poisoned(x.length());
             DeviceBuffer rm = up(mean); DeviceBuffer rv = up(var); DeviceBuffer sm = poisoned(c); DeviceBuffer si = poisoned(c); DeviceBuffer gdy = up(dy); DeviceBuffer gdx = poisoned(x.length());
             DeviceBuffer gdg = poisoned(c); DeviceBuffer gdb = poisoned(c)) {
            ops.batchNormInference(n, c, h, w, gx.pointer(), gy.pointer(), gg.pointer(), gb.pointer(), gm.pointer(), gv.pointer(), eps);
            compare("batchnorm inference", down(gy, x.shape()), yInf);
            gy.poison();
            ops.batchNormTraining(n, c, h, w, gx.pointer(), gy.pointer(), gg.pointer(), gb.pointer(), decay, rm.pointer(), rv.pointer(),
                    eps, sm.pointer(), si.pointer());
            compare("batchnorm training forward", down(gy, x.shape()), yTr);
            compare("batchnorm running mean", down(rm, c), runMean);
            compare("batchnorm running variance (biased, as the engine)", down(rv, c), runVar);
            ops.batchNormBackward(n, c, h, w, gx.pointer(), gdy.pointer(), gdx.pointer(), gg.pointer(), gdg.pointer(), gdb.pointer(),
                    eps, sm.pointer(), si.pointer());
            compare("batchnorm backward dx", down(gdx, x.shape()), dx);
            compare("batchnorm backward dgamma", down(gdg, c), dg);
            compare("batchnorm backward dbeta", down(gdb, c), db);
        }
    }

    private void kernels() {
        int n = 3, c = 5, hw = 14;
        NDArray y = rand(n, c, hw), b = rand(c), want = y.dup();
        for (int i = 0; i < want.length(); i++) want.put(i, want.get(i) + b.get(i / hw % c));
        if (!DRY) try (DeviceBuffer gy = up(y); DeviceBuffer gb = up(b)) {
            dev.launch("bias_add_nchw", y.length(), gy, gb, (long) y.length(), c, (long) hw);
            compare("bias_add_nchw", down(gy, y.shape()), want);
        }
        int rows = 9, cols = 13;
        NDArray m = rand(rows, cols), bias = rand(cols), wantRows = m.dup(), sums = NDArray.zeros(cols);
        for (int i = 0; i < m.length(); i++) wantRows.put(i, m.get(i) + bias.get(i % cols));
        for (int i = 0; i < m.length(); i++) sums.put(i % cols, sums.get(i % cols) + m.get(i));
        if (!DRY) try (DeviceBuffer gm = up(m); DeviceBuffer gbias = up(bias); DeviceBuffer gs = poisoned(cols)) {
            dev.launch("column_sums", cols, gm, gs, rows, cols, 0f);
            compare("column_sums (dense bias gradient)", down(gs, cols), sums);
            dev.launch("bias_add_rows", m.length(), gm, gbias, (long) m.length(), cols);
            compare("bias_add_rows", down(gm, rows, cols), wantRows);
        }
        // losses: softmax probabilities and one-hot labels
        NDArray p = Softmax.forward(rand(rows, cols), NDArray.zeros(rows, cols)), lab = NDArray.zeros(rows, cols);
        for (int r = 0; r < rows; r++) lab.put(r * cols + rnd.nextInt(cols), 1f);
        NDArray grad = NDArray.zeros(rows, cols), xent = NDArray.zeros(rows), mse = NDArray.zeros(rows);
        for (int i = 0; i < grad.length(); i++) grad.put(i, (p.get(i) - lab.get(i)) / rows);
        for (int r = 0; r < rows; r++) {
            double s = 0, q = 0;
            for (int j = 0; j < cols; j++) {
                s -= lab.get(r * cols + j) * Math.log(Math.max(p.get(r * cols + j), 1e-10));
                double d = p.get(r * cols + j) - lab.get(r * cols + j);
                q += d * d;
            }
            xent.put(r, (float) s);
            mse.put(r, (float) (q / cols));
        }
        if (!DRY) try (DeviceBuffer gp = up(p); DeviceBuffer gl = up(lab); DeviceBuffer gg = poisoned(p.length()); DeviceBuffer gx = poisoned(rows); DeviceBuffer gq = poisoned(rows)) {
            dev.launch("prob_minus_label", p.length(), gp, gl, gg, (long) p.length(), 1f / rows);
            compare("prob_minus_label (MCXENT gradient)", down(gg, rows, cols), grad);
            dev.launch("mcxent_rows", rows, gp, gl, gx, rows, cols, 1e-10f);
            compare("mcxent_rows (score)", down(gx, rows), xent);
            dev.launch("mse_rows", rows, gp, gl, gq, rows, cols);
            compare("mse_rows (score)", down(gq, rows), mse);
        }
        // pre-processing: 8-bit HWC to normalized NCHW
        int bt = 2, h = 5, w = 7, ch = 3;
        byte[] px = new byte[bt * h * w * ch];
        for (int i = 0; i < px.length; i++) px[i] = (byte) rnd.nextInt(256);
        float[] mean = {123.68f, 116.78f, 103.94f}, sd = {58.4f, 57.1f, 57.4f};
        NDArray wantImg = NDArray.zeros(bt, ch, h, w);
        for (int b0 = 0; b0 < bt; b0++) for (int yy = 0; yy < h; yy++) for (int xx = 0; xx < w; xx++) for (int k = 0; k < ch; k++) {
            float v = (px[((b0 * h + yy) * w + xx) * ch + k] & 0xFF);
            wantImg.putAt((v - mean[k]) / sd[k], b0, k, yy, xx);
        }
        if (!DRY) try (DeviceBuffer raw = new DeviceBuffer(dev, (px.length + 3) / 4); DeviceBuffer img = poisoned(wantImg.length())) {
            FloatBuffer staging = NDArray.allocate((px.length + 3) / 4);
            com.sun.jna.Pointer host = com.sun.jna.Native.getDirectBufferPointer(staging);
            host.write(0, px, 0, px.length);
            raw.upload(staging, 0, (px.length + 3) / 4);
            dev.launch("u8_hwc_to_nchw", wantImg.length(), raw, img, bt, h, w, ch, 1f, mean[0], mean[1], mean[2], sd[0], sd[1], sd[2]);
            compare("u8_hwc_to_nchw (pre-processing)", down(img, bt, ch, h, w), wantImg);
        }
    }

    private void updaters() {
        int n = 1000;
        IUpdater[] cpu = {new Sgd(0.05), new Nesterovs(0.05, 0.9), new Adam(0.01, 0.9, 0.999, 1e-8), new RmsProp(0.01, 0.95, 1e-8)};
        for (IUpdater u : cpu) {
            int stateLen = (int) u.stateSize(n);
            NDArray g = rand(n), state = rand(Math.max(stateLen, 1));
            if (u instanceof Adam || u instanceof RmsProp) {  // second moments are non-negative
                for (int i = (u instanceof Adam ? n : 0); i < stateLen; i++) state.put(i, Math.abs(state.get(i)));
            }
            NDArray gCpu = g.dup(), sCpu = state.dup();
            int iteration = 3;
            u.applyUpdater(gCpu.buffer(), 0, n, sCpu.buffer(), 0, iteration, 0);
            if (!DRY) try (DeviceBuffer gg = up(g); DeviceBuffer gs = up(state)) {
                String name = u.getClass().getSimpleName();
                if (u instanceof Sgd s) {
                    dev.launch("sgd_update", n, gg, (long) n, (float) s.getLearningRate(iteration, 0));
                } else if (u instanceof Nesterovs s) {
                    dev.launch("nesterovs_update", n, gg, gs, (long) n, (float) s.getLearningRate(iteration, 0), (float) s.getMomentum());
                } else if (u instanceof Adam s) {
                    float alphaT = s.stepSize(iteration, 0);  // the CPU updater's own step size
                    com.sun.jna.Pointer vPart = gs.pointer().share(4L * n);
                    dev.launch("adam_update", n, gg, gs, vPart, (long) n, alphaT, (float) s.getBeta1(),
                            (float) s.getBeta2(), (float) s.getEpsilon());
                } else if (u instanceof RmsProp s) {
                    dev.launch("rmsprop_update", n, gg, gs, (long) n, (float) s.getLearningRate(iteration, 0),
                            (float) s.getRmsDecay(), (float) s.getEpsilon());
                } else {
                    throw new IllegalStateException("no kernel for " + name);
                }
                compare("updater " + name + " update", down(gg, n), gCpu);
                if (stateLen > 0) compare("updater " + name + " state", down(gs, stateLen), sCpu.reshape(stateLen).flatSlice(0, stateLen));
            }
        }
    }

    private void memory() {
        dev.synchronize();
        long base = DeviceBuffer.liveBytes();
        long[] before = dev.memoryInfo();
        DeviceBuffer big = new DeviceBuffer(dev, 64L << 20);  // 256 MiB
        long[] during = dev.memoryInfo();
        big.close();
        long[] after = dev.memoryInfo();
        check("device memory released on close", DeviceBuffer.liveBytes() == base && after[0] - during[0] >= (200L << 20),
                String.format("free MiB before %d, holding 256 MiB %d, after close %d", before[0] >> 20, during[0] >> 20, after[0] >> 20));
        allocateAndDrop();
        long deadline = System.currentTimeMillis() + 10_000;
        while (DeviceBuffer.liveBytes() != base && System.currentTimeMillis() < deadline) {
            System.gc();
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        check("device memory released when an unclosed buffer is collected", DeviceBuffer.liveBytes() == base,
                "live bytes " + DeviceBuffer.liveBytes() + ", baseline " + base);
    }

    private void allocateAndDrop() {
        new DeviceBuffer(dev, 64L << 20).upload(NDArray.allocate(16), 0, 16);
    }

    private void outOfMemory() {
        long[] mem = dev.memoryInfo();
        try {
            new DeviceBuffer(dev, (mem[0] + (1L << 30)) / Float.BYTES).close();
            check("impossible allocation raises DeviceOutOfMemoryException", false, "it succeeded");
        } catch (DeviceOutOfMemoryException e) {
            check("impossible allocation raises DeviceOutOfMemoryException", e.getMessage().contains("smaller batch"), e.getMessage());
        }
        if (!DRY) try (DeviceBuffer small = new DeviceBuffer(dev, 1 << 20)) {
            small.poison();
            dev.synchronize();
            check("the device still works after an out-of-memory error", true, "1M-float allocation and memset ok");
        }
    }
}
