package org.dl4jbridge.compat.models;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * The same training to the last bit. With the engine in rounding mode {@code dl4j} and on DL4J's own
 * OpenBLAS library (the file nd4j-native loads), {@link SameTrainingTest}'s 30 runs (five updaters, three
 * losses, l2 on and off, ten fit steps from DL4J's initial parameters), with minibatches of 4 as there and
 * again of 5, leave the parameters and the
 * updater state bit-identical to DL4J's after every step, and every score within 1e-6 relative (the
 * engine sums its score in double, DL4J in float). So where the two libraries round alike, the engine's
 * training is DL4J's operation for operation: layers, losses, l2, updaters, the minibatch division.
 *
 * <p>Runs in a JVM of its own (the surefire execution {@code dl4j-rounding} in compat/pom.xml sets
 * {@code dl4jbridge.rounding=dl4j}): the engine picks its rounding and its BLAS library once per JVM.
 */
class SameBitsTest {
    @BeforeAll
    static void useDl4jsOwnArithmetic() throws java.io.IOException {
        // Only the dl4j-rounding execution runs this class (the default one excludes it, except under -Dtest).
        assumeTrue(SameArithmetic.active(), "runs in the dl4j-rounding surefire execution, which sets dl4jbridge.rounding=dl4j");
        SameArithmetic.use();
    }

    @Test
    void tenStepsBitIdenticalForEveryUpdaterLossAndL2() {
        List<String> failures = new ArrayList<>();
        double worstScore = 0;
        int steps = 0;
        // Minibatches of 4 (SameTrainingTest's) and of 5, where dividing the gradient by 5 and multiplying it by
        // 0.2f round differently.
        for (int mb : new int[] {4, 5}) {
            for (SameTrainingTest.Case u : SameTrainingTest.updaters()) {
                for (LossFunction loss : SameTrainingTest.LOSSES) {
                    for (double l2 : new double[] {0, SameTrainingTest.L2}) {
                        String what = u.dl4j().getClass().getSimpleName() + " / " + loss + " / l2=" + l2 + " / minibatch " + mb;
                        List<Both.Batch> batches = SameTrainingTest.batches(loss, mb);
                        MultiLayerNetwork d = SameTrainingTest.dl4j(u.dl4j(), loss, l2);
                        var e = SameTrainingTest.engine(u.engine(), loss, l2);
                        e.setParams(Both.engine(d.params()));
                        for (int step = 0; step < SameTrainingTest.STEPS; step++) {
                            Both.Batch b = batches.get(step % batches.size());
                            d.fit(b.dl4j());
                            e.fit(b.engine());
                            steps++;
                            double rel = Math.abs(e.score() - d.score()) / Math.abs(d.score());
                            worstScore = Math.max(worstScore, rel);
                            if (!(rel <= SameTrainingTest.SCORE_TOL)) {
                                failures.add(what + ": step " + step + " score engine " + e.score() + " DL4J " + d.score() + " (relative " + rel + ")");
                            }
                            String params = SameArithmetic.differingBits(e.params().toFloatArray(), Both.floats(d.params()));
                            if (params != null) failures.add(what + ": step " + step + " parameters: " + params);
                            INDArray state = d.getUpdater().getStateViewArray();
                            if (state != null && state.length() > 0) {
                                String st = SameArithmetic.differingBits(e.getUpdater().getStateViewArray().toFloatArray(), Both.floats(state));
                                if (st != null) failures.add(what + ": step " + step + " updater state: " + st);
                            }
                            if (params != null) break; // later steps only repeat the divergence
                        }
                    }
                }
            }
        }
        System.out.printf("SameBitsTest: %d steps, parameters and updater state bit-identical at every one: %s; worst score"
                + " relative error %.3g%n", steps, failures.isEmpty(), worstScore);
        if (!failures.isEmpty()) fail(failures.size() + " disagreements:\n" + String.join("\n", failures));
    }
}
