package org.dl4jbridge.nn.graph;

/** Called during training (DL4J: TrainingListener, reduced to what the engine reports). */
public interface TrainingListener {
    /** After each parameter update; {@code score} is the score computed before it. */
    void iterationDone(Object model, int iteration, int epoch, double score);

    default void onEpochEnd(Object model, int epoch) {}
}
