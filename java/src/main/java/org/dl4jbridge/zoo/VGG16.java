package org.dl4jbridge.zoo;

import org.dl4jbridge.datasets.ChannelOrder;
import org.dl4jbridge.datasets.DataSetPreProcessor;
import org.dl4jbridge.datasets.VGG16ImagePreProcessor;
import org.dl4jbridge.nn.conf.ComputationGraphConfiguration;
import org.dl4jbridge.nn.conf.ConvolutionMode;
import org.dl4jbridge.nn.conf.NeuralNetConfiguration;
import org.dl4jbridge.nn.conf.activations.Activation;
import org.dl4jbridge.nn.conf.graph.PreprocessorVertex;
import org.dl4jbridge.nn.conf.inputs.InputType;
import org.dl4jbridge.nn.conf.layers.ConvolutionLayer;
import org.dl4jbridge.nn.conf.layers.DenseLayer;
import org.dl4jbridge.nn.conf.layers.PoolingType;
import org.dl4jbridge.nn.conf.layers.SubsamplingLayer;
import org.dl4jbridge.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.dl4jbridge.nn.updater.IUpdater;
import org.dl4jbridge.nn.updater.Nesterovs;
import org.dl4jbridge.nn.weights.WeightInit;

/**
 * VGG16 as DL4J's pretrained ImageNet file holds it (DL4J_SPEC 4.3): Keras vertex names block1_conv1
 * ... block5_pool, flatten, fc1, fc2, predictions; BGR input with VGG16ImagePreProcessor's means.
 * {@link #init()} builds that same graph with random weights, so code written for the pretrained
 * model (setFeatureExtractor("fc2"), removeVertexKeepConnections("predictions")) runs unchanged on
 * it. (DL4J's own VGG16.init() names its vertices "0".."20" instead; the lesson needs the Keras names.)
 */
public class VGG16 extends ZooModel {
    /**
     * The input vertex of DL4J's pretrained ImageNet file: "input_1", as DL4J prints it for
     * initPretrained()'s graph (a user's printed summary; the Keras JSON in dl4j-examples says
     * "input_2", but that is not the file). Code that works on a restored pretrained graph reads the name
     * from its configuration (getNetworkInputs()); this constant only names the random-init graph.
     * compat/'s Vgg16ZooTest compares the names with the file's configuration.json where it is cached.
     */
    public static final String INPUT = "input_1";
    public static final long IMAGENET_ADLER32 = 3501732770L;
    public static final long CIFAR10_ADLER32 = 2192260131L;
    public static final long VGGFACE_ADLER32 = 2706403553L;

    /** Convolutions per block and their channels. */
    private static final int[][] BLOCKS = {{2, 64}, {2, 128}, {3, 256}, {3, 512}, {3, 512}};


    public VGG16() {
        this(1000, 1234L, new Nesterovs(), new int[] {3, 224, 224});
    }

    public VGG16(int numClasses, long seed, IUpdater updater, int[] inputShape) {
        super(numClasses, seed, updater, checkedShape(inputShape));
    }

