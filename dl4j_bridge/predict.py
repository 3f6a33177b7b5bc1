"""Classify new photos (or arrays) with a saved model zip, the way it was trained.

>>> clf = ImageClassifier.load("runs/efficientnet-lite0-.../model.zip")     # doctest: +SKIP
>>> clf.predict_files(["daisy.jpg"])[0].label                               # doctest: +SKIP
'daisy'

The zip's metadata (written by the lesson; readable without a JVM) names the labels, the input
shape, the channel order and the pre-processor, so files go through the same decoder, resize and
normalisation as the training photos, inside the engine. A zip without that metadata (for example
one saved by a JVM team's DL4J) can still be used: pass ``labels``, ``channel_order`` and
``preprocessor`` yourself.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import numpy as np

from . import arrays, jvm
from .datasets import preprocessor_for
from .errors import ArgumentError, ConfigError, EngineIOError
from .serializer import ModelSerializer, read_metadata
from .wrapper import to_java

_DATASETS = "org.dl4jbridge.datasets."
#: What predict_files takes from a folder (case-insensitive), as the engine's decoder reads them.
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif")


@dataclasses.dataclass
class Prediction:
    label: str | None
    probability: float
    probabilities: dict
    path: str | None = None
    error: str | None = None    # why the file could not be classified (then label is None)

    def __str__(self):
        return f"unreadable: {self.error}" if self.error else f"{self.label} ({self.probability:.3f})"


def image_files(paths) -> list[str]:
    """The files named, with each folder replaced by its image files (sorted, recursively)."""
    out = []
    for p in paths:
        path = Path(os.fspath(p))
        if path.is_dir():
            found = sorted(str(f) for f in path.rglob("*") if f.is_file() and f.suffix.lower() in IMAGE_SUFFIXES)
            if not found:
                raise ArgumentError(f"the folder {path} holds no image files ({', '.join(IMAGE_SUFFIXES)})")
            out.extend(found)
        elif path.is_file():
            out.append(str(path))
        else:
            raise ArgumentError(f"no such image file or folder: {path}")
    return out


class ImageClassifier:
    def __init__(self, model, labels, input_shape=(3, 224, 224), channel_order="BGR", preprocessor=None):
        self.model = model
        self.labels = list(labels)
        self.input_shape = tuple(int(s) for s in input_shape)
        if channel_order not in ("BGR", "RGB"):
            raise ArgumentError(f"channel_order={channel_order!r} must be 'BGR' (DL4J's default) or 'RGB'")
        self.channel_order = channel_order
        self.preprocessor = preprocessor  # DL4J class name such as 'VGG16ImagePreProcessor', or None

    @classmethod
    def load(cls, path, labels=None, channel_order=None, preprocessor=None) -> "ImageClassifier":
        meta = read_metadata(path) or {}
        prep = meta.get("preprocessing", {})
        labels = labels or meta.get("labels")
        if not labels:
            raise ConfigError(f"{path} carries no labels in its metadata (not saved by dl4j-bridge?): "
                              f"pass labels=[...] in the model's output order")
        model = ModelSerializer.restore_computation_graph(path, load_updater=False)
        return cls(model, labels, meta.get("input_shape", (3, 224, 224)),
                   channel_order or prep.get("channel_order", "BGR"),
                   preprocessor if preprocessor is not None else prep.get("preprocessor"))

    def _java_preprocessor(self):
        return to_java(preprocessor_for(self.preprocessor))

    def predict_files(self, files, batch_size: int = 16, skip_unreadable: bool = False) -> list[Prediction]:
        """Predictions for image files (JPEG, PNG, ...) and folders of them, decoded and normalised by
        the engine. An unreadable file raises, or with ``skip_unreadable`` gives a Prediction whose
        ``error`` says why (the other files are still classified)."""
        paths = image_files(files)
        _, height, width = self.input_shape
        loader = jvm.new(_DATASETS + "NativeImageLoader", height, width, 3,
                         jvm.constant(_DATASETS + "ChannelOrder", self.channel_order))
        prep = self._java_preprocessor()
        out = []
        for start in range(0, len(paths), batch_size):
            chunk = paths[start:start + batch_size]
            try:
                batch = jvm.static(_DATASETS + "ImageBatch", "load", chunk, loader, prep)
            except EngineIOError:
                if not skip_unreadable:
                    raise
                out.extend(self._one_by_one(chunk, loader, prep))
                continue
            out.extend(self._predictions(self._output(batch), chunk))
        return out

    def _one_by_one(self, chunk, loader, prep) -> list[Prediction]:
        """The chunk file by file, so that one unreadable photo costs only its own prediction."""
        out = []
        for path in chunk:
            try:
                batch = jvm.static(_DATASETS + "ImageBatch", "load", [path], loader, prep)
            except EngineIOError as e:
                out.append(Prediction(None, float("nan"), {}, path=path, error=e.java_message or str(e)))
                continue
            out.extend(self._predictions(self._output(batch), [path]))
        return out

    def _output(self, batch):
        return jvm.invoke(self.model.java, "output", False, batch)[0]

    def predict_arrays(self, images, preprocessed: bool = False) -> list[Prediction]:
        """Predictions for ``[n, 3, H, W]`` pixel arrays (0..255, the model's channel order), normalised by
        the model's pre-processor unless ``preprocessed``."""
        x = np.asarray(images, dtype=np.float32)
        if x.ndim == 3:
            x = x[None]
        if x.ndim != 4 or tuple(x.shape[1:]) != self.input_shape:
            raise ArgumentError(f"images have shape {list(x.shape)}; this model takes "
                                f"[n, {', '.join(map(str, self.input_shape))}] ({self.channel_order} planes, 0..255)")
        batch = arrays.to_java(x)
        if not preprocessed:
            batch = jvm.static(_DATASETS + "ImageBatch", "preProcess", batch, self._java_preprocessor())
        return self._predictions(self._output(batch))

    def _predictions(self, java_probs, paths=None) -> list[Prediction]:
        probs = arrays.to_numpy(java_probs)
        if probs.shape[1] != len(self.labels):
            raise ConfigError(f"the model has {probs.shape[1]} outputs but {len(self.labels)} labels were given")
        out = []
        for i, row in enumerate(probs):
            k = int(np.argmax(row))
            out.append(Prediction(self.labels[k], float(row[k]), dict(zip(self.labels, map(float, row))),
                                  path=None if paths is None else paths[i]))
        return out
