"""The one way Python objects hold engine objects.

* :class:`JavaWrapper`: the base class of every wrapper. It holds exactly one engine object
  (``.java``) and calls it through :func:`dl4j_bridge.jvm.call`, the one error path, so any Java
  exception arrives as a typed :mod:`dl4j_bridge.errors` exception.
* :class:`JavaEnum`: Python enums naming one Java enum's constants (``Activation.RELU``).
* :func:`to_java`: the one converter from Python values (wrappers, enum members, paths, lists) to
  what the engine's methods take.

Nothing here imports jnius; :mod:`dl4j_bridge.jvm` does the calling.
"""

from __future__ import annotations

import enum
import os
from pathlib import Path

from . import jvm
from .errors import ArgumentError


class JavaWrapper:
    """A Python object holding exactly one engine object."""

    __slots__ = ("_java", "__weakref__")

    def __init__(self, java):
        if java is None:
            raise ArgumentError(f"{type(self).__name__} needs an engine object, got None")
        self._java = java

    @property
    def java(self):
        """The engine object (to pass to other engine calls)."""
        return self._java

    @classmethod
    def from_java(cls, handle):
        """Wraps an engine object the engine returned (skips the class's own constructor)."""
        obj = cls.__new__(cls)
        JavaWrapper.__init__(obj, handle)
        return obj

    def _call(self, method: str, *args):
        """``self.java.method(args...)`` with every argument converted by :func:`to_java`."""
        return jvm.invoke(self._java, method, *[to_java(a) for a in args])

    def __repr__(self):
        return f"{type(self).__name__}({jvm.invoke(self._java, 'toString')})"


class JavaEnum(str, enum.Enum):
    """A Python enum whose members are the constants of one Java enum (named by ``_java_class()``)."""

    @staticmethod
    def _java_class() -> str:  # pragma: no cover - every subclass overrides it
        raise NotImplementedError

    @property
    def java(self):
        return jvm.constant(self._java_class(), self.value)

    @classmethod
    def parse(cls, value, what: str):
        """A member from itself or its name (any case), else :class:`ArgumentError` listing the names."""
        if isinstance(value, cls):
            return value
        if isinstance(value, str):
            for member in cls:
                if member.value.upper() == value.strip().upper():
                    return member
        raise ArgumentError(f"{what} must be one of {[m.value for m in cls]}, got {value!r}")


def to_java(value, what: str = "value"):
    """What an engine method takes for ``value``: a wrapper's engine object, a Java enum constant,
    a ``java.nio.file.Path`` for a :class:`pathlib.Path`, a list of those for a list or tuple, and
    ``None``, numbers, strings, bytes and engine objects unchanged."""
    if isinstance(value, (JavaWrapper, JavaEnum)):   # before str: a JavaEnum is a str too
        return value.java
    if value is None or isinstance(value, (bool, int, float, str, bytes)):
        return value
    if isinstance(value, Path):
        return java_path(value)
    if isinstance(value, (list, tuple)):
        return [to_java(v, what) for v in value]
    if type(value).__module__.startswith("numpy"):
        raise ArgumentError(f"{what}: a numpy value cannot be passed here as it is; arrays go through "
                            f"dl4j_bridge.arrays.to_java, scalars through int() or float()")
    if hasattr(value, "__javaclass__") or hasattr(value, "__javainterfaces__"):
        # an engine object already, or a Python object implementing a Java interface (jvm.training_listener)
        return value
    raise ArgumentError(f"{what} must be a dl4j_bridge object (layer, updater, network, iterator...), got "
                        f"{type(value).__name__} {value!r:.60}")


def java_path(path) -> object:
    """A ``java.nio.file.Path`` for a file-system path (``~`` expanded, made absolute)."""
    if not isinstance(path, (str, os.PathLike)):
        raise ArgumentError(f"expected a file path, got {type(path).__name__}")
    text = str(Path(os.fspath(path)).expanduser().absolute())
    return jvm.invoke(jvm.new("java.io.File", text), "toPath")


def java_list(values) -> object:
    """A ``java.util.List`` of the converted values."""
    out = jvm.new("java.util.ArrayList")
    for v in values:   # Arrays.asList would take a Python list as one Object[] element
        jvm.invoke(out, "add", to_java(v))
    return out


def strings(java_collection) -> list[str]:
    """A Java collection or array of strings as a Python list (None stays None)."""
    if java_collection is None:
        return None
    items = java_collection if isinstance(java_collection, (list, tuple)) else jvm.invoke(java_collection, "toArray")
    return [str(x) for x in items]


__all__ = ["JavaWrapper", "JavaEnum", "to_java", "java_path", "java_list", "strings"]
