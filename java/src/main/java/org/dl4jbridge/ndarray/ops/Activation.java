package org.dl4jbridge.ndarray.ops;

import org.dl4jbridge.ndarray.NDArray;

/**
 * DL4J's activation functions (names as in {@code org.nd4j.linalg.activations.Activation}), forward
 * and backward, on contiguous c-order arrays.
 *
 * <ul>
 *   <li>{@code forward(z, a)}: {@code a = f(z)}, same shape; {@code a == z} (in place) is allowed.</li>
 *   <li>{@code backward(a, dLda, dLdz)}: {@code dLdz = f'(z) ⊙ dLda} computed from the activation's
 *       <b>output</b> {@code a} (every function here has its derivative expressible through its
 *       output, so layers can run the activation in place and keep only {@code a}); any of the
 *       three arrays may be the same array. SOFTMAX applies the full Jacobian-vector product
 *       {@code dLdz = a ⊙ (dLda − Σ_j a_j dLda_j)} row by row.</li>
 *   <li>{@code backwardFromInput(z, dLda, dLdz)}: the same when only the input {@code z} is kept.</li>
 * </ul>
 * SOFTMAX works row-wise on rank-2 {@code [mb, n]} arrays; the others on any shape. LEAKYRELU's slope
 * for negative inputs is {@code alpha} ({@link #DEFAULT_LEAKYRELU_ALPHA} = 0.01, DL4J's default) and
 * must be ≥ 0 (the backward reads the sign of z from the sign of a). At the kinks the derivative is
 * taken as 0 for RELU at z = 0 and RELU6 at z = 0 and z = 6, and alpha for LEAKYRELU at z = 0.
 */
public enum Activation {
    IDENTITY, RELU, RELU6, LEAKYRELU, TANH, SIGMOID, SOFTMAX;

    /** ActivationLReLU's default alpha. */
    public static final double DEFAULT_LEAKYRELU_ALPHA = 0.01;

    /** {@code a = f(z)} (LEAKYRELU with alpha 0.01); returns a. */
    public NDArray forward(NDArray z, NDArray a) {
        return forward(z, a, DEFAULT_LEAKYRELU_ALPHA);
    }

    /** {@code a = f(z)}; {@code alpha} is used by LEAKYRELU only; returns a. */
    public NDArray forward(NDArray z, NDArray a, double alpha) {
        float al = checkAlpha(alpha);
        switch (this) {
            case IDENTITY -> {
                Chunked.sameShapeContiguous("z", z, "a", a);
                if (z != a) a.assign(z);
            }
            case RELU -> Chunked.map(z, a, Activation::relu);
            case RELU6 -> Chunked.map(z, a, Activation::relu6);
            case LEAKYRELU -> Chunked.map(z, a, (x, y, n) -> leakyRelu(x, y, n, al));
            case TANH -> Chunked.map(z, a, Rounding.current() == Rounding.DL4J ? Rounding::dl4jTanh : Activation::tanh);
            case SIGMOID -> Chunked.map(z, a, Activation::sigmoid);
            case SOFTMAX -> Softmax.forward(z, a);
        }
        return a;
    }

    /** A new array holding {@code f(z)}. */
    public NDArray forward(NDArray z) {
        return forward(z, NDArray.zeros(z.shape()));
    }

    /** {@code dLdz = f'(z) ⊙ dLda} from the output {@code a = f(z)}; returns dLdz. */
    public NDArray backward(NDArray a, NDArray dLda, NDArray dLdz) {
        return backward(a, dLda, dLdz, DEFAULT_LEAKYRELU_ALPHA);
    }

    /** As {@link #backward(NDArray, NDArray, NDArray)} with LEAKYRELU's alpha. */
    public NDArray backward(NDArray a, NDArray dLda, NDArray dLdz, double alpha) {
        float al = checkAlpha(alpha);
        switch (this) {
            case IDENTITY -> {
                Chunked.sameShapeContiguous("dLda", dLda, "dLdz", dLdz);
                Chunked.sameShapeContiguous("a", a, "dLdz", dLdz);
                if (dLda != dLdz) dLdz.assign(dLda);
            }
            case RELU -> Chunked.zip(a, dLda, dLdz, Activation::reluBack);
            case RELU6 -> Chunked.zip(a, dLda, dLdz, Activation::relu6Back);
            case LEAKYRELU -> Chunked.zip(a, dLda, dLdz, (x, g, y, n) -> leakyReluBack(x, g, y, n, al));
            case TANH -> Chunked.zip(a, dLda, dLdz, Activation::tanhBack);
            case SIGMOID -> Chunked.zip(a, dLda, dLdz, Activation::sigmoidBack);
            case SOFTMAX -> Softmax.backward(a, dLda, dLdz);
        }
        return dLdz;
    }

