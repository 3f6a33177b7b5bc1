package org.dl4jbridge.ndarray.ops;

import static org.junit.jupiter.api.Assertions.assertThrows;

import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.testutil.GradientCheck;
import org.junit.jupiter.api.Test;

class ElementWiseTest {
    private static final Ref REF = Ref.load("ops_elementwise.npz");

    private static NDArray[] inputs(ElementWise.Op op) {
        return op == ElementWise.Op.Subtract
                ? new NDArray[] {REF.nd("x0"), REF.nd("x1")}
                : new NDArray[] {REF.nd("x0"), REF.nd("x1"), REF.nd("x2")};
    }

    @Test
    void forwardAndBackwardMatchTorch() {
        for (ElementWise.Op op : ElementWise.Op.values()) {
            NDArray[] xs = inputs(op);
            REF.assertClose(op + "_out", ElementWise.forward(op, xs, NDArray.zeros(xs[0].shape())));
            NDArray[] ds = new NDArray[xs.length];
            for (int k = 0; k < ds.length; k++) ds[k] = NDArray.zeros(xs[0].shape());
            ElementWise.backward(op, xs, REF.nd("g"), ds);
            for (int k = 0; k < ds.length; k++) REF.assertClose(op + "_d" + k, ds[k]);
            NDArray[] again = inputs(op);
            REF.assertClose(op + "_out", ElementWise.forward(op, again, again[0])); // into the first input
        }
    }

    @Test
    void backwardPassesFiniteDifferenceCheck() {
        float[] r = REF.nd("g").toFloatArray();
        for (ElementWise.Op op : ElementWise.Op.values()) {
            NDArray[] xs = inputs(op);
            NDArray[] ds = new NDArray[xs.length];
            for (int k = 0; k < ds.length; k++) ds[k] = NDArray.zeros(xs[0].shape());
            ElementWise.backward(op, xs, NDArray.of(r, xs[0].shape()), ds);
            NDArray out = NDArray.zeros(xs[0].shape());
            for (int k = 0; k < xs.length; k++) {
                GradientCheck.check(xs[k], ds[k], v -> GradientCheck.weightedSum(ElementWise.forward(op, xs, out), r),
                        GradientCheck.Tolerance.FLOAT32);
            }
        }
    }

    @Test
    void rejectsBadInputs() {
        NDArray a = NDArray.zeros(2, 3);
        assertThrows(IllegalArgumentException.class, () -> ElementWise.add(new NDArray[] {a, NDArray.zeros(3, 2)}, NDArray.zeros(2, 3)));
        assertThrows(IllegalArgumentException.class,
                () -> ElementWise.forward(ElementWise.Op.Subtract, new NDArray[] {a, a, a}, NDArray.zeros(2, 3)));
        NDArray b = NDArray.zeros(2, 3);
        assertThrows(IllegalArgumentException.class, () -> ElementWise.add(new NDArray[] {a, b}, b));
    }
}
