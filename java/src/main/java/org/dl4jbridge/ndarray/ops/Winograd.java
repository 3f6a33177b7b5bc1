package org.dl4jbridge.ndarray.ops;

import java.nio.FloatBuffer;
import org.dl4jbridge.ndarray.Backend;
import org.dl4jbridge.ndarray.Backends;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.ndarray.Parallel;

/**
 * 3x3 stride-1 convolution by Winograd's minimal filtering algorithm F(m x m, 3x3): an m x m
 * block of outputs costs (m+2)² multiplications per channel pair instead of 9m², so VGG16's
 * convolutions do 2.25x (m = 2), 3.24x (m = 3) or 4x (m = 4) fewer GEMM flops than im2col+GEMM.
 *
 * <p>With the transforms {@code V = Bᵀ d B} ((m+2)² input tile), {@code U = G g Gᵀ} (3x3 filter)
 * and {@code Y = Aᵀ M A}, the sum over input channels of {@code U ⊙ V} is, for each of the (m+2)²
 * tile positions ξ, a GEMM {@code M[ξ] (nOut x tiles) = U[ξ] (nOut x nIn) · V[ξ] (nIn x tiles)}.
 *
 * <p>Accuracy decides the tile sizes offered (tests/reference/winograd_accuracy.py simulates
 * them): with interpolation points 0, ±1 (m = 2) and 0, ±1, 2 (m = 3), float32 results stay
 * within 7.3e-7 and 5.4e-6 of float64 at 512 input channels (relative to the largest output),
 * inside the engine's 1e-5 bound; F(4x4, 3x3) with points 0, ±1, ±2 stays within 3.8e-6 at 64
 * and 7.5e-6 at 128 input channels but reaches 1.2e-5 at 512, so it is used up to 128 input
 * channels only. Each layer picks its tile size in {@link #tileFor}.
 */
final class Winograd {
    /** A tile size: m outputs per side from alpha = m + 2 inputs; its transforms are written out below. */
    enum Tile {
        F2(2), F3(3), F4(4);

        final int m, alpha, positions;
        /** G (alpha x 3): the filter transform, exact rationals applied in double. */
        final double[][] g;

        Tile(int m) {
            this.m = m;
            this.alpha = m + 2;
            this.positions = alpha * alpha;
            this.g = switch (m) {
                case 2 -> new double[][] {{1, 0, 0}, {.5, .5, .5}, {.5, -.5, .5}, {0, 0, 1}};
                case 3 -> new double[][] {{.5, 0, 0}, {-.5, -.5, -.5}, {-1 / 6.0, 1 / 6.0, -1 / 6.0},
                                          {1 / 6.0, 2 / 6.0, 4 / 6.0}, {0, 0, 1}};
                default -> new double[][] {{.25, 0, 0}, {-1 / 6.0, -1 / 6.0, -1 / 6.0}, {-1 / 6.0, 1 / 6.0, -1 / 6.0},
                                           {1 / 24.0, 1 / 12.0, 1 / 6.0}, {1 / 24.0, -1 / 12.0, 1 / 6.0}, {0, 0, 1}};
            };
        }

        /** Tiles needed to cover {@code size} outputs. */
        int count(int size) { return (size + m - 1) / m; }

        /** GEMM multiply-adds per channel pair for an outH x outW map. */
        long cost(int outH, int outW) { return (long) positions * count(outH) * count(outW); }
    }

    /** Channels per work item of the shared-block transforms (threads take items as they finish). */
    private static final int CHANNEL_GROUP = 16;
    // The switches (on/off, forced tile, block budgets, GEMM scheduling) are a WinogradConfig passed
    // with each call. Their measured defaults, and why:
    //  - minInputChannels 16: below it the GEMMs are too short for BLAS (VGG16's 3-channel first layer);
    //  - blockBudget 8 M floats: the larger of the transformed-input and GEMM-output blocks (shared blocks);
    //  - gemmPerThread: shared blocks send the tile positions' GEMMs to whichever thread is free, each
    //    GEMM on one thread, when there are at least 4 per thread (otherwise BLAS threads each GEMM). On
    //    2 cores shared with other jobs, BLAS's fixed split of every GEMM waited on a descheduled thread
    //    and VGG16's deep layers took several times longer; on a quieter machine the per-thread GEMMs
    //    were as fast or slightly faster;
    //  - perThreadMaxChannels 128: layers with at most this many input and output channels use
    //    per-thread blocks, of perThreadBudget 512 K floats (2 MB; a core has 2.5 MB of L2).
    /** F(3x3)'s rounding grows with the channels summed: measured within bound up to 512. */
    static final int F3_MAX_INPUT_CHANNELS = 512;
    /**
     * F(4x4)'s: within bound up to 128 (4e-6 to 6e-6 at 64, 5e-6 to 8e-6 at 128 over four seeds of
     * tests/reference/winograd_accuracy.py's simulation), at it from 256 (9e-6 to 1e-5).
     */
    static final int F4_MAX_INPUT_CHANNELS = 128;

    private Winograd() {}

