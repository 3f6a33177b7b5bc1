"""Transfer learning with DL4J's API: edit a trained network, freeze its feature extractor, train the head.

Names map one-to-one to DL4J's Java names (``org.deeplearning4j.nn.transferlearning``)::

    Python                                         Java (DL4J)
    FineTuneConfiguration(updater=..., seed=...)   new FineTuneConfiguration.Builder().updater(..).seed(..).build()
    TransferLearning.GraphBuilder(model)           new TransferLearning.GraphBuilder(model)
      .fine_tune_configuration(ftc)                  .fineTuneConfiguration(ftc)
      .set_feature_extractor("fc2")                  .setFeatureExtractor("fc2")
      .remove_vertex_keep_connections("predictions") .removeVertexKeepConnections("predictions")
      .remove_vertex_and_connections(name)           .removeVertexAndConnections(name)
      .add_layer(name, layer, *inputs)               .addLayer(name, layer, inputs...)
      .add_vertex(name, vertex, *inputs)             .addVertex(name, vertex, inputs...)
      .n_out_replace(name, n_out, scheme)            .nOutReplace(name, nOut, scheme)
      .n_in_replace(name, n_in, scheme)              .nInReplace(name, nIn, scheme)
      .set_outputs(*names) / .add_inputs / .set_inputs  .setOutputs(...) / .addInputs / .setInputs
      .build()                                       .build()
    TransferLearning.Builder(mln)                  new TransferLearning.Builder(mln)
      .set_feature_extractor(layer_index)            .setFeatureExtractor(layerNum)
      .remove_output_layer() / .remove_layers_from_output(n) / .add_layer(layer) / .set_input_pre_processor(i, p)
    TransferLearningHelper(model, *frozen_output_at)  new TransferLearningHelper(model, frozenOutputAt...)
      .featurize(data) / .fit_featurized(data) / .output_from_featurized(x) / .unfrozen_graph()

Improvements on DL4J (the engine's): unknown names fail at once with the closest existing names,
the result does not depend on the order of the builder calls, and freezing the output layer is
refused. ``TransferLearningHelper.set_feature_cache(dir)`` keeps featurized data on disk.
"""

from __future__ import annotations

import enum
import os
from pathlib import Path

import numpy as np

from . import arrays, jvm
from .errors import InvalidArgumentError

_PKG = "org.dl4jbridge.nn.transferlearning."
_WHO = "dl4j_bridge.transfer"


def _java(obj, what: str):
    """The engine object behind a Python wrapper (``.java``), or ``obj`` itself if it already is one."""
    if obj is None:
        raise InvalidArgumentError(_WHO, f"{what} is None")
    for attr in ("java", "_java"):
        handle = getattr(obj, attr, None)
        if handle is not None and not callable(handle):
            return handle
    if isinstance(obj, (str, bytes, int, float, list, tuple, dict, np.ndarray)):
        raise InvalidArgumentError(_WHO, f"{what} must be a dl4j_bridge object (layer, updater, network...), "
                                         f"got {type(obj).__name__} {obj!r:.60}")
    return obj


def _enum(java_class: str, value, what: str):
    """A Java enum constant from a Java constant, a wrapper (``.java``), a Python enum member or a name."""
    if value is None:
        return None
    handle = getattr(value, "java", None)
    if handle is not None and not callable(handle):
        return handle
    if isinstance(value, enum.Enum):
        name = value.name
    elif isinstance(value, str):
        name = value
    else:
        return _java(value, what)
    klass = jvm.cls(java_class)
    names = [str(c.name()) for c in klass.values()]
    matches = [n for n in names if n.upper() == name.upper()]
    if not matches:
        raise InvalidArgumentError(_WHO, f"{what}={value!r} is not one of {names}")
    return klass.valueOf(matches[0])


def _graph(handle):
    from .nn import ComputationGraph
    return ComputationGraph.from_java(handle)


def _multilayer(handle):
    from .nn import MultiLayerNetwork
    return MultiLayerNetwork.from_java(handle)


def _names(names, call: str) -> list[str]:
    if len(names) == 1 and isinstance(names[0], (list, tuple)):
        names = tuple(names[0])
    if not names or not all(isinstance(n, str) and n for n in names):
        raise InvalidArgumentError(_WHO, f"{call} needs one or more vertex names (non-empty strings), got {names!r}")
    return list(names)


