package org.dl4jbridge.ndarray.ops;

import java.nio.FloatBuffer;
import org.dl4jbridge.ndarray.Backend;
import org.dl4jbridge.ndarray.Backends;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.ndarray.Parallel;

/**
 * A 1x1 convolution (stride 1, unpadded, ungrouped) over a batch split into work items of a few
 * images, which the engine's threads claim as they come free, each item on single-threaded GEMMs
 * over its images side by side: the training forward ({@link #forward}) and the gradients
 * ({@link ConvBackward} hands them here). EfficientNet-Lite0's trainable 7x7 blocks, batch 16:
 * items of 4 images (GEMMs of 196 columns) where the inference path runs one GEMM per image (49
 * columns, W packed again for each) and the batched path one multi-threaded GEMM (OpenBLAS's threads
 * synchronise per call and stall when another process holds a core). The gather into columns and
 * the copy back cost one pass over the item's activations each; measured against the per-image
 * forward: about 25 % less CPU time for the layers' forward, in interleaved A/B runs under load.
 */
public final class PointwiseItems {
    private PointwiseItems() {}

    /** Images per work item: two items a thread, or one where that leaves GEMMs of fewer than 196 columns. */
    private static int imagesPerItem(int n, int p) {
        int threads = Parallel.threads(), per = (n + 2 * threads - 1) / (2 * threads);
        return (long) per * p >= 196 ? per : (n + threads - 1) / threads;
    }

    /**
     * Whether the split applies: a 1x1 stride-1 unpadded ungrouped convolution over at least two images
     * per thread (room for the split), whose work items' columns fit the column budget.
     */
    static boolean applies(ConvGeometry g, int groups, int n, int cin, int cout, ConvConfig conf) {
        if (conf.dl4jOrder() || !g.isPointwise() || groups != 1 || Parallel.threads() < 2 || n < 2 * Parallel.threads()) return false;
        return (long) imagesPerItem(n, g.outPlane()) * g.outPlane() * Math.max(cin, cout) <= conf.columnBudget();
    }

    /**
     * Whether {@link #forward} takes a convolution of {@code cfg} with weights {@code w} [cout, cin, 1, 1] on {@code x}
     * (NCHW) under the settings {@code conf}: the training forward passes the settings its backward gets, so the
     * two decide alike.
     */
    public static boolean applies(NDArray x, NDArray w, Conv2DConfig cfg, ConvConfig conf) {
        if (x.rank() != 4 || w.rank() != 4 || w.size(1) != x.size(1)) return false;
        return applies(cfg.geometry(x.size(2), x.size(3)), 1, x.size(0), x.size(1), w.size(0), conf);
    }

    /**
     * {@code out = act(conv(x, w) + b)} where {@link #applies(NDArray, NDArray, Conv2DConfig, ConvConfig)} holds:
     * x [n, cin, h, w] and out [n, cout, h, w] contiguous, w [cout, cin, 1, 1], b null or cout values.
     * Overwrites out.
     */
    public static void forward(NDArray x, NDArray w, NDArray b, FusedActivation act, NDArray out) {
        int n = x.size(0), cin = x.size(1), cout = w.size(0), p = x.size(2) * x.size(3);
        Convolution2D.requireShape(out, "output", n, cout, x.size(2), x.size(3));
        Buffers.requireContiguous(out, "output");
        NDArray xc = x.contiguous(), wc = w.contiguous();
        int per = imagesPerItem(n, p), items = (n + per - 1) / per;
        float[] bias = b == null ? null : b.toFloatArray();
        FusedActivation epilogue = act == null ? FusedActivation.IDENTITY : act;
        boolean anyEpilogue = bias != null || epilogue != FusedActivation.IDENTITY;
        Backend blas = Backends.get();
        blas.singleThreaded(() -> Parallel.dynamic(items, item -> {
            ConvWorkspace ws = ConvWorkspace.get();
            int img0 = item * per, t = Math.min(per, n - img0), cols = t * p;
            FloatBuffer r = ws.direct(ConvWorkspace.COLUMNS, cin * cols);
            FloatBuffer d = ws.direct(ConvWorkspace.GEMM_OUT, cout * cols);
            gather(xc.buffer(), xc.offset(), cin, p, img0, t, r);
            blas.sgemm(false, false, cout, cols, cin, 1f, wc.buffer(), wc.offset(), cin, r, 0, cols, 0f, d, 0, cols);
            if (anyEpilogue) PointwiseConvolution.epilogue(d, 0, cout, cols, cols, bias, epilogue);
            scatter(d, cout, p, img0, t, out.buffer(), out.offset());
        }));
    }

