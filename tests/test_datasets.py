"""dl4j_bridge.datasets: flower archive URL/checksum resolution, fetch + extract once, and the
engine's iterators driven from Python (synthetic archives; one slow test on the real mirror)."""

import hashlib
import io
import tarfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from dl4j_bridge import datasets as D
from dl4j_bridge import fetch as F
from dl4j_bridge.errors import ArgumentError, ConfigError, DownloadError

CLASSES = ["daisy", "dandelion", "roses", "sunflowers", "tulips"]
# solid colour per class, (R, G, B)
COLOURS = {c: (20 + 40 * i, 200 - 30 * i, 90 + 7 * i) for i, c in enumerate(CLASSES)}


def _png(colour, size=(13, 9)):
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, format="PNG")
    return buf.getvalue()


def _mirror(tmp_path, per_class=(4, 5, 6, 4, 7), name="mirror", with_sha=True, sha_override=None):
    """A folder with flower_photos.tgz (+ .sha256) laid out like the real archive."""
    folder = tmp_path / name
    folder.mkdir()
    archive = folder / D.FLOWERS_ARCHIVE
    with tarfile.open(archive, "w:gz") as tar:
        def add(arcname, data):
            info = tarfile.TarInfo(arcname)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        add("flower_photos/LICENSE.txt", b"CC-BY")
        for c, n in zip(CLASSES, per_class):
            for i in range(n):
                add(f"flower_photos/{c}/{c[:2]}_{i:03d}.png", _png(COLOURS[c], (11 + i, 7 + 2 * i)))
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    if with_sha:
        (folder / (D.FLOWERS_ARCHIVE + ".sha256")).write_text(f"{sha_override or digest}  {D.FLOWERS_ARCHIVE}\n")
    return folder, digest


@pytest.fixture
def cache(tmp_path, monkeypatch):
    d = tmp_path / "cache"
    monkeypatch.setenv("DL4J_BRIDGE_CACHE_DIR", str(d))
    monkeypatch.delenv(D.FLOWERS_URL_ENV, raising=False)
    monkeypatch.delenv("DL4J_BRIDGE_OFFLINE", raising=False)
    return d


def test_archive_url_resolution(tmp_path, monkeypatch):
    monkeypatch.delenv(D.FLOWERS_URL_ENV, raising=False)
    assert D.flowers_archive_url() == "http://download.tensorflow.org/example_images/flower_photos.tgz"
    monkeypatch.setenv(D.FLOWERS_URL_ENV, "file:///srv/mirror/")
    assert D.flowers_archive_url() == "file:///srv/mirror/flower_photos.tgz"
    assert D.flowers_archive_url("https://example.org/x/flowers.tar.gz") == "https://example.org/x/flowers.tar.gz"
    assert D.flowers_archive_url(str(tmp_path)) == tmp_path.resolve().as_uri() + "/flower_photos.tgz"
    with pytest.raises(ConfigError, match="neither a URL"):
        D.flowers_archive_url("no/such/folder")


def test_checksum_published_beside_else_pinned(tmp_path, cache):
    folder, digest = _mirror(tmp_path)
    url = D.flowers_archive_url(folder.as_uri())
    assert D.flowers_checksum(url) == digest
    bare, _ = _mirror(tmp_path, name="bare", with_sha=False)
    assert D.flowers_checksum(D.flowers_archive_url(bare.as_uri())) == D.FLOWERS_PUBLIC_SHA256
    assert D.flowers_checksum(url, offline=True) == D.FLOWERS_PUBLIC_SHA256  # offline: no lookup


def test_ensure_flowers_fetches_verifies_extracts_once(tmp_path, cache, monkeypatch):
    folder, digest = _mirror(tmp_path)
    monkeypatch.setenv(D.FLOWERS_URL_ENV, folder.as_uri())
    root = D.ensure_flowers(progress=False)
    assert root == cache / "datasets" / f"flower_photos-{digest[:12]}"
    assert sorted(p.name for p in (root / "flower_photos").iterdir() if p.is_dir()) == CLASSES
    marker = (root / F.MARKER_NAME).stat().st_mtime_ns
    # the mirror disappears and we go offline: the cache (verified by its recorded checksum) suffices
    for p in folder.iterdir():
        p.unlink()
    assert D.ensure_flowers(progress=False, offline=True) == root
    assert (root / F.MARKER_NAME).stat().st_mtime_ns == marker