class FineTuneConfiguration:
    """Settings that override the original network's when fine-tuning (only those given act).

    ``updater`` (e.g. ``Nesterovs(learning_rate=0.01, momentum=0.9)``) and ``seed`` are the usual
    ones; ``drop_out`` is a retain probability, as everywhere in DL4J.
    """

    _FIELDS = {  # python keyword -> Java builder method
        "updater": "updater", "bias_updater": "biasUpdater", "seed": "seed", "activation": "activation",
        "weight_init": "weightInit", "bias_init": "biasInit", "l1": "l1", "l2": "l2", "l1_bias": "l1Bias",
        "l2_bias": "l2Bias", "weight_decay": "weightDecay", "weight_decay_bias": "weightDecayBias",
        "drop_out": "dropOut", "gradient_normalization": "gradientNormalization",
        "gradient_normalization_threshold": "gradientNormalizationThreshold",
        "convolution_mode": "convolutionMode", "mini_batch": "miniBatch", "minimize": "minimize",
    }

    def __init__(self, **settings):
        unknown = sorted(set(settings) - set(self._FIELDS))
        if unknown:
            raise InvalidArgumentError(_WHO, f"FineTuneConfiguration got unknown settings {unknown}; "
                                             f"known: {sorted(self._FIELDS)}")
        self.settings = {k: v for k, v in settings.items() if v is not None}
        builder = jvm.cls(_PKG + "FineTuneConfiguration$Builder")()
        for key, value in self.settings.items():
            jvm.call(getattr(builder, self._FIELDS[key]), self._to_java(key, value))
        self.java = jvm.call(builder.build)

    @staticmethod
    def _to_java(key: str, value):
        if key in ("updater", "bias_updater"):
            return _java(value, key)
        if key == "activation":
            return _enum("org.dl4jbridge.nn.conf.activations.Activation", value, key)
        if key == "weight_init":
            return _enum("org.dl4jbridge.nn.weights.WeightInit", value, key)
        if key == "gradient_normalization":
            return _enum("org.dl4jbridge.nn.conf.GradientNormalization", value, key)
        if key == "convolution_mode":
            return _enum("org.dl4jbridge.nn.conf.ConvolutionMode", value, key)
        if key in ("mini_batch", "minimize"):
            return bool(value)
        if key == "seed":
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise InvalidArgumentError(_WHO, f"seed must be an integer, got {value!r}")
            return int(value)
        try:
            return float(value)
        except (TypeError, ValueError):
            raise InvalidArgumentError(_WHO, f"{key} must be a number, got {value!r}") from None

    def __repr__(self):
        return "FineTuneConfiguration(" + ", ".join(f"{k}={v!r}" for k, v in self.settings.items()) + ")"


