package org.dl4jbridge.bridge;

import java.util.concurrent.CancellationException;

/**
 * Lets a caller stop a long engine loop between minibatches. The Python side interrupts the
 * engine's thread when one of its callbacks fails (Ctrl-C during a progress update, for example);
 * the loops check here and end with a {@link CancellationException} instead of running on.
 */
public final class Interrupts {
    private Interrupts() {}

    /** Throws if the current thread was interrupted (the flag stays set for the caller to see). */
    public static void check(String what) {
        if (Thread.currentThread().isInterrupted()) {
            throw new CancellationException(what + " was interrupted");
        }
    }
}
