package org.dl4jbridge.ndarray;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** GEMM of every backend against a float64 triple loop, for all transpose combinations. */
class BackendTest {
    private static double[] reference(boolean ta, boolean tb, int m, int n, int k, float[] a, float[] b, float[] c,
                                      float alpha, float beta) {
        double[] out = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    double av = ta ? a[p * m + i] : a[i * k + p];
                    double bv = tb ? b[j * k + p] : b[p * n + j];
                    s += av * bv;
                }
                out[i * n + j] = alpha * s + beta * c[i * n + j];
            }
        }
        return out;
    }

    private static void check(Backend backend) {
        Random r = new Random(7);
        int m = 37, n = 29, k = 53;
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                float[] a = new float[m * k], b = new float[k * n], c = new float[m * n];
                for (int i = 0; i < a.length; i++) a[i] = (float) r.nextGaussian();
                for (int i = 0; i < b.length; i++) b[i] = (float) r.nextGaussian();
                for (int i = 0; i < c.length; i++) c[i] = (float) r.nextGaussian();
                NDArray A = NDArray.of(a, a.length), B = NDArray.of(b, b.length), C = NDArray.of(c, c.length);
                backend.sgemm(ta, tb, m, n, k, 0.5f, A.buffer(), 0, ta ? m : k, B.buffer(), 0, tb ? k : n,
                        2f, C.buffer(), 0, n);
                double[] want = reference(ta, tb, m, n, k, a, b, c, 0.5f, 2f);
                for (int i = 0; i < want.length; i++) {
                    assertEquals(want[i], C.get(i), 1e-4 * Math.max(1, Math.abs(want[i])),
                            backend.name() + " ta=" + ta + " tb=" + tb + " at " + i);
                }
            }
        }
    }

    @Test
    void javaFallbackMatchesReference() {
        check(new JavaBackend("test"));
    }

    @Test
    void selectedBackendMatchesReference() {
        check(Backends.get());
    }
}
