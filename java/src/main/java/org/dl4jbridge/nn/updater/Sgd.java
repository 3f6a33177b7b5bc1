package org.dl4jbridge.nn.updater;

import java.nio.FloatBuffer;

/** Plain SGD: {@code u = lr*g}, no state. DL4J default learning rate 1e-3. */
public final class Sgd extends IUpdater {
    public static final double DEFAULT_SGD_LR = 1e-3;
    private double learningRate;

    public Sgd() { this(DEFAULT_SGD_LR); }

    public Sgd(double learningRate) {
        requireRate("Sgd learningRate", learningRate);
        this.learningRate = learningRate;
    }

    public Sgd(org.dl4jbridge.nn.updater.schedule.ISchedule schedule) {
        this.learningRate = Double.NaN;
        this.learningRateSchedule = java.util.Objects.requireNonNull(schedule, "schedule");
    }

    public double getLearningRate() { return learningRate; }
    public void setLearningRate(double lr) { requireRate("Sgd learningRate", lr); this.learningRate = lr; }
    @Override public long stateSize(long n) { return 0; }
    @Override public double getLearningRate(int iteration, int epoch) { return scheduled(learningRate, iteration, epoch); }
    @Override public void applyUpdater(FloatBuffer g, int gOff, int n, FloatBuffer s, int sOff, int it, int ep) {
        float lr = (float) getLearningRate(it, ep);
        for (int i = gOff; i < gOff + n; i++) g.put(i, lr * g.get(i));
    }
    @Override public Sgd clone() { return (Sgd) super.clone(); }
    @Override public boolean equals(Object o) { return o instanceof Sgd s && Double.compare(s.learningRate, learningRate) == 0 && sameSchedule(s); }
    @Override public int hashCode() { return Double.hashCode(learningRate) + 11; }
    @Override public String toString() { return "Sgd(learningRate=" + learningRate + ")"; }
}
