"""Engine vs PyTorch CPU: VGG16 and EfficientNet-Lite0 forward speed, GEMM rate, peak memory.

A benchmark script, not a test. Run from the repository root after building the engine and the
benchmark classes (they live in the engine's test sources, not in the product jar):

    mvn -q -B package -DskipTests -pl java && mvn -q -B test-compile -pl java

    PYTHONPATH=$PWD /work/main/.venv/bin/python tests/bench_engine_vs_torch.py [--quick] [--skip-memory]

Both sides run in this one process, batches interleaved (engine, torch, engine, ...), 2 threads each, same shapes (batch 16, 3x224x224, random
weights): the engine through the Python bridge (org.dl4jbridge.bench.ConvNetBench in
java/src/test/java, built from the engine's ops, loaded from java/target/test-classes), PyTorch 2.13 CPU in its fastest eager setting (eval, inference_mode, channels_last).
EfficientNet-Lite0 has batch norm folded into the convolutions on BOTH sides (inference form).
Peak resident memory (VmHWM) is measured for each side's VGG16 run in its own subprocess.
Only same-run ratios mean anything on a shared machine; the script prints the load average.
For tuning, BENCH_JVM_OPTIONS passes system properties to the engine's JVM, e.g.
BENCH_JVM_OPTIONS=-Ddl4jbridge.conv.noWinograd=true times VGG16 with im2col+GEMM only.
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

THREADS = 2
BATCH = 16
# OpenBLAS worker threads busy-wait for 2^28 cycles (~0.1 s) after each GEMM by default, stealing a
# core from the engine's own parallel loops between GEMMs; 2^4 makes them yield at once.
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")
# Untimed batches before EfficientNet-Lite0's timed ones, on both sides. The engine's kernels are
# compiled by the JIT during its first batches: with 2 warm-up batches the first four timed engine
# batches of a quiet run still read 0.22, 0.19, 0.17, 0.15 s against 0.12-0.14 s from the fifth on
# (session 6), so the rate mixed compilation into what is meant as steady-state throughput.
EFF_WARMUP = 8
# Timed EfficientNet-Lite0 batches a side. A batch takes 0.13-0.25 s on either side and single batches swing by a
# third on this shared machine (a run's per-batch times show it), so 10 batches left the ratio moving by about
# 0.1 between back-to-back runs; 30 cost 10 s more.
EFF_ITERS = 30

VGG_BLOCKS = [[64, 64], [128, 128], [256, 256, 256], [512, 512, 512], [512, 512, 512]]
EFF_BLOCKS = [  # cin, expansion, kernel, stride, cout (EFFNET_LITE0.md)
    (32, 1, 3, 1, 16), (16, 6, 3, 2, 24), (24, 6, 3, 1, 24), (24, 6, 5, 2, 40), (40, 6, 5, 1, 40),
    (40, 6, 3, 2, 80), (80, 6, 3, 1, 80), (80, 6, 3, 1, 80), (80, 6, 5, 1, 112), (112, 6, 5, 1, 112),
    (112, 6, 5, 1, 112), (112, 6, 5, 2, 192), (192, 6, 5, 1, 192), (192, 6, 5, 1, 192), (192, 6, 5, 1, 192),
    (192, 6, 3, 1, 320)]


def vmhwm_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    raise RuntimeError("no VmHWM in /proc/self/status")


def load_average():
    return os.getloadavg()


# ---- engine side ---------------------------------------------------------------------------

BENCH_CLASSES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "java", "target",
                             "test-classes")


def engine_bench():
    from dl4j_bridge import config, jvm
    if not os.path.isdir(os.path.join(BENCH_CLASSES, "org", "dl4jbridge", "bench")):
        sys.exit(f"the benchmark classes are not built ({BENCH_CLASSES}): run `mvn -q -B test-compile -pl java` first")
    extra = os.environ.get("BENCH_JVM_OPTIONS", "").split()  # tuning runs: -Ddl4jbridge.conv...=...
    config.set(threads=THREADS, heap="2g", direct_memory="3g", jvm_options=extra, classpath=[BENCH_CLASSES])
    return jvm.cls("org.dl4jbridge.bench.ConvNetBench")


def engine_vgg(iters, warmup=1):
    return json.loads(engine_bench().vgg16(BATCH, warmup, iters))


def engine_runner(network):
    """A network kept alive in the JVM: one batch per call, so engine and torch batches interleave."""
    engine_bench()
    return jvm_cls("org.dl4jbridge.bench.NetRunner")(network, BATCH)


def jvm_cls(name):
    from dl4j_bridge import jvm
    return jvm.cls(name)


def engine_gemm(m, n, k, reps):
    return json.loads(engine_bench().gemm(m, n, k, reps))


# ---- torch side ----------------------------------------------------------------------------

def torch_setup():
    import torch
    torch.set_num_threads(THREADS)
    torch.manual_seed(0)
    return torch


def torch_vgg(torch):
    nn = torch.nn
    layers, cin = [], 3
    for block in VGG_BLOCKS:
        for cout in block:
            layers += [nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU(inplace=True)]
            cin = cout
        layers.append(nn.MaxPool2d(2, 2))
    layers += [nn.Flatten(), nn.Linear(512 * 7 * 7, 4096), nn.ReLU(inplace=True), nn.Linear(4096, 4096),
               nn.ReLU(inplace=True)]
    return nn.Sequential(*layers).eval().to(memory_format=torch.channels_last)


def torch_effnet(torch):
    """EfficientNet-Lite0 features with BN folded into conv weight + bias; TF-SAME padding as DL4J Same."""
    nn, F = torch.nn, torch.nn.functional

    class SameConv(nn.Module):
        def __init__(self, cin, cout, k, s, groups=1, act=True):
            super().__init__()
            self.k, self.s, self.act = k, s, act
            # Stride 1, odd k: SAME is symmetric, so the conv pads itself; stride 2 needs F.pad.
            self.conv = nn.Conv2d(cin, cout, k, s, padding=(k // 2 if s == 1 else 0), groups=groups, bias=True)

        def forward(self, x):
            if self.s != 1:
                h = x.shape[-1]
                out = -(-h // self.s)
                total = max(0, (out - 1) * self.s + self.k - h)
                x = F.pad(x, (total // 2, total - total // 2, total // 2, total - total // 2))
            x = self.conv(x)
            return F.relu6(x, inplace=True) if self.act else x

    class Block(nn.Module):
        def __init__(self, cin, e, k, s, cout):
            super().__init__()
            mid = cin * e
            self.expand = SameConv(cin, mid, 1, 1) if e != 1 else None
            self.dw = SameConv(mid, mid, k, s, groups=mid)
            self.project = SameConv(mid, cout, 1, 1, act=False)
            self.residual = s == 1 and cin == cout

        def forward(self, x):
            y = self.expand(x) if self.expand is not None else x
            y = self.project(self.dw(y))
            return y + x if self.residual else y

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = SameConv(3, 32, 3, 2)
            self.blocks = nn.Sequential(*[Block(*b) for b in EFF_BLOCKS])
            self.head = SameConv(320, 1280, 1, 1)

        def forward(self, x):
            return self.head(self.blocks(self.stem(x))).mean(dim=(2, 3))

    return Net().eval().to(memory_format=torch.channels_last)


def torch_input(torch):
    return torch.rand(BATCH, 3, 224, 224).contiguous(memory_format=torch.channels_last)


def torch_time(torch, model, iters, warmup):
    x = torch_input(torch)
    times = []
    with torch.inference_mode():
        for _ in range(warmup):
            model(x)
        for _ in range(iters):
            t0 = time.perf_counter()
            model(x)
            times.append(time.perf_counter() - t0)
    return {"images_per_s": BATCH * iters / sum(times), "seconds_per_batch": times}


class BlockTimer:
    """Wall seconds per named torch module (forward hooks), summed over the timed batches: EfficientNet-Lite0's
    stem, blocks b00-b15 and head, named as the engine's per-block figures are. Two perf_counter calls a module."""

    def __init__(self, modules):
        self.seconds, self._start = {}, {}
        for name, module in modules:
            module.register_forward_pre_hook(lambda m, a, name=name: self._start.__setitem__(name, time.perf_counter()))
            module.register_forward_hook(lambda m, a, out, name=name: self._stop(name))

    def _stop(self, name):
        self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - self._start[name]


