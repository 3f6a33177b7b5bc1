"""Networks: configurations, layers, updaters, ComputationGraph and MultiLayerNetwork.

Thin wrappers over the engine's ``org.dl4jbridge.nn`` classes (DL4J's API): one JVM object per
Python object, snake_case names mapping one-to-one to DL4J's Java names, arrays crossing as one
numpy buffer per call. Every computation runs in the engine.

==============================================  ================================================
Python                                          DL4J / engine Java
==============================================  ================================================
``Activation.RELU``                             ``Activation.RELU``
``LossFunction.NEGATIVELOGLIKELIHOOD``          ``LossFunctions.LossFunction.NEGATIVELOGLIKELIHOOD``
``WeightInit.XAVIER``                           ``WeightInit.XAVIER``
``NormalDistribution(mean, std)``               ``new NormalDistribution(mean, std)``
``Sgd(learning_rate=)``                         ``new Sgd(lr)``
``Nesterovs(learning_rate=, momentum=)``        ``new Nesterovs(lr, momentum)`` (keywords only: no 3.8 trap)
``Adam(learning_rate=, beta1=, beta2=, ...)``   ``new Adam(lr, beta1, beta2, epsilon)``
``RmsProp(learning_rate=, rms_decay=, ...)``    ``new RmsProp(lr, rmsDecay, epsilon)``
``NoOp()``                                      ``new NoOp()``
``DenseLayer(n_in=, n_out=, activation=, ...)`` ``new DenseLayer.Builder().nIn(..).nOut(..)...build()``
``OutputLayer(n_in=, n_out=, activation=,``     ``new OutputLayer.Builder(loss).nIn(..)...build()``
``loss=)``
``ConvolutionLayer(kernel_size=, stride=, ...)`` ``new ConvolutionLayer.Builder(k).stride(..)...``
``DepthwiseConvolution2D``, ``SubsamplingLayer``, ``GlobalPoolingLayer``, ``BatchNormalization``,
``ActivationLayer``, ``DropoutLayer``, ``Upsampling2D``, ``FrozenLayer``: the same pattern
``MergeVertex()``, ``ElementWiseVertex(op)``,   the DL4J vertices and pre-processors
``PreprocessorVertex(p)``,
``CnnToFeedForwardPreProcessor(h, w, c)``,
``FeedForwardToCnnPreProcessor(h, w, c)``
``InputType.feed_forward(n)``                   ``InputType.feedForward(n)``
``InputType.convolutional(h, w, c)``            ``InputType.convolutional(h, w, c)``
``NeuralNetConfiguration.Builder()``            ``new NeuralNetConfiguration.Builder()``
``.seed .updater .activation .weight_init``     ``.seed .updater .activation .weightInit``
``.bias_init .l1 .l2 .drop_out``                ``.biasInit .l1 .l2 .dropOut``
``.graph_builder()`` / ``.list()``              ``.graphBuilder()`` / ``.list()``
``.add_inputs .add_layer .add_vertex``          ``.addInputs .addLayer .addVertex``
``.set_outputs .set_input_types .build``        ``.setOutputs .setInputTypes .build``
``ComputationGraph(conf).init()``               ``new ComputationGraph(conf).init()``
``.output(x) .fit(x, y) .fit(iterator, epochs)`` ``.output .fit .fit(iterator, epochs)``
``.score() .summary() .params() .set_params()`` ``.score() .summary() .params() .setParams()``
``.num_params() .get_param(key) .evaluate(it)``  ``.numParams() .getParam(key) .evaluate(it)``
``.iteration_count .epoch_count``               ``.getIterationCount() .getEpochCount()``
``.configuration.to_json()``                    ``getConfiguration().toJson()``
``MultiLayerNetwork``                           ``MultiLayerNetwork`` (same methods)
==============================================  ================================================

>>> conf = (NeuralNetConfiguration.Builder().seed(12345).updater(Nesterovs(learning_rate=0.01, momentum=0.9))
...         .graph_builder().add_inputs("in")
...         .add_layer("fc", DenseLayer(n_in=4, n_out=8, activation=Activation.RELU), "in")
...         .add_layer("out", OutputLayer(n_in=8, n_out=3, activation=Activation.SOFTMAX,
...                                       loss=LossFunction.NEGATIVELOGLIKELIHOOD), "fc")
...         .set_outputs("out").build())                          # doctest: +SKIP
>>> net = ComputationGraph(conf).init()                          # doctest: +SKIP
>>> net.fit(x, y); probs = net.output(x)                         # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np

from . import arrays, jvm
from .errors import ArgumentError
from .wrapper import JavaEnum, JavaWrapper, java_list, strings, to_java

_P = "org.dl4jbridge.nn."


def _new(name: str, *args):
    return jvm.new(_P + name, *args)


def _static(name: str, method: str, *args):
    return jvm.static(_P + name, method, *args)


# ---- enumerations ---------------------------------------------------------------------------------

class Activation(JavaEnum):
    """DL4J's activation names (``org.nd4j.linalg.activations.Activation``)."""
    CUBE = "CUBE"; ELU = "ELU"; HARDSIGMOID = "HARDSIGMOID"; HARDTANH = "HARDTANH"; IDENTITY = "IDENTITY"
    LEAKYRELU = "LEAKYRELU"; RATIONALTANH = "RATIONALTANH"; RELU = "RELU"; RELU6 = "RELU6"; SIGMOID = "SIGMOID"
    SOFTMAX = "SOFTMAX"; SOFTPLUS = "SOFTPLUS"; SOFTSIGN = "SOFTSIGN"; TANH = "TANH"; RECTIFIEDTANH = "RECTIFIEDTANH"
    SELU = "SELU"; SWISH = "SWISH"

    @staticmethod
    def _java_class():
        return _P + "conf.activations.Activation"


