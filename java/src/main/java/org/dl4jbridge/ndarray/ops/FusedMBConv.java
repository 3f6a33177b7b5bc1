package org.dl4jbridge.ndarray.ops;

import java.nio.FloatBuffer;
import java.util.Arrays;
import org.dl4jbridge.ndarray.Backend;
import org.dl4jbridge.ndarray.Backends;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.ndarray.Parallel;

/**
 * An inverted-residual (MBConv) block for inference in one pass: 1x1 expansion, depthwise
 * convolution, 1x1 projection and the optional residual add, strip by strip of output rows, so the
 * expanded tensor (six times the block's input, 77 MB for EfficientNet-Lite0's block 1 at batch 16)
 * and the depthwise output never go to memory: a strip's expansion, its depthwise rows and its
 * projection stay in the core's cache.
 *
 * <p>Work units are (image, strip of depthwise output rows), or a few whole images where they fit the
 * unit's working set, handed to whichever engine thread is free, each with single-threaded GEMMs (as
 * {@link PointwiseConvolution}). A strip expands the input
 * rows its depthwise rows read (the kernel's overlap rows are expanded again by the next strip: a
 * few percent more expansion work, chosen over carrying state between strips so strips stay
 * independent) in one GEMM whose input is the strip's input placed into the zero-padded, stacked layout the
 * depthwise step reads ({@link DepthwiseStack} with one image), with a row for the bias that is zero at the padding,
 * so the GEMM writes each expanded channel's padded plane itself; then per channel: that plane copied out of the
 * GEMM's output, the activation, the taps ({@link DepthwiseForward#rowOfTaps}) in blocks of grid rows that stay in
 * the first-level cache, the activation, and the channel's rows into the projection's input; then one GEMM
 * projects all channels of the strip straight into the output, its bias a column of the weights meeting a row of
 * ones and the residual (when there is no activation after the projection, as in EfficientNet) put into the
 * output first and added by the GEMM (beta 1), so the output gets no pass of its own.
 *
 * <p>Measured against the previous form (the strip's whole expanded map copied out of the GEMM's output, then
 * passed over per channel; the depthwise output likewise; the grid in one block; bias and residual added to the
 * output in a pass of their own), same-JVM A/B of EfficientNet-Lite0's blocks 0-3 at batch 16 (10 batches,
 * interleaved, under load, 8 runs alternating the order): faster in 7 of 8 runs, median 16 % less wall time.
 *
 * <p>A block without expansion can compute its input itself from the image, when that input is a stem
 * convolution's output ({@link #forwardWithStem}: the stem takes the expansion's place in the strip's GEMM).
 *
 * <p>Batch norms are folded into the three convolutions' weights and biases by the caller.
 */
public final class FusedMBConv {
    /**
     * Floats of a unit's working set (expanded rows, depthwise rows, output rows) aimed for: 2 MB, a core's
     * second-level cache on the 2-core Xeon measured (lscpu); 1 MB split EfficientNet's 14x14 blocks into
     * strips whose overlap rows (5x5 kernels) cost more expansion work than the cache saved.
     */
    static final int STRIP_FLOATS = 512 << 10;
    /**
     * A unit's working set with a fused stem ({@link #forwardWithStem}): EfficientNet-Lite0's stem and block 0 at batch
     * 16 took 0.67-0.70 of their unfused time with 128K floats (strips of about 10 rows) against 0.78 with 256K, 0.88
     * with 512K, 0.83 with 1M, 0.80 with 64K and 0.99 with 32K ({@code NetworkAB effnet 20 old=fuseStem:false new=},
     * same JVM, one run each, 2-core Xeon).
     */
    static final int STEM_STRIP_FLOATS = 128 << 10;

    private FusedMBConv() {}

