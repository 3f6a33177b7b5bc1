package org.dl4jbridge.ndarray.ops;

import java.nio.FloatBuffer;
import org.dl4jbridge.ndarray.Backend;
import org.dl4jbridge.ndarray.Backends;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.ndarray.Parallel;

/**
 * 3x3 stride-1 convolution by Winograd's minimal filtering algorithm F(2x2, 3x3): each 2x2 block
 * of outputs costs 16 multiplications per channel pair instead of 36, so VGG16's convolutions
 * do 2.25x fewer GEMM flops than im2col+GEMM.
 *
 * <p>With the usual transforms {@code V = Bᵀ d B} (4x4 input tile), {@code U = G g Gᵀ} (3x3
 * filter) and {@code Y = Aᵀ M A}, the sum over input channels of {@code U ⊙ V} is, for each of
 * the 16 tile positions ξ, a GEMM {@code M[ξ] (nOut x tiles) = U[ξ] (nOut x nIn) · V[ξ] (nIn x tiles)}.
 * Tiles are taken in blocks of whole tile rows (across images for small maps), so the 16 GEMMs
 * have thousands of columns and BLAS runs at its rate; the transforms run on both cores.
 *
 * <p>Why F(2x2) and not F(4x4, 3x3) (4x fewer multiplications): in float32 F(4x4)'s
 * transforms (points ±1/2, ±2) lose about 5e-5 relative accuracy at 512 channels, above the
 * engine's 1e-5 bound against float64; F(2x2)'s ±1 transforms stay near 2e-6, like im2col.
 */
final class Winograd2x2 {
    /** Tile positions of a 4x4 input tile. */
    private static final int XI = 16;
    /** Channels per work item of the shared-block transforms (threads take items as they finish). */
    private static final int CHANNEL_GROUP = 16;
    /** Tuning and test switch: off makes every convolution take the im2col path. */
    static volatile boolean enabled = !Boolean.getBoolean("dl4jbridge.conv.noWinograd");
    /** Below this many input channels the GEMMs are too short for BLAS (VGG16's 3-channel first layer). */
    static volatile int minInputChannels = 16;
    /** Floats of the larger of the transformed-input and GEMM-output blocks (shared blocks). */
    static volatile int blockBudget = Integer.getInteger("dl4jbridge.conv.winogradBudget", 8 << 20);
    /** Layers with at most this many input and output channels use per-thread blocks. */
    static volatile int perThreadMaxChannels = Integer.getInteger("dl4jbridge.conv.winogradPerThreadMax", 128);
    /** Floats of transformed input plus GEMM output per per-thread block (2 MB, a core has 2.5 MB of L2). */
    static volatile int perThreadBudget = Integer.getInteger("dl4jbridge.conv.winogradPerThreadBudget", 512 << 10);

    private Winograd2x2() {}

    /** Whether this convolution is one Winograd F(2x2, 3x3) computes exactly (same sums, reordered). */
    static boolean applies(ConvGeometry g, int cinG, int groups) {
        Conv2DConfig c = g.cfg();
        return enabled && groups == 1 && c.kH() == 3 && c.kW() == 3 && c.sH() == 1 && c.sW() == 1
                && c.dH() == 1 && c.dW() == 1 && cinG >= minInputChannels && g.outH() >= 2 && g.outW() >= 2;
    }

    /** {@code out = act(conv(x, w) + b)}; all arrays contiguous, shapes validated by the caller. */
    static void forward(NDArray x, NDArray w, NDArray b, ConvGeometry g, FusedActivation act, NDArray out) {
        new Plan(x, w, b, g, act, out).run();
    }

    private static final class Plan {
        final NDArray x, out;
        final ConvGeometry g;
        final FusedActivation act;
        final float[] bias;
        final int n, cin, cout, ho, wo, tilesH, tilesW;
        final Backend blas = Backends.get();
        final ConvWorkspace ws = ConvWorkspace.get();
        final FloatBuffer u;

