"""Benchmark (a script, not a test): decode + resize to 224x224 in images/s, the engine's loader
(ImageIO decode + OpenCV-exact bilinear, as DL4J's NativeImageLoader) against Pillow, in one run.

    PYTHONPATH=$PWD python tests/bench_images.py [--data-dir DIR] [--n 400]

DIR is an extracted flower_photos folder (or its parent); without it the archive is fetched and
extracted through dl4j_bridge.datasets.ensure_flowers (set DL4J_BRIDGE_FLOWERS_URL for a mirror).
Only the ratios of one run mean anything on a shared machine.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dl4j_bridge import datasets, jvm  # noqa: E402

PKG = "org.dl4jbridge.datasets."


def photos(root: Path, n: int) -> list[Path]:
    root = root / "flower_photos" if (root / "flower_photos").is_dir() else root
    files = sorted(p for p in root.glob("*/*.jpg"))
    step = max(1, len(files) // n)  # spread over the classes
    return files[::step][:n]


def pillow_rate(files) -> float:
    start = time.perf_counter()
    for f in files:
        with Image.open(f) as im:
            arr = np.asarray(im.convert("RGB").resize((224, 224), Image.BILINEAR), dtype=np.float32)
        arr.transpose(2, 0, 1).copy()  # NCHW float32 like the engine's output
    return len(files) / (time.perf_counter() - start)


def engine_rate(files, threads: int) -> float:
    """Whole minibatches through the engine's iterator (decode, resize, NCHW float32, labels)."""
    labels = sorted({f.parent.name for f in files})
    ArrayList = jvm.cls("java.util.ArrayList")
    jfiles, jlabels = ArrayList(), ArrayList()
    for f in files:
        jfiles.add(jvm.cls("java.io.File")(str(f)).toPath())
    for label in labels:
        jlabels.add(label)
    loader = jvm.cls(PKG + "NativeImageLoader")(224, 224, 3)
    it = jvm.cls(PKG + "ImageRecordDataSetIterator")(jfiles, jlabels, loader, 16, threads, 2 * threads)
    start = time.perf_counter()
    n = 0
    while it.hasNext():
        n += it.next().numExamples()
    rate = n / (time.perf_counter() - start)
    it.close()
    return rate


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path)
    ap.add_argument("--n", type=int, default=400)
    args = ap.parse_args()
    root = args.data_dir or datasets.ensure_flowers()
    files = photos(root, args.n)
    warm = files[: min(64, len(files))]
    pillow_rate(warm)
    engine_rate(warm, 1)  # JIT warm-up
    cores = jvm.cls("java.lang.Runtime").getRuntime().availableProcessors()
    print(f"{len(files)} flower photos, decode + resize to 224x224 + NCHW float32, {cores} cores")
    pil = pillow_rate(files)
    print(f"  Pillow (antialiased bilinear), 1 thread: {pil:7.1f} images/s")
    for threads in sorted({1, cores}):
        rate = engine_rate(files, threads)
        print(f"  engine loader, {threads} decoder thread(s):  {rate:7.1f} images/s  ({rate / pil:.2f}x Pillow)")


if __name__ == "__main__":
    main()