    /**
     * Whether fusing pays for a block whose expanded map is {@code mid x h x w} per image: only where that
     * map is larger than a unit's working set, so that layer by layer it would stream through memory.
     * Measured with {@code NetworkAB effnet} (process CPU time, batches interleaved, 2-core Xeon with 2 MB
     * L2 and 260 MB L3, under load): on EfficientNet-Lite0's blocks 1-3 (112x112 and 56x56 maps) fused
     * 0.47 CPU s against 0.66 layer by layer over 5 batches; on its 14x14 and 7x7 blocks fused was 20-50 %
     * slower (each image's depthwise planes are short vector loops, where the layer path stacks 16 images
     * per channel). Where it pays, the largest activations (block 1's expanded map, 77 MB at batch 16) are
     * also never stored.
     */
    public static boolean pays(int mid, int h, int w) {
        return (long) mid * h * w > STRIP_FLOATS / 2;
    }

    /**
     * Whether {@link #forward} computes a block with this depthwise convolution: square stride 1 or
     * 2, no dilation, depth multiplier 1.
     */
    public static boolean applies(Conv2DConfig dw) {
        return dw.dH() == 1 && dw.dW() == 1 && dw.sH() == dw.sW() && (dw.sH() == 1 || dw.sH() == 2);
    }

    /**
     * {@code out = projAct(proj(dwAct(dw(expAct(exp(x))))) + projB) + residual}.
     *
     * @param x        [n, cin, h, w], contiguous
     * @param expW     [mid, cin, 1, 1], or null for a block without expansion (then mid = cin)
     * @param expB     [mid] or null
     * @param dwW      [mid, 1, kH, kW] ({@link DepthwiseConvolution2D.Layout#TORCH}) or [kH, kW, mid, 1] (DL4J)
     * @param dwLayout which of the two
     * @param dwB      [mid] or null
     * @param dw       the depthwise convolution's window, stride, padding ({@link #applies})
     * @param projW    [cout, mid, 1, 1]
     * @param projB    [cout] or null
     * @param residual null, or [n, cout, outH, outW] added after the projection's activation
     * @param out      [n, cout, outH, outW], contiguous, distinct from x and residual
     */
    public static void forward(NDArray x, NDArray expW, NDArray expB, FusedActivation expAct,
                               NDArray dwW, DepthwiseConvolution2D.Layout dwLayout, NDArray dwB, Conv2DConfig dw,
                               FusedActivation dwAct, NDArray projW, NDArray projB, FusedActivation projAct,
                               NDArray residual, NDArray out) {
        forward(x, expW, expB, expAct, dwW, dwLayout, dwB, dw, dwAct, projW, projB, projAct, residual, out, STRIP_FLOATS,
                ConvConfig.DEFAULT.depthwiseBlockFloats());
    }

    /**
     * As above, with the unit's working set and the depthwise step's block of accumulator floats given (tests make
     * them small to run strips and several blocks on small images).
     */
    static void forward(NDArray x, NDArray expW, NDArray expB, FusedActivation expAct,
                        NDArray dwW, DepthwiseConvolution2D.Layout dwLayout, NDArray dwB, Conv2DConfig dw,
                        FusedActivation dwAct, NDArray projW, NDArray projB, FusedActivation projAct,
                        NDArray residual, NDArray out, int unitFloats, int blockFloats) {
        Convolution2D.checkRank4(x, "input");
        requireDepthwise(dw);
        ConvGeometry g = checkShapes(x, expW, dwW, dwLayout, dw, projW, residual, out);
        int mid = expW == null ? x.size(1) : expW.size(0);
        new Plan(x, null, expW == null ? null : expW.contiguous(), floats(expB, mid, "expansion bias"), expAct,
                dwW, dwLayout, dwB, g, dwAct, projW, projB, projAct, residual, out, mid, unitFloats, blockFloats).run();
    }

    /** {@link #applies}, or an error naming the fix. */
    private static void requireDepthwise(Conv2DConfig dw) {
        if (!applies(dw)) {
            throw new IllegalArgumentException("FusedMBConv: depthwise stride must be 1 or 2 on both axes without "
                    + "dilation, got " + dw + "; run the layers one by one instead");
        }
    }

