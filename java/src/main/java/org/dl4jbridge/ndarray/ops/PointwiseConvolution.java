package org.dl4jbridge.ndarray.ops;

import java.nio.FloatBuffer;
import org.dl4jbridge.ndarray.Backend;
import org.dl4jbridge.ndarray.Backends;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.ndarray.Parallel;

/**
 * A 1x1, stride-1, unpadded, ungrouped convolution as many small single-threaded GEMMs run in
 * parallel by the engine's threads, one per (image, column tile): {@code out[img][:, tile] =
 * W x[img][:, tile]}, read and written in place (an image's input is already the GEMM's B with
 * leading dimension H*W, so nothing is gathered). The tile's output is still in the core's cache
 * when the same thread applies bias and activation to it.
 *
 * <p>Why not one multi-threaded GEMM over all images: EfficientNet-Lite0's 1x1 convolutions are
 * small or thin (K from 16, N = 49 per image at 7x7); OpenBLAS's two threads synchronise per call
 * and degrade badly when another process holds a core, whereas independent single-threaded calls
 * need no synchronisation, and batching images costs a gather and a scatter of the activations.
 */
final class PointwiseConvolution {
    // Tile size and minimum tiles per thread: ConvConfig.tileFloats and .minTilesPerThread.

    private PointwiseConvolution() {}

    /** Whether {@link #forward} takes this call (else the caller's batched GEMM path does). */
    static boolean applies(ConvConfig conf, ConvGeometry g, int groups, int n, int cout) {
        if (!g.isPointwise() || groups != 1 || conf.batchedPointwise()) return false;
        int p = g.outPlane();
        long tiles = (long) n * tilesPerImage(conf, p, cout);
        return tiles >= (long) conf.minTilesPerThread() * Parallel.threads();
    }

    private static int tileColumns(ConvConfig conf, int p, int cout) {
        int cols = Math.max(1, conf.tileFloats() / Math.max(1, cout));
        return cols >= p ? p : cols;
    }

    private static int tilesPerImage(ConvConfig conf, int p, int cout) {
        int cols = tileColumns(conf, p, cout);
        return (p + cols - 1) / cols;
    }

    /** x [n, cin, h, w], w [cout, cin, 1, 1], both contiguous; out [n, cout, h, w] contiguous. */
    static void forward(ConvConfig conf, NDArray x, NDArray w, NDArray b, FusedActivation act, NDArray out) {
        int n = x.size(0), cin = x.size(1), cout = w.size(0), p = x.size(2) * x.size(3);
        int cols = tileColumns(conf, p, cout), tiles = (p + cols - 1) / cols;
        float[] bias = b == null ? null : b.toFloatArray();
        // A bias alone is added by the BLAS as a rank-1 update (bias column times a row of ones): one
        // native pass over the tile instead of a copy to the heap and back.
        boolean rankOneBias = bias != null && act == FusedActivation.IDENTITY;
        boolean epilogue = !rankOneBias && (bias != null || act != FusedActivation.IDENTITY);
        FloatBuffer ones = rankOneBias ? ones(cols) : null;
        Backend blas = Backends.get();
        FloatBuffer xb = x.buffer(), wb = w.buffer(), ob = out.buffer();
        // Tiles go to whichever thread is free (see DepthwiseForward).
        blas.singleThreaded(() -> Parallel.dynamic(n * tiles, t -> {
            int img = t / tiles, j0 = (t % tiles) * cols, len = Math.min(cols, p - j0);
            int outOff = out.offset() + img * cout * p + j0;
            long t0 = System.nanoTime();
            blas.sgemm(false, false, cout, len, cin, 1f, wb, w.offset(), cin,
                    xb, x.offset() + img * cin * p + j0, p, 0f, ob, outOff, p);
            if (rankOneBias) blas.sgemm(false, false, cout, len, 1, 1f, b.buffer(), b.offset(), 1, ones, 0, len, 1f, ob, outOff, p);
            long t1 = System.nanoTime();
            if (epilogue) epilogue(ob, outOff, cout, len, p, bias, act);
            Convolution2D.GEMM_NANOS.add(t1 - t0);
            Convolution2D.EPILOGUE_NANOS.add(System.nanoTime() - t1);
        }));
    }

    private static volatile FloatBuffer ones = NDArray.allocate(0);

    /** At least {@code n} ones, shared read-only by every thread. */
    static FloatBuffer ones(int n) {
        FloatBuffer o = ones;
        if (o.capacity() >= n) return o;
        synchronized (PointwiseConvolution.class) {
            if (ones.capacity() < n) {
                FloatBuffer grown = NDArray.allocate(n);
                for (int i = 0; i < n; i++) grown.put(i, 1f);
                ones = grown;
            }
            return ones;
        }
    }

    /** act(z + bias[co]) over a [cout, len] block of rows {@code ld} apart, in place. */
    static void epilogue(FloatBuffer ob, int off, int cout, int len, int ld, float[] bias, FusedActivation act) {
        float[] row = ConvWorkspace.get().heap(0, len == ld ? cout * len : len);
        if (len == ld) {
            // The block is contiguous: one bulk copy each way.
            Buffers.load(ob, off, row, 0, cout * len);
            for (int co = 0; co < cout; co++) act.applyInPlace(row, co * len, len, bias == null ? 0f : bias[co]);
            Buffers.store(row, 0, ob, off, cout * len);
            return;
        }
        for (int co = 0; co < cout; co++) {
            Buffers.load(ob, off + co * ld, row, 0, len);
            act.applyInPlace(row, 0, len, bias == null ? 0f : bias[co]);
            Buffers.store(row, 0, ob, off + co * ld, len);
        }
    }
}
