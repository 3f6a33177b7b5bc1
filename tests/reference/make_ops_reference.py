"""Writes float64 PyTorch reference values for the engine's non-convolution ops.

Run from the repository root:
    /work/main/.venv/bin/python tests/reference/make_ops_reference.py
Outputs java/src/test/resources/reference/ops_*.npz, read by the JUnit tests in
org.dl4jbridge.ndarray.ops. Inputs are drawn as float32 (the engine's precision) and stored as
float32; every reference output is computed by PyTorch in float64 from those exact values, gradients
by autograd. Per-case arrays share a prefix "<case>_".
"""
import os
import numpy as np
import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "java", "src", "test", "resources", "reference")
rng = np.random.default_rng(20261122)
torch.set_default_dtype(torch.float64)


def f32(*shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def away_from(x, points, margin=0.05):
    """Moves values within margin of a kink so finite differences and float rounding cannot straddle it."""
    x = x.copy()
    for p in points:
        near = np.abs(x - p) < margin
        x[near] = np.where(x[near] >= p, p + margin, p - margin)
    return x.astype(np.float32)


def t(a, grad=False):
    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


def save(name, arrays):
    path = os.path.join(OUT, name)
    tmp = path + ".tmp.npz"
    np.savez_compressed(tmp, **arrays)
    os.replace(tmp, path)
    print(f"{name}: {len(arrays)} arrays, {os.path.getsize(path)} bytes")


def gemm_cases():
    out = {}
    # (m, n, k, transA, transB, orderA, orderB, orderC, alpha, beta): odd sizes, batch 1, f-order views
    cases = [
        (5, 7, 3, 0, 0, "c", "c", "c", 1.0, 0.0),
        (1, 9, 13, 0, 0, "c", "f", "c", 1.0, 0.0),    # batch 1 through a DL4J f-order dense W
        (17, 11, 6, 0, 0, "c", "f", "c", 1.0, 0.0),
        (6, 11, 17, 1, 0, "c", "c", "f", 1.0, 0.0),   # dW = x^T dz into an f-order gradient view
        (17, 6, 11, 0, 1, "c", "f", "c", 1.0, 0.0),   # dx = dz W^T
        (4, 5, 9, 1, 1, "f", "c", "c", 0.5, 0.75),
        (3, 8, 2, 0, 1, "f", "f", "f", -1.25, 1.0),
        (1, 1, 1, 0, 0, "c", "c", "c", 1.0, 0.0),
    ]
    for i, (m, n, k, ta, tb, oa, ob, oc, alpha, beta) in enumerate(cases):
        a = f32(k, m) if ta else f32(m, k)
        b = f32(n, k) if tb else f32(k, n)
        c0 = f32(m, n)
        opa = t(a).T if ta else t(a)
        opb = t(b).T if tb else t(b)
        ref = alpha * (opa @ opb) + beta * t(c0)
        p = f"c{i}_"
        out[p + "a"], out[p + "b"], out[p + "c0"] = a, b, c0
        out[p + "out"] = ref.numpy()
        out[p + "meta"] = np.array([ta, tb, oa == "f", ob == "f", oc == "f", alpha, beta], dtype=np.float64)
    out["count"] = np.array([len(cases)], dtype=np.int32)
    save("ops_gemm.npz", out)


def bias_cases():
    out = {}
    x2, b2, dz2 = f32(5, 11), f32(11), f32(5, 11)
    out.update(x2=x2, b2=b2, out2=(t(x2) + t(b2)).numpy(), dz2=dz2, db2=t(dz2).sum(0).numpy())
    x1, b1 = f32(1, 3), f32(3)
    out.update(x1=x1, b1=b1, out1=(t(x1) + t(b1)).numpy(), db1=t(x1).sum(0).numpy())
    x4, b4, dz4 = f32(3, 4, 5, 7), f32(4), f32(3, 4, 5, 7)
    out.update(x4=x4, b4=b4, out4=(t(x4) + t(b4).view(1, 4, 1, 1)).numpy(), dz4=dz4,
               db4=t(dz4).sum((0, 2, 3)).numpy())
    save("ops_bias.npz", out)


ACTS = {
    "IDENTITY": lambda z: z,
    "RELU": torch.relu,
    "RELU6": lambda z: torch.clamp(z, 0.0, 6.0),
    "LEAKYRELU": lambda z: torch.nn.functional.leaky_relu(z, 0.01),
    "LEAKYRELU_0.2": lambda z: torch.nn.functional.leaky_relu(z, 0.2),
    "TANH": torch.tanh,
    "SIGMOID": torch.sigmoid,
    "SOFTMAX": lambda z: torch.softmax(z, dim=1),
}


def activation_cases():
    out = {}
    for shape_name, shape in (("s", (7, 13)), ("b1", (1, 5))):
        z = away_from(f32(*shape, scale=3.0), (0.0, 6.0))
        g = f32(*shape)
        out[f"{shape_name}_z"], out[f"{shape_name}_g"] = z, g
        for name, fn in ACTS.items():
            zt = t(z, grad=True)
            a = fn(zt)
            a.backward(t(g))
            out[f"{shape_name}_{name}_a"] = a.detach().numpy()
            out[f"{shape_name}_{name}_dz"] = zt.grad.numpy()
    save("ops_activations.npz", out)


def loss_cases():
    """Per case: z, labels, act; score = Σ_i ℓ_i / mb (DL4J_SPEC 6.3); dz = d(Σ_i ℓ_i)/dz by autograd."""
    out = {}

    def one_hot(mb, n):
        y = np.zeros((mb, n), np.float32)
        y[np.arange(mb), rng.integers(0, n, mb)] = 1
        return y

    def add(name, loss, act, z, y):
        act_fn = ACTS[act]
        zt = t(z, grad=True)
        a = act_fn(zt)
        if loss == "MSE":
            per = ((a - t(y)) ** 2).mean(1)
            score = per.sum() / z.shape[0]
            per.sum().backward()
        else:
            clipped = torch.clamp(a, 1e-10, 1 - 1e-10) if act == "SOFTMAX" else a
            score = (-(t(y) * torch.log(clipped.detach())).sum(1)).sum() / z.shape[0]
            # the gradient uses the unclipped activations (DL4J_SPEC 6.3)
            (-(t(y) * torch.log(a)).sum(1)).sum().backward()
        p = f"{name}_"
        out[p + "z"], out[p + "y"] = z, y
        out[p + "score"] = np.array([score.item()])
        out[p + "dz"] = zt.grad.numpy()

    add("xent_softmax", "MCXENT", "SOFTMAX", f32(6, 5, scale=2), one_hot(6, 5))
    add("nll_softmax_b1", "NEGATIVELOGLIKELIHOOD", "SOFTMAX", f32(1, 3, scale=2), one_hot(1, 3))
    zc = f32(4, 3)
    zc[0] = [-30.0, 30.0, 0.0]   # softmax of the labelled class underflows the 1e-10 clip
    yc = one_hot(4, 3)
    yc[0] = [1, 0, 0]
    add("nll_softmax_clip", "NEGATIVELOGLIKELIHOOD", "SOFTMAX", zc, yc)
    add("xent_sigmoid", "MCXENT", "SIGMOID", f32(5, 4), one_hot(5, 4))
    add("mse_identity", "MSE", "IDENTITY", f32(7, 3), f32(7, 3))
    add("mse_tanh_b1", "MSE", "TANH", f32(1, 10), f32(1, 10))
    add("mse_softmax", "MSE", "SOFTMAX", f32(3, 4), one_hot(3, 4))
    save("ops_loss.npz", out)


def batchnorm_cases():
    """DL4J BatchNormalization: batch statistics use the population variance; running stats
    blend as decay*running + (1-decay)*batch (DL4J's convention, not torch's momentum/unbiased var)."""
    out = {}
    cases = [("bn2", (9, 5), 1e-5, 0.9), ("bn4", (3, 4, 5, 7), 1e-3, 0.99), ("bn4b1", (1, 3, 2, 3), 1e-5, 0.9)]
    for name, shape, eps, decay in cases:
        c = shape[1]
        x = (2.0 + 1.5 * rng.standard_normal(shape)).astype(np.float32)
        gamma, beta, g = f32(c), f32(c), f32(*shape)
        rmean, rvar = f32(c), (0.5 + rng.random(c)).astype(np.float32)
        dims = (0,) if len(shape) == 2 else (0, 2, 3)
        p = name + "_"
        out.update({p + "x": x, p + "gamma": gamma, p + "beta": beta, p + "g": g, p + "rmean": rmean, p + "rvar": rvar,
                    p + "eps": np.array([eps]), p + "decay": np.array([decay])})
        out[p + "inf"] = torch.nn.functional.batch_norm(t(x), t(rmean), t(rvar), t(gamma), t(beta), False, 0.0, eps).numpy()
        xt, gt, bt = t(x, True), t(gamma, True), t(beta, True)
        y = torch.nn.functional.batch_norm(xt, None, None, gt, bt, True, 0.0, eps)
        y.backward(t(g))
        bmean = t(x).mean(dims)
        bvar = t(x).var(dims, unbiased=False)
        out.update({p + "train": y.detach().numpy(), p + "bmean": bmean.numpy(), p + "bvar": bvar.numpy(),
                    p + "newmean": (decay * t(rmean) + (1 - decay) * bmean).numpy(),
                    p + "newvar": (decay * t(rvar) + (1 - decay) * bvar).numpy(),
                    p + "dx": xt.grad.numpy(), p + "dgamma": gt.grad.numpy(), p + "dbeta": bt.grad.numpy()})
    save("ops_batchnorm.npz", out)


def elementwise_cases():
    out = {}
    xs = [f32(2, 3, 5) for _ in range(3)]
    g = f32(2, 3, 5)
    out.update(x0=xs[0], x1=xs[1], x2=xs[2], g=g)
    ops = {
        "Add": lambda a: a[0] + a[1] + a[2],
        "Product": lambda a: a[0] * a[1] * a[2],
        "Average": lambda a: (a[0] + a[1] + a[2]) / 3,
        "Max": lambda a: torch.maximum(torch.maximum(a[0], a[1]), a[2]),
        "Subtract": lambda a: a[0] - a[1],
    }
    for name, fn in ops.items():
        ts = [t(x, True) for x in xs]
        y = fn(ts)
        y.backward(t(g))
        out[name + "_out"] = y.detach().numpy()
        for k in range(2 if name == "Subtract" else 3):
            out[f"{name}_d{k}"] = ts[k].grad.numpy()
    save("ops_elementwise.npz", out)


def upsampling_flatten_cases():
    out = {}
    for name, shape, (sh, sw) in (("u1", (2, 3, 4, 5), (2, 3)), ("u2", (1, 2, 3, 3), (3, 2)), ("u3", (1, 1, 2, 1), (1, 1))):
        x = f32(*shape)
        xt = t(x, True)
        y = torch.nn.functional.interpolate(xt, scale_factor=(sh, sw), mode="nearest")
        g = f32(*y.shape)
        y.backward(t(g))
        out.update({name + "_x": x, name + "_size": np.array([sh, sw], np.int32), name + "_out": y.detach().numpy(),
                    name + "_g": g, name + "_dx": xt.grad.numpy()})
    x = f32(2, 3, 4, 5)
    out["flat_x"] = x
    out["flat_nchw"] = t(x).reshape(2, -1).numpy()
    out["flat_nhwc"] = t(x).permute(0, 2, 3, 1).reshape(2, -1).numpy()
    save("ops_upsampling_flatten.npz", out)


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    gemm_cases()
    bias_cases()
    activation_cases()
    loss_cases()
    batchnorm_cases()
    elementwise_cases()
    upsampling_flatten_cases()