    /**
     * A block without expansion whose input is a stem convolution's output ({@code mid} channels), the stem computed
     * inside the block, strip by strip, so that its output never goes to memory:
     * {@code out = projAct(proj(dwAct(dw(stemAct(stem(image) + stemB)))) + projB)}. The stem is an ungrouped 3x3
     * stride-2 undilated convolution with at most {@link StemConvolution#MAX_INPUT_CHANNELS} input channels
     * (EfficientNet's first layer), batch norm folded in by the caller; it takes the place of the expansion: the
     * strip's GEMM multiplies the stem's weights by the image's columns ({@link StemConvolution}'s, each input row
     * split once into even and odd columns) placed into the zero-padded stack, rather than the expansion's weights by
     * the block's input. No residual: the block's input would be the stem's output, which is never stored.
     *
     * @param image    [n, c0, H, W], contiguous
     * @param stemW    [mid, c0, 3, 3]
     * @param stemB    [mid] or null
     * @param stemConf the stem's window, stride, padding and mode
     * @param out      [n, cout, outH, outW] of the depthwise step on the stem's output, contiguous, distinct from image
     */
    public static void forwardWithStem(NDArray image, NDArray stemW, NDArray stemB, Conv2DConfig stemConf,
                                       FusedActivation stemAct, NDArray dwW, DepthwiseConvolution2D.Layout dwLayout,
                                       NDArray dwB, Conv2DConfig dw, FusedActivation dwAct, NDArray projW, NDArray projB,
                                       FusedActivation projAct, NDArray out) {
        forwardWithStem(image, stemW, stemB, stemConf, stemAct, dwW, dwLayout, dwB, dw, dwAct, projW, projB, projAct, out,
                STEM_STRIP_FLOATS, ConvConfig.DEFAULT.depthwiseBlockFloats());
    }

    /** Whether {@link #forwardWithStem} computes a stem of this window on {@code cin} input channels. */
    public static boolean stemFits(Conv2DConfig stemConf, int cin) {
        return StemConvolution.fits(stemConf, cin);
    }

    /** As above, with the unit's working set and the depthwise step's block of accumulator floats given (tests). */
    static void forwardWithStem(NDArray image, NDArray stemW, NDArray stemB, Conv2DConfig stemConf, FusedActivation stemAct,
                                NDArray dwW, DepthwiseConvolution2D.Layout dwLayout, NDArray dwB, Conv2DConfig dw,
                                FusedActivation dwAct, NDArray projW, NDArray projB, FusedActivation projAct, NDArray out,
                                int unitFloats, int blockFloats) {
        Convolution2D.checkRank4(image, "image");
        Buffers.requireContiguous(image, "image");
        Buffers.requireContiguous(out, "output");
        int c0 = image.size(1);
        if (!stemFits(stemConf, c0)) {
            throw new IllegalArgumentException("FusedMBConv: a fused stem must be a 3x3 stride-2 undilated convolution on at "
                    + "most " + StemConvolution.MAX_INPUT_CHANNELS + " input channels, got " + stemConf + " on " + c0
                    + " channels; run the stem as a convolution of its own instead");
        }
        requireDepthwise(dw);
        int mid = stemW.size(0);
        Convolution2D.requireShape(stemW, "stem weights", mid, c0, 3, 3);
        ConvGeometry sg = stemConf.geometry(image.size(2), image.size(3));
        int cout = checkWeights(mid, null, dwW, dwLayout, dw, projW);
        ConvGeometry g = dw.geometry(sg.outH(), sg.outW());
        Convolution2D.requireShape(out, "output", image.size(0), cout, g.outH(), g.outW());
        Buffers.requireSeparate(out, "output", image, "the image");
        new Plan(image, new Stem(sg), stemW.contiguous(), floats(stemB, mid, "stem bias"), stemAct,
                dwW, dwLayout, dwB, g, dwAct, projW, projB, projAct, null, out, mid, unitFloats, blockFloats).run();
    }

    /** A fused stem's geometry on the image ({@link #forwardWithStem}); its output is the block's input. */
    private record Stem(ConvGeometry g) {}

