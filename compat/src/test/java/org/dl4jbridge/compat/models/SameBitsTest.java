package org.dl4jbridge.compat.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.Loader;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dl4jbridge.ndarray.Backends;
import org.dl4jbridge.ndarray.ops.Rounding;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * The same training to the last bit. With the engine in rounding mode {@code dl4j} and on DL4J's own
 * OpenBLAS library (the file nd4j-native loads), {@link SameTrainingTest}'s 30 runs (five updaters, three
 * losses, l2 on and off, ten fit steps from DL4J's initial parameters) leave the parameters and the
 * updater state bit-identical to DL4J's after every step, and every score within 1e-6 relative (the
 * engine sums its score in double, DL4J in float). So where the two libraries round alike, the engine's
 * training is DL4J's operation for operation: layers, losses, l2, updaters, the minibatch division.
 *
 * <p>Runs in a JVM of its own (the surefire execution {@code dl4j-rounding} in compat/pom.xml sets
 * {@code dl4jbridge.rounding=dl4j}): the engine picks its rounding and its BLAS library once per JVM.
 */
class SameBitsTest {
    static File dl4jOpenBlas;

    @BeforeAll
    static void useDl4jsOwnLibraries() throws java.io.IOException {
        // Only the dl4j-rounding execution runs this class (the default one excludes it, except under -Dtest).
        assumeTrue("dl4j".equals(System.getProperty("dl4jbridge.rounding")),
                "runs in the dl4j-rounding surefire execution, which sets dl4jbridge.rounding=dl4j");
        Nd4j.create(1); // nd4j-native loads (and JavaCPP unpacks) its OpenBLAS first
        // libnd4jcpu.so links libopenblas.so.0; JavaCPP's openblas_nolapack presets (ND4J's Java-side BLAS)
        // load the same bytes as libopenblas_nolapack.so.0 beside it. The engine joins that second instance.
        // (Joining libopenblas.so.0's instance, or loading a third copy, aborted the JVM: OpenBLAS 0.3.19 ran
        // out of its per-thread memory regions, "maximum of 128 threads".)
        String resource = "/org/bytedeco/openblas/" + Loader.getPlatform() + "/libopenblas.so.0";
        java.net.URL url = Loader.class.getResource(resource);
        assertTrue(url != null, "no " + resource + " on the class path (org.bytedeco:openblas:linux-x86_64)");
        File linked = Loader.cacheResource(url);
        Loader.load(org.bytedeco.openblas.global.openblas_nolapack.class);
        dl4jOpenBlas = new File(linked.getParentFile(), "libopenblas_nolapack.so.0");
        assertTrue(dl4jOpenBlas.isFile(), "JavaCPP did not unpack " + dl4jOpenBlas);
        assertEquals(-1L, java.nio.file.Files.mismatch(linked.toPath(), dl4jOpenBlas.toPath()),
                dl4jOpenBlas + " must hold the same bytes as " + linked);
        System.setProperty("dl4jbridge.blas", dl4jOpenBlas.getPath());
        String backend = Backends.get().description();
        assertTrue(backend.contains(dl4jOpenBlas.getPath()),
                "the engine must run on DL4J's OpenBLAS (" + dl4jOpenBlas + "); it runs on: " + backend);
        assertEquals(Rounding.DL4J, Rounding.current());
        System.out.println("SameBitsTest: engine on " + backend + ", rounding " + Rounding.current());
    }

    @Test
    void tenStepsBitIdenticalForEveryUpdaterLossAndL2() {
        List<String> failures = new ArrayList<>();
        double worstScore = 0;
        int steps = 0;
        for (SameTrainingTest.Case u : SameTrainingTest.updaters()) {
            for (LossFunction loss : SameTrainingTest.LOSSES) {
                for (double l2 : new double[] {0, SameTrainingTest.L2}) {
                    String what = u.dl4j().getClass().getSimpleName() + " / " + loss + " / l2=" + l2;
                    List<Both.Batch> batches = SameTrainingTest.batches(loss);
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
                        String params = differingBits(e.params().toFloatArray(), Both.floats(d.params()));
                        if (params != null) failures.add(what + ": step " + step + " parameters: " + params);
                        INDArray state = d.getUpdater().getStateViewArray();
                        if (state != null && state.length() > 0) {
                            String st = differingBits(e.getUpdater().getStateViewArray().toFloatArray(), Both.floats(state));
                            if (st != null) failures.add(what + ": step " + step + " updater state: " + st);
                        }
                        if (params != null) break; // later steps only repeat the divergence
                    }
                }
            }
        }
        System.out.printf("SameBitsTest: %d steps, parameters and updater state bit-identical at every one: %s; worst score"
                + " relative error %.3g%n", steps, failures.isEmpty(), worstScore);
        if (!failures.isEmpty()) fail(failures.size() + " disagreements:\n" + String.join("\n", failures));
    }

    /** Null when both hold the same floats bit for bit, else how many differ and the worst in ulps. */
    static String differingBits(float[] engine, float[] dl4j) {
        assertEquals(dl4j.length, engine.length, "lengths");
        int n = 0, worst = -1;
        long worstUlps = 0;
        for (int i = 0; i < dl4j.length; i++) {
            long ulps = Math.abs((long) Float.floatToRawIntBits(engine[i]) - Float.floatToRawIntBits(dl4j[i]));
            if (ulps == 0) continue;
            n++;
            if (ulps > worstUlps) { worstUlps = ulps; worst = i; }
        }
        if (n == 0) return null;
        return n + " of " + dl4j.length + " differ, worst at " + worst + ": engine " + engine[worst] + " DL4J " + dl4j[worst]
                + " (" + worstUlps + " ulp)";
    }
}
