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

import enum

import numpy as np

from . import arrays, jvm
from .errors import InvalidArgumentError

_P = "org.dl4jbridge.nn."
_WHERE = "dl4j_bridge.nn"


def _j(name: str):
    return jvm.cls(_P + name)


def _java(value):
    """The engine object behind a wrapper (or the value itself)."""
    return value.java if hasattr(value, "java") else value


# ---- enumerations ---------------------------------------------------------------------------------

class Activation(str, enum.Enum):
    """DL4J's activation names (``org.nd4j.linalg.activations.Activation``)."""
    CUBE = "CUBE"; ELU = "ELU"; HARDSIGMOID = "HARDSIGMOID"; HARDTANH = "HARDTANH"; IDENTITY = "IDENTITY"
    LEAKYRELU = "LEAKYRELU"; RATIONALTANH = "RATIONALTANH"; RELU = "RELU"; RELU6 = "RELU6"; SIGMOID = "SIGMOID"
    SOFTMAX = "SOFTMAX"; SOFTPLUS = "SOFTPLUS"; SOFTSIGN = "SOFTSIGN"; TANH = "TANH"; RECTIFIEDTANH = "RECTIFIEDTANH"
    SELU = "SELU"; SWISH = "SWISH"

    @property
    def java(self):
        return getattr(_j("conf.activations.Activation"), self.value)


class LossFunction(str, enum.Enum):
    """DL4J's loss names (``LossFunctions.LossFunction``)."""
    MSE = "MSE"; MCXENT = "MCXENT"; NEGATIVELOGLIKELIHOOD = "NEGATIVELOGLIKELIHOOD"

    @property
    def java(self):
        return getattr(_j("conf.losses.LossFunctions$LossFunction"), self.value)


class WeightInit(str, enum.Enum):
    """DL4J's weight-init names (``WeightInit``); DISTRIBUTION: pass a distribution instead."""
    ZERO = "ZERO"; ONES = "ONES"; SIGMOID_UNIFORM = "SIGMOID_UNIFORM"; NORMAL = "NORMAL"; LECUN_NORMAL = "LECUN_NORMAL"
    UNIFORM = "UNIFORM"; XAVIER = "XAVIER"; XAVIER_UNIFORM = "XAVIER_UNIFORM"; XAVIER_FAN_IN = "XAVIER_FAN_IN"
    XAVIER_LEGACY = "XAVIER_LEGACY"; RELU = "RELU"; RELU_UNIFORM = "RELU_UNIFORM"; IDENTITY = "IDENTITY"
    LECUN_UNIFORM = "LECUN_UNIFORM"

    @property
    def java(self):
        return getattr(_j("weights.WeightInit"), self.value)


class PoolingType(str, enum.Enum):
    MAX = "MAX"; AVG = "AVG"; SUM = "SUM"; PNORM = "PNORM"

    @property
    def java(self):
        return getattr(_j("conf.layers.PoolingType"), self.value)


class ConvolutionMode(str, enum.Enum):
    Strict = "Strict"; Truncate = "Truncate"; Same = "Same"; Causal = "Causal"

    @property
    def java(self):
        return getattr(_j("conf.ConvolutionMode"), self.value)


def _enum(kind, value, what: str):
    """An enum member from itself or its name, with an error listing the valid names."""
    if isinstance(value, kind):
        return value
    try:
        return kind(str(value).upper() if kind is not ConvolutionMode else str(value))
    except ValueError:
        raise InvalidArgumentError(_WHERE, f"{what} must be one of {[m.value for m in kind]}, got {value!r}") from None


# ---- small configuration objects -------------------------------------------------------------------

class _Handle:
    """A wrapper holding exactly one engine object."""

    def __init__(self, java):
        self.java = java

    def __repr__(self):
        return f"{type(self).__name__}({self.java.toString()})"


class NormalDistribution(_Handle):
    """Gaussian weights N(mean, std^2): the second argument is the standard deviation, as in DL4J."""

    def __init__(self, mean: float = 0.0, std: float = 1.0):
        super().__init__(jvm.call(_j("conf.distribution.NormalDistribution"), float(mean), float(std)))


class UniformDistribution(_Handle):
    def __init__(self, lower: float, upper: float):
        super().__init__(jvm.call(_j("conf.distribution.UniformDistribution"), float(lower), float(upper)))


class Sgd(_Handle):
    def __init__(self, *, learning_rate: float = 1e-3):
        super().__init__(jvm.call(_j("updater.Sgd"), float(learning_rate)))