    /**
     * The block's shape checks ({@link #checkWeights} for the weights): contiguous input and
     * output; expansion weights (where present), depthwise and projection weights against the input's
     * channels; output and residual against the depthwise step's geometry, which is returned.
     */
    static ConvGeometry checkShapes(NDArray x, NDArray expW, NDArray dwW, DepthwiseConvolution2D.Layout dwLayout,
                                    Conv2DConfig dw, NDArray projW, NDArray residual, NDArray out) {
        Buffers.requireContiguous(x, "input");
        Buffers.requireContiguous(out, "output");
        int n = x.size(0), cout = checkWeights(x.size(1), expW, dwW, dwLayout, dw, projW);
        ConvGeometry g = dw.geometry(x.size(2), x.size(3));
        Convolution2D.requireShape(out, "output", n, cout, g.outH(), g.outW());
        if (residual != null) {
            Convolution2D.requireShape(residual, "residual", n, cout, g.outH(), g.outW());
            Buffers.requireContiguous(residual, "residual");
        }
        Buffers.requireSeparate(out, "output", x, "the input");
        Buffers.requireSeparate(out, "output", residual, "the residual");
        return g;
    }

    /**
     * The weight checks of both block kernels (this and {@link ChwnMBConv}, whose layouts differ only in the
     * activations): expansion weights (where present), depthwise and projection weights against the block's
     * {@code cin} input channels. Returns the projection's output channels.
     */
    static int checkWeights(int cin, NDArray expW, NDArray dwW, DepthwiseConvolution2D.Layout dwLayout, Conv2DConfig dw,
                            NDArray projW) {
        int mid = expW == null ? cin : expW.size(0);
        if (expW != null) Convolution2D.requireShape(expW, "expansion weights", mid, cin, 1, 1);
        if (dwLayout == null) throw new IllegalArgumentException("depthwise weight layout is null; DL4J's is Layout.DL4J");
        Convolution2D.requireShape(dwW, "depthwise weights (" + dwLayout + " layout)", dwLayout.shape(mid, 1, dw.kH(), dw.kW()));
        int cout = projW.size(0);
        Convolution2D.requireShape(projW, "projection weights", cout, mid, 1, 1);
        return cout;
    }

    /** A bias as floats after checking its length; null stays null. */
    static float[] floats(NDArray b, int len, String what) {
        if (b == null) return null;
        if (b.length() != len) throw new IllegalArgumentException(what + " has " + b.length() + " elements, expected " + len);
        return b.toFloatArray();
    }

    private static final class Plan {
        /** The block's input, or with a {@link #stem} the image the stem reads. */
        final NDArray x, expW, projW, residual, out;
        /** Null, or the stem computed in place of the expansion (its weights in expW, [mid, 9 * c0]). */
        final Stem stem;
        final float[] expB, taps, dwB, projB;
        final FusedActivation expAct, dwAct, projAct;
        final ConvGeometry g;
        final Conv2DConfig c;
        final int n, cin, mid, cout, h, w, ho, wo, s, kk;
        /** Output rows per strip (all of them when a unit holds whole images), images per unit. */
        final int stripRows, strips, images, groups;
        /** Floats of depthwise accumulator per block of grid rows ({@link ConvConfig#depthwiseBlockFloats}). */
        final int blockFloats;
        final Backend blas = Backends.get();
        /**
         * The expansion's weights with its bias as a last column ([mid, cin + 1] at {@code expWBOff}, where there is an
         * expansion with a bias) and the projection's likewise ([cout, mid + 1] at {@code projWBOff}, where it has a
         * bias), in the calling thread's PACKED_WEIGHTS scratch (the units use its other slots), so a call allocates
         * no direct memory.
         */
        final FloatBuffer wb;
        final boolean expWB, projWB;
        final int expWBOff, projWBOff;

