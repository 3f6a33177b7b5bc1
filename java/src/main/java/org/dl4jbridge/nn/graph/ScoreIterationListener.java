package org.dl4jbridge.nn.graph;

/** Prints "Score at iteration {i} is {score}" every {@code printIterations} iterations (DL4J: ScoreIterationListener). */
public class ScoreIterationListener implements TrainingListener {
    private final int printIterations;

    public ScoreIterationListener() { this(10); }

    public ScoreIterationListener(int printIterations) {
        if (printIterations < 1) throw new IllegalArgumentException("printIterations must be >= 1, got " + printIterations);
        this.printIterations = printIterations;
    }

    @Override
    public void iterationDone(Object model, int iteration, int epoch, double score) {
        // iteration here counts completed updates; DL4J reports the 0-based index of the one just done
        int done = iteration - 1;
        if (done % printIterations == 0) System.out.println("Score at iteration " + done + " is " + score);
    }
}