class LossFunction(JavaEnum):
    """DL4J's loss names (``LossFunctions.LossFunction``)."""
    MSE = "MSE"; MCXENT = "MCXENT"; NEGATIVELOGLIKELIHOOD = "NEGATIVELOGLIKELIHOOD"

    @staticmethod
    def _java_class():
        return _P + "conf.losses.LossFunctions$LossFunction"


class WeightInit(JavaEnum):
    """DL4J's weight-init names (``WeightInit``); DISTRIBUTION: pass a distribution instead."""
    ZERO = "ZERO"; ONES = "ONES"; SIGMOID_UNIFORM = "SIGMOID_UNIFORM"; NORMAL = "NORMAL"; LECUN_NORMAL = "LECUN_NORMAL"
    UNIFORM = "UNIFORM"; XAVIER = "XAVIER"; XAVIER_UNIFORM = "XAVIER_UNIFORM"; XAVIER_FAN_IN = "XAVIER_FAN_IN"
    XAVIER_LEGACY = "XAVIER_LEGACY"; RELU = "RELU"; RELU_UNIFORM = "RELU_UNIFORM"; IDENTITY = "IDENTITY"
    LECUN_UNIFORM = "LECUN_UNIFORM"

    @staticmethod
    def _java_class():
        return _P + "weights.WeightInit"


class PoolingType(JavaEnum):
    MAX = "MAX"; AVG = "AVG"; SUM = "SUM"; PNORM = "PNORM"

    @staticmethod
    def _java_class():
        return _P + "conf.layers.PoolingType"


class ConvolutionMode(JavaEnum):
    Strict = "Strict"; Truncate = "Truncate"; Same = "Same"; Causal = "Causal"

    @staticmethod
    def _java_class():
        return _P + "conf.ConvolutionMode"


class GradientNormalization(JavaEnum):
    """DL4J's gradient normalization / clipping modes."""
    None_ = "None"; RenormalizeL2PerLayer = "RenormalizeL2PerLayer"; RenormalizeL2PerParamType = "RenormalizeL2PerParamType"
    ClipElementWiseAbsoluteValue = "ClipElementWiseAbsoluteValue"; ClipL2PerLayer = "ClipL2PerLayer"
    ClipL2PerParamType = "ClipL2PerParamType"

    @staticmethod
    def _java_class():
        return _P + "conf.GradientNormalization"


# ---- small configuration objects -------------------------------------------------------------------

class NormalDistribution(JavaWrapper):
    """Gaussian weights N(mean, std^2): the second argument is the standard deviation, as in DL4J."""

    def __init__(self, mean: float = 0.0, std: float = 1.0):
        super().__init__(_new("conf.distribution.NormalDistribution", float(mean), float(std)))


