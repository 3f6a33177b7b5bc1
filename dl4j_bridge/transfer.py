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
the result does not depend on the order in which the different kinds of edit are called (added
layers keep their call order, as in DL4J), and freezing the output layer is refused. ``TransferLearningHelper.set_feature_cache(dir)`` keeps featurized data on disk.
"""

from __future__ import annotations

import numpy as np

from . import arrays, jvm
from .datasets import DataSet, DataSetIterator
from .errors import ArgumentError
from .nn import Activation, ComputationGraph, ConvolutionMode, GradientNormalization, MultiLayerNetwork, WeightInit
from .wrapper import JavaWrapper, java_path, strings, to_java

_PKG = "org.dl4jbridge.nn.transferlearning."


def _handle(obj, what: str):
    """The engine object behind a wrapper argument, refusing None and plain Python values by name."""
    if obj is None:
        raise ArgumentError(f"{what} is None")
    return to_java(obj, what)


def _names(names, call: str) -> list[str]:
    if len(names) == 1 and isinstance(names[0], (list, tuple)):
        names = tuple(names[0])
    if not names or not all(isinstance(n, str) and n for n in names):
        raise ArgumentError(f"{call} needs one or more vertex names (non-empty strings), got {names!r}")
    return list(names)


class FineTuneConfiguration(JavaWrapper):
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
            raise ArgumentError(f"FineTuneConfiguration got unknown settings {unknown}; known: {sorted(self._FIELDS)}")
        self.settings = {k: v for k, v in settings.items() if v is not None}
        builder = jvm.new(_PKG + "FineTuneConfiguration$Builder")
        for key, value in self.settings.items():
            jvm.invoke(builder, self._FIELDS[key], self._to_java(key, value))
        super().__init__(jvm.invoke(builder, "build"))

    @staticmethod
    def _to_java(key: str, value):
        if key in ("updater", "bias_updater"):
            return _handle(value, key)
        if key == "activation":
            return Activation.parse(value, key).java
        if key == "weight_init":
            return WeightInit.parse(value, key).java
        if key == "gradient_normalization":
            return GradientNormalization.parse(value, key).java
        if key == "convolution_mode":
            return ConvolutionMode.parse(value, key).java
        if key in ("mini_batch", "minimize"):
            return bool(value)
        if key == "seed":
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise ArgumentError(f"seed must be an integer, got {value!r}")
            return int(value)
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ArgumentError(f"{key} must be a number, got {value!r}") from None

    def __repr__(self):
        return "FineTuneConfiguration(" + ", ".join(f"{k}={v!r}" for k, v in self.settings.items()) + ")"


class TransferLearning:
    """Namespace, as in DL4J: :class:`TransferLearning.GraphBuilder` and :class:`TransferLearning.Builder`."""

    class GraphBuilder(JavaWrapper):
        """Edits a ComputationGraph; nothing changes until :meth:`build`, which returns a new network."""

        def __init__(self, model):
            super().__init__(jvm.new(_PKG + "TransferLearning$GraphBuilder", _handle(model, "model")))

        def _do(self, method: str, *args):
            self._call(method, *args)
            return self

        def fine_tune_configuration(self, ftc: FineTuneConfiguration):
            return self._do("fineTuneConfiguration", _handle(ftc, "fine_tune_configuration"))

        def set_feature_extractor(self, *layer_names):
            return self._do("setFeatureExtractor", *_names(layer_names, "set_feature_extractor"))

        def remove_vertex_keep_connections(self, name: str):
            return self._do("removeVertexKeepConnections", *_names((name,), "remove_vertex_keep_connections"))

        def remove_vertex_and_connections(self, name: str):
            return self._do("removeVertexAndConnections", *_names((name,), "remove_vertex_and_connections"))

        def add_layer(self, name: str, layer, *inputs, pre_processor=None):
            ins = _names(inputs, "add_layer inputs")
            if pre_processor is None:
                return self._do("addLayer", name, _handle(layer, "layer"), *ins)
            return self._do("addLayer", name, _handle(layer, "layer"), _handle(pre_processor, "pre_processor"), *ins)

        def add_vertex(self, name: str, vertex, *inputs):
            return self._do("addVertex", name, _handle(vertex, "vertex"), *_names(inputs, "add_vertex inputs"))

        def n_out_replace(self, layer_name: str, n_out: int, scheme="XAVIER", scheme_next=None):
            w = WeightInit.parse(scheme, "scheme").java
            wn = WeightInit.parse(scheme_next if scheme_next is not None else scheme, "scheme_next").java
            return self._do("nOutReplace", layer_name, int(n_out), w, wn)

        def n_in_replace(self, layer_name: str, n_in: int, scheme="XAVIER"):
            w = WeightInit.parse(scheme, "scheme").java
            return self._do("nInReplace", layer_name, int(n_in), w)

        def set_outputs(self, *output_names):
            return self._do("setOutputs", *_names(output_names, "set_outputs"))

        def add_inputs(self, *input_names):
            return self._do("addInputs", *_names(input_names, "add_inputs"))

        def set_inputs(self, *input_names):
            return self._do("setInputs", *_names(input_names, "set_inputs"))

        def build(self):
            """The edited network (a :class:`dl4j_bridge.nn.ComputationGraph`)."""
            return ComputationGraph.from_java(self._call("build"))

    class Builder(JavaWrapper):
        """Edits a MultiLayerNetwork; layers are addressed by index."""

        def __init__(self, model):
            super().__init__(jvm.new(_PKG + "TransferLearning$Builder", _handle(model, "model")))

        def _do(self, method: str, *args):
            self._call(method, *args)
            return self

        def fine_tune_configuration(self, ftc: FineTuneConfiguration):
            return self._do("fineTuneConfiguration", _handle(ftc, "fine_tune_configuration"))

        def set_feature_extractor(self, layer_num: int):
            """Freezes layers 0..layer_num (inclusive)."""
            return self._do("setFeatureExtractor", int(layer_num))

        def n_out_replace(self, layer_num: int, n_out: int, scheme="XAVIER", scheme_next=None):
            w = WeightInit.parse(scheme, "scheme").java
            wn = WeightInit.parse(scheme_next if scheme_next is not None else scheme, "scheme_next").java
            return self._do("nOutReplace", int(layer_num), int(n_out), w, wn)

        def n_in_replace(self, layer_num: int, n_in: int, scheme="XAVIER"):
            return self._do("nInReplace", int(layer_num), int(n_in),
                            WeightInit.parse(scheme, "scheme").java)

        def remove_output_layer(self):
            return self._do("removeOutputLayer")

        def remove_layers_from_output(self, n: int):
            return self._do("removeLayersFromOutput", int(n))

        def add_layer(self, layer):
            return self._do("addLayer", _handle(layer, "layer"))

        def set_input_pre_processor(self, layer: int, pre_processor):
            return self._do("setInputPreProcessor", int(layer), _handle(pre_processor, "pre_processor"))

        def build(self):
            """The edited network (a :class:`dl4j_bridge.nn.MultiLayerNetwork`)."""
            return MultiLayerNetwork.from_java(self._call("build"))


class FeaturizedDataSetIterator(DataSetIterator):
    """Featurized minibatches held by the engine; pass it to :meth:`TransferLearningHelper.fit_featurized`
    or a network's ``fit`` / ``evaluate``."""

    def __init__(self, java_iterator):
        # featurize() is declared to return a DataSetIterator; size()/totalExamples() live on the class.
        super().__init__(jvm.cast(_PKG + "FeaturizedIterator", java_iterator))

    @property
    def num_batches(self) -> int:
        return int(self._call("size"))

    @property
    def total_examples(self) -> int:
        return int(self._call("totalExamples"))

    def __len__(self) -> int:
        return self.num_batches

    def numpy_batches(self):
        """(features, labels) numpy pairs, from the first minibatch."""
        for ds in self:
            yield ds.get_features(), ds.get_labels()
        self.reset()