        Plan(NDArray x, NDArray w, NDArray b, ConvGeometry g, FusedActivation act, NDArray out) {
            this.x = x; this.out = out; this.g = g; this.act = act;
            this.bias = b == null ? null : b.toFloatArray();
            this.n = x.size(0); this.cin = x.size(1); this.cout = w.size(0);
            this.ho = g.outH(); this.wo = g.outW();
            this.tilesH = (ho + 1) / 2; this.tilesW = (wo + 1) / 2;
            this.u = transformWeights(w, cout, cin, ws);
        }

        void run() {
            if (Math.max(cin, cout) <= perThreadMaxChannels) runPerThreadBlocks();
            else runSharedBlocks();
        }

        /**
         * Few channels, large maps (VGG16's first blocks): the 16 values per 2x2 outputs make the
         * transformed blocks 4x the activations, so here each thread takes its own blocks, small
         * enough to stay in its core's cache from input transform through GEMM to output
         * transform, with single-threaded GEMMs side by side.
         */
        void runPerThreadBlocks() {
            int tileRows = n * tilesH;
            int rowsPerBlock = (int) Math.max(1, Math.min(tileRows, perThreadBudget / ((long) XI * (cin + cout) * tilesW)));
            int blocks = (tileRows + rowsPerBlock - 1) / rowsPerBlock;
            blas.singleThreaded(() -> Parallel.dynamic(blocks, blk -> {
                ConvWorkspace local = ConvWorkspace.get();
                int r0 = blk * rowsPerBlock, r1 = Math.min(tileRows, r0 + rowsPerBlock);
                int tiles = (r1 - r0) * tilesW;
                FloatBuffer v = local.direct(ConvWorkspace.COLUMNS, XI * cin * tiles);
                FloatBuffer m = local.direct(ConvWorkspace.GEMM_OUT, XI * cout * tiles);
                long t0 = System.nanoTime();
                transformInput(0, cin, r0, r1, tiles, v);
                long t1 = System.nanoTime();
                gemms(v, m, tiles);
                long t2 = System.nanoTime();
                transformOutput(0, cout, r0, r1, tiles, m);
                Convolution2D.COLUMN_NANOS.add(t1 - t0);
                Convolution2D.GEMM_NANOS.add(t2 - t1);
                Convolution2D.EPILOGUE_NANOS.add(System.nanoTime() - t2);
            }));
        }

        /** Many channels (VGG16's deep blocks): large blocks, transforms and GEMMs each on both cores. */
        void runSharedBlocks() {
            int tileRows = n * tilesH;
            long perTileRow = (long) XI * Math.max(cin, cout) * tilesW;
            int maxRows = (int) Math.max(1, Math.min(tileRows, blockBudget / perTileRow));
            int blocks = (tileRows + maxRows - 1) / maxRows;
            int rowsPerBlock = (tileRows + blocks - 1) / blocks; // equal blocks: no short last GEMM
            for (int r0 = 0; r0 < tileRows; r0 += rowsPerBlock) runSharedBlock(r0, Math.min(tileRows, r0 + rowsPerBlock));
        }

        /** Tile rows [r0, r1), numbered image by image, top to bottom. */
        void runSharedBlock(int r0, int r1) {
            int tiles = (r1 - r0) * tilesW;
            FloatBuffer v = ws.direct(ConvWorkspace.COLUMNS, XI * cin * tiles);
            FloatBuffer m = ws.direct(ConvWorkspace.GEMM_OUT, XI * cout * tiles);
            long t0 = System.nanoTime();
            Parallel.dynamic(groupsOf(cin), i -> transformInput(i * CHANNEL_GROUP, Math.min(cin, (i + 1) * CHANNEL_GROUP), r0, r1, tiles, v));
            long t1 = System.nanoTime();
            gemms(v, m, tiles);
            long t2 = System.nanoTime();
            Parallel.dynamic(groupsOf(cout), i -> transformOutput(i * CHANNEL_GROUP, Math.min(cout, (i + 1) * CHANNEL_GROUP), r0, r1, tiles, m));
            Convolution2D.COLUMN_NANOS.add(t1 - t0);
            Convolution2D.GEMM_NANOS.add(t2 - t1);
            Convolution2D.EPILOGUE_NANOS.add(System.nanoTime() - t2);
        }

