"""plots: valid PNGs of sensible size, written atomically, whose pixels depend on the input."""

import os

import numpy as np
import pytest
from PIL import Image

from dl4j_bridge import files, plots
from dl4j_bridge.errors import ArgumentError

FLOWERS = ["daisy", "dandelion", "roses", "sunflowers", "tulips"]
MATRIX = np.array([[120, 3, 4, 2, 4], [5, 101, 3, 2, 1], [2, 3, 140, 1, 7], [3, 2, 1, 122, 1], [4, 4, 9, 3, 110]])


def _pixels(path):
    with Image.open(path) as im:
        assert im.format == "PNG"
        return np.asarray(im.convert("RGB"))


def _only_file(folder, name):
    assert sorted(os.listdir(folder)) == [name], "a temp file was left behind"


def test_confusion_matrix_png_is_a_valid_image_of_sensible_size(tmp_path):
    out = plots.save_confusion_matrix(tmp_path / "confusion_matrix.png", MATRIX, FLOWERS)
    with Image.open(out) as im:
        im.verify()
    px = _pixels(out)
    assert 300 <= px.shape[1] <= 2000 and 300 <= px.shape[0] <= 2000
    assert len(np.unique(px.reshape(-1, 3), axis=0)) > 20, "the image is (nearly) blank"
    _only_file(tmp_path, "confusion_matrix.png")


def test_confusion_matrix_pixels_depend_on_counts_labels_and_accuracy(tmp_path):
    base = _pixels(plots.save_confusion_matrix(tmp_path / "a.png", MATRIX, FLOWERS))
    other = MATRIX.copy()
    other[0, 0], other[0, 1] = other[0, 1], other[0, 0]
    changed_counts = _pixels(plots.save_confusion_matrix(tmp_path / "b.png", other, FLOWERS))
    changed_labels = _pixels(plots.save_confusion_matrix(tmp_path / "c.png", MATRIX, [s.upper() for s in FLOWERS]))
    again = _pixels(plots.save_confusion_matrix(tmp_path / "d.png", MATRIX, FLOWERS))
    assert base.shape == again.shape and np.array_equal(base, again), "drawing is deterministic"
    for img in (changed_counts, changed_labels):
        assert img.shape != base.shape or not np.array_equal(img, base)


def test_confusion_matrix_accepts_an_evaluation_like_object(tmp_path):
    class FakeEval:  # duck-typed: only the two methods the plot uses
        def confusion_matrix(self):
            return MATRIX

        def class_names(self):
            return FLOWERS

    a = _pixels(plots.save_confusion_matrix(tmp_path / "a.png", FakeEval()))
    b = _pixels(plots.save_confusion_matrix(tmp_path / "b.png", MATRIX, FLOWERS))
    assert np.array_equal(a, b)


def test_training_curve_png(tmp_path):
    rng = np.random.default_rng(0)
    scores = 2 * np.exp(-np.arange(120) / 30) + 0.05 * rng.random(120)
    out = plots.save_training_curve(tmp_path / "training_curve.png", scores, [0.6, 0.8, 0.9], iterations_per_epoch=40)
    px = _pixels(out)
    assert 400 <= px.shape[1] <= 2000 and 300 <= px.shape[0] <= 2000
    _only_file(tmp_path, "training_curve.png")
    other = _pixels(plots.save_training_curve(tmp_path / "x.png", scores[::-1], [0.6, 0.8, 0.9],
                                              iterations_per_epoch=40))
    assert not np.array_equal(px, other)
    other_acc = _pixels(plots.save_training_curve(tmp_path / "y.png", scores, [0.6, 0.7, 0.9],
                                                  iterations_per_epoch=40))
    assert not np.array_equal(px, other_acc)
    score_only = _pixels(plots.save_training_curve(tmp_path / "z.png", scores))
    assert score_only.shape[0] < px.shape[0], "without accuracies only the score panel is drawn"


def test_training_curve_skips_non_finite_scores(tmp_path):
    plots.save_training_curve(tmp_path / "t.png", [1.0, float("nan"), 0.5, float("inf"), 0.25])
    with pytest.raises(ArgumentError, match="diverged"):
        plots.save_training_curve(tmp_path / "u.png", [float("nan")])


def test_failed_write_leaves_old_file_and_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "confusion_matrix.png"
    plots.save_confusion_matrix(target, MATRIX, FLOWERS)
    before = target.read_bytes()

    def broken_replace(src, dst):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(files.os, "replace", broken_replace)
    with pytest.raises(OSError, match="simulated"):
        plots.save_confusion_matrix(target, MATRIX * 2, FLOWERS)
    assert target.read_bytes() == before
    _only_file(tmp_path, "confusion_matrix.png")


@pytest.mark.parametrize("matrix, labels, message", [
    (np.zeros((2, 3)), None, "square"),
    (np.array([[1, -1], [0, 2]]), None, ">= 0"),
    (MATRIX, FLOWERS[:4], "4 labels"),
])
def test_bad_confusion_input_is_rejected(tmp_path, matrix, labels, message):
    with pytest.raises(ArgumentError, match=message):
        plots.save_confusion_matrix(tmp_path / "x.png", matrix, labels)
    assert os.listdir(tmp_path) == []


def test_empty_scores_are_rejected(tmp_path):
    with pytest.raises(ArgumentError, match="no scores"):
        plots.save_training_curve(tmp_path / "x.png", [])


@pytest.mark.parametrize("n", [25, 200, 1000])
def test_many_classes_keep_a_sensible_size(tmp_path, n):
    m = np.random.default_rng(n).integers(0, 50, (n, n))
    px = _pixels(plots.save_confusion_matrix(tmp_path / "cm.png", m))
    assert 300 <= px.shape[0] <= 4000 and 300 <= px.shape[1] <= 4000