def interleaved(torch, network, model, iters, warmup, timer=None):
    """Alternates one engine batch and one torch batch, so both see the same machine load."""
    runner = engine_runner(network)
    x = torch_input(torch)
    eng, tor = [], []
    with torch.inference_mode():
        for _ in range(warmup):
            runner.forwardSeconds()
            model(x)
        runner.reset()
        if timer is not None:
            timer.seconds.clear()
        for _ in range(iters):
            eng.append(runner.forwardSeconds())
            t0 = time.perf_counter()
            model(x)
            tor.append(time.perf_counter() - t0)
    stats = json.loads(runner.statsJson())
    stats["seconds_per_batch"] = eng
    return stats, {"images_per_s": BATCH * iters / sum(tor), "seconds_per_batch": tor}


# ---- memory subprocesses -------------------------------------------------------------------

def memory_child(side):
    if side == "engine":
        engine_vgg(iters=1, warmup=0)
    else:
        torch = torch_setup()
        torch_time(torch, torch_vgg(torch), iters=1, warmup=0)
    print(json.dumps({"side": side, "vmhwm_mb": vmhwm_mb()}))


def measure_memory(side):
    env = dict(os.environ)
    out = subprocess.run([sys.executable, __file__, "--memory-child", side], env=env, check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])["vmhwm_mb"]