class Nesterovs(_Handle):
    """Nesterov momentum. Keywords only: DL4J's ``new Nesterovs(x)`` sets the MOMENTUM, a classic trap."""

    def __init__(self, *, learning_rate: float = 0.1, momentum: float = 0.9):
        super().__init__(jvm.call(_j("updater.Nesterovs"), float(learning_rate), float(momentum)))


class Adam(_Handle):
    def __init__(self, *, learning_rate: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999, epsilon: float = 1e-8):
        super().__init__(jvm.call(_j("updater.Adam"), float(learning_rate), float(beta1), float(beta2), float(epsilon)))


class RmsProp(_Handle):
    def __init__(self, *, learning_rate: float = 0.1, rms_decay: float = 0.95, epsilon: float = 1e-8):
        super().__init__(jvm.call(_j("updater.RmsProp"), float(learning_rate), float(rms_decay), float(epsilon)))


class NoOp(_Handle):
    def __init__(self):
        super().__init__(jvm.call(_j("updater.NoOp")))


class InputType:
    """DL4J's InputType factories (the engine objects are returned directly)."""

    @staticmethod
    def feed_forward(size: int):
        return jvm.call(_j("conf.inputs.InputType").feedForward, int(size))

    @staticmethod
    def convolutional(height: int, width: int, channels: int):
        return jvm.call(_j("conf.inputs.InputType").convolutional, int(height), int(width), int(channels))

    @staticmethod
    def convolutional_flat(height: int, width: int, channels: int):
        return jvm.call(_j("conf.inputs.InputType").convolutionalFlat, int(height), int(width), int(channels))


class CnnToFeedForwardPreProcessor(_Handle):
    def __init__(self, height: int, width: int, channels: int):
        super().__init__(jvm.call(_j("conf.preprocessor.CnnToFeedForwardPreProcessor"), int(height), int(width), int(channels)))


class FeedForwardToCnnPreProcessor(_Handle):
    def __init__(self, height: int, width: int, channels: int):
        super().__init__(jvm.call(_j("conf.preprocessor.FeedForwardToCnnPreProcessor"), int(height), int(width), int(channels)))


class MergeVertex(_Handle):
    def __init__(self):
        super().__init__(jvm.call(_j("conf.graph.MergeVertex")))


class ElementWiseVertex(_Handle):
    OPS = ("Add", "Subtract", "Product", "Average", "Max")

    def __init__(self, op: str = "Add"):
        if op not in self.OPS:
            raise InvalidArgumentError(_WHERE, f"ElementWiseVertex op must be one of {list(self.OPS)}, got {op!r}")
        super().__init__(jvm.call(_j("conf.graph.ElementWiseVertex"), getattr(_j("conf.graph.ElementWiseVertex$Op"), op)))


class PreprocessorVertex(_Handle):
    def __init__(self, preprocessor):
        super().__init__(jvm.call(_j("conf.graph.PreprocessorVertex"), _java(preprocessor)))


# ---- layers -------------------------------------------------------------------------------------------

# Python keyword -> (Java builder method, converter). Converters turn Python values into engine values.
def _weight_init(v):
    if hasattr(v, "java") and isinstance(v, (NormalDistribution, UniformDistribution)):
        return v.java
    return _enum(WeightInit, v, "weight_init").java


def _pair(v):
    return [int(v), int(v)] if isinstance(v, (int, np.integer)) else [int(x) for x in v]


_COMMON = {
    "name": ("name", str),
    "drop_out": ("dropOut", float),
}
_BASE = {
    **_COMMON,
    "activation": ("activation", lambda v: _enum(Activation, v, "activation").java),
    "weight_init": ("weightInit", _weight_init),
    "bias_init": ("biasInit", float),
    "updater": ("updater", _java),
    "bias_updater": ("biasUpdater", _java),
    "l1": ("l1", float),
    "l2": ("l2", float),
    "l1_bias": ("l1Bias", float),
    "l2_bias": ("l2Bias", float),
    "weight_decay": ("weightDecay", float),
}
_FF = {**_BASE, "n_in": ("nIn", int), "n_out": ("nOut", int)}
_CONV = {**_FF, "kernel_size": ("kernelSize", _pair), "stride": ("stride", _pair), "padding": ("padding", _pair),
         "dilation": ("dilation", _pair), "has_bias": ("hasBias", bool),
         "convolution_mode": ("convolutionMode", lambda v: _enum(ConvolutionMode, v, "convolution_mode").java)}


