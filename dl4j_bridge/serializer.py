"""DL4J model zips from Python.

:class:`ModelSerializer` saves and restores networks through the engine, with DL4J's names
(``write_model`` = ``writeModel``, ``restore_computation_graph`` = ``restoreComputationGraph``,
``restore_multi_layer_network`` = ``restoreMultiLayerNetwork``). The files are DL4J's own: a zip
saved here restores in DL4J 1.0.0-M2.1, and zips from DL4J 0.5.0 onward restore here.

:func:`read_model_info` and :func:`read_metadata` look inside a zip with nothing but ``zipfile``
and ``json``: no JVM starts, so they are cheap enough for listings and checks.

>>> info = read_model_info("flowers.zip")                     # doctest: +SKIP
>>> info.kind, info.num_params, info.labels                   # doctest: +SKIP
('ComputationGraph', 134281029, ['daisy', 'dandelion', 'roses', 'sunflowers', 'tulips'])
>>> [l.name for l in info.layers if l.frozen][:2]             # doctest: +SKIP
['conv1_1', 'conv1_2']
"""

from __future__ import annotations

import json
import os
import struct
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from . import jvm
from .errors import ArgumentError, ModelFormatError
from .wrapper import to_java

__all__ = ["ModelSerializer", "ModelInfo", "LayerInfo", "read_model_info", "read_metadata",
           "CONFIGURATION", "COEFFICIENTS", "UPDATER_STATE", "METADATA", "SUPPORTED_LAYERS"]

CONFIGURATION = "configuration.json"
COEFFICIENTS = "coefficients.bin"
UPDATER_STATE = "updaterState.bin"
NO_PARAMS_MARKER = "noParams.marker"
METADATA = "dl4j-bridge-metadata.json"

#: The layer classes the engine reads and runs (the engine's ConfigurationJson.SUPPORTED_LAYERS; a test
#: keeps the two equal). A file with any other layer is flagged by read_model_info and refused by the engine.
SUPPORTED_LAYERS = ("ActivationLayer", "BatchNormalization", "ConvolutionLayer", "DenseLayer", "DepthwiseConvolution2D",
                    "DropoutLayer", "FrozenLayer", "FrozenLayerWithBackprop", "GlobalPoolingLayer", "OutputLayer",
                    "SubsamplingLayer", "Upsampling2D", "ZeroPaddingLayer")

_JAVA = "org.dl4jbridge.util.ModelSerializer"
_JAVA_METADATA = "org.dl4jbridge.util.ModelMetadata"


# ---- JVM-free reading ---------------------------------------------------------------------------

@dataclass(frozen=True)
class LayerInfo:
    """One layer as the configuration describes it."""
    name: str
    class_name: str          # DL4J's simple class name, e.g. "ConvolutionLayer"
    frozen: bool
    n_in: int
    n_out: int
    num_params: int | None   # None: a layer class the engine does not support (see ``supported``)

    @property
    def supported(self) -> bool:
        return self.class_name in SUPPORTED_LAYERS


@dataclass(frozen=True)
class ModelInfo:
    """What a DL4J model zip holds, read without a JVM."""
    path: Path
    kind: str                # "ComputationGraph" or "MultiLayerNetwork"
    layers: list = field(default_factory=list)
    stored_params: int | None = None     # element count in coefficients.bin's header
    has_updater_state: bool = False
    metadata: dict | None = None
    entries: list = field(default_factory=list)

    @property
    def num_params(self) -> int | None:
        """Parameter count the configuration describes (equals ``stored_params`` in a sound file);
        None when a layer's class is unsupported, so its count is unknown (see :attr:`problems`)."""
        if any(l.num_params is None for l in self.layers):
            return None
        return sum(l.num_params for l in self.layers)

    @property
    def problems(self) -> list:
        """What the engine would refuse in this file: unsupported layers, a parameter-count mismatch."""
        out = [f"layer {l.name!r} is a {l.class_name}, which dl4j-bridge does not support (supported: "
               f"{', '.join(SUPPORTED_LAYERS)})" for l in self.layers if not l.supported]
        if self.num_params is not None and self.stored_params is not None and self.num_params != self.stored_params:
            out.append(f"{CONFIGURATION} describes {self.num_params} parameters but {COEFFICIENTS} holds "
                       f"{self.stored_params}")
        return out

    @property
    def labels(self) -> list:
        return list((self.metadata or {}).get("labels", []))

    @property
    def frozen_layers(self) -> list:
        return [l.name for l in self.layers if l.frozen]


