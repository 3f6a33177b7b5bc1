"""The lesson command end to end on a small slice of the flower photos (the full run is the README's
command (a)). Runs in subprocesses: each lesson is its own process with its own cache settings."""

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import REPO, sigint_as_in_a_terminal

QUICK = ["--max-examples", "40", "--epochs", "2", "--batch-size", "8", "--quiet"]


def _cli(args, env, timeout=900):
    r = subprocess.run([sys.executable, "-m", "dl4j_bridge.cli", *args], capture_output=True, text=True,
                       env=env, cwd=REPO, timeout=timeout)
    assert r.returncode == 0, f"{args}\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return r.stdout


@pytest.fixture(scope="module")
def lesson_env(tmp_path_factory, shared_dir):
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env["DL4J_BRIDGE_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    env["DL4J_BRIDGE_FLOWERS_URL"] = (shared_dir / "data").as_uri()
    return env


@pytest.fixture(scope="module")
def two_runs(lesson_env, tmp_path_factory):
    runs = tmp_path_factory.mktemp("runs")
    first = _cli(["lesson", *QUICK, "--run-dir", str(runs / "a")], lesson_env)
    second = _cli(["lesson", *QUICK, "--run-dir", str(runs / "b")], lesson_env)  # feature cache hit
    return runs, first, second


def test_run_directory_holds_every_artifact(two_runs):
    runs, first, _ = two_runs
    for name in ("model.zip", "metrics.json", "history.json", "settings.json", "confusion_matrix.png",
                 "training_curve.png"):
        assert (runs / "a" / name).is_file(), name
    assert not [p for p in (runs / "a").iterdir() if p.name.endswith(".tmp")]
    metrics = json.loads((runs / "a" / "metrics.json").read_text())
    assert f"test accuracy {metrics['accuracy']:.4f}" in first
    history = json.loads((runs / "a" / "history.json").read_text())
    assert len(history["epoch_test_accuracy"]) == 2
    assert len(history["iteration_scores"]) == 2 * history["iterations_per_epoch"]
    settings = json.loads((runs / "a" / "settings.json").read_text())
    assert settings["lesson"]["seed"] == 12345 and settings["lesson"]["max_examples"] == 40


def test_same_seed_gives_the_same_metrics(two_runs):
    runs, _, _ = two_runs
    a = json.loads((runs / "a" / "metrics.json").read_text())
    b = json.loads((runs / "b" / "metrics.json").read_text())
    a.pop("seconds"), b.pop("seconds")
    assert a == b
    ha = json.loads((runs / "a" / "history.json").read_text())
    hb = json.loads((runs / "b" / "history.json").read_text())
    assert ha["iteration_scores"] == hb["iteration_scores"]


def test_whole_graph_training_matches_featurized_training(two_runs, lesson_env, tmp_path):
    """--no-feature-cache fits the full graph batch by batch (DL4J's lesson loop); frozen layers make it
    the same computation as fitting the head on features."""
    runs, _, _ = two_runs
    _cli(["lesson", *QUICK, "--no-feature-cache", "--run-dir", str(tmp_path / "c")], lesson_env)
    a = json.loads((runs / "a" / "history.json").read_text())
    c = json.loads((tmp_path / "c" / "history.json").read_text())
    assert c["epoch_test_accuracy"] == a["epoch_test_accuracy"]
    assert c["iteration_scores"] == pytest.approx(a["iteration_scores"], rel=1e-5, abs=1e-6)


def test_model_zip_is_a_dl4j_graph_with_metadata_readable_without_a_jvm(two_runs):
    runs, _, _ = two_runs
    zip_path = runs / "a" / "model.zip"
    with zipfile.ZipFile(zip_path) as z:
        names = z.namelist()
    assert names[:3] == ["configuration.json", "coefficients.bin", "updaterState.bin"]
    code = f"""
import json, sys
from dl4j_bridge.serializer import read_model_info, read_metadata
from dl4j_bridge import jvm
info = read_model_info({str(zip_path)!r}); meta = read_metadata({str(zip_path)!r})
assert not jvm.is_started() and "jnius" not in sys.modules
print(json.dumps({{"labels": meta["labels"], "params": info.num_params,
                   "frozen": len(info.frozen_layers)}}))
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO,
                       env={**os.environ, "PYTHONPATH": str(REPO)})
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["labels"] == ["daisy", "dandelion", "roses", "sunflowers", "tulips"]
    assert out["params"] == 3419429 and out["frozen"] > 100


def test_evaluate_and_predict_reuse_the_saved_model(two_runs, lesson_env, shared_dir):
    runs, _, _ = two_runs
    zip_path = runs / "a" / "model.zip"
    saved = json.loads((runs / "a" / "metrics.json").read_text())["accuracy"]
    out = _cli(["evaluate", "--model", str(zip_path), "--quiet"], lesson_env)
    # evaluate re-reads the split recorded in the zip (all test photos of the quick run's slice)
    assert f"test accuracy {saved:.4f}" in out
    cache = lesson_env["DL4J_BRIDGE_CACHE_DIR"]
    daisy = sorted(Path(cache).rglob("daisy/*.jpg"))[:2]
    out = _cli(["predict", "--model", str(zip_path), *map(str, daisy)], lesson_env)
    lines = [line for line in out.splitlines() if line.strip()]
    assert len(lines) == 2 and all("daisy" in line for line in lines)


def test_settings_and_metadata_record_the_learning_rate_and_momentum_used(two_runs):
    from dl4j_bridge.serializer import read_metadata
    runs, _, _ = two_runs
    settings = json.loads((runs / "a" / "settings.json").read_text())["lesson"]
    assert (settings["learning_rate"], settings["momentum"]) == (0.01, 0.9)   # EfficientNet-Lite0's defaults
    assert read_metadata(runs / "a" / "model.zip")["lesson"]["learning_rate"] == 0.01


def test_each_model_has_its_own_training_defaults_and_options_override_them():
    from dl4j_bridge.errors import ArgumentError
    from dl4j_bridge.lesson import LessonSettings, resolved

    def chosen(**kw):
        s = LessonSettings(**kw)
        s.validate()   # epochs/updater left out mean the model's default, not an error
        r = resolved(s)
        return r.updater, r.learning_rate, r.momentum, r.epochs

    assert chosen() == ("nesterovs", 0.01, 0.9, 5)
    assert chosen(model="vgg16") == ("nesterovs", 0.1, 5e-5, 5)   # DL4J's lesson values
    assert chosen(model="vgg16-conv") == ("adam", 1e-3, None, 14)   # chosen on a validation split (README)
    assert chosen(model="vgg16-conv", epochs=2, learning_rate=3e-4) == ("adam", 3e-4, None, 2)
    assert chosen(model="vgg16-conv", updater="nesterovs") == ("nesterovs", 1e-3, 0.9, 14)
    with pytest.raises(ArgumentError, match="--momentum is a Nesterovs setting.*--updater nesterovs"):
        LessonSettings(model="vgg16-conv", momentum=0.5).validate()
    with pytest.raises(ArgumentError, match="not one of nesterovs, adam"):
        LessonSettings(updater="sgd").validate()
    with pytest.raises(ArgumentError, match="positive integer"):
        LessonSettings(model="vgg16-conv", epochs=0).validate()


def test_run_directory_files_have_the_usual_permissions(two_runs):
    import stat
    from dl4j_bridge.files import dir_mode, file_mode
    runs, _, _ = two_runs
    assert stat.S_IMODE((runs / "a").stat().st_mode) == dir_mode()
    for p in (runs / "a").iterdir():
        assert stat.S_IMODE(p.stat().st_mode) == file_mode(), p.name   # model.zip is written by the engine


def test_predict_takes_folders_and_keeps_going_past_an_unreadable_file(two_runs, lesson_env, tmp_path):
    runs, _, _ = two_runs
    cache = lesson_env["DL4J_BRIDGE_CACHE_DIR"]
    photos = tmp_path / "photos"
    photos.mkdir()
    for p in sorted(Path(cache).rglob("daisy/*.jpg"))[:2]:
        (photos / p.name).write_bytes(p.read_bytes())
    (photos / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not a JPEG")
    r = subprocess.run([sys.executable, "-m", "dl4j_bridge.cli", "predict", "--model", str(runs / "a" / "model.zip"),
                        "--top", "1", str(photos)], capture_output=True, text=True, env=lesson_env, cwd=REPO,
                       timeout=300)
    assert r.returncode == 1, r.stderr
    lines = [line for line in r.stdout.splitlines() if line.strip()]
    assert len(lines) == 2 and all("daisy" in line and line.count(",") == 0 for line in lines), r.stdout
    assert "broken.jpg: unreadable" in r.stderr and "1 of 3 files could not be read" in r.stderr
    assert "Traceback" not in r.stderr


def test_ctrl_c_ends_the_command_with_one_line(two_runs, lesson_env, tmp_path):
    """SIGINT while the engine featurizes: the engine stops at its next minibatch, the command ends
    with one line and status 130 within seconds, and leaves no run directory and no feature file."""
    import signal
    import threading
    import time
    run_dir = tmp_path / "interrupted"
    env = {**lesson_env, "DL4J_BRIDGE_CACHE_DIR": str(tmp_path / "cache")}   # no feature cache hit: featurize runs
    cached = Path(lesson_env["DL4J_BRIDGE_CACHE_DIR"])
    (tmp_path / "cache").mkdir()
    for part in ("downloads", "datasets"):   # reuse the fetched and extracted photos
        (tmp_path / "cache" / part).symlink_to(cached / part)
    p = subprocess.Popen([sys.executable, "-m", "dl4j_bridge.cli", "lesson", "--max-examples", "400", "--epochs", "1",
                          "--batch-size", "8", "--run-dir", str(run_dir)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env=env, cwd=REPO, preexec_fn=sigint_as_in_a_terminal)
    seen = []
    started = threading.Event()

    def read():
        for chunk in iter(lambda: p.stderr.read(1), ""):
            seen.append(chunk)
            if "featurize train" in "".join(seen[-200:]):
                started.set()
    threading.Thread(target=read, daemon=True).start()
    deadline = time.monotonic() + 600
    while not started.wait(1):
        assert p.poll() is None and time.monotonic() < deadline, "".join(seen)[-2000:]
    time.sleep(1)
    p.send_signal(signal.SIGINT)
    t0 = time.monotonic()
    assert p.wait(120) == 130, "".join(seen)[-2000:]
    ended = time.monotonic() - t0
    print(f"ended {ended:.1f} s after SIGINT")
    time.sleep(0.5)
    err = "".join(seen)
    # One minibatch of 8 photos and the interpreter's exit: about a second on an idle machine.
    assert ended < 10, f"{ended:.1f} s: the engine did not stop at the next minibatch"
    assert err.splitlines()[-1] == "dl4j-bridge lesson: interrupted" and "Traceback" not in err, err[-2000:]
    assert not run_dir.exists()
    assert not list((tmp_path / "cache").glob("features/*")), "an interrupted featurize left a feature file"


def test_the_readme_python_api_snippet_runs(two_runs, lesson_env, tmp_path):
    """The README's "Python API in 20 lines" as written, on a 24-photo slice (max_examples added)."""
    import re
    readme = (REPO / "README.md").read_text()
    code = re.search(r"## The Python API in 20 lines\n\n```python\n(.*?)```", readme, re.S).group(1)
    assert len(code.strip().splitlines()) <= 20
    setup = "preprocessor=zoo_model.preprocessor)"
    assert code.count(setup) == 1
    code = code.replace(setup, "preprocessor=zoo_model.preprocessor, max_examples=24)")
    code += "\nassert probs.shape == (16, 5), probs.shape\nprint('snippet ok')\n"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=lesson_env, cwd=tmp_path,
                       timeout=900)
    assert r.returncode == 0 and "snippet ok" in r.stdout, r.stderr[-3000:]
    assert (tmp_path / "flowers.zip").is_file()
