package org.dl4jbridge.nn.graph;

import java.util.ArrayList;
import java.util.List;

/**
 * Records (iteration, score) every {@code frequency} iterations (DL4J: CollectScoresIterationListener),
 * for training curves; the iteration is the 0-based index of the update just done.
 */
public class CollectScoresIterationListener implements TrainingListener {
    private final int frequency;
    private final List<double[]> scores = new ArrayList<>();

    public CollectScoresIterationListener() { this(1); }

    public CollectScoresIterationListener(int frequency) {
        if (frequency < 1) throw new IllegalArgumentException("frequency must be >= 1, got " + frequency);
        this.frequency = frequency;
    }

    @Override
    public synchronized void iterationDone(Object model, int iteration, int epoch, double score) {
        int done = iteration - 1;
        if (done % frequency == 0) scores.add(new double[] {done, score});
    }

    /** Iterations recorded, in order. */
    public synchronized int[] getIterations() { return scores.stream().mapToInt(s -> (int) s[0]).toArray(); }

    /** Scores recorded, in order. */
    public synchronized double[] getScores() { return scores.stream().mapToDouble(s -> s[1]).toArray(); }
}
