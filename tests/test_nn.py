"""End-to-end tests of dl4j_bridge.nn: build, fit, output and the typed errors, on tiny data."""

from __future__ import annotations

import numpy as np
import pytest

from dl4j_bridge.nn import CollectScoresIterationListener
from dl4j_bridge.errors import ArgumentError, InvalidArgumentError, InvalidStateError
from dl4j_bridge.nn import (Activation, ActivationLayer, Adam, BatchNormalization, ComputationGraph,
                            ComputationGraphConfiguration, ConvolutionLayer, DenseLayer, DropoutLayer, FrozenLayer,
                            GlobalPoolingLayer, InputType, LossFunction, MergeVertex, MultiLayerConfiguration,
                            MultiLayerNetwork, Nesterovs, NeuralNetConfiguration, NormalDistribution, OutputLayer,
                            PoolingType, Sgd, SubsamplingLayer, Upsampling2D)


def _blobs(n=24, seed=0):
    """Three separable Gaussian blobs in 4-D."""
    rng = np.random.RandomState(seed)
    labels = np.arange(n) % 3
    x = rng.randn(n, 4).astype(np.float32) * 0.3 + np.eye(3, 4, dtype=np.float32)[labels] * 2
    return x, np.eye(3, dtype=np.float32)[labels]


def _mlp(seed=12345, updater=None):
    conf = (NeuralNetConfiguration.Builder().seed(seed)
            .updater(updater or Nesterovs(learning_rate=0.05, momentum=0.9))
            .graph_builder().add_inputs("in")
            .add_layer("fc2", DenseLayer(n_in=4, n_out=8, activation=Activation.RELU), "in")
            .add_layer("predictions", OutputLayer(n_in=8, n_out=3, activation=Activation.SOFTMAX,
                                                  loss=LossFunction.NEGATIVELOGLIKELIHOOD), "fc2")
            .set_outputs("predictions").build())
    return ComputationGraph(conf).init()


def test_fit_lowers_score_and_outputs_probabilities():
    x, y = _blobs()
    net = _mlp()
    first = net.score(x, y)
    for _ in range(20):
        net.fit(x, y)
    assert net.iteration_count == 20
    assert net.score(x, y) < first * 0.5
    probs = net.output(x)
    assert probs.shape == (24, 3) and probs.dtype == np.float32
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    assert (probs.argmax(1) == y.argmax(1)).mean() == 1.0


def test_same_seed_same_parameters_and_training():
    x, y = _blobs()
    a, b = _mlp(7, Adam(learning_rate=0.01)), _mlp(7, Adam(learning_rate=0.01))
    np.testing.assert_array_equal(a.params(), b.params())
    for net in (a, b):
        for _ in range(3):
            net.fit(x, y)
    np.testing.assert_array_equal(a.params(), b.params())
    assert not np.array_equal(_mlp(8).params(), _mlp(7).params())


def test_params_layout_and_set_params():
    net = _mlp()
    assert net.num_params() == 4 * 8 + 8 + 8 * 3 + 3
    assert net.param_keys() == ["fc2_W", "fc2_b", "predictions_W", "predictions_b"]
    p = np.arange(net.num_params(), dtype=np.float32)
    net.set_params(p)
    w = net.get_param("fc2_W")
    assert w.shape == (4, 8)
    assert w[1, 2] == 1 + 2 * 4  # DL4J stores dense W in f-order: (i, j) at i + j*nIn
    np.testing.assert_array_equal(net.params(), p)


def test_summary_and_json_round_trip():
    net = _mlp()
    text = net.summary()
    assert "fc2 (DenseLayer)" in text and "predictions (OutputLayer)" in text and "Total Parameters:  67" in text
    js = net.configuration.to_json()
    assert '"@class" : "org.deeplearning4j.nn.conf.layers.OutputLayer"' in js
    again = ComputationGraphConfiguration.from_json(js)
    assert again.to_json() == js
    copy = ComputationGraph(again).init(net.params())
    x, _ = _blobs(5)
    np.testing.assert_array_equal(copy.output(x), net.output(x))


def test_cnn_graph_with_inferred_sizes():
    conf = (NeuralNetConfiguration.Builder().seed(3).updater(Sgd(learning_rate=0.1)).activation(Activation.RELU)
            .graph_builder().add_inputs("in").set_input_types(InputType.convolutional(8, 8, 2))
            .add_layer("conv", ConvolutionLayer(kernel_size=3, n_out=4, convolution_mode="Same"), "in")
            .add_layer("bn", BatchNormalization(), "conv")
            .add_layer("pool", SubsamplingLayer(pooling_type=PoolingType.MAX, kernel_size=2, stride=2), "bn")
            .add_layer("up", Upsampling2D(size=2), "pool")
            .add_vertex("merge", MergeVertex(), "up", "conv")
            .add_layer("gap", GlobalPoolingLayer(pooling_type="avg"), "merge")
            .add_layer("act", ActivationLayer(Activation.TANH), "gap")
            .add_layer("drop", DropoutLayer(0.8), "act")
            .add_layer("out", OutputLayer(n_out=2, activation=Activation.SOFTMAX,
                                          weight_init=NormalDistribution(0, 0.1)), "drop")
            .set_outputs("out").build())
    net = ComputationGraph(conf).init()
    x = np.random.RandomState(1).randn(4, 2, 8, 8).astype(np.float32)
    y = np.eye(2, dtype=np.float32)[[0, 1, 0, 1]]
    net.fit(x, y)
    assert np.isfinite(net.score())
    assert net.output(x).shape == (4, 2)