        /**
         * The depthwise and projection weights and biases as the caller has them (shapes checked), converted here for
         * both entry points; the expansion's (or the stem's) weights contiguous and its bias as floats.
         */
        Plan(NDArray x, Stem stem, NDArray expW, float[] expB, FusedActivation expAct, NDArray dwW,
             DepthwiseConvolution2D.Layout dwLayout, NDArray dwB, ConvGeometry g, FusedActivation dwAct, NDArray projW,
             NDArray projB, FusedActivation projAct, NDArray residual, NDArray out, int mid, int unitFloats, int blockFloats) {
            this.x = x; this.stem = stem; this.expW = expW; this.expB = expB; this.expAct = expAct;
            this.g = g; this.c = g.cfg(); this.dwAct = dwAct;
            this.taps = DepthwiseConvolution2D.canonicalTaps(dwW, dwLayout, mid, c.kH() * c.kW());
            this.dwB = floats(dwB, mid, "depthwise bias");
            this.projW = projW.contiguous(); this.projAct = projAct; this.residual = residual; this.out = out;
            this.projB = floats(projB, projW.size(0), "projection bias");
            // With a stem, the block's input is the stem's output, and the expansion's input channels are the
            // stem's column rows (c0 * 3 * 3).
            this.n = x.size(0);
            this.cin = stem == null ? x.size(1) : 9 * x.size(1);
            this.h = stem == null ? x.size(2) : stem.g().outH();
            this.w = stem == null ? x.size(3) : stem.g().outW();
            this.mid = mid; this.cout = projW.size(0); this.blockFloats = blockFloats;
            this.ho = g.outH(); this.wo = g.outW(); this.s = c.sH(); this.kk = c.kH() * c.kW();
            this.expWB = expW != null && expB != null;
            this.projWB = projB != null;
            this.expWBOff = 0;
            this.projWBOff = expWB ? mid * (cin + 1) : 0;
            this.wb = ConvWorkspace.get().direct(ConvWorkspace.PACKED_WEIGHTS, Math.max(1, projWBOff + (projWB ? cout * (mid + 1) : 0)));
            if (expWB) withBiasColumn(expW, expB, mid, cin, wb, expWBOff);
            if (projWB) withBiasColumn(this.projW, this.projB, cout, mid, wb, projWBOff);
            // Per output row: the expanded input rows it reads (s, more at the strip's edges), its depthwise
            // row and its output row. (A fused stem's columns and image rows are not counted: its unit size,
            // STEM_STRIP_FLOATS, was measured with this count.)
            long perRow = (long) mid * (s * w + wo) + (long) cout * wo;
            int units = 4 * Parallel.threads();
            if (perRow * ho <= unitFloats) {
                // Whole images; small ones several to a unit, so the depthwise loops run over a stack of
                // images (long vector loops) and the GEMMs are fewer, keeping two units per thread.
                int fit = (int) Math.max(1, unitFloats / (perRow * ho));
                int nb = Math.max(1, Math.min(fit, n / (2 * Parallel.threads())));
                nb = Math.min(nb, DepthwiseStack.of(g, nb, ConvConfig.DEFAULT.depthwiseStackFloats()).images());
                this.images = nb;
                this.groups = (n + nb - 1) / nb;
                this.stripRows = ho;
                this.strips = 1;
            } else {
                // Strips of a large image; the kernel's overlap rows are expanded by both strips they serve.
                int rows = (int) Math.max(1, Math.min(ho, unitFloats / perRow));
                int count = (ho + rows - 1) / rows;
                while (count < ho && (long) n * count < units) count++;
                this.images = 1;
                this.groups = n;
                this.stripRows = (ho + count - 1) / count;
                this.strips = (ho + stripRows - 1) / stripRows;
            }
        }

        /** Writes [rows, cols + 1] at {@code off}: {@code w}'s [rows, cols] (contiguous) with {@code bias} as a last column. */
        static void withBiasColumn(NDArray w, float[] bias, int rows, int cols, FloatBuffer wb, int off) {
            FloatBuffer src = w.buffer();
            for (int r = 0; r < rows; r++) {
                Buffers.copy(src, w.offset() + r * cols, wb, off + r * (cols + 1), cols);
                wb.put(off + r * (cols + 1) + cols, bias[r]);
            }
        }

        void run() {
            blas.singleThreaded(() -> Parallel.dynamic(groups * strips, t -> {
                int img0 = (t / strips) * images;
                unit(img0, Math.min(images, n - img0), (t % strips) * stripRows);
            }));
        }

