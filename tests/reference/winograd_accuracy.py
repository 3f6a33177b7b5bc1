"""Why the engine offers Winograd F(2x2, 3x3) and F(3x3, 3x3) up to 512 input channels, F(4x4, 3x3) only up to 128.

Simulates each algorithm in float32 (numpy only) on random non-negative activations (post-ReLU)
and He-scaled filters, and prints the worst error against a float64 direct convolution,
relative to the largest output magnitude (at least 1) as the engine's convolution tests measure
it. The engine's bound is 1e-5.

    python tests/reference/winograd_accuracy.py

The transform matrices are built by the Toom-Cook construction from the interpolation points
(plus the point at infinity); the engine hard-codes the same matrices for 0, ±1, for 0, ±1, 2 and for 0, ±1, ±2.
"""
import numpy as np

POINTS = {
    "F(2x2,3x3) points 0,1,-1": (2, [0, 1, -1]),
    "F(3x3,3x3) points 0,1,-1,2": (3, [0, 1, -1, 2]),
    "F(4x4,3x3) points 0,1,-1,2,-2": (4, [0, 1, -1, 2, -2]),
    "F(4x4,3x3) points 0,1,-1,1/2,-1/2": (4, [0, 1, -1, 0.5, -0.5]),
}


def toom_cook(m, points, r=3):
    """A^T (m x n), G (n x r), B^T (n x n) with n = m + r - 1 for F(m, r)."""
    n = m + r - 1
    at, g, bt = np.zeros((m, n)), np.zeros((n, r)), np.zeros((n, n))
    for k, p in enumerate(points):
        at[:, k] = [p ** i for i in range(m)]
        norm = np.prod([p - q for j, q in enumerate(points) if j != k])
        g[k] = [p ** i / norm for i in range(r)]
        others = np.poly1d([1.0])
        for j, q in enumerate(points):
            if j != k:
                others = others * np.poly1d([1.0, -q])
        coeffs = others.coeffs[::-1]
        bt[k, :len(coeffs)] = coeffs
    at[m - 1, n - 1] = 1
    g[n - 1, r - 1] = 1
    full = np.poly1d([1.0])
    for q in points:
        full = full * np.poly1d([1.0, -q])
    bt[n - 1] = full.coeffs[::-1][:n]
    return at, g, bt


def worst_error(m, points, channels, rng, tiles=300, filters=8):
    at, g, bt = toom_cook(m, points)
    a = m + 2
    d = np.maximum(rng.standard_normal((channels, tiles, a, a)), 0)
    w = rng.standard_normal((filters, channels, 3, 3)) * np.sqrt(2 / (9 * channels))
    ref = np.zeros((filters, tiles, m, m))
    for i in range(m):
        for j in range(m):
            ref[:, :, i, j] = np.einsum("ctxy,kcxy->kt", d[:, :, i:i + 3, j:j + 3], w)
    f = np.float32
    u = np.einsum("ij,kcjl,ml->kcim", g, w, g).astype(f)  # weights transformed in double, rounded once
    v = np.einsum("ij,ctjl,ml->ctim", bt.astype(f), d.astype(f), bt.astype(f)).astype(f)
    prod = np.einsum("kcxy,ctxy->ktxy", u, v).astype(f)
    y = np.einsum("ix,ktxy,jy->ktij", at.astype(f), prod, at.astype(f)).astype(f)
    return np.abs(y - ref).max() / max(1.0, np.abs(ref).max())


def main():
    rng = np.random.default_rng(20261122)
    for name, (m, points) in POINTS.items():
        errors = {c: worst_error(m, points, c, rng) for c in (64, 128, 512)}
        print(f"{name}: worst relative error {errors[64]:.1e} at 64 input channels, {errors[128]:.1e} at 128, "
              f"{errors[512]:.1e} at 512")


if __name__ == "__main__":
    main()
