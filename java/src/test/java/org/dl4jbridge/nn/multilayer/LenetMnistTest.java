package org.dl4jbridge.nn.multilayer;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.dl4jbridge.nn.conf.MultiLayerConfiguration;
import org.dl4jbridge.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.dl4jbridge.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.util.ModelFiles;
import org.dl4jbridge.util.ModelZip;
import org.dl4jbridge.util.Nd4jBinary;
import org.junit.jupiter.api.Test;

/** DL4J beta7's LenetMnist: conv/pool/dense configuration, pre-processors, parameter and gradient layouts (DL4J_SPEC 9.2). */
class LenetMnistTest {
    static Path dir() {
        Path d = org.dl4jbridge.testutil.Npz.fixtures().resolve("LenetMnist");
        return d;
    }

    @Test
    void restoresAndMapsGradientViewsLikeDl4j() throws IOException {
        ModelFiles f = ModelZip.read(dir().resolve("Model_RANDOM_INIT_UNTRAINED.zip"), true);
        MultiLayerConfiguration conf = MultiLayerConfiguration.fromJson(f.configuration());
        assertEquals(new FeedForwardToCnnPreProcessor(28, 28, 1), conf.getInputPreProcess(0));
        assertEquals(new CnnToFeedForwardPreProcessor(4, 4, 50), conf.getInputPreProcess(4));
        String json = f.configuration().replace("\r\n", "\n");
        // beta7-SNAPSHOT wrote neither M2.1's cnn2dDataFormat/format nor timeDistributedFormat; all else is identical
        String written = conf.toJson().replace("      \"timeDistributedFormat\" : null,\n", "")
                .replace("      \"cnn2dDataFormat\" : \"NCHW\",\n", "").replace("      \"format\" : \"NCHW\",\n", "");
        assertEquals(json, written);
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init(f.params(), false);
        assertEquals(431080, net.numParams());
        assertEquals(f.updaterState().length(), net.getUpdater().stateSize());
        // DL4J's flattened gradient placed in our gradient vector must show DL4J's per-parameter arrays in our views
        net.gradient().assign(Nd4jBinary.read(dir().resolve("flattenedGradients.bin")).reshape(431080));
        for (String key : new String[] {"0_W", "0_b", "2_W", "2_b"}) {
            NDArray expected = Nd4jBinary.read(dir().resolve("gradients/" + key + ".bin"));
            NDArray ours = net.getLayer(Integer.parseInt(key.substring(0, 1))).gradientTable().get(key.substring(2));
            assertEquals(expected.length(), ours.length(), key);
            NDArray e = expected.reshape(expected.length()), o = ours.dup().reshape(ours.length());
            for (int i = 0; i < e.length(); i++) assertEquals(e.get(i), o.get(i), 0f, key + "[" + i + "]");
        }
        NDArray x = NDArray.zeros(2, 784);
        for (int i = 0; i < x.length(); i++) x.put(i, (i % 97) / 97f);
        NDArray out = net.output(x);
        assertArrayEquals(new int[] {2, 10}, out.shape());
        float sum = 0;
        for (int j = 0; j < 10; j++) sum += out.getAt(0, j);
        assertEquals(1f, sum, 1e-5f);
    }
}
