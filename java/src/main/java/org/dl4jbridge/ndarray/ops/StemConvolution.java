package org.dl4jbridge.ndarray.ops;

import java.nio.FloatBuffer;
import java.util.Arrays;
import org.dl4jbridge.ndarray.Backend;
import org.dl4jbridge.ndarray.Backends;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.ndarray.Parallel;

/**
 * An ungrouped 3x3 stride-2 convolution with few input channels (EfficientNet's stem: 3 -> 32 channels,
 * 224 -> 112) as {@link StridedConvolution} runs it (per (image, band of output rows), a column matrix, one
 * single-threaded GEMM straight into the output, bias and activation while the band is in cache), but with the
 * column matrix built from each input row split once into its even and odd columns: column row (ci, ky, kx) of
 * output row oy is then a plain copy (kx = 0: the even columns of input row 2*oy + ky, kx = 1: the odd ones,
 * kx = 2: the even ones from the second on), where {@link Im2col} gathers every second element for each of the
 * 27 rows of every output row.
 *
 * <p>Computing the convolution itself in Java vector loops (9 loop-invariant weights per input channel, one
 * output channel per loop) was tried and lost: about 1.45x the time of this path's GEMM (same-JVM A/B, under
 * load); C2 did not vectorise the loop with two output channels.
 */
final class StemConvolution {
    /** Input channels up to which this path runs: the GEMM's K (9 per input channel) stays short, as im2col's. */
    static final int MAX_INPUT_CHANNELS = 4;

    private StemConvolution() {}

    static boolean applies(ConvConfig conf, ConvGeometry g, int groups, int cin) {
        return conf.splitStem() && groups == 1 && fits(g.cfg(), cin);
    }

    /** Whether an ungrouped convolution of this window on {@code cin} input channels is a stem: 3x3, stride 2, undilated, few channels. */
    static boolean fits(Conv2DConfig c, int cin) {
        return cin <= MAX_INPUT_CHANNELS && c.kH() == 3 && c.kW() == 3 && c.sH() == 2 && c.sW() == 2 && c.dH() == 1
                && c.dW() == 1;
    }

    /** x [n, cin, h, w], w [cout, cin, 3, 3], both contiguous; out [n, cout, outH, outW] contiguous. */
    static void forward(ConvConfig conf, NDArray x, NDArray w, NDArray b, ConvGeometry g, FusedActivation act,
                        NDArray out) {
        int n = x.size(0), cin = x.size(1), cout = w.size(0), h = g.inH(), wi = g.inW(), k = 9 * cin;
        int ho = g.outH(), wo = g.outW(), p = ho * wo;
        float[] bias = b == null ? null : b.toFloatArray();
        // Bands of output rows, sized as StridedConvolution's tiles: a band's output stays in the second-level
        // cache for its epilogue; at least four bands per thread keep the threads evenly loaded.
        int rows = (int) Math.max(1, Math.min(ho, conf.tileFloats() / Math.max(1L, (long) Math.max(cout, k) * wo)));
        while (rows > 1 && (long) n * ((ho + rows - 1) / rows) < 4L * Parallel.threads()) rows = (rows + 1) / 2;
        int bandRows = (ho + (ho + rows - 1) / rows - 1) / ((ho + rows - 1) / rows); // equal bands
        int bands = (ho + bandRows - 1) / bandRows;
        FloatBuffer xb = x.buffer(), ob = out.buffer();
        Backend blas = Backends.get();
        blas.singleThreaded(() -> Parallel.dynamic(n * bands, t -> {
            int img = t / bands, oy0 = (t % bands) * bandRows, orows = Math.min(bandRows, ho - oy0), len = orows * wo;
            ConvWorkspace ws = ConvWorkspace.get();
            float[] raw = ws.heap(0, wi), even = ws.heap(1, wo + 1), odd = ws.heap(2, wo + 1), cols = ws.heap(3, k * len);
            // Virtual (padded) row 2*(oy0 + oy) + ky is kernel row ky of output row oy: the rows 2*oy0 + vr,
            // vr in [0, 2*orows], each split once and copied to the one or two (oy, ky) it serves.
            for (int ci = 0; ci < cin; ci++) {
                for (int vr = 0; vr <= 2 * orows; vr++) {
                    int iy = 2 * oy0 + vr - g.padTop();
                    if (iy < 0 || iy >= h) {
                        Arrays.fill(even, 0, wo + 1, 0f);
                        Arrays.fill(odd, 0, wo, 0f);
                    } else {
                        Buffers.load(xb, x.offset() + ((img * cin + ci) * h + iy) * wi, raw, 0, wi);
                        split(raw, 0, wi, g.padLeft(), wo, even, 0, odd, 0);
                    }
                    for (int ky = vr % 2; ky < 3; ky += 2) {
                        int oy = (vr - ky) / 2;
                        if (oy < 0 || oy >= orows) continue;
                        int at = ((ci * 3 + ky) * 3) * len + oy * wo;
                        System.arraycopy(even, 0, cols, at, wo);
                        System.arraycopy(odd, 0, cols, at + len, wo);
                        System.arraycopy(even, 1, cols, at + 2 * len, wo);
                    }
                }
            }
            FloatBuffer columns = ws.direct(ConvWorkspace.COLUMNS, k * len);
            Buffers.store(cols, 0, columns, 0, k * len);
            int outOff = out.offset() + img * cout * p + oy0 * wo;
            blas.sgemm(false, false, cout, len, k, 1f, w.buffer(), w.offset(), k, columns, 0, len, 0f, ob, outOff, p);
            PointwiseConvolution.epilogue(ob, outOff, cout, len, p, bias, act);
        }));
    }

    /**
     * Virtual column {@code X = ix + padLeft} of an input row of {@code w} floats at {@code raw[rawOff]}:
     * {@code even[evenOff + q]} is X = 2q for q in [0, wo], {@code odd[oddOff + q]} X = 2q + 1 for q in [0, wo);
     * padding columns are zero. (Also how {@link FusedMBConv} builds a fused stem's columns.)
     */
    static void split(float[] raw, int rawOff, int w, int padLeft, int wo, float[] even, int evenOff, float[] odd, int oddOff) {
        fillPhase(raw, rawOff, w, -padLeft, even, evenOff, wo + 1);
        fillPhase(raw, rawOff, w, 1 - padLeft, odd, oddOff, wo);
    }

    /** {@code dst[dstOff + q] = raw[rawOff + 2q + shift]} where that is inside the row, else 0, for q in [0, count). */
    private static void fillPhase(float[] raw, int rawOff, int w, int shift, float[] dst, int dstOff, int count) {
        int lo = Math.min(count, Math.max(0, (-shift + 1) / 2));
        int hi = Math.max(lo, Math.min(count, (w - shift + 1) / 2));
        Arrays.fill(dst, dstOff, dstOff + lo, 0f);
        for (int q = lo; q < hi; q++) dst[dstOff + q] = raw[rawOff + 2 * q + shift];
        Arrays.fill(dst, dstOff + hi, dstOff + count, 0f);
    }
}
