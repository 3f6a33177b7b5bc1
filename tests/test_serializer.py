"""dl4j_bridge.serializer: the JVM-free reader on DL4J-written zips, and save/restore through the engine."""

from __future__ import annotations

import json
import os
import zipfile

import pytest

from conftest import run_python
from dl4j_bridge import serializer
from dl4j_bridge.errors import ModelFormatError

REGRESSION = [(r, m) for r in ("050", "060", "071") for m in ("MLP_1", "MLP_2", "CNN_1")]


def regression_zip(fixtures_dir, release, model):
    return fixtures_dir / f"regression_{release}" / f"{release}_ModelSerializer_Regression_{model}.zip"


def all_model_zips(fixtures_dir):
    zips = [regression_zip(fixtures_dir, r, m) for r, m in REGRESSION]
    zips += [fixtures_dir / "upsampling_100a" / "net.bin", fixtures_dir / "MLPMoon" / "Model_RANDOM_INIT_UNTRAINED.zip",
             fixtures_dir / "LenetMnist" / "Model_RANDOM_INIT_UNTRAINED.zip"]
    return zips


def test_every_fixture_lists_layers_and_its_parameter_count_matches_the_stored_array(fixtures_dir):
    for z in all_model_zips(fixtures_dir):
        info = serializer.read_model_info(z)
        assert info.kind == "MultiLayerNetwork", z
        # stored_params comes from the DL4J-written array header: an independent check of the
        # per-layer counts derived from the configuration.
        assert info.num_params == info.stored_params, (z, info.layers)
        assert info.metadata is None and info.labels == []


def test_layers_of_known_models(fixtures_dir):
    moon = serializer.read_model_info(fixtures_dir / "MLPMoon" / "Model_RANDOM_INIT_UNTRAINED.zip")
    assert [(l.name, l.class_name, l.n_in, l.n_out) for l in moon.layers] == [
        ("layer0", "DenseLayer", 2, 20), ("layer1", "OutputLayer", 20, 2)]
    assert moon.num_params == 102 and moon.has_updater_state
    cnn = serializer.read_model_info(regression_zip(fixtures_dir, "050", "CNN_1"))
    assert [l.class_name for l in cnn.layers] == ["ConvolutionLayer", "SubsamplingLayer", "OutputLayer"]
    assert [l.num_params for l in cnn.layers] == [3 * 3 * 2 * 2 + 3, 0, 2028 * 5 + 5]


def test_legacy_frozen_graph_reports_its_frozen_layers(fixtures_dir, tmp_path):
    z = tmp_path / "frozen.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as out:
        out.write(fixtures_dir / "legacy_frozen" / "configuration.json", "configuration.json")
    info = serializer.read_model_info(z)
    assert info.kind == "ComputationGraph"
    assert len(info.frozen_layers) == 53 + 53 + 49 + 2 + 1
    assert "conv1" in info.frozen_layers and "fc1000" not in info.frozen_layers
    conv1 = next(l for l in info.layers if l.name == "conv1")
    assert (conv1.class_name, conv1.n_in, conv1.n_out, conv1.num_params) == ("ConvolutionLayer", 3, 64,
                                                                            64 * 3 * 7 * 7 + 64)
    assert info.stored_params is None


def test_metadata_is_read_without_a_jvm(tmp_path, fixtures_dir):
    src = fixtures_dir / "MLPMoon" / "Model_RANDOM_INIT_UNTRAINED.zip"
    z = tmp_path / "with_meta.zip"
    meta = {"format": "dl4j-bridge-metadata", "labels": ["a", "b"], "seed": 123, "inputShape": [2]}
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zout:
        for name in zin.namelist():
            zout.writestr(name, zin.read(name))
        zout.writestr(serializer.METADATA, json.dumps(meta))
    assert serializer.read_metadata(z) == meta
    assert serializer.read_model_info(z).labels == ["a", "b"]
    assert serializer.read_metadata(src) is None
    assert serializer.ModelSerializer.detect_kind(z) == "MultiLayerNetwork"