        /** Output rows [oy0, oy0 + stripRows) of images [img0, img0 + nb) (nb > 1 only for whole images). */
        void unit(int img0, int nb, int oy0) {
            int oy1 = Math.min(ho, oy0 + stripRows), orows = oy1 - oy0;
            // Padded rows [oy0*s, (oy1-1)*s + kH) are read; of them, input rows [iyA, iyB) exist.
            int firstPadded = oy0 * s, endPadded = (oy1 - 1) * s + (c.kH() - 1) * c.dH() + 1;
            int iyA = Math.max(0, firstPadded - g.padTop()), iyB = Math.min(h, endPadded - g.padTop());
            int rowsIn = Math.max(0, iyB - iyA), lenIn = rowsIn * w, lenOut = orows * wo;
            int padTop = Math.max(0, g.padTop() - firstPadded);
            int padBottom = endPadded - padTop - rowsIn;
            // The strip as an image of its own: the stacked-plane layout and tap loops of the whole-image kernel apply.
            ConvGeometry sg = oy0 == 0 && orows == ho ? g : new ConvGeometry(c, rowsIn, w, orows, wo, padTop,
                    Math.max(0, padBottom), g.padLeft(), g.padRight());
            DepthwiseStack st = DepthwiseStack.of(sg, nb, Integer.MAX_VALUE); // nb images fit: checked above
            ConvWorkspace ws = ConvWorkspace.get();
            // One input channel's rows and one channel's depthwise rows of the unit's images: the expanded map is
            // read from the GEMM's output a channel at a time, so only the GEMM's output and the stack, not a second
            // copy, share the cache.
            float[] chan = ws.heap(0, Math.max(1, lenIn));
            float[] dwc = ws.heap(1, nb * lenOut);
            float[] stack = ws.heap(2, st.size());
            int wq = st.wq(), gp = st.gridPeriod(), gridRows = st.gridRows(nb);
            int blockRows = Math.max(1, blockFloats / wq), len = Math.min(gridRows, blockRows) * wq;
            float[] acc = ws.heap(3, len);
            float[] even = ws.heap(4, len + c.kW());
            float[] odd = ws.heap(5, len + c.kW());
            FloatBuffer xb = x.buffer();
            // The block's input channels (no stem: with one, the input is computed from the image, stemPhases).
            int plane = h * w, xOff = stem == null ? x.offset() + img0 * cin * plane : -1;

            // The expansion's input, each channel placed into the strip's zero-padded stack as the depthwise step
            // reads it, and with a bias a last row that is 1 at the data and 0 at the padding: the GEMM then writes
            // every expanded channel's stack itself, padding zero, and a channel needs one copy out of it (and its
            // activation: act(0) = 0 for every FusedActivation, so the padding stays zero). At stride 2 the stack
            // holds each row's even and odd columns apart: the strided loop runs on the input's cin channels rather
            // than the expansion's mid = 6 cin (measured before with a same-JVM A/B of EfficientNetLite0Bench,
            // process CPU s over 10 batches, under load: block 1 0.36 and 0.36 against 0.43 and 0.41 with the
            // expanded rows split). Against copying each expanded channel's rows into the stack (same-JVM A/B of
            // blocks 0-3, batch 16, 10 batches, 6 runs alternating, under load): 5 of 6 runs faster, by -13 % to
            // 11 % of wall time, process CPU 4 % less on average; the GEMM's columns include the padding (about 10 %
            // more than the data).
            FloatBuffer e = null;
            int S = st.size();
            boolean stacked = expW != null && rowsIn > 0;
            if (stacked) {
                int kx = expWB ? cin + 1 : cin;
                FloatBuffer xs = ws.direct(ConvWorkspace.GEMM_OUT, kx * S);
                st.clear(stack);
                float[] phases = stem == null ? null : stemPhases(ws, img0, nb, iyA, rowsIn);
                for (int ci = 0; ci < kx; ci++) {
                    for (int b = 0; b < nb; b++) {
                        if (ci >= cin) Arrays.fill(chan, 0, lenIn, 1f);
                        else if (stem != null) stemColumns(phases, b, ci, rowsIn, chan);
                        else Buffers.load(xb, xOff + (b * cin + ci) * plane + iyA * w, chan, 0, lenIn);
                        st.place(chan, 0, b, stack);
                    }
                    Buffers.store(stack, 0, xs, ci * S, S);
                }
                e = ws.direct(ConvWorkspace.COLUMNS, mid * S);
                if (expWB) {
                    blas.sgemm(false, false, mid, S, kx, 1f, wb, expWBOff, kx, xs, 0, S, 0f, e, 0, S);
                } else {
                    blas.sgemm(false, false, mid, S, cin, 1f, expW.buffer(), expW.offset(), cin, xs, 0, S, 0f, e, 0, S);
                }
            }
            // The projection's input: per image mid rows of depthwise output, then (with a bias) a row of ones
            // that meets the bias column of projWB, so the GEMM adds the bias.
            int k = projWB ? mid + 1 : mid;
            FloatBuffer d = ws.direct(ConvWorkspace.GEMM_OUT, nb * k * lenOut);
            if (projWB) {
                Arrays.fill(dwc, 0, lenOut, 1f);
                for (int b = 0; b < nb; b++) Buffers.store(dwc, 0, d, (b * k + mid) * lenOut, lenOut);
            }

            boolean rowTaps = c.dW() == 1 && (s == 1 || s == 2) && (c.kW() == 3 || c.kW() == 5);
            int kH = c.kH(), kW = c.kW();
            int[] base = new int[rowTaps ? kH * s : kk];
            for (int ky = 0; ky < kH; ky++) {
                if (rowTaps) {
                    for (int phase = 0; phase < s; phase++) base[ky * s + phase] = st.tapBase(ky * c.dH(), phase);
                } else {
                    for (int kx = 0; kx < kW; kx++) base[ky * kW + kx] = st.tapBase(ky * c.dH(), kx * c.dW());
                }
            }
            // The padding stays zero: every channel places its rows at the same positions.
            st.clear(stack);
            for (int ch = 0; ch < mid; ch++) {
                if (stacked) {
                    Buffers.load(e, ch * S, stack, 0, S);
                    expAct.applyInPlace(stack, 0, S, 0f);
                } else {
                    // No expansion: the input's own channel goes into the stack (same places every channel).
                    for (int b = 0; b < nb && rowsIn > 0; b++) {
                        Buffers.load(xb, xOff + (b * cin + ch) * plane + iyA * w, chan, 0, lenIn);
                        st.place(chan, 0, b, stack);
                    }
                }
                // Blocks of grid rows, so the accumulator and the copies the taps read stay in the first-level
                // cache (as DepthwiseForward's): a whole 112-wide strip of 58 rows is 26 KB per array.
                for (int r0 = 0; r0 < gridRows; r0 += blockRows) {
                    int rows = Math.min(blockRows, gridRows - r0), blen = rows * wq, shift = r0 * wq;
                    Arrays.fill(acc, 0, blen, dwB == null ? 0f : dwB[ch]);
                    if (rowTaps) {
                        for (int ky = 0; ky < kH; ky++) {
                            DepthwiseForward.rowOfTaps(acc, blen, stack, base, ky, shift, s, kW, taps, ch * kk + ky * kW, even, odd);
                        }
                    } else {
                        for (int q = 0; q < kk; q++) {
                            System.arraycopy(stack, base[q] + shift, even, 0, blen);
                            DepthwiseTaps.axpy(acc, even, blen, taps[ch * kk + q]);
                        }
                    }
                    for (int r = 0, b = r0 / gp, oy = r0 % gp; r < rows; r++) {
                        if (oy < orows) System.arraycopy(acc, r * wq, dwc, b * lenOut + oy * wo, wo);
                        if (++oy == gp) {
                            oy = 0;
                            b++;
                        }
                    }
                }
                dwAct.applyInPlace(dwc, 0, nb * lenOut, 0f);
                for (int b = 0; b < nb; b++) Buffers.store(dwc, b * lenOut, d, (b * k + ch) * lenOut, lenOut);
            }

            int p = ho * wo;
            FloatBuffer ob = out.buffer();
            for (int b = 0; b < nb; b++) {
                int outOff = out.offset() + (img0 + b) * cout * p + oy0 * wo;
                // Without an activation the residual goes in first and the GEMM adds onto it (beta 1): no pass of its own.
                boolean resFirst = residual != null && projAct == FusedActivation.IDENTITY;
                if (resFirst) {
                    int resOff = residual.offset() + (img0 + b) * cout * p + oy0 * wo;
                    for (int co = 0; co < cout; co++) Buffers.copy(residual.buffer(), resOff + co * p, ob, outOff + co * p, lenOut);
                }
                if (projWB) {
                    blas.sgemm(false, false, cout, lenOut, k, 1f, wb, projWBOff, k, d, b * k * lenOut, lenOut,
                            resFirst ? 1f : 0f, ob, outOff, p);
                } else {
                    blas.sgemm(false, false, cout, lenOut, mid, 1f, projW.buffer(), projW.offset(), mid, d, b * k * lenOut,
                            lenOut, resFirst ? 1f : 0f, ob, outOff, p);
                }
                if (projAct != FusedActivation.IDENTITY) {
                    // (Not in EfficientNet.) The activation comes before the residual: the GEMM ran without it.
                    PointwiseConvolution.epilogue(ob, outOff, cout, lenOut, p, null, projAct);
                    if (residual != null) addResidual(ob, outOff, lenOut, p, img0 + b, oy0);
                }
            }
        }

