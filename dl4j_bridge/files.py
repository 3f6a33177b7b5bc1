"""Atomic file writes: a reader sees the old file or the whole new one, never half a file."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path


_umask: int | None = None


def umask() -> int:
    """The process's umask (read once: os.umask can only be read by setting it)."""
    global _umask
    if _umask is None:
        _umask = os.umask(0o022)
        os.umask(_umask)
    return _umask


def file_mode() -> int:
    """The mode a new file normally gets: 0666 under the umask (0644 with the usual 022)."""
    return 0o666 & ~umask()


def dir_mode() -> int:
    """The mode a new folder normally gets: 0777 under the umask (0755 with the usual 022)."""
    return 0o777 & ~umask()


def write_atomic(path, data: bytes) -> Path:
    """Writes ``data`` to a temp file in ``path``'s folder, then renames it over ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, file_mode())  # mkstemp makes 0600 files; run-directory outputs are meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_json_atomic(path, data) -> Path:
    return write_atomic(path, (json.dumps(data, indent=2, sort_keys=True) + "\n").encode("utf-8"))
