package org.dl4jbridge.nn.layers;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.ndarray.Workspace;

/**
 * The off-heap arrays of one training step's activations and gradients, handed out again step after
 * step. A fine-tuning step of EfficientNet-Lite0 (batch 16) creates about 45 such arrays, 120 MB, most
 * of them 3.6 MB: each new direct buffer is zeroed and page-faulted on one thread, and stays garbage
 * until a collection frees it. Here the step's arrays go back to a pool when the step ends, so steps
 * of one shape allocate nothing after the first.
 *
 * <p>The graph opens a step ({@link #begin}), hands this object to its layers and vertices, and ends
 * the step ({@link #end}) after the backward pass, when nothing reads those arrays any more: an array
 * taken here must not outlive its step. Contents of a taken array are undefined: a caller takes one only
 * where its kernel overwrites every element. When a step takes other array sizes than the step before
 * (a different minibatch or input size), the pool is emptied after it, so buffers of a shape no
 * longer used are left to the garbage collector instead of held. Not thread-safe: one per network.
 */
public final class TrainingArrays {
    private final Workspace pool = new Workspace();
    private final List<NDArray> taken = new ArrayList<>();
    private int[] lastLengths;
    private boolean open;

    /** Starts a step: arrays taken from now on are handed back by {@link #end}. */
    public void begin() {
        if (open) throw new IllegalStateException("a training step is already open; end() it first");
        open = true;
    }

    /** A c-order array of {@code shape} for the open step; its contents are undefined. */
    public NDArray take(int... shape) {
        if (!open) throw new IllegalStateException("no training step is open: call begin() first");
        NDArray a = pool.take(shape);
        taken.add(a);
        return a;
    }

    /**
     * An array for an output or gradient that a kernel overwrites completely: from the pool of {@code step} when a
     * training step is open (contents undefined), else (null: no step) a new zeroed array. Layers and graph
     * vertices both get their arrays here.
     */
    public static NDArray takeOrNew(TrainingArrays step, int... shape) {
        return step == null ? NDArray.zeros(shape) : step.take(shape);
    }

    /** Ends the step: every array taken since {@link #begin} goes back to the pool (and must not be read again). */
    public void end() {
        if (!open) return;
        open = false;
        int[] lengths = new int[taken.size()];
        for (int i = 0; i < lengths.length; i++) lengths[i] = taken.get(i).length();
        for (NDArray a : taken) pool.give(a);
        taken.clear();
        Arrays.sort(lengths);
        if (lastLengths != null && !Arrays.equals(lengths, lastLengths)) pool.clear();
        lastLengths = lengths;
    }

    /** Forgets every pooled buffer (the garbage collector frees them). */
    public void clear() {
        if (open) throw new IllegalStateException("cannot clear the pool while a training step is open");
        pool.clear();
        lastLengths = null;
    }

    /** Floats allocated so far (never decreases): unchanged over a step means the step allocated nothing. */
    public long allocatedFloats() { return pool.allocatedFloats(); }
}
