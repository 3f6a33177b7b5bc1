"""Writes float64 PyTorch references for the depthwise convolution's forward paths.

Run from the repository root with the development venv (torch is a reference only):

    /work/main/.venv/bin/python tests/reference/make_depthwise_reference.py

Output (small, committed): java/src/test/resources/reference/depthwise_forward.npz, read by
DepthwiseForwardTest. The cases cover each forward path of the engine's depthwise kernel: kernel
widths 3 and 5 at stride 1 and 2 (the vectorised row kernels), other widths, strides and
dilations (one copy per tap), several images stacked per channel, depthMultiplier > 1, batch 1,
odd sizes, Same padding (asymmetric), Truncate with explicit padding and with dropped input
rows/columns. Backward is covered by make_conv_reference.py. The conventions (Same's padding
split, cfg layout) are those of make_conv_reference.py, whose conv_case this reuses.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_conv_reference as ref  # noqa: E402


def dw(n, c, h, w, k, s, p=(0, 0), d=(1, 1), mode="Same", m=1, act="relu6", bias=True):
    case = ref.conv_case(n, c, c * m, h, w, k, s, p, d, mode, groups=c, act=act, bias=bias)
    return {key: case[key] for key in ("cfg", "x", "w", "b", "y")}


def main():
    ref.rng = ref.np.random.default_rng(20261123)
    cases = [
        dw(3, 4, 7, 7, (5, 5), (1, 1)),                                   # EfficientNet 7x7 5x5, 3 images stacked
        dw(2, 3, 9, 8, (3, 3), (2, 2), m=2, act="relu"),                   # stride 2, multiplier 2
        dw(1, 2, 11, 13, (5, 5), (2, 2), act="identity", bias=False),      # stride 2 5x5, batch 1, odd sizes
        dw(2, 2, 10, 9, (3, 3), (1, 1), (1, 1), mode="Truncate"),          # explicit padding
        dw(2, 2, 12, 11, (3, 3), (2, 2), (2, 1), (2, 2), mode="Truncate"),  # dilation: per-tap path
        dw(2, 3, 8, 9, (3, 5), (1, 1)),                                    # 3x5 kernel
        dw(2, 2, 9, 10, (4, 4), (1, 1)),                                   # even kernel, padding 1/2
        dw(2, 2, 13, 12, (3, 3), (3, 3), mode="Truncate", act="relu"),     # stride 3
        dw(2, 2, 6, 7, (1, 1), (1, 1), (1, 1), mode="Truncate"),           # 1x1 with padding: output taller than input
        dw(5, 2, 14, 14, (5, 5), (1, 1), m=3),                             # 5 images, multiplier 3
        dw(2, 2, 9, 11, (3, 3), (2, 1)),                                   # row stride 2 only
        dw(2, 2, 10, 9, (5, 3), (1, 2), act="relu"),                       # column stride 2 only
        dw(3, 2, 10, 10, (3, 3), (2, 2), mode="Truncate"),                 # last input row/column never read
        dw(2, 3, 14, 14, (5, 5), (2, 2)),                                  # Same 5x5 stride 2, even size: pad 1/2
        dw(2, 2, 9, 9, (3, 3), (2, 2), (1, 1), mode="Truncate"),           # odd left padding at stride 2
        dw(2, 2, 12, 10, (3, 3), (1, 1), d=(1, 2), act="identity"),       # column dilation at stride 1
        dw(2, 2, 9, 9, (3, 3), (2, 2), (0, 1), mode="Truncate"),          # no top padding, a column read wraps
    ]
    ref.save("depthwise_forward.npz", cases)


if __name__ == "__main__":
    main()
