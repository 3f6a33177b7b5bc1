package org.dl4jbridge.nn.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.dl4jbridge.datasets.DataSet;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.nn.layers.TrainingArrays;
import org.junit.jupiter.api.Test;

/**
 * A training step takes its activations and gradients from the graph's step pool, whose arrays hold
 * the previous step's values: every kernel that writes into one must overwrite all of it, and steps of
 * one shape must allocate nothing new.
 */
class TrainingArraysTest {
    @Test
    void poolHandsBackArraysAndForgetsThemWhenTheShapesChange() {
        TrainingArrays t = new TrainingArrays();
        assertThrows(IllegalStateException.class, () -> t.take(2, 3), "no step open");
        t.begin();
        assertThrows(IllegalStateException.class, t::begin);
        NDArray a = t.take(4, 5);
        t.take(7);
        t.end();
        long after = t.allocatedFloats();
        assertEquals(27, after);
        t.begin();
        NDArray again = t.take(4, 5);
        assertTrue(again.buffer() == a.buffer(), "the same shape gets the step before's buffer");
        t.take(7);
        t.end();
        assertEquals(after, t.allocatedFloats(), "a step of the same shapes allocates nothing");
        t.begin();
        t.take(3, 5);   // another minibatch size
        t.end();
        t.begin();
        assertTrue(t.take(4, 5).buffer() != a.buffer(), "the pool was emptied when the shapes changed");
        t.end();
    }


    /** The gradient of a step on reused arrays equals a fresh graph's first step's (fresh, zeroed arrays). */
    private static void assertSameGradient(ComputationGraph g, DataSet ds, ComputationGraph fresh) {
        g.computeGradientAndScore(ds);
        fresh.computeGradientAndScore(ds);
        float[] got = g.gradient().toFloatArray(), want = fresh.gradient().toFloatArray();
        double norm = 0;
        for (float v : want) norm += Math.abs(v);
        assertTrue(norm > 0, "the step has gradients");
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-5f * Math.max(1f, Math.abs(want[i])), "gradient element " + i);
        }
        assertEquals(fresh.score(), g.score(), 1e-6 * Math.abs(fresh.score()));
    }

    @Test
    void stepsOnReusedArraysComputeWhatFreshArraysDoAndAllocateNothing() {
        ComputationGraph g = TestGraphs.efficientNetFineTune();
        DataSet first = TestGraphs.fineTuneBatch(4, 1), second = TestGraphs.fineTuneBatch(4, 2), small = TestGraphs.fineTuneBatch(3, 3);
        // computeGradientAndScore leaves the parameters alone, so g and its clones stay identical.
        ComputationGraph fresh = g.clone(), freshSmall = g.clone();
        g.computeGradientAndScore(first);   // fills the pool with this batch's values
        long allocated = g.stepArrays().allocatedFloats();
        assertTrue(allocated > 0, "the step took its arrays from the pool");
        assertSameGradient(g, second, fresh);
        assertEquals(allocated, g.stepArrays().allocatedFloats(), "a second step of the same shapes allocates nothing");
        assertSameGradient(g, small, freshSmall);   // another minibatch size: new arrays, the same numbers
    }
}