# ---- main ----------------------------------------------------------------------------------

def print_per_batch(engine, torch_side):
    print(f"    per batch (s): engine {[round(v, 2) for v in engine['seconds_per_batch']]},"
          f" torch {[round(v, 2) for v in torch_side['seconds_per_batch']]}")
    me, mt = statistics.median(engine["seconds_per_batch"]), statistics.median(torch_side["seconds_per_batch"])
    print(f"    median batch (s): engine {me:.3f}, torch {mt:.3f}, ratio of medians {mt / me:.2f}")


def print_per_block(engine, torch_seconds, iters):
    """Each EfficientNet block's ms per batch on both sides: where the engine leads and where it trails. The engine's
    figures include its layout conversions (block 4's NCHW -> CHWN, about 1.3 ms) and its head includes the global
    pool; PyTorch's head is the 1x1 convolution without the final mean. The hooks cost two perf_counter calls per
    module, 38 a batch, inside PyTorch's timed batches (microseconds against 0.15-0.25 s)."""
    names = ["stem"] + [f"b{i:02d}" for i in range(len(EFF_BLOCKS))] + ["head1x1+pool"]
    if "stem+b00" in engine["block_seconds"]:
        # The engine computes the stem inside block 0 (FusedMBConv.forwardWithStem): one figure for both, set
        # beside PyTorch's stem and block 0 together.
        names = ["stem+b00"] + names[2:]
    cells = []
    for name in names:
        e = 1000 * engine["block_seconds"].get(name, float("nan")) / iters
        parts = ["head"] if name == "head1x1+pool" else name.split("+")
        t = 1000 * sum(torch_seconds.get(p, float("nan")) for p in parts) / iters
        cells.append(f"{name} {e:.1f}/{t:.1f}={t / e:.2f}")
    print("    per block, engine / torch ms per batch = ratio: " + ", ".join(cells))


