"""The flower lesson as one command: DL4J's EditLastLayerOthersFrozen, from Python.

Steps (each one a DL4J call with the same name in the engine):
1. load the pretrained zoo model (EfficientNet-Lite0 here; VGG16 where its DL4J zoo file is reachable);
2. TransferLearning.GraphBuilder: fine-tune configuration, freeze up to the feature layer
   (``global_pool`` / ``fc2``), replace ``predictions`` with a 5-class softmax output layer;
3. FlowerDataSetIterator.setup: fetch + verify + extract once, DL4J's balanced 80/20 split;
4. evaluate before training, train (by default on features computed once by TransferLearningHelper
   and cached on disk; ``feature_cache=False`` fits the whole graph batch by batch as DL4J's lesson
   does), evaluate after every epoch;
5. write the run directory: model.zip (DL4J format + metadata), metrics.json, history.json,
   settings.json, confusion_matrix.png, training_curve.png.
"""

from __future__ import annotations

import dataclasses
import json
import os
import platform
import time
from pathlib import Path
from typing import Optional

from . import __version__, config
from .progress import Progress, clock

MODELS = ("efficientnet-lite0", "vgg16")


@dataclasses.dataclass
class LessonSettings:
    model: str = "efficientnet-lite0"
    epochs: int = 5
    batch_size: int = 16
    seed: int = 12345
    train_percent: int = 80
    run_dir: Optional[str] = None
    feature_cache: bool = True
    quiet: bool = False
    learning_rate: Optional[float] = None  # default per model, see _updater_for
    momentum: Optional[float] = None

    def validate(self) -> None:
        from .errors import ConfigError
        if self.model not in MODELS:
            raise ConfigError(f"--model {self.model!r} is not one of {', '.join(MODELS)}")
        for name in ("epochs", "batch_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ConfigError(f"{name}={value!r} must be a positive integer")
        if not 1 <= self.train_percent <= 99:
            raise ConfigError(f"train_percent={self.train_percent!r} must lie between 1 and 99")


# What differs between the two backbones. The EfficientNet learning rate comes from
# EFFNET_LITE0.md section 4 (Nesterov 0.9 at 1e-2 reached 0.928 on these features; DL4J's 5e-5
# reached 0.78 after 5 epochs). VGG16 keeps DL4J's lesson exactly: `new Nesterovs(5e-5)` sets the
# MOMENTUM to 5e-5 and keeps the default learning rate 0.1 (the one-argument constructor trap).
_BACKBONES = {
    "efficientnet-lite0": {"boundary": "global_pool", "n_in": 1280, "learning_rate": 1e-2, "momentum": 0.9},
    "vgg16": {"boundary": "fc2", "n_in": 4096, "learning_rate": 0.1, "momentum": 5e-5},
}


def _write_json(path: Path, data) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    os.replace(tmp, path)


def _say(settings: LessonSettings, text: str) -> None:
    if not settings.quiet:
        print(text, flush=True)


def default_run_dir(model: str) -> Path:
    return Path("runs") / f"{model}-{time.strftime('%Y%m%d-%H%M%S')}"
