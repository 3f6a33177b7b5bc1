package org.dl4jbridge.spark;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Models restored on this JVM (an executor, or the driver in local mode), kept across tasks: an
 * executor restores a broadcast model once, not once per partition. A network is not safe for two
 * threads at once, so each concurrent task borrows its own copy; an executor with one core holds one.
 */
final class ExecutorModels {
    private static final Map<String, ConcurrentLinkedQueue<Object>> POOLS = new ConcurrentHashMap<>();
    private static final AtomicLong RESTORES = new AtomicLong();

    private ExecutorModels() {}

    @SuppressWarnings("unchecked")
    static <T> T borrow(String key, Supplier<T> restore) {
        Object m = POOLS.computeIfAbsent(key, k -> new ConcurrentLinkedQueue<>()).poll();
        if (m != null) return (T) m;
        RESTORES.incrementAndGet();
        return restore.get();
    }

    static void giveBack(String key, Object model) {
        POOLS.computeIfAbsent(key, k -> new ConcurrentLinkedQueue<>()).offer(model);
    }

    /** Drops the copies of jobs that are over (the trainer's per-run keys), so their memory goes. */
    static void forget(String keyPrefix) {
        POOLS.keySet().removeIf(k -> k.startsWith(keyPrefix));
    }

    /** How many models this JVM has restored so far (for logs and tests). */
    static long restores() { return RESTORES.get(); }
}
