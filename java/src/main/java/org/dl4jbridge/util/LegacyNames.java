package org.dl4jbridge.util;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.dl4jbridge.nn.conf.serde.ConfigurationJson;

/**
 * Name tables of DL4J's configuration dialects (DL4J_SPEC 3.2–3.7): the wrapper-object names of
 * 0.x files and the enum names of older fields, each mapped to the class name the M2.1 {@code @class}
 * form uses; plus the classes dl4j-bridge runs (convolutional and feed-forward networks).
 */
final class LegacyNames {
    private LegacyNames() {}

    static final String LAYERS = "org.deeplearning4j.nn.conf.layers.";
    static final String GRAPH = "org.deeplearning4j.nn.conf.graph.";
    static final String PREPROC = "org.deeplearning4j.nn.conf.preprocessor.";
    static final String ACT = "org.nd4j.linalg.activations.impl.";
    static final String LOSS = "org.nd4j.linalg.lossfunctions.impl.";
    static final String UPDATER = "org.nd4j.linalg.learning.config.";
    static final String WEIGHTS = "org.deeplearning4j.nn.weights.";
    static final String DIST = "org.deeplearning4j.nn.conf.distribution.";
    static final String REG = "org.nd4j.linalg.learning.regularization.";
    static final String FIXED_SCHEDULE = "org.nd4j.linalg.schedule.FixedSchedule";
    static final String DROPOUT = "org.deeplearning4j.nn.conf.dropout.Dropout";
    static final String DROPCONNECT = "org.deeplearning4j.nn.conf.weightnoise.DropConnect";
    static final String FROZEN = LAYERS + "misc.FrozenLayer";
    static final String FROZEN_BACKPROP = LAYERS + "misc.FrozenLayerWithBackprop";
    static final String TF_CNN_TO_FF =
            "org.deeplearning4j.nn.modelimport.keras.preprocessors.TensorFlowCnnToFeedForwardPreProcessor";

    /** Legacy layer wrapper name -> class. Includes layers that are then refused, for the message. */
    static final Map<String, String> LAYER_WRAPPERS = map(
            "convolution", LAYERS + "ConvolutionLayer",
            "convolution1d", LAYERS + "Convolution1DLayer",
            "subsampling", LAYERS + "SubsamplingLayer",
            "subsampling1d", LAYERS + "Subsampling1DLayer",
            "dense", LAYERS + "DenseLayer",
            "output", LAYERS + "OutputLayer",
            "loss", LAYERS + "LossLayer",
            "dropout", LAYERS + "DropoutLayer",
            "activation", LAYERS + "ActivationLayer",
            "batchNormalization", LAYERS + "BatchNormalization",
            "localResponseNormalization", LAYERS + "LocalResponseNormalization",
            "embedding", LAYERS + "EmbeddingLayer",
            "gravesLSTM", LAYERS + "GravesLSTM",
            "LSTM", LAYERS + "LSTM",
            "gravesBidirectionalLSTM", LAYERS + "GravesBidirectionalLSTM",
            "rnnoutput", LAYERS + "RnnOutputLayer",
            "RnnLossLayer", LAYERS + "RnnLossLayer",
            "CnnLossLayer", LAYERS + "CnnLossLayer",
            "GlobalPooling", LAYERS + "GlobalPoolingLayer",
            "zeroPadding", LAYERS + "ZeroPaddingLayer",
            "zeroPadding1d", LAYERS + "ZeroPadding1DLayer",
            "FrozenLayer", FROZEN,
            "Upsampling2D", LAYERS + "Upsampling2D",
            "autoEncoder", LAYERS + "AutoEncoder",
            "VariationalAutoencoder", LAYERS + "variational.VariationalAutoencoder",
            "CenterLossOutputLayer", LAYERS + "CenterLossOutputLayer",
            "Yolo2OutputLayer", LAYERS + "objdetect.Yolo2OutputLayer",
            "Bidirectional", LAYERS + "recurrent.Bidirectional",
            "SimpleRnn", LAYERS + "recurrent.SimpleRnn",
            "ElementWiseMult", LAYERS + "misc.ElementWiseMultiplicationLayer",
            "MaskLayer", LAYERS + "util.MaskLayer",
            "MaskZeroLayer", LAYERS + "util.MaskZeroLayer",
            "Cropping1D", LAYERS + "convolutional.Cropping1D",
            "Cropping2D", LAYERS + "convolutional.Cropping2D",
            "RBM", LAYERS + "RBM");

    /** Layer classes dl4j-bridge runs: exactly the ones the configuration reader builds (DL4J's full names). */
    static final Set<String> SUPPORTED_LAYERS = ConfigurationJson.SUPPORTED_LAYERS.stream()
            .map(s -> s.equals("FrozenLayer") ? FROZEN : s.equals("FrozenLayerWithBackprop") ? FROZEN_BACKPROP : LAYERS + s)
            .collect(java.util.stream.Collectors.toUnmodifiableSet());