        /**
         * The image rows that the stem's output rows [iyA, iyA + rowsIn) of images [img0, img0 + nb) read, each split
         * once into its even and odd columns ({@link StemConvolution#split}): per image b and input channel c,
         * padded rows vr = 0 .. 2 * rowsIn (padded row 2 * iyA + vr; kernel row ky of output row iyA + r is vr = 2r +
         * ky), each {@code w + 1} even then {@code w} odd floats. Rows in the padding are zero.
         */
        float[] stemPhases(ConvWorkspace ws, int img0, int nb, int iyA, int rowsIn) {
            ConvGeometry sg = stem.g();
            int c0 = x.size(1), ih = x.size(2), iw = x.size(3), vrs = 2 * rowsIn + 1, rl = 2 * w + 1;
            int size = nb * c0 * vrs * rl;
            float[] ph = ws.heap(ConvWorkspace.STEM_ROWS, size + iw);
            FloatBuffer xb = x.buffer();
            for (int b = 0; b < nb; b++) {
                for (int c = 0; c < c0; c++) {
                    for (int vr = 0; vr < vrs; vr++) {
                        int at = ((b * c0 + c) * vrs + vr) * rl, iy = 2 * iyA + vr - sg.padTop();
                        if (iy < 0 || iy >= ih) {
                            Arrays.fill(ph, at, at + rl, 0f);
                            continue;
                        }
                        Buffers.load(xb, x.offset() + (((img0 + b) * c0 + c) * ih + iy) * iw, ph, size, iw);
                        StemConvolution.split(ph, size, iw, sg.padLeft(), w, ph, at, ph, at + w + 1);
                    }
                }
            }
            return ph;
        }

