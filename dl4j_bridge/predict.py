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
from .errors import ConfigError
from .serializer import ModelSerializer, read_metadata

_DATASETS = "org.dl4jbridge.datasets."


@dataclasses.dataclass
class Prediction:
    label: str
    probability: float
    probabilities: dict

    def __str__(self):
        return f"{self.label} ({self.probability:.3f})"


class ImageClassifier:
    def __init__(self, model, labels, input_shape=(3, 224, 224), channel_order="BGR", preprocessor=None):
        self.model = model
        self.labels = list(labels)
        self.input_shape = tuple(int(s) for s in input_shape)
        if channel_order not in ("BGR", "RGB"):
            raise ConfigError(f"channel_order={channel_order!r} must be 'BGR' (DL4J's default) or 'RGB'")
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
        return None if not self.preprocessor else jvm.cls(_DATASETS + self.preprocessor)()

    def predict_files(self, files, batch_size: int = 16) -> list[Prediction]:
        """Predictions for image files (JPEG, PNG, ...), decoded and normalised by the engine."""
        paths = [os.fspath(f) for f in files]
        missing = [p for p in paths if not Path(p).is_file()]
        if missing:
            raise ConfigError(f"no such image file(s): {missing}")
        _, height, width = self.input_shape
        order = getattr(jvm.cls(_DATASETS + "ChannelOrder"), self.channel_order)
        loader = jvm.cls(_DATASETS + "NativeImageLoader")(height, width, 3, order)
        out = []
        for start in range(0, len(paths), batch_size):
            chunk = paths[start:start + batch_size]
            batch = jvm.call(jvm.cls(_DATASETS + "ImageBatch").load, chunk, loader,
                             self._java_preprocessor())
            out.extend(self._predictions(jvm.call(self.model.java.output, False, batch)[0]))
        return out

    def predict_arrays(self, images, preprocessed: bool = False) -> list[Prediction]:
        """Predictions for ``[n, 3, H, W]`` pixel arrays (0..255, the model's channel order), normalised by
        the model's pre-processor unless ``preprocessed``."""
        x = np.asarray(images, dtype=np.float32)
        if x.ndim == 3:
            x = x[None]
        if x.ndim != 4 or tuple(x.shape[1:]) != self.input_shape:
            raise ConfigError(f"images have shape {list(x.shape)}; this model takes [n, {', '.join(map(str, self.input_shape))}]"
                              f" ({self.channel_order} planes, 0..255)")
        batch = arrays.to_java(x)
        if not preprocessed:
            batch = jvm.call(jvm.cls(_DATASETS + "ImageBatch").preProcess, batch, self._java_preprocessor())
        return self._predictions(jvm.call(self.model.java.output, False, batch)[0])

    def _predictions(self, java_probs) -> list[Prediction]:
        probs = arrays.to_numpy(java_probs)
        if probs.shape[1] != len(self.labels):
            raise ConfigError(f"the model has {probs.shape[1]} outputs but {len(self.labels)} labels were given")
        out = []
        for row in probs:
            k = int(np.argmax(row))
            out.append(Prediction(self.labels[k], float(row[k]), dict(zip(self.labels, map(float, row)))))
        return out
