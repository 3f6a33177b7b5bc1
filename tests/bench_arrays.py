"""Benchmark (not a test): numpy <-> engine array transfer rate for one [16,3,224,224] batch.

Run:  python tests/bench_arrays.py
Prints MB/s into the engine (fresh engine array, allocation included; and into a reused one), out of
the engine, and the portable bytes <-> byte[] path for comparison. Target: >= 1000 MB/s each way.
"""

import time

import numpy as np

from dl4j_bridge import arrays, jvm

SHAPE = (16, 3, 224, 224)
REPEATS = 30


def rate(fn, nbytes):
    for _ in range(3):
        fn()
    best = float("inf")
    for _ in range(3):  # best of three rounds: the machine is shared
        t0 = time.perf_counter()
        for _ in range(REPEATS):
            fn()
        best = min(best, time.perf_counter() - t0)
    return REPEATS * nbytes / 1e6 / best


def main():
    jvm.start()
    x = np.random.default_rng(0).random(SHAPE, dtype=np.float32)
    handle = arrays.to_java(x)
    assert np.array_equal(arrays.to_numpy(handle), x)
    rows = [
        ("numpy -> engine (fresh array)", rate(lambda: arrays.to_java(x), x.nbytes)),
        ("numpy -> engine (reused array)", rate(lambda: arrays.to_java(x, out=handle), x.nbytes)),
        ("engine -> numpy", rate(lambda: arrays.to_numpy(handle), x.nbytes)),
        ("numpy -> engine via bytes/byte[]", rate(lambda: arrays.to_java_bytes(x), x.nbytes)),
        ("engine -> numpy via byte[]/bytes", rate(lambda: arrays.to_numpy_bytes(handle), x.nbytes)),
    ]
    print(f"batch {list(SHAPE)} float32 = {x.nbytes / 1e6:.1f} MB")
    for name, mbs in rows:
        print(f"{name:36s} {mbs:9.0f} MB/s")


if __name__ == "__main__":
    main()