class TransferLearningHelper(JavaWrapper):
    """Featurize once through the frozen part, then train only the rest (DL4J's TransferLearningHelper).

    ``TransferLearningHelper(model)`` uses the layers frozen by :class:`TransferLearning`;
    ``TransferLearningHelper(model, "fc2")`` freezes ``fc2`` and everything before it, in place.
    ``feature_cache`` (a folder) keeps featurized data on disk. The engine keys it by the frozen
    part (its inference configuration and parameters), the boundary and the iterator's own
    configuration (its files with size and modification time, image size, channel order,
    pre-processor, batch size), so a second run skips the forward pass and any change to those
    misses the cache; training settings (updater, learning rate, regularization, dropout, seed) do
    not decide the features, so changing them for a new head reuses the cache.
    """

    def __init__(self, model, *frozen_output_at, feature_cache=None):
        names = _names(frozen_output_at, "TransferLearningHelper") if frozen_output_at else []
        super().__init__(jvm.new(_PKG + "TransferLearningHelper", _handle(model, "model"), *names))
        self.model = model
        if feature_cache is not None:
            self.set_feature_cache(feature_cache)

    def set_feature_cache(self, directory) -> "TransferLearningHelper":
        self._call("setFeatureCache", None if directory is None else java_path(directory))
        return self

    def last_cache_status(self) -> str:
        """"hit", "miss", "corrupt (...), rebuilt", or "off"."""
        return str(self._call("lastCacheStatus"))

    @property
    def frozen_boundary(self) -> list[str]:
        return strings(self._call("frozenBoundary"))

    def unfrozen_graph(self) -> ComputationGraph:
        """The trainable part as its own :class:`dl4j_bridge.nn.ComputationGraph` (inputs: the boundary)."""
        return ComputationGraph.from_java(self._call("unfrozenGraph"))

    def featurize(self, data, progress=None):
        """Boundary activations of ``data``.

        ``data`` is a minibatch ``(features, labels)`` of numpy arrays (returns the same, featurized),
        a :class:`~dl4j_bridge.datasets.DataSet` (returns a featurized one), or a dataset iterator
        (returns a :class:`FeaturizedDataSetIterator` over all its minibatches, through the feature
        cache when one is set). ``progress``: ``callback(done_batches, total, note)`` after each
        minibatch (``total`` is -1), or once ``(n, n, "cached")`` on a cache hit.
        """
        if isinstance(data, tuple):
            features, labels = self._pair(data, "featurize")
            out = DataSet.from_java(self._call("featurize", DataSet(features, labels)))
            return out.get_features(), out.get_labels()
        if isinstance(data, DataSet):
            return DataSet.from_java(self._call("featurize", data))
        it = _handle(data, "data")
        listener = None if progress is None else jvm.progress_listener(progress)
        return FeaturizedDataSetIterator(self._call("featurize", it, listener))

    def fit_featurized(self, data, epochs: int = 1) -> None:
        """Trains the unfrozen part on featurized data, then copies its parameters, updater state and
        iteration/epoch counts into the model (so saving the model saves the trained state)."""
        if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
            raise ArgumentError(f"epochs must be an integer >= 1, got {epochs!r}")
        if isinstance(data, tuple):
            features, labels = self._pair(data, "fit_featurized")
            data = DataSet(features, labels)
        if isinstance(data, DataSet):
            for _ in range(epochs):
                self._call("fitFeaturized", data)
            return
        self._call("fitFeaturized", _handle(data, "data"), epochs)

    def output_from_featurized(self, features) -> np.ndarray:
        return arrays.to_numpy(self._call("outputFromFeaturized", arrays.to_java(features)))

    @staticmethod
    def _pair(data, call):
        if len(data) != 2:
            raise ArgumentError(f"{call} takes (features, labels), got a tuple of {len(data)}")
        features, labels = np.asarray(data[0]), np.asarray(data[1])
        if features.shape[0] != labels.shape[0]:
            raise ArgumentError(f"{call}: features have {features.shape[0]} examples but labels {labels.shape[0]}")
        return features, labels


__all__ = ["FineTuneConfiguration", "TransferLearning", "TransferLearningHelper", "FeaturizedDataSetIterator"]