        private int groupsOf(int channels) { return (channels + CHANNEL_GROUP - 1) / CHANNEL_GROUP; }

        /** M[ξ] = U[ξ] · V[ξ] for the 16 tile positions. */
        void gemms(FloatBuffer v, FloatBuffer m, int tiles) {
            for (int xi = 0; xi < XI; xi++) {
                blas.sgemm(false, false, cout, tiles, cin, 1f, u, xi * cout * cin, cin,
                        v, xi * cin * tiles, tiles, 0f, m, xi * cout * tiles, tiles);
            }
        }

        /**
         * V[ξ][c][t] = (Bᵀ d B)[ξ] for input channels [c0, c1) and the block's tiles. Each input row
         * is column-transformed once and kept while the next tile row (two rows down) needs it;
         * results gather in heap stripes written to V in a few large copies, because a small
         * copy into off-heap memory costs as much as the transform of a row.
         */
        void transformInput(int c0, int c1, int r0, int r1, int tiles, FloatBuffer v) {
            Scratch s = Scratch.get(tilesW, tiles);
            int rowLen = 2 * tilesW + 2;
            float[][][] cm = s.columnMixed;
            int chunk = Math.max(1, s.stage[0].length / tiles);
            for (int cc = c0; cc < c1; cc += chunk) {
                int cEnd = Math.min(c1, cc + chunk);
                for (int c = cc; c < cEnd; c++) {
                    int prevImg = -1, prevTy = -2;
                    for (int r = r0; r < r1; r++) {
                        int img = r / tilesH, ty = r % tilesH;
                        int plane = x.offset() + (img * cin + c) * g.inPlane();
                        int first = 0;
                        if (img == prevImg && ty == prevTy + 1) { // rows 2, 3 of the last tile are rows 0, 1 now
                            float[][] t0 = cm[0], t1 = cm[1];
                            cm[0] = cm[2]; cm[1] = cm[3]; cm[2] = t0; cm[3] = t1;
                            first = 2;
                        }
                        for (int i = first; i < 4; i++) {
                            loadPaddedRow(x.buffer(), plane, 2 * ty - g.padTop() + i, g.inH(), g.inW(), g.padLeft(),
                                    s.row, rowLen);
                            columnMix(s.row, cm[i][0], cm[i][1], cm[i][2], cm[i][3], tilesW);
                        }
                        prevImg = img;
                        prevTy = ty;
                        int at = (c - cc) * tiles + (r - r0) * tilesW;
                        for (int j = 0; j < 4; j++) {
                            rowMix(cm[0][j], cm[1][j], cm[2][j], cm[3][j], s.tmp[j], s.tmp[4 + j], s.tmp[8 + j],
                                    s.tmp[12 + j], tilesW);
                        }
                        for (int xi = 0; xi < XI; xi++) System.arraycopy(s.tmp[xi], 0, s.stage[xi], at, tilesW);
                    }
                }
                int len = (cEnd - cc) * tiles;
                for (int xi = 0; xi < XI; xi++) Buffers.store(s.stage[xi], 0, v, (xi * cin + cc) * tiles, len);
            }
        }

