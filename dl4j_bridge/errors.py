"""Typed exceptions. Every Java exception that reaches Python arrives as one of these.

The hierarchy is small on purpose::

    Dl4jBridgeError
    ├── ConfigError            bad or late settings (Python side, before/around JVM start)
    ├── ArgumentError          a bad argument refused in Python, before anything reaches the engine
    ├── JVMStartError          no JVM, wrong JVM, engine jar missing, JVM started elsewhere
    ├── ForkedProcessError     a forked child touched the bridge (the JVM does not survive fork)
    ├── DownloadError          fetch failed: URL, cache path, expected/actual checksum, fix
    ├── ModelFormatError       a DL4J file could not be read (by the no-JVM reader, or the engine below)
    └── JavaError              an exception thrown inside the engine
        ├── InvalidArgumentError   java.lang.IllegalArgumentException and friends (bad input)
        ├── InvalidStateError      java.lang.IllegalStateException, UnsupportedOperationException
        ├── EngineModelFormatError org.dl4jbridge.util.ModelFormatException (also a ModelFormatError)
        ├── EngineIOError          java.io.IOException and subclasses
        ├── EngineOutOfMemoryError java.lang.OutOfMemoryError (raise `config.set(heap=...)`)
        ├── CudaUnavailableError   the CUDA backend was selected and cannot run (the message names the fix)
        │   ├── CudaLibrariesMissingError  NVIDIA's libraries absent: pip install 'dl4j-bridge[cuda]'
        │   ├── CudaDriverMissingError     no NVIDIA driver (libcuda.so.1), or one too old
        │   └── NoGpuError                 a driver but no usable GPU
        ├── DeviceOutOfMemoryError GPU memory exhausted (a smaller batch)
        └── CudaError              a CUDA/cuBLAS/cuDNN/NVRTC call failed

A ``JavaError`` carries ``java_class``, ``java_message``, ``causes`` (a list of
``(class, message)`` from the outermost cause inwards) and ``java_stack`` (the Java stack trace as
text, including the causes).
"""

from __future__ import annotations


class Dl4jBridgeError(Exception):
    """Base class of every error this package raises."""


class ConfigError(Dl4jBridgeError, ValueError):
    """A setting was invalid, unknown, or changed after the JVM started."""


class ArgumentError(Dl4jBridgeError, ValueError):
    """A bad argument to a dl4j_bridge function, refused in Python before reaching the engine
    (the engine's own refusals arrive as :class:`InvalidArgumentError`; both are ``ValueError``)."""


class JVMStartError(Dl4jBridgeError, RuntimeError):
    """The JVM could not be started with the engine, or was started without it."""


class ForkedProcessError(Dl4jBridgeError, RuntimeError):
    """The bridge was used in a process forked after the JVM started."""


class DownloadError(Dl4jBridgeError, IOError):
    """A download or checksum verification failed."""


class JavaError(Dl4jBridgeError):
    """An exception thrown inside the engine, translated."""

    def __init__(self, java_class: str, java_message: str | None, causes=(), java_stack: str = ""):
        self.java_class = java_class
        self.java_message = java_message or ""
        self.causes = list(causes)
        self.java_stack = java_stack
        text = f"{java_class}: {self.java_message}" if self.java_message else java_class
        for cls, msg in self.causes:
            text += f"\n  caused by {cls}: {msg}"
        super().__init__(text)


class InvalidArgumentError(JavaError, ValueError):
    """Bad input rejected by the engine (wrong shape, unknown layer name, ...)."""


class InvalidStateError(JavaError, RuntimeError):
    """An operation that is not valid in the object's current state."""


class ModelFormatError(Dl4jBridgeError, ValueError):
    """A DL4J model or array file could not be read: names the entry and what is wrong. The no-JVM
    reader (:func:`dl4j_bridge.serializer.read_model_info`) raises it directly; the engine's refusals
    arrive as its subclass :class:`EngineModelFormatError`, which also carries the Java details."""


class EngineModelFormatError(JavaError, ModelFormatError):
    """org.dl4jbridge.util.ModelFormatException: the engine could not read a DL4J file."""


class EngineIOError(JavaError, IOError):
    """An I/O error inside the engine."""


class EngineOutOfMemoryError(JavaError, MemoryError):
    """The JVM ran out of heap or direct memory; raise ``config.set(heap=...)``."""


class CudaUnavailableError(JavaError, RuntimeError):
    """The CUDA backend was selected but cannot run here; the subclass says why, the message how to fix it."""


class CudaLibrariesMissingError(CudaUnavailableError):
    """NVIDIA's CUDA libraries were not found: ``pip install 'dl4j-bridge[cuda]'``."""


class CudaDriverMissingError(CudaUnavailableError):
    """No NVIDIA driver (libcuda.so.1), or one older than the CUDA runtime."""


class NoGpuError(CudaUnavailableError):
    """The driver is there but reports no usable GPU."""


class DeviceOutOfMemoryError(JavaError, MemoryError):
    """The GPU ran out of memory; use a smaller batch or close models no longer needed."""


class CudaError(JavaError, RuntimeError):
    """A CUDA, cuBLAS, cuDNN or NVRTC call failed inside the engine."""


_CUDA = "org.dl4jbridge.ndarray.cuda."

# Java class name (or a prefix ending in '.') -> Python class; first match wins.
_JAVA_TO_PYTHON = [
    (_CUDA + "CudaUnavailableException$LibrariesMissing", CudaLibrariesMissingError),
    (_CUDA + "CudaUnavailableException$DriverMissing", CudaDriverMissingError),
    (_CUDA + "CudaUnavailableException$NoGpu", NoGpuError),
    (_CUDA + "CudaUnavailableException", CudaUnavailableError),
    (_CUDA + "DeviceOutOfMemoryException", DeviceOutOfMemoryError),
    (_CUDA + "CudaException", CudaError),
    ("org.dl4jbridge.util.ModelFormatException", EngineModelFormatError),
    ("java.lang.OutOfMemoryError", EngineOutOfMemoryError),
    ("java.lang.IllegalArgumentException", InvalidArgumentError),
    ("java.lang.NumberFormatException", InvalidArgumentError),
    ("java.lang.IndexOutOfBoundsException", InvalidArgumentError),
    ("java.lang.ArrayIndexOutOfBoundsException", InvalidArgumentError),
    ("java.lang.IllegalStateException", InvalidStateError),
    ("java.lang.UnsupportedOperationException", InvalidStateError),
    ("java.io.", EngineIOError),
    ("java.nio.file.", EngineIOError),
    ("java.util.zip.", EngineIOError),
]


def python_class_for(java_class: str, superclasses=()) -> type[JavaError]:
    """The Python exception class for a Java exception class (or one of its superclasses)."""
    for name in (java_class, *superclasses):
        for key, cls in _JAVA_TO_PYTHON:
            if name == key or (key.endswith(".") and name.startswith(key)):
                return cls
    return JavaError