        /**
         * Column row {@code ci = (c * 3 + ky) * 3 + kx} of the stem (the weights' order) for image b's output rows
         * [iyA, iyA + rowsIn) into {@code chan}, from {@link #stemPhases}: kx = 0 reads the even columns, 1 the odd
         * ones, 2 the even ones from the second on.
         */
        void stemColumns(float[] phases, int b, int ci, int rowsIn, float[] chan) {
            int c0 = x.size(1), c = ci / 9, ky = ci / 3 % 3, kx = ci % 3, vrs = 2 * rowsIn + 1, rl = 2 * w + 1;
            int shift = kx == 1 ? w + 1 : kx / 2;
            for (int r = 0; r < rowsIn; r++) {
                System.arraycopy(phases, ((b * c0 + c) * vrs + 2 * r + ky) * rl + shift, chan, r * w, w);
            }
        }

        /** Adds image {@code img}'s residual rows [oy0, oy0 + len / wo) onto the output tile at {@code outOff}. */
        void addResidual(FloatBuffer ob, int outOff, int len, int p, int img, int oy0) {
            ConvWorkspace ws = ConvWorkspace.get();
            float[] row = ws.heap(0, len), res = ws.heap(1, len);
            int resOff = residual.offset() + img * cout * p + oy0 * wo;
            for (int co = 0; co < cout; co++) {
                Buffers.load(ob, outOff + co * p, row, 0, len);
                Buffers.load(residual.buffer(), resOff + co * p, res, 0, len);
                for (int i = 0; i < len; i++) row[i] += res[i];
                Buffers.store(row, 0, ob, outOff + co * p, len);
            }
        }
    }
}
