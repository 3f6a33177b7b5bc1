package org.dl4jbridge.ndarray.ops;

import java.nio.FloatBuffer;
import org.dl4jbridge.ndarray.Backend;
import org.dl4jbridge.ndarray.Backends;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.ndarray.Parallel;

/**
 * An ungrouped convolution with a stride above 1 (EfficientNet's stem), or a stride-1 one with a short K
 * (VGG16's 3-channel first layer; {@link ConvConfig#bandedShortK}), as {@link PointwiseConvolution}
 * runs 1x1 ones: independent single-threaded GEMMs on the engine's threads, one per (image, band of
 * output rows), each on a cache-sized column matrix its thread builds ({@link Im2col}), writing
 * straight into the output, which the same thread then finishes with bias and activation. The
 * batched path instead unfolds many images into one large column matrix and output buffer (tens of
 * MB for the stem at batch 16, 26 MB per two images for VGG16's first layer) and scatters the result
 * in a separate pass over memory.
 */
final class StridedConvolution {
    // Tile size and minimum tiles per thread: ConvConfig.tileFloats and .minTilesPerThread.

    private StridedConvolution() {}

    static boolean applies(ConvConfig conf, ConvGeometry g, int groups, int n, int cin, int cout) {
        Conv2DConfig c = g.cfg();
        boolean strided = c.sH() != 1 || c.sW() != 1;
        // The batched path would unfold every kernel row for these too (see Convolution2D's ForwardPlan).
        boolean shortK = conf.bandedShortK() && c.kH() > 1 && (long) cin * c.kW() < conf.shortK();
        if (groups != 1 || !(strided || shortK)) return false;
        int rows = rowsPerTile(conf, g, cin, cout);
        long tiles = (long) n * ((g.outH() + rows - 1) / rows);
        return tiles >= (long) conf.minTilesPerThread() * Parallel.threads();
    }

    private static int rowsPerTile(ConvConfig conf, ConvGeometry g, int cin, int cout) {
        Conv2DConfig c = g.cfg();
        long perRow = (long) Math.max(cout, cin * c.kH() * c.kW()) * g.outW();
        return (int) Math.max(1, Math.min(g.outH(), conf.tileFloats() / Math.max(1, perRow)));
    }

    /** x [n, cin, h, w], w [cout, cin, kH, kW], both contiguous; out [n, cout, outH, outW] contiguous. */
    static void forward(ConvConfig conf, NDArray x, NDArray w, NDArray b, ConvGeometry g, FusedActivation act,
                        NDArray out) {
        Conv2DConfig c = g.cfg();
        int n = x.size(0), cin = x.size(1), cout = w.size(0), kR = cin * c.kH() * c.kW();
        int ho = g.outH(), wo = g.outW(), p = ho * wo;
        int rowsPerTile = rowsPerTile(conf, g, cin, cout), tiles = (ho + rowsPerTile - 1) / rowsPerTile;
        float[] bias = b == null ? null : b.toFloatArray();
        boolean rankOneBias = bias != null && act == FusedActivation.IDENTITY;
        boolean epilogue = !rankOneBias && (bias != null || act != FusedActivation.IDENTITY);
        FloatBuffer ones = rankOneBias ? PointwiseConvolution.ones(rowsPerTile * wo) : null;
        Backend blas = Backends.get();
        FloatBuffer ob = out.buffer();
        // Tiles go to whichever thread is free (see DepthwiseForward).
        blas.singleThreaded(() -> Parallel.dynamic(n * tiles, t -> {
            FloatBuffer columns = ConvWorkspace.get().direct(ConvWorkspace.COLUMNS, kR * rowsPerTile * wo);
            int img = t / tiles, oy0 = (t % tiles) * rowsPerTile, rows = Math.min(rowsPerTile, ho - oy0);
            int len = rows * wo, outOff = out.offset() + img * cout * p + oy0 * wo;
            long t0 = System.nanoTime();
            Im2col.fill(x.buffer(), x.offset() + img * cin * g.inPlane(), 0, 1, cin, g, true, oy0, rows, columns, 0);
            long t1 = System.nanoTime();
            blas.sgemm(false, false, cout, len, kR, 1f, w.buffer(), w.offset(), kR, columns, 0, len, 0f, ob, outOff, p);
            if (rankOneBias) blas.sgemm(false, false, cout, len, 1, 1f, b.buffer(), b.offset(), 1, ones, 0, len, 1f, ob, outOff, p);
            long t2 = System.nanoTime();
            if (epilogue) PointwiseConvolution.epilogue(ob, outOff, cout, len, p, bias, act);
            Convolution2D.COLUMN_NANOS.add(t1 - t0);
            Convolution2D.GEMM_NANOS.add(t2 - t1);
            Convolution2D.EPILOGUE_NANOS.add(System.nanoTime() - t2);
        }));
    }
}
