package org.dl4jbridge.ndarray.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.testutil.Npz;

/** Loads the cases written by tests/reference/make_conv_reference.py and compares arrays. */
final class ConvReference {
    private ConvReference() {}

    static List<Map<String, Npz.Array>> cases(String resource) throws IOException {
        Path tmp = Files.createTempFile("conv-ref", ".npz");
        try (InputStream in = Npz.resource("reference/" + resource)) {
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            Map<String, Npz.Array> all = Npz.read(tmp);
            List<Map<String, Npz.Array>> out = new ArrayList<>();
            for (int i = 0; all.containsKey("c" + i + "_x"); i++) {
                Map<String, Npz.Array> c = new java.util.HashMap<>();
                String prefix = "c" + i + "_";
                for (Map.Entry<String, Npz.Array> e : all.entrySet()) {
                    if (e.getKey().startsWith(prefix)) c.put(e.getKey().substring(prefix.length()), e.getValue());
                }
                out.add(c);
            }
            assertTrue(out.size() > 0, resource + " holds no cases");
            return out;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * One case of mbconv_forward.npz (tests/reference/make_mbconv_reference.py), arrays as stored (NCHW, depthwise
     * weights in PyTorch's layout): {@code expW}/{@code expB} null for a block without expansion, {@code res} null
     * without a residual; {@code y} is PyTorch's output. The one reader of that file's layout for the block tests.
     */
    record MBConvCase(NDArray x, NDArray expW, NDArray expB, FusedActivation expAct, NDArray dwW, NDArray dwB,
                      Conv2DConfig dw, FusedActivation dwAct, NDArray projW, NDArray projB, FusedActivation projAct,
                      NDArray res, Npz.Array y) {
        static List<MBConvCase> all() throws IOException {
            FusedActivation[] acts = FusedActivation.values();
            List<MBConvCase> out = new ArrayList<>();
            for (Map<String, Npz.Array> c : cases("mbconv_forward.npz")) {
                int[] cfg = ints(c.get("cfg"));
                boolean expand = cfg[9] == 1, residual = cfg[10] == 1;
                out.add(new MBConvCase(array(c.get("x")), expand ? array(c.get("expW")) : null,
                        expand ? array(c.get("expB")) : null, acts[cfg[11]], array(c.get("dwW")), array(c.get("dwB")),
                        config(cfg), acts[cfg[12]], array(c.get("projW")), array(c.get("projB")), acts[cfg[13]],
                        residual ? array(c.get("res")) : null, c.get("y")));
            }
            return out;
        }
    }

    static NDArray array(Npz.Array a) {
        return NDArray.of(a.floats(), a.shape());
    }

    static int[] ints(Npz.Array a) {
        return Arrays.stream(a.data()).mapToInt(d -> (int) d).toArray();
    }

    static ConvolutionMode mode(int code) {
        return switch (code) {
            case 0 -> ConvolutionMode.Truncate;
            case 1 -> ConvolutionMode.Same;
            case 2 -> ConvolutionMode.Strict;
            default -> throw new IllegalArgumentException("mode code " + code);
        };
    }

    static Conv2DConfig config(int[] cfg) {
        return new Conv2DConfig(cfg[0], cfg[1], cfg[2], cfg[3], cfg[4], cfg[5], cfg[6], cfg[7], mode(cfg[8]));
    }

    /**
     * Every element within {@code rel} of the reference, relative to the reference's largest
     * magnitude (at least 1): float32 rounding scales with the values summed, not with each result.
     */
    static void assertClose(String what, Npz.Array expected, NDArray actual, double rel) {
        assertEquals(Arrays.toString(expected.shape()), Arrays.toString(actual.shape()), what + ": shape");
        double scale = 1;
        for (double v : expected.data()) scale = Math.max(scale, Math.abs(v));
        double worst = 0;
        int worstAt = -1;
        for (int i = 0; i < expected.length(); i++) {
            double err = Math.abs(actual.get(i) - expected.data()[i]);
            if (err > worst) { worst = err; worstAt = i; }
        }
        if (worst > rel * scale) {
            throw new AssertionError(what + ": element " + worstAt + " is " + actual.get(worstAt) + ", expected "
                    + expected.data()[worstAt] + " (error " + worst + " > " + rel + " * " + scale + ")");
        }
    }

    /**
     * As {@link #assertClose} against another float32 computation (the layers one by one, the NCHW kernels): every
     * element within {@code rel} of the expected array's largest magnitude (at least 1).
     */
    static void assertNear(NDArray expected, NDArray actual, double rel, String what) {
        assertEquals(Arrays.toString(expected.shape()), Arrays.toString(actual.shape()), what + ": shape");
        double scale = 1, worst = 0;
        for (int i = 0; i < expected.length(); i++) {
            scale = Math.max(scale, Math.abs(expected.get(i)));
            worst = Math.max(worst, Math.abs(expected.get(i) - actual.get(i)));
        }
        assertTrue(worst <= rel * scale, what + ": error " + worst + " (scale " + scale + ")");
    }

    /** An array of the shape with elements uniform in [-scale, scale). */
    static NDArray random(java.util.Random rnd, float scale, int... shape) {
        NDArray a = NDArray.zeros(shape);
        for (int i = 0; i < a.length(); i++) a.put(i, (rnd.nextFloat() * 2 - 1) * scale);
        return a;
    }

    /**
     * Every case of {@code resource}: Convolution2D.backward's input, weight and bias gradients
     * within 1e-5 of PyTorch autograd's (the cases hold dL/dz in {@code gy}).
     */
    static void assertBackwardMatches(String resource) throws IOException {
        assertBackwardMatches(resource, ConvConfig.DEFAULT);
    }

    /** As above, under the given strategy settings. */
    static void assertBackwardMatches(String resource, ConvConfig conf) throws IOException {
        List<Map<String, Npz.Array>> all = cases(resource);
        for (int i = 0; i < all.size(); i++) {
            Map<String, Npz.Array> c = all.get(i);
            int[] cfg = ints(c.get("cfg"));
            NDArray x = array(c.get("x")), w = array(c.get("w"));
            Convolution2D.Gradients gr = new Convolution2D.Gradients(NDArray.zeros(x.shape()), NDArray.zeros(w.shape()),
                    NDArray.zeros(w.size(0)));
            Convolution2D.backward(x, w, array(c.get("gy")), config(cfg), cfg[9], gr.input(), gr.weight(), gr.bias(), conf);
            String what = resource + " case " + i;
            assertClose(what + " dL/dx", c.get("gx"), gr.input(), 1e-5);
            assertClose(what + " dL/dW", c.get("gw"), gr.weight(), 1e-5);
            assertClose(what + " dL/db", c.get("gb"), gr.bias(), 1e-5);
        }
    }
}