class TransferLearning:
    """Namespace, as in DL4J: :class:`TransferLearning.GraphBuilder` and :class:`TransferLearning.Builder`."""

    class GraphBuilder:
        """Edits a ComputationGraph; nothing changes until :meth:`build`, which returns a new network."""

        def __init__(self, model):
            self.java = jvm.call(jvm.cls(_PKG + "TransferLearning$GraphBuilder"), _java(model, "model"))

        def _do(self, method: str, *args):
            jvm.call(getattr(self.java, method), *args)
            return self

        def fine_tune_configuration(self, ftc: FineTuneConfiguration):
            return self._do("fineTuneConfiguration", _java(ftc, "fine_tune_configuration"))

        def set_feature_extractor(self, *layer_names):
            return self._do("setFeatureExtractor", *_names(layer_names, "set_feature_extractor"))

        def remove_vertex_keep_connections(self, name: str):
            return self._do("removeVertexKeepConnections", *_names((name,), "remove_vertex_keep_connections"))

        def remove_vertex_and_connections(self, name: str):
            return self._do("removeVertexAndConnections", *_names((name,), "remove_vertex_and_connections"))

        def add_layer(self, name: str, layer, *inputs, pre_processor=None):
            ins = _names(inputs, "add_layer inputs")
            if pre_processor is None:
                return self._do("addLayer", name, _java(layer, "layer"), *ins)
            return self._do("addLayer", name, _java(layer, "layer"), _java(pre_processor, "pre_processor"), *ins)

        def add_vertex(self, name: str, vertex, *inputs):
            return self._do("addVertex", name, _java(vertex, "vertex"), *_names(inputs, "add_vertex inputs"))

        def n_out_replace(self, layer_name: str, n_out: int, scheme="XAVIER", scheme_next=None):
            w = _enum("org.dl4jbridge.nn.weights.WeightInit", scheme, "scheme")
            wn = _enum("org.dl4jbridge.nn.weights.WeightInit", scheme_next if scheme_next is not None else scheme,
                       "scheme_next")
            return self._do("nOutReplace", layer_name, int(n_out), w, wn)

        def n_in_replace(self, layer_name: str, n_in: int, scheme="XAVIER"):
            w = _enum("org.dl4jbridge.nn.weights.WeightInit", scheme, "scheme")
            return self._do("nInReplace", layer_name, int(n_in), w)

        def set_outputs(self, *output_names):
            return self._do("setOutputs", *_names(output_names, "set_outputs"))

        def add_inputs(self, *input_names):
            return self._do("addInputs", *_names(input_names, "add_inputs"))

        def set_inputs(self, *input_names):
            return self._do("setInputs", *_names(input_names, "set_inputs"))

        def build(self):
            """The edited network (a :class:`dl4j_bridge.nn.ComputationGraph`)."""
            return _graph(jvm.call(self.java.build))

    class Builder:
        """Edits a MultiLayerNetwork; layers are addressed by index."""

        def __init__(self, model):
            self.java = jvm.call(jvm.cls(_PKG + "TransferLearning$Builder"), _java(model, "model"))

        def _do(self, method: str, *args):
            jvm.call(getattr(self.java, method), *args)
            return self

        def fine_tune_configuration(self, ftc: FineTuneConfiguration):
            return self._do("fineTuneConfiguration", _java(ftc, "fine_tune_configuration"))

        def set_feature_extractor(self, layer_num: int):
            """Freezes layers 0..layer_num (inclusive)."""
            return self._do("setFeatureExtractor", int(layer_num))

        def n_out_replace(self, layer_num: int, n_out: int, scheme="XAVIER", scheme_next=None):
            w = _enum("org.dl4jbridge.nn.weights.WeightInit", scheme, "scheme")
            wn = _enum("org.dl4jbridge.nn.weights.WeightInit", scheme_next if scheme_next is not None else scheme,
                       "scheme_next")
            return self._do("nOutReplace", int(layer_num), int(n_out), w, wn)

        def n_in_replace(self, layer_num: int, n_in: int, scheme="XAVIER"):
            return self._do("nInReplace", int(layer_num), int(n_in),
                            _enum("org.dl4jbridge.nn.weights.WeightInit", scheme, "scheme"))

        def remove_output_layer(self):
            return self._do("removeOutputLayer")

        def remove_layers_from_output(self, n: int):
            return self._do("removeLayersFromOutput", int(n))

        def add_layer(self, layer):
            return self._do("addLayer", _java(layer, "layer"))

        def set_input_pre_processor(self, layer: int, pre_processor):
            return self._do("setInputPreProcessor", int(layer), _java(pre_processor, "pre_processor"))

        def build(self):
            """The edited network (a :class:`dl4j_bridge.nn.MultiLayerNetwork`)."""
            return _multilayer(jvm.call(self.java.build))


class FeaturizedDataSetIterator:
    """Featurized minibatches held by the engine; pass it to :meth:`TransferLearningHelper.fit_featurized`."""

    def __init__(self, java_iterator):
        # featurize() is declared to return a DataSetIterator; size()/totalExamples() live on the class.
        self.java = jvm.cast("org.dl4jbridge.nn.transferlearning.FeaturizedIterator", java_iterator)

    def reset(self) -> None:
        self.java.reset()

    @property
    def num_batches(self) -> int:
        return int(self.java.size())

    @property
    def total_examples(self) -> int:
        return int(self.java.totalExamples())

    @property
    def labels(self) -> list[str] | None:
        names = self.java.getLabels()
        return None if names is None else [str(x) for x in names.toArray()]

    def __len__(self) -> int:
        return self.num_batches

    def __iter__(self):
        """(features, labels) numpy pairs, from the first minibatch."""
        self.java.reset()
        while self.java.hasNext():
            ds = self.java.next()
            yield arrays.to_numpy(ds.getFeatures()), arrays.to_numpy(ds.getLabels())
        self.java.reset()