# Legacy (0.x) wrapper-object names -> DL4J's simple class names.
_LEGACY_LAYER_NAMES = {
    "convolution": "ConvolutionLayer", "subsampling": "SubsamplingLayer", "dense": "DenseLayer",
    "output": "OutputLayer", "loss": "LossLayer", "dropout": "DropoutLayer", "activation": "ActivationLayer",
    "batchNormalization": "BatchNormalization", "localResponseNormalization": "LocalResponseNormalization",
    "GlobalPooling": "GlobalPoolingLayer", "zeroPadding": "ZeroPaddingLayer", "Upsampling2D": "Upsampling2D",
    "CnnLossLayer": "CnnLossLayer", "FrozenLayer": "FrozenLayer", "embedding": "EmbeddingLayer",
    "gravesLSTM": "GravesLSTM", "LSTM": "LSTM", "rnnoutput": "RnnOutputLayer", "Cropping2D": "Cropping2D",
}


def read_metadata(path) -> dict | None:
    """dl4j-bridge's metadata entry of a model zip as a dict, or None (e.g. a zip written by DL4J)."""
    p = Path(path)
    with _open_zip(p) as z:
        if METADATA not in z.namelist():
            return None
        return _json_entry(z, METADATA, p)


def read_model_info(path) -> ModelInfo:
    """Layers, parameter counts, labels and metadata of a DL4J model zip, without starting a JVM."""
    p = Path(path)
    with _open_zip(p) as z:
        names = [n for n in z.namelist() if not n.endswith("/")]
        if CONFIGURATION not in names:
            raise ModelFormatError(f"{p.name}: no {CONFIGURATION} entry (entries found: {names}); "
                                 f"not a DL4J model zip")
        conf = _json_entry(z, CONFIGURATION, p)
        if "vertices" in conf:
            kind, layers = "ComputationGraph", _graph_layers(conf)
        elif "confs" in conf:
            kind, layers = "MultiLayerNetwork", _multilayer_layers(conf)
        else:
            raise ModelFormatError(f"{p.name}: {CONFIGURATION} is neither a ComputationGraph (no \"vertices\") "
                                 f"nor a MultiLayerNetwork (no \"confs\") configuration")
        stored = _stored_length(z, p) if COEFFICIENTS in names else None
        meta = _json_entry(z, METADATA, p) if METADATA in names else None
        return ModelInfo(path=p, kind=kind, layers=layers, stored_params=stored,
                         has_updater_state=UPDATER_STATE in names, metadata=meta, entries=names)


def _open_zip(p: Path) -> zipfile.ZipFile:
    if not p.is_file():
        raise FileNotFoundError(f"no such model file: {p}")
    try:
        return zipfile.ZipFile(p)
    except zipfile.BadZipFile as e:
        raise ModelFormatError(f"{p.name}: not a readable zip file (truncated, corrupt, or not a DL4J model "
                             f"zip): {e}") from None


def _json_entry(z: zipfile.ZipFile, entry: str, p: Path) -> dict:
    try:
        text = z.read(entry).decode("utf-8")
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        raise ModelFormatError(f"{p.name}: {entry}: compressed data is corrupt or truncated: {e}") from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as e:
        raise ModelFormatError(f"{p.name}: {entry}: not valid JSON: {e}") from None
    if not isinstance(value, dict):
        raise ModelFormatError(f"{p.name}: {entry}: expected a JSON object, found {type(value).__name__}")
    return value


def _stored_length(z: zipfile.ZipFile, p: Path) -> int | None:
    """Element count from coefficients.bin's data header (DL4J_SPEC 2.2), reading only the header."""
    with z.open(COEFFICIENTS) as f:
        head = f.read(4096)
    if not head:
        return 0
    try:
        pos = 0
        for buffer_index in range(2):
            (n,) = struct.unpack_from(">H", head, pos)
            mode = head[pos + 2:pos + 2 + n].decode("ascii")
            pos += 2 + n
            if mode in ("DIRECT", "HEAP", "JAVACPP"):
                (length,) = struct.unpack_from(">i", head, pos)
                pos += 4
            else:
                (length,) = struct.unpack_from(">q", head, pos)
                pos += 8
            (n,) = struct.unpack_from(">H", head, pos)
            dtype = head[pos + 2:pos + 2 + n].decode("ascii")
            pos += 2 + n
            if buffer_index == 1:
                return int(length)
            pos += length * (4 if dtype == "INT" else 8)
    except (struct.error, UnicodeDecodeError) as e:
        raise ModelFormatError(f"{p.name}: {COEFFICIENTS}: unreadable array header: {e}") from None
    return None


def _layer_class_and_fields(layer: dict) -> tuple[str, dict]:
    if "@class" in layer:
        return layer["@class"].rsplit(".", 1)[-1], layer
    if len(layer) == 1:
        (key, inner), = layer.items()
        return _LEGACY_LAYER_NAMES.get(key, key), inner if isinstance(inner, dict) else {}
    return "Unknown", layer