    /**
     * The gradients ({@link ConvBackward}): per item, its images' inputs and output gradients side by
     * side ({@code R [cin, t*P]}, {@code D [cout, t*P]}), the weight gradient {@code D R^T} added into
     * the thread's own partial sum (summed into gradW at the end), and the input gradient {@code W^T D}
     * copied back to the item's images. gradW and gradIn (when not null) are overwritten.
     */
    static void backward(NDArray x, NDArray w, NDArray gradOut, ConvGeometry g, NDArray gradIn, NDArray gradW) {
        int n = x.size(0), cin = x.size(1), cout = w.size(0), p = g.outPlane();
        int per = imagesPerItem(n, p), items = (n + per - 1) / per, wLen = cout * cin;
        Backend blas = Backends.get();
        FloatBuffer xb = x.buffer(), gob = gradOut.buffer(), wb = w.buffer();
        java.util.concurrent.atomic.AtomicBoolean ownClaimed = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.List<FloatBuffer> partials = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        blas.singleThreaded(() -> Parallel.dynamicWithSetup(items, () -> {
            ConvWorkspace ws = ConvWorkspace.get();
            // The first thread sums straight into gradW, the others into their own buffers.
            boolean own = ownClaimed.compareAndSet(false, true);
            FloatBuffer sum = own ? gradW.buffer() : ws.direct(ConvWorkspace.GRAD_COLUMNS, wLen);
            int sumOff = own ? gradW.offset() : 0;
            Buffers.zero(sum, sumOff, wLen);
            if (!own) partials.add(sum);
            return item -> {
                int img0 = item * per, t = Math.min(per, n - img0), cols = t * p;
                FloatBuffer r = ws.direct(ConvWorkspace.COLUMNS, cin * cols);
                FloatBuffer d = ws.direct(ConvWorkspace.GEMM_OUT, cout * cols);
                gather(xb, x.offset(), cin, p, img0, t, r);
                gather(gob, gradOut.offset(), cout, p, img0, t, d);
                blas.sgemm(false, true, cout, cin, cols, 1f, d, 0, cols, r, 0, cols, 1f, sum, sumOff, cin);
                if (gradIn == null) return;
                // One GEMM for the item's images, then copied back image by image: a GEMM per image would
                // pack W again for each 49-column product (measured: about 10 % more time for the five layers).
                FloatBuffer dr = ws.direct(ConvWorkspace.PACKED_WEIGHTS, cin * cols);
                blas.sgemm(true, false, cin, cols, cout, 1f, wb, w.offset(), cin, d, 0, cols, 0f, dr, 0, cols);
                scatter(dr, cin, p, img0, t, gradIn.buffer(), gradIn.offset());
            };
        }));
        for (FloatBuffer part : partials) addInto(part, gradW.buffer(), gradW.offset(), wLen);
    }

    /** {@code dst[off + i] += src[i]} for i in [0, n), in parallel chunks. */
    private static void addInto(FloatBuffer src, FloatBuffer dst, int off, int n) {
        int chunk = 4096, chunks = (n + chunk - 1) / chunk;
        Parallel.range(chunks, (lo, hi) -> {
            ConvWorkspace ws = ConvWorkspace.get();
            float[] a = ws.heap(0, chunk), b = ws.heap(1, chunk);
            for (int c = lo; c < hi; c++) {
                int s = c * chunk, len = Math.min(chunk, n - s);
                Buffers.load(src, s, a, 0, len);
                Buffers.load(dst, off + s, b, 0, len);
                for (int i = 0; i < len; i++) b[i] += a[i];
                Buffers.store(b, 0, dst, off + s, len);
            }
        });
    }

    /** {@code dst[c, i*P + q] = src[img0 + i, c, q]} for the item's t images: their planes side by side. */
    private static void gather(FloatBuffer src, int off, int channels, int p, int img0, int t, FloatBuffer dst) {
        int cols = t * p;
        for (int c = 0; c < channels; c++) {
            for (int i = 0; i < t; i++) Buffers.copy(src, off + ((img0 + i) * channels + c) * p, dst, c * cols + i * p, p);
        }
    }

    /** The inverse of {@link #gather}: {@code dst[img0 + i, c, q] = src[c, i*P + q]}. */
    private static void scatter(FloatBuffer src, int channels, int p, int img0, int t, FloatBuffer dst, int off) {
        int cols = t * p;
        for (int c = 0; c < channels; c++) {
            for (int i = 0; i < t; i++) Buffers.copy(src, c * cols + i * p, dst, off + ((img0 + i) * channels + c) * p, p);
        }
    }
}
