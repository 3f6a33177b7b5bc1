"""Classification evaluation: DL4J's counts, metrics and ``stats()`` text, computed in the engine.

One :class:`Evaluation` wraps one ``org.dl4jbridge.eval.Evaluation``. Names map one-to-one to
DL4J's Java names (``stats`` = ``stats``, ``confusion_matrix`` = ``getConfusionMatrix``,
``num_examples`` = ``getNumRowCounter``, ...).

>>> ev = Evaluation(labels=["cat", "dog", "fox"])            # doctest: +SKIP
>>> ev.eval(np.eye(3), np.eye(3) * 0.9)                      # doctest: +SKIP
>>> ev.accuracy()                                            # doctest: +SKIP
1.0
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from . import arrays, jvm
from .files import write_atomic
from .errors import ArgumentError
from .wrapper import JavaWrapper, strings

_JAVA = "org.dl4jbridge.eval.Evaluation"
_JAVA_JSON = "org.dl4jbridge.eval.EvaluationJson"


class Evaluation(JavaWrapper):
    """Accumulates a confusion matrix over minibatches; DL4J's metrics and text on demand.

    ``labels`` names the classes in class-index order (e.g. the sorted flower folder names);
    without labels give ``num_classes``, or neither to size it from the first :meth:`eval`.
    ``top_n`` > 1 also reports top-N accuracy.
    """

    def __init__(self, labels=None, num_classes: int | None = None, top_n: int = 1, *, _handle=None):
        if _handle is not None:
            super().__init__(_handle)
            return
        if labels is not None:
            labels = [str(x) for x in labels]
            if num_classes is not None and num_classes != len(labels):
                raise ArgumentError(f"num_classes={num_classes} but {len(labels)} "
                                           f"labels were given ({labels}); pass one or make them agree")
            super().__init__(jvm.static(_JAVA, "forLabels", labels, int(top_n)))
        else:
            super().__init__(jvm.static(_JAVA, "forClasses", int(num_classes or 0), int(top_n)))

    @classmethod
    def from_confusion(cls, matrix, labels=None) -> "Evaluation":
        """An evaluation holding the counts ``matrix[actual][predicted]``."""
        m = np.asarray(matrix)
        if m.ndim != 2 or m.shape[0] != m.shape[1] or m.shape[0] == 0:
            raise ArgumentError(f"the confusion matrix must be square [n, n], "
                                                                 f"got shape {m.shape}")
        if not np.issubdtype(m.dtype, np.integer) and not np.all(m == np.round(m)):
            raise ArgumentError("confusion counts must be whole numbers")
        flat = [int(v) for v in m.reshape(-1)]
        names = None if labels is None else [str(x) for x in labels]
        handle = jvm.static(_JAVA, "fromConfusionFlat", flat, int(m.shape[0]), names)
        return cls(_handle=handle)

    @classmethod
    def from_dl4j_json(cls, source) -> "Evaluation":
        """Reads DL4J's own Evaluation JSON (``Evaluation.toJson()``), given as text or a file path."""
        text = source
        if isinstance(source, os.PathLike) or (isinstance(source, str) and not source.lstrip().startswith("{")):
            text = Path(source).read_text(encoding="utf-8")
        return cls(_handle=jvm.static(_JAVA_JSON, "fromDl4jJson", text))

    # ---- counting ------------------------------------------------------------------------

    def eval(self, labels, predictions) -> None:
        """Adds a minibatch: one-hot ``labels`` and network ``predictions``, both ``[minibatch, classes]``."""
        labels = np.asarray(labels)
        predictions = np.asarray(predictions)
        if labels.shape != predictions.shape or labels.ndim != 2:
            raise ArgumentError(f"labels {labels.shape} and predictions "
                                       f"{predictions.shape} must both be [minibatch, num_classes]")
        self._call("eval", arrays.to_java(labels), arrays.to_java(predictions))

    def merge(self, other: "Evaluation") -> None:
        self._call("merge", other)

    # ---- metrics -------------------------------------------------------------------------

    def stats(self, suppress_warnings: bool = False, include_confusion: bool | None = None) -> str:
        """DL4J's text; the confusion matrix is included up to 20 classes unless told otherwise."""
        if include_confusion is None:
            return self._call("stats", bool(suppress_warnings))
        return self._call("stats", bool(suppress_warnings), bool(include_confusion))

    def accuracy(self) -> float:
        return float(self._call("accuracy"))

    def top_n_accuracy(self) -> float:
        return float(self._call("topNAccuracy"))

    def precision(self, class_label: int | None = None) -> float:
        """Macro precision (positive class with 2 classes), or one class's."""
        return self._metric("precision", class_label)

    def recall(self, class_label: int | None = None) -> float:
        return self._metric("recall", class_label)

    def f1(self, class_label: int | None = None) -> float:
        return self._metric("f1", class_label)

    def _metric(self, name: str, class_label):
        if class_label is None:
            return float(self._call(name))
        return float(self._call(name, self._class_index(class_label)))

    def _class_index(self, class_label) -> int:
        if isinstance(class_label, str):
            names = self.labels
            if names is None or class_label not in names:
                raise ArgumentError(f"unknown class label {class_label!r}; "
                                                                     f"labels are {names}")
            return names.index(class_label)
        c = int(class_label)
        if not 0 <= c < self.num_classes:
            raise ArgumentError(f"class index {c} is outside "
                                                                 f"0..{self.num_classes - 1}")
        return c

    def true_positives(self, c) -> int:
        return int(self._call("truePositives", self._class_index(c)))

    def false_positives(self, c) -> int:
        return int(self._call("falsePositives", self._class_index(c)))

    def false_negatives(self, c) -> int:
        return int(self._call("falseNegatives", self._class_index(c)))

    def true_negatives(self, c) -> int:
        return int(self._call("trueNegatives", self._class_index(c)))

    def confusion_matrix(self) -> np.ndarray:
        """``[actual, predicted]`` counts as an int64 array."""
        n = self.num_classes
        flat = self._call("getConfusionMatrixFlat")
        return np.array(list(flat), dtype=np.int64).reshape(n, n)

    @property
    def num_classes(self) -> int:
        return int(self._call("getNumClasses"))

    @property
    def num_examples(self) -> int:
        return int(self._call("getNumRowCounter"))

    @property
    def labels(self) -> list[str] | None:
        return strings(self._call("getLabelsArray"))

    @labels.setter
    def labels(self, names) -> None:
        self._call("setLabels", None if names is None else [str(x) for x in names])

    def class_names(self) -> list[str]:
        """The printed name of every class: its label, or its index."""
        return [str(self._call("getClassLabel", c)) for c in range(self.num_classes)]

    # ---- export --------------------------------------------------------------------------

    def to_json(self) -> str:
        """metrics.json text: metrics, per-class counts, confusion matrix, labels (undefined -> null)."""
        return str(self._call("toJson"))

    def to_dict(self) -> dict:
        return json.loads(self.to_json())

    def write_metrics_json(self, path) -> Path:
        """Writes :meth:`to_json` to ``path`` atomically (temp file + rename)."""
        return write_atomic(Path(path), (self.to_json() + "\n").encode("utf-8"))

    def __str__(self) -> str:
        return self.stats()

    def __repr__(self) -> str:
        return f"Evaluation(num_classes={self.num_classes}, num_examples={self.num_examples})"


__all__ = ["Evaluation"]
