package org.dl4jbridge.ndarray.ops;

import java.util.Arrays;
import org.dl4jbridge.ndarray.NDArray;

/**
 * DL4J's ElementWiseVertex operations on N same-shape contiguous inputs (any rank).
 *
 * <ul>
 *   <li>{@link #forward(Op, NDArray[], NDArray)}: Add {@code Σ x_k}; Subtract {@code x_0 − x_1}
 *       (exactly two inputs); Product {@code Π x_k}; Average {@code Σ x_k / N}; Max the element-wise
 *       maximum. {@code out} may be {@code inputs[0]}.</li>
 *   <li>{@link #backward(Op, NDArray[], NDArray, NDArray[])}: {@code dInputs[k] = dL/dx_k} from
 *       {@code dOut}: Add passes dOut through, Subtract gives +dOut / −dOut, Product
 *       {@code dOut·Π_{j≠k} x_j}, Average {@code dOut/N}, Max routes dOut to the first input holding the
 *       maximum. {@code inputs} are the forward inputs (unchanged). For Add, callers may simply reuse
 *       dOut for every input instead of calling this.</li>
 * </ul>
 */
public final class ElementWise {
    /** DL4J's {@code ElementWiseVertex.Op} names. */
    public enum Op { Add, Subtract, Product, Average, Max }

    private ElementWise() {}

    /** {@code out = op(inputs)}; returns out. */
    public static NDArray forward(Op op, NDArray[] inputs, NDArray out) {
        check(op, inputs, out);
        if (out != inputs[0]) out.assign(inputs[0]);
        for (int k = 1; k < inputs.length; k++) {
            switch (op) {
                case Add, Average -> Chunked.zip(out, inputs[k], out, ElementWise::add);
                case Subtract -> Chunked.zip(out, inputs[k], out, ElementWise::sub);
                case Product -> Chunked.zip(out, inputs[k], out, ElementWise::mul);
                case Max -> Chunked.zip(out, inputs[k], out, ElementWise::max);
            }
        }
        if (op == Op.Average) {
            float inv = 1f / inputs.length;
            Chunked.map(out, out, (x, y, n) -> scale(x, y, n, inv));
        }
        return out;
    }

    /** {@code element-wise sum} of the inputs into out: {@code forward(Op.Add, ...)}. */
    public static NDArray add(NDArray[] inputs, NDArray out) {
        return forward(Op.Add, inputs, out);
    }

    /** Writes {@code dInputs[k] = dL/dx_k} (each x's shape; only Add may pass dOut itself as a gradient array). */
    public static void backward(Op op, NDArray[] inputs, NDArray dOut, NDArray[] dInputs) {
        check(op, inputs, dOut);
        if (dInputs.length != inputs.length) {
            throw new IllegalArgumentException(inputs.length + " inputs but " + dInputs.length + " gradient arrays");
        }
        for (NDArray d : dInputs) {
            Chunked.sameShapeContiguous("input gradient", d, "dOut", dOut);
            if (d == dOut && op != Op.Add) {
                throw new IllegalArgumentException(op + " backward needs gradient arrays distinct from dOut (only Add may reuse it)");
            }
        }
        int n = inputs.length;
        switch (op) {
            case Add -> { for (NDArray d : dInputs) if (d != dOut) d.assign(dOut); }
            case Average -> {
                float inv = 1f / n;
                for (NDArray d : dInputs) Chunked.map(dOut, d, (x, y, len) -> scale(x, y, len, inv));
            }
            case Subtract -> {
                if (dInputs[0] != dOut) dInputs[0].assign(dOut);
                Chunked.map(dOut, dInputs[1], (x, y, len) -> scale(x, y, len, -1f));
            }
            case Product -> {
                for (int k = 0; k < n; k++) {
                    dInputs[k].assign(dOut);
                    for (int j = 0; j < n; j++) if (j != k) Chunked.zip(dInputs[k], inputs[j], dInputs[k], ElementWise::mul);
                }
            }
            case Max -> maxBackward(inputs, dOut, dInputs);
        }
    }

    private static void maxBackward(NDArray[] inputs, NDArray dOut, NDArray[] dInputs) {
        int len = dOut.length();
        float[][] x = new float[inputs.length][];
        for (int k = 0; k < inputs.length; k++) x[k] = inputs[k].toFloatArray();
        float[] g = dOut.toFloatArray();
        float[][] d = new float[inputs.length][len];
        for (int i = 0; i < len; i++) {
            int arg = 0;
            for (int k = 1; k < inputs.length; k++) if (x[k][i] > x[arg][i]) arg = k;
            d[arg][i] = g[i];
        }
        for (int k = 0; k < inputs.length; k++) dInputs[k].buffer().put(dInputs[k].offset(), d[k], 0, len);
    }

    private static void check(Op op, NDArray[] inputs, NDArray out) {
        if (inputs == null || inputs.length == 0) throw new IllegalArgumentException("element-wise " + op + " needs at least one input");
        if (op == Op.Subtract && inputs.length != 2) {
            throw new IllegalArgumentException("element-wise Subtract needs exactly 2 inputs, got " + inputs.length);
        }
        for (int k = 0; k < inputs.length; k++) {
            if (!Arrays.equals(inputs[k].shape(), out.shape())) {
                throw new IllegalArgumentException("element-wise " + op + ": input " + k + " has shape "
                        + Arrays.toString(inputs[k].shape()) + ", expected " + Arrays.toString(out.shape()));
            }
            Chunked.requireContiguous("input " + k, inputs[k]);
        }
        Chunked.requireContiguous("output", out);
        for (int k = 1; k < inputs.length; k++) {
            if (inputs[k] == out) {
                throw new IllegalArgumentException("element-wise " + op + ": out may alias input 0 only, not input " + k);
            }
        }
    }

    private static void add(float[] a, float[] b, float[] y, int n) { for (int j = 0; j < n; j++) y[j] = a[j] + b[j]; }
    private static void sub(float[] a, float[] b, float[] y, int n) { for (int j = 0; j < n; j++) y[j] = a[j] - b[j]; }
    private static void mul(float[] a, float[] b, float[] y, int n) { for (int j = 0; j < n; j++) y[j] = a[j] * b[j]; }
    private static void max(float[] a, float[] b, float[] y, int n) { for (int j = 0; j < n; j++) y[j] = Math.max(a[j], b[j]); }
    private static void scale(float[] x, float[] y, int n, float s) { for (int j = 0; j < n; j++) y[j] = x[j] * s; }
}
