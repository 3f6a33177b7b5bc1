package org.dl4jbridge.nn.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.dl4jbridge.datasets.DataSet;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.nn.layers.AbstractLayer;
import org.junit.jupiter.api.Test;

/**
 * A training step zeroes only the trainable layers' gradient segments once the whole vector has been
 * zeroed: every gradient must still be complete (whatever a trainable segment held before the step
 * is gone) and the frozen layers' segments must stay zero.
 */
class GradientZeroingTest {
    @Test
    void trainableSegmentsAreRecomputedAndFrozenOnesStayZero() {
        ComputationGraph g = TestGraphs.efficientNetFineTune();
        DataSet first = TestGraphs.fineTuneBatch(2, 1), second = TestGraphs.fineTuneBatch(2, 2);
        ComputationGraph reference = g.clone();

        g.fit(first);   // zeroes the whole vector (first use); later steps zero the trainable segments only
        int garbage = 0;
        for (AbstractLayer l : g.getLayers()) {
            if (l.isFrozen()) continue;
            for (NDArray a : l.gradientTable().values()) {
                a.assign(1e3f);   // what a step must not leave behind
                garbage += a.length();
            }
        }
        assertTrue(garbage > 0, "the graph has trainable gradients");
        g.computeGradientAndScore(second);

        reference.fit(first);
        reference.gradient();   // hands the vector out: the next step zeroes all of it
        reference.computeGradientAndScore(second);

        float[] got = g.gradient().toFloatArray(), want = reference.gradient().toFloatArray();
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-5f * Math.max(1f, Math.abs(want[i])), "gradient element " + i);
        }
        int start = 0;
        for (AbstractLayer l : g.getLayers()) {
            int n = (int) l.numParams();
            if (l.isFrozen()) for (int i = start; i < start + n; i++) assertEquals(0f, got[i], "frozen layer " + l.name() + " element " + i);
            start += n;
        }
    }
}
