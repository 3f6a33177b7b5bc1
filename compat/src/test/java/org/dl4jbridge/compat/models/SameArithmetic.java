package org.dl4jbridge.compat.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import org.bytedeco.javacpp.Loader;
import org.dl4jbridge.ndarray.Backends;
import org.dl4jbridge.ndarray.ops.Rounding;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The engine on DL4J's own arithmetic: rounding mode {@code dl4j} and DL4J's own OpenBLAS library. The
 * surefire execution {@code dl4j-rounding} (compat/pom.xml) runs its test classes in a JVM of their own
 * with {@code dl4jbridge.rounding=dl4j}; each calls {@link #use()} before the engine computes anything,
 * since the engine picks its rounding and its BLAS library once per JVM. There the tests hold the engine
 * to DL4J's bits; in the default execution the same classes check the engine as users run it.
 */
final class SameArithmetic {
    private SameArithmetic() {}

    private static File library;

    /** Whether this JVM runs the dl4j-rounding execution. */
    static boolean active() {
        return "dl4j".equals(System.getProperty("dl4jbridge.rounding"));
    }

    /**
     * Points the engine at DL4J's OpenBLAS and checks it took it and rounding mode dl4j; idempotent.
     * Only where {@link #active()}.
     */
    static synchronized void use() throws IOException {
        if (library != null) return;
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
        File nolapack = new File(linked.getParentFile(), "libopenblas_nolapack.so.0");
        assertTrue(nolapack.isFile(), "JavaCPP did not unpack " + nolapack);
        assertEquals(-1L, Files.mismatch(linked.toPath(), nolapack.toPath()), nolapack + " must hold the same bytes as " + linked);
        System.setProperty("dl4jbridge.blas", nolapack.getPath());
        String backend = Backends.get().description();
        assertTrue(backend.contains(nolapack.getPath()), "the engine must run on DL4J's OpenBLAS (" + nolapack + "); it runs on: "
                + backend + " (was the engine used before SameArithmetic.use()?)");
        assertEquals(Rounding.DL4J, Rounding.current());
        System.out.println("compat: engine on " + backend + ", rounding " + Rounding.current());
        library = nolapack;
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
