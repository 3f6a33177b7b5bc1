"""dl4j_bridge.progress: one updating line in a terminal, one updating display in a notebook."""

import io
import sys
import types

from dl4j_bridge.progress import Progress


def test_terminal_progress_is_one_carriage_returned_line():
    out = io.StringIO()
    bar = Progress("featurize", total=4, unit="img", stream=out)
    bar._last = -1
    bar.update(2)
    bar.close()
    text = out.getvalue()
    assert text.count("\r") == 2 and text.endswith("\n") and "100.0% 4/4" not in text and "featurize:" in text


def test_in_a_notebook_the_bar_updates_one_display(monkeypatch):
    shown = []

    class Handle:
        def update(self, obj):
            shown.append(("update", repr(obj)))

    def display(obj, display_id=False):
        assert display_id is True
        shown.append(("display", repr(obj)))
        return Handle()

    ZMQInteractiveShell = type("ZMQInteractiveShell", (), {})
    ipython = types.ModuleType("IPython")
    ipython.get_ipython = lambda: ZMQInteractiveShell()
    display_mod = types.ModuleType("IPython.display")
    display_mod.display = display
    monkeypatch.setitem(sys.modules, "IPython", ipython)
    monkeypatch.setitem(sys.modules, "IPython.display", display_mod)
    stderr = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)
    bar = Progress("epoch 1/5", total=10, unit="batch")
    for _ in range(10):
        bar._last = -1   # draw every update
        bar.update(1)
    bar.close()
    assert shown[0][0] == "display" and all(kind == "update" for kind, _ in shown[1:])
    assert "100.0% 10/10" in shown[-1][1] and "\r" not in "".join(text for _, text in shown)
    assert stderr.getvalue() == ""   # nothing piles up as carriage-returned lines


def test_a_message_after_an_unfinished_bar_starts_on_its_own_line():
    from dl4j_bridge.progress import end_line
    out = io.StringIO()
    bar = Progress("featurize train", total=10, unit="img", stream=out)
    bar._last = -1
    bar.update(2)                # drawn, then Ctrl-C: close() never runs
    end_line()
    assert out.getvalue().startswith("\rfeaturize train") and out.getvalue().endswith("\n")
    end_line()                   # the line is ended once
    bar.close()
    closed = out.getvalue()
    end_line()                   # a closed bar ended its own line
    assert out.getvalue() == closed and closed.count("\n") == 2