def _describe_layer(layer: dict, default_name: str, frozen: bool = False) -> LayerInfo:
    cls, f = _layer_class_and_fields(layer)
    name = f.get("layerName") or default_name
    if cls in ("FrozenLayer", "FrozenLayerWithBackprop"):
        inner = f.get("underlying") or f.get("layer") or {}
        info = _describe_layer(inner, name, True)
        return LayerInfo(name, info.class_name, True, info.n_in, info.n_out, info.num_params)
    n_in, n_out = int(f.get("nin", 0) or 0), int(f.get("nout", 0) or 0)
    return LayerInfo(name, cls, frozen, n_in, n_out, _num_params(cls, f, n_in, n_out))


def _num_params(cls: str, f: dict, n_in: int, n_out: int) -> int | None:
    """DL4J's parameter count per layer class (DL4J_SPEC 2.7); 0 for parameter-free layers; None for a
    class outside :data:`SUPPORTED_LAYERS` (its count is not known here, and guessing 0 would hide it)."""
    if cls not in SUPPORTED_LAYERS:
        return None
    bias = f.get("hasBias", True) is not False
    k = f.get("kernelSize") or [0, 0]
    area = int(k[0]) * int(k[1]) if len(k) == 2 else 0
    m = int(f.get("depthMultiplier", 1) or 1)
    if cls in ("DenseLayer", "OutputLayer"):
        return n_in * n_out + (n_out if bias else 0) + (n_out if f.get("hasLayerNorm") else 0)
    if cls in ("ConvolutionLayer", "Convolution2D"):
        return n_out * n_in * area + (n_out if bias else 0)
    if cls == "DepthwiseConvolution2D":
        return m * n_in * area + (n_in * m if bias else 0)
    if cls == "BatchNormalization":
        return (2 if f.get("lockGammaBeta") else 4) * n_out
    return 0


def _multilayer_layers(conf: dict) -> list:
    return [_describe_layer((c or {}).get("layer") or {}, f"layer{i}") for i, c in enumerate(conf["confs"])]


def _graph_layers(conf: dict) -> list:
    out = []
    for name, vertex in conf["vertices"].items():
        frozen = False
        if vertex.get("@class", "").endswith(".FrozenVertex"):
            vertex, frozen = vertex.get("underlying") or {}, True
        if vertex.get("@class", "").endswith(".LayerVertex"):
            body = vertex
        elif "LayerVertex" in vertex:
            body = vertex["LayerVertex"]
        else:
            continue
        layer = (body.get("layerConf") or {}).get("layer") or {}
        out.append(_describe_layer(layer, name, frozen))
    return out


# ---- through the engine -------------------------------------------------------------------------

def _java_metadata(metadata):
    if metadata is None:
        return None
    if not isinstance(metadata, dict):
        raise ArgumentError(f"metadata must be a dict of JSON values, got {type(metadata).__name__}")
    try:
        text = json.dumps(metadata, ensure_ascii=True, allow_nan=False)
    except (TypeError, ValueError) as e:
        raise ArgumentError(f"metadata is not plain JSON ({e}); use str/int/float/bool/list/dict values") from None
    return jvm.static(_JAVA_METADATA, "fromJson", text, "metadata")


def _path(path) -> str:
    if not isinstance(path, (str, os.PathLike)):
        raise ArgumentError(f"expected a file path, got {type(path).__name__}")
    return str(Path(path).expanduser().absolute())


class ModelSerializer:
    """DL4J's ModelSerializer: DL4J model zips in and out, through the engine."""

    @staticmethod
    def write_model(model, path, save_updater: bool = True, metadata: dict | None = None) -> None:
        """Saves ``model`` as a DL4J zip (atomically: a failure leaves an existing file untouched).

        ``metadata`` (labels, input shape, preprocessing, seed, metrics...) goes into dl4j-bridge's
        own entry, which DL4J ignores and :func:`read_metadata` reads without a JVM.
        """
        meta = _java_metadata(metadata)
        jvm.static(_JAVA, "writeModelAny", to_java(model, "model"), _path(path), bool(save_updater), meta)

    @staticmethod
    def restore_computation_graph(path, load_updater: bool = True):
        """Restores a ComputationGraph zip (any DL4J release) as a :class:`dl4j_bridge.nn.ComputationGraph`."""
        handle = jvm.static(_JAVA, "restoreComputationGraph", _path(path), bool(load_updater))
        from .nn import ComputationGraph
        return ComputationGraph.from_java(handle)

    @staticmethod
    def restore_multi_layer_network(path, load_updater: bool = True):
        """Restores a MultiLayerNetwork zip (any DL4J release) as a :class:`dl4j_bridge.nn.MultiLayerNetwork`."""
        handle = jvm.static(_JAVA, "restoreMultiLayerNetwork", _path(path), bool(load_updater))
        from .nn import MultiLayerNetwork
        return MultiLayerNetwork.from_java(handle)

    @staticmethod
    def detect_kind(path) -> str:
        """"ComputationGraph" or "MultiLayerNetwork", read from the zip without a JVM."""
        return read_model_info(path).kind

    @staticmethod
    def read_metadata(path) -> dict | None:
        return read_metadata(path)