class UniformDistribution(JavaWrapper):
    def __init__(self, lower: float, upper: float):
        super().__init__(_new("conf.distribution.UniformDistribution", float(lower), float(upper)))


class Sgd(JavaWrapper):
    def __init__(self, *, learning_rate: float = 1e-3):
        super().__init__(_new("updater.Sgd", float(learning_rate)))


class Nesterovs(JavaWrapper):
    """Nesterov momentum. Keywords only: DL4J's ``new Nesterovs(x)`` sets the MOMENTUM, a classic trap."""

    def __init__(self, *, learning_rate: float = 0.1, momentum: float = 0.9):
        super().__init__(_new("updater.Nesterovs", float(learning_rate), float(momentum)))


class Adam(JavaWrapper):
    def __init__(self, *, learning_rate: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999, epsilon: float = 1e-8):
        super().__init__(_new("updater.Adam", float(learning_rate), float(beta1), float(beta2), float(epsilon)))


class RmsProp(JavaWrapper):
    def __init__(self, *, learning_rate: float = 0.1, rms_decay: float = 0.95, epsilon: float = 1e-8):
        super().__init__(_new("updater.RmsProp", float(learning_rate), float(rms_decay), float(epsilon)))


class NoOp(JavaWrapper):
    def __init__(self):
        super().__init__(_new("updater.NoOp"))


class InputType:
    """DL4J's InputType factories (the engine objects are returned directly)."""

    @staticmethod
    def feed_forward(size: int):
        return _static("conf.inputs.InputType", "feedForward", int(size))

    @staticmethod
    def convolutional(height: int, width: int, channels: int):
        return _static("conf.inputs.InputType", "convolutional", int(height), int(width), int(channels))

    @staticmethod
    def convolutional_flat(height: int, width: int, channels: int):
        return _static("conf.inputs.InputType", "convolutionalFlat", int(height), int(width), int(channels))


class CnnToFeedForwardPreProcessor(JavaWrapper):
    def __init__(self, height: int, width: int, channels: int):
        super().__init__(_new("conf.preprocessor.CnnToFeedForwardPreProcessor", int(height), int(width), int(channels)))


class FeedForwardToCnnPreProcessor(JavaWrapper):
    def __init__(self, height: int, width: int, channels: int):
        super().__init__(_new("conf.preprocessor.FeedForwardToCnnPreProcessor", int(height), int(width), int(channels)))


class MergeVertex(JavaWrapper):
    def __init__(self):
        super().__init__(_new("conf.graph.MergeVertex"))


class ElementWiseVertex(JavaWrapper):
    OPS = ("Add", "Subtract", "Product", "Average", "Max")

    def __init__(self, op: str = "Add"):
        if op not in self.OPS:
            raise ArgumentError(f"ElementWiseVertex op must be one of {list(self.OPS)}, got {op!r}")
        super().__init__(_new("conf.graph.ElementWiseVertex", jvm.constant(_P + "conf.graph.ElementWiseVertex$Op", op)))


class PreprocessorVertex(JavaWrapper):
    def __init__(self, preprocessor):
        super().__init__(_new("conf.graph.PreprocessorVertex", to_java(preprocessor)))


# ---- layers -------------------------------------------------------------------------------------------

# Python keyword -> (Java builder method, converter). Converters turn Python values into engine values.
def _weight_init(v):
    if isinstance(v, (NormalDistribution, UniformDistribution)):
        return v.java
    return WeightInit.parse(v, "weight_init").java


def _pair(v):
    return [int(v), int(v)] if isinstance(v, (int, np.integer)) else [int(x) for x in v]


_COMMON = {
    "name": ("name", str),
    "drop_out": ("dropOut", float),
}
_BASE = {
    **_COMMON,
    "activation": ("activation", lambda v: Activation.parse(v, "activation").java),
    "weight_init": ("weightInit", _weight_init),
    "bias_init": ("biasInit", float),
    "updater": ("updater", to_java),
    "bias_updater": ("biasUpdater", to_java),
    "l1": ("l1", float),
    "l2": ("l2", float),
    "l1_bias": ("l1Bias", float),
    "l2_bias": ("l2Bias", float),
    "weight_decay": ("weightDecay", float),
}
_FF = {**_BASE, "n_in": ("nIn", int), "n_out": ("nOut", int)}
_CONV = {**_FF, "kernel_size": ("kernelSize", _pair), "stride": ("stride", _pair), "padding": ("padding", _pair),
         "dilation": ("dilation", _pair), "has_bias": ("hasBias", bool),
         "convolution_mode": ("convolutionMode", lambda v: ConvolutionMode.parse(v, "convolution_mode").java)}


