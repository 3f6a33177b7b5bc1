package org.dl4jbridge.ndarray.ops;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;

/**
 * The multiply-add loops of {@link DepthwiseForward}: {@code acc[i] += } one kernel row's taps
 * over zero-offset arrays with constant shifts only (the form C2 vectorises). Kernel widths 3 and 5
 * at column stride 1 ({@code s}) and 2 (even and odd column phases {@code ev}, {@code od}).
 *
 * <p>Where the JIT compiles {@link Math#fma} to the FMA instruction (HotSpot's UseFMA, on by
 * default on CPUs that have it) the loops use it, in two independent chains so the vector loop is
 * not held up by one long dependency: 35-50% faster than multiply-then-add here. Elsewhere
 * Math.fma is a slow software routine, so the plain forms run instead.
 */
final class DepthwiseTaps {
    /** Whether the fused forms run; tests clear it to run the plain forms too. */
    static volatile boolean fused = fmaIntrinsic();

    private DepthwiseTaps() {}

    private static boolean fmaIntrinsic() {
        try {
            HotSpotDiagnosticMXBean hotspot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            return hotspot != null && Boolean.parseBoolean(hotspot.getVMOption("UseFMA").getValue());
        } catch (RuntimeException | LinkageError e) {
            return false; // not HotSpot, or no such flag: assume no intrinsic
        }
    }

    static void axpy(float[] acc, float[] s, int n, float a) {
        if (fused) {
            for (int i = 0; i < n; i++) acc[i] = Math.fma(a, s[i], acc[i]);
        } else {
            for (int i = 0; i < n; i++) acc[i] += a * s[i];
        }
    }

    static void taps3(float[] acc, float[] s, int n, float a, float b, float c) {
        if (fused) taps3Fma(acc, s, n, a, b, c);
        else taps3Plain(acc, s, n, a, b, c);
    }

    static void taps5(float[] acc, float[] s, int n, float a, float b, float c, float d, float e) {
        if (fused) taps5Fma(acc, s, n, a, b, c, d, e);
        else taps5Plain(acc, s, n, a, b, c, d, e);
    }

    static void taps3s2(float[] acc, float[] ev, float[] od, int n, float a, float b, float c) {
        if (fused) taps3s2Fma(acc, ev, od, n, a, b, c);
        else taps3s2Plain(acc, ev, od, n, a, b, c);
    }

    static void taps5s2(float[] acc, float[] ev, float[] od, int n, float a, float b, float c, float d, float e) {
        if (fused) taps5s2Fma(acc, ev, od, n, a, b, c, d, e);
        else taps5s2Plain(acc, ev, od, n, a, b, c, d, e);
    }

    private static void taps3Fma(float[] acc, float[] s, int n, float a, float b, float c) {
        for (int i = 0; i < n; i++) acc[i] = Math.fma(a, s[i], Math.fma(c, s[i + 2], acc[i])) + b * s[i + 1];
    }

    private static void taps5Fma(float[] acc, float[] s, int n, float a, float b, float c, float d, float e) {
        for (int i = 0; i < n; i++) {
            float x = Math.fma(a, s[i], Math.fma(c, s[i + 2], Math.fma(e, s[i + 4], acc[i])));
            acc[i] = x + Math.fma(b, s[i + 1], d * s[i + 3]);
        }
    }

    private static void taps3s2Fma(float[] acc, float[] ev, float[] od, int n, float a, float b, float c) {
        for (int i = 0; i < n; i++) acc[i] = Math.fma(a, ev[i], Math.fma(c, ev[i + 1], acc[i])) + b * od[i];
    }

    private static void taps5s2Fma(float[] acc, float[] ev, float[] od, int n, float a, float b, float c, float d,
                                   float e) {
        for (int i = 0; i < n; i++) {
            float x = Math.fma(a, ev[i], Math.fma(c, ev[i + 1], Math.fma(e, ev[i + 2], acc[i])));
            acc[i] = x + Math.fma(b, od[i], d * od[i + 1]);
        }
    }

    private static void taps3Plain(float[] acc, float[] s, int n, float a, float b, float c) {
        for (int i = 0; i < n; i++) acc[i] += a * s[i] + b * s[i + 1] + c * s[i + 2];
    }

    private static void taps5Plain(float[] acc, float[] s, int n, float a, float b, float c, float d, float e) {
        for (int i = 0; i < n; i++) acc[i] += a * s[i] + b * s[i + 1] + c * s[i + 2] + d * s[i + 3] + e * s[i + 4];
    }

    private static void taps3s2Plain(float[] acc, float[] ev, float[] od, int n, float a, float b, float c) {
        for (int i = 0; i < n; i++) acc[i] += a * ev[i] + b * od[i] + c * ev[i + 1];
    }

    private static void taps5s2Plain(float[] acc, float[] ev, float[] od, int n, float a, float b, float c, float d,
                                     float e) {
        for (int i = 0; i < n; i++) acc[i] += a * ev[i] + b * od[i] + c * ev[i + 1] + d * od[i + 1] + e * ev[i + 2];
    }
}
