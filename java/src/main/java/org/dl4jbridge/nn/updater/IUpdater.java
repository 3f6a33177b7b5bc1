package org.dl4jbridge.nn.updater;

import java.nio.FloatBuffer;

/**
 * An updater configuration and its rule (DL4J: org.nd4j.linalg.learning.config.IUpdater plus the
 * matching GradientUpdater). The rule turns an (averaged, regularized) gradient into the update
 * {@code u} that the network then subtracts: {@code theta -= u} (DL4J_SPEC 6.1, 6.2).
 *
 * <p>Equality matters: consecutive parameters whose updaters are {@code equals} share one state
 * block (DL4J_SPEC 2.8).
 */
public abstract class IUpdater implements Cloneable {
    public static final String CONFIG_PACKAGE = "org.nd4j.linalg.learning.config.";

    /** When set, the learning rate comes from it (the fixed value is then NaN, as DL4J stores it). */
    protected org.dl4jbridge.nn.updater.schedule.ISchedule learningRateSchedule;

    public org.dl4jbridge.nn.updater.schedule.ISchedule getLearningRateSchedule() { return learningRateSchedule; }

    /** The scheduled learning rate, or {@code fixed} when there is no schedule. */
    protected double scheduled(double fixed, int iteration, int epoch) {
        return learningRateSchedule == null ? fixed : learningRateSchedule.valueAt(iteration, epoch);
    }

    protected boolean sameSchedule(IUpdater o) { return java.util.Objects.equals(learningRateSchedule, o.learningRateSchedule); }

    /** Number of state values for {@code numParams} parameters. */
    public abstract long stateSize(long numParams);

    /**
     * The value every state entry starts at before the first update: 0 for most rules; RmsProp's
     * running mean of squared gradients starts at its epsilon, as in DL4J (checked against DL4J
     * 1.0.0-M2.1 in compat/'s EngineToDl4jTest and SameTrainingTest).
     */
    public float initialStateValue() { return 0f; }

    /** Learning rate at this iteration/epoch (NaN for updaters without one). */
    public abstract double getLearningRate(int iteration, int epoch);

    /**
     * Replaces {@code grad[gOff, gOff+n)} by the update, advancing the state in
     * {@code state[sOff, sOff+stateSize(n))} ({@code blockLength} = the whole block's parameter count,
     * for rules like Adam whose state is [m(block), v(block)]).
     */
    public abstract void applyUpdater(FloatBuffer grad, int gOff, int n, FloatBuffer state, int sOff,
                                      int iteration, int epoch);

    /** JSON {@code @class} (DL4J's fully qualified name). */
    public String jsonClassName() { return CONFIG_PACKAGE + getClass().getSimpleName(); }

    @Override public IUpdater clone() {
        try {
            return (IUpdater) super.clone();
        } catch (CloneNotSupportedException e) {
            throw new AssertionError(e);
        }
    }

    static void requireRate(String what, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(what + " must be a finite number >= 0, got " + v);
        }
    }
}