    /**
     * Floats of transformed weights beyond which a layer stays on im2col: they live in one off-heap
     * buffer (VGG16's largest layer needs 6.5 M; a 4096-channel 3x3 layer would need 268 M).
     */
    static final long MAX_TRANSFORMED_WEIGHTS = 32L << 20;

    /** Whether Winograd computes this convolution (same sums, reordered). */
    static boolean applies(WinogradConfig s, ConvGeometry g, int cinG, int cout, int groups) {
        Conv2DConfig c = g.cfg();
        return s.enabled() && groups == 1
                && c.kH() == 3 && c.kW() == 3 && c.sH() == 1 && c.sW() == 1 && c.dH() == 1 && c.dW() == 1 && cinG >= s.minInputChannels() && g.outH() >= 2 && g.outW() >= 2
                && (long) Tile.F3.positions * cinG * cout <= MAX_TRANSFORMED_WEIGHTS;
    }

    /**
     * The tile size for a layer. The larger tiles need fewer GEMM flops wherever their edge tiles
     * waste little, but their transforms cost more per value and their GEMMs get fewer columns, so
     * a larger tile is taken only with at least 1000 tiles per batch and no more than 80 % of
     * F(2x2)'s GEMM flops; F(4x4) up to 128 input channels (its accuracy range), F(3x3) from 128 to
     * 512. Measured with {@code NetworkAB vgg16} (tiles forced per variant, interleaved in one JVM,
     * under load): F(4x4) cut VGG16's layers 2 to 4 (64 and 128 channels at 224 and 112) by 28 to 35 % against
     * F(2x2) and F(3x3), and F(3x3) beat F(2x2) on the 56x56 and 28x28 layers; F(2x2) stays faster
     * on the 14x14 layers at batch 16 (400 tiles).
     */
    static Tile tileFor(WinogradConfig s, ConvGeometry g, int cin, int batch) {
        if (s.tile() != null) return s.tile();
        if (cin <= s.f4MaxInputChannels() && worthIt(Tile.F4, g, batch)) return Tile.F4;
        if (cin > F3_MAX_INPUT_CHANNELS || cin < 128) return Tile.F2;
        return worthIt(Tile.F3, g, batch) ? Tile.F3 : Tile.F2;
    }

    /** At least 1000 tiles per batch and at most 80 % of F(2x2)'s GEMM flops. */
    private static boolean worthIt(Tile tile, ConvGeometry g, int batch) {
        long tiles = (long) batch * tile.count(g.outH()) * tile.count(g.outW());
        return tiles >= 1000 && tile.cost(g.outH(), g.outW()) <= 0.8 * Tile.F2.cost(g.outH(), g.outW());
    }

    /** {@code out = act(conv(x, w) + b)}; all arrays contiguous, shapes validated by the caller. */
    static void forward(WinogradConfig s, NDArray x, NDArray w, NDArray b, ConvGeometry g, FusedActivation act, NDArray out) {
        new Plan(s, x, w, b, g, tileFor(s, g, x.size(1), x.size(0)), act, out, null).run();
    }

    /**
     * Whether {@link #forwardMaxPooled} can run this layer: its tile has an even side (F(2x2) or
     * F(4x4)), so every tile row holds whole 2x2 pooling windows, and the multi-row output transform
     * (which has the output rows of a segment in cache) is on.
     */
    static boolean poolFuses(WinogradConfig s, ConvGeometry g, int cin, int batch) {
        return s.multiRowTransforms() && tileFor(s, g, cin, batch).m % 2 == 0;
    }

    /**
     * {@code pooled = maxpool2x2(act(conv(x, w) + b))}, stride 2, the last row and column dropped for
     * odd sizes (Truncate), without storing the convolution's output: each segment's output rows are
     * pooled while in cache. The same floats as the convolution followed by {@link Pooling2D}.
     */
    static void forwardMaxPooled(WinogradConfig s, NDArray x, NDArray w, NDArray b, ConvGeometry g, FusedActivation act,
                                 NDArray pooled) {
        if (!poolFuses(s, g, x.size(1), x.size(0))) {
            throw new IllegalStateException("Winograd.forwardMaxPooled: the layer's tile has an odd side or the multi-row "
                    + "transforms are off; check poolFuses first and run the convolution and the pooling separately");
        }
        new Plan(s, x, w, b, g, tileFor(s, g, x.size(1), x.size(0)), act, null, pooled).run();
    }

    private static final class Plan {
        final NDArray x, out;
        /** Non-null: the 2x2 max-pooled output, written instead of {@code out} (which is then null). */
        final NDArray pooled;
        final ConvGeometry g;
        final Tile tile;
        final int m, alpha, xi;
        final WinogradConfig s;
        final FusedActivation act;
        final float[] bias;
        final int n, cin, cout, ho, wo, tilesH, tilesW;
        final Backend blas = Backends.get();
        final ConvWorkspace ws = ConvWorkspace.get();
        final FloatBuffer u;