class _Layer(JavaWrapper):
    """Builds the engine layer configuration with DL4J's builder, one builder call per keyword."""

    _builder = ""
    _options: dict = {}

    def __init__(self, _ctor_args=(), **kwargs):
        builder = _new(self._builder, *_ctor_args)
        for key, value in kwargs.items():
            if value is None:
                continue
            if key not in self._options:
                raise ArgumentError(f"{type(self).__name__} has no option {key!r}; options: "
                                                   f"{sorted(self._options)}")
            method, convert = self._options[key]
            if key == "weight_init" and isinstance(value, (NormalDistribution, UniformDistribution)):
                method = "dist"  # pyjnius cannot pick weightInit(Distribution) among its overloads
            v = convert(value)
            if isinstance(v, list):
                jvm.invoke(builder, method, *v)
            else:
                jvm.invoke(builder, method, v)
        super().__init__(jvm.invoke(builder, "build"))


class DenseLayer(_Layer):
    _builder = "conf.layers.DenseLayer$Builder"
    _options = {**_FF, "has_bias": ("hasBias", bool)}

    def __init__(self, **kwargs):
        super().__init__(**kwargs)


class OutputLayer(_Layer):
    """Dense output layer with a loss (DL4J's default loss is MCXENT)."""
    _builder = "conf.layers.OutputLayer$Builder"
    _options = {**_FF, "has_bias": ("hasBias", bool),
                "loss": ("lossFunction", lambda v: LossFunction.parse(v, "loss").java)}

    def __init__(self, **kwargs):
        super().__init__(**kwargs)


class ConvolutionLayer(_Layer):
    _builder = "conf.layers.ConvolutionLayer$Builder"
    _options = _CONV

    def __init__(self, **kwargs):
        super().__init__(**kwargs)


class DepthwiseConvolution2D(_Layer):
    _builder = "conf.layers.DepthwiseConvolution2D$Builder"
    _options = {**_CONV, "depth_multiplier": ("depthMultiplier", int)}

    def __init__(self, **kwargs):
        super().__init__(**kwargs)


class SubsamplingLayer(_Layer):
    _builder = "conf.layers.SubsamplingLayer$Builder"
    _options = {**_COMMON, "pooling_type": ("poolingType", lambda v: PoolingType.parse(v, "pooling_type").java),
                "kernel_size": ("kernelSize", _pair), "stride": ("stride", _pair), "padding": ("padding", _pair),
                "convolution_mode": ("convolutionMode", lambda v: ConvolutionMode.parse(v, "convolution_mode").java)}

    def __init__(self, **kwargs):
        super().__init__(**kwargs)


class GlobalPoolingLayer(_Layer):
    _builder = "conf.layers.GlobalPoolingLayer$Builder"
    _options = {**_COMMON, "pooling_type": ("poolingType", lambda v: PoolingType.parse(v, "pooling_type").java)}

    def __init__(self, **kwargs):
        super().__init__(**kwargs)


class BatchNormalization(_Layer):
    _builder = "conf.layers.BatchNormalization$Builder"
    _options = {**_FF, "decay": ("decay", float), "eps": ("eps", float), "lock_gamma_beta": ("lockGammaBeta", bool),
                "use_log_std": ("useLogStd", bool)}

    def __init__(self, **kwargs):
        super().__init__(**kwargs)


class ActivationLayer(_Layer):
    _builder = "conf.layers.ActivationLayer$Builder"
    _options = {**_COMMON, "activation": ("activation", lambda v: Activation.parse(v, "activation").java)}

    def __init__(self, activation=None, **kwargs):
        super().__init__(activation=activation, **kwargs)


class DropoutLayer(_Layer):
    """Dropout with ``retain`` = probability of RETAINING an activation (DL4J semantics)."""
    _builder = "conf.layers.DropoutLayer$Builder"
    _options = {**_COMMON}

    def __init__(self, retain: float, **kwargs):
        super().__init__(_ctor_args=(float(retain),), **kwargs)


