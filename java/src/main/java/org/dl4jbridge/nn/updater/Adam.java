package org.dl4jbridge.nn.updater;

import java.nio.FloatBuffer;

/**
 * Adam (DL4J_SPEC 6.2): state = [m for the whole block, then v for the whole block];
 * {@code alpha_t = lr*sqrt(1-beta2^(t+1))/(1-beta1^(t+1))}, {@code u = alpha_t*m/(sqrt(v)+eps)}, t = iteration.
 */
public final class Adam extends IUpdater {
    public static final double DEFAULT_ADAM_LEARNING_RATE = 1e-3;
    public static final double DEFAULT_ADAM_BETA1_MEAN_DECAY = 0.9;
    public static final double DEFAULT_ADAM_BETA2_VAR_DECAY = 0.999;
    public static final double DEFAULT_ADAM_EPSILON = 1e-8;
    private double learningRate, beta1, beta2, epsilon;

    public Adam() { this(DEFAULT_ADAM_LEARNING_RATE); }

    public Adam(double learningRate) {
        this(learningRate, DEFAULT_ADAM_BETA1_MEAN_DECAY, DEFAULT_ADAM_BETA2_VAR_DECAY, DEFAULT_ADAM_EPSILON);
    }

    public Adam(double learningRate, double beta1, double beta2, double epsilon) {
        requireRate("Adam learningRate", learningRate);
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("Adam beta1/beta2 must lie in [0, 1), got " + beta1 + ", " + beta2);
        }
        requireRate("Adam epsilon", epsilon);
        this.learningRate = learningRate;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
    }

    public Adam(org.dl4jbridge.nn.updater.schedule.ISchedule schedule) {
        this(DEFAULT_ADAM_LEARNING_RATE);
        this.learningRate = Double.NaN;
        this.learningRateSchedule = java.util.Objects.requireNonNull(schedule, "schedule");
    }

    public double getLearningRate() { return learningRate; }
    public double getBeta1() { return beta1; }
    public double getBeta2() { return beta2; }
    public double getEpsilon() { return epsilon; }
    @Override public long stateSize(long n) { return 2 * n; }
    @Override public double getLearningRate(int iteration, int epoch) { return scheduled(learningRate, iteration, epoch); }

    /**
     * The bias-corrected step size of iteration {@code it}: lr·√(1−β2ᵗ)/(1−β1ᵗ), t = it + 1, rounded as
     * DL4J's kernel rounds it: powers of the float betas, lr·√(1−β2ᵗ) in float, the division by 1−β1ᵗ in
     * double (measured bit for bit against DL4J for t = 1..200; with the division in float, 28 of those 200
     * step sizes differed by an ulp, once β1ᵗ < 1/2 makes 1 − β1ᵗ inexact in float). In double from the
     * double betas instead, 1 − β2ᵗ differs by 1.3e-5 relative at t = 1 (0.999f is not 0.999). The CUDA
     * backend's adam_update kernel takes this value.
     */
    public float stepSize(int it, int ep) {
        float b1 = (float) beta1, b2 = (float) beta2;
        float b1t = (float) Math.pow(b1, it + 1), b2t = (float) Math.pow(b2, it + 1);
        float numerator = (float) getLearningRate(it, ep) * (float) Math.sqrt(1f - b2t);
        return (float) (numerator / (1.0 - b1t));
    }

    /** {@code sOff} points at this block's m; v follows after {@code n} values. */
    @Override public void applyUpdater(FloatBuffer g, int gOff, int n, FloatBuffer s, int sOff, int it, int ep) {
        float b1 = (float) beta1, b2 = (float) beta2, eps = (float) epsilon;
        float a = stepSize(it, ep);
        for (int i = 0; i < n; i++) {
            float gi = g.get(gOff + i);
            float m = b1 * s.get(sOff + i) + (1 - b1) * gi;
            float v = b2 * s.get(sOff + n + i) + gi * gi * (1 - b2); // DL4J's order: g² first
            s.put(sOff + i, m);
            s.put(sOff + n + i, v);
            g.put(gOff + i, a * m / ((float) Math.sqrt(v) + eps));
        }
    }

    @Override public Adam clone() { return (Adam) super.clone(); }
    @Override public boolean equals(Object o) {
        return o instanceof Adam x && Double.compare(x.learningRate, learningRate) == 0 && sameSchedule(x) && x.beta1 == beta1 && x.beta2 == beta2 && x.epsilon == epsilon;
    }
    @Override public int hashCode() { return java.util.Objects.hash(learningRate, beta1, beta2, epsilon); }
    @Override public String toString() { return "Adam(learningRate=" + learningRate + ")"; }
}