class _Layer(_Handle):
    """Builds the engine layer configuration with DL4J's builder, one builder call per keyword."""

    _builder = ""
    _options: dict = {}

    def __init__(self, _ctor_args=(), **kwargs):
        builder = jvm.call(_j(self._builder), *_ctor_args)
        for key, value in kwargs.items():
            if value is None:
                continue
            if key not in self._options:
                raise InvalidArgumentError(_WHERE, f"{type(self).__name__} has no option {key!r}; options: "
                                                   f"{sorted(self._options)}")
            method, convert = self._options[key]
            if key == "weight_init" and isinstance(value, (NormalDistribution, UniformDistribution)):
                method = "dist"  # pyjnius cannot pick weightInit(Distribution) among its overloads
            v = convert(value)
            if isinstance(v, list):
                jvm.call(getattr(builder, method), *v)
            else:
                jvm.call(getattr(builder, method), v)
        super().__init__(jvm.call(builder.build))


class DenseLayer(_Layer):
    _builder = "conf.layers.DenseLayer$Builder"
    _options = {**_FF, "has_bias": ("hasBias", bool)}

    def __init__(self, **kwargs):
        super().__init__(**kwargs)


class OutputLayer(_Layer):
    """Dense output layer with a loss (DL4J's default loss is MCXENT)."""
    _builder = "conf.layers.OutputLayer$Builder"
    _options = {**_FF, "has_bias": ("hasBias", bool),
                "loss": ("lossFunction", lambda v: _enum(LossFunction, v, "loss").java)}

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
    _options = {**_COMMON, "pooling_type": ("poolingType", lambda v: _enum(PoolingType, v, "pooling_type").java),
                "kernel_size": ("kernelSize", _pair), "stride": ("stride", _pair), "padding": ("padding", _pair),
                "convolution_mode": ("convolutionMode", lambda v: _enum(ConvolutionMode, v, "convolution_mode").java)}

    def __init__(self, **kwargs):
        super().__init__(**kwargs)


class GlobalPoolingLayer(_Layer):
    _builder = "conf.layers.GlobalPoolingLayer$Builder"
    _options = {**_COMMON, "pooling_type": ("poolingType", lambda v: _enum(PoolingType, v, "pooling_type").java)}

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
    _options = {**_COMMON, "activation": ("activation", lambda v: _enum(Activation, v, "activation").java)}

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


class FrozenLayer(_Handle):
    """Wraps a layer so it is never trained (forward always in inference mode)."""

    def __init__(self, layer):
        super().__init__(jvm.call(_j("conf.layers.misc.FrozenLayer"), _java(layer)))


# ---- configurations ---------------------------------------------------------------------------------

class NeuralNetConfiguration:
    class Builder(_Handle):
        """DL4J's global builder; its values fill every layer field a layer leaves unset."""

        def __init__(self):
            super().__init__(jvm.call(_j("conf.NeuralNetConfiguration$Builder")))

        def _set(self, method, value):
            jvm.call(getattr(self.java, method), value)
            return self

        def seed(self, seed: int): return self._set("seed", int(seed))
        def updater(self, updater): return self._set("updater", _java(updater))
        def bias_updater(self, updater): return self._set("biasUpdater", _java(updater))
        def activation(self, a): return self._set("activation", _enum(Activation, a, "activation").java)
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
            return self._set("convolutionMode", _enum(ConvolutionMode, m, "convolution_mode").java)

        def graph_builder(self) -> "GraphBuilder":
            return GraphBuilder(jvm.call(self.java.graphBuilder))

        def list(self) -> "ListBuilder":
            return ListBuilder(jvm.call(self.java.list))


class GraphBuilder(_Handle):
    def add_inputs(self, *names: str):
        jvm.call(self.java.addInputs, *[str(n) for n in names])
        return self

    def set_input_types(self, *types):
        jvm.call(self.java.setInputTypes, *types)
        return self

    def add_layer(self, name: str, layer, *inputs: str, preprocessor=None):
        if not inputs:
            raise InvalidArgumentError(_WHERE, f"add_layer({name!r}): give at least one input vertex name")
        if preprocessor is None:
            jvm.call(self.java.addLayer, str(name), _java(layer), *[str(i) for i in inputs])
        else:
            jvm.call(self.java.addLayer, str(name), _java(layer), _java(preprocessor), *[str(i) for i in inputs])
        return self

    def add_vertex(self, name: str, vertex, *inputs: str):
        jvm.call(self.java.addVertex, str(name), _java(vertex), *[str(i) for i in inputs])
        return self

    def set_outputs(self, *names: str):
        jvm.call(self.java.setOutputs, *[str(n) for n in names])
        return self

    def build(self) -> "ComputationGraphConfiguration":
        return ComputationGraphConfiguration(jvm.call(self.java.build))


