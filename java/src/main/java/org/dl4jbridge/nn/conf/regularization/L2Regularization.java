package org.dl4jbridge.nn.conf.regularization;

import java.nio.FloatBuffer;

/** L2: score {@code 0.5*l2*sum(theta^2)}, gradient {@code += l2*theta} before the updater. */
public final class L2Regularization implements Regularization {
    private final double l2;

    public L2Regularization(double l2) {
        if (!(l2 >= 0)) throw new IllegalArgumentException("l2 must be >= 0, got " + l2);
        this.l2 = l2;
    }

    @Override public ApplyStep applyStep() { return ApplyStep.BEFORE_UPDATER; }
    @Override public double coefficient() { return l2; }
    @Override public double score(FloatBuffer t, int off, int len) {
        double s = 0;
        for (int i = 0; i < len; i++) s += (double) t.get(off + i) * t.get(off + i);
        return 0.5 * l2 * s;
    }
    @Override public void apply(FloatBuffer t, int to, FloatBuffer g, int go, int len, double lr) {
        float c = (float) l2;
        for (int i = 0; i < len; i++) g.put(go + i, g.get(go + i) + c * t.get(to + i));
    }
    @Override public boolean equals(Object o) { return o instanceof L2Regularization r && r.l2 == l2; }
    @Override public int hashCode() { return Double.hashCode(l2) * 31 + 2; }
    @Override public String toString() { return "L2Regularization(" + l2 + ")"; }
}
