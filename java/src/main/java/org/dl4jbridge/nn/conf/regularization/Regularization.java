package org.dl4jbridge.nn.conf.regularization;

import java.nio.FloatBuffer;

/**
 * A regularization term on a parameter (DL4J: org.nd4j.linalg.learning.regularization.Regularization).
 * Before the updater, {@link #applyBeforeUpdater} adds to the (already averaged) gradient; WeightDecay
 * instead adds to the update after the updater.
 */
public interface Regularization {
    enum ApplyStep { BEFORE_UPDATER, POST_UPDATER }

    ApplyStep applyStep();

    /** The coefficient (FixedSchedule value). */
    double coefficient();

    /** This term's contribution to the score for parameter values {@code theta}. */
    double score(FloatBuffer theta, int off, int len);

    /** Adds to {@code target} (gradient before, update after the updater) for parameters {@code theta}. */
    void apply(FloatBuffer theta, int thetaOff, FloatBuffer target, int targetOff, int len, double learningRate);
}
