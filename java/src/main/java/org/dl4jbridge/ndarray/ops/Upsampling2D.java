package org.dl4jbridge.ndarray.ops;

import java.nio.FloatBuffer;
import java.util.Arrays;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.ndarray.Parallel;

/**
 * DL4J's Upsampling2D (nearest neighbour, NCHW): {@code x [mb, C, H, W]} becomes
 * {@code out [mb, C, H·sH, W·sW]} with {@code out[n,c,h,w] = x[n,c,h/sH,w/sW]} (integer division).
 * Backward sums each sH×sW block of {@code dOut} into {@code dx [mb, C, H, W]}. Arrays are contiguous
 * c-order; {@code sH, sW ≥ 1} (DL4J's {@code size} array, one factor per spatial dimension).
 */
public final class Upsampling2D {
    private Upsampling2D() {}

    /** A new {@code [mb, C, H·sH, W·sW]} array. */
    public static NDArray forward(NDArray x, int sH, int sW) {
        checkInput(x, sH, sW);
        return forward(x, sH, sW, NDArray.zeros(x.size(0), x.size(1), x.size(2) * sH, x.size(3) * sW));
    }

    /** Writes into {@code out [mb, C, H·sH, W·sW]}; returns out. */
    public static NDArray forward(NDArray x, int sH, int sW, NDArray out) {
        checkInput(x, sH, sW);
        checkPair(x, out, sH, sW, "out");
        int h = x.size(2), w = x.size(3), ow = w * sW;
        FloatBuffer xb = x.buffer(), ob = out.buffer();
        int xo = x.offset(), oo = out.offset();
        planes(x, (lo, hi) -> {
            float[] row = new float[w], up = new float[ow];
            for (int q = lo; q < hi; q++) {
                for (int i = 0; i < h; i++) {
                    xb.get(xo + (q * h + i) * w, row, 0, w);
                    widen(row, up, w, sW);
                    for (int r = 0; r < sH; r++) ob.put(oo + (q * h * sH + i * sH + r) * ow, up, 0, ow);
                }
            }
        });
        return out;
    }

    /** Writes {@code dx [mb, C, H, W]} = block sums of {@code dOut}; returns dx. */
    public static NDArray backward(NDArray dOut, int sH, int sW, NDArray dx) {
        checkInput(dx, sH, sW);
        checkPair(dx, dOut, sH, sW, "dOut");
        int h = dx.size(2), w = dx.size(3), ow = w * sW;
        FloatBuffer gb = dOut.buffer(), db = dx.buffer();
        int go = dOut.offset(), dof = dx.offset();
        planes(dx, (lo, hi) -> {
            float[] row = new float[w], up = new float[ow];
            for (int q = lo; q < hi; q++) {
                for (int i = 0; i < h; i++) {
                    Arrays.fill(row, 0f);
                    for (int r = 0; r < sH; r++) {
                        gb.get(go + (q * h * sH + i * sH + r) * ow, up, 0, ow);
                        narrowAdd(up, row, w, sW);
                    }
                    db.put(dof + (q * h + i) * w, row, 0, w);
                }
            }
        });
        return dx;
    }

    private static void planes(NDArray x, Parallel.RangeBody body) {
        int planes = x.size(0) * x.size(1);
        if ((long) x.length() < Chunked.PARALLEL_MIN / 4) body.run(0, planes); else Parallel.range(planes, body);
    }

    private static void widen(float[] row, float[] up, int w, int sW) {
        for (int j = 0, k = 0; j < w; j++) for (int s = 0; s < sW; s++) up[k++] = row[j];
    }

    private static void narrowAdd(float[] up, float[] row, int w, int sW) {
        for (int j = 0, k = 0; j < w; j++) {
            float acc = 0f;
            for (int s = 0; s < sW; s++) acc += up[k++];
            row[j] += acc;
        }
    }

    private static void checkInput(NDArray x, int sH, int sW) {
        if (x.rank() != 4) throw new IllegalArgumentException("Upsampling2D needs [mb, C, H, W], got " + Arrays.toString(x.shape()));
        if (sH < 1 || sW < 1) throw new IllegalArgumentException("Upsampling2D size must be >= 1 per dimension, got [" + sH + ", " + sW + "]");
        Chunked.requireContiguous("Upsampling2D input", x);
    }

    private static void checkPair(NDArray small, NDArray big, int sH, int sW, String name) {
        int[] want = {small.size(0), small.size(1), small.size(2) * sH, small.size(3) * sW};
        if (!Arrays.equals(want, big.shape())) {
            throw new IllegalArgumentException("Upsampling2D " + name + " must have shape " + Arrays.toString(want) + ", got "
                    + Arrays.toString(big.shape()));
        }
        Chunked.requireContiguous("Upsampling2D " + name, big);
    }
}