    /** {@code dLdz = f'(z) ⊙ dLda} from the input z (recomputes f(z) into dLdz first); returns dLdz. */
    public NDArray backwardFromInput(NDArray z, NDArray dLda, NDArray dLdz, double alpha) {
        if (dLda == dLdz && this != IDENTITY) {
            throw new IllegalArgumentException("backwardFromInput needs dLdz distinct from dLda (dLdz holds f(z) first)");
        }
        forward(z, dLdz, alpha);
        return backward(dLdz, dLda, dLdz, alpha);
    }

    /** As {@link #backwardFromInput(NDArray, NDArray, NDArray, double)} with alpha 0.01. */
    public NDArray backwardFromInput(NDArray z, NDArray dLda, NDArray dLdz) {
        return backwardFromInput(z, dLda, dLdz, DEFAULT_LEAKYRELU_ALPHA);
    }

    private float checkAlpha(double alpha) {
        if (this == LEAKYRELU && !(alpha >= 0)) {
            throw new IllegalArgumentException("LEAKYRELU alpha must be >= 0, got " + alpha
                    + "; DL4J's default is " + DEFAULT_LEAKYRELU_ALPHA);
        }
        return (float) alpha;
    }

    // ---- kernels: small loops over distinct arrays so C2 vectorises them ----------------------

    private static void relu(float[] x, float[] y, int n) {
        for (int i = 0; i < n; i++) y[i] = Math.max(x[i], 0f);
    }

    private static void relu6(float[] x, float[] y, int n) {
        for (int i = 0; i < n; i++) y[i] = Math.min(Math.max(x[i], 0f), 6f);
    }

    private static void leakyRelu(float[] x, float[] y, int n, float alpha) {
        for (int i = 0; i < n; i++) y[i] = x[i] > 0f ? x[i] : alpha * x[i];
    }

    private static void tanh(float[] x, float[] y, int n) {
        for (int i = 0; i < n; i++) y[i] = (float) Math.tanh(x[i]);
    }

    private static void sigmoid(float[] x, float[] y, int n) {
        for (int i = 0; i < n; i++) y[i] = (float) (1.0 / (1.0 + Math.exp(-x[i])));
    }

    // The backward masks use Math.signum instead of a ternary select: C2 vectorises signum but not
    // a float compare-and-select, a 5x difference measured on Java 25. a ≥ 0 for RELU/RELU6 outputs,
    // so signum(a) is exactly the 0/1 step.

    private static void reluBack(float[] a, float[] g, float[] y, int n) {
        for (int i = 0; i < n; i++) y[i] = g[i] * Math.signum(a[i]);
    }

    private static void relu6Back(float[] a, float[] g, float[] y, int n) {
        for (int i = 0; i < n; i++) y[i] = g[i] * (Math.signum(a[i]) * Math.signum(6f - a[i]));
    }

    /** max(signum(a), alpha) is 1 for a > 0 and alpha otherwise, given 0 ≤ alpha ≤ 1. */
    private static void leakyReluBack(float[] a, float[] g, float[] y, int n, float alpha) {
        if (alpha > 1f) {
            for (int i = 0; i < n; i++) y[i] = a[i] > 0f ? g[i] : alpha * g[i];
            return;
        }
        for (int i = 0; i < n; i++) y[i] = g[i] * Math.max(Math.signum(a[i]), alpha);
    }

    private static void tanhBack(float[] a, float[] g, float[] y, int n) {
        for (int i = 0; i < n; i++) y[i] = g[i] * (1f - a[i] * a[i]);
    }

    private static void sigmoidBack(float[] a, float[] g, float[] y, int n) {
        for (int i = 0; i < n; i++) y[i] = g[i] * a[i] * (1f - a[i]);
    }
}
