"""numpy <-> engine arrays: one flat buffer plus a shape per call, never element by element.

The engine allocates its arrays off-heap; :func:`to_java` copies a numpy array straight into that
memory with one ``ctypes.memmove`` and :func:`to_numpy` copies out the same way, so a
[16,3,224,224] batch crosses in milliseconds (``tests/bench_arrays.py`` measures it).
"""

from __future__ import annotations

import ctypes

import numpy as np

from . import jvm
from .errors import ArgumentError

_BRIDGE = "org.dl4jbridge.bridge.ArrayBridge"


def to_java(array, out=None) -> object:
    """A Java NDArray holding a float32 copy of ``array`` (any numeric numpy array or nested list).

    ``out``: an existing contiguous engine array of the same shape to fill instead of allocating one
    (allocating fresh off-heap memory costs more than the copy itself; reuse it for repeated batches).
    """
    arr = np.asarray(array)
    if arr.dtype.kind not in "fiub":
        raise ArgumentError(f"cannot send an array of dtype {arr.dtype} to the engine: convert it to numbers "
                            f"(float32) first")
    arr = np.ascontiguousarray(arr, dtype=np.float32)
    bridge = jvm.cls(_BRIDGE)
    shape = [int(s) for s in arr.shape] or [1]
    if out is None:
        out = jvm.call(bridge.allocate, shape)
    elif list(jvm.invoke(out, "shape")) != shape or not jvm.invoke(out, "isContiguous"):
        raise ArgumentError(f"out= has shape {list(jvm.invoke(out, 'shape'))} (contiguous: "
                            f"{bool(jvm.invoke(out, 'isContiguous'))}) but the array has shape {shape}")
    if arr.nbytes:
        ctypes.memmove(jvm.call(bridge.address, out), arr.ctypes.data, arr.nbytes)
    return out


def to_numpy(java_array) -> np.ndarray:
    """A numpy float32 copy of a Java NDArray (strided views are made contiguous first)."""
    bridge = jvm.cls(_BRIDGE)
    contiguous = jvm.invoke(java_array, "contiguous")
    shape = tuple(jvm.invoke(contiguous, "shape"))
    out = np.empty(shape, dtype=np.float32)
    if out.nbytes:
        ctypes.memmove(out.ctypes.data, jvm.call(bridge.address, contiguous), out.nbytes)
    return out


def to_java_bytes(array) -> object:
    """Same as :func:`to_java` through one bytes -> byte[] copy (the portable path; slower)."""
    arr = np.ascontiguousarray(np.asarray(array), dtype=np.float32)
    return jvm.call(jvm.cls(_BRIDGE).fromBytes, arr.tobytes(), [int(s) for s in arr.shape] or [1])


def to_numpy_bytes(java_array) -> np.ndarray:
    """Same as :func:`to_numpy` through one byte[] -> bytes copy."""
    bridge = jvm.cls(_BRIDGE)
    data = jvm.call(bridge.toBytes, java_array)
    raw = data.tostring() if hasattr(data, "tostring") else bytes(data)
    return np.frombuffer(raw, dtype=np.float32).reshape(tuple(jvm.invoke(java_array, "shape"))).copy()
