package org.dl4jbridge.ndarray.ops;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import java.util.Locale;

/**
 * Where float32 leaves the engine a choice of rounding, which one it takes; chosen once per JVM from
 * the system property {@code dl4jbridge.rounding}, else the environment variable
 * {@code DL4J_BRIDGE_ROUNDING} (Python: {@code config.set(rounding=...)}).
 *
 * <ul>
 *   <li>{@link #ACCURATE} (the default): a correctly rounded tanh ({@link Math#tanh}); softmax
 *       normalisers, bias gradients and global average pooling accumulated in double (bias gradients of
 *       convolutions as short float partial sums folded into double, {@link Reductions}); convolutions by the
 *       fastest measured path (Winograd, banded, fused, tiled GEMMs).</li>
 *   <li>{@link #DL4J}: DL4J 1.0.0-M2.1's own float32 results, each rule found by measuring DL4J in
 *       compat/: tanh as {@code (1 − p)/(1 + p)} with {@code p = powf(e, −2|x|)} from the C library's
 *       {@code powf} (the function DL4J's native code calls; far from tanh near 0, e.g. 1.001368e-5 for
 *       tanh(1e-5), so not the default); softmax with the C library's {@code expf}, its normaliser
 *       summed in float in index order and divided; global average pooling as such a sum divided by the
 *       count; bias gradients as float sums in index order (minibatch, then position); every ordinary
 *       convolution as DL4J computes it ({@link ConvConfig#dl4jOrder}); dense GEMMs in ND4J's orientation
 *       ({@link Linalg#gemm}). With DL4J's own OpenBLAS library as {@code dl4jbridge.blas}, networks of
 *       convolution, subsampling, global pooling, frozen batch normalization, dense and output layers
 *       train bit for bit as in DL4J (compat's dl4j-rounding execution: VGG16 with five updaters among
 *       them); other layers (depthwise, batch normalization in training, ...) keep the engine's rounding.
 *       Slower, and a convolution holds its whole batch's column matrix, as in DL4J.</li>
 * </ul>
 * Operations not listed round the same way in both modes (the engine follows DL4J's operation order
 * where that costs no accuracy: the MSE gradient, Adam's and RmsProp's updates).
 */
public enum Rounding {
    ACCURATE, DL4J;

    private static volatile Rounding current;

    /**
     * The mode of this JVM (read once). DL4J's loads the C library's functions here, on the caller's thread,
     * so that a machine without them gets this one error at the first operation, not a class-initialisation
     * error inside a worker thread.
     */
    public static Rounding current() {
        Rounding r = current;
        if (r == null) {
            synchronized (Rounding.class) {
                if (current == null) {
                    Rounding chosen = parse(setting());
                    if (chosen == DL4J) Libm.load();
                    current = chosen;
                }
                r = current;
            }
        }
        return r;
    }

    private static String setting() {
        String v = System.getProperty("dl4jbridge.rounding");
        return v == null || v.isBlank() ? System.getenv("DL4J_BRIDGE_ROUNDING") : v;
    }

    /** 'accurate' or 'dl4j' (any case); null or blank is the default. */
    static Rounding parse(String value) {
        if (value == null || value.isBlank()) return ACCURATE;
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "accurate" -> ACCURATE;
            case "dl4j" -> DL4J;
            default -> throw new IllegalArgumentException("rounding '" + value + "' is unknown: use 'accurate' (the default) "
                    + "or 'dl4j' (DL4J 1.0.0-M2.1's float32 results) (dl4jbridge.rounding / DL4J_BRIDGE_ROUNDING)");
        };
    }

    /**
     * DL4J's rounding of a sum: {@code start} plus {@code a[off..off+n)} added one by one in float, in index
     * order (DL4J's reductions on these sizes, measured: row sums up to 5,000 long matched it bit for bit).
     */
    static float dl4jSum(float start, float[] a, int off, int n) {
        float s = start;
        for (int i = off; i < off + n; i++) s += a[i];
        return s;
    }

    /** DL4J's tanh: {@code (1 − p)/(1 + p)}, {@code p = powf(e, −2|x|)}, with x's sign. */
    static void dl4jTanh(float[] x, float[] y, int n) {
        for (int i = 0; i < n; i++) {
            float p = Libm.powf(E, -2f * Math.abs(x[i]));
            float r = (1f - p) / (1f + p);
            y[i] = x[i] < 0 ? -r : r;
        }
    }

    private static final float E = (float) Math.E;

    /**
     * DL4J's softmax of one row: {@code expf(x − max)} from the C library, summed in float in index
     * order, each divided by the sum.
     */
    static void dl4jSoftmaxRow(float[] x, float[] y, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) max = Math.max(max, x[j]);
        for (int j = 0; j < n; j++) y[j] = Libm.expf(x[j] - max);
        float sum = dl4jSum(0f, y, 0, n);
        for (int j = 0; j < n; j++) y[j] /= sum;
    }

    /**
     * The C library's powf and expf, the functions DL4J's native code calls (glibc's, symbol version
     * 2.27): Java's pow and exp rounded to float agree with them on most inputs but not all (61 of
     * 200,000 tanh inputs and 90 of 20,000 softmax rows differed), so only the same functions give
     * DL4J's bits. Loaded on first use of the DL4J mode.
     */
    static final class Libm {
        static native float powf(float x, float y);
        static native float expf(float x);

        private static boolean registered;

        static synchronized void load() {
            if (registered) return;
            try {
                Native.register(Libm.class, NativeLibrary.getInstance("m"));
            } catch (UnsatisfiedLinkError e) {
                throw new IllegalStateException("rounding 'dl4j' needs the C library's powf and expf (libm), which could not "
                        + "be loaded: " + e.getMessage() + "; use rounding 'accurate'", e);
            }
            registered = true;
        }

        private Libm() {}
    }
}