def test_reader_starts_no_jvm(fixtures_dir):
    r = run_python(f"""
        import sys
        from dl4j_bridge import serializer, jvm
        info = serializer.read_model_info({str(fixtures_dir / "MLPMoon" / "Model_RANDOM_INIT_UNTRAINED.zip")!r})
        serializer.read_metadata({str(fixtures_dir / "MLPMoon" / "Model_RANDOM_INIT_UNTRAINED.zip")!r})
        assert info.num_params == 102
        assert not jvm.is_started(), "the JVM-free reader started a JVM"
        assert "jnius" not in sys.modules, "the JVM-free reader imported jnius"
        print("ok")
    """)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "ok"


def test_bad_files_raise_typed_errors_naming_the_file(tmp_path, fixtures_dir):
    whole = regression_zip(fixtures_dir, "071", "CNN_1").read_bytes()
    cut = tmp_path / "cut.zip"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(ModelFormatError, match=r"cut\.zip: not a readable zip file"):
        serializer.read_model_info(cut)
    noconf = tmp_path / "noconf.zip"
    with zipfile.ZipFile(noconf, "w") as z:
        z.writestr("coefficients.bin", b"")
    with pytest.raises(ModelFormatError, match=r"noconf\.zip: no configuration\.json entry"):
        serializer.read_model_info(noconf)
    badjson = tmp_path / "badjson.zip"
    with zipfile.ZipFile(badjson, "w") as z:
        z.writestr("configuration.json", "{oops")
    with pytest.raises(ModelFormatError, match=r"badjson\.zip: configuration\.json: not valid JSON"):
        serializer.read_model_info(badjson)
    with pytest.raises(FileNotFoundError):
        serializer.read_model_info(tmp_path / "absent.zip")


# ---- through the engine (one JVM for the session) ----------------------------------------------

def _java_serializer():
    from dl4j_bridge import jvm
    return jvm.cls("org.dl4jbridge.util.ModelSerializer")


def test_write_model_adds_metadata_that_the_jvm_free_reader_sees(fixtures_dir, tmp_path):
    from dl4j_bridge import jvm
    moon = fixtures_dir / "MLPMoon" / "Model_RANDOM_INIT_UNTRAINED.zip"
    net = jvm.call(_java_serializer().restoreMultiLayerNetwork, str(moon), True)
    out = tmp_path / "moon.zip"
    meta = {"labels": ["zero", "one"], "inputShape": [2], "seed": 123, "metrics": {"accuracy": 0.875},
            "preprocessing": "none"}
    serializer.ModelSerializer.write_model(net, out, save_updater=True, metadata=meta)
    info = serializer.read_model_info(out)
    assert info.entries == ["configuration.json", "coefficients.bin", "updaterState.bin", serializer.METADATA]
    assert info.kind == "MultiLayerNetwork" and info.num_params == info.stored_params == 102
    assert info.labels == ["zero", "one"]
    written = serializer.read_metadata(out)
    assert {k: written[k] for k in meta} == meta
    assert written["format"] == "dl4j-bridge-metadata" and "dl4jBridge" in written["versions"]


def test_restoring_the_wrong_kind_is_a_typed_error(fixtures_dir):
    moon = fixtures_dir / "MLPMoon" / "Model_RANDOM_INIT_UNTRAINED.zip"
    with pytest.raises(ModelFormatError, match="holds a MultiLayerNetwork.*restoreMultiLayerNetwork"):
        serializer.ModelSerializer.restore_computation_graph(moon)


def test_corrupt_zip_through_the_engine_names_the_entry(fixtures_dir, tmp_path):
    src = fixtures_dir / "MLPMoon" / "Model_RANDOM_INIT_UNTRAINED.zip"
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(bad, "w", zipfile.ZIP_DEFLATED) as zout:
        zout.writestr("configuration.json", zin.read("configuration.json"))
        zout.writestr("coefficients.bin", zin.read("coefficients.bin")[:-100])
    with pytest.raises(ModelFormatError, match=r"bad\.zip: coefficients\.bin: array header declares 102 FLOAT"):
        serializer.ModelSerializer.restore_multi_layer_network(bad)


def test_metadata_must_be_plain_json(tmp_path):
    from dl4j_bridge.errors import ArgumentError
    with pytest.raises(ArgumentError, match="not plain JSON"):
        serializer.ModelSerializer.write_model(object(), tmp_path / "x.zip", metadata={"bad": object()})


