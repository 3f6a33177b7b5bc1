"""Evaluation from Python: DL4J's stats() text, metrics against a numpy reference, metrics.json."""

import json
import os

import numpy as np
import pytest

from dl4j_bridge.errors import ArgumentError, InvalidArgumentError
from dl4j_bridge.evaluation import Evaluation


def _numpy_reference(labels, preds, n):
    """Spec 7.2/7.3 written independently with numpy (macro averages over the defined classes)."""
    cm = np.zeros((n, n), np.int64)
    np.add.at(cm, (labels.argmax(1), preds.argmax(1)), 1)
    tp = np.diag(cm).astype(float)
    fp = cm.sum(0) - tp
    fn = cm.sum(1) - tp
    with np.errstate(invalid="ignore", divide="ignore"):
        p = tp / (tp + fp)
        r = tp / (tp + fn)
        f = np.where((p == 0) | (r == 0), 0.0, 2 * p * r / (p + r))
    f[np.isnan(p) | np.isnan(r)] = np.nan
    return cm, np.trace(cm) / cm.sum(), np.nanmean(p), np.nanmean(r), np.nanmean(f)


def test_stats_text_equals_dl4j_golden(fixtures_dir):
    EVAL_100B = fixtures_dir / "eval_100b"
    ev = Evaluation.from_dl4j_json(EVAL_100B / "evaluation.json")
    golden = (EVAL_100B / "evaluation_stats_golden.txt").read_text()
    # The golden file omits stats()'s two leading newlines and ends with a file's newline (spec 7.4).
    assert ev.stats() == "\n\n" + golden[:-1]
    assert ev.confusion_matrix().tolist() == [[45, 5, 0], [0, 26, 24], [0, 4, 46]]
    assert ev.labels == ["0", "1", "2"]


def test_metrics_match_numpy_reference_over_minibatches():
    rng = np.random.default_rng(7)
    n, rows = 5, 237
    labels = np.eye(n, dtype=np.float32)[rng.integers(0, n - 1, rows)]     # class 4 never present
    preds = rng.random((rows, n)).astype(np.float32)
    preds[:, 3] = -1                                                        # class 3 never predicted
    ev = Evaluation(labels=["daisy", "dandelion", "roses", "sunflowers", "tulips"])
    for lo in range(0, rows, 64):
        ev.eval(labels[lo:lo + 64], preds[lo:lo + 64])
    cm, acc, p, r, f = _numpy_reference(labels, preds, n)
    np.testing.assert_array_equal(ev.confusion_matrix(), cm)
    assert ev.num_examples == rows
    assert ev.accuracy() == pytest.approx(acc, abs=1e-12)
    assert ev.precision() == pytest.approx(p, abs=1e-12)
    assert ev.recall() == pytest.approx(r, abs=1e-12)
    assert ev.f1() == pytest.approx(f, abs=1e-12)
    assert ev.precision("sunflowers") == 0.0 and ev.true_positives(0) == cm[0, 0]
    assert ev.false_positives(1) == cm[:, 1].sum() - cm[1, 1]
    text = ev.stats()
    assert "Warning: 1 class was never predicted by the model and was excluded from average precision" in text
    assert "\nClasses excluded from average recall: [4]\n" in text
    assert " | 3 = sunflowers\n" in text


def test_to_dict_and_atomic_metrics_json(tmp_path):
    ev = Evaluation.from_confusion([[3, 1], [0, 4]], labels=["cat", "dog"])
    d = ev.to_dict()
    assert d["accuracy"] == pytest.approx(7 / 8)
    assert d["precision"] == pytest.approx(0.8)      # positive class 1: 4 / (4 + 1)
    assert d["labels"] == ["cat", "dog"]
    assert d["confusionMatrix"] == [[3, 1], [0, 4]]
    assert d["perClass"][0]["falseNegatives"] == 1
    out = ev.write_metrics_json(tmp_path / "metrics.json")
    assert json.loads(out.read_text()) == d
    assert os.listdir(tmp_path) == ["metrics.json"]


def test_undefined_metric_is_null_in_json():
    ev = Evaluation.from_confusion([[0, 4, 0], [0, 0, 0], [0, 0, 0]])
    assert np.isnan(ev.f1())
    assert ev.to_dict()["f1"] is None
    assert "NaN" in ev.stats()


def test_merge():
    a = Evaluation(num_classes=3)
    a.eval(np.eye(3), np.eye(3))
    b = Evaluation(num_classes=3)
    b.eval(np.eye(3)[[0]], np.eye(3)[[2]])
    a.merge(b)
    assert a.confusion_matrix().tolist() == [[1, 0, 1], [0, 1, 0], [0, 0, 1]]


def test_bad_input_raises_typed_errors():
    ev = Evaluation(labels=["a", "b", "c"])
    with pytest.raises(InvalidArgumentError, match="3 classes.*5 columns"):
        ev.eval(np.eye(5), np.eye(5))
    with pytest.raises(ArgumentError, match="must both be"):
        ev.eval(np.eye(3), np.eye(3)[:2])
    with pytest.raises(InvalidArgumentError, match="NaN"):
        ev.eval(np.eye(3)[:1], np.array([[np.nan, 0, 0]]))
    with pytest.raises(ArgumentError, match="unknown class label"):
        ev.precision("zebra")
    with pytest.raises(ArgumentError, match="square"):
        Evaluation.from_confusion([[1, 2, 3]])
    with pytest.raises(InvalidArgumentError, match="not a DL4J Evaluation JSON"):
        Evaluation.from_dl4j_json('{"a": 1}')


def test_no_data_text():
    assert Evaluation(num_classes=2).stats() == "Evaluation: No data available (no evaluation has been performed)"
