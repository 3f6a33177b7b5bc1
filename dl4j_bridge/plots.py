"""The run directory's figures, drawn with Pillow alone (matplotlib is not a dependency).

- :func:`save_confusion_matrix`: ``confusion_matrix.png`` - class names on both axes, the count in
  every cell, cells shaded by the fraction of the actual class (so small classes stay readable),
  the accuracy in the title.
- :func:`save_training_curve`: ``training_curve.png`` - the score (loss) of every iteration, and
  the test accuracy after every epoch when given.

Both write atomically: the PNG is encoded in memory, written to a temp file beside the target and
renamed over it, so a reader never sees half an image and a failure leaves no stray file.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from . import files
from .errors import ArgumentError

_BG = (255, 255, 255)
_INK = (33, 33, 33)
_GRID = (225, 225, 225)
_SCORE = (31, 119, 180)
_ACCURACY = (214, 39, 40)
_EPOCH = (190, 190, 190)


# ---- confusion matrix ---------------------------------------------------------------------------

def save_confusion_matrix(path, matrix, labels=None, accuracy: float | None = None,
                          title: str = "Confusion matrix") -> Path:
    """Draws ``matrix[actual][predicted]`` (or an :class:`~dl4j_bridge.evaluation.Evaluation`) to ``path``.

    ``labels`` default to the evaluation's class names, else the class indices; ``accuracy``
    defaults to the matrix's trace over its total.
    """
    if hasattr(matrix, "confusion_matrix"):
        evaluation = matrix
        matrix = evaluation.confusion_matrix()
        labels = labels if labels is not None else evaluation.class_names()
    m = _check_matrix(matrix)
    n = m.shape[0]
    names = _check_labels(labels, n)
    total = int(m.sum())
    if accuracy is None and total > 0:
        accuracy = float(np.trace(m)) / total

    font = _font(14)
    small = _font(12 if n <= 10 else 10)
    title_font = _font(18)
    # Up to ~24 classes every cell holds its count; beyond, cells shrink so the image stays a few
    # thousand pixels wide, and names / counts are drawn only while they still fit.
    cell = int(min(80, max(26, 640 // n))) if n <= 24 else max(3, 1200 // n)
    show_counts, show_names = cell >= 24, cell >= 10
    if not show_names:
        names = ["" for _ in names]
    label_w = max(_text_size(small, s)[0] for s in names) + 12
    title_text = title + (f"  -  accuracy {accuracy:.4f} ({total} examples)" if accuracy is not None else "")

    axis_title_h = _text_size(font, "Predicted")[1] + 10
    left = axis_title_h + label_w + 8
    top = _text_size(title_font, title_text)[1] + 24
    grid = cell * n
    bottom = label_w + axis_title_h + 16
    width = max(left + grid + 24, _text_size(title_font, title_text)[0] + 32)
    height = top + grid + bottom
    img = Image.new("RGB", (width, height), _BG)
    draw = ImageDraw.Draw(img)
    draw.text(((width - _text_size(title_font, title_text)[0]) // 2, 10), title_text, fill=_INK, font=title_font)

    row_totals = m.sum(axis=1)
    fractions = np.divide(m, row_totals[:, None], out=np.zeros(m.shape, dtype=np.float64),
                          where=row_totals[:, None] > 0)
    if not show_counts:  # many classes: one pixel per cell, scaled up (drawing 10^6 rectangles is slow)
        heat = Image.fromarray(_blue_array(fractions), "RGB").resize((grid, grid), Image.NEAREST)
        img.paste(heat, (left, top))
    count_font = _font(max(9, min(16, cell // 3)))
    for a in range(n if show_counts else 0):
        for p in range(n):
            frac = fractions[a, p]
            x0, y0 = left + p * cell, top + a * cell
            draw.rectangle([x0, y0, x0 + cell - 1, y0 + cell - 1], fill=_blue(frac), outline=_GRID)
            text = str(int(m[a, p]))
            tw, th = _text_size(count_font, text)
            ink = (255, 255, 255) if frac > 0.55 else _INK
            draw.text((x0 + (cell - tw) // 2, y0 + (cell - th) // 2 - 2), text, fill=ink, font=count_font)
    draw.rectangle([left - 1, top - 1, left + grid, top + grid], outline=_INK)

    for a, name in enumerate(names):  # actual classes, right-aligned left of the rows
        if not name:
            continue
        tw, th = _text_size(small, name)
        draw.text((left - 8 - tw, top + a * cell + (cell - th) // 2 - 2), name, fill=_INK, font=small)
    for p, name in enumerate(names):  # predicted classes, rotated under the columns
        if not name:
            continue
        label = _rotated_text(name, small)
        img.paste(label, (left + p * cell + (cell - label.width) // 2, top + grid + 6))
    _draw_axis_titles(img, draw, font, left, top, grid, label_w)
    return _save_png(img, path)


def _draw_axis_titles(img, draw, font, left, top, grid, label_w):
    tw, th = _text_size(font, "Predicted")
    draw.text((left + (grid - tw) // 2, top + grid + label_w + 12), "Predicted", fill=_INK, font=font)
    actual = _rotated_text("Actual", font)
    img.paste(actual, (6, top + (grid - actual.height) // 2))


def _blue(frac: float) -> tuple[int, int, int]:
    frac = min(1.0, max(0.0, float(frac)))
    light, dark = (247, 251, 255), (8, 69, 148)
    return tuple(int(round(light[i] + (dark[i] - light[i]) * frac)) for i in range(3))


def _blue_array(fractions: np.ndarray) -> np.ndarray:
    light, dark = np.array([247, 251, 255], np.float64), np.array([8, 69, 148], np.float64)
    f = np.clip(fractions, 0.0, 1.0)[..., None]
    return np.round(light + (dark - light) * f).astype(np.uint8)


def _check_matrix(matrix) -> np.ndarray:
    m = np.asarray(matrix)
    if m.ndim != 2 or m.shape[0] != m.shape[1] or m.shape[0] == 0:
        raise ArgumentError(f"a confusion matrix must be square [n, n] with n >= 1, got shape {m.shape}")
    if not np.all(np.isfinite(m)) or np.any(m < 0):
        raise ArgumentError("confusion counts must be finite and >= 0")
    return m.astype(np.int64)


def _check_labels(labels, n: int) -> list[str]:
    if labels is None:
        return [str(i) for i in range(n)]
    names = [str(x) for x in labels]
    if len(names) != n:
        raise ArgumentError(f"{len(names)} labels {names} given for a {n}x{n} confusion matrix; "
                                         f"give one name per class")
    return names


# ---- training curve -----------------------------------------------------------------------------

def save_training_curve(path, scores, epoch_accuracy=None, iterations_per_epoch=None,
                        title: str = "Training") -> Path:
    """Draws the score of every iteration and, if given, the test accuracy after every epoch.

    ``iterations_per_epoch`` (an int, or a list with one count per epoch) marks the epoch
    boundaries on the score plot. Non-finite scores (a diverged step) are left out of the line.
    """
    s = np.asarray(scores, dtype=np.float64).reshape(-1)
    if s.size == 0:
        raise ArgumentError("no scores to plot: pass the score of at least one iteration")
    if not np.any(np.isfinite(s)):
        raise ArgumentError(f"all {s.size} scores are NaN or infinite: the training diverged")
    acc = None if epoch_accuracy is None else np.asarray(epoch_accuracy, dtype=np.float64).reshape(-1)
    boundaries = _epoch_boundaries(iterations_per_epoch, s.size)

    panel_w, panel_h = 720, 300
    panels = 1 if acc is None or acc.size == 0 else 2
    font, title_font = _font(12), _font(18)
    width, height = panel_w, 50 + panels * (panel_h + 20)
    img = Image.new("RGB", (width, height), _BG)
    draw = ImageDraw.Draw(img)
    tw = _text_size(title_font, title)[0]
    draw.text(((width - tw) // 2, 12), title, fill=_INK, font=title_font)

    x = np.arange(1, s.size + 1, dtype=np.float64)
    box = (70, 50, panel_w - 20, 50 + panel_h - 50)
    _panel(draw, font, box, x, s, "iteration", "score (loss)", _SCORE, markers=False, vlines=boundaries)
    if panels == 2:
        top = 50 + panel_h + 20
        box = (70, top, panel_w - 20, top + panel_h - 50)
        e = np.arange(1, acc.size + 1, dtype=np.float64)
        _panel(draw, font, box, e, acc, "epoch", "test accuracy", _ACCURACY, markers=True, vlines=())
    return _save_png(img, path)


def _epoch_boundaries(iterations_per_epoch, n_scores: int) -> list[float]:
    if iterations_per_epoch is None:
        return []
    counts = ([int(iterations_per_epoch)] * max(1, math.ceil(n_scores / max(1, int(iterations_per_epoch))))
              if np.isscalar(iterations_per_epoch) else [int(c) for c in iterations_per_epoch])
    if any(c <= 0 for c in counts):
        raise ArgumentError(f"iterations per epoch must be positive, got {iterations_per_epoch}")
    edges = np.cumsum(counts)[:-1]
    return [float(b) + 0.5 for b in edges if b < n_scores]


def _panel(draw, font, box, x, y, x_label, y_label, colour, markers, vlines):
    x0, y0, x1, y1 = box
    finite = np.isfinite(y)
    lo, hi = float(np.min(y[finite])), float(np.max(y[finite]))
    y_ticks = _nice_ticks(lo, hi)
    x_ticks = [t for t in _nice_ticks(float(x[0]), float(x[-1]), integer=True) if x[0] <= t <= x[-1]]
    ylo, yhi = y_ticks[0], y_ticks[-1]
    xlo, xhi = float(x[0]), float(max(x[-1], x[0] + 1))

    def px(v):
        return x0 + (v - xlo) / (xhi - xlo) * (x1 - x0)

    def py(v):
        return y1 - (v - ylo) / (yhi - ylo) * (y1 - y0)

    for t in y_ticks:
        draw.line([(x0, py(t)), (x1, py(t))], fill=_GRID)
        text = _tick_text(t, y_ticks)
        tw, th = _text_size(font, text)
        draw.text((x0 - 6 - tw, py(t) - th // 2 - 2), text, fill=_INK, font=font)
    for t in x_ticks:
        text = str(int(t))
        tw, _ = _text_size(font, text)
        draw.line([(px(t), y1), (px(t), y1 + 4)], fill=_INK)
        draw.text((px(t) - tw // 2, y1 + 6), text, fill=_INK, font=font)
    for b in vlines:
        draw.line([(px(b), y0), (px(b), y1)], fill=_EPOCH)
    draw.rectangle([x0, y0, x1, y1], outline=_INK)

    points = [(px(a), py(b)) for a, b, ok in zip(x, y, finite) if ok]
    if len(points) > 1:
        draw.line(points, fill=colour, width=2)
    if markers or len(points) == 1:
        for (u, v) in points:
            draw.ellipse([u - 3, v - 3, u + 3, v + 3], fill=colour)
    tw, th = _text_size(font, x_label)
    draw.text(((x0 + x1 - tw) // 2, y1 + 22), x_label, fill=_INK, font=font)
    draw.text((x0, y0 - th - 6), y_label, fill=colour, font=font)


def _nice_ticks(lo: float, hi: float, count: int = 5, integer: bool = False) -> list[float]:
    """Round tick values (1, 2 or 5 times a power of ten) covering [lo, hi]."""
    if hi <= lo:
        pad = abs(lo) * 0.05 or 1.0
        lo, hi = lo - pad, hi + pad
    raw = (hi - lo) / count
    mag = 10 ** math.floor(math.log10(raw))
    step = next(f * mag for f in (1, 2, 5, 10) if f * mag >= raw)
    if integer:
        step = max(1.0, float(round(step)))
    start = math.floor(lo / step) * step
    ticks, t = [], start
    while t < hi + step * 0.999:
        ticks.append(round(t, 12))
        t += step
    return ticks if len(ticks) > 1 else [start, start + step]


def _tick_text(t: float, ticks: list[float]) -> str:
    step = ticks[1] - ticks[0]
    decimals = max(0, -math.floor(math.log10(step))) if step < 1 else 0
    return f"{t:.{decimals}f}"


# ---- shared --------------------------------------------------------------------------------------

def _font(size: int):
    return ImageFont.load_default(size=size)


def _text_size(font, text: str) -> tuple[int, int]:
    left, top, right, bottom = font.getbbox(text)
    return right - left, bottom


def _rotated_text(text: str, font) -> Image.Image:
    """``text`` turned 90 degrees (reading bottom-up), on the background colour."""
    w, h = _text_size(font, text)
    tile = Image.new("RGB", (w + 4, h + 4), _BG)
    ImageDraw.Draw(tile).text((2, 0), text, fill=_INK, font=font)
    return tile.rotate(90, expand=True, fillcolor=_BG)


def _save_png(img: Image.Image, path) -> Path:
    """Encodes in memory, then writes atomically (temp file in the target's folder + rename)."""
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=False)
    return files.write_atomic(path, buf.getvalue())


__all__ = ["save_confusion_matrix", "save_training_curve"]
