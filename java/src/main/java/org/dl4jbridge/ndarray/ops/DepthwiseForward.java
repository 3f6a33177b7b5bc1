package org.dl4jbridge.ndarray.ops;

import java.nio.FloatBuffer;
import java.util.Arrays;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.ndarray.Parallel;

/**
 * The forward loops of {@link DepthwiseConvolution2D}, in float with every multiply-add vectorised.
 *
 * <p>C2 (JDK 25) vectorises {@code acc[i] += w * src[i + k]} only when the stored array and the
 * loaded one are indexed alike up to a compile-time constant {@code k}: with a run-time shift it
 * must assume the two may be one array and stays scalar. So the accumulator is a zero-offset block
 * of the output grid and, per kernel row, the padded input it meets is copied (a native memcpy) to
 * a zero-offset array; the kernel's columns are then constant shifts of that copy. With stride 2
 * along the width the input is split by column phase, so the even and odd columns are two such
 * copies. Other kernel widths, strides and dilations copy once per tap instead.
 *
 * <p>Work is parallel over (channel, stack of images) ({@link DepthwiseStack}): the images of a
 * stack share the channel's taps and make one long grid. Grid rows are processed in blocks of about
 * {@link ConvConfig#depthwiseBlockFloats} floats so the accumulator and the copies stay in the first-level cache;
 * the bias starts each block's sums and the activation runs over the kept outputs of the stack.
 */
final class DepthwiseForward {
    private DepthwiseForward() {}

    static void run(NDArray x, float[] taps, float[] bias, int m, ConvGeometry g, FusedActivation act, NDArray out,
                    ConvConfig conf) {
        int n = x.size(0), cin = x.size(1), cout = cin * m;
        Conv2DConfig c = g.cfg();
        int kH = c.kH(), kW = c.kW(), kk = kH * kW;
        DepthwiseStack st = DepthwiseStack.of(g, n, conf.depthwiseStackFloats());
        int ho = g.outH(), wo = g.outW(), wq = st.wq(), p = ho * wo, inPlane = g.inPlane();
        int blockRows = Math.max(1, conf.depthwiseBlockFloats() / wq);
        boolean rowTaps = c.dW() == 1 && (c.sW() == 1 || c.sW() == 2) && (kW == 3 || kW == 5);
        // Element read by grid entry 0: per kernel row and column phase (rowTaps) or per tap.
        int[] base = new int[rowTaps ? kH * c.sW() : kk];
        for (int ky = 0; ky < kH; ky++) {
            if (rowTaps) {
                for (int phase = 0; phase < c.sW(); phase++) base[ky * c.sW() + phase] = st.tapBase(ky * c.dH(), phase);
            } else {
                for (int kx = 0; kx < kW; kx++) base[ky * kW + kx] = st.tapBase(ky * c.dH(), kx * c.dW());
            }
        }
        int stacks = (n + st.images() - 1) / st.images();
        int copyLen = blockRows * wq + kW;
        FloatBuffer xb = x.buffer(), ob = out.buffer();
        int units = cin * stacks;
        // Units are handed out one at a time, not split in fixed halves: when another process holds a
        // core, the other thread takes over the rest instead of waiting.
        Parallel.dynamicWithSetup(units, () -> {
            ConvWorkspace ws = ConvWorkspace.get();
            float[] stack = ws.heap(0, st.size());
            float[] in = ws.heap(1, inPlane);
            float[] res = ws.heap(5, st.images() * m * p);
            float[] acc = ws.heap(2, blockRows * wq);
            float[] even = ws.heap(3, copyLen);
            float[] odd = ws.heap(4, copyLen);
            // Every stack of this call puts its data at the same places, so the padding, zeroed once
            // here, stays zero (a smaller last stack leaves stale images behind, which no kept output reads).
            st.clear(stack);
            return t -> {
                int ch = t / stacks, img0 = (t % stacks) * st.images(), nb = Math.min(st.images(), n - img0);
                for (int b = 0; b < nb; b++) {
                    Buffers.load(xb, x.offset() + ((img0 + b) * cin + ch) * inPlane, in, 0, inPlane);
                    st.place(in, 0, b, stack);
                }
                int gridRows = st.gridRows(nb), gp = st.gridPeriod();
                for (int j = 0; j < m; j++) {
                    int o = ch * m + j;
                    for (int r0 = 0; r0 < gridRows; r0 += blockRows) {
                        int rows = Math.min(blockRows, gridRows - r0), len = rows * wq, shift = r0 * wq;
                        Arrays.fill(acc, 0, len, bias == null ? 0f : bias[o]);
                        if (rowTaps) {
                            for (int ky = 0; ky < kH; ky++) {
                                rowOfTaps(acc, len, stack, base, ky, shift, c.sW(), kW, taps, o * kk + ky * kW, even, odd);
                            }
                        } else {
                            for (int k = 0; k < kk; k++) {
                                System.arraycopy(stack, base[k] + shift, even, 0, len);
                                DepthwiseTaps.axpy(acc, even, len, taps[o * kk + k]);
                            }
                        }
                        for (int r = 0, b = r0 / gp, oy = r0 % gp; r < rows; r++) {
                            if (oy < ho) System.arraycopy(acc, r * wq, res, (b * m + j) * p + oy * wo, wo);
                            if (++oy == gp) {
                                oy = 0;
                                b++;
                            }
                        }
                    }
                }
                // Only kept outputs are activated (the grid also holds dropped rows and columns).
                act.applyInPlace(res, 0, nb * m * p, 0f);
                for (int b = 0; b < nb; b++) {
                    Buffers.store(res, b * m * p, ob, out.offset() + ((img0 + b) * cout + ch * m) * p, m * p);
                }
            };
        });
    }

    /** Adds one kernel row's taps (width 3 or 5, stride 1 or 2, no dilation) to the block. */
    static void rowOfTaps(float[] acc, int len, float[] pad, int[] base, int ky, int shift, int sW, int kW,
                                  float[] taps, int w, float[] even, float[] odd) {
        if (sW == 1) {
            System.arraycopy(pad, base[ky] + shift, even, 0, len + kW - 1);
            if (kW == 3) DepthwiseTaps.taps3(acc, even, len, taps[w], taps[w + 1], taps[w + 2]);
            else DepthwiseTaps.taps5(acc, even, len, taps[w], taps[w + 1], taps[w + 2], taps[w + 3], taps[w + 4]);
            return;
        }
        // Stride 2: tap kx reads column phase kx % 2 shifted by kx / 2.
        System.arraycopy(pad, base[2 * ky] + shift, even, 0, len + kW / 2);
        System.arraycopy(pad, base[2 * ky + 1] + shift, odd, 0, len + kW / 2 - 1);
        if (kW == 3) DepthwiseTaps.taps3s2(acc, even, odd, len, taps[w], taps[w + 1], taps[w + 2]);
        else DepthwiseTaps.taps5s2(acc, even, odd, len, taps[w], taps[w + 1], taps[w + 2], taps[w + 3], taps[w + 4]);
    }
}
