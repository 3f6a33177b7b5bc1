package org.dl4jbridge.nn.multilayer;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.dl4jbridge.datasets.DataSet;
import org.dl4jbridge.nn.conf.MultiLayerConfiguration;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.util.LegacyConfigUpgrader;
import org.dl4jbridge.util.ModelFiles;
import org.dl4jbridge.util.ModelZip;
import org.dl4jbridge.util.Nd4jBinary;
import org.junit.jupiter.api.Test;

/**
 * DL4J 1.0.0-alpha's upsampling regression model (conv Same, Upsampling2D, conv, CnnToFeedForward,
 * MSE output): legacy JSON upgraded by serde's converter, then this package's network reproduces
 * DL4J's outputs and flattened gradient.
 */
class Upsampling100aTest {
    static Path dir() {
        Path d = org.dl4jbridge.testutil.Npz.fixtures().resolve("upsampling_100a");
        return d;
    }

    static double maxDiff(NDArray a, NDArray b) {
        assertEquals(a.length(), b.length());
        NDArray x = a.dup().reshape(a.length()), y = b.dup().reshape(b.length());
        double m = 0;
        for (int i = 0; i < x.length(); i++) m = Math.max(m, Math.abs(x.get(i) - y.get(i)));
        return m;
    }

    @Test
    void outputAndGradientMatchDl4j() throws IOException {
        ModelFiles f = ModelZip.read(dir().resolve("net.bin"), false);
        MultiLayerConfiguration conf = MultiLayerConfiguration.fromJson(LegacyConfigUpgrader.upgradeToJson(f.configuration(), "net.bin"));
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init(f.params(), false);
        NDArray in = Nd4jBinary.read(dir().resolve("in.bin"));
        NDArray out = net.output(in);
        double d = maxDiff(out, Nd4jBinary.read(dir().resolve("out.bin")));
        assertTrue(d < 1e-5, "max output diff " + d);
        net.computeGradientAndScore(new DataSet(in, Nd4jBinary.read(dir().resolve("labels.bin"))));
        NDArray expected = Nd4jBinary.read(dir().resolve("gradient.bin"));
        double g = maxDiff(net.gradient(), expected);
        double scale = 0;
        for (float v : expected.toFloatArray()) scale = Math.max(scale, Math.abs(v));
        System.out.printf("upsampling_100a: output diff %.3g, gradient diff %.3g (max |g| %.3g)%n", d, g, scale);
        assertTrue(g < 1e-5 * Math.max(1, scale), "max gradient diff " + g);
    }
}
