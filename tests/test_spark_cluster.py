"""dl4j_bridge.spark on a real Spark standalone cluster: a master and two workers (one core each) on
127.0.0.1, started with pyspark's own spark-class and stopped afterwards. Features and evaluation equal
the single-machine engine's; a worker killed in the middle of a featurize job loses no row and
duplicates none."""

import json
import threading
import time

import numpy as np
import pytest

from conftest import SPARK_BATCH, SPARK_MAX_EXAMPLES, spark_unavailable

why = spark_unavailable()
pytestmark = [pytest.mark.spark, pytest.mark.skipif(why is not None, reason=f"Spark cannot run: {why}")]

JOB_TIMEOUT = 600  # seconds; a hung job fails the test instead of hanging the suite


@pytest.fixture(scope="module")
def cluster():
    from dl4j_bridge import spark as dspark
    with dspark.LocalCluster(workers=2, cores=1) as c:
        yield c


@pytest.fixture(scope="module")
def spark(cluster):
    from dl4j_bridge import spark as dspark
    session = dspark.session(cluster.url, app_name="dl4j-bridge-cluster-tests")
    deadline = time.monotonic() + 120
    # Executors register a moment after the session starts; the tests need both (the fault test kills one).
    while session.sparkContext._jsc.sc().getExecutorMemoryStatus().size() < 3:  # two executors + the driver
        if time.monotonic() > deadline:
            session.stop()
            pytest.fail("the two workers' executors did not register within 120 s")
        time.sleep(0.2)
    yield session
    session.stop()


def all_photos(spark, split, partitions):
    """Train then test photos (128, whole minibatches of 8 each side) as one DataFrame."""
    from dl4j_bridge import spark as dspark
    return dspark.image_dataframe(spark, split["train"] + split["test"], split["train_labels"] + split["test_labels"],
                                  num_partitions=partitions, batch_size=SPARK_BATCH)


def check_written(spark, path, split, reference):
    rows = spark.read.parquet(str(path)).collect()
    n = 2 * SPARK_MAX_EXAMPLES
    assert len(rows) == n, f"{len(rows)} rows written for {n} photos"
    assert len({r["path"] for r in rows}) == n, "duplicated rows"
    rows.sort(key=lambda r: r["index"])
    assert [r["path"] for r in rows] == split["train"] + split["test"]
    assert all(r["error"] is None for r in rows)
    got = np.array([r["features"] for r in rows], dtype=np.float32)
    np.testing.assert_allclose(got, np.concatenate([reference["train_x"], reference["test_x"]]), rtol=0, atol=1e-6)


def test_cluster_features_equal_the_single_machine_features(spark, model, split, reference, tmp_path):
    summary = model.featurize_to_parquet(all_photos(spark, split, 8), tmp_path / "features.parquet")
    assert summary["rows"] == 2 * SPARK_MAX_EXAMPLES and summary["errors"] == 0
    check_written(spark, tmp_path / "features.parquet", split, reference)


def test_cluster_evaluation_equals_the_single_machine_evaluation(spark, model, split, spark_reference, reference):
    from dl4j_bridge import spark as dspark
    images = dspark.image_dataframe(spark, split["test"], split["test_labels"], batch_size=SPARK_BATCH)
    evaluation = model.evaluate(images)
    assert (evaluation.rows, evaluation.errors) == (SPARK_MAX_EXAMPLES, 0)
    np.testing.assert_array_equal(evaluation.confusion_matrix(), reference["confusion"])
    assert evaluation.stats() == json.loads((spark_reference / "evaluation.json").read_text())["stats"]


def test_cluster_trains_the_head_like_one_machine_with_one_worker(spark, spark_reference, split, reference):
    from dl4j_bridge import spark as dspark
    fresh = dspark.SparkImageModel(spark, spark_reference / "model.zip", batch_size=SPARK_BATCH)
    features = fresh.featurize(dspark.image_dataframe(spark, split["train"], split["train_labels"],
                                                      batch_size=SPARK_BATCH)).cache()
    with fresh.fit_featurized(features, dspark.ParameterAveragingTrainingMaster(1, SPARK_BATCH, 2)) as run:
        run.fit_epoch()
        np.testing.assert_allclose(run.head_params(), reference["trained_head"], rtol=0, atol=1e-6)
    features.unpersist()


def test_a_worker_killed_mid_featurize_loses_and_duplicates_no_row(spark, cluster, model, split, reference, tmp_path):
    """Runs last: it leaves one worker. The killed worker's executor dies with it (same process group)."""
    out = tmp_path / "features.parquet"
    tracker = spark.sparkContext.statusTracker()
    result = {}

    def job():
        try:
            result["summary"] = model.featurize_to_parquet(all_photos(spark, split, 16), out)
        except BaseException as e:  # reported by the test thread
            result["error"] = e

    thread = threading.Thread(target=job, daemon=True)
    thread.start()
    deadline = time.monotonic() + JOB_TIMEOUT
    killed_at = None
    while killed_at is None and time.monotonic() < deadline and thread.is_alive():
        for stage_id in tracker.getActiveStageIds():
            info = tracker.getStageInfo(stage_id)
            if info and info.numTasks == 16 and info.numCompletedTasks >= 2:
                killed_at = (info.numCompletedTasks, info.numTasks)
                cluster.kill_worker(1)
                break
        time.sleep(0.1)
    assert killed_at is not None, "the featurize stage finished or never started before the worker could be killed"
    assert killed_at[0] < killed_at[1], "the worker was killed after the job's last task"
    thread.join(timeout=max(1.0, deadline - time.monotonic()))
    if thread.is_alive():
        spark.sparkContext.cancelAllJobs()
        pytest.fail(f"the featurize job did not finish within {JOB_TIMEOUT} s after a worker was killed")
    if "error" in result:
        raise result["error"]
    assert result["summary"]["rows"] == 2 * SPARK_MAX_EXAMPLES and result["summary"]["errors"] == 0
    check_written(spark, out, split, reference)
