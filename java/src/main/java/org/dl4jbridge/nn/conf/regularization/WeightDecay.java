package org.dl4jbridge.nn.conf.regularization;

import java.nio.FloatBuffer;

/** Weight decay: after the updater, update {@code += coeff*theta} (times the learning rate if applyLR). Score as L2. */
public final class WeightDecay implements Regularization {
    private final double coeff;
    private final boolean applyLR;

    public WeightDecay(double coeff, boolean applyLR) {
        if (!(coeff >= 0)) throw new IllegalArgumentException("weight decay coefficient must be >= 0, got " + coeff);
        this.coeff = coeff;
        this.applyLR = applyLR;
    }

    public boolean isApplyLR() { return applyLR; }
    @Override public ApplyStep applyStep() { return ApplyStep.POST_UPDATER; }
    @Override public double coefficient() { return coeff; }
    @Override public double score(FloatBuffer t, int off, int len) {
        double s = 0;
        for (int i = 0; i < len; i++) s += (double) t.get(off + i) * t.get(off + i);
        return 0.5 * coeff * s;
    }
    @Override public void apply(FloatBuffer t, int to, FloatBuffer u, int uo, int len, double lr) {
        float c = (float) (applyLR ? coeff * lr : coeff);
        for (int i = 0; i < len; i++) u.put(uo + i, u.get(uo + i) + c * t.get(to + i));
    }
    @Override public boolean equals(Object o) { return o instanceof WeightDecay w && w.coeff == coeff && w.applyLR == applyLR; }
    @Override public int hashCode() { return Double.hashCode(coeff) * 31 + (applyLR ? 7 : 3); }
    @Override public String toString() { return "WeightDecay(" + coeff + ", applyLR=" + applyLR + ")"; }
}
