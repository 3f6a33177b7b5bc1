"""dl4j_bridge.spark in local mode (local[2]) against the single-machine engine (tests/spark_reference.py):
the same features, the same evaluation, the same head training with one worker; bad input.

The standalone cluster (two workers on 127.0.0.1, a worker killed mid-job) is test_spark_cluster.py."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import REPO, SPARK_BATCH, SPARK_MAX_EXAMPLES, spark_unavailable

why = spark_unavailable()
pytestmark = [pytest.mark.spark, pytest.mark.skipif(why is not None, reason=f"Spark cannot run: {why}")]


@pytest.fixture(scope="module")
def spark():
    from dl4j_bridge import spark as dspark
    session = dspark.session("local[2]", app_name="dl4j-bridge-tests")
    yield session
    session.stop()


def by_index(rows, n):
    """Rows sorted by their index column, checking that every index 0..n-1 is there exactly once."""
    index = [r["index"] for r in rows]
    assert sorted(index) == list(range(n)), "rows missing or duplicated"
    return sorted(rows, key=lambda r: r["index"])


def features_of(rows):
    assert all(r["error"] is None for r in rows), [r["error"] for r in rows if r["error"]][:3]
    return np.array([r["features"] for r in rows], dtype=np.float32)


def assert_features_match(spark, model, split, reference):
    from dl4j_bridge import spark as dspark
    for part in ("train", "test"):
        images = dspark.image_dataframe(spark, split[part], split[f"{part}_labels"], batch_size=SPARK_BATCH)
        rows = by_index(model.featurize(images).collect(), SPARK_MAX_EXAMPLES)
        assert [r["path"] for r in rows] == split[part]
        got = features_of(rows)
        assert got.shape == reference[f"{part}_x"].shape
        np.testing.assert_allclose(got, reference[f"{part}_x"], rtol=0, atol=1e-6)


def test_features_equal_the_single_machine_features(spark, model, split, reference):
    from dl4j_bridge import jvm
    started = jvm.is_started()
    assert_features_match(spark, model, split, reference)
    assert jvm.is_started() == started  # the Spark calls never start the engine's in-process (pyjnius) JVM


def test_binary_file_source_gives_the_same_features(spark, model, split, reference, tmp_path):
    from dl4j_bridge import spark as dspark
    chosen = {}
    for i, f in enumerate(split["test"][:12]):
        target = tmp_path / "photos" / Path(f).parent.name / Path(f).name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(f, target)
        chosen[f"{Path(f).parent.name}/{Path(f).name}"] = i
    rows = model.featurize(dspark.binary_files(spark, tmp_path / "photos")).collect()
    key = lambda r: "/".join(r["path"].split("/")[-2:])  # noqa: E731  (binaryFile gives file:/... URIs)
    assert sorted(map(key, rows)) == sorted(chosen)
    for r in rows:
        assert r["error"] is None and "content" not in r.asDict() and r["length"] > 0
        # binaryFile's rows come in file-listing order, so an image shares its minibatch with other images
        # than on one machine; the engine's batched kernels then round the last bit differently.
        np.testing.assert_allclose(r["features"], reference["test_x"][chosen[key(r)]], rtol=1e-5, atol=1e-6)


def test_evaluation_equals_the_single_machine_evaluation(spark, model, split, spark_reference, reference):
    from dl4j_bridge import spark as dspark
    evaluation = model.evaluate(dspark.image_dataframe(spark, split["test"], split["test_labels"], batch_size=SPARK_BATCH))
    single = json.loads((spark_reference / "evaluation.json").read_text())
    assert (evaluation.rows, evaluation.errors) == (SPARK_MAX_EXAMPLES, 0)
    np.testing.assert_array_equal(evaluation.confusion_matrix(), reference["confusion"])
    assert evaluation.accuracy() == single["accuracy"]
    assert evaluation.stats() == single["stats"]


def test_predict_gives_probabilities_and_labels(spark, model, split):
    from dl4j_bridge import spark as dspark
    rows = model.predict(dspark.image_dataframe(spark, split["test"][:10])).collect()
    assert len(rows) == 10
    for r in rows:
        p = np.array(r["probabilities"])
        assert p.shape == (5,) and abs(p.sum() - 1) < 1e-5 and r["prediction"] == split["labels"][int(p.argmax())]


def test_unreadable_images_give_error_rows_not_a_failed_job(spark, model, split, reference, tmp_path):
    from dl4j_bridge import spark as dspark
    corrupt = tmp_path / "corrupt.jpg"
    corrupt.write_bytes(b"\xff\xd8\xff\xe0 this is not really a JPEG")
    missing = tmp_path / "missing.jpg"
    paths = split["test"][:6] + [str(corrupt), str(missing)]
    labels = split["test_labels"][:6] + ["daisy", "daisy"]
    images = dspark.image_dataframe(spark, paths, labels, batch_size=SPARK_BATCH)
    summary = model.featurize_to_parquet(images, tmp_path / "features.parquet")
    assert (summary["rows"], summary["errors"]) == (8, 2)
    rows = by_index(spark.read.parquet(str(tmp_path / "features.parquet")).collect(), 8)
    np.testing.assert_allclose(features_of(rows[:6]), reference["test_x"][:6], rtol=0, atol=1e-6)
    assert rows[6]["features"] is None and "UnreadableImageException" in rows[6]["error"] and "corrupt.jpg" in rows[6]["error"]
    assert rows[7]["features"] is None and "missing.jpg" in rows[7]["error"]
    evaluation = model.evaluate(images)
    assert (evaluation.rows, evaluation.errors) == (8, 2) and len(evaluation.first_errors) == 2
    assert int(evaluation.confusion_matrix().sum()) == 6


def _jobs(spark):
    return set(spark.sparkContext.statusTracker().getJobIdsForGroup(None))


def test_missing_model_zip_fails_on_the_driver_before_any_task(spark, tmp_path):
    from dl4j_bridge import spark as dspark
    from dl4j_bridge.errors import ArgumentError, ModelFormatError
    before = _jobs(spark)
    with pytest.raises(ArgumentError, match="does not exist"):
        dspark.SparkImageModel(spark, tmp_path / "nope.zip", labels=["a"])
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(ModelFormatError):
        dspark.SparkImageModel(spark, broken, labels=["a"])
    assert _jobs(spark) == before


def test_wrong_class_count_fails_on_the_driver_before_any_task(spark, spark_reference):
    from dl4j_bridge import spark as dspark
    from dl4j_bridge.errors import InvalidArgumentError
    before = _jobs(spark)
    with pytest.raises(InvalidArgumentError, match="has 5 output classes but 3 labels"):
        dspark.SparkImageModel(spark, spark_reference / "model.zip", labels=["daisy", "roses", "tulips"])
    assert _jobs(spark) == before


@pytest.fixture(scope="module")
def train_features(spark, model, split):
    """The training photos' features, computed once (the frozen part does not change with the head)."""
    from dl4j_bridge import spark as dspark
    images = dspark.image_dataframe(spark, split["train"], split["train_labels"], batch_size=SPARK_BATCH)
    return model.featurize(images).cache()


