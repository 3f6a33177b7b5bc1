"""Writes the float64 PyTorch references for the engine's convolution and pooling ops.

Run from the repository root with the development venv (torch is a reference only, never a
runtime dependency):

    /work/main/.venv/bin/python tests/reference/make_conv_reference.py

Outputs (small, committed): java/src/test/resources/reference/conv_forward_backward.npz,
conv_pooling.npz, conv_global_pooling.npz and conv_winograd.npz. Inputs are float32 values (what the engine receives); the expected outputs and
gradients are computed from those same values in float64.

DL4J semantics emulated here:
* ConvolutionMode.Same: out = ceil(in/s), total pad max(0, (out-1)*s + effK - in), the smaller
  half before (top/left) and the extra row/column after (bottom/right) - F.pad, not torch's
  symmetric padding.
* Truncate: out = floor((in + 2p - effK)/s) + 1 (torch's default rounding). Strict: the same when
  the stride divides.
* AVG pooling: avgPoolIncludePadInDivisor=true divides every window by kH*kW (including padding
  cells, also Same mode's extra bottom/right cells); false divides by the count of input cells.
"""
import math
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

OUT = Path(__file__).resolve().parents[2] / "java/src/test/resources/reference"
MODES = {"Truncate": 0, "Same": 1, "Strict": 2}
ACTS = {"identity": 0, "relu": 1, "relu6": 2}
rng = np.random.default_rng(20261122)