    /** Layer classes that hold parameters or updater settings (DL4J's BaseLayer subclasses). */
    static final Set<String> BASE_LAYERS = Set.of(
            LAYERS + "ConvolutionLayer", LAYERS + "Convolution2D", LAYERS + "DenseLayer", LAYERS + "OutputLayer",
            LAYERS + "LossLayer", LAYERS + "CnnLossLayer", LAYERS + "DropoutLayer", LAYERS + "BatchNormalization",
            LAYERS + "DepthwiseConvolution2D", LAYERS + "SeparableConvolution2D");

    static final Set<String> OUTPUT_LAYERS = Set.of(
            LAYERS + "OutputLayer", LAYERS + "LossLayer", LAYERS + "CnnLossLayer");

    static final Map<String, String> VERTEX_WRAPPERS = map(
            "LayerVertex", GRAPH + "LayerVertex",
            "MergeVertex", GRAPH + "MergeVertex",
            "ElementWiseVertex", GRAPH + "ElementWiseVertex",
            "SubsetVertex", GRAPH + "SubsetVertex",
            "PreprocessorVertex", GRAPH + "PreprocessorVertex",
            "StackVertex", GRAPH + "StackVertex",
            "UnstackVertex", GRAPH + "UnstackVertex",
            "L2Vertex", GRAPH + "L2Vertex",
            "ScaleVertex", GRAPH + "ScaleVertex",
            "ShiftVertex", GRAPH + "ShiftVertex",
            "L2NormalizeVertex", GRAPH + "L2NormalizeVertex",
            "LastTimeStepVertex", GRAPH + "rnn.LastTimeStepVertex",
            "ReverseTimeSeriesVertex", GRAPH + "rnn.ReverseTimeSeriesVertex",
            "DuplicateToTimeSeriesVertex", GRAPH + "rnn.DuplicateToTimeSeriesVertex");

    static final Set<String> SUPPORTED_VERTICES = ConfigurationJson.SUPPORTED_VERTICES.stream().map(s -> GRAPH + s)
            .collect(java.util.stream.Collectors.toUnmodifiableSet());

    static final Map<String, String> PREPROCESSOR_WRAPPERS = map(
            "cnnToFeedForward", PREPROC + "CnnToFeedForwardPreProcessor",
            "feedForwardToCnn", PREPROC + "FeedForwardToCnnPreProcessor",
            "cnnToRnn", PREPROC + "CnnToRnnPreProcessor",
            "rnnToCnn", PREPROC + "RnnToCnnPreProcessor",
            "feedForwardToRnn", PREPROC + "FeedForwardToRnnPreProcessor",
            "rnnToFeedForward", PREPROC + "RnnToFeedForwardPreProcessor",
            "composableInput", PREPROC + "ComposableInputPreProcessor");

    static final Set<String> SUPPORTED_PREPROCESSORS = Set.of(
            PREPROC + "CnnToFeedForwardPreProcessor", PREPROC + "FeedForwardToCnnPreProcessor",
            PREPROC + "ComposableInputPreProcessor", TF_CNN_TO_FF);

    /** Activation wrapper names (0.8–1.0.0-alpha) -> class. */
    static final Map<String, String> ACTIVATION_WRAPPERS = map(
            "ReLU", ACT + "ActivationReLU", "ReLU6", ACT + "ActivationReLU6", "Softmax", ACT + "ActivationSoftmax",
            "Identity", ACT + "ActivationIdentity", "Sigmoid", ACT + "ActivationSigmoid", "TanH", ACT + "ActivationTanH",
            "LReLU", ACT + "ActivationLReLU", "ELU", ACT + "ActivationELU", "HardSigmoid", ACT + "ActivationHardSigmoid",
            "HardTanh", ACT + "ActivationHardTanH", "RationalTanh", ACT + "ActivationRationalTanh",
            "RectifiedTanh", ACT + "ActivationRectifiedTanh", "SELU", ACT + "ActivationSELU",
            "SWISH", ACT + "ActivationSwish", "RReLU", ACT + "ActivationRReLU", "SoftPlus", ACT + "ActivationSoftPlus",
            "SoftSign", ACT + "ActivationSoftSign", "Cube", ACT + "ActivationCube");

    /** Activation enum names, lower-cased as 0.5–0.7.1 wrote them in "activationFunction" -> class. */
    static final Map<String, String> ACTIVATION_STRINGS = map(
            "relu", ACT + "ActivationReLU", "relu6", ACT + "ActivationReLU6", "softmax", ACT + "ActivationSoftmax",
            "identity", ACT + "ActivationIdentity", "linear", ACT + "ActivationIdentity",
            "sigmoid", ACT + "ActivationSigmoid", "tanh", ACT + "ActivationTanH",
            "leakyrelu", ACT + "ActivationLReLU", "elu", ACT + "ActivationELU",
            "hardsigmoid", ACT + "ActivationHardSigmoid", "hardtanh", ACT + "ActivationHardTanH",
            "rationaltanh", ACT + "ActivationRationalTanh", "rectifiedtanh", ACT + "ActivationRectifiedTanh",
            "selu", ACT + "ActivationSELU", "swish", ACT + "ActivationSwish", "rrelu", ACT + "ActivationRReLU",
            "softplus", ACT + "ActivationSoftPlus", "softsign", ACT + "ActivationSoftSign", "cube", ACT + "ActivationCube");

