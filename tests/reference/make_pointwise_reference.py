"""Writes float64 PyTorch references for 1x1 convolutions run as per-image tiles.

Run from the repository root with the development venv (torch is a reference only):

    /work/main/.venv/bin/python tests/reference/make_pointwise_reference.py

Output (small, committed): java/src/test/resources/reference/pointwise_forward.npz, read by
PointwiseConvolutionTest: 1x1, stride-1, unpadded convolutions with and without bias, each fused
activation, batch 1 and several images, planes from 1x1 to 9x9. Conventions and cfg layout are
those of make_conv_reference.py, whose conv_case this reuses.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_conv_reference as ref  # noqa: E402


def pw(n, cin, cout, h, w, act, bias=True):
    case = ref.conv_case(n, cin, cout, h, w, (1, 1), (1, 1), act=act, bias=bias)
    return {key: case[key] for key in ("cfg", "x", "w", "b", "y")}


def main():
    ref.rng = ref.np.random.default_rng(20261124)
    cases = [
        pw(3, 5, 7, 6, 7, "relu6"),
        pw(1, 4, 3, 9, 9, "identity", bias=False),
        pw(2, 16, 24, 7, 7, "relu"),
        pw(4, 3, 8, 5, 5, "identity"),
        pw(5, 6, 4, 1, 1, "relu6", bias=False),
    ]
    ref.save("pointwise_forward.npz", cases)


if __name__ == "__main__":
    main()
