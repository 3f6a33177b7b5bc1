package org.dl4jbridge.ndarray;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
import java.util.ArrayList;
import java.util.List;

/**
 * Parallel-for over the engine's worker threads (default: all cores; the Python side sets
 * {@code dl4jbridge.threads}). Used for the non-GEMM work; GEMM threads belong to the BLAS.
 */
public final class Parallel {
    private static final int THREADS = Integer.getInteger("dl4jbridge.threads",
            Runtime.getRuntime().availableProcessors());
    private static final ForkJoinPool POOL = new ForkJoinPool(Math.max(1, THREADS));

    private Parallel() {}

    public static int threads() { return THREADS; }

    /**
     * Runs {@code body} for every index in [0, n), each thread taking the next unclaimed index
     * when it finishes one. For many similar work items when a core may be busy with other work:
     * the fixed split of {@link #range} then waits for the slowest half, this does not.
     */
    public static void dynamic(int n, java.util.function.IntConsumer body) {
        dynamicWithSetup(n, () -> body);
    }

    /**
     * {@link #dynamic} where each thread first prepares its own state once (scratch buffers,
     * zeroed padding): {@code setup} runs once per participating thread and returns the body
     * that thread applies to every index it claims.
     */
    public static void dynamicWithSetup(int n, java.util.function.Supplier<java.util.function.IntConsumer> setup) {
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        range(Math.min(THREADS, n), (lo, hi) -> {
            java.util.function.IntConsumer body = setup.get();
            for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) body.accept(i);
        });
    }

    /** A body over the half-open index range [lo, hi). */
    @FunctionalInterface
    public interface RangeBody { void run(int lo, int hi); }

    /** Splits [0, n) into one contiguous chunk per thread and runs them; rethrows failures. */
    public static void range(int n, RangeBody body) {
        int chunks = Math.min(THREADS, n);
        if (chunks <= 1 || java.util.concurrent.ForkJoinTask.getPool() == POOL) {
            body.run(0, n);
            return;
        }
        List<Future<?>> futures = new ArrayList<>(chunks);
        for (int t = 0; t < chunks; t++) {
            int lo = (int) ((long) n * t / chunks), hi = (int) ((long) n * (t + 1) / chunks);
            futures.add(POOL.submit(() -> body.run(lo, hi)));
        }
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (java.util.concurrent.ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof RuntimeException re) throw re;
                if (cause instanceof Error err) throw err;
                throw new RuntimeException(cause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RuntimeException("interrupted while waiting for worker threads", e);
            }
        }
    }
}