def vgg_conv_gflop_per_image():
    total, h, cin = 0.0, 224, 3
    for block in VGG_BLOCKS:
        for cout in block:
            total += 2.0 * cout * cin * 9 * h * h
            cin = cout
        h //= 2
    return total / 1e9


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--memory-child", choices=["engine", "torch"])
    ap.add_argument("--quick", action="store_true", help="fewer timed batches")
    ap.add_argument("--skip-memory", action="store_true")
    ap.add_argument("--only", choices=["vgg", "effnet", "gemm"], action="append")
    args = ap.parse_args()
    if args.memory_child:
        memory_child(args.memory_child)
        return
    only = set(args.only or ["vgg", "effnet", "gemm"])
    vgg_iters, eff_iters = (2, 3) if args.quick else (4, EFF_ITERS)
    print(f"machine: {platform.machine()} {os.cpu_count()} cpus, {platform.platform()}")
    print(f"threads: {THREADS} per side, batch {BATCH}, 224x224x3, random weights;"
          f" OPENBLAS_THREAD_TIMEOUT={os.environ['OPENBLAS_THREAD_TIMEOUT']}")
    print(f"load average at start: {load_average()}")
    torch = torch_setup()
    print(f"torch {torch.__version__}, mkldnn {torch.backends.mkldnn.is_available()}")
    results = {}
    if "gemm" in only or "vgg" in only:
        g = engine_gemm(512, BATCH * 28 * 28, 4608, 3)
        results["gemm"] = g
        print(f"engine backend: {g['backend']}")
        print(f"(c) OpenBLAS SGEMM on the largest VGG16 conv GEMM (block4 conv2/3, M=512 N={BATCH}*28*28"
              f" K=4608): {g['gflops_per_s']:.1f} GFLOP/s (runs {[round(v, 1) for v in g['all']]})")
    if "vgg" in only:
        e, t = interleaved(torch, "vgg16", torch_vgg(torch), vgg_iters, 1)
        results["vgg"] = {"engine": e, "torch": t}
        print(f"(a) VGG16 to fc2: engine {e['images_per_s']:.2f} img/s, torch {t['images_per_s']:.2f} img/s,"
              f" ratio engine/torch {e['images_per_s'] / t['images_per_s']:.2f}")
        print_per_batch(e, t)
        print(f"    engine seconds per conv layer (all batches): {[round(v, 2) for v in e['conv_layer_seconds']]}")
        conv_rate = e["conv_gflops_per_s"]
        print(f"(c) VGG16 conv stack (13 convs incl. im2col, bias, ReLU): {conv_rate:.1f} GFLOP/s effective"
              f" = {100 * conv_rate / results['gemm']['gflops_per_s']:.0f}% of the GEMM rate"
              f" ({vgg_conv_gflop_per_image():.2f} GFLOP/image)")
    if "effnet" in only:
        net = torch_effnet(torch)
        timer = BlockTimer([("stem", net.stem), ("head", net.head)]
                           + [(f"b{i:02d}", block) for i, block in enumerate(net.blocks)])
        e, t = interleaved(torch, "effnet", net, eff_iters, EFF_WARMUP, timer)
        results["effnet"] = {"engine": e, "torch": t}
        print(f"(b) EfficientNet-Lite0 to pooled 1280 (BN folded on both sides, {EFF_WARMUP} warm-up batches a side):"
              f" engine {e['images_per_s']:.2f}"
              f" img/s, torch {t['images_per_s']:.2f} img/s, ratio {e['images_per_s'] / t['images_per_s']:.2f}")
        print(f"    engine time by step (s over {eff_iters} batches): "
              + ", ".join(f"{k} {v:.2f}" for k, v in sorted(e["profile_seconds"].items(), key=lambda kv: -kv[1])))
        print_per_batch(e, t)
        print_per_block(e, timer.seconds, eff_iters)
    print(f"load average after timing: {load_average()}")
    if not args.skip_memory:
        em, tm = measure_memory("engine"), measure_memory("torch")
        print(f"(d) peak resident memory, VGG16 batch {BATCH} forward, own subprocess each: engine {em:.0f} MB,"
              f" torch {tm:.0f} MB, ratio {em / tm:.2f}")
    print("json: " + json.dumps({k: {kk: (vv if not isinstance(vv, dict) else {x: y for x, y in vv.items()
                                                                             if x != "seconds_per_batch"})
                                      for kk, vv in v.items()} for k, v in results.items()}, default=str))


if __name__ == "__main__":
    main()