    private static int[] checkedShape(int[] inputShape) {
        if (inputShape == null || inputShape.length != 3 || inputShape[0] < 1 || inputShape[1] % 32 != 0
                || inputShape[2] % 32 != 0 || inputShape[1] < 32 || inputShape[2] < 32) {
            throw new IllegalArgumentException("inputShape must be [channels, height, width] with height and width "
                    + "positive multiples of 32 (five 2x2 poolings), got " + java.util.Arrays.toString(inputShape));
        }
        return inputShape;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override public String modelName() { return "vgg16"; }
    @Override public ChannelOrder channelOrder() { return ChannelOrder.BGR; }
    @Override public DataSetPreProcessor preProcessor() { return new VGG16ImagePreProcessor(); }

    @Override
    public String pretrainedUrl(PretrainedType type) {
        return switch (type) {
            case IMAGENET -> DL4JResources.getURLString("models/vgg16_dl4j_inference.zip");
            case CIFAR10 -> DL4JResources.getURLString("models/vgg16_dl4j_cifar10_inference.v1.zip");
            case VGGFACE -> DL4JResources.getURLString("models/vgg16_dl4j_vggface_inference.v1.zip");
            default -> null;
        };
    }

    @Override
    public long pretrainedChecksum(PretrainedType type) {
        return switch (type) {
            case IMAGENET -> IMAGENET_ADLER32;
            case CIFAR10 -> CIFAR10_ADLER32;
            case VGGFACE -> VGGFACE_ADLER32;
            default -> 0L;
        };
    }

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
        String x = addConvolutionBase(g, INPUT, inputShape[0]);
        int channels = BLOCKS[BLOCKS.length - 1][1];
        int h = inputShape[1] / 32, w = inputShape[2] / 32;
        g.addVertex("flatten", new PreprocessorVertex(new CnnToFeedForwardPreProcessor(h, w, channels)), x);
        g.addLayer("fc1", new DenseLayer.Builder().nIn((long) h * w * channels).nOut(4096).activation(Activation.RELU).build(), "flatten");
        g.addLayer("fc2", new DenseLayer.Builder().nIn(4096).nOut(4096).activation(Activation.RELU).build(), "fc1");
        g.addLayer("predictions", new DenseLayer.Builder().nIn(4096).nOut(numClasses).activation(Activation.SOFTMAX).build(), "fc2");
        return g.setOutputs("predictions").build();
    }

    /**
     * The 13 Same-mode 3x3 convolutions with ReLU and the five 2x2 max pools (Truncate: an odd size
     * drops its last row and column, like Keras's 'valid' pooling), named block1_conv1 ... block5_pool
     * as in DL4J's pretrained file and Keras; shared with {@link VGG16Conv}. Returns the last vertex.
     */
    static String addConvolutionBase(ComputationGraphConfiguration.GraphBuilder g, String input, int channels) {
        String x = input;
        for (int b = 0; b < BLOCKS.length; b++) {
            for (int c = 1; c <= BLOCKS[b][0]; c++) {
                String name = convName(b, c);
                g.addLayer(name, new ConvolutionLayer.Builder(3, 3).stride(1, 1).nIn(channels).nOut(BLOCKS[b][1])
                        .convolutionMode(ConvolutionMode.Same).activation(Activation.RELU).build(), x);
                channels = BLOCKS[b][1];
                x = name;
            }
            String pool = "block" + (b + 1) + "_pool";
            g.addLayer(pool, new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2)
                    .convolutionMode(ConvolutionMode.Truncate).build(), x);
            x = pool;
        }
        return x;
    }

    /** The convolution layers' names in order with their [nOut, nIn]: block1_conv1 [64, 3] ... block5_conv3 [512, 512]. */
    static java.util.LinkedHashMap<String, int[]> convolutionShapes(int inputChannels) {
        java.util.LinkedHashMap<String, int[]> out = new java.util.LinkedHashMap<>();
        int channels = inputChannels;
        for (int b = 0; b < BLOCKS.length; b++) {
            for (int c = 1; c <= BLOCKS[b][0]; c++) {
                out.put(convName(b, c), new int[] {BLOCKS[b][1], channels});
                channels = BLOCKS[b][1];
            }
        }
        return out;
    }

    private static String convName(int block, int conv) {
        return "block" + (block + 1) + "_conv" + conv;
    }

    /** DL4J-style builder: numClasses, seed, updater, inputShape. */
    public static final class Builder {
        private int numClasses = 1000;
        private long seed = 1234L;
        private IUpdater updater = new Nesterovs();
        private int[] inputShape = {3, 224, 224};

        public Builder numClasses(int n) { this.numClasses = n; return this; }
        public Builder seed(long s) { this.seed = s; return this; }
        public Builder updater(IUpdater u) { this.updater = u; return this; }
        public Builder inputShape(int... shape) { this.inputShape = shape.clone(); return this; }
        public VGG16 build() { return new VGG16(numClasses, seed, updater, inputShape); }
    }
}
