package org.dl4jbridge.bridge;

import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Lets a caller stop a long engine loop between minibatches. The loops (fit, evaluate, featurize,
 * the image decoders, weight conversion) call {@link #check} once per minibatch or step and end
 * with a {@link CancellationException} when the work they do for a thread was cancelled.
 *
 * <p>Cancellation is per calling thread: {@link #cancel(Thread)} marks the thread that called into
 * the engine, and helper threads working for it (decoders) look at that thread with
 * {@link #isCancelled(Thread)}. Python marks its main thread when Ctrl-C arrives while that thread
 * waits inside an engine call, and when a Python callback fails; it clears the mark before its next
 * call. A mark, not {@link Thread#interrupt()}: an interrupt would also break the blocking waits inside
 * one minibatch (the worker pool's joins, file channels), half-way through, with other exceptions.
 * A Java caller's own interrupt is honoured too.
 */
public final class Interrupts {
    private static final Set<Thread> CANCELLED = ConcurrentHashMap.newKeySet();

    private Interrupts() {}

    /** Asks the engine work running for {@code thread} to stop at its next check. */
    public static void cancel(Thread thread) {
        CANCELLED.add(thread);
    }

    /** Takes back {@link #cancel(Thread)}, so that the thread's next engine call runs normally. */
    public static void clear(Thread thread) {
        CANCELLED.remove(thread);
    }

    /** Whether work for {@code thread} should stop: it was cancelled here, or interrupted. */
    public static boolean isCancelled(Thread thread) {
        return (!CANCELLED.isEmpty() && CANCELLED.contains(thread)) || thread.isInterrupted();
    }

    /** Throws when the current thread's work was cancelled (the mark stays for the caller to see). */
    public static void check(String what) {
        check(Thread.currentThread(), what);
    }

    /** As {@link #check(String)} for work done on behalf of {@code owner}. */
    public static void check(Thread owner, String what) {
        if (isCancelled(owner)) {
            throw new CancellationException(what + " was interrupted");
        }
    }
}
