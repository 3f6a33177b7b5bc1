package org.dl4jbridge.nn.updater;

import java.nio.FloatBuffer;

/**
 * RmsProp: state r per parameter, starting at eps; {@code r = decay*r + (1-decay)*g^2; u = lr*g/(sqrt(r)+eps)}
 * (DL4J 1.0.0-M2.1's rule and initial state, measured in compat/). Defaults lr 0.1, decay 0.95, eps 1e-8.
 */
public final class RmsProp extends IUpdater {
    public static final double DEFAULT_RMSPROP_LEARNING_RATE = 0.1;
    public static final double DEFAULT_RMSPROP_RMSDECAY = 0.95;
    public static final double DEFAULT_RMSPROP_EPSILON = 1e-8;
    private double learningRate, rmsDecay, epsilon;

    public RmsProp() { this(DEFAULT_RMSPROP_LEARNING_RATE); }
    public RmsProp(double learningRate) { this(learningRate, DEFAULT_RMSPROP_RMSDECAY, DEFAULT_RMSPROP_EPSILON); }

    public RmsProp(double learningRate, double rmsDecay, double epsilon) {
        requireRate("RmsProp learningRate", learningRate);
        if (!(rmsDecay >= 0 && rmsDecay <= 1)) throw new IllegalArgumentException("RmsProp rmsDecay must lie in [0, 1], got " + rmsDecay);
        requireRate("RmsProp epsilon", epsilon);
        this.learningRate = learningRate;
        this.rmsDecay = rmsDecay;
        this.epsilon = epsilon;
    }

    public RmsProp(org.dl4jbridge.nn.updater.schedule.ISchedule schedule) {
        this(DEFAULT_RMSPROP_LEARNING_RATE);
        this.learningRate = Double.NaN;
        this.learningRateSchedule = java.util.Objects.requireNonNull(schedule, "schedule");
    }

    public double getLearningRate() { return learningRate; }
    public double getRmsDecay() { return rmsDecay; }
    public double getEpsilon() { return epsilon; }
    @Override public long stateSize(long n) { return n; }
    @Override public float initialStateValue() { return (float) epsilon; }
    @Override public double getLearningRate(int iteration, int epoch) { return scheduled(learningRate, iteration, epoch); }
    @Override public void applyUpdater(FloatBuffer g, int gOff, int n, FloatBuffer s, int sOff, int it, int ep) {
        float d = (float) rmsDecay, lr = (float) getLearningRate(it, ep), eps = (float) epsilon;
        for (int i = 0; i < n; i++) {
            float gi = g.get(gOff + i);
            float r = d * s.get(sOff + i) + gi * gi * (1 - d); // DL4J's order: g² first
            s.put(sOff + i, r);
            g.put(gOff + i, lr * gi / ((float) Math.sqrt(r) + eps));
        }
    }
    @Override public RmsProp clone() { return (RmsProp) super.clone(); }
    @Override public boolean equals(Object o) {
        return o instanceof RmsProp x && Double.compare(x.learningRate, learningRate) == 0 && sameSchedule(x) && x.rmsDecay == rmsDecay && x.epsilon == epsilon;
    }
    @Override public int hashCode() { return java.util.Objects.hash(learningRate, rmsDecay, epsilon, "rms"); }
    @Override public String toString() { return "RmsProp(learningRate=" + learningRate + ", rmsDecay=" + rmsDecay + ")"; }
}
