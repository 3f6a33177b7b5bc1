package org.dl4jbridge.compat.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.zoo.model.VGG16;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * VGG16: the zoo graph DL4J 1.0.0-M2.1 builds ({@code org.deeplearning4j.zoo.model.VGG16}) against the
 * engine's ({@code org.dl4jbridge.zoo.VGG16}), layer by layer, with the deliberate differences named;
 * the same weights give the same outputs; and the pretrained file's vertex names, read from the
 * configuration.json inside the zip, are the engine's.
 */
class Vgg16ZooTest {
    /** One layer as both zoos describe it: what it computes, not what it is called. */
    record Shape(String kind, String kernelStride, long nIn, long nOut, long params) {}

    static List<Shape> dl4jLayers(ComputationGraphConfiguration conf) {
        List<Shape> out = new ArrayList<>();
        for (String name : conf.getVertices().keySet()) {   // a chain, built in order
            GraphVertex v = conf.getVertices().get(name);
            if (!(v instanceof LayerVertex lv)) continue;
            Layer l = lv.getLayerConf().getLayer();
            String kind = l instanceof ConvolutionLayer ? "conv" : l instanceof SubsamplingLayer ? "maxpool" : "dense";
            String ks = l instanceof ConvolutionLayer c ? str(c.getKernelSize()) + "/" + str(c.getStride())
                    : l instanceof SubsamplingLayer s ? str(s.getKernelSize()) + "/" + str(s.getStride()) : "-";
            long nIn = l instanceof FeedForwardLayer f ? f.getNIn() : 0, nOut = l instanceof FeedForwardLayer f ? f.getNOut() : 0;
            out.add(new Shape(kind, ks, nIn, nOut, l.initializer().numParams(l)));
        }
        return out;
    }

    static List<Shape> engineLayers(org.dl4jbridge.nn.conf.ComputationGraphConfiguration conf) {
        List<Shape> out = new ArrayList<>();
        List<String> names = conf.vertexNamesByIndex();
        for (int i : conf.topologicalOrder()) {
            var v = conf.getVertices().get(names.get(i));
            if (!(v instanceof org.dl4jbridge.nn.conf.graph.LayerVertex lv)) continue;
            var l = lv.getLayer();
            String kind = l instanceof org.dl4jbridge.nn.conf.layers.ConvolutionLayer ? "conv"
                    : l instanceof org.dl4jbridge.nn.conf.layers.SubsamplingLayer ? "maxpool" : "dense";
            String ks = l instanceof org.dl4jbridge.nn.conf.layers.ConvolutionLayer c ? str(c.getKernelSize()) + "/" + str(c.getStride())
                    : l instanceof org.dl4jbridge.nn.conf.layers.SubsamplingLayer s ? str(s.getKernelSize()) + "/" + str(s.getStride()) : "-";
            long nIn = l instanceof org.dl4jbridge.nn.conf.layers.FeedForwardLayer f ? f.getNIn() : 0;
            long nOut = l instanceof org.dl4jbridge.nn.conf.layers.FeedForwardLayer f ? f.getNOut() : 0;
            out.add(new Shape(kind, ks, nIn, nOut, org.dl4jbridge.nn.params.ParamLayout.numParams(l)));
        }
        return out;
    }

    static String str(int[] a) { return a[0] + "x" + a[1]; }

    /**
     * The same 21 layers with the same kernels, strides, sizes and parameter counts (138,357,544 in
     * all). Deliberate differences, each checked here so that any other one fails: DL4J's zoo names
     * its vertices "in", "0".."20", the engine uses the pretrained file's Keras names; DL4J's dense
     * layers 18 and 19 carry dropout 0.5 and its last layer is an OutputLayer (NLL), the engine's
     * "predictions" is a softmax DenseLayer without dropout, as in the pretrained file.
     */
    @Test
    void zooGraphMatchesTheEnginesLayerByLayer() {
        ComputationGraphConfiguration dl4j = VGG16.builder().numClasses(1000).build().conf();   // DL4J's builder default is 0
        var engine = org.dl4jbridge.zoo.VGG16.builder().build().conf();
        List<Shape> d = dl4jLayers(dl4j), e = engineLayers(engine);
        assertEquals(21, d.size(), "DL4J's zoo VGG16 layers");
        assertEquals(d, e, "layer by layer: kind, kernel/stride, nIn, nOut, parameter count");
        assertEquals(138_357_544L, d.stream().mapToLong(Shape::params).sum());

        List<String> dl4jNames = new ArrayList<>(dl4j.getVertices().keySet());
        List<String> expected = new ArrayList<>();
        for (int i = 0; i <= 20; i++) expected.add(String.valueOf(i));
        assertEquals(expected, dl4jNames, "DL4J's zoo vertex names");
        assertEquals(List.of("in"), dl4j.getNetworkInputs());
        Layer last = ((LayerVertex) dl4j.getVertices().get("20")).getLayerConf().getLayer();
        assertTrue(last instanceof org.deeplearning4j.nn.conf.layers.OutputLayer, "DL4J's last layer: " + last);
        for (String dense : List.of("18", "19")) {
            var drop = ((LayerVertex) dl4j.getVertices().get(dense)).getLayerConf().getLayer().getIDropout();
            assertEquals(0.5, ((org.deeplearning4j.nn.conf.dropout.Dropout) drop).getP(), "DL4J's dropout on " + dense);
        }
        assertTrue(engine.getVertices().get("predictions") instanceof org.dl4jbridge.nn.conf.graph.LayerVertex lv
                && lv.getLayer().getClass() == org.dl4jbridge.nn.conf.layers.DenseLayer.class && lv.getLayer().getIDropout() == null);
    }

