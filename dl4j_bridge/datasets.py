"""The lesson's data: DL4J's FlowerDataSetIterator, driven from Python, decoding inside the JVM.

>>> from dl4j_bridge.datasets import FlowerDataSetIterator
>>> train, test = FlowerDataSetIterator.setup(batch_size=16, train_percent=80, seed=12345,
...                                           preprocessor="efficientnet")     # doctest: +SKIP

``setup`` first makes sure the photos are on disk (:func:`ensure_flowers`: fetch the archive,
verify it, extract it once), then builds the engine's iterators. Minibatches (``[mb,3,224,224]``
float32 plus one-hot labels ``[mb,5]``) stay in the JVM; the wrappers are handles that
``model.fit`` / ``model.evaluate`` take, and :meth:`ImageDataSetIterator.next_numpy` copies a
batch out when you want to look at one.

Where the archive comes from: ``base_url=`` argument, else ``DL4J_BRIDGE_FLOWERS_URL``, else the
public TensorFlow URL. The value is a folder URL holding ``flower_photos.tgz`` (``file:///srv/mirror``
works the same way as ``https://...``) or the archive's own URL.

Which checksum it must have: the SHA-256 published beside the archive as ``<archive url>.sha256``
when the mirror has one (the shared mirror does: its archive is re-encoded and differs from the
public one), else the pinned checksum of the public archive (:data:`FLOWERS_PUBLIC_SHA256`). The
checksum a download was verified against is recorded beside the cached archive, so a cached
archive is re-verified without touching the network (and in offline mode), whichever address is in
force now: a cached archive that still has its recorded checksum is used as it is.

The split is DL4J's (labels sorted, balanced to the smallest class, 80/20, seeded; see the engine's
``ImageFolderSplit``): with seed 12345 it gives 2532 training photos (daisy, dandelion, roses,
sunflowers, tulips = 506, 506, 506, 507, 507) and 633 test photos (127, 127, 127, 126, 126).
"""

from __future__ import annotations

import urllib.parse
from pathlib import Path
from typing import Optional

from . import config
from . import fetch as _fetch
from . import jvm
from .errors import ArgumentError, ConfigError, DownloadError
from .wrapper import JavaWrapper, java_path, strings, to_java

FLOWERS_PUBLIC_BASE_URL = "http://download.tensorflow.org/example_images"
FLOWERS_ARCHIVE = "flower_photos.tgz"
FLOWERS_FOLDER = "flower_photos"
#: SHA-256 of the public archive (228 813 984 bytes), as TensorFlow Datasets records it.
FLOWERS_PUBLIC_SHA256 = "4c54ace7911aaffe13a365c34f650e71dd5bf1be0a58b464e5a7183e3e595d9c"
FLOWERS_URL_ENV = "DL4J_BRIDGE_FLOWERS_URL"

_PKG = "org.dl4jbridge.datasets."
#: The seed of DL4J's flower split, the same default in Python and in the engine
#: (``FlowerDataSetIterator.DEFAULT_SEED``): 2532 training and 633 test photos.
DEFAULT_SPLIT_SEED = 12345


# ---- getting the photos onto disk ---------------------------------------------------------------

def flowers_archive_url(base_url: Optional[str] = None) -> str:
    """The archive URL in force: ``base_url``, else ``$DL4J_BRIDGE_FLOWERS_URL``, else the public one."""
    base = base_url or config.get("flowers_url") or FLOWERS_PUBLIC_BASE_URL  # config reads $DL4J_BRIDGE_FLOWERS_URL
    base = base.strip()
    if "://" not in base:
        if Path(base).expanduser().exists():  # a plain folder path is taken as a file:// mirror
            base = Path(base).expanduser().resolve().as_uri()
        else:
            raise ConfigError(f"flower data URL {base!r} is neither a URL (http://, https://, file://) nor an existing "
                              f"folder; set {FLOWERS_URL_ENV} to e.g. file:///path/to/mirror or "
                              f"{FLOWERS_PUBLIC_BASE_URL}")
    if urllib.parse.urlparse(base).path.endswith((".tgz", ".tar.gz")):
        return base
    return base.rstrip("/") + "/" + FLOWERS_ARCHIVE


