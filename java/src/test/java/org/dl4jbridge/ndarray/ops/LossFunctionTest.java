package org.dl4jbridge.ndarray.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.testutil.GradientCheck;
import org.junit.jupiter.api.Test;

class LossFunctionTest {
    private static final Ref REF = Ref.load("ops_loss.npz");

    private record Case(String name, LossFunction loss, Activation act) {}

    private static final Case[] CASES = {
        new Case("xent_softmax", LossFunction.MCXENT, Activation.SOFTMAX),
        new Case("nll_softmax_b1", LossFunction.NEGATIVELOGLIKELIHOOD, Activation.SOFTMAX),
        new Case("nll_softmax_clip", LossFunction.NEGATIVELOGLIKELIHOOD, Activation.SOFTMAX),
        new Case("xent_sigmoid", LossFunction.MCXENT, Activation.SIGMOID),
        new Case("mse_identity", LossFunction.MSE, Activation.IDENTITY),
        new Case("mse_tanh_b1", LossFunction.MSE, Activation.TANH),
        new Case("mse_softmax", LossFunction.MSE, Activation.SOFTMAX),
    };

    @Test
    void scoreMatchesTorch() {
        for (Case c : CASES) {
            NDArray a = c.act.forward(REF.nd(c.name + "_z"));
            double score = c.loss.score(a, REF.nd(c.name + "_y"), c.act);
            double ref = REF.scalar(c.name + "_score");
            assertEquals(ref, score, Ref.TOL * Math.max(1, Math.abs(ref)), c.name);
        }
    }

    @Test
    void clipBoundsTheScoreOfAVanishingProbability() {
        // row 0 of nll_softmax_clip has p(label) ≈ e^-60; clipped to 1e-10 it contributes −log(1e-10) ≈ 23.03
        NDArray a = Activation.SOFTMAX.forward(REF.nd("nll_softmax_clip_z"));
        double[] per = LossFunction.NEGATIVELOGLIKELIHOOD.scoreArray(a, REF.nd("nll_softmax_clip_y"), Activation.SOFTMAX, 1e-10);
        assertEquals(-Math.log(1e-10), per[0], 1e-4);
    }

    @Test
    void gradientMatchesTorchAutograd() {
        for (Case c : CASES) {
            NDArray a = c.act.forward(REF.nd(c.name + "_z"));
            NDArray dz = c.loss.gradient(a, REF.nd(c.name + "_y"), c.act, NDArray.zeros(a.shape()));
            REF.assertClose(c.name + "_dz", dz);
        }
    }

    @Test
    void gradientPassesFiniteDifferenceCheckOfSummedLoss() {
        for (Case c : CASES) {
            if (c.name.equals("nll_softmax_clip")) continue; // the clip makes the score flat there, by design
            NDArray z = REF.nd(c.name + "_z"), y = REF.nd(c.name + "_y");
            int mb = z.size(0);
            NDArray dz = c.loss.gradient(c.act.forward(z), y, c.act, NDArray.zeros(z.shape()));
            NDArray scratch = NDArray.zeros(z.shape());
            GradientCheck.check(z, dz, x -> mb * c.loss.score(c.act.forward(x, scratch), y, c.act),
                    GradientCheck.Tolerance.FLOAT32);
        }
    }

    @Test
    void rejectsMismatchedLabelsAndAliasedGradient() {
        NDArray a = NDArray.zeros(2, 3);
        assertThrows(IllegalArgumentException.class, () -> LossFunction.MSE.score(a, NDArray.zeros(2, 4), Activation.IDENTITY));
        assertThrows(IllegalArgumentException.class, () -> LossFunction.MSE.gradient(a, NDArray.zeros(2, 3), Activation.IDENTITY, a));
    }
}
