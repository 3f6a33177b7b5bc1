package org.dl4jbridge.ndarray.ops;

import java.util.Arrays;
import org.dl4jbridge.ndarray.Backends;
import org.dl4jbridge.ndarray.NDArray;

/**
 * Matrix products on rank-2 {@link NDArray} views, mapped without copies onto the backend's
 * row-major SGEMM.
 *
 * <p>Every matrix argument is a rank-2 view with unit stride in one dimension: c-order
 * (row stride = leading dimension, e.g. a row block of a bigger c-order matrix) or f-order (DL4J's
 * dense {@code W [nIn, nOut]}, a {@code flatView(start, 'f', nIn, nOut)} of the parameter vector).
 * An f-order operand is passed to BLAS as the transpose of a row-major matrix, so no copy is
 * made. An f-order output is computed as {@code C^T = op(B)^T op(A)^T}. Views with no unit stride
 * are rejected (copy them with {@code dup()} first). The output must not overlap an input.
 *
 * <ul>
 *   <li>{@link #gemm}: {@code c[m,n] = alpha * op(a)[m,k] * op(b)[k,n] + beta * c}, op = optional
 *       transpose.</li>
 *   <li>{@link #mmul(NDArray, NDArray)}: a new c-order {@code [m,n]} = {@code a[m,k] * b[k,n]}.</li>
 *   <li>{@link #mmul(NDArray, NDArray, NDArray)}: the same into an existing {@code out[m,n]}.</li>
 * </ul>
 * Dense forward {@code z = x W + b}: {@code mmul(x, W, z)} then {@link Bias#addRowVector}.
 * Dense backward: {@code dW = x^T dz} is {@code gemm(x, true, dz, false, dW, 1, 0)} (dW may be the
 * f-order gradient view), {@code dx = dz W^T} is {@code gemm(dz, false, W, true, dx, 1, 0)}.
 */
public final class Linalg {
    private Linalg() {}

    /** A new c-order {@code [m,n]} holding {@code a[m,k] * b[k,n]}. */
    public static NDArray mmul(NDArray a, NDArray b) {
        checkRank2("a", a);
        checkRank2("b", b);
        NDArray out = NDArray.zeros(a.size(0), b.size(1));
        gemm(a, false, b, false, out, 1f, 0f);
        return out;
    }

    /** {@code out[m,n] = a[m,k] * b[k,n]}; returns {@code out}. */
    public static NDArray mmul(NDArray a, NDArray b, NDArray out) {
        gemm(a, false, b, false, out, 1f, 0f);
        return out;
    }

    /**
     * {@code c = alpha * op(a) * op(b) + beta * c} where {@code op(x)} is {@code x^T} when the flag
     * is set. Shapes: {@code op(a) [m,k]}, {@code op(b) [k,n]}, {@code c [m,n]}. With
     * {@code beta == 0} the previous contents of {@code c} are ignored (NaN included).
     */
    public static void gemm(NDArray a, boolean transA, NDArray b, boolean transB, NDArray c, float alpha, float beta) {
        gemm(a, transA, b, transB, c, alpha, beta, Rounding.current());
    }

