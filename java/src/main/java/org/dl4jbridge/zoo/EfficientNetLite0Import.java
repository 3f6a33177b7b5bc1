package org.dl4jbridge.zoo;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.dl4jbridge.bridge.Interrupts;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.nn.graph.ComputationGraph;

/**
 * Puts the PyTorch EfficientNet-Lite0 state dict (EFFNET_LITE0.md "State-dict key mapping") into the
 * DL4J parameter layout of {@link EfficientNetLite0}'s graph, and caches the result as a DL4J zip so
 * the conversion happens once per machine. Every checkpoint tensor is used exactly once and every
 * graph parameter is set exactly once; anything else is an error naming the key.
 */
final class EfficientNetLite0Import {
    private EfficientNetLite0Import() {}

    /** The conversion's steps, as reported to a progress listener (done, {@link #STEPS}, step name). */
    static final int STEPS = 4;

    static ComputationGraph loadOrConvert(EfficientNetLite0 model, Path pth, org.dl4jbridge.bridge.ProgressListener listener)
            throws IOException {
        if (model.numClasses() != 1000) {
            throw new IllegalArgumentException("the pretrained EfficientNet-Lite0 has 1000 ImageNet classes; build it with "
                    + "numClasses 1000 (got " + model.numClasses() + ") and replace \"predictions\" by transfer learning");
        }
        Path cached = model.convertedCachePath();
        ComputationGraph graph = ConvertedModels.restore(cached, "EfficientNet-Lite0");
        if (graph != null) return graph;  // a cache hit converts nothing, so it reports no steps
        graph = convert(model, pth, listener);
        ConvertedModels.store(cached, graph, null);
        if (listener != null) listener.progress(STEPS, STEPS, "written");
        return graph;
    }

    /** A new graph holding the checkpoint's weights (no cache involved). */
    static ComputationGraph convert(EfficientNetLite0 model, Path pth) throws IOException { return convert(model, pth, null); }

    private static ComputationGraph convert(EfficientNetLite0 model, Path pth, org.dl4jbridge.bridge.ProgressListener listener)
            throws IOException {
        // Checked between the steps: Ctrl-C stops the conversion before
        // anything is written, and the converted zip is written atomically afterwards.
        EfficientNetLite0Weights.verify(pth);
        if (listener != null) listener.progress(1, STEPS, "checksum verified");
        Interrupts.check("converting the EfficientNet-Lite0 weights");
        Map<String, PyTorchCheckpoint.Tensor> sd = PyTorchCheckpoint.read(pth);
        if (listener != null) listener.progress(2, STEPS, "checkpoint read");
        Interrupts.check("converting the EfficientNet-Lite0 weights");
        ComputationGraph graph = model.init();
        assign(graph, sd, pth.toString());
        if (listener != null) listener.progress(3, STEPS, "weights assigned");
        Interrupts.check("converting the EfficientNet-Lite0 weights");
        return graph;
    }

    /** PyTorch key -> (graph parameter key, how to lay it out). */
    record Mapping(String torchKey, String paramKey, Layout layout) {}

    enum Layout {
        /** Same element order: conv [out,in,kH,kW] and every vector. */
        SAME,
        /** Depthwise [C,1,kH,kW] -> DL4J DepthwiseConvolution2D [kH,kW,C,1]. */
        DEPTHWISE,
        /** Linear [out,in] -> DL4J dense W [in,out]. */
        TRANSPOSE
    }

    static List<Mapping> mappings() {
        List<Mapping> m = new ArrayList<>();
        m.add(new Mapping("_conv_stem.weight", "stem_conv_W", Layout.SAME));
        bn(m, "_bn0", "stem_bn");
        for (int i = 0; i < EfficientNetLite0.BLOCKS.size(); i++) {
            String t = "_blocks." + i + ".", g = "block" + i;
            if (EfficientNetLite0.BLOCKS.get(i).expand() != 1) {
                m.add(new Mapping(t + "_expand_conv.weight", g + "_expand_W", Layout.SAME));
                bn(m, t + "_bn0", g + "_expand_bn");
            }
            m.add(new Mapping(t + "_depthwise_conv.weight", g + "_dw_W", Layout.DEPTHWISE));
            bn(m, t + "_bn1", g + "_dw_bn");
            m.add(new Mapping(t + "_project_conv.weight", g + "_project_W", Layout.SAME));
            bn(m, t + "_bn2", g + "_project_bn");
        }
        m.add(new Mapping("_conv_head.weight", "head_conv_W", Layout.SAME));
        bn(m, "_bn1", "head_bn");
        m.add(new Mapping("_fc.weight", "predictions_W", Layout.TRANSPOSE));
        m.add(new Mapping("_fc.bias", "predictions_b", Layout.SAME));
        return m;
    }