def _recorded(archive: Path) -> Optional[tuple[str, str]]:
    """(SHA-256, URL) recorded beside the cached archive when it was downloaded and verified, or None."""
    sidecar = archive.with_name(archive.name + ".sha256")
    try:
        digest, recorded_url = sidecar.read_text().split(maxsplit=1)
    except (OSError, ValueError):
        return None
    return digest, recorded_url.strip()


def _recorded_checksum(archive: Path, url: str) -> Optional[str]:
    recorded = _recorded(archive)
    return recorded[0] if recorded and recorded[1] == url else None


def _record_checksum(archive: Path, url: str, digest: str) -> None:
    sidecar = archive.with_name(archive.name + ".sha256")
    tmp = sidecar.with_name(sidecar.name + ".tmp")
    tmp.write_text(f"{digest} {url}\n")
    tmp.replace(sidecar)


def flowers_checksum(url: str, archive: Optional[Path] = None, offline: Optional[bool] = None) -> str:
    """The SHA-256 the archive at ``url`` must have (see the module docstring for the order)."""
    if archive is not None and archive.is_file():
        recorded = _recorded_checksum(archive, url)
        if recorded:
            return recorded
    if not _fetch.is_offline(offline):
        published = _fetch.read_checksum_url(url)
        if published:
            return published
    return FLOWERS_PUBLIC_SHA256


def ensure_flowers(base_url: Optional[str] = None, *, progress: bool = True, offline: Optional[bool] = None) -> Path:
    """Fetches, verifies and extracts (once) the flower archive; returns the folder holding
    ``flower_photos/`` (``<cache_dir>/datasets/flower_photos-<sha256 prefix>``)."""
    url = flowers_archive_url(base_url)
    archive = _fetch.cache_dir() / "downloads" / FLOWERS_ARCHIVE
    recorded = _recorded(archive) if archive.is_file() else None
    if recorded and recorded[1] != url and _fetch.file_checksum(archive, sha256=recorded[0]).ok():
        # A whole archive verified when another address filled the cache (the mirror's re-encoded
        # copy, say) is still the flower data: use it rather than set it aside for a download that
        # expects another checksum (`evaluate` without the mirror setting used to do just that).
        digest = recorded[0]
    else:
        digest = flowers_checksum(url, archive, offline)
        _fetch.fetch(url, archive, sha256=digest, progress=progress, offline=offline)
        _record_checksum(archive, url, digest)
    target = _fetch.cache_dir() / "datasets" / f"{FLOWERS_FOLDER}-{digest[:12]}"
    _fetch.extract_once(archive, target, progress=progress)
    if not (target / FLOWERS_FOLDER).is_dir():
        raise DownloadError(f"{archive} extracted into {target} but holds no {FLOWERS_FOLDER}/ folder: it is not the "
                            f"flower archive. Delete {target} and {archive}, and check the URL {url}")
    return target


# ---- pre-processors -----------------------------------------------------------------------------

class _PreProcessor(JavaWrapper):
    """A Python handle on one of the engine's DataSetPreProcessors, with the channel order it needs."""
    java_class: str = ""
    channel_order: str = "BGR"

    def __init__(self):
        super().__init__(jvm.new(_PKG + self.java_class))

    def __repr__(self):
        return f"{type(self).__name__}()"


class VGG16ImagePreProcessor(_PreProcessor):
    """DL4J's: subtracts the B, G, R ImageNet means; pixels stay 0..255; BGR input."""
    java_class = "VGG16ImagePreProcessor"
    channel_order = "BGR"


class EfficientNetLitePreProcessor(_PreProcessor):
    """EfficientNet-Lite0's ``(x - 127) / 128`` on RGB input."""
    java_class = "EfficientNetLitePreProcessor"
    channel_order = "RGB"


