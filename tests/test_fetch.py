"""dl4j_bridge.fetch: downloads through file:// URLs (the same urllib path as http), checksums,
atomic writes, offline mode, extract-once."""

import hashlib
import io
import os
import tarfile
import time
import zlib
from pathlib import Path

import pytest

from dl4j_bridge import fetch as F
from dl4j_bridge.errors import DownloadError

def _file(tmp_path, name="payload.bin", data=b"hello dl4j-bridge " * 1000):
    src = tmp_path / "mirror" / name
    src.parent.mkdir(parents=True, exist_ok=True)
    src.write_bytes(data)
    return src, data


def test_downloads_file_url_with_sha256(tmp_path, capsys):
    src, data = _file(tmp_path)
    dest = tmp_path / "cache" / "payload.bin"
    out = F.fetch(src.as_uri(), dest, sha256=hashlib.sha256(data).hexdigest(), progress=True)
    assert out == dest and dest.read_bytes() == data
    err = capsys.readouterr().err
    assert "payload.bin" in err and "/s" in err  # progress line with rate
    assert [p.name for p in dest.parent.iterdir()] == ["payload.bin"]  # no temp file left


def test_adler32_is_over_the_whole_file(tmp_path):
    src, data = _file(tmp_path, data=os.urandom(3 * F.CHUNK + 17))  # several chunks
    dest = tmp_path / "c" / "x.bin"
    F.fetch(src.as_uri(), dest, adler32=zlib.adler32(data), progress=False)
    assert dest.read_bytes() == data


def test_default_destination_is_cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("DL4J_BRIDGE_CACHE_DIR", str(tmp_path / "cachedir"))
    src, data = _file(tmp_path, "thing.tgz")
    out = F.fetch(src.as_uri(), progress=False)
    assert out == tmp_path / "cachedir" / "downloads" / "thing.tgz" and out.read_bytes() == data


def test_mismatch_keeps_bad_file_aside_and_names_everything(tmp_path):
    src, data = _file(tmp_path)
    dest = tmp_path / "cache" / "payload.bin"
    wrong = "0" * 64
    with pytest.raises(DownloadError) as e:
        F.fetch(src.as_uri(), dest, sha256=wrong, progress=False)
    msg = str(e.value)
    actual = hashlib.sha256(data).hexdigest()
    assert src.as_uri() in msg and str(dest) in msg and wrong in msg and actual in msg
    assert "place it at" in msg
    assert not dest.exists()
    bad = dest.with_name("payload.bin.bad")
    assert bad.read_bytes() == data and str(bad) in msg


def test_adler32_mismatch(tmp_path):
    src, data = _file(tmp_path)
    with pytest.raises(DownloadError, match=str(zlib.adler32(data))):
        F.fetch(src.as_uri(), tmp_path / "c" / "p.bin", adler32=123, progress=False)


def test_cached_file_is_reused_without_touching_the_url(tmp_path):
    src, data = _file(tmp_path)
    dest = tmp_path / "cache" / "payload.bin"
    digest = hashlib.sha256(data).hexdigest()
    F.fetch(src.as_uri(), dest, sha256=digest, progress=False)
    src.unlink()  # the source is gone: a second fetch must not need it
    assert F.fetch(src.as_uri(), dest, sha256=digest, progress=False) == dest


def test_corrupt_cached_file_is_set_aside_and_fetched_again(tmp_path):
    src, data = _file(tmp_path)
    dest = tmp_path / "cache" / "payload.bin"
    dest.parent.mkdir()
    dest.write_bytes(b"truncated")
    F.fetch(src.as_uri(), dest, sha256=hashlib.sha256(data).hexdigest(), progress=False)
    assert dest.read_bytes() == data
    assert dest.with_name("payload.bin.bad").read_bytes() == b"truncated"


def test_offline_never_opens_the_url_and_names_the_path(tmp_path, monkeypatch):
    src, data = _file(tmp_path)
    dest = tmp_path / "cache" / "payload.bin"
    with pytest.raises(DownloadError) as e:
        F.fetch(src.as_uri(), dest, offline=True, progress=False)
    assert str(dest) in str(e.value) and "offline" in str(e.value)
    assert not dest.exists()
    monkeypatch.setenv("DL4J_BRIDGE_OFFLINE", "1")
    with pytest.raises(DownloadError, match="offline"):
        F.fetch(src.as_uri(), dest, progress=False)
    dest.parent.mkdir()
    dest.write_bytes(data)  # placed by hand: offline mode uses it
    assert F.fetch(src.as_uri(), dest, sha256=hashlib.sha256(data).hexdigest()) == dest


def test_unreachable_url_tries_mirrors_then_explains(tmp_path):
    src, data = _file(tmp_path)
    missing = (tmp_path / "nowhere" / "payload.bin").as_uri()
    dest = tmp_path / "cache" / "payload.bin"
    assert F.fetch(missing, dest, mirrors=[src.as_uri()], progress=False).read_bytes() == data
    with pytest.raises(DownloadError) as e:
        F.fetch(missing, tmp_path / "c2" / "payload.bin", progress=False)
    assert missing in str(e.value) and "place it at" in str(e.value)
    assert list((tmp_path / "c2").iterdir()) == []  # no half file