        Plan(WinogradConfig s, NDArray x, NDArray w, NDArray b, ConvGeometry g, Tile tile, FusedActivation act, NDArray out,
             NDArray pooled) {
            this.pooled = pooled;
            this.s = s;
            this.x = x; this.out = out; this.g = g; this.act = act;
            this.tile = tile; this.m = tile.m; this.alpha = tile.alpha; this.xi = tile.positions;
            this.bias = b == null ? null : b.toFloatArray();
            this.n = x.size(0); this.cin = x.size(1); this.cout = w.size(0);
            this.ho = g.outH(); this.wo = g.outW();
            this.tilesH = tile.count(ho); this.tilesW = tile.count(wo);
            // Inference sees the same weights batch after batch: reuse their transform while they are unchanged.
            long cache = s.weightCacheFloats();
            this.u = WinogradWeightCache.floats(tile, cout, cin) <= cache
                    ? WinogradWeightCache.get(w, tile, cout, cin, cache, dst -> transformWeights(w, tile, cout, cin, dst))
                    : transformWeights(w, tile, cout, cin, ws.direct(ConvWorkspace.PACKED_WEIGHTS, xi * cout * cin));
        }

        void run() {
            if (Math.max(cin, cout) <= s.perThreadMaxChannels()) runPerThreadBlocks();
            else runSharedBlocks();
        }

        /**
         * Few channels, large maps (VGG16's first blocks): the transformed blocks are several times
         * the activations, so each thread takes its own blocks, small enough to stay in its core's
         * cache from input transform through GEMM to output transform, with single-threaded GEMMs
         * side by side.
         */
        void runPerThreadBlocks() {
            int tileRows = n * tilesH;
            long budgetRows = s.perThreadBudget() / ((long) xi * (cin + cout) * tilesW);
            long minRows = (s.perThreadMinTiles() + tilesW - 1) / tilesW; // GEMMs of at least that many columns
            int rowsPerBlock = (int) Math.max(1, Math.min(tileRows, Math.max(budgetRows, minRows)));
            int blocks = (tileRows + rowsPerBlock - 1) / rowsPerBlock;
            blas.singleThreaded(() -> Parallel.dynamic(blocks, blk -> {
                ConvWorkspace local = ConvWorkspace.get();
                int r0 = blk * rowsPerBlock, r1 = Math.min(tileRows, r0 + rowsPerBlock);
                int tiles = (r1 - r0) * tilesW;
                FloatBuffer v = local.direct(ConvWorkspace.COLUMNS, xi * cin * tiles);
                FloatBuffer mm = local.direct(ConvWorkspace.GEMM_OUT, xi * cout * tiles);
                long t0 = System.nanoTime();
                inputTransform(0, cin, r0, r1, tiles, v);
                long t1 = System.nanoTime();
                gemms(v, mm, tiles);
                long t2 = System.nanoTime();
                outputTransform(0, cout, r0, r1, tiles, mm);
                Convolution2D.COLUMN_NANOS.add(t1 - t0);
                Convolution2D.GEMM_NANOS.add(t2 - t1);
                Convolution2D.EPILOGUE_NANOS.add(System.nanoTime() - t2);
            }));
        }

        /** Many channels (VGG16's deep blocks): large blocks, transforms and GEMMs each on all cores. */
        void runSharedBlocks() {
            int tileRows = n * tilesH;
            long perTileRow = (long) xi * Math.max(cin, cout) * tilesW;
            int maxRows = (int) Math.max(1, Math.min(tileRows, s.blockBudget() / perTileRow));
            int blocks = (tileRows + maxRows - 1) / maxRows;
            int rowsPerBlock = (tileRows + blocks - 1) / blocks; // equal blocks: no short last GEMM
            for (int r0 = 0; r0 < tileRows; r0 += rowsPerBlock) runSharedBlock(r0, Math.min(tileRows, r0 + rowsPerBlock));
        }

        /** Tile rows [r0, r1), numbered image by image, top to bottom. */
        void runSharedBlock(int r0, int r1) {
            int tiles = (r1 - r0) * tilesW;
            FloatBuffer v = ws.direct(ConvWorkspace.COLUMNS, xi * cin * tiles);
            FloatBuffer mm = ws.direct(ConvWorkspace.GEMM_OUT, xi * cout * tiles);
            long t0 = System.nanoTime();
            Parallel.dynamic(groupsOf(cin), i -> inputTransform(i * CHANNEL_GROUP, Math.min(cin, (i + 1) * CHANNEL_GROUP), r0, r1, tiles, v));
            long t1 = System.nanoTime();
            if (s.gemmPerThread() && xi >= 4 * Parallel.threads()) {
                blas.singleThreaded(() -> Parallel.dynamic(xi, p -> gemm(p, v, mm, tiles)));
            } else {
                gemms(v, mm, tiles);
            }
            long t2 = System.nanoTime();
            Parallel.dynamic(groupsOf(cout), i -> outputTransform(i * CHANNEL_GROUP, Math.min(cout, (i + 1) * CHANNEL_GROUP), r0, r1, tiles, mm));
            Convolution2D.COLUMN_NANOS.add(t1 - t0);
            Convolution2D.GEMM_NANOS.add(t2 - t1);
            Convolution2D.EPILOGUE_NANOS.add(System.nanoTime() - t2);
        }

