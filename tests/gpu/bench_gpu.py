"""Engine on the GPU vs PyTorch CUDA, float32, on one machine in one run (tests/gpu/run.sh calls this).

Sections, each in its own process (a process holds one JVM, with one backend):
  vgg       VGG16 to fc2, batch 64: the engine's device-resident path (cuDNN convolutions, activations on the GPU;
            ConvNetBench.vgg16Cuda, CPU engine as the reference in the same JVM) vs torch; peak device memory.
  effnet    EfficientNet-Lite0 to the pooled 1280 features, batch 64: the engine with backend=cuda (its layers on
            the host, every GEMM on cuBLAS) vs torch.
  finetune  VGG16 block5 + head trained on random batches of 64 (blocks 1-4 frozen): the engine with
            backend=cuda through the Python API vs torch (SGD with Nesterov momentum); images per second.
PyTorch: TF32 off (matmul and cuDNN), channels-last, cudnn.benchmark on, inference_mode for inference; timed
with CUDA events after warm-up. Prints one JSON line per section ("json: {...}") and a ratio.

    python3 tests/gpu/bench_gpu.py --section vgg|effnet|finetune [--batch 64] [--iters N]

tests/gpu/selftest.sh runs the engine half of effnet and finetune on the CPU (--backend cpu --no-torch) to check
this script's calls into the engine where no GPU is.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: the torch models of bench_engine_vs_torch
import bench_engine_vs_torch as cpu_bench  # noqa: E402


def torch_cuda():
    import torch
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cudnn.benchmark = True
    torch.manual_seed(0)
    return torch


def torch_inference(torch, model, batch, iters, warmup=3):
    model = model.cuda().to(memory_format=torch.channels_last)
    x = torch.rand(batch, 3, 224, 224, device="cuda").contiguous(memory_format=torch.channels_last)
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    with torch.inference_mode():
        for _ in range(warmup):
            model(x)
        torch.cuda.synchronize()
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        times = []
        for _ in range(iters):
            start.record()
            model(x)
            end.record()
            torch.cuda.synchronize()
            times.append(start.elapsed_time(end) / 1000)
    times.sort()
    median = times[len(times) // 2]
    return {"images_per_s": batch / median, "median_seconds": median, "seconds": times,
            "peak_device_bytes": torch.cuda.max_memory_allocated(), "torch": torch.__version__,
            "gpu": torch.cuda.get_device_name()}


def engine(backend):
    """The benchmark classes (engine test sources): run.sh passes gpu-tests.jar through DL4J_BRIDGE_CLASSPATH; in a
    checkout they are java/target/test-classes."""
    from dl4j_bridge import config, jvm
    config.set(backend=backend, heap="6g", direct_memory="8g")
    if not config.get("classpath"):
        config.set(classpath=[str(Path(__file__).resolve().parents[2] / "java" / "target" / "test-classes")])
    return jvm.cls("org.dl4jbridge.bench.ConvNetBench")


def section_vgg(args):
    bench = engine("cpu")  # the CPU engine is the reference; the GPU path is built explicitly
    e = json.loads(bench.vgg16Cuda(args.batch, 1, args.iters, 2))
    torch = torch_cuda()
    t = torch_inference(torch, cpu_bench.torch_vgg(torch), args.batch, max(args.iters, 10))
    return {"engine": e, "torch": t, "speed_ratio": e["images_per_s"] / t["images_per_s"],
            "memory_ratio": e["peak_device_bytes"] / t["peak_device_bytes"]}


def section_effnet(args):
    bench = engine(args.backend)
    e = json.loads(bench.efficientNetLite0(args.batch, 1, args.iters))
    from dl4j_bridge import jvm
    e["peak_device_bytes"] = int(jvm.static("org.dl4jbridge.ndarray.cuda.DeviceBuffer", "peakBytes"))
    if args.no_torch:
        return {"engine": e}
    torch = torch_cuda()
    t = torch_inference(torch, cpu_bench.torch_effnet(torch), args.batch, max(args.iters, 10))
    return {"engine": e, "torch": t, "speed_ratio": e["images_per_s"] / t["images_per_s"],
            "memory_ratio_engine_buffers_only": e["peak_device_bytes"] / t["peak_device_bytes"]}


def section_finetune(args):
    import numpy as np
    from dl4j_bridge import nn, transfer, zoo
    engine(args.backend)
    rng = np.random.default_rng(0)
    x = rng.random((args.batch, 3, 224, 224), dtype=np.float32)
    y = np.eye(5, dtype=np.float32)[rng.integers(0, 5, args.batch)]
    base = zoo.VGG16(num_classes=1000).init()
    ftc = transfer.FineTuneConfiguration(updater=nn.Nesterovs(learning_rate=1e-3, momentum=0.9), seed=1)
    # The lesson's head (a 5-class softmax OutputLayer in place of `predictions`), frozen up to block4_pool.
    head = nn.OutputLayer(n_in=4096, n_out=5, activation=nn.Activation.SOFTMAX,
                          loss=nn.LossFunction.NEGATIVELOGLIKELIHOOD, weight_init=nn.WeightInit.XAVIER)
    net = (transfer.TransferLearning.GraphBuilder(base).fine_tune_configuration(ftc)
           .set_feature_extractor("block4_pool").remove_vertex_keep_connections("predictions")
           .add_layer("predictions", head, "fc2").build())
    net.fit(x, y)  # warm-up
    t0 = time.perf_counter()
    for _ in range(args.iters):
        net.fit(x, y)
    engine_ips = args.batch * args.iters / (time.perf_counter() - t0)
    if args.no_torch:
        return {"engine": {"images_per_s": engine_ips, "backend": args.backend}}

    torch = torch_cuda()
    tnn = torch.nn
    features = cpu_bench.torch_vgg(torch)  # conv blocks + fc1/fc2; split at block4's pool (layer index 24)
    frozen, trained = features[:24], features[24:]
    model = tnn.Sequential(frozen, trained, tnn.Linear(4096, 5)).cuda().train().to(memory_format=torch.channels_last)
    for p in frozen.parameters():
        p.requires_grad_(False)
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=1e-3, momentum=0.9, nesterov=True)
    tx = torch.rand(args.batch, 3, 224, 224, device="cuda").contiguous(memory_format=torch.channels_last)
    ty = torch.randint(0, 5, (args.batch,), device="cuda")

    def step():
        opt.zero_grad(set_to_none=True)
        torch.nn.functional.cross_entropy(model(tx), ty).backward()
        opt.step()

    for _ in range(3):
        step()
    torch.cuda.synchronize()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    iters = max(args.iters, 10)
    start.record()
    for _ in range(iters):
        step()
    end.record()
    torch.cuda.synchronize()
    torch_ips = args.batch * iters / (start.elapsed_time(end) / 1000)
    return {"engine": {"images_per_s": engine_ips, "backend": "cuda (host layers, cuBLAS GEMMs)"},
            "torch": {"images_per_s": torch_ips, "gpu": torch.cuda.get_device_name()},
            "speed_ratio": engine_ips / torch_ips}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--section", choices=["vgg", "effnet", "finetune"], required=True)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--iters", type=int, default=3)
    ap.add_argument("--backend", choices=["cpu", "cuda"], default="cuda",
                    help="the engine's backend for effnet and finetune (cpu: the selftest's check of this script)")
    ap.add_argument("--no-torch", action="store_true", help="engine half only (the selftest, without PyTorch)")
    args = ap.parse_args()
    if args.section == "vgg" and args.no_torch:
        ap.error("the vgg section needs a GPU for its engine half too")
    result = {"vgg": section_vgg, "effnet": section_effnet, "finetune": section_finetune}[args.section](args)
    result["section"], result["batch"] = args.section, args.batch
    if args.no_torch:
        print(f"{args.section}: engine {result['engine']['images_per_s']:.1f} img/s (no torch side)")
        return
    print(f"{args.section}: engine {result['engine']['images_per_s']:.1f} img/s, torch "
          f"{result['torch']['images_per_s']:.1f} img/s, ratio {result['speed_ratio']:.2f}")
    print("json: " + json.dumps(result, default=str))


if __name__ == "__main__":
    main()
