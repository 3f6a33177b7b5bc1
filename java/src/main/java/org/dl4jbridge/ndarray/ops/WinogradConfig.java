package org.dl4jbridge.ndarray.ops;

/**
 * How {@link Convolution2D} uses Winograd's algorithm for 3x3 stride-1 convolutions, passed in with
 * each call rather than read from global switches, so that two settings can run side by side in
 * one JVM (tests, same-JVM A/B benchmarks) and a call never sees a half-changed setting.
 *
 * @param enabled              false sends every convolution down the im2col path
 * @param tile                 the tile for every layer, or null to let each layer choose ({@link Winograd#tileFor})
 * @param minInputChannels     below this many input channels the GEMMs are too short for BLAS
 * @param blockBudget          floats of the larger of the transformed-input and GEMM-output blocks (shared blocks)
 * @param gemmPerThread        shared blocks: each tile position's GEMM on one thread (true) or on all BLAS threads
 * @param perThreadMaxChannels layers with at most this many input and output channels use per-thread blocks
 * @param perThreadBudget      floats of transformed input plus GEMM output per per-thread block
 * @param weightCacheFloats    floats of transformed weights (with the copies they are checked against) kept
 *                             between calls ({@link WinogradWeightCache}); 0 transforms on every call. The
 *                             default, 64 M floats (256 MB), holds all of VGG16's (48 M)
 * @param multiRowTransforms   the input and output transforms take several tile rows of an image at once
 *                             (true, the default) or one tile row at a time (the earlier code, kept for
 *                             same-JVM A/B timing; both give the same floats)
 * @param fusePool             a convolution whose only reader is a 2x2 stride-2 max pool (VGG16's block ends) and
 *                             whose tile has an even side writes the pooled output directly
 *                             ({@link Convolution2D#forwardMaxPooled}), never storing the full-size output
 * @param f4MaxInputChannels   layers choosing their tile ({@code tile} null) take F(4x4) up to this many input
 *                             channels, where the other conditions hold ({@link Winograd#tileFor}); 0 never, at most
 *                             {@link Winograd#F4_MAX_INPUT_CHANNELS} (its accuracy range)
 * @param perThreadMinTiles    per-thread blocks take at least this many tiles (whole tile rows), whatever
 *                             perThreadBudget allows, so that their GEMMs are not too narrow for BLAS: with
 *                             F(4x4) at 240x240 and 120x120 the budget allowed one tile row, 60 and 30 tiles
 */
