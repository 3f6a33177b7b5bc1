package org.dl4jbridge.bridge;

/**
 * Called by long engine loops (featurizing a data set, ...) after each unit of work, so that the
 * Python side can draw a progress bar with rate and ETA. Python implements it with a pyjnius
 * PythonJavaClass; calls arrive on the thread that runs the loop.
 */
@FunctionalInterface
public interface ProgressListener {
    /** {@code done} units of {@code total} (-1 when unknown) are finished; {@code note} may be empty. */
    void progress(int done, int total, String note);
}