    /** Loss wrapper names (0.6–1.0.0-alpha) -> class. */
    static final Map<String, String> LOSS_WRAPPERS = map(
            "MCXENT", LOSS + "LossMCXENT", "NegativeLogLikelihood", LOSS + "LossNegativeLogLikelihood",
            "MSE", LOSS + "LossMSE", "L1", LOSS + "LossL1", "L2", LOSS + "LossL2", "MAE", LOSS + "LossMAE",
            "MAPE", LOSS + "LossMAPE", "MSLE", LOSS + "LossMSLE", "KLD", LOSS + "LossKLD",
            "Poisson", LOSS + "LossPoisson", "Hinge", LOSS + "LossHinge", "SquaredHinge", LOSS + "LossSquaredHinge",
            "CosineProximity", LOSS + "LossCosineProximity", "BinaryXENT", LOSS + "LossBinaryXENT",
            "FMeasure", LOSS + "LossFMeasure", "Wasserstein", LOSS + "LossWasserstein");

    /** LossFunctions.LossFunction enum (0.5.0 "lossFunction") -> class, as DL4J's getILossFunction maps it. */
    static final Map<String, String> LOSS_ENUMS = map(
            "MSE", LOSS + "LossMSE", "SQUARED_LOSS", LOSS + "LossMSE", "L1", LOSS + "LossL1",
            "XENT", LOSS + "LossBinaryXENT", "MCXENT", LOSS + "LossMCXENT",
            "KL_DIVERGENCE", LOSS + "LossKLD", "RECONSTRUCTION_CROSSENTROPY", LOSS + "LossKLD",
            "NEGATIVELOGLIKELIHOOD", LOSS + "LossNegativeLogLikelihood",
            "COSINE_PROXIMITY", LOSS + "LossCosineProximity", "HINGE", LOSS + "LossHinge",
            "SQUARED_HINGE", LOSS + "LossSquaredHinge", "MEAN_ABSOLUTE_ERROR", LOSS + "LossMAE",
            "L2", LOSS + "LossL2", "MEAN_ABSOLUTE_PERCENTAGE_ERROR", LOSS + "LossMAPE",
            "MEAN_SQUARED_LOGARITHMIC_ERROR", LOSS + "LossMSLE", "POISSON", LOSS + "LossPoisson");

    /** WeightInit enum -> IWeightInit class (WeightInit.getWeightInitFunction); ZERO/ONES/DISTRIBUTION apart. */
    static final Map<String, String> WEIGHT_INITS = map(
            "SIGMOID_UNIFORM", WEIGHTS + "WeightInitSigmoidUniform", "NORMAL", WEIGHTS + "WeightInitNormal",
            "LECUN_NORMAL", WEIGHTS + "WeightInitNormal", "XAVIER_FAN_IN", WEIGHTS + "WeightInitNormal",
            "UNIFORM", WEIGHTS + "WeightInitUniform", "XAVIER", WEIGHTS + "WeightInitXavier",
            "XAVIER_UNIFORM", WEIGHTS + "WeightInitXavierUniform", "XAVIER_LEGACY", WEIGHTS + "WeightInitXavierLegacy",
            "RELU", WEIGHTS + "WeightInitRelu", "RELU_UNIFORM", WEIGHTS + "WeightInitReluUniform",
            "IDENTITY", WEIGHTS + "WeightInitIdentity", "LECUN_UNIFORM", WEIGHTS + "WeightInitLecunUniform",
            "VAR_SCALING_NORMAL_FAN_IN", WEIGHTS + "WeightInitVarScalingNormalFanIn",
            "VAR_SCALING_NORMAL_FAN_OUT", WEIGHTS + "WeightInitVarScalingNormalFanOut",
            "VAR_SCALING_NORMAL_FAN_AVG", WEIGHTS + "WeightInitVarScalingNormalFanAvg",
            "VAR_SCALING_UNIFORM_FAN_IN", WEIGHTS + "WeightInitVarScalingUniformFanIn",
            "VAR_SCALING_UNIFORM_FAN_OUT", WEIGHTS + "WeightInitVarScalingUniformFanOut",
            "VAR_SCALING_UNIFORM_FAN_AVG", WEIGHTS + "WeightInitVarScalingUniformFanAvg");

    /** Legacy distribution wrapper name -> class. */
    static final Map<String, String> DISTRIBUTIONS = map(
            "normal", DIST + "NormalDistribution", "gaussian", DIST + "GaussianDistribution",
            "uniform", DIST + "UniformDistribution", "binomial", DIST + "BinomialDistribution");

    static String simpleName(String fqcn) {
        return fqcn.substring(fqcn.lastIndexOf('.') + 1);
    }

    static String supportedLayerList() {
        return String.join(", ", SUPPORTED_LAYERS.stream().map(LegacyNames::simpleName).sorted().toList());
    }

    static String supportedVertexList() {
        return String.join(", ", SUPPORTED_VERTICES.stream().map(LegacyNames::simpleName).sorted().toList());
    }

    private static Map<String, String> map(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return Map.copyOf(m);
    }
}