        /** out = act(Aᵀ M A + b) for output channels [k0, k1) and the block's tiles. */
        void transformOutput(int k0, int k1, int r0, int r1, int tiles, FloatBuffer m) {
            Scratch s = Scratch.get(tilesW, tiles);
            float[][] mt = s.tmp, y = s.outTiles;
            float[] top = s.outRows[0], bottom = s.outRows[1];
            int chunk = Math.max(1, s.stage[0].length / tiles);
            for (int kk = k0; kk < k1; kk += chunk) {
                int kEnd = Math.min(k1, kk + chunk);
                for (int xi = 0; xi < XI; xi++) Buffers.load(m, (xi * cout + kk) * tiles, s.stage[xi], 0, (kEnd - kk) * tiles);
                for (int k = kk; k < kEnd; k++) {
                    float bk = bias == null ? 0f : bias[k];
                    for (int r = r0; r < r1; r++) {
                        int img = r / tilesH, ty = r % tilesH;
                        int at = (k - kk) * tiles + (r - r0) * tilesW;
                        for (int xi = 0; xi < XI; xi++) System.arraycopy(s.stage[xi], at, mt[xi], 0, tilesW);
                        // Aᵀ M: row sums (rows 0+1+2, 1-2-3) of the 4x4 tile, column by column.
                        for (int j = 0; j < 4; j++) {
                            outputMix(mt[j], mt[4 + j], mt[8 + j], mt[12 + j], s.sums[j], s.diffs[j], tilesW);
                        }
                        // (Aᵀ M) A: the same over columns gives the 2x2 outputs.
                        outputMix(s.sums[0], s.sums[1], s.sums[2], s.sums[3], y[0], y[1], tilesW);
                        outputMix(s.diffs[0], s.diffs[1], s.diffs[2], s.diffs[3], y[2], y[3], tilesW);
                        interleave(y[0], y[1], top, tilesW);
                        interleave(y[2], y[3], bottom, tilesW);
                        int oy = 2 * ty, plane = out.offset() + (img * cout + k) * ho * wo;
                        act.applyInPlace(top, 0, wo, bk);
                        Buffers.store(top, 0, out.buffer(), plane + oy * wo, wo);
                        if (oy + 1 < ho) {
                            act.applyInPlace(bottom, 0, wo, bk);
                            Buffers.store(bottom, 0, out.buffer(), plane + (oy + 1) * wo, wo);
                        }
                    }
                }
            }
        }
    }

    /** U[ξ][k][c] = (G g Gᵀ)[ξ] for every filter, in double then rounded once. */
    private static FloatBuffer transformWeights(NDArray w, int cout, int cin, ConvWorkspace callerWs) {
        FloatBuffer u = callerWs.direct(ConvWorkspace.PACKED_WEIGHTS, XI * cout * cin);
        FloatBuffer wb = w.buffer();
        int wOff = w.offset();
        Parallel.range(cout, (lo, hi) -> {
            float[] filters = ConvWorkspace.get().heap(4, cin * 9);
            float[] packed = ConvWorkspace.get().heap(5, XI * cin);
            double[] gg = new double[12];
            for (int k = lo; k < hi; k++) {
                Buffers.load(wb, wOff + k * cin * 9, filters, 0, cin * 9);
                for (int c = 0; c < cin; c++) {
                    int f = c * 9;
                    for (int col = 0; col < 3; col++) { // G g: rows g0, (g0+g1+g2)/2, (g0-g1+g2)/2, g2
                        double g0 = filters[f + col], g1 = filters[f + 3 + col], g2 = filters[f + 6 + col];
                        gg[col] = g0;
                        gg[3 + col] = 0.5 * (g0 + g1 + g2);
                        gg[6 + col] = 0.5 * (g0 - g1 + g2);
                        gg[9 + col] = g2;
                    }
                    for (int i = 0; i < 4; i++) { // (G g) Gᵀ: the same combination along each row
                        double a0 = gg[3 * i], a1 = gg[3 * i + 1], a2 = gg[3 * i + 2];
                        packed[(4 * i) * cin + c] = (float) a0;
                        packed[(4 * i + 1) * cin + c] = (float) (0.5 * (a0 + a1 + a2));
                        packed[(4 * i + 2) * cin + c] = (float) (0.5 * (a0 - a1 + a2));
                        packed[(4 * i + 3) * cin + c] = (float) a2;
                    }
                }
                for (int xi = 0; xi < XI; xi++) Buffers.store(packed, xi * cin, u, (xi * cout + k) * cin, cin);
            }
        });
        return u;
    }

