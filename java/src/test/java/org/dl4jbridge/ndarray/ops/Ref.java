package org.dl4jbridge.ndarray.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.util.Map;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.testutil.Npz;

/** Loads the PyTorch float64 references (tests/reference/make_ops_reference.py) and compares with them. */
final class Ref {
    /** Issue 3's acceptance bound: |engine − reference| / max(1, |reference|). */
    static final double TOL = 1e-5;

    private final Map<String, Npz.Array> arrays;
    private final String file;

    private Ref(String file) {
        this.file = file;
        URL url = Ref.class.getResource("/reference/" + file);
        if (url == null) throw new IllegalStateException("missing test resource reference/" + file);
        try {
            arrays = Npz.read(Path.of(url.toURI()));
        } catch (java.io.IOException | URISyntaxException e) {
            throw new IllegalStateException("cannot read reference/" + file, e);
        }
    }

    static Ref load(String file) { return new Ref(file); }

    Npz.Array raw(String name) {
        Npz.Array a = arrays.get(name);
        if (a == null) throw new IllegalArgumentException(file + " has no array " + name + "; regenerate the references");
        return a;
    }

    /** A fresh c-order NDArray of the stored (float32-exact) values. */
    NDArray nd(String name) {
        Npz.Array a = raw(name);
        int[] shape = a.shape().length == 0 ? new int[] {1} : a.shape();
        return NDArray.of(a.floats(), shape);
    }

    double scalar(String name) { return raw(name).data()[0]; }

    /** Asserts every element of {@code actual} (flat c-order) is within {@link #TOL} of the reference. */
    void assertClose(String name, NDArray actual) {
        Npz.Array ref = raw(name);
        assertClose(file + ":" + name, ref.data(), actual.toFloatArray());
    }

    static void assertClose(String what, double[] expected, float[] actual) {
        if (expected.length != actual.length) fail(what + ": " + actual.length + " values, reference has " + expected.length);
        double worst = 0;
        int at = -1;
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs(actual[i] - expected[i]) / Math.max(1.0, Math.abs(expected[i]));
            if (!(err <= worst)) { worst = err; at = i; }
        }
        if (!(worst <= TOL)) {
            fail(String.format("%s: element %d is %.9g, reference %.9g (rel err %.3g > %.0e)", what, at, actual[at],
                    expected[at], worst, TOL));
        }
    }

    static float[] randomWeights(int n, long seed) {
        java.util.Random r = new java.util.Random(seed);
        float[] w = new float[n];
        for (int i = 0; i < n; i++) w[i] = (float) r.nextGaussian();
        return w;
    }

    static void assertShape(int[] expected, NDArray a) { assertArrayEquals(expected, a.shape()); }
}
