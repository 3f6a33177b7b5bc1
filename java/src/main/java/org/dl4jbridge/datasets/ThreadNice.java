package org.dl4jbridge.datasets;

import com.sun.jna.Library;
import com.sun.jna.Native;

/**
 * Lowers the calling thread's CPU priority (nice 10) on Linux, where the nice value belongs to each
 * thread. Not 19: the consumer waits for a photo a background thread has started, and at nice 19
 * on a machine busy with other processes that thread gets almost no CPU (about 1.5 % of what each
 * normal thread gets); at 10 it gets about a tenth. Java's {@code Thread.setPriority} does nothing there without special JVM
 * flags. A priority is a scheduling hint, not a result: where it cannot be set (another OS, no
 * libc through JNA) decoding still happens, at normal priority, with the same output.
 */
final class ThreadNice {
    private static final int PRIO_PROCESS = 0;
    private static final int NICE = 10;

    interface LibC extends Library {
        int setpriority(int which, int who, int prio);
    }

    private static final LibC LIBC = load();

    private ThreadNice() {}

    private static LibC load() {
        if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) return null;
        try {
            return Native.load("c", LibC.class);
        } catch (RuntimeException | LinkageError e) {
            return null;
        }
    }

    /** Nice 10 for the calling thread (Linux: who = 0 is the calling thread); true when it was set. */
    static boolean lower() {
        return LIBC != null && LIBC.setpriority(PRIO_PROCESS, 0, NICE) == 0;
    }
}
