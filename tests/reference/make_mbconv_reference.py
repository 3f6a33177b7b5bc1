"""Writes float64 PyTorch references for the fused inverted-residual (MBConv) block.

Run from the repository root with the development venv (torch is a reference only):

    /work/main/.venv/bin/python tests/reference/make_mbconv_reference.py

Output (small, committed): java/src/test/resources/reference/mbconv_forward.npz, read by
FusedMBConvTest: 1x1 expansion (or none), depthwise convolution (3x3 and 5x5, stride 1 and 2,
Same padding with its asymmetric split and Truncate with explicit padding), 1x1 projection,
optional residual, each with a bias and an activation, batch 1 and several images, odd and even
sizes. The padding conventions and cfg's first 9 entries are those of make_conv_reference.py;
cfg[9] = has expansion, cfg[10] = has residual, cfg[11..13] = expansion, depthwise and
projection activations (0 identity, 1 relu, 2 relu6).
"""
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_conv_reference as ref  # noqa: E402

torch, F, np = ref.torch, ref.F, ref.np


def act(z, name):
    return {"identity": z, "relu": F.relu(z), "relu6": F.hardtanh(z, 0.0, 6.0)}[name]


def mbconv(n, cin, mid, cout, h, w, k, s, p=0, mode="Same", expand=True, residual=False,
           acts=("relu6", "relu6", "identity")):
    x = ref.f32((n, cin, h, w))
    if not expand:
        mid = cin
    exp_w = ref.f32((mid, cin, 1, 1), 1.0 / math.sqrt(cin)) if expand else np.zeros((0,), np.float32)
    exp_b = ref.f32((mid,)) if expand else np.zeros((0,), np.float32)
    dw_w = ref.f32((mid, 1, k, k), 1.0 / k)
    dw_b = ref.f32((mid,))
    proj_w = ref.f32((cout, mid, 1, 1), 1.0 / math.sqrt(mid))
    proj_b = ref.f32((cout,))
    oh, pt, pb = ref.dim(mode, h, k, s, p, 1)
    ow, pl, pr = ref.dim(mode, w, k, s, p, 1)
    t = ref.t64(x)
    e = act(F.conv2d(t, ref.t64(exp_w), ref.t64(exp_b)), acts[0]) if expand else t
    d = act(F.conv2d(F.pad(e, (pl, pr, pt, pb)), ref.t64(dw_w), ref.t64(dw_b), stride=s, groups=mid), acts[1])
    y = act(F.conv2d(d, ref.t64(proj_w), ref.t64(proj_b)), acts[2])
    res = ref.f32(y.shape) if residual else np.zeros((0,), np.float32)
    if residual:
        y = y + ref.t64(res)
    assert y.shape == (n, cout, oh, ow), (y.shape, (n, cout, oh, ow))
    cfg = np.array([k, k, s, s, p, p, 1, 1, ref.MODES[mode], int(expand), int(residual)]
                   + [ref.ACTS[a] for a in acts], np.int32)
    return {"cfg": cfg, "x": x, "expW": exp_w, "expB": exp_b, "dwW": dw_w, "dwB": dw_b, "projW": proj_w,
            "projB": proj_b, "res": res, "y": y.detach().numpy()}


def main():
    ref.rng = np.random.default_rng(20261206)
    cases = [
        mbconv(3, 8, 24, 8, 12, 12, 3, 1, residual=True),                        # EfficientNet's repeated block
        mbconv(2, 6, 18, 10, 13, 11, 3, 2),                                     # stride 2, odd sizes: Same pads 0/1
        mbconv(1, 8, 24, 12, 14, 14, 5, 2),                                     # 5x5 stride 2, even: pads 1/2
        mbconv(2, 12, 36, 12, 7, 7, 5, 1, residual=True),                       # 7x7 with 5x5, residual
        mbconv(2, 16, 16, 8, 9, 10, 3, 1, expand=False),                        # block 0: no expansion
        mbconv(1, 5, 15, 7, 17, 15, 3, 1, acts=("relu", "relu", "relu6")),      # batch 1, other activations
        mbconv(3, 4, 12, 6, 11, 9, 3, 2, p=1, mode="Truncate"),                 # explicit padding
        mbconv(2, 4, 12, 6, 10, 10, 5, 1, p=0, mode="Truncate"),                # no padding: output smaller
        mbconv(1, 3, 9, 5, 1, 1, 3, 1),                                         # 1x1 image: all padding
        mbconv(9, 6, 18, 6, 5, 6, 5, 2, acts=("relu6", "identity", "identity")),  # many images, tiny maps
    ]
    ref.save("mbconv_forward.npz", cases)


if __name__ == "__main__":
    main()
