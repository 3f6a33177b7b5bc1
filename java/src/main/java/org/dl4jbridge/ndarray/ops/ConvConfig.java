package org.dl4jbridge.ndarray.ops;

/**
 * How {@link Convolution2D} chooses and sizes its strategies, passed in with each call rather than
 * read from global switches or system properties on every call, so that two settings can run side
 * by side in one JVM (tests, same-JVM A/B benchmarks) and a call never sees a half-changed setting.
 *
 * @param winograd             Winograd's settings (3x3 stride-1 layers)
 * @param columnBudget         floats of column matrix (and of GEMM output) per im2col tile, 32 MB: smaller tiles
 *                             made VGG16's 512-channel GEMMs (N about 2500) measurably slower than one large GEMM;
 *                             larger ones only add memory. Also the tile of the backward pass's columns
 * @param shortK               below this K (= cinG*kW) a shifted kernel-row GEMM loses to a full unfold
 * @param unfoldAllKernelRows  unfold the kernel rows too (one GEMM with K = cin*kH*kW) for every layer
 * @param pointwiseDirectMin   from this many output positions on, a 1x1 convolution that does not take the
 *                             tiled path multiplies each image in place instead of batching images through the
 *                             column buffer. Measured on EfficientNet-Lite0 (2 threads), batching won at every
 *                             size (the in-place GEMMs are short-K and their epilogue is a separate pass over
 *                             memory), so in-place is off by default
 * @param batchedPointwise     send 1x1 convolutions to the batched GEMM path instead of per-image tiles
 *                             ({@link PointwiseConvolution})
 * @param tileFloats           output floats per tile of {@link PointwiseConvolution} and {@link StridedConvolution}
 *                             (a tile stays in the second-level cache for its epilogue)
 * @param minTilesPerThread    those tiled paths are used only with at least this many tiles per engine thread
 *                             (load balance); otherwise the batched path runs
 * @param fuseBlocks           inference runs an inverted-residual block (1x1 expansion, depthwise, 1x1 projection)
 *                             as one {@link FusedMBConv} instead of layer by layer
 * @param depthwiseBlockFloats floats of accumulator per row block of the depthwise kernel ({@link DepthwiseForward}:
 *                             the block and its copies stay in the first-level cache)
 * @param depthwiseStackFloats floats of zero-padded input stacked per channel ({@link DepthwiseStack}: several
 *                             small images in one plane, so the vector loops are long; it stays in L2)
 * @param bandedShortK         an ungrouped stride-1 convolution whose kernel rows are all unfolded because its K is
 *                             short (VGG16's 3-channel first layer) runs as per-thread bands of output rows
 *                             ({@link StridedConvolution}), each finished while in cache, instead of through the
 *                             batched column buffer and a separate epilogue pass over the whole output. Measured
 *                             with {@code NetworkAB vgg16 5 banded= batched=bandedShortK:false} (interleaved, under
 *                             load): the first layer took half the time (0.47 s against 0.94 s over 5 batches)
 * @param splitStem            an ungrouped 3x3 stride-2 convolution with at most 4 input channels (EfficientNet's stem)
 *                             builds its column matrix from input rows split once into even and odd columns
 *                             ({@link StemConvolution}) instead of {@link Im2col}'s per-row gathers. Measured with
 *                             {@code NetworkAB effnet 8 old=splitStem:false new=} (interleaved, under load): the stem
 *                             0.152 s against 0.186 s over 8 batches
 * @param chwnBlocks           inference runs an inverted-residual block that {@link FusedMBConv} does not take as one
 *                             {@link ChwnMBConv} over the batch-innermost layout ({@link ChwnLayout})
 * @param fuseStem             inference runs a stem convolution whose output only a {@link FusedMBConv} block without
 *                             expansion or residual reads (EfficientNet's first layer and block 0) inside that block
 *                             ({@link FusedMBConv#forwardWithStem}), so the stem's output is never stored
 * @param dl4jOrder            every ordinary (not depthwise) convolution as DL4J computes it, for rounding mode
 *                             {@link Rounding#DL4J}: the whole batch's column matrix, columns (image, position) and
 *                             rows (channel, kernel row, kernel column), in one GEMM forward, one for the weight
 *                             gradient and one for the input gradient's columns, which go back image by image;
 *                             none of the Winograd, banded, strided, stem, 1x1 or fused paths. Costs the column
 *                             matrix of the whole batch in memory, as in DL4J. Follows the rounding mode
 *                             ({@link #DEFAULT}); set alone (benchmarks, tests) it changes the convolutions only,
 *                             not the other operations rounding 'dl4j' changes
 */
