"""Transfer learning from Python on a tiny VGG-like graph (fc1/fc2/predictions, as VGG16 names them).

What DL4J freezes for set_feature_extractor("fc2") (DL4J_SPEC 5.3): fc2 and every vertex it depends
on (fc1, the flatten vertex, the pooling and convolution layers); the input is never wrapped.
"""

import itertools

import numpy as np
import pytest

from dl4j_bridge import jvm
from dl4j_bridge.datasets import DataSet, DataSetIterator
from dl4j_bridge.errors import ArgumentError, InvalidArgumentError
from dl4j_bridge.wrapper import java_list as java_list_of
from dl4j_bridge.transfer import FineTuneConfiguration, TransferLearning, TransferLearningHelper

from dl4j_bridge.nn import (Activation, CnnToFeedForwardPreProcessor, ComputationGraph, ConvolutionLayer, DenseLayer,
                            InputType, LossFunction, Nesterovs, NeuralNetConfiguration, OutputLayer, PoolingType,
                            PreprocessorVertex, SubsamplingLayer, WeightInit)

FROZEN = ["block1_conv1", "block1_pool", "flatten", "fc1", "fc2"]
FROZEN_LAYERS = ["block1_conv1", "fc1", "fc2"]


def tiny_vgg(seed=42) -> ComputationGraph:
    """input[3,8,8] -> conv3x3(4) -> maxpool2 -> flatten -> fc1(16) -> fc2(8) -> predictions(10)."""
    conf = (NeuralNetConfiguration.Builder().seed(seed).updater(Nesterovs(learning_rate=0.01, momentum=0.9))
            .weight_init(WeightInit.XAVIER).activation(Activation.RELU).graph_builder()
            .add_inputs("input").set_input_types(InputType.convolutional(8, 8, 3))
            .add_layer("block1_conv1", ConvolutionLayer(kernel_size=3, n_out=4), "input")
            .add_layer("block1_pool", SubsamplingLayer(pooling_type=PoolingType.MAX, kernel_size=2, stride=2),
                       "block1_conv1")
            .add_vertex("flatten", PreprocessorVertex(CnnToFeedForwardPreProcessor(3, 3, 4)), "block1_pool")
            .add_layer("fc1", DenseLayer(n_in=36, n_out=16), "flatten")
            .add_layer("fc2", DenseLayer(n_in=16, n_out=8), "fc1")
            .add_layer("predictions", OutputLayer(n_in=8, n_out=10, activation=Activation.SOFTMAX,
                                                  loss=LossFunction.MCXENT), "fc2")
            .set_outputs("predictions")
            .build())
    return ComputationGraph(conf).init()


def new_head():
    return OutputLayer(n_in=8, n_out=5, activation=Activation.SOFTMAX, loss=LossFunction.NEGATIVELOGLIKELIHOOD)


def params(model) -> dict:
    return {k: model.get_param(k) for k in model.param_keys()}


def batches(n, mb=6, seed=0):
    rng = np.random.default_rng(seed)
    for _ in range(n):
        x = rng.standard_normal((mb, 3, 8, 8)).astype(np.float32)
        y = np.eye(5, dtype=np.float32)[rng.integers(0, 5, mb)]
        yield x, y


def ftc():
    return FineTuneConfiguration(updater=Nesterovs(learning_rate=0.05, momentum=0.9), seed=12345)


CALLS = {
    "fine_tune": lambda b: b.fine_tune_configuration(ftc()),
    "freeze": lambda b: b.set_feature_extractor("fc2"),
    "remove": lambda b: b.remove_vertex_keep_connections("predictions"),
    "add": lambda b: b.add_layer("predictions", new_head(), "fc2"),
}


def lesson(original, order=("fine_tune", "freeze", "remove", "add")):
    b = TransferLearning.GraphBuilder(original)
    for name in order:
        CALLS[name](b)
    return b.build()


def test_freezes_exactly_what_dl4j_freezes():
    model = lesson(tiny_vgg())
    assert isinstance(model, ComputationGraph)
    conf = model.java.getConfiguration()
    vertices = conf.getVertices()
    for name in FROZEN_LAYERS:
        assert str(vertices.get(name).getLayer().toString()).startswith("FrozenLayer("), name
        assert model.java.getLayer(name).isFrozen()
    assert str(vertices.get("flatten").toString()).startswith("FrozenVertex(")
    assert str(vertices.get("block1_pool").getLayer().toString()).startswith("FrozenLayer(")
    assert str(vertices.get("predictions").getLayer().toString()).startswith("OutputLayer(")
    assert not model.java.getLayer("predictions").isFrozen()
    assert [str(s) for s in conf.getNetworkInputs().toArray()] == ["input"]
    summary = model.summary()
    for name in ("block1_conv1", "fc1", "fc2"):
        line = next(ln for ln in summary.splitlines() if ln.startswith(name + " "))
        assert "Frozen" in line, line
    assert "Frozen" not in next(ln for ln in summary.splitlines() if ln.startswith("predictions "))


def test_frozen_params_bit_identical_after_fits_and_head_learns():
    original = tiny_vgg()
    before = params(original)
    model = lesson(original)
    built = params(model)
    for layer in FROZEN_LAYERS:
        for p in ("W", "b"):
            np.testing.assert_array_equal(built[f"{layer}_{p}"], before[f"{layer}_{p}"])
    for x, y in batches(4):
        model.fit(x, y)
    after = params(model)
    for layer in FROZEN_LAYERS:
        for p in ("W", "b"):
            assert np.array_equal(after[f"{layer}_{p}"], built[f"{layer}_{p}"]), f"{layer}_{p} changed"
    assert not np.array_equal(after["predictions_W"], built["predictions_W"]), "the new output layer must learn"
    assert after["predictions_W"].shape == (8, 5)


