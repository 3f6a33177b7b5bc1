"""Writes java/src/test/resources/reference/linear_resize.npz: OpenCV's cv2.resize(INTER_LINEAR)
on random 8-bit 3-channel images, the reference for org.dl4jbridge.datasets.LinearResize (DL4J's
NativeImageLoader resizes with exactly this call).

Needs opencv-python-headless (not a dependency of the project; only of this generator):
    pip install --target /tmp/cvlib opencv-python-headless==4.10.0.84
    PYTHONPATH=/tmp/cvlib python tests/reference/gen_linear_resize.py
"""
from pathlib import Path

import cv2
import numpy as np

OUT = Path(__file__).resolve().parents[2] / "java/src/test/resources/reference/linear_resize.npz"
# (source h, w) -> (target h, w): shrink by non-integer factors, enlarge, exact 2x (OpenCV's area
# path), mixed directions, single rows/columns.
CASES = [((37, 53), (24, 31)), ((23, 17), (41, 45)), ((40, 52), (20, 26)), ((30, 11), (13, 29)),
         ((1, 9), (5, 4)), ((50, 64), (28, 28)), ((19, 19), (19, 7))]


def main():
    rng = np.random.default_rng(20240517)
    arrays = {}
    for i, ((sh, sw), (dh, dw)) in enumerate(CASES):
        src = rng.integers(0, 256, size=(sh, sw, 3), dtype=np.uint8)
        # smooth gradients plus noise, so that rounding of every weight matters
        src[: sh // 2] = np.clip(np.linspace(0, 255, sw)[None, :, None] + rng.normal(0, 20, (sh // 2, sw, 3)), 0, 255)
        dst = cv2.resize(src, (dw, dh), interpolation=cv2.INTER_LINEAR)
        arrays[f"src{i}"] = src.astype(np.int32)
        arrays[f"dst{i}"] = dst.astype(np.int32)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT, cv2_version=np.array([int(p) for p in cv2.__version__.split(".")[:3]], np.int32), **arrays)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes) with OpenCV {cv2.__version__}")


if __name__ == "__main__":
    main()