def test_mirror_serving_a_wrong_file_keeps_it_aside(tmp_path, cache):
    folder, digest = _mirror(tmp_path, sha_override="1" * 64)
    with pytest.raises(DownloadError) as e:
        D.ensure_flowers(folder.as_uri(), progress=False)
    msg = str(e.value)
    assert "1" * 64 in msg and digest in msg and "flower_photos.tgz.bad" in msg
    assert (cache / "downloads" / "flower_photos.tgz.bad").is_file()
    assert not (cache / "downloads" / "flower_photos.tgz").exists()


def test_offline_without_cache_names_the_path(tmp_path, cache):
    folder, _ = _mirror(tmp_path)
    with pytest.raises(DownloadError) as e:
        D.ensure_flowers(folder.as_uri(), progress=False, offline=True)
    assert str(cache / "downloads" / "flower_photos.tgz") in str(e.value)


def test_setup_builds_engine_iterators(tmp_path, cache):
    folder, _ = _mirror(tmp_path)  # smallest class 4 -> balanced 20 -> 16 train / 4 test
    train, test = D.FlowerDataSetIterator.setup(batch_size=5, train_percent=80, seed=12345,
                                                preprocessor="efficientnet", base_url=folder.as_uri(), progress=False)
    assert train.labels == CLASSES and test.labels == CLASSES
    assert (train.total_examples, test.total_examples) == (16, 4)
    assert len(train) == 4 and train.batch_size == 5
    assert sum(train.class_counts().values()) == 16 and sum(test.class_counts().values()) == 4
    x, y = train.next_numpy()
    assert x.shape == (5, 3, 224, 224) and x.dtype == np.float32 and y.shape == (5, 5)
    for row in range(5):
        cls = CLASSES[int(np.argmax(y[row]))]
        assert Path(train.files[row]).parent.name == cls
        expected = (np.array(COLOURS[cls], np.float32) - 127) / 128  # RGB planes for EfficientNet
        np.testing.assert_array_equal(x[row, :, 100, 50], expected)
    assert sum(1 for _ in train) == 4  # __iter__ resets and walks every batch
    # same seed -> same files; DL4J's VGG16 default -> BGR planes minus the means
    extracted = next((cache / "datasets").iterdir())  # data_dir: the extracted folder, no fetch
    train2, _ = D.FlowerDataSetIterator.setup(batch_size=5, seed=12345, data_dir=extracted, progress=False)
    assert train2.files == train.files
    x2, y2 = train2.next_numpy()
    cls = CLASSES[int(np.argmax(y2[0]))]
    r, g, b = COLOURS[cls]
    np.testing.assert_allclose(x2[0, :, 3, 3], [b - 103.939, g - 116.779, r - 123.68], rtol=0, atol=1e-4)
    other, _ = D.FlowerDataSetIterator.setup(batch_size=5, seed=7, base_url=folder.as_uri(), progress=False)
    assert other.files != train.files
    for it in (train, test, train2, other):
        it.close()


def test_setup_rejects_bad_arguments(tmp_path, cache):
    with pytest.raises(ArgumentError, match="batch_size"):
        D.FlowerDataSetIterator.setup(batch_size=0)
    with pytest.raises(ArgumentError, match="train_percent"):
        D.FlowerDataSetIterator.setup(train_percent=100)
    with pytest.raises(ArgumentError, match="unknown pre-processor"):
        D.FlowerDataSetIterator.setup(preprocessor="resnet")
    with pytest.raises(ArgumentError, match="not a folder"):
        D.FlowerDataSetIterator.setup(data_dir=tmp_path / "nope")


def test_empty_class_folder_is_a_typed_error(tmp_path, cache):
    from dl4j_bridge.errors import InvalidArgumentError
    root = tmp_path / "flower_photos"
    for c in CLASSES:
        (root / c).mkdir(parents=True)
        if c != "roses":
            (root / c / "a.png").write_bytes(_png((1, 2, 3)))
    with pytest.raises(InvalidArgumentError, match="roses"):
        D.FlowerDataSetIterator.setup(data_dir=tmp_path, progress=False)