public record WinogradConfig(boolean enabled, Winograd.Tile tile, int minInputChannels, int blockBudget,
                             boolean gemmPerThread, int perThreadMaxChannels, int perThreadBudget,
                             long weightCacheFloats, boolean multiRowTransforms, boolean fusePool,
                             int f4MaxInputChannels, int perThreadMinTiles) {

    /** Multi-row transforms, pool fusion and F(4x4) on (the defaults). */
    public WinogradConfig(boolean enabled, Winograd.Tile tile, int minInputChannels, int blockBudget,
                          boolean gemmPerThread, int perThreadMaxChannels, int perThreadBudget, long weightCacheFloats) {
        this(enabled, tile, minInputChannels, blockBudget, gemmPerThread, perThreadMaxChannels, perThreadBudget,
                weightCacheFloats, true, true, Winograd.F4_MAX_INPUT_CHANNELS, DEFAULT_PER_THREAD_MIN_TILES);
    }

    /**
     * The measured defaults (see {@link Winograd}'s field comments), adjusted once, when the class
     * loads, by the JVM options {@code -Ddl4jbridge.conv.noWinograd=true},
     * {@code .winogradTile=F2|F3|F4}, {@code .winogradBlasThreads=true}, {@code .winogradBudget=N},
     * {@code .winogradPerThreadMax=N}, {@code .winogradPerThreadBudget=N}, {@code .winogradWeightCache=N},
     * {@code .fusePool=false}, {@code .winogradF4MaxInputChannels=N}, {@code .winogradPerThreadMinTiles=N}.
     */
    public static final WinogradConfig DEFAULT = fromSystemProperties();

    public WinogradConfig {
        if (minInputChannels < 1 || blockBudget < 1 || perThreadMaxChannels < 0 || perThreadBudget < 1
                || weightCacheFloats < 0 || perThreadMinTiles < 0) {
            throw new IllegalArgumentException("WinogradConfig: minInputChannels, blockBudget and perThreadBudget must be "
                    + "at least 1, perThreadMaxChannels, weightCacheFloats and perThreadMinTiles at least 0, got "
                    + minInputChannels + ", " + blockBudget + ", " + perThreadBudget + ", " + perThreadMaxChannels + ", "
                    + weightCacheFloats + ", " + perThreadMinTiles);
        }
        if (f4MaxInputChannels < 0 || f4MaxInputChannels > Winograd.F4_MAX_INPUT_CHANNELS) {
            throw new IllegalArgumentException("WinogradConfig: f4MaxInputChannels must be 0 to " + Winograd.F4_MAX_INPUT_CHANNELS
                    + " (beyond, F(4x4)'s float32 error exceeds the 1e-5 bound; force tile:F4 to time it anyway), got "
                    + f4MaxInputChannels);
        }
    }

    static WinogradConfig fromSystemProperties() {
        String tile = System.getProperty("dl4jbridge.conv.winogradTile");
        return new WinogradConfig(!Boolean.getBoolean("dl4jbridge.conv.noWinograd"), tile == null ? null : parseTile(tile),
                16, Integer.getInteger("dl4jbridge.conv.winogradBudget", 8 << 20),
                !Boolean.getBoolean("dl4jbridge.conv.winogradBlasThreads"),
                Integer.getInteger("dl4jbridge.conv.winogradPerThreadMax", 128),
                Integer.getInteger("dl4jbridge.conv.winogradPerThreadBudget", 512 << 10),
                Long.getLong("dl4jbridge.conv.winogradWeightCache", DEFAULT_WEIGHT_CACHE_FLOATS), true,
                !"false".equals(System.getProperty("dl4jbridge.conv.fusePool")),
                Integer.getInteger("dl4jbridge.conv.winogradF4MaxInputChannels", Winograd.F4_MAX_INPUT_CHANNELS),
                Integer.getInteger("dl4jbridge.conv.winogradPerThreadMinTiles", DEFAULT_PER_THREAD_MIN_TILES));
    }

    /**
     * Single-layer process CPU seconds, 6 interleaved passes at batch 16, under load (0 against 256):
     * 128 to 128 channels at 120x120 2.72 against 2.12, at 112x112 2.23 against 1.83; 64 to 64 at
     * 240x240 3.56 against 3.31; at 224x224 2.78 against 2.92, the one loss.
     */
    static final int DEFAULT_PER_THREAD_MIN_TILES = 256;

    /** 64 M floats: VGG16's transformed weights and their copies take 48 M. */
    static final long DEFAULT_WEIGHT_CACHE_FLOATS = 64L << 20;

    private WinogradConfig copy(boolean enabled, Winograd.Tile tile, int minInputChannels, int blockBudget,
                                boolean gemmPerThread, int perThreadMaxChannels, int perThreadBudget) {
        return new WinogradConfig(enabled, tile, minInputChannels, blockBudget, gemmPerThread, perThreadMaxChannels,
                perThreadBudget, weightCacheFloats, multiRowTransforms, fusePool, f4MaxInputChannels, perThreadMinTiles);
    }

    private static Winograd.Tile parseTile(String name) {
        try {
            return Winograd.Tile.valueOf(name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Winograd tile '" + name + "': use F2, F3 or F4, or leave it unset to let each "
                    + "layer choose");
        }
    }

    /** The setting names {@link #with} knows, in the order its error message lists them. */
    static final java.util.List<String> NAMES = java.util.List.of("enabled", "tile", "minInputChannels", "blockBudget",
            "gemmPerThread", "perThreadMaxChannels", "perThreadBudget", "weightCacheFloats", "multiRowTransforms", "fusePool",
            "f4MaxInputChannels", "perThreadMinTiles");

    /** {@code name:value} pairs separated by commas, each trimmed; {@code what} names them in the error. */
    static java.util.List<String[]> settings(String changes, String what) {
        java.util.List<String[]> out = new java.util.ArrayList<>();
        if (changes == null || changes.isBlank()) return out;
        for (String change : changes.split(",")) {
            String[] kv = change.split(":", 2);
            if (kv.length != 2) throw new IllegalArgumentException(what + " setting '" + change + "': write name:value");
            out.add(new String[] {kv[0].trim(), kv[1].trim()});
        }
        return out;
    }

    /**
     * This configuration with some fields replaced, from {@code name:value} pairs separated by commas
     * ({@code enabled:false}, {@code tile:F3}, {@code gemmPerThread:false}, {@code blockBudget:5000},
     * {@code perThreadMaxChannels:0}, {@code perThreadBudget:N}, {@code minInputChannels:N},
     * {@code weightCacheFloats:N}, {@code multiRowTransforms:false}, {@code fusePool:false}, {@code f4MaxInputChannels:0}, {@code perThreadMinTiles:N}); how the benchmarks name their variants.
     */
    public WinogradConfig with(String changes) {
        WinogradConfig c = this;
        for (String[] kv : settings(changes, "Winograd")) {
            String v = kv[1];
            c = switch (kv[0]) {
                case "enabled" -> c.copy(Boolean.parseBoolean(v), c.tile, c.minInputChannels, c.blockBudget,
                        c.gemmPerThread, c.perThreadMaxChannels, c.perThreadBudget);
                case "tile" -> c.copy(c.enabled, v.equals("auto") ? null : parseTile(v), c.minInputChannels,
                        c.blockBudget, c.gemmPerThread, c.perThreadMaxChannels, c.perThreadBudget);
                case "minInputChannels" -> c.copy(c.enabled, c.tile, Integer.parseInt(v), c.blockBudget,
                        c.gemmPerThread, c.perThreadMaxChannels, c.perThreadBudget);
                case "blockBudget" -> c.copy(c.enabled, c.tile, c.minInputChannels, Integer.parseInt(v),
                        c.gemmPerThread, c.perThreadMaxChannels, c.perThreadBudget);
                case "gemmPerThread" -> c.copy(c.enabled, c.tile, c.minInputChannels, c.blockBudget,
                        Boolean.parseBoolean(v), c.perThreadMaxChannels, c.perThreadBudget);
                case "perThreadMaxChannels" -> c.copy(c.enabled, c.tile, c.minInputChannels, c.blockBudget,
                        c.gemmPerThread, Integer.parseInt(v), c.perThreadBudget);
                case "perThreadBudget" -> c.copy(c.enabled, c.tile, c.minInputChannels, c.blockBudget,
                        c.gemmPerThread, c.perThreadMaxChannels, Integer.parseInt(v));
                case "weightCacheFloats" -> new WinogradConfig(c.enabled, c.tile, c.minInputChannels, c.blockBudget,
                        c.gemmPerThread, c.perThreadMaxChannels, c.perThreadBudget, Long.parseLong(v), c.multiRowTransforms,
                        c.fusePool, c.f4MaxInputChannels, c.perThreadMinTiles);
                case "multiRowTransforms" -> new WinogradConfig(c.enabled, c.tile, c.minInputChannels, c.blockBudget,
                        c.gemmPerThread, c.perThreadMaxChannels, c.perThreadBudget, c.weightCacheFloats,
                        Boolean.parseBoolean(v), c.fusePool, c.f4MaxInputChannels, c.perThreadMinTiles);
                case "fusePool" -> new WinogradConfig(c.enabled, c.tile, c.minInputChannels, c.blockBudget,
                        c.gemmPerThread, c.perThreadMaxChannels, c.perThreadBudget, c.weightCacheFloats,
                        c.multiRowTransforms, Boolean.parseBoolean(v), c.f4MaxInputChannels, c.perThreadMinTiles);
                case "f4MaxInputChannels" -> new WinogradConfig(c.enabled, c.tile, c.minInputChannels, c.blockBudget,
                        c.gemmPerThread, c.perThreadMaxChannels, c.perThreadBudget, c.weightCacheFloats,
                        c.multiRowTransforms, c.fusePool, Integer.parseInt(v), c.perThreadMinTiles);
                case "perThreadMinTiles" -> new WinogradConfig(c.enabled, c.tile, c.minInputChannels, c.blockBudget,
                        c.gemmPerThread, c.perThreadMaxChannels, c.perThreadBudget, c.weightCacheFloats,
                        c.multiRowTransforms, c.fusePool, c.f4MaxInputChannels, Integer.parseInt(v));
                default -> throw new IllegalArgumentException("unknown Winograd setting '" + kv[0] + "'; known: "
                        + String.join(", ", NAMES));
            };
        }
        return c;
    }
}
