package org.dl4jbridge.nn.updater;

import java.nio.FloatBuffer;

/**
 * Nesterov momentum exactly as DL4J (DL4J_SPEC 6.2), state {@code v} per parameter:
 * {@code v = mu*vPrev - lr*g; u = mu*vPrev - (1+mu)*v} (then {@code theta -= u}).
 *
 * <p>DL4J's constructor trap is kept on purpose: {@code new Nesterovs(x)} sets the MOMENTUM and leaves
 * the learning rate at 0.1 (DL4J_SPEC 3.8); use {@code new Nesterovs(lr, momentum)} to set both.
 */
public final class Nesterovs extends IUpdater {
    public static final double DEFAULT_NESTEROV_LEARNING_RATE = 0.1;
    public static final double DEFAULT_NESTEROV_MOMENTUM = 0.9;
    private double learningRate;
    private double momentum;

    public Nesterovs() { this(DEFAULT_NESTEROV_LEARNING_RATE, DEFAULT_NESTEROV_MOMENTUM); }

    /** DL4J semantics: the single argument is the MOMENTUM (learning rate stays 0.1). */
    public Nesterovs(double momentum) { this(DEFAULT_NESTEROV_LEARNING_RATE, momentum); }

    public Nesterovs(double learningRate, double momentum) {
        requireRate("Nesterovs learningRate", learningRate);
        requireRate("Nesterovs momentum", momentum);
        this.learningRate = learningRate;
        this.momentum = momentum;
    }

    /** Learning rate from a schedule (DL4J: new Nesterovs(ISchedule, momentum)). */
    public Nesterovs(org.dl4jbridge.nn.updater.schedule.ISchedule schedule, double momentum) {
        this(DEFAULT_NESTEROV_LEARNING_RATE, momentum);
        this.learningRate = Double.NaN;
        this.learningRateSchedule = java.util.Objects.requireNonNull(schedule, "schedule");
    }

    public double getLearningRate() { return learningRate; }
    public double getMomentum() { return momentum; }
    public void setLearningRate(double lr) { requireRate("Nesterovs learningRate", lr); this.learningRate = lr; }
    public void setMomentum(double m) { requireRate("Nesterovs momentum", m); this.momentum = m; }
    @Override public long stateSize(long n) { return n; }
    @Override public double getLearningRate(int iteration, int epoch) { return scheduled(learningRate, iteration, epoch); }

    @Override public void applyUpdater(FloatBuffer g, int gOff, int n, FloatBuffer v, int sOff, int it, int ep) {
        float lr = (float) getLearningRate(it, ep), mu = (float) momentum;
        for (int i = 0; i < n; i++) {
            float vPrev = v.get(sOff + i);
            float vNew = mu * vPrev - lr * g.get(gOff + i);
            v.put(sOff + i, vNew);
            g.put(gOff + i, mu * vPrev - (1 + mu) * vNew);
        }
    }

    @Override public Nesterovs clone() { return (Nesterovs) super.clone(); }
    @Override public boolean equals(Object o) {
        return o instanceof Nesterovs x && Double.compare(x.learningRate, learningRate) == 0 && x.momentum == momentum && sameSchedule(x);
    }
    @Override public int hashCode() { return Double.hashCode(learningRate) * 31 + Double.hashCode(momentum); }
    @Override public String toString() { return "Nesterovs(learningRate=" + learningRate + ", momentum=" + momentum + ")"; }
}
