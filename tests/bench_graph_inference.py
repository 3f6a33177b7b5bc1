"""Benchmark (not a test): EfficientNet-Lite0 featurize through the ComputationGraph vs the ops-level net vs PyTorch.

Three forward passes to the pooled 1280-d features at 224x224, batch 16, two threads, random weights,
timed batch by batch in turn so that all three see the same machine load (the machines are shared; graph and ops
swap places every round, so each follows the other, and torch, equally often):
  graph  - TransferLearningHelper.featurize on the zoo's EfficientNetLite0 ComputationGraph (what the
           flower lesson runs: conv/BN/ReLU6 vertices, the graph's pooled BN-folding inference path),
  ops    - org.dl4jbridge.bench NetRunner("effnet"): the same network assembled directly from the ops
           with BN folded (tests/bench_engine_vs_torch.py --only effnet),
  torch  - PyTorch CPU, BN folded, channels-last.
With --plain, the old path (ComputationGraph.feedForward, every activation kept) is timed as well.

  PYTHONPATH=$PWD /work/main/.venv/bin/python tests/bench_graph_inference.py [--iters 12] [--warmup 4] [--plain]

The first few batches still run partly interpreted (the JIT compiles the kernels on the same two cores), so
4 warm-up rounds come before the timed ones; with fewer timed batches than about 8 the ratio swings by several
per cent from run to run. The same comparison without Python and PyTorch, batch by batch in one JVM:
org.dl4jbridge.bench.GraphAB (java/src/test/java/org/dl4jbridge/bench/GraphAB.java).
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_engine_vs_torch as base  # noqa: E402  (sets OPENBLAS_THREAD_TIMEOUT before the JVM starts)


def graph_featurizer():
    """A featurize callable on the zoo graph (random weights) and its input DataSet."""
    import numpy as np
    from dl4j_bridge import arrays, jvm
    base.engine_bench()  # configures threads and memory, starts the JVM
    graph = jvm.cls("org.dl4jbridge.zoo.EfficientNetLite0")().init()
    helper = jvm.cls("org.dl4jbridge.nn.transferlearning.TransferLearningHelper")(graph, "global_pool")
    x = arrays.to_java(np.random.default_rng(7).random((base.BATCH, 3, 224, 224), dtype=np.float32))
    y = arrays.to_java(np.zeros((base.BATCH, 1000), dtype=np.float32))
    ds = jvm.cls("org.dl4jbridge.datasets.DataSet")(x, y)
    return graph, helper, ds, x


def timed(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--iters", type=int, default=12, help="timed batches per side (default 12)")
    ap.add_argument("--warmup", type=int, default=4, help="untimed rounds first (default 4)")
    ap.add_argument("--plain", action="store_true", help="also time the old feedForward path")
    args = ap.parse_args()

    torch = base.torch_setup()
    model = base.torch_effnet(torch)
    tx = base.torch_input(torch)
    graph, helper, ds, x = graph_featurizer()
    runner = base.jvm_cls("org.dl4jbridge.bench.NetRunner")("effnet", base.BATCH)
    sides = {
        "graph_featurize": lambda: helper.featurize(ds),
        "ops_effnet": runner.forwardSeconds,
        "torch": lambda: model(tx),
    }
    if args.plain:
        sides["graph_feedForward_plain"] = lambda: graph.feedForward(x, False)
    times = {k: [] for k in sides}
    with torch.inference_mode():
        for _ in range(args.warmup):
            for fn in sides.values():
                fn()
        order = list(sides)
        for i in range(args.iters):
            # graph and ops swap places every round: neither always runs right after the other or after torch
            # (whose worker threads may still spin for a moment after its batch)
            if i % 2:
                order[0], order[1] = "ops_effnet", "graph_featurize"
            else:
                order[0], order[1] = "graph_featurize", "ops_effnet"
            for k in order:
                times[k].append(timed(sides[k]))
    result = {k: {"images_per_s": base.BATCH * len(v) / sum(v), "seconds_per_batch": [round(t, 3) for t in v]}
              for k, v in times.items()}
    result["graph_over_ops"] = result["graph_featurize"]["images_per_s"] / result["ops_effnet"]["images_per_s"]
    result["load_average"] = base.load_average()
    print(json.dumps(result, indent=1))
    for k in sides:
        print(f"{k:>24}: {result[k]['images_per_s']:6.2f} images/s")
    print(f"{'graph / ops':>24}: {result['graph_over_ops']:.2f}")


if __name__ == "__main__":
    main()