class ListBuilder(_Handle):
    def layer(self, layer):
        jvm.call(self.java.layer, _java(layer))
        return self

    def set_input_type(self, input_type):
        jvm.call(self.java.setInputType, input_type)
        return self

    def input_pre_processor(self, index: int, preprocessor):
        jvm.call(self.java.inputPreProcessor, int(index), _java(preprocessor))
        return self

    def build(self) -> "MultiLayerConfiguration":
        return MultiLayerConfiguration(jvm.call(self.java.build))


class ComputationGraphConfiguration(_Handle):
    def to_json(self) -> str:
        return jvm.call(self.java.toJson)

    @classmethod
    def from_json(cls, text: str) -> "ComputationGraphConfiguration":
        return cls(jvm.call(_j("conf.ComputationGraphConfiguration").fromJson, text))

    def __repr__(self):
        return f"ComputationGraphConfiguration(vertices={list(self.java.getVertices().keySet().toArray())})"


class MultiLayerConfiguration(_Handle):
    def to_json(self) -> str:
        return jvm.call(self.java.toJson)

    @classmethod
    def from_json(cls, text: str) -> "MultiLayerConfiguration":
        return cls(jvm.call(_j("conf.MultiLayerConfiguration").fromJson, text))

    def __repr__(self):
        return f"MultiLayerConfiguration(layers={self.java.getConfs().size()})"


# ---- networks ---------------------------------------------------------------------------------------

def _as_batch(x, what: str) -> np.ndarray:
    a = np.asarray(x)
    if a.ndim < 2:
        raise InvalidArgumentError(_WHERE, f"{what} must have a minibatch dimension first, got shape {a.shape}; "
                                           f"for one example use x[None, ...]")
    return a


class ScoreIterationListener(_Handle):
    """Prints "Score at iteration i is s" every ``print_iterations`` iterations (from the engine's stdout)."""

    def __init__(self, print_iterations: int = 10):
        super().__init__(jvm.call(_j("graph.ScoreIterationListener"), int(print_iterations)))


class CollectScoresIterationListener(_Handle):
    """Records (iteration, score) pairs during fit; read them with :meth:`scores`."""

    def __init__(self, frequency: int = 1):
        super().__init__(jvm.call(_j("graph.CollectScoresIterationListener"), int(frequency)))

    def scores(self) -> list[tuple[int, float]]:
        its = list(jvm.call(self.java.getIterations))
        return list(zip([int(i) for i in its], [float(s) for s in jvm.call(self.java.getScores)]))


class _Network(_Handle):
    """What ComputationGraph and MultiLayerNetwork share."""

    @classmethod
    def from_java(cls, handle):
        """Wraps an engine network (e.g. one restored by ModelSerializer or built by TransferLearning)."""
        obj = cls.__new__(cls)
        _Handle.__init__(obj, handle)
        return obj

    def set_listeners(self, *listeners) -> None:
        jvm.call(self.java.setListeners, *[_java(x) for x in listeners])

    def init(self, params=None):
        """Initializes parameters from the seed, or from ``params`` (numpy, num_params values)."""
        if params is None:
            jvm.call(self.java.init)
        else:
            jvm.call(self.java.init, arrays.to_java(np.asarray(params, np.float32).reshape(1, -1)), True)
        return self

    def num_params(self) -> int:
        return int(jvm.call(self.java.numParams))

    def params(self) -> np.ndarray:
        """A copy of the flat parameter vector (DL4J's order and orientation)."""
        return arrays.to_numpy(jvm.call(self.java.params)).reshape(-1)

    def set_params(self, values) -> None:
        v = np.asarray(values, np.float32).reshape(-1)
        if v.size != self.num_params():
            raise InvalidArgumentError(_WHERE, f"set_params: got {v.size} values, the network has {self.num_params()}")
        jvm.call(self.java.setParams, arrays.to_java(v))

    def gradient(self) -> np.ndarray:
        """The flat gradient of the last fit / compute_gradient_and_score (summed over the minibatch)."""
        return arrays.to_numpy(jvm.call(self.java.gradient)).reshape(-1)

    def get_param(self, key: str) -> np.ndarray:
        """One parameter array, e.g. ``get_param("fc2_W")`` ("0_W" for a MultiLayerNetwork)."""
        return arrays.to_numpy(jvm.call(self.java.getParam, str(key)))

    def param_keys(self) -> list[str]:
        return list(jvm.call(self.java.paramTable).keySet().toArray())

    def score(self, features=None, labels=None) -> float:
        """The last iteration's score (before its update), or the score of ``(features, labels)``."""
        if features is None:
            return float(jvm.call(self.java.score))
        ds = jvm.call(jvm.cls("org.dl4jbridge.datasets.DataSet"), arrays.to_java(_as_batch(features, "features")),
                      arrays.to_java(_as_batch(labels, "labels")))
        return float(jvm.call(self.java.score, ds))

    def summary(self) -> str:
        return jvm.call(self.java.summary)

    @property
    def iteration_count(self) -> int:
        return int(jvm.call(self.java.getIterationCount))

    @property
    def epoch_count(self) -> int:
        return int(jvm.call(self.java.getEpochCount))

    def evaluate(self, iterator):
        """DL4J's classification evaluation over an engine iterator (``dl4j_bridge.datasets``)."""
        from .evaluation import Evaluation
        return Evaluation.from_java(jvm.call(self.java.evaluate, _java(iterator)))

    def _fit_iterator(self, iterator, epochs: int):
        if int(epochs) < 1:
            raise InvalidArgumentError(_WHERE, f"epochs must be >= 1, got {epochs}")
        jvm.call(self.java.fit, _java(iterator), int(epochs))