def test_bad_checksum_arguments_are_refused(tmp_path):
    from dl4j_bridge.errors import ConfigError
    with pytest.raises(ConfigError, match="64-digit"):
        F.fetch("file:///x", tmp_path / "x", sha256="abc")
    with pytest.raises(ConfigError, match="not both"):
        F.fetch("file:///x", tmp_path / "x", sha256="0" * 64, adler32=1)


def test_checksum_from_sidecar_url(tmp_path):
    src, data = _file(tmp_path, "a.tgz")
    assert F.read_checksum_url(src.as_uri()) is None
    digest = hashlib.sha256(data).hexdigest()
    (src.parent / "a.tgz.sha256").write_text(f"{digest}  a.tgz\n")
    assert F.read_checksum_url(src.as_uri()) == digest


def _tgz(path, members):
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def test_extract_once_behind_marker(tmp_path):
    archive = tmp_path / "a.tgz"
    _tgz(archive, {"top/x/1.txt": b"one", "top/y/2.txt": b"two"})
    dest = tmp_path / "out"
    assert F.extract_once(archive, dest, progress=False) == dest
    assert (dest / "top/x/1.txt").read_bytes() == b"one"
    assert (dest / F.MARKER_NAME).is_file()
    stamp = (dest / "top/x/1.txt").stat().st_mtime_ns
    (dest / "top/x/1.txt").write_bytes(b"changed")  # a re-run must not extract again
    F.extract_once(archive, dest, progress=False)
    assert (dest / "top/x/1.txt").read_bytes() == b"changed"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_extract_refuses_unmarked_folder_and_traversal(tmp_path):
    archive = tmp_path / "a.tgz"
    _tgz(archive, {"ok.txt": b"1"})
    (tmp_path / "half").mkdir()
    with pytest.raises(DownloadError, match="completion marker"):
        F.extract_once(archive, tmp_path / "half", progress=False)
    evil = tmp_path / "evil.tgz"
    _tgz(evil, {"../escape.txt": b"x"})
    with pytest.raises(DownloadError, match="outside"):
        F.extract_once(evil, tmp_path / "out", progress=False)
    assert not (tmp_path / "escape.txt").exists() and not (tmp_path / "out").exists()
    corrupt = tmp_path / "corrupt.tgz"
    corrupt.write_bytes(b"\x1f\x8b not really gzip")
    with pytest.raises(DownloadError, match="not a readable tar"):
        F.extract_once(corrupt, tmp_path / "out2", progress=False)


def test_real_mirror_archive_verifies(tmp_path, shared_dir):
    """The shared mirror's archive against the checksum published beside it (about 0.3 s)."""
    MIRROR = shared_dir / "data"
    url = (MIRROR / "flower_photos.tgz").as_uri()
    expected = (MIRROR / "flower_photos.tgz.sha256").read_text().split()[0]
    assert F.read_checksum_url(url) == expected
    started = time.monotonic()
    out = F.fetch(url, tmp_path / "flower_photos.tgz", sha256=expected, progress=False)
    assert out.stat().st_size == (MIRROR / "flower_photos.tgz").stat().st_size
    assert time.monotonic() - started < 30


class _Server:
    """A local HTTP server (so http:// runs through the same code as a real mirror). ``truncate``
    announces the full length but sends only half the body: a download cut off mid-way."""

    def __init__(self, root: Path, truncate=False):
        import functools
        import http.server
        import threading

        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def copyfile(self, source, outputfile):
                data = source.read()
                outputfile.write(data[: len(data) // 2] if truncate else data)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_http_download_with_progress_and_404_fallback(tmp_path, capsys):
    src, data = _file(tmp_path, data=os.urandom(2 * F.CHUNK + 5))
    with _Server(src.parent) as server:
        dest = tmp_path / "cache" / "payload.bin"
        out = F.fetch(server.url + "/missing.bin", dest, sha256=hashlib.sha256(data).hexdigest(),
                      mirrors=[server.url + "/payload.bin"])
        assert out.read_bytes() == data
        err = capsys.readouterr().err
        assert "100.0%" in err and "MB" in err and "/s" in err  # Content-Length known: percent, size, rate


def test_http_cut_off_mid_body_leaves_no_file(tmp_path):
    src, data = _file(tmp_path, data=os.urandom(F.CHUNK + 100))
    with _Server(src.parent, truncate=True) as server:
        dest = tmp_path / "cache" / "payload.bin"
        with pytest.raises(DownloadError) as e:
            F.fetch(server.url + "/payload.bin", dest, progress=False, timeout=10)
        assert f"closed after {(F.CHUNK + 100) // 2} of {F.CHUNK + 100} bytes" in str(e.value)
        assert list((tmp_path / "cache").iterdir()) == []
