"""Downloads and archives: cache dir, checksums, atomic writes, progress, mirrors, offline mode.

Orchestration only (no JVM): the engine reads what lands here.

* :func:`fetch` downloads a URL (``http(s)://`` or ``file://``: both go through ``urllib``, so a
  local mirror exercises the same code as the network) into the cache, verifying a SHA-256 or an
  Adler-32 (DL4J's zoo files) checksum. The bytes go to a temporary file beside the destination,
  are fsync'ed and then renamed into place, so an interrupted download never leaves a half file
  under the final name. A file that fails its checksum is kept aside as ``<name>.bad`` and a
  :class:`~dl4j_bridge.errors.DownloadError` names the URL, the cache path, both checksums and how to
  place the file by hand.
* Offline mode (``offline=True`` or ``DL4J_BRIDGE_OFFLINE=1``) never opens a URL: the file must
  already be at the path the error names.
* :func:`extract_once` unpacks a ``.tgz`` into a folder exactly once, behind a completion marker.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import shutil
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from pathlib import Path
from typing import Iterable, Optional

from . import config
from .errors import ConfigError, DownloadError
from .files import dir_mode, file_mode
from .progress import Progress

CHUNK = 1 << 20
MARKER_NAME = ".dl4j-bridge-extracted"


# ---- settings -----------------------------------------------------------------------------------

def is_offline(offline: Optional[bool] = None) -> bool:
    """The offline switch in force: the argument, else config ``offline`` (which reads
    ``DL4J_BRIDGE_OFFLINE``)."""
    if offline is not None:
        return bool(offline)
    return bool(config.get("offline"))


def cache_dir() -> Path:
    return Path(config.get("cache_dir")).expanduser()


def default_destination(url: str) -> Path:
    """``<cache_dir>/downloads/<last path element of the URL>``."""
    name = Path(urllib.parse.urlparse(url).path).name
    if not name:
        raise ConfigError(f"cannot derive a file name from the URL {url!r}: pass dest_path=...")
    return cache_dir() / "downloads" / name


# ---- checksums ----------------------------------------------------------------------------------

class _Checksum:
    """Incremental SHA-256 or Adler-32 (DL4J's zoo files carry an Adler-32 of the whole file)."""

    def __init__(self, sha256: Optional[str], adler32: Optional[int]):
        if sha256 is not None and adler32 is not None:
            raise ConfigError("give either sha256=... or adler32=..., not both")
        if sha256 is not None:
            text = str(sha256).strip().lower()
            if len(text) != 64 or any(c not in "0123456789abcdef" for c in text):
                raise ConfigError(f"sha256={sha256!r} is not a 64-digit hexadecimal SHA-256")
            self.kind, self.expected = "sha256", text
            self._h = hashlib.sha256()
        elif adler32 is not None:
            if isinstance(adler32, bool) or not isinstance(adler32, int) or not 0 <= adler32 < 2 ** 32:
                raise ConfigError(f"adler32={adler32!r} must be an unsigned 32-bit integer such as 3501732770")
            self.kind, self.expected = "adler32", adler32
            self._a = 1
        else:
            self.kind, self.expected = None, None

    def update(self, chunk: bytes) -> None:
        if self.kind == "sha256":
            self._h.update(chunk)
        elif self.kind == "adler32":
            self._a = zlib.adler32(chunk, self._a)

    def actual(self):
        return self._h.hexdigest() if self.kind == "sha256" else self._a if self.kind == "adler32" else None

    def ok(self) -> bool:
        return self.kind is None or self.actual() == self.expected

    def describe(self, value) -> str:
        return f"{self.kind} {value}"


def file_checksum(path: Path, sha256: Optional[str] = None, adler32: Optional[int] = None) -> _Checksum:
    check = _Checksum(sha256, adler32)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            check.update(chunk)
    return check


def read_checksum_url(url: str, timeout: float = 30.0) -> Optional[str]:
    """The SHA-256 published beside a file as ``<url>.sha256`` (``sha256sum`` format), or None when
    there is none (missing file, HTTP 404, unreachable)."""
    try:
        with urllib.request.urlopen(url + ".sha256", timeout=timeout) as r:
            text = r.read(4096).decode("ascii", "replace")
    except (urllib.error.URLError, OSError, ValueError):
        return None
    token = text.strip().split()[0].lower() if text.strip() else ""
    return token if len(token) == 64 and all(c in "0123456789abcdef" for c in token) else None


# ---- fetch --------------------------------------------------------------------------------------

def _by_hand(url: str, dest: Path, check: _Checksum) -> str:
    how = f"download {url} yourself and place it at {dest}"
    if check.kind:
        how += f" (it must have {check.describe(check.expected)})"
    return how


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some filesystems refuse fsync on directories; the rename itself is still atomic
    finally:
        os.close(fd)


def _set_aside(path: Path) -> Path:
    bad = path.with_name(path.name + ".bad")
    os.replace(path, bad)
    return bad


def _download(url: str, dest: Path, check: _Checksum, progress: bool, timeout: float) -> None:
    """Streams ``url`` to a temp file beside ``dest``; verifies; renames into place."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix="." + dest.name + ".", suffix=".part", dir=dest.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                length = response.headers.get("Content-Length") if response.headers else None
                bar = Progress(dest.name, int(length) if length and length.isdigit() else None, unit="B", enabled=progress)
                for chunk in iter(lambda: response.read(CHUNK), b""):
                    out.write(chunk)
                    check.update(chunk)
                    bar.update(len(chunk))
                bar.close()
                if bar.total is not None and bar.done != bar.total:
                    # http.client's read(n) returns b"" on a connection cut mid-body instead of raising
                    raise ConnectionError(f"the connection closed after {bar.done} of {bar.total} bytes")
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, file_mode())  # mkstemp makes 0600 files; a cache is shared like any download
        if not check.ok():
            bad = dest.with_name(dest.name + ".bad")
            os.replace(tmp, bad)
            raise DownloadError(
                f"checksum mismatch for {url}: expected {check.describe(check.expected)}, got "
                f"{check.describe(check.actual())}. The downloaded file was kept aside as {bad} (the cache path "
                f"{dest} was left untouched). The file may be corrupt or the mirror may serve a different "
                f"version; to use a file you trust, {_by_hand(url, dest, check)}")
        os.replace(tmp, dest)
        _fsync_dir(dest.parent)
    finally:
        if tmp.exists():
            tmp.unlink()


def fetch(url: str, dest_path=None, *, sha256: Optional[str] = None, adler32: Optional[int] = None,
          progress: bool = True, offline: Optional[bool] = None, mirrors: Iterable[str] = (),
          timeout: float = 60.0) -> Path:
    """Makes sure ``dest_path`` holds the file at ``url`` (with the given checksum) and returns its path.

    ``dest_path`` defaults to ``<cache_dir>/downloads/<file name>``. A file already there is
    verified and reused; one that fails its checksum is set aside as ``*.bad`` and fetched again
    (unless offline). ``mirrors`` are tried in order after ``url`` when it cannot be reached (a
    checksum mismatch is not retried elsewhere: it raises at once). ``progress=False`` is quiet.
    """
    dest = Path(dest_path).expanduser() if dest_path is not None else default_destination(url)
    check = _Checksum(sha256, adler32)
    if dest.is_file():
        existing = file_checksum(dest, sha256, adler32)
        if existing.ok():
            return dest
        bad = _set_aside(dest)
        note = (f"the cached file {dest} has {existing.describe(existing.actual())}, expected "
                f"{existing.describe(existing.expected)}; it was moved aside to {bad}")
        if is_offline(offline):
            raise DownloadError(f"{note}. Offline mode is on, so it was not downloaded again: "
                                f"{_by_hand(url, dest, check)}, or turn offline mode off")
        print(f"dl4j-bridge: {note}; downloading it again", file=sys.stderr)
    if is_offline(offline):
        raise DownloadError(f"offline mode is on (DL4J_BRIDGE_OFFLINE / offline=True) and {dest} does not exist; "
                            f"{_by_hand(url, dest, check)}, or turn offline mode off")
    failures = []
    for candidate in [url, *mirrors]:
        try:
            _download(candidate, dest, check, progress, timeout)
            return dest
        except DownloadError:
            raise
        except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as e:
            # HTTPException covers a connection cut mid-body (IncompleteRead): nothing was renamed into place
            failures.append(f"{candidate}: {type(e).__name__}: {e}")
    raise DownloadError(f"could not download {dest.name}: " + "; ".join(failures) +
                        f". Check the network or the mirror setting, or {_by_hand(url, dest, check)}")


# ---- archives -----------------------------------------------------------------------------------

def _safe_members(tar: tarfile.TarFile, archive: Path):
    """Refuses members that would land outside the target folder (absolute paths, '..', links)."""
    for member in tar.getmembers():
        name = member.name
        parts = Path(name).parts
        if name.startswith("/") or ".." in parts or (parts and ":" in parts[0]):
            raise DownloadError(f"{archive} holds a member {name!r} that would be written outside the target "
                                f"folder; refusing to extract it (the archive is corrupt or malicious)")
        if member.issym() or member.islnk():
            target = Path(member.linkname)
            if member.linkname.startswith("/") or ".." in target.parts:
                raise DownloadError(f"{archive} holds a link {name!r} -> {member.linkname!r} pointing outside the "
                                    f"target folder; refusing to extract it")
        if member.isdev():
            raise DownloadError(f"{archive} holds a device file {name!r}; refusing to extract it")
        yield member


def extract_once(archive, dest_dir, progress: bool = True) -> Path:
    """Extracts a .tar/.tgz archive into ``dest_dir`` once and returns ``dest_dir``.

    Extraction goes into a temporary sibling folder that is renamed to ``dest_dir`` only when it
    completed, with a marker file inside naming the archive; later calls see the marker and return
    at once. A ``dest_dir`` without the marker (an earlier crash, or someone else's folder) is
    refused rather than overwritten.
    """
    archive, dest = Path(archive), Path(dest_dir).expanduser()
    marker = dest / MARKER_NAME
    if marker.is_file():
        return dest
    if dest.exists():
        raise DownloadError(f"{dest} exists but has no completion marker {MARKER_NAME}: it was not made by a "
                            f"finished extraction of {archive}. Delete {dest} and run again")
    if not archive.is_file():
        raise DownloadError(f"archive {archive} does not exist; fetch it first")
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="." + dest.name + ".", suffix=".part", dir=dest.parent))
    os.chmod(tmp, dir_mode())  # mkdtemp makes 0700 folders; the extracted data set is shared like any folder
    try:
        started = time.monotonic()
        try:
            with tarfile.open(archive, "r:*") as tar:
                members = list(_safe_members(tar, archive))
                if progress:
                    print(f"extracting {archive.name} ({len(members)} entries) ...", file=sys.stderr, flush=True)
                kwargs = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
                tar.extractall(tmp, members=members, **kwargs)
        except (tarfile.TarError, EOFError, zlib.error) as e:
            raise DownloadError(f"{archive} is not a readable tar archive ({e}); delete it so that it is "
                                f"fetched again") from e
        (tmp / MARKER_NAME).write_text(f"{archive.resolve()}\n")
        try:
            os.replace(tmp, dest)
        except OSError:
            if not marker.is_file():  # not a concurrent extraction that finished first
                raise
        _fsync_dir(dest.parent)
        if progress:
            print(f"extracted into {dest} in {time.monotonic() - started:.1f} s", file=sys.stderr, flush=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return dest


__all__ = ["fetch", "extract_once", "is_offline", "cache_dir", "default_destination", "read_checksum_url",
           "file_checksum", "Progress", "MARKER_NAME"]
