"""Chooses the `--model vgg16-conv` lesson's head training settings on a validation split of the TRAIN part.

A selection script, not a test. The test part is never featurized, read or scored here: the lesson's
train part (DL4J's balanced 80/20 split, seed 12345) is featurized through the lesson's own feature
cache (block5_pool, so a lesson run before or after hits the same entry), then split once more,
per class and seeded, into a training subset and a validation subset (``--val-percent``). Every
candidate trains the lesson's own head (lesson._pool_dense_head: average pool, dense 256 ReLU,
dropout 0.5, softmax) in the engine, on the subset's minibatches in the split's order as the lesson
does, from the same seed, and is scored on the validation subset after every epoch.

    PYTHONPATH=. .venv/bin/python tests/choose_vgg16_conv_head.py [--max-epochs 15] [--json out.json]

Prints one line per candidate and epoch count (validation accuracy), then the best (highest
accuracy; ties go to the candidate listed first, then to fewer epochs). The lesson's defaults for
vgg16-conv are then set to that choice, and its test accuracy is measured once by the lesson itself.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

# (name, updater kind, learning rate, L2): the current default first, then the candidates.
CANDIDATES = [
    ("nesterovs 1e-3", "nesterovs", 1e-3, 0.0),
    ("nesterovs 3e-3", "nesterovs", 3e-3, 0.0),
    ("nesterovs 1e-2", "nesterovs", 1e-2, 0.0),
    ("adam 3e-4", "adam", 3e-4, 0.0),
    ("adam 1e-3", "adam", 1e-3, 0.0),
    ("nesterovs 1e-2 l2 1e-4", "nesterovs", 1e-2, 1e-4),
    ("adam 1e-3 l2 1e-4", "adam", 1e-3, 1e-4),
]


def split_train(labels: np.ndarray, val_percent: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices (kept in the split's order) of the training and validation subsets, per class."""
    rng = np.random.default_rng(seed)
    classes = labels.argmax(1)
    val = []
    for c in np.unique(classes):
        members = np.flatnonzero(classes == c)
        val.extend(rng.permutation(members)[:round(len(members) * val_percent / 100)])
    is_val = np.zeros(len(labels), bool)
    is_val[val] = True
    return np.flatnonzero(~is_val), np.flatnonzero(is_val)


def head_graph(base, kind: str, learning_rate: float, l2: float, seed: int, num_classes: int):
    """The lesson's transfer model with this candidate's fine-tune configuration; its trainable part."""
    from dl4j_bridge import lesson
    from dl4j_bridge.nn import Adam, Nesterovs
    from dl4j_bridge.transfer import FineTuneConfiguration, TransferLearning, TransferLearningHelper
    spec = lesson._BACKBONES["vgg16-conv"]
    updater = Adam(learning_rate=learning_rate) if kind == "adam" else Nesterovs(learning_rate=learning_rate, momentum=0.9)
    ftc = FineTuneConfiguration(updater=updater, seed=seed, l2=l2 or None)
    builder = TransferLearning.GraphBuilder(base).fine_tune_configuration(ftc).set_feature_extractor(spec["boundary"])
    model = lesson._pool_dense_head(builder, spec, num_classes).build()
    return TransferLearningHelper(model).unfrozen_graph()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--val-percent", type=int, default=20, help="share of each class of the train part held out")
    ap.add_argument("--max-epochs", type=int, default=15)
    ap.add_argument("--batch-size", type=int, default=16, help="the lesson's minibatch size")
    ap.add_argument("--json", help="also write every candidate's per-epoch validation accuracy here")
    args = ap.parse_args()

    from dl4j_bridge import config, jvm, zoo
    from dl4j_bridge.datasets import DEFAULT_SPLIT_SEED, DataSet, FlowerDataSetIterator
    from dl4j_bridge.lesson import LessonSettings, build_transfer_model
    from dl4j_bridge.transfer import TransferLearningHelper

    jvm.start()
    seed = DEFAULT_SPLIT_SEED
    zoo_model = zoo.VGG16Conv()
    base = zoo_model.init_pretrained(progress=False)
    train, _test = FlowerDataSetIterator.setup(batch_size=args.batch_size, seed=seed,
                                               preprocessor=zoo_model.preprocessor, progress=False)
    num_classes = len(train.labels)
    lesson_model = build_transfer_model(base, LessonSettings(model="vgg16-conv", seed=seed), num_classes)
    helper = TransferLearningHelper(lesson_model, feature_cache=Path(config.get("cache_dir")).expanduser() / "features")
    t0 = time.monotonic()
    featurized = helper.featurize(train)
    print(f"train part featurized ({helper.last_cache_status()}, {time.monotonic() - t0:.0f} s): "
          f"{featurized.total_examples} photos", flush=True)
    pairs = list(featurized.numpy_batches())
    x = np.concatenate([f for f, _ in pairs])
    y = np.concatenate([lab for _, lab in pairs])
    del pairs
    fit_idx, val_idx = split_train(y, args.val_percent, seed)
    print(f"training subset {len(fit_idx)} photos, validation subset {len(val_idx)} photos "
          f"(per class: {np.bincount(y[val_idx].argmax(1)).tolist()}); test part untouched", flush=True)
    # One engine DataSet per minibatch, built once and reused by every candidate.
    batches = [DataSet(x[fit_idx[i:i + args.batch_size]], y[fit_idx[i:i + args.batch_size]])
               for i in range(0, len(fit_idx), args.batch_size)]
    x_val, y_val = x[val_idx], y[val_idx].argmax(1)
    del x

    results = {}
    best = None
    for name, kind, lr, l2 in CANDIDATES:
        graph = head_graph(base, kind, lr, l2, seed, num_classes)
        accuracy = []
        t0 = time.monotonic()
        for epoch in range(args.max_epochs):
            for ds in batches:
                graph.fit(ds)
            predicted = np.concatenate([graph.output(x_val[i:i + 64]).argmax(1) for i in range(0, len(x_val), 64)])
            accuracy.append(float((predicted == y_val).mean()))
            if best is None or accuracy[-1] > best[2]:
                best = (name, epoch + 1, accuracy[-1])
        results[name] = accuracy
        print(f"{name:24s} " + " ".join(f"{a:.3f}" for a in accuracy) + f"  ({time.monotonic() - t0:.0f} s)", flush=True)
    print(f"best on validation: {best[0]}, {best[1]} epochs, accuracy {best[2]:.4f}")
    if args.json:
        Path(args.json).write_text(json.dumps({"val_percent": args.val_percent, "seed": seed,
                                               "fit_photos": len(fit_idx), "val_photos": len(val_idx),
                                               "accuracy_by_epoch": results,
                                               "best": {"candidate": best[0], "epochs": best[1],
                                                        "accuracy": best[2]}}, indent=1))


if __name__ == "__main__":
    main()