    /** As above, in the orientation the rounding mode asks for (DL4J's: ND4J's, below). */
    static void gemm(NDArray a, boolean transA, NDArray b, boolean transB, NDArray c, float alpha, float beta, Rounding rounding) {
        checkRank2("a", a);
        checkRank2("b", b);
        checkRank2("c", c);
        int m = transA ? a.size(1) : a.size(0);
        int k = transA ? a.size(0) : a.size(1);
        int kb = transB ? b.size(1) : b.size(0);
        int n = transB ? b.size(0) : b.size(1);
        if (k != kb || c.size(0) != m || c.size(1) != n) {
            throw new IllegalArgumentException("gemm shape mismatch: op(a) is [" + m + "," + k + "], op(b) is [" + kb + ","
                    + n + "], c is " + Arrays.toString(c.shape()) + "; need op(a) [m,k], op(b) [k,n], c [m,n]");
        }
        Buffers.requireSeparate(c, "gemm output c", a, "operand a");
        Buffers.requireSeparate(c, "gemm output c", b, "operand b");
        if (m == 0 || n == 0) return;
        if (k == 0) {
            // BLAS would leave c as beta*c; do the same without calling it with degenerate sizes.
            scale(c, beta);
            return;
        }
        Stored sa = Stored.of("a", a), sb = Stored.of("b", b), sc = Stored.of("c", c);
        if (!sc.transposed && rounding == Rounding.DL4J) {
            // DL4J's orientation: ND4J gives BLAS the product column-major with op(a) first, so BLAS tiles
            // c's rows as its rows; a row-major call hands them over as columns, and where a side is not a
            // multiple of the kernel's tile the edge elements sum in another order (measured: 2 ulp in 1 of
            // 10 outputs of VGG16's 2x4096x5 head). So: c^T into a scratch [n, m], the same call as for an
            // f-order c below, then copied into c (a scratch matrix and a strided copy per call: the mode's cost).
            NDArray t = NDArray.zeros(n, m);
            if (beta != 0f) t.assign(c.transpose());
            Backends.get().sgemm(!(transB ^ sb.transposed), !(transA ^ sa.transposed), n, m, k, alpha,
                    b.buffer(), b.offset(), sb.ld, a.buffer(), a.offset(), sa.ld, beta, t.buffer(), t.offset(), m);
            c.assign(t.transpose());
            return;
        }
        if (!sc.transposed) {
            Backends.get().sgemm(transA ^ sa.transposed, transB ^ sb.transposed, m, n, k, alpha,
                    a.buffer(), a.offset(), sa.ld, b.buffer(), b.offset(), sb.ld, beta, c.buffer(), c.offset(), sc.ld);
        } else {
            // c is f-order: its buffer holds c^T [n,m] row-major, and c^T = op(b)^T op(a)^T.
            Backends.get().sgemm(!(transB ^ sb.transposed), !(transA ^ sa.transposed), n, m, k, alpha,
                    b.buffer(), b.offset(), sb.ld, a.buffer(), a.offset(), sa.ld, beta, c.buffer(), c.offset(), sc.ld);
        }
    }

    private static void scale(NDArray c, float beta) {
        for (int i = 0; i < c.length(); i++) c.put(i, beta == 0f ? 0f : beta * c.get(i));
    }

    /**
     * How a rank-2 view sits in memory for row-major BLAS: either as itself (c-order, leading
     * dimension = row stride) or as the transpose of a row-major matrix (f-order, leading dimension
     * = column stride). Size-1 dimensions may carry any stride.
     */
    private record Stored(boolean transposed, int ld) {
        static Stored of(String name, NDArray x) {
            int r = x.size(0), cols = x.size(1);
            int[] s = x.stride();
            if ((cols == 1 || s[1] == 1) && (r == 1 || s[0] >= Math.max(1, cols))) {
                return new Stored(false, r == 1 ? Math.max(1, cols) : s[0]);
            }
            if ((r == 1 || s[0] == 1) && (cols == 1 || s[1] >= Math.max(1, r))) {
                return new Stored(true, cols == 1 ? Math.max(1, r) : s[1]);
            }
            throw new IllegalArgumentException("gemm operand " + name + " (shape " + Arrays.toString(x.shape())
                    + ", strides " + Arrays.toString(s) + ") is neither c- nor f-contiguous in a dimension; pass "
                    + name + ".dup()");
        }
    }

    private static void checkRank2(String name, NDArray x) {
        if (x.rank() != 2) {
            throw new IllegalArgumentException("gemm operand " + name + " must be rank 2, got shape "
                    + Arrays.toString(x.shape()) + "; reshape it to [rows, cols]");
        }
    }
}