def test_a_model_saved_from_python_restores_in_a_plain_java_program(fixtures_dir, tmp_path):
    """examples/java: a JVM program (no Python) restores what Python saved and names the label."""
    import subprocess
    from pathlib import Path
    from dl4j_bridge import jvm
    repo = Path(__file__).resolve().parents[1]
    example = repo / "examples" / "java" / "target" / "dl4j-bridge-example-0.1.0.jar"
    if not example.is_file():
        pytest.skip(f"{example} is not built: run `mvn -q package -DskipTests` at the repository root")
    moon = fixtures_dir / "MLPMoon" / "Model_RANDOM_INIT_UNTRAINED.zip"
    net = jvm.call(_java_serializer().restoreMultiLayerNetwork, str(moon), True)
    out = tmp_path / "from_python.zip"
    serializer.ModelSerializer.write_model(net, out, metadata={"labels": ["lower", "upper"], "inputShape": [2]})
    java = Path(jvm.find_java_home()) / "bin" / "java"
    cp = f"{example}{os.pathsep}{jvm.find_engine_jar()}"
    r = subprocess.run([str(java), "-cp", cp, "org.dl4jbridge.examples.RestoreAndPredict", str(out),
                        "-0.500568579838,0.687106471955"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    expected = serializer.read_model_info(out)
    assert f"a MultiLayerNetwork with 2 layers and {expected.num_params} parameters" in r.stdout
    probs = [float(v) for v in r.stdout.strip().splitlines()[-1].split(":")[1].split("->")[0].split()]
    assert r.stdout.strip().endswith("-> " + ["lower", "upper"][probs.index(max(probs))])
    # DL4J's own prediction for this row: MLPMoon/predictions/output_0_0.bin, a [1, 2] float array
    # whose two big-endian float32 values end the file.
    import struct
    dl4j = struct.unpack(">2f", (fixtures_dir / "MLPMoon" / "predictions" / "output_0_0.bin").read_bytes()[-8:])
    assert probs == pytest.approx(list(dl4j), abs=2e-6)


def test_python_round_trip_with_dl4j_predictions(fixtures_dir, tmp_path):
    """Restore DL4J's MLPMoon, predict DL4J's numbers, save from Python, restore again: identical."""
    import numpy as np
    import struct
    moon = fixtures_dir / "MLPMoon" / "Model_RANDOM_INIT_UNTRAINED.zip"
    net = serializer.ModelSerializer.restore_multi_layer_network(moon)
    rows = np.loadtxt(fixtures_dir / "MLPMoon" / "moon_data_eval.csv", delimiter=",", dtype=np.float32)[:10, 1:]
    raw = (fixtures_dir / "MLPMoon" / "predictions" / "output_1_0.bin").read_bytes()
    dl4j = np.array(struct.unpack(">20f", raw[-80:]), np.float32).reshape(10, 2)
    out = net.output(rows)
    assert np.abs(out - dl4j).max() < 1e-5
    saved = tmp_path / "moon.zip"
    serializer.ModelSerializer.write_model(net, saved, save_updater=True, metadata={"labels": ["0", "1"]})
    back = serializer.ModelSerializer.restore_multi_layer_network(saved)
    np.testing.assert_array_equal(back.params(), net.params())
    np.testing.assert_array_equal(back.output(rows), out)
    with pytest.raises(ModelFormatError, match="holds a MultiLayerNetwork"):
        serializer.ModelSerializer.restore_computation_graph(saved)


def test_python_graph_round_trip_continues_training_identically(tmp_path):
    """A transfer-style graph (frozen fc2) trained a few steps, saved, restored: same config, params,
    updater state and outputs, and the next fit step lands on the same parameters."""
    import numpy as np
    from dl4j_bridge.nn import (Activation, ComputationGraph, DenseLayer, FrozenLayer, LossFunction, Nesterovs,
                                NeuralNetConfiguration, OutputLayer)
    conf = (NeuralNetConfiguration.Builder().seed(7).updater(Nesterovs(learning_rate=0.05, momentum=0.9))
            .graph_builder().add_inputs("in")
            .add_layer("fc2", FrozenLayer(DenseLayer(n_in=4, n_out=8, activation=Activation.RELU)), "in")
            .add_layer("predictions", OutputLayer(n_in=8, n_out=3, activation=Activation.SOFTMAX,
                                                  loss=LossFunction.NEGATIVELOGLIKELIHOOD), "fc2")
            .set_outputs("predictions").build())
    net = ComputationGraph(conf).init()
    rng = np.random.RandomState(0)
    x = rng.randn(12, 4).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[np.arange(12) % 3]
    for _ in range(3):
        net.fit(x, y)
    path = tmp_path / "transfer.zip"
    serializer.ModelSerializer.write_model(net, path, save_updater=True, metadata={"labels": ["a", "b", "c"]})
    info = serializer.read_model_info(path)
    assert info.kind == "ComputationGraph" and info.frozen_layers == ["fc2"] and info.labels == ["a", "b", "c"]
    assert info.num_params == info.stored_params == net.num_params()

    back = serializer.ModelSerializer.restore_computation_graph(path)
    assert str(back.java.getConfiguration().toJson()) == str(net.java.getConfiguration().toJson())
    np.testing.assert_array_equal(back.params(), net.params())
    np.testing.assert_array_equal(back.output(x), net.output(x))
    state = lambda n: np.array(n.java.getUpdater().getStateViewArray().toFloatArray())
    np.testing.assert_array_equal(state(back), state(net))
    assert state(net).size == 8 * 3 + 3, "Nesterovs state covers the trainable head only"
    net.fit(x, y)
    back.fit(x, y)
    np.testing.assert_array_equal(back.params(), net.params())


def _fixture_configurations(fixtures_dir):
    """(name, configuration.json text) of every DL4J-written model fixture."""
    for z in all_model_zips(fixtures_dir):
        with zipfile.ZipFile(z) as f:
            yield z.name, f.read("configuration.json").decode("utf-8")
    yield "legacy_frozen", (fixtures_dir / "legacy_frozen" / "configuration.json").read_text()


def test_the_python_reader_agrees_with_the_engines_reader_on_every_fixture(fixtures_dir, tmp_path):
    """DL4J's file format is known in one place: the no-JVM reader gives the engine's layer names,
    classes, sizes, frozen flags and parameter counts for every DL4J-written fixture."""
    from dl4j_bridge import jvm
    count = 0
    for name, text in _fixture_configurations(fixtures_dir):
        z = tmp_path / f"{count}.zip"
        with zipfile.ZipFile(z, "w") as out:
            out.writestr("configuration.json", text)
        py = serializer.read_model_info(z)
        summary = jvm.static("org.dl4jbridge.util.ConfigSummary", "ofJson", text, name)
        java_layers = [(str(jvm.invoke(l, "name")), str(jvm.invoke(l, "simpleClassName")), bool(jvm.invoke(l, "frozen")),
                        int(jvm.invoke(l, "nIn")), int(jvm.invoke(l, "nOut")), int(jvm.invoke(l, "numParams")))
                       for l in jvm.invoke(jvm.invoke(summary, "layers"), "toArray")]
        py_layers = [(l.name, l.class_name, l.frozen, l.n_in, l.n_out, l.num_params) for l in py.layers]
        assert py_layers == java_layers, name
        assert py.num_params == int(jvm.invoke(summary, "numParams")) and not py.problems, name
        count += 1
    assert count == 13


def test_supported_layers_are_the_ones_the_engine_reads():
    from dl4j_bridge import jvm
    engine = [str(x) for x in jvm.invoke(jvm.constant("org.dl4jbridge.nn.conf.serde.ConfigurationJson",
                                                      "SUPPORTED_LAYERS"), "toArray")]
    assert list(serializer.SUPPORTED_LAYERS) == engine


def test_an_unsupported_layer_is_flagged_not_counted_as_zero(tmp_path):
    conf = {"backprop": True, "confs": [
        {"layer": {"@class": "org.deeplearning4j.nn.conf.layers.LSTM", "layerName": "lstm", "nin": 3, "nout": 4}},
        {"layer": {"@class": "org.deeplearning4j.nn.conf.layers.OutputLayer", "layerName": "out", "nin": 4,
                   "nout": 2}}]}
    z = tmp_path / "lstm.zip"
    with zipfile.ZipFile(z, "w") as out:
        out.writestr("configuration.json", json.dumps(conf))
    info = serializer.read_model_info(z)
    assert info.layers[0].num_params is None and not info.layers[0].supported
    assert info.num_params is None
    assert len(info.problems) == 1 and "LSTM" in info.problems[0] and "ConvolutionLayer" in info.problems[0]