class TransferLearningHelper:
    """Featurize once through the frozen part, then train only the rest (DL4J's TransferLearningHelper).

    ``TransferLearningHelper(model)`` uses the layers frozen by :class:`TransferLearning`;
    ``TransferLearningHelper(model, "fc2")`` freezes ``fc2`` and everything before it, in place.
    ``feature_cache`` (a folder) keeps featurized data on disk, keyed by the frozen part's
    parameters, the boundary and the data, so a second run skips the forward pass.
    """

    def __init__(self, model, *frozen_output_at, feature_cache=None):
        names = _names(frozen_output_at, "TransferLearningHelper") if frozen_output_at else []
        self.model = model
        self.java = jvm.call(jvm.cls(_PKG + "TransferLearningHelper"), _java(model, "model"), *names)
        if feature_cache is not None:
            self.set_feature_cache(feature_cache)

    def set_feature_cache(self, directory) -> "TransferLearningHelper":
        path = None if directory is None else str(Path(os.fspath(directory)).expanduser().absolute())
        jvm.call(self.java.setFeatureCache, None if path is None else jvm.cls("java.io.File")(path).toPath())
        return self

    def last_cache_status(self) -> str:
        """"hit", "miss", "corrupt (...), rebuilt", or "off"."""
        return str(jvm.call(self.java.lastCacheStatus))

    @property
    def frozen_boundary(self) -> list[str]:
        return [str(x) for x in jvm.call(self.java.frozenBoundary).toArray()]

    def unfrozen_graph(self):
        """The trainable part as its own :class:`dl4j_bridge.nn.ComputationGraph` (inputs: the boundary)."""
        return _graph(jvm.call(self.java.unfrozenGraph))

    def featurize(self, data, data_identity: str | None = None):
        """Boundary activations of ``data``.

        ``data`` is a minibatch ``(features, labels)`` of numpy arrays (returns the same, featurized)
        or a dataset iterator (returns a :class:`FeaturizedDataSetIterator` over all its minibatches,
        through the feature cache when one is set; ``data_identity`` names the data for the cache key,
        otherwise the data itself is hashed).
        """
        if isinstance(data, tuple):
            features, labels = self._pair(data, "featurize")
            out = jvm.call(self.java.featurize, self._dataset(features, labels))
            return arrays.to_numpy(out.getFeatures()), arrays.to_numpy(out.getLabels())
        it = _java(data, "data")
        if data_identity is None:
            return FeaturizedDataSetIterator(jvm.call(self.java.featurize, it))
        return FeaturizedDataSetIterator(jvm.call(self.java.featurize, it, str(data_identity)))

    def fit_featurized(self, data, epochs: int = 1) -> None:
        """Trains the unfrozen part on featurized data, then copies its parameters into the model."""
        if isinstance(data, tuple):
            features, labels = self._pair(data, "fit_featurized")
            for _ in range(int(epochs)):
                jvm.call(self.java.fitFeaturized, self._dataset(features, labels))
            return
        jvm.call(self.java.fitFeaturized, _java(data, "data"), int(epochs))

    def output_from_featurized(self, features) -> np.ndarray:
        return arrays.to_numpy(jvm.call(self.java.outputFromFeaturized, arrays.to_java(features)))

    @staticmethod
    def _pair(data, call):
        if len(data) != 2:
            raise InvalidArgumentError(_WHO, f"{call} takes (features, labels), got a tuple of {len(data)}")
        features, labels = np.asarray(data[0]), np.asarray(data[1])
        if features.shape[0] != labels.shape[0]:
            raise InvalidArgumentError(_WHO, f"{call}: features have {features.shape[0]} examples but labels "
                                             f"{labels.shape[0]}")
        return features, labels

    @staticmethod
    def _dataset(features, labels):
        return jvm.call(jvm.cls("org.dl4jbridge.datasets.DataSet"), arrays.to_java(features), arrays.to_java(labels))


__all__ = ["FineTuneConfiguration", "TransferLearning", "TransferLearningHelper", "FeaturizedDataSetIterator"]
