package org.dl4jbridge.nn.conf.regularization;

import java.nio.FloatBuffer;

/** L1: score {@code l1*sum|theta|}, gradient {@code += l1*sign(theta)} before the updater. */
public final class L1Regularization implements Regularization {
    private final double l1;

    public L1Regularization(double l1) {
        if (!(l1 >= 0)) throw new IllegalArgumentException("l1 must be >= 0, got " + l1);
        this.l1 = l1;
    }

    @Override public ApplyStep applyStep() { return ApplyStep.BEFORE_UPDATER; }
    @Override public double coefficient() { return l1; }
    @Override public double score(FloatBuffer t, int off, int len) {
        double s = 0;
        for (int i = 0; i < len; i++) s += Math.abs(t.get(off + i));
        return l1 * s;
    }
    @Override public void apply(FloatBuffer t, int to, FloatBuffer g, int go, int len, double lr) {
        float c = (float) l1;
        for (int i = 0; i < len; i++) g.put(go + i, g.get(go + i) + c * Math.signum(t.get(to + i)));
    }
    @Override public boolean equals(Object o) { return o instanceof L1Regularization r && r.l1 == l1; }
    @Override public int hashCode() { return Double.hashCode(l1) * 31 + 1; }
    @Override public String toString() { return "L1Regularization(" + l1 + ")"; }
}