    /** DL4J's zoo weights in the engine's graph (same layout): the same outputs, at 32x32 with 5 classes. */
    @Test
    void sameWeightsGiveTheSameOutputs() {
        ComputationGraph dl4j = VGG16.builder().numClasses(5).inputShape(new int[] {3, 32, 32}).build().init();
        var engine = org.dl4jbridge.zoo.VGG16.builder().numClasses(5).inputShape(3, 32, 32).build().init();
        assertEquals(dl4j.numParams(), engine.numParams());
        engine.setParams(Both.engine(dl4j.params()));
        Both.Batch batch = Both.classification(31, 5, 2, 3, 32, 32);
        double out = Both.assertClose("VGG16 output", engine.outputSingle(batch.x()), dl4j.outputSingle(Both.nd4j(batch.x())), 1e-4);
        // The vertices have other names on each side; the layers are in the same order.
        var e = engine.feedForward(batch.x(), false);
        var d = dl4j.feedForward(Both.nd4j(batch.x()), false);
        List<String> eNames = new ArrayList<>(), dNames = new ArrayList<>();
        for (var l : engine.getLayers()) eNames.add(l.name());
        for (var l : dl4j.getLayers()) dNames.add(l.getConfig().getLayerName());
        assertEquals(dNames.size(), eNames.size());
        for (int i = 0; i < eNames.size(); i++) {
            out = Math.max(out, Both.assertClose("activation of " + eNames.get(i) + " / " + dNames.get(i), e.get(eNames.get(i)),
                    d.get(dNames.get(i)), 1e-4));
        }
        Both.report("DL4J zoo VGG16 weights in the engine's VGG16 (every layer's activation)", out, Double.NaN);
    }

    /** Where DL4J's cache holds the pretrained ImageNet file; DL4J's own default location. */
    static Path pretrainedFile() {
        String dir = System.getenv("DL4J_BRIDGE_DL4J_RESOURCES_DIR");
        Path base = dir != null && !dir.isBlank() ? Path.of(dir) : Path.of(System.getProperty("user.home"), ".deeplearning4j");
        return base.resolve("models/vgg16/vgg16_dl4j_inference.zip");
    }

    /**
     * The pretrained graph's vertex names come from the configuration.json inside DL4J's file, never
     * from a constant: they must be the engine's VGG16 names, input vertex included. Runs where the
     * file is cached (DL4J's download host is not reachable from the machines that run CI).
     */
    @Test
    void pretrainedFileHasTheEnginesVertexNames() throws IOException {
        Path zip = pretrainedFile();
        Assumptions.assumeTrue(Files.isRegularFile(zip), "DL4J's pretrained VGG16 file is not cached at " + zip
                + " (553 MB from DL4J's download host, which this machine cannot reach); place it there to run this test");
        JsonNode conf = Both.configurationJson(zip.toFile());
        List<String> inputs = new ArrayList<>();
        conf.get("networkInputs").forEach(n -> inputs.add(n.asText()));
        List<String> vertices = new ArrayList<>();
        for (Iterator<String> it = conf.get("vertices").fieldNames(); it.hasNext();) vertices.add(it.next());
        var engine = org.dl4jbridge.zoo.VGG16.builder().build().conf();
        assertEquals(engine.getNetworkInputs(), inputs, "input vertex");
        assertEquals(new java.util.TreeSet<>(engine.getVertices().keySet()), new java.util.TreeSet<>(vertices), "vertex names");
    }
}
