"""Check (not a test): a dropped VGG16 gives its memory back once Python lets go of it.

Run:  python tests/bench_receiver_memory.py
Builds VGG16 (random weights, 134M parameters, ~540 MB off-heap), runs one forward pass, drops it,
and prints the process's resident memory with the network and after ``del`` (with a few full Java
collections), and whether a java.lang.ref.WeakReference to the network was cleared. Before jvm.call
let go of the object a call was made on (pyjnius#563), the network stayed reachable after ``del``.
"""

import gc
import time

import numpy as np

from dl4j_bridge import config, jvm


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        return int(next(line for line in f if line.startswith("VmRSS")).split()[1]) / 1024


def full_gcs() -> None:
    gc.collect()
    for _ in range(3):
        jvm.static("java.lang.System", "gc")
        time.sleep(0.05)


def main():
    config.set(heap="3g")
    from dl4j_bridge.zoo import VGG16
    net = VGG16(num_classes=10).init()
    net.output(np.zeros((1, 3, 224, 224), np.float32))
    ref = jvm.new("java.lang.ref.WeakReference", net.java)
    full_gcs()
    print(f"{net.num_params()} parameters; resident memory with the network: {rss_mb():.0f} MB")
    del net
    full_gcs()
    print(f"resident memory after del: {rss_mb():.0f} MB; network collected: {jvm.invoke(ref, 'get') is None}")


if __name__ == "__main__":
    main()
