package org.dl4jbridge.ndarray.ops;

import static org.junit.jupiter.api.Assertions.assertThrows;

import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.testutil.GradientCheck;
import org.junit.jupiter.api.Test;

class BatchNormTest {
    private static final Ref REF = Ref.load("ops_batchnorm.npz");
    private static final String[] CASES = {"bn2", "bn4", "bn4b1"};

    @Test
    void inferenceMatchesTorch() {
        for (String c : CASES) {
            NDArray x = REF.nd(c + "_x");
            NDArray out = BatchNorm.inference(x, REF.nd(c + "_gamma"), REF.nd(c + "_beta"), REF.nd(c + "_rmean"),
                    REF.nd(c + "_rvar"), REF.scalar(c + "_eps"), NDArray.zeros(x.shape()));
            REF.assertClose(c + "_inf", out);
            REF.assertClose(c + "_inf", BatchNorm.inference(x, REF.nd(c + "_gamma"), REF.nd(c + "_beta"),
                    REF.nd(c + "_rmean"), REF.nd(c + "_rvar"), REF.scalar(c + "_eps"), x)); // in place
        }
    }

    @Test
    void trainingForwardStatsAndRunningUpdateMatchDl4jConvention() {
        for (String c : CASES) {
            NDArray x = REF.nd(c + "_x");
            NDArray out = NDArray.zeros(x.shape());
            BatchNorm.Stats s = BatchNorm.training(x, REF.nd(c + "_gamma"), REF.nd(c + "_beta"), REF.scalar(c + "_eps"), out);
            REF.assertClose(c + "_train", out);
            REF.assertClose(c + "_bmean", NDArray.of(s.mean(), s.mean().length));
            REF.assertClose(c + "_bvar", NDArray.of(s.var(), s.var().length));
            NDArray rm = REF.nd(c + "_rmean"), rv = REF.nd(c + "_rvar");
            BatchNorm.updateRunningStats(s, rm, rv, REF.scalar(c + "_decay"));
            REF.assertClose(c + "_newmean", rm);
            REF.assertClose(c + "_newvar", rv);
        }
    }

    @Test
    void backwardMatchesTorchAutograd() {
        for (String c : CASES) {
            NDArray x = REF.nd(c + "_x"), gamma = REF.nd(c + "_gamma");
            BatchNorm.Stats s = BatchNorm.training(x, gamma, REF.nd(c + "_beta"), REF.scalar(c + "_eps"), NDArray.zeros(x.shape()));
            NDArray dGamma = NDArray.zeros(gamma.length()), dBeta = NDArray.zeros(gamma.length());
            NDArray dx = NDArray.zeros(x.shape());
            BatchNorm.backward(x, REF.nd(c + "_g"), gamma, s, dx, dGamma, dBeta);
            REF.assertClose(c + "_dx", dx);
            REF.assertClose(c + "_dgamma", dGamma);
            REF.assertClose(c + "_dbeta", dBeta);
            NDArray g = REF.nd(c + "_g");
            BatchNorm.backward(x, g, gamma, s, g, null, null); // dx written over dy
            REF.assertClose(c + "_dx", g);
        }
    }

    @Test
    void backwardPassesFiniteDifferenceCheck() {
        for (String c : new String[] {"bn2", "bn4b1"}) {
            NDArray x = REF.nd(c + "_x"), gamma = REF.nd(c + "_gamma"), beta = REF.nd(c + "_beta");
            double eps = REF.scalar(c + "_eps");
            float[] r = REF.nd(c + "_g").toFloatArray();
            NDArray out = NDArray.zeros(x.shape());
            BatchNorm.Stats s = BatchNorm.training(x, gamma, beta, eps, out);
            NDArray dx = NDArray.zeros(x.shape()), dGamma = NDArray.zeros(gamma.length()), dBeta = NDArray.zeros(gamma.length());
            BatchNorm.backward(x, NDArray.of(r, x.shape()), gamma, s, dx, dGamma, dBeta);
            GradientCheck.check(x, dx, v -> GradientCheck.weightedSum(tr(v, gamma, beta, eps, out), r), GradientCheck.Tolerance.FLOAT32);
            GradientCheck.check(gamma, dGamma, v -> GradientCheck.weightedSum(tr(x, v, beta, eps, out), r), GradientCheck.Tolerance.FLOAT32);
            GradientCheck.check(beta, dBeta, v -> GradientCheck.weightedSum(tr(x, gamma, v, eps, out), r), GradientCheck.Tolerance.FLOAT32);
        }
    }

    private static NDArray tr(NDArray x, NDArray gamma, NDArray beta, double eps, NDArray out) {
        BatchNorm.training(x, gamma, beta, eps, out);
        return out;
    }

    @Test
    void largeInputTakesParallelPathWithTorchResults() {
        // bn4 tiled along the batch: same per-channel statistics, enough elements for the parallel path
        NDArray small = REF.nd("bn4_x");
        int reps = Chunked.PARALLEL_MIN / small.length() + 1;
        NDArray big = NDArray.zeros(3 * reps, 4, 5, 7);
        for (int k = 0; k < reps; k++) big.flatSlice(k * small.length(), small.length()).assign(small.reshape(small.length()));
        NDArray out = NDArray.zeros(big.shape());
        BatchNorm.training(big, REF.nd("bn4_gamma"), REF.nd("bn4_beta"), REF.scalar("bn4_eps"), out);
        REF.assertClose("bn4_train", out.flatSlice(0, small.length()).reshape(small.shape()));
        REF.assertClose("bn4_train", out.flatSlice((reps - 1) * small.length(), small.length()).reshape(small.shape()));
    }

    @Test
    void rejectsWrongParameterSizesAndDecay() {
        NDArray x = NDArray.zeros(2, 3, 4, 4);
        assertThrows(IllegalArgumentException.class,
                () -> BatchNorm.training(x, NDArray.zeros(4), NDArray.zeros(3), 1e-5, NDArray.zeros(x.shape())));
        assertThrows(IllegalArgumentException.class,
                () -> BatchNorm.training(NDArray.zeros(2, 3, 4), NDArray.zeros(3), NDArray.zeros(3), 1e-5, NDArray.zeros(2, 3, 4)));
        BatchNorm.Stats s = BatchNorm.training(x, NDArray.zeros(3), NDArray.zeros(3), 1e-5, NDArray.zeros(x.shape()));
        assertThrows(IllegalArgumentException.class, () -> BatchNorm.updateRunningStats(s, NDArray.zeros(3), NDArray.zeros(3), 1.5));
    }
}