public record ConvConfig(WinogradConfig winograd, int columnBudget, int shortK, boolean unfoldAllKernelRows,
                         int pointwiseDirectMin, boolean batchedPointwise, int tileFloats, int minTilesPerThread,
                         boolean fuseBlocks, int depthwiseBlockFloats, int depthwiseStackFloats,
                         boolean bandedShortK, boolean splitStem, boolean chwnBlocks, boolean fuseStem,
                         boolean dl4jOrder) {

    /**
     * The measured defaults, adjusted once, when the class loads, by the JVM options
     * {@code -Ddl4jbridge.conv.columnBudget=N}, {@code .shortK=N}, {@code .unfoldAllKernelRows=true},
     * {@code .pointwiseDirectMin=N}, {@code .batchedPointwise=true}, {@code .tileFloats=N},
     * {@code .minTilesPerThread=N}, {@code .fuseBlocks=false}, {@code .depthwiseBlockFloats=N},
     * {@code .depthwiseStackFloats=N}, {@code .bandedShortK=false}, {@code .splitStem=false}, {@code .chwnBlocks=false}, {@code .fuseStem=false} and Winograd's ({@link WinogradConfig#DEFAULT}).
     * Rounding mode {@link Rounding#DL4J} sets {@code dl4jOrder} and turns the inference fusions off (they
     * reorder the arithmetic too).
     */
    public static final ConvConfig DEFAULT = fromSystemProperties();

    public ConvConfig {
        if (winograd == null) throw new IllegalArgumentException("ConvConfig: winograd settings are null; pass WinogradConfig.DEFAULT");
        if (columnBudget < 1 || shortK < 0 || pointwiseDirectMin < 1 || tileFloats < 1 || minTilesPerThread < 0
                || depthwiseBlockFloats < 1 || depthwiseStackFloats < 1) {
            throw new IllegalArgumentException("ConvConfig: columnBudget, pointwiseDirectMin, tileFloats, "
                    + "depthwiseBlockFloats and depthwiseStackFloats must be at least 1, shortK and minTilesPerThread at "
                    + "least 0, got " + this);
        }
    }

    static ConvConfig fromSystemProperties() {
        ConvConfig c = new ConvConfig(WinogradConfig.DEFAULT,
                Integer.getInteger("dl4jbridge.conv.columnBudget", 8 << 20),
                Integer.getInteger("dl4jbridge.conv.shortK", 256),
                Boolean.getBoolean("dl4jbridge.conv.unfoldAllKernelRows"),
                Integer.getInteger("dl4jbridge.conv.pointwiseDirectMin", Integer.MAX_VALUE),
                Boolean.getBoolean("dl4jbridge.conv.batchedPointwise"),
                Integer.getInteger("dl4jbridge.conv.tileFloats", 1 << 17),
                Integer.getInteger("dl4jbridge.conv.minTilesPerThread", 4),
                !"false".equals(System.getProperty("dl4jbridge.conv.fuseBlocks")),
                Integer.getInteger("dl4jbridge.conv.depthwiseBlockFloats", 2048),
                Integer.getInteger("dl4jbridge.conv.depthwiseStackFloats", 16384),
                !"false".equals(System.getProperty("dl4jbridge.conv.bandedShortK")),
                !"false".equals(System.getProperty("dl4jbridge.conv.splitStem")),
                !"false".equals(System.getProperty("dl4jbridge.conv.chwnBlocks")),
                !"false".equals(System.getProperty("dl4jbridge.conv.fuseStem")), false);
        return Rounding.current() == Rounding.DL4J ? c.with("dl4jOrder:true,fuseBlocks:false,chwnBlocks:false,fuseStem:false") : c;
    }

    /** This configuration with other Winograd settings. */
    public ConvConfig withWinograd(WinogradConfig w) {
        return new ConvConfig(w, columnBudget, shortK, unfoldAllKernelRows, pointwiseDirectMin, batchedPointwise,
                tileFloats, minTilesPerThread, fuseBlocks, depthwiseBlockFloats, depthwiseStackFloats,
                bandedShortK, splitStem, chwnBlocks, fuseStem, dl4jOrder);
    }

    /**
     * This configuration with some fields replaced, from {@code name:value} pairs separated by commas:
     * {@code columnBudget}, {@code shortK}, {@code unfoldAllKernelRows}, {@code pointwiseDirectMin},
     * {@code batchedPointwise}, {@code tileFloats}, {@code minTilesPerThread}, {@code fuseBlocks},
     * {@code depthwiseBlockFloats}, {@code depthwiseStackFloats}, {@code bandedShortK}, {@code splitStem},
     * {@code chwnBlocks}, {@code fuseStem}, {@code dl4jOrder}, and any of
     * {@link WinogradConfig#with}'s names (for Winograd); how the benchmarks name their variants.
     */
    public ConvConfig with(String changes) {
        WinogradConfig wg = winograd;
        int budget = columnBudget, sk = shortK, directMin = pointwiseDirectMin, tile = tileFloats;
        int minTiles = minTilesPerThread, dwBlock = depthwiseBlockFloats, dwStack = depthwiseStackFloats;
        boolean unfoldAll = unfoldAllKernelRows, batched = batchedPointwise, fuse = fuseBlocks;
        boolean banded = bandedShortK, stem = splitStem, chwn = chwnBlocks, fusedStem = fuseStem, dl4j = dl4jOrder;
        for (String[] kv : WinogradConfig.settings(changes, "convolution")) {
            String v = kv[1];
            switch (kv[0]) {
                case "columnBudget" -> budget = Integer.parseInt(v);
                case "shortK" -> sk = Integer.parseInt(v);
                case "unfoldAllKernelRows" -> unfoldAll = Boolean.parseBoolean(v);
                case "pointwiseDirectMin" -> directMin = Integer.parseInt(v);
                case "batchedPointwise" -> batched = Boolean.parseBoolean(v);
                case "tileFloats" -> tile = Integer.parseInt(v);
                case "minTilesPerThread" -> minTiles = Integer.parseInt(v);
                case "fuseBlocks" -> fuse = Boolean.parseBoolean(v);
                case "depthwiseBlockFloats" -> dwBlock = Integer.parseInt(v);
                case "depthwiseStackFloats" -> dwStack = Integer.parseInt(v);
                case "bandedShortK" -> banded = Boolean.parseBoolean(v);
                case "splitStem" -> stem = Boolean.parseBoolean(v);
                case "chwnBlocks" -> chwn = Boolean.parseBoolean(v);
                case "fuseStem" -> fusedStem = Boolean.parseBoolean(v);
                case "dl4jOrder" -> dl4j = Boolean.parseBoolean(v);
                default -> {
                    if (!WinogradConfig.NAMES.contains(kv[0])) {
                        throw new IllegalArgumentException("unknown convolution setting '" + kv[0] + "'; known: columnBudget, "
                                + "shortK, unfoldAllKernelRows, pointwiseDirectMin, batchedPointwise, tileFloats, "
                                + "minTilesPerThread, fuseBlocks, depthwiseBlockFloats, "
                                + "depthwiseStackFloats, bandedShortK, splitStem, chwnBlocks, fuseStem, dl4jOrder, and Winograd's: " + String.join(", ", WinogradConfig.NAMES));
                    }
                    wg = wg.with(kv[0] + ":" + v);
                }
            }
        }
        return new ConvConfig(wg, budget, sk, unfoldAll, directMin, batched, tile, minTiles, fuse, dwBlock, dwStack, banded, stem, chwn,
                fusedStem, dl4j);
    }
}
