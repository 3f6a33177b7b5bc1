package org.dl4jbridge.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ThreadNiceTest {
    /** The nice value of the calling thread, field 19 of /proc/thread-self/stat (after the command name). */
    private static int niceOfThisThread() throws Exception {
        String stat = Files.readString(Path.of("/proc/thread-self/stat"));
        return Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[16]);
    }

    @Test
    void lowersOnlyTheCallingThreadOnLinux() throws Exception {
        assumeTrue(Files.exists(Path.of("/proc/thread-self/stat")), "needs Linux's /proc/thread-self");
        int before = niceOfThisThread();
        assumeTrue(before <= 10, "the JVM already runs above nice 10");
        AtomicReference<Object> seen = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                boolean set = ThreadNice.lower();
                seen.set(set ? niceOfThisThread() : "not set");
            } catch (Exception e) {
                seen.set(e);
            }
        });
        t.start();
        t.join();
        assertEquals(10, seen.get());
        assertEquals(before, niceOfThisThread(), "the calling thread of the test must keep its priority");
    }
}