        private int groupsOf(int channels) { return (channels + CHANNEL_GROUP - 1) / CHANNEL_GROUP; }

        /** M[ξ] = U[ξ] · V[ξ] for every tile position. */
        void gemms(FloatBuffer v, FloatBuffer mm, int tiles) {
            for (int p = 0; p < xi; p++) gemm(p, v, mm, tiles);
        }

        void gemm(int p, FloatBuffer v, FloatBuffer mm, int tiles) {
            blas.sgemm(false, false, cout, tiles, cin, 1f, u, p * cout * cin, cin,
                    v, p * cin * tiles, tiles, 0f, mm, p * cout * tiles, tiles);
        }

        void inputTransform(int c0, int c1, int r0, int r1, int tiles, FloatBuffer v) {
            if (s.multiRowTransforms()) transformInputRows(c0, c1, r0, r1, tiles, v);
            else transformInput(c0, c1, r0, r1, tiles, v);
        }

        void outputTransform(int k0, int k1, int r0, int r1, int tiles, FloatBuffer mm) {
            if (s.multiRowTransforms()) transformOutputRows(k0, k1, r0, r1, tiles, mm);
            else transformOutput(k0, k1, r0, r1, tiles, mm);
        }

        /**
         * {@link #transformInput}'s result, computed for up to {@link Scratch#segLen} tiles of a channel
         * at once (several tile rows of one image): the vectorised Bᵀ loops then run over hundreds of
         * values rather than one tile row's 7 to 28, and the copies to the stripes are one per position
         * and segment. The column transform (strided, so scalar anyway) writes each input row's result
         * once, for the tile row whose top rows it is; the tile rows whose bottom two rows it is read a
         * copy shifted one tile row, so that every vectorised loop indexes all its arrays from 0.
         */
        void transformInputRows(int c0, int c1, int r0, int r1, int tiles, FloatBuffer v) {
            Scratch sc = Scratch.get(tile, tilesW, tiles);
            int rowLen = m * tilesW + 2;
            int segRows = sc.segLen / tilesW;
            float[][][] cm = sc.columnSeg;
            int chunk = Math.max(1, sc.stage[0].length / tiles);
            for (int cc = c0; cc < c1; cc += chunk) {
                int cEnd = Math.min(c1, cc + chunk);
                for (int c = cc; c < cEnd; c++) {
                    for (int r = r0; r < r1; ) {
                        int img = r / tilesH, ty0 = r % tilesH;
                        int rows = Math.min(Math.min(r1 - r, tilesH - ty0), segRows), n = rows * tilesW;
                        int plane = x.offset() + (img * cin + c) * g.inPlane();
                        // Input rows m*(ty0+u) + k for k < m, and for u = rows the rows the last tile row's bottom needs.
                        for (int u = 0; u <= rows; u++) {
                            for (int k = 0; k < (u < rows ? m : alpha - m); k++) {
                                loadPaddedRow(x.buffer(), plane, m * (ty0 + u) - g.padTop() + k, g.inH(), g.inW(),
                                        g.padLeft(), sc.row, rowLen);
                                columnMix(tile, sc.row, cm[k], u * tilesW, tilesW);
                            }
                        }
                        for (int k = m; k < alpha; k++) {
                            for (int j = 0; j < alpha; j++) System.arraycopy(cm[k - m][j], tilesW, cm[k][j], 0, n);
                        }
                        for (int j = 0; j < alpha; j++) rowMix(tile, cm, j, sc.tmpSeg, n);
                        int at = (c - cc) * tiles + (r - r0) * tilesW;
                        for (int p = 0; p < xi; p++) System.arraycopy(sc.tmpSeg[p], 0, sc.stage[p], at, n);
                        r += rows;
                    }
                }
                int len = (cEnd - cc) * tiles;
                for (int p = 0; p < xi; p++) Buffers.store(sc.stage[p], 0, v, (p * cin + cc) * tiles, len);
            }
        }

