package org.dl4jbridge.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.dl4jbridge.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The checkpoint-to-graph mapping refuses anything but EfficientNet-Lite0's exact tensors. */
class EfficientNetLite0ImportTest {
    static Map<String, PyTorchCheckpoint.Tensor> sd;
    static ComputationGraph graph;

    @BeforeAll
    static void load() throws IOException {
        sd = PyTorchCheckpoint.read(ZooTestFiles.effnetWeights());
        graph = new EfficientNetLite0().init();
    }

    @Test
    void everyTensorMapsToExactlyOneParameter() {
        Map<String, String> keys = EfficientNetLite0Import.keyMap();
        assertEquals(296 - 49, keys.size(), "all tensors but the 49 num_batches_tracked counters");
        assertEquals(graph.paramTable().keySet(), new java.util.HashSet<>(keys.values()));
    }

    @Test
    void missingTensorIsNamed() {
        Map<String, PyTorchCheckpoint.Tensor> cut = new LinkedHashMap<>(sd);
        cut.remove("_blocks.7._bn1.running_var");
        var e = assertThrows(CheckpointFormatException.class, () -> EfficientNetLite0Import.assign(graph, cut, "x.pth"));
        assertTrue(e.getMessage().contains("_blocks.7._bn1.running_var") && e.getMessage().contains("block7_dw_bn_var"), e.getMessage());
    }

    @Test
    void extraTensorIsRefused() {
        Map<String, PyTorchCheckpoint.Tensor> more = new LinkedHashMap<>(sd);
        more.put("_blocks.16._project_conv.weight", sd.get("_blocks.15._project_conv.weight"));
        var e = assertThrows(CheckpointFormatException.class, () -> EfficientNetLite0Import.assign(graph, more, "x.pth"));
        assertTrue(e.getMessage().contains("_blocks.16._project_conv.weight"), e.getMessage());
    }

    @Test
    void wrongShapeNamesBothShapes() {
        Map<String, PyTorchCheckpoint.Tensor> bad = new LinkedHashMap<>(sd);
        bad.put("_conv_head.weight", sd.get("_blocks.15._project_conv.weight"));
        var e = assertThrows(CheckpointFormatException.class, () -> EfficientNetLite0Import.assign(graph, bad, "x.pth"));
        assertTrue(e.getMessage().contains("[320, 1152, 1, 1]") && e.getMessage().contains("[1280, 320, 1, 1]"), e.getMessage());
    }

    @Test
    void depthwiseAndLinearRelayouts() throws CheckpointFormatException {
        float[] dw = new float[2 * 2 * 3];
        for (int i = 0; i < dw.length; i++) dw[i] = i;   // [C=2, 1, kH=2, kW=3]: value = (c*2 + y)*3 + x
        var t = EfficientNetLite0Import.relayout(new PyTorchCheckpoint.Tensor(new int[] {2, 1, 2, 3}, dw, "float32"),
                EfficientNetLite0Import.Layout.DEPTHWISE);
        assertEquals(java.util.List.of(2, 3, 2, 1), java.util.Arrays.stream(t.shape()).boxed().toList());
        assertEquals((1 * 2 + 1) * 3 + 2, t.getAt(1, 2, 1, 0), 0f, "[y=1, x=2, c=1] comes from [c=1, 0, y=1, x=2]");
        var lin = EfficientNetLite0Import.relayout(new PyTorchCheckpoint.Tensor(new int[] {2, 3}, new float[] {0, 1, 2, 3, 4, 5}, "float32"),
                EfficientNetLite0Import.Layout.TRANSPOSE);
        assertEquals(5f, lin.getAt(2, 1), 0f);
    }
}
