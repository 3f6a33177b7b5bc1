package org.dl4jbridge.nn.updater;

import java.nio.FloatBuffer;

/**
 * No updater rule: the gradient is the update, unchanged (DL4J 1.0.0-M2.1's NoOp, measured in compat/:
 * a trainable layer configured with NoOp moves by its averaged gradient, as with Sgd at rate 1). No
 * state. Frozen layers and batch-norm running statistics also carry NoOp, but the network's updater
 * leaves those parameters alone (their segments are fixed).
 */
public final class NoOp extends IUpdater {
    @Override public long stateSize(long n) { return 0; }
    @Override public double getLearningRate(int iteration, int epoch) { return Double.NaN; }
    @Override public void applyUpdater(FloatBuffer g, int gOff, int n, FloatBuffer s, int sOff, int it, int ep) {
        // The update is the gradient itself.
    }
    @Override public NoOp clone() { return (NoOp) super.clone(); }
    @Override public boolean equals(Object o) { return o instanceof NoOp; }
    @Override public int hashCode() { return 17; }
    @Override public String toString() { return "NoOp()"; }
}