class Upsampling2D(_Layer):
    _builder = "conf.layers.Upsampling2D$Builder"
    _options = {**_COMMON, "size": ("size", _pair)}

    def __init__(self, size=2, **kwargs):
        super().__init__(size=size, **kwargs)


class FrozenLayer(JavaWrapper):
    """Wraps a layer so it is never trained (forward always in inference mode)."""

    def __init__(self, layer):
        super().__init__(_new("conf.layers.misc.FrozenLayer", to_java(layer)))


# ---- configurations ---------------------------------------------------------------------------------

class NeuralNetConfiguration:
    class Builder(JavaWrapper):
        """DL4J's global builder; its values fill every layer field a layer leaves unset."""

        def __init__(self):
            super().__init__(_new("conf.NeuralNetConfiguration$Builder"))

        def _set(self, method, value):
            self._call(method, value)
            return self

        def seed(self, seed: int): return self._set("seed", int(seed))
        def updater(self, updater): return self._set("updater", to_java(updater))
        def bias_updater(self, updater): return self._set("biasUpdater", to_java(updater))
        def activation(self, a): return self._set("activation", Activation.parse(a, "activation").java)
        def weight_init(self, w):
            if isinstance(w, (NormalDistribution, UniformDistribution)):
                return self._set("dist", w.java)
            return self._set("weightInit", _weight_init(w))
        def bias_init(self, v: float): return self._set("biasInit", float(v))
        def l1(self, v: float): return self._set("l1", float(v))
        def l2(self, v: float): return self._set("l2", float(v))
        def weight_decay(self, v: float): return self._set("weightDecay", float(v))
        def drop_out(self, retain: float): return self._set("dropOut", float(retain))

        def convolution_mode(self, m):
            return self._set("convolutionMode", ConvolutionMode.parse(m, "convolution_mode").java)

        def graph_builder(self) -> "GraphBuilder":
            return GraphBuilder(self._call("graphBuilder"))

        def list(self) -> "ListBuilder":
            return ListBuilder(self._call("list"))


class GraphBuilder(JavaWrapper):
    def add_inputs(self, *names: str):
        self._call("addInputs", *[str(n) for n in names])
        return self

    def set_input_types(self, *types):
        self._call("setInputTypes", *types)
        return self

    def add_layer(self, name: str, layer, *inputs: str, preprocessor=None):
        if not inputs:
            raise ArgumentError(f"add_layer({name!r}): give at least one input vertex name")
        if preprocessor is None:
            self._call("addLayer", str(name), to_java(layer), *[str(i) for i in inputs])
        else:
            self._call("addLayer", str(name), to_java(layer), to_java(preprocessor), *[str(i) for i in inputs])
        return self

    def add_vertex(self, name: str, vertex, *inputs: str):
        self._call("addVertex", str(name), to_java(vertex), *[str(i) for i in inputs])
        return self

    def set_outputs(self, *names: str):
        self._call("setOutputs", *[str(n) for n in names])
        return self

    def build(self) -> "ComputationGraphConfiguration":
        return ComputationGraphConfiguration(self._call("build"))


class ListBuilder(JavaWrapper):
    def layer(self, layer):
        self._call("layer", to_java(layer))
        return self

    def set_input_type(self, input_type):
        self._call("setInputType", input_type)
        return self

    def input_pre_processor(self, index: int, preprocessor):
        self._call("inputPreProcessor", int(index), to_java(preprocessor))
        return self

    def build(self) -> "MultiLayerConfiguration":
        return MultiLayerConfiguration(self._call("build"))


class ComputationGraphConfiguration(JavaWrapper):
    def to_json(self) -> str:
        return self._call("toJson")

    @classmethod
    def from_json(cls, text: str) -> "ComputationGraphConfiguration":
        return cls(_static("conf.ComputationGraphConfiguration", "fromJson", text))

    def __repr__(self):
        return f"ComputationGraphConfiguration(vertices={strings(jvm.invoke(self._call('getVertices'), 'keySet'))})"


class MultiLayerConfiguration(JavaWrapper):
    def to_json(self) -> str:
        return self._call("toJson")

    @classmethod
    def from_json(cls, text: str) -> "MultiLayerConfiguration":
        return cls(_static("conf.MultiLayerConfiguration", "fromJson", text))

    def __repr__(self):
        return f"MultiLayerConfiguration(layers={jvm.invoke(self._call('getConfs'), 'size')})"