class ComputationGraph(_Network):
    """DL4J's ComputationGraph. ``output`` takes and returns numpy arrays."""

    def __init__(self, conf):
        super().__init__(jvm.call(_j("graph.ComputationGraph"), _java(conf)))

    @property
    def configuration(self) -> ComputationGraphConfiguration:
        return ComputationGraphConfiguration(jvm.call(self.java.getConfiguration))

    def output(self, *inputs):
        """Inference-mode outputs: one numpy array for a one-output graph, else a list."""
        xs = [arrays.to_java(_as_batch(x, "input")) for x in inputs]
        outs = jvm.call(self.java.output, False, *xs)
        res = [arrays.to_numpy(o) for o in outs]
        return res[0] if len(res) == 1 else res

    def fit(self, features, labels=None, epochs: int = 1) -> None:
        """``fit(x, y)``: one iteration on one minibatch; ``fit(iterator, epochs=n)``: n epochs."""
        if labels is None:
            self._fit_iterator(features, epochs)
            return
        xs = features if isinstance(features, (list, tuple)) else [features]
        ys = labels if isinstance(labels, (list, tuple)) else [labels]
        jvm.call(self.java.fit, [arrays.to_java(_as_batch(x, "features")) for x in xs],
                 [arrays.to_java(_as_batch(y, "labels")) for y in ys])

    def freeze_layers_in_place(self, *names: str) -> None:
        jvm.call(self.java.freezeLayersInPlace, jvm.cls("java.util.Arrays").asList([str(n) for n in names]))


class MultiLayerNetwork(_Network):
    """DL4J's MultiLayerNetwork (parameter keys "0_W", "0_b", ...)."""

    def __init__(self, conf):
        super().__init__(jvm.call(_j("multilayer.MultiLayerNetwork"), _java(conf)))

    def output(self, x) -> np.ndarray:
        return arrays.to_numpy(jvm.call(self.java.output, arrays.to_java(_as_batch(x, "input")), False))

    def fit(self, features, labels=None, epochs: int = 1) -> None:
        if labels is None:
            self._fit_iterator(features, epochs)
            return
        jvm.call(self.java.fit, arrays.to_java(_as_batch(features, "features")), arrays.to_java(_as_batch(labels, "labels")))


__all__ = [
    "Activation", "LossFunction", "WeightInit", "PoolingType", "ConvolutionMode", "NormalDistribution",
    "UniformDistribution", "Sgd", "Nesterovs", "Adam", "RmsProp", "NoOp", "InputType", "CnnToFeedForwardPreProcessor",
    "FeedForwardToCnnPreProcessor", "MergeVertex", "ElementWiseVertex", "PreprocessorVertex", "DenseLayer",
    "OutputLayer", "ConvolutionLayer", "DepthwiseConvolution2D", "SubsamplingLayer", "GlobalPoolingLayer",
    "BatchNormalization", "ActivationLayer", "DropoutLayer", "Upsampling2D", "FrozenLayer", "NeuralNetConfiguration",
    "GraphBuilder", "ListBuilder", "ComputationGraphConfiguration", "MultiLayerConfiguration", "ComputationGraph",
    "MultiLayerNetwork", "ScoreIterationListener", "CollectScoresIterationListener",
]