_NAMED = {"vgg16": VGG16ImagePreProcessor, "efficientnet": EfficientNetLitePreProcessor,
          "efficientnet-lite0": EfficientNetLitePreProcessor, "efficientnet_lite0": EfficientNetLitePreProcessor,
          # DL4J's class names, as model metadata records them
          "vgg16imagepreprocessor": VGG16ImagePreProcessor,
          "efficientnetlitepreprocessor": EfficientNetLitePreProcessor}


def preprocessor_for(preprocessor) -> Optional[_PreProcessor]:
    """A pre-processor object from itself, a name ('vgg16', 'efficientnet', DL4J's class name as model
    metadata records it) or None (raw 0..255 pixels)."""
    if preprocessor is None or isinstance(preprocessor, _PreProcessor):
        return preprocessor
    if isinstance(preprocessor, str):
        key = preprocessor.strip().lower()
        if key in _NAMED:
            return _NAMED[key]()
        raise ArgumentError(f"unknown pre-processor {preprocessor!r}; use one of {sorted(_NAMED)}, a pre-processor "
                            f"object, or None for raw 0..255 pixels")
    raise ArgumentError(f"preprocessor={preprocessor!r} is not a pre-processor: pass 'vgg16', 'efficientnet', a "
                        f"model's .preprocessor, or None")


# ---- minibatches and iterators ------------------------------------------------------------------

class DataSet(JavaWrapper):
    """One minibatch held by the engine (DL4J's DataSet): features ``[mb, ...]`` and one-hot labels."""

    def __init__(self, features, labels):
        from .arrays import to_java as array_to_java
        super().__init__(jvm.new(_PKG + "DataSet", array_to_java(features), array_to_java(labels)))

    def get_features(self):
        """The features copied out as a float32 numpy array."""
        from .arrays import to_numpy
        return to_numpy(self._call("getFeatures"))

    def get_labels(self):
        from .arrays import to_numpy
        return to_numpy(self._call("getLabels"))

    def num_examples(self) -> int:
        return int(self._call("numExamples"))

    def __repr__(self):
        return f"DataSet({self.num_examples()} examples)"


class DataSetIterator(JavaWrapper):
    """Minibatches produced by the engine (DL4J's DataSetIterator). They stay in the JVM: pass the
    iterator to ``fit`` / ``evaluate``; iterating in Python yields :class:`DataSet` handles."""

    @property
    def labels(self) -> Optional[list]:
        return strings(self._call("getLabels"))

    @property
    def batch_size(self) -> int:
        return int(self._call("batch"))

    def reset(self) -> None:
        self._call("reset")

    def has_next(self) -> bool:
        return bool(self._call("hasNext"))

    def next(self) -> DataSet:
        """The next minibatch (stays in the JVM)."""
        return DataSet.from_java(self._call("next"))

    def next_numpy(self):
        """The next minibatch copied out: ``(features float32, labels float32)``."""
        ds = self.next()
        return ds.get_features(), ds.get_labels()

    def __iter__(self):
        self.reset()
        while self.has_next():
            yield self.next()


class ImageDataSetIterator(DataSetIterator):
    """The engine's ImageRecordDataSetIterator (one split part): photos decoded, resized and
    pre-processed by engine threads."""

    def __init__(self, java_iterator, part: str):
        super().__init__(java_iterator)
        self.part = part

    @property
    def total_examples(self) -> int:
        return int(self._call("totalExamples"))

    @property
    def num_batches(self) -> int:
        return int(self._call("numBatches"))

    def __len__(self) -> int:
        return self.num_batches

    @property
    def files(self) -> list[str]:
        return [str(jvm.invoke(p, "toString")) for p in jvm.invoke(self._call("files"), "toArray")]

    @property
    def skipped_files(self) -> list[str]:
        """Photos skipped so far because they did not decode (each was warned about on stderr)."""
        return [str(jvm.invoke(p, "toString")) for p in jvm.invoke(self._call("skippedFiles"), "toArray")]

    def class_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(self.labels, 0)
        for f in self.files:
            counts[Path(f).parent.name] += 1
        return counts

    def close(self) -> None:
        """Stops the decoder threads (they are daemon threads; closing just frees them early)."""
        self._call("close")

    def __repr__(self):
        return (f"ImageDataSetIterator({self.part}: {self.total_examples} photos, batch {self.batch_size}, "
                f"labels {self.labels})")