# ---- networks ---------------------------------------------------------------------------------------

def _as_batch(x, what: str) -> np.ndarray:
    a = np.asarray(x)
    if a.ndim < 2:
        raise ArgumentError(f"{what} must have a minibatch dimension first, got shape {a.shape}; "
                            f"for one example use x[None, ...]")
    return a


class ScoreIterationListener(JavaWrapper):
    """Prints "Score at iteration i is s" every ``print_iterations`` iterations (from the engine's stdout)."""

    def __init__(self, print_iterations: int = 10):
        super().__init__(_new("graph.ScoreIterationListener", int(print_iterations)))


class CollectScoresIterationListener(JavaWrapper):
    """Records (iteration, score) pairs during fit; read them with :meth:`scores`."""

    def __init__(self, frequency: int = 1):
        super().__init__(_new("graph.CollectScoresIterationListener", int(frequency)))

    def scores(self) -> list[tuple[int, float]]:
        its = list(self._call("getIterations"))
        return list(zip([int(i) for i in its], [float(s) for s in self._call("getScores")]))


class TrainingListener(JavaWrapper):
    """Python callbacks during training (DL4J's TrainingListener): ``on_iteration(iteration, epoch,
    score)`` after every parameter update (``score``: the minibatch's score before it), and
    ``on_epoch_end(epoch)`` after every epoch. An exception raised in a callback (Ctrl-C included)
    stops training at the next minibatch and is re-raised by the ``fit`` call.

    >>> scores = []
    >>> net.set_listeners(TrainingListener(on_iteration=lambda i, e, s: scores.append(s)))  # doctest: +SKIP
    """

    def __init__(self, on_iteration=None, on_epoch_end=None):
        for name, fn in (("on_iteration", on_iteration), ("on_epoch_end", on_epoch_end)):
            if fn is not None and not callable(fn):
                raise ArgumentError(f"{name} must be a function, got {type(fn).__name__}")
        super().__init__(jvm.training_listener(on_iteration, on_epoch_end))


class _Network(JavaWrapper):
    """What ComputationGraph and MultiLayerNetwork share."""

    def set_listeners(self, *listeners) -> None:
        """Replaces the training listeners (``ScoreIterationListener``, ``TrainingListener``, ...)."""
        self._call("setListeners", *[to_java(x, "listener") for x in listeners])

    def init(self, params=None):
        """Initializes parameters from the seed, or from ``params`` (numpy, num_params values)."""
        if params is None:
            self._call("init")
        else:
            self._call("init", arrays.to_java(np.asarray(params, np.float32).reshape(1, -1)), True)
        return self

    def num_params(self) -> int:
        return int(self._call("numParams"))

    def params(self) -> np.ndarray:
        """A copy of the flat parameter vector (DL4J's order and orientation)."""
        return arrays.to_numpy(self._call("params")).reshape(-1)

    def set_params(self, values) -> None:
        v = np.asarray(values, np.float32).reshape(-1)
        if v.size != self.num_params():
            raise ArgumentError(f"set_params: got {v.size} values, the network has {self.num_params()}")
        self._call("setParams", arrays.to_java(v))

    def gradient(self) -> np.ndarray:
        """The flat gradient of the last fit / compute_gradient_and_score (summed over the minibatch)."""
        return arrays.to_numpy(self._call("gradient")).reshape(-1)

    def get_param(self, key: str) -> np.ndarray:
        """One parameter array, e.g. ``get_param("fc2_W")`` ("0_W" for a MultiLayerNetwork)."""
        return arrays.to_numpy(self._call("getParam", str(key)))

    def param_keys(self) -> list[str]:
        return strings(jvm.invoke(self._call("paramTable"), "keySet"))

    def score(self, features=None, labels=None) -> float:
        """The last iteration's score (before its update), or the score of ``(features, labels)``."""
        if features is None:
            return float(self._call("score"))
        ds = jvm.new("org.dl4jbridge.datasets.DataSet", arrays.to_java(_as_batch(features, "features")),
                     arrays.to_java(_as_batch(labels, "labels")))
        return float(self._call("score", ds))

    def summary(self) -> str:
        return self._call("summary")

    @property
    def iteration_count(self) -> int:
        return int(self._call("getIterationCount"))

    @property
    def epoch_count(self) -> int:
        return int(self._call("getEpochCount"))

    def evaluate(self, iterator, progress=None):
        """DL4J's classification evaluation over an engine iterator (``dl4j_bridge.datasets``).
        ``progress``: ``callback(done_batches, total, note)`` after each minibatch (``total`` is -1)."""
        from .evaluation import Evaluation
        if progress is None:
            return Evaluation.from_java(self._call("evaluate", to_java(iterator, "iterator")))
        return Evaluation.from_java(self._call("evaluate", to_java(iterator, "iterator"),
                                               jvm.progress_listener(progress)))

    def _fit_iterator(self, data, epochs: int):
        if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
            raise ArgumentError(f"epochs must be an integer >= 1, got {epochs!r}")
        from .datasets import DataSet
        if isinstance(data, DataSet):   # one minibatch: one iteration per epoch
            for _ in range(epochs):
                self._call("fit", data)
            return
        self._call("fit", to_java(data, "data"), epochs)


