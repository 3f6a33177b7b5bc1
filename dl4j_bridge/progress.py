"""One updating progress line with count, rate and ETA (no tqdm dependency): on stderr in a
terminal, as one display that updates in place in a Jupyter notebook (where "\r" would pile up
lines).

>>> bar = Progress("featurize train", total=2532, unit="img", enabled=False)
>>> bar.update(16); bar.close()
"""

from __future__ import annotations

import sys
import time
from typing import Optional


def human_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


def clock(seconds: float) -> str:
    seconds = int(max(seconds, 0))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def _notebook_display():
    """IPython's display function when running in a Jupyter kernel, else None (imports nothing new)."""
    ipython = sys.modules.get("IPython")
    shell = getattr(ipython, "get_ipython", lambda: None)() if ipython else None
    if shell is None or type(shell).__name__ != "ZMQInteractiveShell":
        return None
    from IPython.display import display
    return display


class _Text:
    """Plain text for IPython's display (a str would be shown as its repr, in quotes)."""

    def __init__(self, text: str):
        self.text = text

    def _repr_pretty_(self, p, cycle):
        p.text(self.text)

    def __repr__(self):
        return self.text


_unfinished = None   # the terminal stream a bar is drawing on, its line not yet ended


def end_line() -> None:
    """Ends a bar's line that a failure or Ctrl-C left open, so that the next message starts on its own line."""
    global _unfinished
    if _unfinished is not None:
        _unfinished.write("\n")
        _unfinished.flush()
        _unfinished = None


class Progress:
    """``unit="B"`` shows sizes in bytes/KB/MB; any other unit shows plain counts."""

    def __init__(self, label: str, total: Optional[int], unit: str = "B", enabled: bool = True, stream=None):
        self.label, self.total, self.unit, self.enabled = label, total, unit, enabled
        self.stream = stream or sys.stderr
        self._display = _notebook_display() if enabled and stream is None else None
        self._handle = None
        self.done = 0
        self.start = time.monotonic()
        self._last = 0.0
        self.note = ""

    def _amount(self, n: float) -> str:
        return human_bytes(n) if self.unit == "B" else f"{n:.0f}"

    def update(self, n: int, note: str = "") -> None:
        self.done += n
        if note:
            self.note = note
        now = time.monotonic()
        if self.enabled and now - self._last >= 0.2:
            self._last = now
            self._draw(now)

    def _draw(self, now: float, final: bool = False) -> None:
        global _unfinished
        elapsed = max(now - self.start, 1e-9)
        rate = self.done / elapsed
        rate_text = f"{human_bytes(rate)}/s" if self.unit == "B" else f"{rate:.1f} {self.unit}/s"
        if self.total:
            pct = 100.0 * self.done / self.total
            eta = (self.total - self.done) / rate if rate > 0 else 0
            tail = f"in {clock(elapsed)}" if final else f"ETA {clock(eta)}"
            text = (f"{self.label}: {pct:5.1f}% {self._amount(self.done)}/{self._amount(self.total)} "
                    f"{rate_text} {tail}")
        else:
            text = f"{self.label}: {self._amount(self.done)} {rate_text} {clock(elapsed)}"
        if self.note:
            text += f" {self.note}"
        if self._display is not None:
            if self._handle is None:
                self._handle = self._display(_Text(text), display_id=True)
            else:
                self._handle.update(_Text(text))
            return
        self.stream.write("\r" + text.ljust(78))
        self.stream.flush()
        _unfinished = self.stream

    def close(self) -> None:
        global _unfinished
        if self.enabled:
            self._draw(time.monotonic(), final=True)
            if self._display is None:
                self.stream.write("\n")
                self.stream.flush()
                _unfinished = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