def dim(mode, size, k, s, p, d):
    eff = (k - 1) * d + 1
    if mode == "Same":
        out = -(-size // s)
        total = max(0, (out - 1) * s + eff - size)
        return out, total // 2, total - total // 2
    span = size + 2 * p - eff
    assert span >= 0 and (mode != "Strict" or span % s == 0)
    return span // s + 1, p, p


def f32(shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def t64(a, grad=False):
    return torch.tensor(a.astype(np.float64), requires_grad=grad)


def conv_case(n, cin, cout, h, w, k, s, p=(0, 0), d=(1, 1), mode="Truncate", groups=1, act="identity", bias=True):
    kh, kw = k
    x = f32((n, cin, h, w))
    wt = f32((cout, cin // groups, kh, kw), 1.0 / math.sqrt(cin // groups * kh * kw))
    # Without a bias the engine gets none; the zero bias here only yields dL/db, which is the same.
    b = f32((cout,)) if bias else np.zeros((cout,), np.float32)
    oh, pt, pb = dim(mode, h, kh, s[0], p[0], d[0])
    ow, pl, pr = dim(mode, w, kw, s[1], p[1], d[1])
    xt, wtt, bt = t64(x, True), t64(wt, True), t64(b, True)
    z = F.conv2d(F.pad(xt, (pl, pr, pt, pb)), wtt, bt, stride=s, dilation=d, groups=groups)
    assert z.shape == (n, cout, oh, ow), (z.shape, (n, cout, oh, ow))
    a = {"identity": z, "relu": F.relu(z), "relu6": F.hardtanh(z, 0.0, 6.0)}[act]
    gy = f32(z.shape)
    z.backward(t64(gy))
    cfg = np.array([kh, kw, s[0], s[1], p[0], p[1], d[0], d[1], MODES[mode], groups, ACTS[act], int(bias)], np.int32)
    return {"cfg": cfg, "x": x, "w": wt, "b": b, "y": a.detach().numpy(), "gy": gy,
            "gx": xt.grad.numpy(), "gw": wtt.grad.numpy(), "gb": bt.grad.numpy()}


def pool_case(n, c, h, w, k, s, p=(0, 0), d=(1, 1), mode="Truncate", kind="max", include_pad=True):
    kh, kw = k
    x = f32((n, c, h, w))
    oh, pt, pb = dim(mode, h, kh, s[0], p[0], d[0])
    ow, pl, pr = dim(mode, w, kw, s[1], p[1], d[1])
    xt = t64(x, True)
    pads = (pl, pr, pt, pb)
    if kind == "max":
        y = F.max_pool2d(F.pad(xt, pads, value=-math.inf), k, s, 0, d)
    else:
        assert d == (1, 1)
        window_sum = F.avg_pool2d(F.pad(xt, pads), k, s, 0) * (kh * kw)
        if include_pad:
            y = window_sum / (kh * kw)
        else:
            inside = F.pad(torch.ones((1, 1, h, w), dtype=torch.float64), pads)
            y = window_sum / (F.avg_pool2d(inside, k, s, 0) * (kh * kw))
    assert y.shape == (n, c, oh, ow), (y.shape, (n, c, oh, ow))
    gy = f32(y.shape)
    y.backward(t64(gy))
    cfg = np.array([kh, kw, s[0], s[1], p[0], p[1], d[0], d[1], MODES[mode], 0 if kind == "max" else 1,
                    int(include_pad)], np.int32)
    return {"cfg": cfg, "x": x, "y": y.detach().numpy(), "gy": gy, "gx": xt.grad.numpy()}


def global_case(n, c, h, w, kind):
    x = f32((n, c, h, w))
    xt = t64(x, True)
    y = xt.mean(dim=(2, 3)) if kind == "avg" else xt.amax(dim=(2, 3))
    gy = f32(y.shape)
    y.backward(t64(gy))
    return {"cfg": np.array([0 if kind == "max" else 1], np.int32), "x": x, "y": y.detach().numpy(), "gy": gy,
            "gx": xt.grad.numpy()}


def save(name, cases):
    flat = {}
    for i, case in enumerate(cases):
        for key, value in case.items():
            flat[f"c{i}_{key}"] = value
    path = OUT / name
    tmp = path.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, **flat)
    tmp.replace(path)
    print(f"{path}: {len(cases)} cases, {path.stat().st_size} bytes")


def main():
    torch.manual_seed(0)
    OUT.mkdir(parents=True, exist_ok=True)
    conv = [
        conv_case(2, 3, 4, 7, 9, (3, 3), (1, 1), (1, 1), act="relu"),                 # kernel-row shifted GEMMs
        conv_case(1, 2, 3, 11, 8, (3, 3), (2, 2), bias=False),                          # stride 2, odd size, batch 1
        conv_case(2, 3, 5, 13, 10, (5, 3), (1, 2), (2, 1), (2, 1)),                     # dilation, mixed stride
        conv_case(2, 5, 6, 6, 7, (1, 1), (1, 1)),                                       # 1x1, batched images
        conv_case(1, 3, 4, 34, 33, (1, 1), (1, 1), act="relu6"),                        # 1x1 in place on the input
        conv_case(2, 3, 4, 8, 8, (3, 3), (2, 2), mode="Same", act="relu6"),             # Same, stride 2, even: pad 0/1
        conv_case(2, 2, 3, 7, 6, (4, 4), (1, 1), mode="Same"),                          # even kernel: pad 1/2
        conv_case(2, 4, 6, 6, 5, (3, 3), (1, 1), mode="Same", groups=2),                # groups
        conv_case(2, 3, 6, 9, 8, (3, 3), (2, 2), mode="Same", groups=3, act="relu6"),   # depthwise x2
        conv_case(1, 4, 4, 7, 7, (5, 5), (1, 1), mode="Same", groups=4, bias=False),    # depthwise 5x5
        conv_case(2, 3, 2, 9, 9, (3, 3), (2, 2), (1, 1), mode="Strict"),                # Strict, divides
        conv_case(1, 2, 3, 5, 5, (2, 2), (1, 1)),                                       # 2x2 kernel
        conv_case(2, 4, 4, 10, 9, (3, 3), (2, 1), (1, 2), (1, 2), groups=4),            # depthwise, dilated, Truncate
    ]
    save("conv_forward_backward.npz", conv)
    pool = [
        pool_case(2, 3, 7, 9, (2, 2), (2, 2)),                                          # odd sizes truncate
        pool_case(2, 2, 8, 8, (3, 3), (2, 2), mode="Same"),                             # Same, stride 2, even
        pool_case(1, 2, 6, 7, (3, 3), (1, 1), (1, 1), kind="avg", include_pad=True),
        pool_case(1, 2, 6, 7, (3, 3), (1, 1), (1, 1), kind="avg", include_pad=False),
        pool_case(2, 2, 8, 7, (3, 3), (2, 2), mode="Same", kind="avg", include_pad=True),
        pool_case(2, 2, 5, 5, (2, 2), (2, 2), mode="Same", kind="avg", include_pad=False),
        pool_case(1, 2, 9, 9, (3, 3), (1, 1), (2, 2), (2, 2)),                          # dilated max
        pool_case(1, 3, 9, 8, (3, 2), (2, 3), (1, 1), kind="max"),                      # rectangular, padding
    ]
    save("conv_pooling.npz", pool)
    save("conv_global_pooling.npz", [global_case(2, 3, 5, 4, "avg"), global_case(2, 3, 5, 4, "max"),
                                     global_case(1, 4, 7, 7, "avg")])
    # 3x3 stride-1 layers with >= 16 input channels: the engine runs these through Winograd F(2x2, 3x3).
    winograd = [
        conv_case(1, 16, 8, 7, 9, (3, 3), (1, 1), mode="Same", act="relu"),          # odd sizes: partial tiles
        conv_case(2, 32, 16, 8, 8, (3, 3), (1, 1), (1, 1), act="relu6"),             # explicit padding 1
        conv_case(2, 24, 8, 5, 6, (3, 3), (1, 1), bias=False),                       # no padding, 3x4 output
        conv_case(1, 40, 24, 10, 10, (3, 3), (1, 1), mode="Same", act="relu"),       # deeper sums
        conv_case(1, 16, 4, 6, 7, (3, 3), (1, 1), (2, 0)),                           # padding 2 rows, 0 columns
        conv_case(3, 16, 4, 4, 4, (3, 3), (1, 1)),                                   # 2x2 output: one tile
    ]
    save("conv_winograd.npz", winograd)


if __name__ == "__main__":
    main()
