package org.dl4jbridge.nn.updater;

import java.nio.FloatBuffer;

/** No update at all (frozen layers, BatchNorm running statistics). No state. */
public final class NoOp extends IUpdater {
    @Override public long stateSize(long n) { return 0; }
    @Override public double getLearningRate(int iteration, int epoch) { return Double.NaN; }
    @Override public void applyUpdater(FloatBuffer g, int gOff, int n, FloatBuffer s, int sOff, int it, int ep) {
        for (int i = gOff; i < gOff + n; i++) g.put(i, 0f);
    }
    @Override public NoOp clone() { return (NoOp) super.clone(); }
    @Override public boolean equals(Object o) { return o instanceof NoOp; }
    @Override public int hashCode() { return 17; }
    @Override public String toString() { return "NoOp()"; }
}