@pytest.mark.parametrize("frequency", [1, 3])
def test_one_worker_parameter_averaging_equals_the_single_machine_fit(spark, spark_reference, train_features, reference,
                                                                      frequency):
    from dl4j_bridge import spark as dspark
    model = dspark.SparkImageModel(spark, spark_reference / "model.zip", batch_size=SPARK_BATCH)  # untrained head
    features = train_features
    master = dspark.ParameterAveragingTrainingMaster(workers=1, batch_size_per_worker=SPARK_BATCH,
                                                     averaging_frequency=frequency)
    with model.fit_featurized(features, master) as run:
        np.testing.assert_array_equal(run.head_params(), reference["initial_head"])
        assert run.num_examples == SPARK_MAX_EXAMPLES
        scores = run.fit_epoch()
        assert len(scores) == -(-SPARK_MAX_EXAMPLES // (SPARK_BATCH * frequency))
        np.testing.assert_allclose(run.head_params(), reference["trained_head"], rtol=0, atol=1e-6)


def test_two_workers_averaging_every_step_equal_a_double_minibatch_fit(spark, spark_reference, train_features, reference):
    """Averaging after every step from the same state is one step on the mean gradient: two workers with
    minibatches of B train as one machine with minibatches of 2B (64 photos: whole splits only)."""
    from dl4j_bridge import spark as dspark
    model = dspark.SparkImageModel(spark, spark_reference / "model.zip", batch_size=SPARK_BATCH)
    features = train_features
    master = dspark.ParameterAveragingTrainingMaster(workers=2, batch_size_per_worker=SPARK_BATCH, averaging_frequency=1)
    run = model.fit_featurized(features, master)
    run.fit_epoch()
    np.testing.assert_allclose(run.head_params(), reference["trained_head_double_batch"], rtol=0, atol=1e-5)
    assert np.abs(run.head_params() - reference["trained_head"]).max() > 1e-3  # not the one-worker result
    run.close()


def test_trained_head_evaluates_and_saves(spark, spark_reference, split, train_features, tmp_path):
    """Evaluation of the head on features equals the whole network's evaluation after write_model + restore."""
    from dl4j_bridge import spark as dspark
    model = dspark.SparkImageModel(spark, spark_reference / "model.zip", batch_size=SPARK_BATCH)
    test_images = dspark.image_dataframe(spark, split["test"], split["test_labels"], batch_size=SPARK_BATCH)
    features = train_features
    test_features = model.featurize(test_images).cache()
    with model.fit_featurized(features, dspark.ParameterAveragingTrainingMaster(2, SPARK_BATCH, 2)) as run:
        for _ in range(2):
            run.fit_epoch()
        on_features = run.evaluate(test_features)
    model.write_model(tmp_path / "trained.zip", {"labels": split["labels"], "note": "spark test"})
    restored = dspark.SparkImageModel(spark, tmp_path / "trained.zip", batch_size=SPARK_BATCH)
    on_images = restored.evaluate(test_images)
    np.testing.assert_array_equal(on_features.confusion_matrix(), on_images.confusion_matrix())
    assert on_images.accuracy() > 0.5  # 2 epochs on 64 photos learn something (untrained: about 0.2)
    test_features.unpersist()


def test_lesson_on_spark_equals_the_single_machine_lesson_with_one_worker(shared_dir, tmp_path, spark):
    """`dl4j-bridge lesson --spark local[2] --spark-workers 1` computes what the single-machine lesson does."""
    spark.stop()  # the lesson's process starts its own Spark; one local Spark at a time keeps memory low
    env = dict(os.environ, DL4J_BRIDGE_FLOWERS_URL=(shared_dir / "data").as_uri(),
               PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               DL4J_BRIDGE_CACHE_DIR=str(tmp_path / "cache"))
    quick = ["--max-examples", "32", "--epochs", "2", "--batch-size", "8", "--quiet"]
    for name, extra in (("single", []), ("spark", ["--spark", "local[2]", "--spark-workers", "1"])):
        r = subprocess.run([sys.executable, "-m", "dl4j_bridge.cli", "lesson", *quick, *extra, "--run-dir",
                            str(tmp_path / name)], capture_output=True, text=True, env=env, cwd=REPO, timeout=900)
        assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    single = json.loads((tmp_path / "single" / "metrics.json").read_text())
    on_spark = json.loads((tmp_path / "spark" / "metrics.json").read_text())
    for name in ("model.zip", "metrics.json", "history.json", "settings.json", "confusion_matrix.png",
                 "training_curve.png"):
        assert (tmp_path / "spark" / name).is_file(), name
    assert on_spark["confusionMatrix"] == single["confusionMatrix"]
    assert on_spark["accuracy"] == single["accuracy"]
    history = json.loads((tmp_path / "spark" / "history.json").read_text())
    single_history = json.loads((tmp_path / "single" / "history.json").read_text())
    assert history["epoch_test_accuracy"] == single_history["epoch_test_accuracy"]
    np.testing.assert_allclose(history["iteration_scores"], single_history["iteration_scores"], rtol=1e-6)
    assert json.loads((tmp_path / "spark" / "settings.json").read_text())["spark"]["master"] == "local[2]"
