"""Opt-in: the Spark layer on every flower photo, on a standalone cluster of two one-core workers
(127.0.0.1). Too long for CI (tens of minutes on two cores); run it with

    DL4J_BRIDGE_SPARK_FULL=1 .venv/bin/python -m pytest tests/test_spark_full.py -q -s

1. every one of the 3670 photos featurized on the cluster equals the single-machine features within
   1e-6, with the exact row count and no duplicates;
2. `dl4j-bridge lesson --spark spark://...` (two workers, parameter averaging after every step) reaches
   the single-machine lesson's test accuracy within 0.5 points.
"""

import json
import os
import subprocess
import sys
import time

import numpy as np
import pytest

from conftest import REPO, spark_unavailable

why = spark_unavailable()
pytestmark = [
    pytest.mark.spark, pytest.mark.slow,
    pytest.mark.skipif(why is not None, reason=f"Spark cannot run: {why}"),
    pytest.mark.skipif(not os.environ.get("DL4J_BRIDGE_SPARK_FULL"),
                       reason="the full-data Spark check takes tens of minutes: DL4J_BRIDGE_SPARK_FULL=1 runs it"),
]
BATCH = 16


@pytest.fixture(scope="module")
def cluster():
    from dl4j_bridge import spark as dspark
    with dspark.LocalCluster(workers=2, cores=1) as c:
        yield c


def _env(shared_dir, **extra):
    return dict(os.environ, DL4J_BRIDGE_FLOWERS_URL=(shared_dir / "data").as_uri(),
                PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""), **extra)


def test_every_photo_featurized_on_the_cluster_equals_the_single_machine(cluster, shared_dir, tmp_path):
    from dl4j_bridge import spark as dspark
    for script, args in (("spark_reference.py", ["16", str(BATCH)]), ("spark_reference_all.py", [str(BATCH)])):
        r = subprocess.run([sys.executable, str(REPO / "tests" / script), str(tmp_path), *args], capture_output=True,
                           text=True, env=_env(shared_dir), cwd=REPO, timeout=3600)
        assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    photos = json.loads((tmp_path / "all.json").read_text())
    expected = np.load(tmp_path / "all_features.npy")
    spark = dspark.session(cluster.url, app_name="dl4j-bridge full check")
    try:
        model = dspark.SparkImageModel(spark, tmp_path / "model.zip", batch_size=BATCH)
        t0 = time.monotonic()
        summary = model.featurize_to_parquet(dspark.image_dataframe(spark, photos["paths"], photos["labels"],
                                                                    batch_size=BATCH), tmp_path / "all.parquet")
        seconds = time.monotonic() - t0
        rows = spark.read.parquet(str(tmp_path / "all.parquet")).collect()
    finally:
        spark.stop()
    n = len(photos["paths"])
    assert n == 3670 and summary == {"rows": n, "errors": 0, "path": str(tmp_path / "all.parquet")}
    assert len(rows) == n and len({r["path"] for r in rows}) == n
    rows.sort(key=lambda r: r["index"])
    got = np.array([r["features"] for r in rows], dtype=np.float32)
    diff = float(np.abs(got - expected).max())
    print(f"\n{n} photos featurized on 2 workers in {seconds:.1f} s ({n / seconds:.1f} img/s); "
          f"largest difference from the single machine {diff:.3g}")
    assert diff <= 1e-6


def test_lesson_on_the_cluster_reaches_the_single_machine_accuracy(cluster, shared_dir, tmp_path):
    runs = {}
    for name, extra in (("single", []), ("cluster", ["--spark", cluster.url])):
        r = subprocess.run([sys.executable, "-m", "dl4j_bridge.cli", "lesson", "--quiet", *extra, "--run-dir",
                            str(tmp_path / name)], capture_output=True, text=True, env=_env(shared_dir), cwd=REPO,
                           timeout=3600)
        assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
        runs[name] = json.loads((tmp_path / name / "metrics.json").read_text())
    print(f"\ntest accuracy: single machine {runs['single']['accuracy']:.4f} ({runs['single']['seconds']} s), "
          f"cluster of 2 workers {runs['cluster']['accuracy']:.4f} ({runs['cluster']['seconds']} s)")
    assert runs["cluster"]["numExamples"] == runs["single"]["numExamples"] == 633
    assert abs(runs["cluster"]["accuracy"] - runs["single"]["accuracy"]) <= 0.005