    private static void bn(List<Mapping> m, String torch, String vertex) {
        m.add(new Mapping(torch + ".weight", vertex + "_gamma", Layout.SAME));
        m.add(new Mapping(torch + ".bias", vertex + "_beta", Layout.SAME));
        m.add(new Mapping(torch + ".running_mean", vertex + "_mean", Layout.SAME));
        m.add(new Mapping(torch + ".running_var", vertex + "_var", Layout.SAME));
    }

    static void assign(ComputationGraph graph, Map<String, PyTorchCheckpoint.Tensor> sd, String src)
            throws CheckpointFormatException {
        Map<String, NDArray> params = graph.paramTable();
        Set<String> unusedTorch = new LinkedHashSet<>(sd.keySet());
        unusedTorch.removeIf(k -> k.endsWith(".num_batches_tracked"));   // a training counter, no weight
        Set<String> unsetParams = new LinkedHashSet<>(params.keySet());
        for (Mapping mp : mappings()) {
            PyTorchCheckpoint.Tensor t = sd.get(mp.torchKey());
            if (t == null) throw new CheckpointFormatException(src + ": tensor '" + mp.torchKey() + "' (for "
                    + mp.paramKey() + ") is missing: not the EfficientNet-Lite0 checkpoint");
            NDArray target = params.get(mp.paramKey());
            if (target == null) throw new IllegalStateException("the graph has no parameter " + mp.paramKey());
            NDArray value = relayout(t, mp.layout());
            int[] want = target.shape();
            if (value.length() != target.length() || !sameDims(value.shape(), want)) {
                throw new CheckpointFormatException(src + ": tensor '" + mp.torchKey() + "' has shape " + t.shapeString()
                        + " but " + mp.paramKey() + " needs " + Arrays.toString(want) + " (layout " + mp.layout() + ")");
            }
            target.assign(value.reshape(want));
            unusedTorch.remove(mp.torchKey());
            unsetParams.remove(mp.paramKey());
        }
        if (!unusedTorch.isEmpty()) {
            throw new CheckpointFormatException(src + ": tensors not used by EfficientNet-Lite0: " + unusedTorch
                    + " (a different architecture, e.g. a larger EfficientNet?)");
        }
        if (!unsetParams.isEmpty()) throw new IllegalStateException("parameters without a checkpoint tensor: " + unsetParams);
    }

    /** DL4J vectors are [1, n]; compare shapes ignoring that leading 1. */
    private static boolean sameDims(int[] a, int[] b) {
        return Arrays.equals(squeeze(a), squeeze(b));
    }

    private static int[] squeeze(int[] s) {
        return s.length == 2 && s[0] == 1 ? new int[] {s[1]} : s;
    }

    static NDArray relayout(PyTorchCheckpoint.Tensor t, Layout layout) throws CheckpointFormatException {
        int[] s = t.shape();
        float[] d = t.data();
        switch (layout) {
            case SAME:
                return NDArray.of(d, s);
            case DEPTHWISE: {
                if (s.length != 4 || s[1] != 1) throw new CheckpointFormatException("depthwise weight of shape "
                        + Arrays.toString(s) + ", expected [C, 1, kH, kW]");
                int c = s[0], kh = s[2], kw = s[3];
                float[] out = new float[d.length];
                for (int ch = 0; ch < c; ch++)
                    for (int y = 0; y < kh; y++)
                        for (int x = 0; x < kw; x++) out[(y * kw + x) * c + ch] = d[(ch * kh + y) * kw + x];
                return NDArray.of(out, kh, kw, c, 1);
            }
            case TRANSPOSE: {
                if (s.length != 2) throw new CheckpointFormatException("linear weight of shape " + Arrays.toString(s));
                int rows = s[0], cols = s[1];
                float[] out = new float[d.length];
                for (int r = 0; r < rows; r++) for (int c2 = 0; c2 < cols; c2++) out[c2 * rows + r] = d[r * cols + c2];
                return NDArray.of(out, cols, rows);
            }
            default:
                throw new IllegalStateException(layout.toString());
        }
    }

    /** Keys of the mapping, for tests and messages. */
    static Map<String, String> keyMap() {
        Map<String, String> out = new LinkedHashMap<>();
        for (Mapping m : mappings()) out.put(m.torchKey(), m.paramKey());
        return out;
    }
}