@pytest.mark.slow
def test_real_mirror_split(shared_dir, cache):
    """The shared mirror through file://: DL4J's balanced split, seed 12345. The counts are those of
    the independent Python implementation (tests/reference/gen_split_reference.py)."""
    train, test = D.FlowerDataSetIterator.setup(batch_size=16, train_percent=80, seed=12345,
                                                preprocessor="efficientnet", base_url=(shared_dir / "data").as_uri(),
                                                progress=False, max_examples=0)
    assert (train.total_examples, test.total_examples) == (2532, 633)
    assert list(train.class_counts().values()) == [506, 506, 506, 507, 507]
    assert list(test.class_counts().values()) == [127, 127, 127, 126, 126]
    x, y = train.next_numpy()
    assert x.shape == (16, 3, 224, 224) and -1.0 <= x.min() and x.max() <= 1.0
    train.close()
    test.close()


def test_corrupt_photo_is_skipped_with_a_warning(tmp_path, cache, capfd):
    root = tmp_path / "flower_photos"
    for c in CLASSES:
        (root / c).mkdir(parents=True)
        for i in range(5):
            (root / c / f"{i}.png").write_bytes(_png(COLOURS[c]))
    broken = root / "roses" / "5.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 this is not a JPEG")
    (root / "tulips" / "5.png").write_bytes(_png(COLOURS["tulips"]))  # keep classes balanced at 6 each
    for c in ("daisy", "dandelion", "sunflowers"):
        (root / c / "5.png").write_bytes(_png(COLOURS[c]))
    train, test = D.FlowerDataSetIterator.setup(batch_size=64, data_dir=tmp_path, progress=False)
    seen = 0
    for it in (train, test):
        for ds in it:
            seen += ds.num_examples()
    skipped = train.skipped_files + test.skipped_files
    assert skipped == [str(broken)] and seen == 29
    assert str(broken) in capfd.readouterr().err


def test_the_default_split_seed_is_the_same_in_python_and_in_the_engine():
    import inspect
    from dl4j_bridge import jvm, lesson
    engine = int(jvm.constant("org.dl4jbridge.datasets.FlowerDataSetIterator", "DEFAULT_SEED"))
    assert D.DEFAULT_SPLIT_SEED == engine == 12345
    assert inspect.signature(D.FlowerDataSetIterator.setup).parameters["seed"].default == engine
    assert lesson.LessonSettings().seed == engine


def test_a_cached_archive_from_another_address_is_used_not_set_aside(tmp_path, cache, monkeypatch):
    """`evaluate` without the mirror setting: the default (public) address expects the public
    checksum, but the cache holds the mirror's verified archive; it is used, offline or not."""
    folder, digest = _mirror(tmp_path)
    root = D.ensure_flowers(folder.as_uri(), progress=False)
    for p in folder.iterdir():
        p.unlink()   # nothing to download from any more
    assert D.ensure_flowers(progress=False) == root                 # the public address, online
    assert D.ensure_flowers(progress=False, offline=True) == root   # and offline
    downloads = cache / "downloads"
    assert not list(downloads.glob("*.bad")) and (downloads / D.FLOWERS_ARCHIVE).is_file()


def test_downloads_and_extracted_folders_get_the_usual_permissions(tmp_path, cache):
    import os
    import stat
    from dl4j_bridge.files import dir_mode, file_mode
    folder, _ = _mirror(tmp_path)
    root = D.ensure_flowers(folder.as_uri(), progress=False)
    mask = os.umask(0)
    os.umask(mask)
    assert (file_mode(), dir_mode()) == (0o666 & ~mask, 0o777 & ~mask)   # 0644 / 0755 under the usual 022
    assert stat.S_IMODE((cache / "downloads" / D.FLOWERS_ARCHIVE).stat().st_mode) == file_mode()
    assert stat.S_IMODE(root.stat().st_mode) == dir_mode()