class FlowerDataSetIterator:
    """DL4J's lesson class: :meth:`setup` returns ``(train, test)``."""

    @staticmethod
    def setup(batch_size: int = 16, train_percent: int = 80, seed: int = DEFAULT_SPLIT_SEED, preprocessor="vgg16",
              data_dir=None, *, channel_order: Optional[str] = None, decoder_threads: Optional[int] = None,
              max_examples: int = 0, base_url: Optional[str] = None, progress: bool = True,
              offline: Optional[bool] = None):
        """Train and test iterators over the flower photos, split as DL4J splits them.

        preprocessor: ``"vgg16"`` (DL4J's lesson; BGR), ``"efficientnet"`` ((x-127)/128; RGB), a
        model's ``.preprocessor`` / a pre-processor object, or None for raw pixels. ``channel_order``
        ("BGR"/"RGB") defaults to what the pre-processor needs (BGR, DL4J's default, otherwise).
        ``data_dir``: an already extracted ``flower_photos`` folder (or its parent); without it the
        archive is fetched (``base_url`` / ``$DL4J_BRIDGE_FLOWERS_URL``) and extracted once.
        ``max_examples`` > 0 keeps only that many photos of each part (quick runs).
        """
        for name, value in (("batch_size", batch_size), ("train_percent", train_percent), ("seed", seed),
                            ("max_examples", max_examples)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise ArgumentError(f"{name}={value!r} must be an integer")
        if batch_size < 1:
            raise ArgumentError(f"batch_size={batch_size} must be at least 1 (the lesson uses 16)")
        if not 0 < train_percent < 100:
            raise ArgumentError(f"train_percent={train_percent} must be between 1 and 99 (the lesson uses 80)")
        if max_examples < 0:
            raise ArgumentError(f"max_examples={max_examples} must be 0 (all photos) or positive")
        prep = preprocessor_for(preprocessor)
        order = (channel_order or (prep.channel_order if prep is not None else "BGR")).upper()
        if order not in ("BGR", "RGB"):
            raise ArgumentError(f"channel_order={channel_order!r} must be 'BGR' (DL4J's default) or 'RGB'")
        if decoder_threads is not None and (isinstance(decoder_threads, bool) or not isinstance(decoder_threads, int)
                                            or decoder_threads < 1):
            raise ArgumentError(f"decoder_threads={decoder_threads!r} must be a positive integer")
        if data_dir is None:
            root = ensure_flowers(base_url, progress=progress, offline=offline)
        else:
            root = Path(data_dir).expanduser()
            if not root.is_dir():
                raise ArgumentError(f"data_dir={str(data_dir)!r} is not a folder; pass the extracted flower_photos "
                                    f"folder, or leave data_dir out to fetch the archive")
        threads = decoder_threads if decoder_threads is not None else \
            int(jvm.static(_PKG + "ImageRecordDataSetIterator", "defaultDecoderThreads"))
        its = jvm.static(_PKG + "FlowerDataSetIterator", "setup", java_path(root.resolve()), batch_size,
                         train_percent, seed, jvm.constant(_PKG + "ChannelOrder", order), to_java(prep), threads,
                         max_examples)
        return (ImageDataSetIterator(jvm.invoke(its, "train"), "train"),
                ImageDataSetIterator(jvm.invoke(its, "test"), "test"))


__all__ = ["FlowerDataSetIterator", "ImageDataSetIterator", "DataSetIterator", "DataSet", "preprocessor_for",
           "DEFAULT_SPLIT_SEED", "VGG16ImagePreProcessor", "EfficientNetLitePreProcessor",
           "ensure_flowers", "flowers_archive_url", "flowers_checksum", "FLOWERS_PUBLIC_SHA256",
           "FLOWERS_PUBLIC_BASE_URL", "FLOWERS_URL_ENV"]