def test_every_call_order_gives_the_same_network():
    reference = lesson(tiny_vgg())
    ref_json = reference.configuration.to_json()
    ref_params = reference.params()
    for order in itertools.permutations(CALLS):
        model = lesson(tiny_vgg(), order)
        assert model.configuration.to_json() == ref_json, order
        np.testing.assert_array_equal(model.params(), ref_params, err_msg=str(order))


def test_bad_names_and_freezing_the_output_are_refused():
    b = TransferLearning.GraphBuilder(tiny_vgg())
    with pytest.raises(InvalidArgumentError, match=r"'fc_2'.*fc2"):
        b.set_feature_extractor("fc_2")
    with pytest.raises(InvalidArgumentError, match="predictions"):
        b.remove_vertex_keep_connections("prediction")
    with pytest.raises(InvalidArgumentError, match="output layer 'predictions'"):
        TransferLearning.GraphBuilder(tiny_vgg()).set_feature_extractor("predictions").build()
    with pytest.raises(ArgumentError, match="unknown settings"):
        FineTuneConfiguration(learning_rate=0.1)
    with pytest.raises(InvalidArgumentError, match="would freeze the output .predictions."):
        TransferLearningHelper(tiny_vgg(), "predictions")


def test_helper_output_from_featurized_equals_full_output():
    model = lesson(tiny_vgg())
    helper = TransferLearningHelper(model)
    assert helper.frozen_boundary == ["fc2"]
    x, y = next(batches(1, mb=9, seed=3))
    full = model.output(x)
    fx, fy = helper.featurize((x, y))
    assert fx.shape == (9, 8)
    np.testing.assert_array_equal(fy, y)
    via = helper.output_from_featurized(fx)
    diff = np.max(np.abs(via - full))
    print(f"max |outputFromFeaturized(featurize(x)) - output(x)|: {diff:.3g}")
    assert diff <= 1e-6


def test_fit_featurized_gives_the_parameters_of_fitting_the_full_graph():
    full = lesson(tiny_vgg())
    via_helper = lesson(tiny_vgg())
    helper = TransferLearningHelper(via_helper)
    for x, y in batches(5, seed=9):
        full.fit(x, y)
        helper.fit_featurized(helper.featurize((x, y)))
    diff = np.max(np.abs(full.params() - via_helper.params()))
    print(f"max |fit - fitFeaturized| over all parameters: {diff:.3g}")
    assert diff <= 1e-6


def test_feature_cache_from_python(tmp_path):
    model = lesson(tiny_vgg())
    helper = TransferLearningHelper(model, feature_cache=tmp_path)
    it = _ListIterator(list(batches(3, seed=5)))
    first = [f for f, _ in helper.featurize(it).numpy_batches()]
    assert helper.last_cache_status() == "miss"
    second = [f for f, _ in helper.featurize(_ListIterator(list(batches(3, seed=5)))).numpy_batches()]
    assert helper.last_cache_status() == "hit"
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert len([p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]) == 0


def _ListIterator(pairs):
    """An engine DataSetIterator over numpy minibatches (the engine's own in-memory iterator)."""
    java_list = java_list_of([DataSet(x, y) for x, y in pairs])
    return DataSetIterator.from_java(jvm.new("org.dl4jbridge.nn.transferlearning.FeaturizedIterator", java_list, None))


def test_multilayer_builder_freezes_by_index_and_replaces_the_output():
    from dl4j_bridge.nn import MultiLayerNetwork, Sgd
    conf = (NeuralNetConfiguration.Builder().seed(7).activation(Activation.RELU).list()
            .layer(DenseLayer(n_in=3, n_out=4)).layer(DenseLayer(n_in=4, n_out=4))
            .layer(OutputLayer(n_in=4, n_out=5, activation=Activation.SOFTMAX, loss=LossFunction.MCXENT)).build())
    original = MultiLayerNetwork(conf).init()
    model = (TransferLearning.Builder(original)
             .fine_tune_configuration(FineTuneConfiguration(updater=Sgd(learning_rate=0.5), seed=3))
             .set_feature_extractor(1).remove_output_layer()
             .add_layer(OutputLayer(n_in=4, n_out=2, activation=Activation.SOFTMAX, loss=LossFunction.MCXENT))
             .build())
    assert isinstance(model, MultiLayerNetwork)
    np.testing.assert_array_equal(model.get_param("0_W"), original.get_param("0_W"))
    head = model.get_param("2_W").copy()
    x = np.array([[1, 2, 3], [-1, 0, 1]], np.float32)
    y = np.array([[1, 0], [0, 1]], np.float32)
    for _ in range(3):
        model.fit(x, y)
    np.testing.assert_array_equal(model.get_param("0_W"), original.get_param("0_W"))
    np.testing.assert_array_equal(model.get_param("1_W"), original.get_param("1_W"))
    assert not np.array_equal(model.get_param("2_W"), head)
    with pytest.raises(InvalidArgumentError, match="output layer"):
        TransferLearning.Builder(original).set_feature_extractor(2).build()