        /**
         * {@link #transformOutput}'s result over several tile rows of one image at once (as
         * {@link #transformInputRows}), each segment's output rows gathered on the heap and written
         * to the output in one copy.
         */
        void transformOutputRows(int k0, int k1, int r0, int r1, int tiles, FloatBuffer mm) {
            Scratch sc = Scratch.get(tile, tilesW, tiles);
            int segRows = sc.segLen / tilesW;
            int chunk = Math.max(1, sc.stage[0].length / tiles);
            for (int kk = k0; kk < k1; kk += chunk) {
                int kEnd = Math.min(k1, kk + chunk);
                for (int p = 0; p < xi; p++) Buffers.load(mm, (p * cout + kk) * tiles, sc.stage[p], 0, (kEnd - kk) * tiles);
                for (int k = kk; k < kEnd; k++) {
                    float bk = bias == null ? 0f : bias[k];
                    for (int r = r0; r < r1; ) {
                        int img = r / tilesH, ty0 = r % tilesH;
                        int rows = Math.min(Math.min(r1 - r, tilesH - ty0), segRows), n = rows * tilesW;
                        int at = (k - kk) * tiles + (r - r0) * tilesW;
                        for (int p = 0; p < xi; p++) System.arraycopy(sc.stage[p], at, sc.tmpSeg[p], 0, n);
                        for (int j = 0; j < alpha; j++) outputMix(tile, sc.tmpSeg, j, alpha, sc.halfSeg, j * m, 1, n);
                        int y0 = m * ty0, yEnd = Math.min(ho, m * (ty0 + rows));
                        for (int i = 0; i < m; i++) {
                            outputMix(tile, sc.halfSeg, i, m, sc.outTilesSeg, 0, 1, n);
                            for (int u = 0; u < rows; u++) {
                                int y = m * (ty0 + u) + i;
                                if (y >= ho) continue;
                                interleave(sc.outTilesSeg, m, u * tilesW, sc.outRow, tilesW);
                                System.arraycopy(sc.outRow, 0, sc.outSeg, (y - y0) * wo, wo);
                            }
                        }
                        int len = (yEnd - y0) * wo;
                        act.applyInPlace(sc.outSeg, 0, len, bk);
                        if (pooled != null) {
                            storePooled(sc, img, k, y0, yEnd);
                        } else {
                            Buffers.store(sc.outSeg, 0, out.buffer(), out.offset() + (img * cout + k) * ho * wo + y0 * wo, len);
                        }
                        r += rows;
                    }
                }
            }
        }

        /**
         * Pools the segment's output rows [y0, yEnd) of channel k (in {@code sc.outSeg}, y0 even) into
         * pooled rows y0/2 on, as {@link Pooling2D}'s 2x2 max does (same order of maxima), and stores them.
         */
        private void storePooled(Scratch sc, int img, int k, int y0, int yEnd) {
            int hp = ho / 2, wp = wo / 2, p0 = y0 / 2, p1 = Math.min(hp, yEnd / 2);
            if (p1 <= p0) return;
            float[] src = sc.outSeg, dst = sc.poolSeg;
            for (int py = p0; py < p1; py++) {
                int r0 = (2 * py - y0) * wo, r1 = r0 + wo, o = (py - p0) * wp;
                for (int px = 0; px < wp; px++) {
                    int i = 2 * px;
                    dst[o + px] = Math.max(Math.max(src[r0 + i], src[r0 + i + 1]), Math.max(src[r1 + i], src[r1 + i + 1]));
                }
            }
            Buffers.store(dst, 0, pooled.buffer(), pooled.offset() + (img * cout + k) * hp * wp + p0 * wp, (p1 - p0) * wp);
        }