    /** Input row {@code iy} shifted right by the left padding, zeros outside the image. */
    private static void loadPaddedRow(FloatBuffer xb, int plane, int iy, int h, int w, int padLeft, float[] dst, int len) {
        java.util.Arrays.fill(dst, 0, len, 0f);
        if (iy < 0 || iy >= h) return;
        int from = Math.max(0, -padLeft), to = Math.min(w, len - padLeft);
        if (to > from) Buffers.load(xb, plane + iy * w + from, dst, from + padLeft, to - from);
    }

    // The loops below are separate small methods over distinct arrays at index 0: the shape the
    // JIT vectorises (it will not when two float[] accesses may alias at unknown offsets).

    /** Bᵀ applied down the tile's rows: d0-d2, d1+d2, d2-d1, d1-d3. */
    private static void rowMix(float[] d0, float[] d1, float[] d2, float[] d3,
                               float[] q0, float[] q1, float[] q2, float[] q3, int n) {
        for (int i = 0; i < n; i++) {
            float a = d0[i], b = d1[i], c = d2[i], d = d3[i];
            q0[i] = a - c;
            q1[i] = b + c;
            q2[i] = c - b;
            q3[i] = b - d;
        }
    }

    /** B applied along a row for every tile: tile t covers padded columns 2t .. 2t+3. */
    private static void columnMix(float[] q, float[] v0, float[] v1, float[] v2, float[] v3, int tiles) {
        for (int t = 0; t < tiles; t++) {
            float a = q[2 * t], b = q[2 * t + 1], c = q[2 * t + 2], d = q[2 * t + 3];
            v0[t] = a - c;
            v1[t] = b + c;
            v2[t] = c - b;
            v3[t] = b - d;
        }
    }

    /** Aᵀ on four values per tile: m0+m1+m2 and m1-m2-m3. */
    private static void outputMix(float[] m0, float[] m1, float[] m2, float[] m3, float[] sum, float[] diff, int n) {
        for (int i = 0; i < n; i++) {
            float a = m0[i], b = m1[i], c = m2[i], d = m3[i];
            sum[i] = a + b + c;
            diff[i] = b - c - d;
        }
    }

    private static void interleave(float[] even, float[] odd, float[] dst, int n) {
        for (int i = 0; i < n; i++) {
            dst[2 * i] = even[i];
            dst[2 * i + 1] = odd[i];
        }
    }

    /** Per-thread rows, each its own array (see the note on vectorisation above). */
    private static final class Scratch {
        /** Floats per heap stripe: large enough that copies to and from off-heap memory are few. */
        private static final int STAGE = 4096;
        private static final ThreadLocal<Scratch> LOCAL = new ThreadLocal<>();
        final int capacity, stageCapacity;
        final float[] row;
        final float[][][] columnMixed;
        final float[][] tmp, stage, outTiles, sums, diffs, outRows;

        private Scratch(int tilesW, int tiles) {
            capacity = tilesW;
            stageCapacity = Math.max(STAGE, tiles);
            row = new float[2 * tilesW + 2];
            columnMixed = new float[4][][];
            for (int i = 0; i < 4; i++) columnMixed[i] = rows(4, tilesW);
            tmp = rows(XI, tilesW);
            stage = rows(XI, stageCapacity);
            outTiles = rows(4, tilesW);
            sums = rows(4, tilesW);
            diffs = rows(4, tilesW);
            outRows = rows(2, 2 * tilesW);
        }

        static Scratch get(int tilesW, int tiles) {
            Scratch s = LOCAL.get();
            if (s == null || s.capacity < tilesW || s.stageCapacity < tiles) {
                s = new Scratch(Math.max(tilesW, s == null ? 0 : s.capacity), Math.max(tiles, s == null ? 0 : s.stageCapacity));
                LOCAL.set(s);
            }
            return s;
        }

        private static float[][] rows(int count, int len) {
            float[][] r = new float[count][];
            for (int i = 0; i < count; i++) r[i] = new float[len];
            return r;
        }
    }
}
