package org.dl4jbridge.ndarray.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.dl4jbridge.ndarray.NDArray;
import org.junit.jupiter.api.Test;

/**
 * BatchNorm's training forward and backward against a double-precision reference written from the
 * formulas, for shapes that take the channel-block kernels ({@link BatchNormBlocks}: EfficientNet's
 * 7x7 maps, blocks that do not divide the channels, more images than one lane flush, a large mean
 * that a non-centred variance would cancel) and shapes that take the plane-at-a-time path.
 */
class BatchNormBlocksTest {
    private static final double EPS = 1e-3;

    @Test
    void blockKernelsMatchDoubleReference() {
        int[][] shapes = {
            {16, 1152, 7, 7},   // EfficientNet-Lite0's blocks 14-15 at batch 16: parallel, many blocks
            {16, 1280, 7, 7},   // the head
            {3, 5, 2, 3},       // small: one block, serial
            {70, 37, 1, 3},     // more images than FLUSH_IMAGES, 37 channels in uneven blocks
            {200, 9, 16, 16},   // mb·plane 51200: one channel a block
        };
        for (int[] s : shapes) {
            assertTrue(BatchNormBlocks.applies(s[0], s[2] * s[3]), "block path expected for " + java.util.Arrays.toString(s));
            check(s, 0f, 11);
            check(s, 300f, 12);   // |mean| >> std: the variance must be centred
        }
    }

    @Test
    void planePathStillMatchesDoubleReference() {
        // Large planes, and one value a channel per image ([mb, C] as BatchNorm's rank-2 loop runs it).
        for (int[] s : new int[][] {{2, 3, 200, 200}, {300, 7, 1, 1}}) {
            assertFalse(BatchNormBlocks.applies(s[0], s[2] * s[3]));
            check(s, 0f, 13);
            check(s, 300f, 14);   // the variance was Σx·(x − m) here, off by 1e-3 relative at this offset
        }
    }

    @Test
    void backwardInPlaceOverDy() {
        int[] s = {16, 40, 7, 7};
        SplittableRandom r = new SplittableRandom(5);
        NDArray x = random(r, s, 2f), dy = random(r, s, 0f), gamma = random(r, new int[] {40}, 1f);
        BatchNorm.Stats st = BatchNorm.training(x, gamma, random(r, new int[] {40}, 0f), EPS, NDArray.zeros(s));
        NDArray dx = NDArray.zeros(s);
        BatchNorm.backward(x, dy, gamma, st, dx, null, null);
        BatchNorm.backward(x, dy, gamma, st, dy, null, null);
        float[] a = dx.toFloatArray(), b = dy.toFloatArray();
        for (int i = 0; i < a.length; i++) assertEquals(a[i], b[i], 0f, "dx written over dy differs at " + i);
    }

    private static NDArray random(SplittableRandom r, int[] shape, float offset) {
        int n = 1;
        for (int d : shape) n *= d;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = offset + (float) (r.nextDouble() * 2 - 1);
        return NDArray.of(v, shape);
    }

    private static void check(int[] s, float offset, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int mb = s[0], ch = s[1], plane = s[2] * s[3], n = mb * plane;
        NDArray x = random(r, s, offset), dy = random(r, s, 0f);
        NDArray gamma = random(r, new int[] {ch}, 1f), beta = random(r, new int[] {ch}, 0f);
        NDArray out = NDArray.zeros(s), dx = NDArray.zeros(s), dGamma = NDArray.zeros(ch), dBeta = NDArray.zeros(ch);
        BatchNorm.Stats st = BatchNorm.training(x, gamma, beta, EPS, out);
        BatchNorm.backward(x, dy, gamma, st, dx, dGamma, dBeta);

        float[] xv = x.toFloatArray(), gv = dy.toFloatArray(), ga = gamma.toFloatArray(), be = beta.toFloatArray();
        float[] ov = out.toFloatArray(), dxv = dx.toFloatArray(), dgv = dGamma.toFloatArray(), dbv = dBeta.toFloatArray();
        String what = java.util.Arrays.toString(s) + " offset " + offset;
        // The engine centres on its float mean m (|m − μ| up to half an ulp of μ: 1.5e-5 near 300); the
        // tolerances add what that shift moves (x̂ by dm·σ⁻¹), beyond float rounding of terms of size ~1.
        double worstY = 0, worstDx = 0;
        for (int c = 0; c < ch; c++) {
            double sum = 0;
            for (int i = 0; i < mb; i++) for (int p = 0; p < plane; p++) sum += xv[(i * ch + c) * plane + p];
            double mu = sum / n, sq = 0;
            for (int i = 0; i < mb; i++) for (int p = 0; p < plane; p++) {
                double d = xv[(i * ch + c) * plane + p] - mu;
                sq += d * d;
            }
            double var = sq / n, is = 1 / Math.sqrt(var + EPS), dm = Math.abs(st.mean()[c] - mu);
            assertEquals(mu, st.mean()[c], 1e-6 * Math.max(1, Math.abs(mu)), what + " mean of channel " + c);
            assertEquals(var, st.var()[c], 1e-5 * var, what + " variance of channel " + c);
            assertEquals(is, st.invStd()[c], 1e-6 * is, what + " 1/std of channel " + c);
            double sdy = 0, sdyxh = 0;
            double tolY = 2e-5 + Math.abs(ga[c]) * is * dm;
            for (int i = 0; i < mb; i++) for (int p = 0; p < plane; p++) {
                int k = (i * ch + c) * plane + p;
                double xh = (xv[k] - mu) * is;
                worstY = Math.max(worstY, Math.abs(ov[k] - (ga[c] * xh + be[c])) / tolY);
                sdy += gv[k];
                sdyxh += gv[k] * xh;
            }
            // Sums of n terms of size ~1: the float results hold them to ~1e-7 of magnitudes up to n.
            assertEquals(sdy, dbv[c], 1e-5 * Math.sqrt(n), what + " dBeta of channel " + c);
            assertEquals(sdyxh, dgv[c], 1e-5 * Math.sqrt(n) + dm * is * Math.abs(sdy), what + " dGamma of channel " + c);
            double tolDx = 2e-5 + Math.abs(ga[c]) * is * is * dm * (1 + Math.abs(sdy) / n);
            for (int i = 0; i < mb; i++) for (int p = 0; p < plane; p++) {
                int k = (i * ch + c) * plane + p;
                double xh = (xv[k] - mu) * is;
                double ref = ga[c] * is * (gv[k] - sdy / n - xh * sdyxh / n);
                worstDx = Math.max(worstDx, Math.abs(dxv[k] - ref) / tolDx);
            }
        }
        assertTrue(worstY <= 1, what + ": forward output off by " + worstY + " tolerances");
        assertTrue(worstDx <= 1, what + ": input gradient off by " + worstDx + " tolerances");
    }
}