        /**
         * V[ξ][c][t] = (Bᵀ d B)[ξ] for input channels [c0, c1) and the block's tiles. Each input row
         * is column-transformed once and kept while the next tile row (m rows down) still needs it;
         * results gather in heap stripes written to V in a few large copies, because a small copy
         * into off-heap memory costs as much as the transform of a row.
         */
        void transformInput(int c0, int c1, int r0, int r1, int tiles, FloatBuffer v) {
            Scratch s = Scratch.get(tile, tilesW, tiles);
            int rowLen = m * tilesW + 2;
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
                        if (img == prevImg && ty == prevTy + 1) { // the last tile's bottom two rows are this one's top two
                            float[][] t0 = cm[0], t1 = cm[1];
                            cm[0] = cm[m]; cm[1] = cm[m + 1]; cm[m] = t0; cm[m + 1] = t1;
                            first = 2;
                        }
                        for (int i = first; i < alpha; i++) {
                            loadPaddedRow(x.buffer(), plane, m * ty - g.padTop() + i, g.inH(), g.inW(), g.padLeft(),
                                    s.row, rowLen);
                            columnMix(tile, s.row, cm[i], 0, tilesW);
                        }
                        prevImg = img;
                        prevTy = ty;
                        int at = (c - cc) * tiles + (r - r0) * tilesW;
                        for (int j = 0; j < alpha; j++) rowMix(tile, cm, j, s.tmp, tilesW);
                        for (int p = 0; p < xi; p++) System.arraycopy(s.tmp[p], 0, s.stage[p], at, tilesW);
                    }
                }
                int len = (cEnd - cc) * tiles;
                for (int p = 0; p < xi; p++) Buffers.store(s.stage[p], 0, v, (p * cin + cc) * tiles, len);
            }
        }

        /** out = act(Aᵀ M A + b) for output channels [k0, k1) and the block's tiles. */
        void transformOutput(int k0, int k1, int r0, int r1, int tiles, FloatBuffer mm) {
            Scratch s = Scratch.get(tile, tilesW, tiles);
            float[][] mt = s.tmp;
            int chunk = Math.max(1, s.stage[0].length / tiles);
            for (int kk = k0; kk < k1; kk += chunk) {
                int kEnd = Math.min(k1, kk + chunk);
                for (int p = 0; p < xi; p++) Buffers.load(mm, (p * cout + kk) * tiles, s.stage[p], 0, (kEnd - kk) * tiles);
                for (int k = kk; k < kEnd; k++) {
                    float bk = bias == null ? 0f : bias[k];
                    for (int r = r0; r < r1; r++) {
                        int img = r / tilesH, ty = r % tilesH;
                        int at = (k - kk) * tiles + (r - r0) * tilesW;
                        for (int p = 0; p < xi; p++) System.arraycopy(s.stage[p], at, mt[p], 0, tilesW);
                        // Aᵀ M down each column of the tile, then A along each resulting row.
                        for (int j = 0; j < alpha; j++) outputMix(tile, mt, j, alpha, s.half, j * m, 1, tilesW);
                        int plane = out.offset() + (img * cout + k) * ho * wo;
                        for (int i = 0; i < m && m * ty + i < ho; i++) {
                            outputMix(tile, s.half, i, m, s.outTiles, 0, 1, tilesW);
                            interleave(s.outTiles, m, 0, s.outRow, tilesW);
                            act.applyInPlace(s.outRow, 0, wo, bk);
                            Buffers.store(s.outRow, 0, out.buffer(), plane + (m * ty + i) * wo, wo);
                        }
                    }
                }
            }
        }
    }

    /** U[ξ][k][c] = (G g Gᵀ)[ξ] for every filter, in double then rounded once, into {@code u}. */
    private static FloatBuffer transformWeights(NDArray w, Tile tile, int cout, int cin, FloatBuffer u) {
        int a = tile.alpha, xi = tile.positions;
        double[][] gm = tile.g;
        FloatBuffer wb = w.buffer();
        int wOff = w.offset();
        Parallel.range(cout, (lo, hi) -> {
            float[] filters = ConvWorkspace.get().heap(4, cin * 9);
            float[] packed = ConvWorkspace.get().heap(5, xi * cin);
            double[] gg = new double[a * 3];
            for (int k = lo; k < hi; k++) {
                Buffers.load(wb, wOff + k * cin * 9, filters, 0, cin * 9);
                for (int c = 0; c < cin; c++) {
                    int f = c * 9;
                    for (int i = 0; i < a; i++) { // G g
                        for (int col = 0; col < 3; col++) {
                            gg[i * 3 + col] = gm[i][0] * filters[f + col] + gm[i][1] * filters[f + 3 + col]
                                    + gm[i][2] * filters[f + 6 + col];
                        }
                    }
                    for (int i = 0; i < a; i++) { // (G g) Gᵀ
                        for (int j = 0; j < a; j++) {
                            double v = gm[j][0] * gg[i * 3] + gm[j][1] * gg[i * 3 + 1] + gm[j][2] * gg[i * 3 + 2];
                            packed[(i * a + j) * cin + c] = (float) v;
                        }
                    }
                }
                for (int p = 0; p < xi; p++) Buffers.store(packed, p * cin, u, (p * cout + k) * cin, cin);
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

    // The transforms below are small methods over distinct arrays, all indexed from 0: the shape
    // the JIT vectorises (it will not when two float[] accesses may alias at unknown offsets).
    // Bᵀ for points 0, ±1 (m = 2), 0, ±1, 2 (m = 3) and 0, ±1, ±2 (m = 4); Aᵀ likewise.

    /**
     * B along a row for every tile (tile t covers padded columns m*t .. m*t+alpha-1): out[j][at + t].
     * Its loads are strided, so the JIT does not vectorise it, and the offset costs nothing.
     */
    private static void columnMix(Tile tile, float[] q, float[][] out, int at, int tiles) {
        if (tile == Tile.F2) {
            float[] v0 = out[0], v1 = out[1], v2 = out[2], v3 = out[3];
            for (int t = 0; t < tiles; t++) {
                float a = q[2 * t], b = q[2 * t + 1], c = q[2 * t + 2], d = q[2 * t + 3];
                v0[at + t] = a - c;
                v1[at + t] = b + c;
                v2[at + t] = c - b;
                v3[at + t] = b - d;
            }
        } else if (tile == Tile.F3) {
            float[] v0 = out[0], v1 = out[1], v2 = out[2], v3 = out[3], v4 = out[4];
            for (int t = 0; t < tiles; t++) {
                float a = q[3 * t], b = q[3 * t + 1], c = q[3 * t + 2], d = q[3 * t + 3], e = q[3 * t + 4];
                v0[at + t] = 2 * (a - c) - b + d;
                v1[at + t] = d - c - 2 * b;
                v2[at + t] = d + 2 * b - 3 * c;
                v3[at + t] = d - b;
                v4[at + t] = e + 2 * (b - d) - c;
            }
        } else {
            float[] v0 = out[0], v1 = out[1], v2 = out[2], v3 = out[3], v4 = out[4], v5 = out[5];
            for (int t = 0; t < tiles; t++) {
                float a = q[4 * t], b = q[4 * t + 1], c = q[4 * t + 2], d = q[4 * t + 3], e = q[4 * t + 4],
                        f = q[4 * t + 5];
                float s = d + e, dd = e - d, bc = b + c, cb = b - c, ec = e - c, db = d - b;
                v0[at + t] = 4 * a - 5 * c + e;
                v1[at + t] = s - 4 * bc;
                v2[at + t] = dd + 4 * cb;
                v3[at + t] = ec + 2 * db;
                v4[at + t] = ec - 2 * db;
                v5[at + t] = 4 * b - 5 * d + f;
            }
        }
    }

    /** Bᵀ down column j of the tile: rows cm[0..alpha)[j] -> tmp[i*alpha + j]. */
    private static void rowMix(Tile tile, float[][][] cm, int j, float[][] tmp, int n) {
        if (tile == Tile.F2) {
            rowMix2(cm[0][j], cm[1][j], cm[2][j], cm[3][j], tmp[j], tmp[4 + j], tmp[8 + j], tmp[12 + j], n);
        } else if (tile == Tile.F3) {
            rowMix3(cm[0][j], cm[1][j], cm[2][j], cm[3][j], cm[4][j], tmp[j], tmp[5 + j], tmp[10 + j], tmp[15 + j],
                    tmp[20 + j], n);
        } else {
            rowMix4(cm[0][j], cm[1][j], cm[2][j], cm[3][j], cm[4][j], cm[5][j], tmp[j], tmp[6 + j], tmp[12 + j],
                    tmp[18 + j], tmp[24 + j], tmp[30 + j], n);
        }
    }

    private static void rowMix2(float[] d0, float[] d1, float[] d2, float[] d3,
                                float[] q0, float[] q1, float[] q2, float[] q3, int n) {
        for (int i = 0; i < n; i++) {
            float a = d0[i], b = d1[i], c = d2[i], d = d3[i];
            q0[i] = a - c;
            q1[i] = b + c;
            q2[i] = c - b;
            q3[i] = b - d;
        }
    }

    private static void rowMix3(float[] d0, float[] d1, float[] d2, float[] d3, float[] d4,
                                float[] q0, float[] q1, float[] q2, float[] q3, float[] q4, int n) {
        for (int i = 0; i < n; i++) {
            float a = d0[i], b = d1[i], c = d2[i], d = d3[i], e = d4[i];
            q0[i] = 2 * (a - c) - b + d;
            q1[i] = d - c - 2 * b;
            q2[i] = d + 2 * b - 3 * c;
            q3[i] = d - b;
            q4[i] = e + 2 * (b - d) - c;
        }
    }

    private static void rowMix4(float[] d0, float[] d1, float[] d2, float[] d3, float[] d4, float[] d5,
                                float[] q0, float[] q1, float[] q2, float[] q3, float[] q4, float[] q5, int n) {
        for (int i = 0; i < n; i++) {
            float a = d0[i], b = d1[i], c = d2[i], d = d3[i], e = d4[i], f = d5[i];
            float ec = e - c, db = d - b;
            q0[i] = 4 * a - 5 * c + e;
            q1[i] = (d + e) - 4 * (b + c);
            q2[i] = (e - d) + 4 * (b - c);
            q3[i] = ec + 2 * db;
            q4[i] = ec - 2 * db;
            q5[i] = 4 * b - 5 * d + f;
        }
    }

    /**
     * Aᵀ over alpha values src[first + k*stride] (k = 0..alpha) giving m outputs in
     * dst[dstFirst + i*dstStride]; the arrays are distinct, so the loops vectorise.
     */
    private static void outputMix(Tile tile, float[][] src, int first, int stride, float[][] dst, int dstFirst,
                                  int dstStride, int n) {
        if (tile == Tile.F2) {
            outputMix2(src[first], src[first + stride], src[first + 2 * stride], src[first + 3 * stride],
                    dst[dstFirst], dst[dstFirst + dstStride], n);
        } else if (tile == Tile.F3) {
            outputMix3(src[first], src[first + stride], src[first + 2 * stride], src[first + 3 * stride],
                    src[first + 4 * stride], dst[dstFirst], dst[dstFirst + dstStride], dst[dstFirst + 2 * dstStride], n);
        } else {
            outputMix4(src[first], src[first + stride], src[first + 2 * stride], src[first + 3 * stride],
                    src[first + 4 * stride], src[first + 5 * stride], dst[dstFirst], dst[dstFirst + dstStride],
                    dst[dstFirst + 2 * dstStride], dst[dstFirst + 3 * dstStride], n);
        }
    }

    private static void outputMix2(float[] m0, float[] m1, float[] m2, float[] m3, float[] y0, float[] y1, int n) {
        for (int i = 0; i < n; i++) {
            float a = m0[i], b = m1[i], c = m2[i], d = m3[i];
            y0[i] = a + b + c;
            y1[i] = b - c - d;
        }
    }

    private static void outputMix3(float[] m0, float[] m1, float[] m2, float[] m3, float[] m4,
                                   float[] y0, float[] y1, float[] y2, int n) {
        for (int i = 0; i < n; i++) {
            float a = m0[i], b = m1[i], c = m2[i], d = m3[i], e = m4[i];
            y0[i] = a + b + c + d;
            y1[i] = b - c + 2 * d;
            y2[i] = b + c + 4 * d + e;
        }
    }

    private static void outputMix4(float[] m0, float[] m1, float[] m2, float[] m3, float[] m4, float[] m5,
                                   float[] y0, float[] y1, float[] y2, float[] y3, int n) {
        for (int i = 0; i < n; i++) {
            float s12 = m1[i] + m2[i], d12 = m1[i] - m2[i], s34 = m3[i] + m4[i], d34 = m3[i] - m4[i];
            y0[i] = m0[i] + s12 + s34;
            y1[i] = d12 + 2 * d34;
            y2[i] = s12 + 4 * s34;
            y3[i] = d12 + 8 * d34 + m5[i];
        }
    }

    /** One output row from the m per-tile columns: dst[m*t + i] = cols[i][from + t] (scalar: strided stores). */
    private static void interleave(float[][] cols, int m, int from, float[] dst, int n) {
        if (m == 2) {
            float[] a = cols[0], b = cols[1];
            for (int t = 0; t < n; t++) {
                dst[2 * t] = a[from + t];
                dst[2 * t + 1] = b[from + t];
            }
        } else if (m == 3) {
            float[] a = cols[0], b = cols[1], c = cols[2];
            for (int t = 0; t < n; t++) {
                dst[3 * t] = a[from + t];
                dst[3 * t + 1] = b[from + t];
                dst[3 * t + 2] = c[from + t];
            }
        } else {
            float[] a = cols[0], b = cols[1], c = cols[2], d = cols[3];
            for (int t = 0; t < n; t++) {
                dst[4 * t] = a[from + t];
                dst[4 * t + 1] = b[from + t];
                dst[4 * t + 2] = c[from + t];
                dst[4 * t + 3] = d[from + t];
            }
        }
    }

    /** Per-thread rows, each its own array (see the note on vectorisation above). */
    private static final class Scratch {
        /** Floats per heap stripe: large enough that copies to and from off-heap memory are few. */
        private static final int STAGE = 4096;
        /** Floats of one segment's transformed tiles (all positions) in the multi-row transforms: 64 KB. */
        private static final int SEGMENT = 16384;
        /** One per tile size, so that layers alternating between them do not reallocate. */
        private static final ThreadLocal<Scratch[]> LOCAL = ThreadLocal.withInitial(() -> new Scratch[Tile.values().length]);
        final int capacity, stageCapacity;
        /** Tiles per position array of a multi-row segment, at least one tile row. */
        final int segLen;
        /** columnSeg[input row k of the tile][tile column j][u*tilesW + t] for the segment's tile rows u. */
        final float[][][] columnSeg;
        /** Multi-row versions of tmp, half, outTiles (segLen each); outSeg: the segment's output rows. */
        final float[][] tmpSeg, halfSeg, outTilesSeg;
        final float[] outSeg;
        /** A segment's output rows max-pooled 2x2 ({@link Plan#storePooled}). */
        final float[] poolSeg;
        final float[] row, outRow;
        /** columnMixed[input row of the tile][tile column j][tile]. */
        final float[][][] columnMixed;
        /** tmp[ξ] per tile; half[j*m + i]: Aᵀ M for tile column j, output row i; outTiles[i]. */
        final float[][] tmp, stage, half, outTiles;

        private Scratch(Tile tile, int tilesW, int tiles) {
            capacity = tilesW;
            stageCapacity = Math.max(STAGE, tiles);
            int a = tile.alpha;
            row = new float[tile.m * tilesW + 2];
            outRow = new float[tile.m * tilesW];
            columnMixed = new float[a][][];
            for (int i = 0; i < a; i++) columnMixed[i] = rows(a, tilesW);
            tmp = rows(tile.positions, tilesW);
            stage = rows(tile.positions, stageCapacity);
            half = rows(a * tile.m, tilesW);
            outTiles = rows(tile.m, tilesW);
            segLen = Math.max(SEGMENT / tile.positions, tilesW);
            columnSeg = new float[a][][];
            for (int i = 0; i < a; i++) columnSeg[i] = rows(a, segLen + tilesW);
            tmpSeg = rows(tile.positions, segLen);
            halfSeg = rows(a * tile.m, segLen);
            outTilesSeg = rows(tile.m, segLen);
            outSeg = new float[tile.m * tile.m * segLen];
            poolSeg = new float[outSeg.length / 4];
        }

        static Scratch get(Tile tile, int tilesW, int tiles) {
            Scratch[] perTile = LOCAL.get();
            Scratch s = perTile[tile.ordinal()];
            if (s == null || s.capacity < tilesW || s.stageCapacity < tiles) {
                s = new Scratch(tile, Math.max(tilesW, s == null ? 0 : s.capacity), Math.max(tiles, s == null ? 0 : s.stageCapacity));
                perTile[tile.ordinal()] = s;
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