class ComputationGraph(_Network):
    """DL4J's ComputationGraph. ``output`` takes and returns numpy arrays."""

    def __init__(self, conf):
        super().__init__(_new("graph.ComputationGraph", to_java(conf)))

    @property
    def configuration(self) -> ComputationGraphConfiguration:
        return ComputationGraphConfiguration(self._call("getConfiguration"))

    def output(self, *inputs):
        """Inference-mode outputs: one numpy array for a one-output graph, else a list."""
        xs = [arrays.to_java(_as_batch(x, "input")) for x in inputs]
        outs = self._call("output", False, *xs)
        res = [arrays.to_numpy(o) for o in outs]
        return res[0] if len(res) == 1 else res

    def fit(self, features, labels=None, epochs: int = 1) -> None:
        """``fit(x, y)`` or ``fit(dataset)``: one iteration on one minibatch; ``fit(iterator, epochs=n)``: n epochs."""
        if labels is None:
            self._fit_iterator(features, epochs)
            return
        xs = features if isinstance(features, (list, tuple)) else [features]
        ys = labels if isinstance(labels, (list, tuple)) else [labels]
        self._call("fit", [arrays.to_java(_as_batch(x, "features")) for x in xs],
                 [arrays.to_java(_as_batch(y, "labels")) for y in ys])

    def freeze_layers_in_place(self, *names: str) -> None:
        self._call("freezeLayersInPlace", java_list([str(n) for n in names]))


class MultiLayerNetwork(_Network):
    """DL4J's MultiLayerNetwork (parameter keys "0_W", "0_b", ...)."""

    def __init__(self, conf):
        super().__init__(_new("multilayer.MultiLayerNetwork", to_java(conf)))

    def output(self, x) -> np.ndarray:
        return arrays.to_numpy(self._call("output", arrays.to_java(_as_batch(x, "input")), False))

    def fit(self, features, labels=None, epochs: int = 1) -> None:
        if labels is None:
            self._fit_iterator(features, epochs)
            return
        self._call("fit", arrays.to_java(_as_batch(features, "features")), arrays.to_java(_as_batch(labels, "labels")))


__all__ = [
    "Activation", "LossFunction", "WeightInit", "PoolingType", "ConvolutionMode", "GradientNormalization", "NormalDistribution",
    "UniformDistribution", "Sgd", "Nesterovs", "Adam", "RmsProp", "NoOp", "InputType", "CnnToFeedForwardPreProcessor",
    "FeedForwardToCnnPreProcessor", "MergeVertex", "ElementWiseVertex", "PreprocessorVertex", "DenseLayer",
    "OutputLayer", "ConvolutionLayer", "DepthwiseConvolution2D", "SubsamplingLayer", "GlobalPoolingLayer",
    "BatchNormalization", "ActivationLayer", "DropoutLayer", "Upsampling2D", "FrozenLayer", "NeuralNetConfiguration",
    "GraphBuilder", "ListBuilder", "ComputationGraphConfiguration", "MultiLayerConfiguration", "ComputationGraph",
    "MultiLayerNetwork", "ScoreIterationListener", "CollectScoresIterationListener", "TrainingListener",
]
