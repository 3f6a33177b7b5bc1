package org.dl4jbridge.ndarray.ops;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipFile;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.testutil.Npz;
import org.dl4jbridge.util.Nd4jBinary;
import org.junit.jupiter.api.Test;

/**
 * DL4J 1.0.0-alpha's upsampling_100a network, assembled by hand from the ops: Conv 2x2 Same tanh
 * 1→5, Upsampling2D x2, Conv 2x2 Same tanh 5→3, CnnToFeedForward (56,56,3), Output 9408→10 tanh
 * MSE. The forward must give {@code out.bin}; the backward with {@code labels.bin} must give
 * DL4J's flattened gradient {@code gradient.bin}, which pins down LossMSE's 1/nOut factor, the
 * summed-over-examples convention, the flatten order and the upsampling backward.
 */
class UpsamplingFixtureTest {
    private static final Path DIR = Npz.fixtures().resolve("upsampling_100a");
    private static final Conv2DConfig SAME2 = Conv2DConfig.of(2, 1, ConvolutionMode.Same);

    /** DL4J's parameter views: conv b then W c-order; dense W f-order then b (DL4J_SPEC 2.7). */
    private record Views(NDArray flat, NDArray b0, NDArray w0, NDArray b1, NDArray w1, NDArray w2, NDArray b2) {
        static Views of(NDArray flat) {
            return new Views(flat, flat.flatView(0, 'c', 5), flat.flatView(5, 'c', 5, 1, 2, 2),
                    flat.flatView(25, 'c', 3), flat.flatView(28, 'c', 3, 5, 2, 2),
                    flat.flatView(88, 'f', 9408, 10), flat.flatView(88 + 94080, 'c', 1, 10));
        }
    }

    @Test
    void forwardGivesOutBinAndBackwardGivesGradientBin() throws IOException {
        NDArray params;
        try (ZipFile zip = new ZipFile(DIR.resolve("net.bin").toFile());
             InputStream in = zip.getInputStream(zip.getEntry("coefficients.bin"))) {
            params = Nd4jBinary.read(in, "coefficients.bin");
        }
        Views v = Views.of(params.reshape(params.length()).dup());
        NDArray x = Nd4jBinary.read(DIR.resolve("in.bin"));
        x = x.reshape(x.size(0), 1, 28, 28).dup();
        NDArray labels = Nd4jBinary.read(DIR.resolve("labels.bin")).dup();

        NDArray a0 = Convolution2D.forward(x, v.w0, v.b0, SAME2, 1, FusedActivation.IDENTITY);
        Activation.TANH.forward(a0, a0);
        NDArray up = Upsampling2D.forward(a0, 2, 2);
        NDArray a1 = Convolution2D.forward(up, v.w1, v.b1, SAME2, 1, FusedActivation.IDENTITY);
        Activation.TANH.forward(a1, a1);
        NDArray flat = Flatten.cnnToFeedForward(a1);
        NDArray out = Linalg.mmul(flat, v.w2);
        Bias.addRowVector(out, v.b2);
        Activation.TANH.forward(out, out);
        assertClose("out.bin", Nd4jBinary.read(DIR.resolve("out.bin")), out, 1e-5);

        Views g = Views.of(NDArray.zeros(params.length()));
        NDArray dz2 = LossFunction.MSE.gradient(out, labels, Activation.TANH, NDArray.zeros(out.shape()));
        Linalg.gemm(flat, true, dz2, false, g.w2, 1f, 0f);
        Bias.rowVectorGradient(dz2, g.b2);
        NDArray dFlat = NDArray.zeros(flat.shape());
        Linalg.gemm(dz2, false, v.w2, true, dFlat, 1f, 0f);
        NDArray da1 = Flatten.feedForwardToCnn(dFlat, 3, 56, 56);
        Activation.TANH.backward(a1, da1, da1);
        NDArray dUp = NDArray.zeros(up.shape());
        Convolution2D.backward(up, v.w1, da1, SAME2, 1, dUp, g.w1, g.b1);
        NDArray da0 = Upsampling2D.backward(dUp, 2, 2, NDArray.zeros(a0.shape()));
        Activation.TANH.backward(a0, da0, da0);
        Convolution2D.backward(x, v.w0, da0, SAME2, 1, null, g.w0, g.b0);
        NDArray expected = Nd4jBinary.read(DIR.resolve("gradient.bin"));
        assertClose("gradient.bin", expected.reshape(expected.length()), g.flat, 1e-4);
    }

    /** Max |a − e| relative to the largest |e| (gradients span decades; an element-wise floor of 1 would hide errors). */
    private static void assertClose(String what, NDArray expected, NDArray actual, double tol) {
        float[] e = expected.toFloatArray(), a = actual.toFloatArray();
        double scale = 0, worst = 0;
        int at = 0;
        for (float f : e) scale = Math.max(scale, Math.abs(f));
        for (int i = 0; i < e.length; i++) {
            double d = Math.abs(a[i] - e[i]);
            if (d > worst) { worst = d; at = i; }
        }
        assertTrue(worst <= tol * scale, String.format("%s: element %d is %.8g, DL4J %.8g; max error %.3g of scale %.3g",
                what, at, a[at], e[at], worst, scale));
    }
}