def test_frozen_layer_is_not_updated():
    x, y = _blobs()
    conf = (NeuralNetConfiguration.Builder().seed(1).updater(Nesterovs(learning_rate=0.1, momentum=0.9))
            .graph_builder().add_inputs("in")
            .add_layer("fc2", FrozenLayer(DenseLayer(n_in=4, n_out=8, activation=Activation.RELU)), "in")
            .add_layer("predictions", OutputLayer(n_in=8, n_out=3, activation=Activation.SOFTMAX), "fc2")
            .set_outputs("predictions").build())
    net = ComputationGraph(conf).init()
    frozen, head = net.get_param("fc2_W"), net.get_param("predictions_W")
    for _ in range(3):
        net.fit(x, y)
    np.testing.assert_array_equal(net.get_param("fc2_W"), frozen)
    assert not np.array_equal(net.get_param("predictions_W"), head)
    assert "Frozen DenseLayer" in net.summary()


def test_multilayer_network_and_json():
    x, y = _blobs()
    conf = (NeuralNetConfiguration.Builder().seed(5).updater(Nesterovs(learning_rate=0.05, momentum=0.9)).list()
            .layer(DenseLayer(n_in=4, n_out=6, activation=Activation.TANH))
            .layer(OutputLayer(n_in=6, n_out=3, activation=Activation.SOFTMAX, loss=LossFunction.MCXENT))
            .build())
    again = MultiLayerConfiguration.from_json(conf.to_json())
    net = MultiLayerNetwork(again).init()
    before = net.score(x, y)
    for _ in range(10):
        net.fit(x, y)
    assert net.score(x, y) < before
    assert net.output(x).shape == (24, 3)
    assert net.get_param("0_W").shape == (4, 6)


def test_nesterovs_takes_keywords_only():
    with pytest.raises(TypeError):
        Nesterovs(0.01)  # DL4J's Nesterovs(x) would set the momentum; refuse the ambiguity


def test_typed_errors():
    net = _mlp()
    x, y = _blobs(6)
    with pytest.raises(InvalidArgumentError, match="wrong number of classes"):
        net.fit(x, np.zeros((6, 5), np.float32))
    with pytest.raises(InvalidArgumentError, match="fc2"):
        net.output(np.zeros((2, 7), np.float32))
    with pytest.raises(ArgumentError, match="minibatch"):
        net.output(np.zeros(4, np.float32))
    with pytest.raises(ArgumentError, match="no option"):
        DenseLayer(n_in=4, n_outs=3)
    with pytest.raises(ArgumentError, match="activation must be one of"):
        DenseLayer(n_in=4, n_out=3, activation="RELUX")
    with pytest.raises(InvalidStateError, match="fc_2"):
        (NeuralNetConfiguration.Builder().graph_builder().add_inputs("in")
         .add_layer("fc2", DenseLayer(n_in=4, n_out=8), "in")
         .add_layer("out", OutputLayer(n_in=8, n_out=3), "fc_2").set_outputs("out").build())


def test_collect_scores_listener_records_each_iteration():
    x, y = _blobs()
    net = _mlp()
    collect = CollectScoresIterationListener(1)
    net.set_listeners(collect)
    for _ in range(4):
        net.fit(x, y)
    got = collect.scores()
    assert [i for i, _ in got] == [0, 1, 2, 3]
    assert got[-1][1] == pytest.approx(net.score())


def test_from_java_wraps_the_same_engine_object():
    net = _mlp()
    again = ComputationGraph.from_java(net.java)
    np.testing.assert_array_equal(again.params(), net.params())


def test_fit_and_evaluate_engine_iterators(tmp_path):
    """fit(iterator, epochs) and evaluate(iterator) on the engine's image iterators (solid-colour photos)."""
    from PIL import Image
    from dl4j_bridge.datasets import FlowerDataSetIterator
    classes = ["daisy", "dandelion", "roses", "sunflowers", "tulips"]
    root = tmp_path / "flower_photos"
    for k, c in enumerate(classes):
        (root / c).mkdir(parents=True)
        for i in range(4):
            Image.new("RGB", (10 + i, 8), (40 * k, 200 - 40 * k, 30 + 50 * (k % 2))).save(root / c / f"{i}.png")
    train, test = FlowerDataSetIterator.setup(batch_size=4, seed=1, preprocessor="efficientnet", data_dir=root,
                                              progress=False)
    conf = (NeuralNetConfiguration.Builder().seed(2).updater(Adam(learning_rate=0.1))
            .graph_builder().add_inputs("in").set_input_types(InputType.convolutional(224, 224, 3))
            .add_layer("pool", SubsamplingLayer(pooling_type="avg", kernel_size=32, stride=32), "in")
            .add_layer("gap", GlobalPoolingLayer(pooling_type="avg"), "pool")
            .add_layer("predictions", OutputLayer(n_out=5, activation=Activation.SOFTMAX,
                                                  loss=LossFunction.NEGATIVELOGLIKELIHOOD), "gap")
            .set_outputs("predictions").build())
    net = ComputationGraph(conf).init()
    collect = CollectScoresIterationListener(1)
    net.set_listeners(collect)
    net.fit(train, epochs=15)
    assert net.epoch_count == 15 and net.iteration_count == 15 * len(train)
    scores = [s for _, s in collect.scores()]
    assert scores[-1] < scores[0]
    ev = net.evaluate(test)
    assert ev.num_examples == 4 and ev.labels == classes
    assert "Accuracy" in ev.stats()
    for it in (train, test):
        it.close()
