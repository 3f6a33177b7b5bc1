package org.dl4jbridge.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Map;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.nn.graph.ComputationGraph;
import org.dl4jbridge.testutil.Npz;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The imported EfficientNet-Lite0 against the float64 PyTorch reference of
 * tests/reference/make_effnet_reference.py (EFFNET_LITE0.md section 6: a float32 engine should be
 * within about 1e-5 of it on the pooled features; 1e-4 relative is the acceptance bound).
 */
class EfficientNetLite0Test {
    static final double TOL = 1e-4;
    static ComputationGraph net;

    @BeforeAll
    static void importOnce() throws IOException {
        net = EfficientNetLite0Import.convert(new EfficientNetLite0(), ZooTestFiles.effnetWeights());
    }

    /** max over elements of |got - want| / max(1, |want|). */
    static double relErr(float[] got, double[] want) {
        assertEquals(want.length, got.length, "length");
        double worst = 0;
        for (int i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i])));
        return worst;
    }

    static double sampledErr(NDArray act, Npz.Array idx, Npz.Array val) {
        float[] all = act.dup().toFloatArray();
        double worst = 0;
        for (int i = 0; i < idx.length(); i++) {
            double want = val.data()[i];
            worst = Math.max(worst, Math.abs(all[(int) idx.data()[i]] - want) / Math.max(1, Math.abs(want)));
        }
        return worst;
    }

    static String blockOutput(int i) {
        return EfficientNetLite0.BLOCKS.get(i).residual() ? "block" + i + "_add" : "block" + i + "_project_bn";
    }

    @Test
    void randomInputsMatchTheFloat64ReferenceVertexByVertex() throws IOException {
        Map<String, Npz.Array> ref = ZooTestFiles.npz("effnet_random.npz");
        for (String name : new String[] {"in64", "in57x45"}) {
            Npz.Array x = ref.get(name);
            Map<String, NDArray> acts = net.feedForward(NDArray.of(x.floats(), x.shape()), false);
            double stem = sampledErr(acts.get("stem_act"), ref.get(name + ".stem.idx"), ref.get(name + ".stem.val"));
            assertTrue(stem < TOL, name + " stem (incl. last row/column: TF-SAME padding) off by " + stem);
            for (int i = 0; i < EfficientNetLite0.BLOCKS.size(); i++) {
                NDArray a = acts.get(blockOutput(i));
                int[] shape = a.shape();
                double[] refShape = ref.get(name + ".block" + i + ".shape").data();
                assertEquals((int) refShape[1], shape[2], name + " block" + i + " height");
                assertEquals((int) refShape[2], shape[3], name + " block" + i + " width");
                double e = sampledErr(a, ref.get(name + ".block" + i + ".idx"), ref.get(name + ".block" + i + ".val"));
                assertTrue(e < 10 * TOL, name + " block" + i + " off by " + e);
            }
            double pooled = relErr(acts.get("global_pool").dup().toFloatArray(), ref.get(name + ".pooled").data());
            assertTrue(pooled < TOL, name + " pooled features off by " + pooled);
            // The inference path (batch norms folded, inverted-residual blocks fused) against the same reference.
            NDArray fast = net.output(java.util.List.of("global_pool"), false, NDArray.of(x.floats(), x.shape()))[0];
            double pooledFast = relErr(fast.dup().toFloatArray(), ref.get(name + ".pooled").data());
            assertTrue(pooledFast < TOL, name + " pooled features of the inference path off by " + pooledFast);
            double[] probs = softmax(ref.get(name + ".logits").data());
            double out = relErr(acts.get("predictions").dup().toFloatArray(), probs);
            assertTrue(out < TOL, name + " softmax output off by " + out);
            System.out.printf("%s: stem %.2e, pooled %.2e, probabilities %.2e%n", name, stem, pooled, out);
        }
    }

    @Test
    void daisyPhotoIsImageNetClass985() throws IOException {
        Map<String, Npz.Array> ref = ZooTestFiles.npz("effnet_daisy.npz");
        Npz.Array hwc = ref.get("pixels_hwc");
        int h = hwc.shape()[0], w = hwc.shape()[1];
        float[] nchw = new float[3 * h * w];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < 3; c++) nchw[(c * h + y) * w + x] = (float) ((hwc.data()[(y * w + x) * 3 + c] - 127) / 128);
        Map<String, NDArray> acts = net.feedForward(NDArray.of(nchw, 1, 3, h, w), false);
        double pooled = relErr(acts.get("global_pool").dup().toFloatArray(), ref.get("pooled").data());
        assertTrue(pooled < TOL, "daisy pooled features off by " + pooled);
        float[] p = acts.get("predictions").dup().toFloatArray();
        int top = 0;
        for (int i = 1; i < p.length; i++) if (p[i] > p[top]) top = i;
        assertEquals(985, top, "ImageNet class 985 (daisy)");
        assertEquals(ref.get("top5_prob").data()[0], p[top], 1e-4);
        System.out.printf("daisy: top-1 %d p=%.4f, pooled %.2e%n", top, p[top], pooled);
    }

    static double[] softmax(double[] z) {
        double m = Double.NEGATIVE_INFINITY, s = 0;
        for (double v : z) m = Math.max(m, v);
        double[] out = new double[z.length];
        for (int i = 0; i < z.length; i++) s += (out[i] = Math.exp(z[i] - m));
        for (int i = 0; i < z.length; i++) out[i] /= s;
        return out;
    }
}
