"""The CUDA backend's Python side: where NVIDIA's libraries are, and what the engine says about the GPU.

``pip install 'dl4j-bridge[cuda]'`` installs NVIDIA's wheels (CUDA runtime, NVRTC, cuBLAS, cuDNN); their
shared libraries live in ``site-packages/nvidia/<name>/lib``. :func:`library_dirs` finds those folders and
:func:`jvm_options` hands them to the engine, which loads the libraries through JNA
(``org.dl4jbridge.ndarray.cuda.CudaLibraries``). Only the NVIDIA driver has to come from the system.

Select the backend with ``config.set(backend="cuda")``, ``DL4J_BRIDGE_BACKEND=cuda`` or ``--device cuda``;
the CPU stays the default. When the GPU cannot be used, the first use of the engine raises a
:class:`~dl4j_bridge.errors.CudaUnavailableError` subclass that names the cause and the fix.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from . import config

# One soname per library is enough to recognise a folder; the engine picks the exact files.
_MARKERS = ("libcudart.so", "libnvrtc.so", "libcublas.so", "libcudnn.so")


def library_dirs() -> list[str]:
    """config cuda_lib_path (a path list), else every site-packages/nvidia/*/lib holding one of the libraries."""
    explicit = config.get("cuda_lib_path")
    if explicit:
        return [p for p in str(explicit).split(os.pathsep) if p]
    found: list[str] = []
    for entry in sys.path:
        root = Path(entry or ".") / "nvidia"
        if not root.is_dir():
            continue
        for lib in sorted(root.glob("*/lib")):
            try:
                names = os.listdir(lib)
            except OSError:
                continue
            if any(n.startswith(m) for n in names for m in _MARKERS) and str(lib) not in found:
                found.append(str(lib))
    return found


def jvm_options() -> list[str]:
    """The engine's backend choice and library folders, as JVM system properties."""
    opts = [f"-Ddl4jbridge.backend={config.get('backend')}"]
    dirs = library_dirs()
    if dirs:
        opts.append("-Ddl4jbridge.cuda.libs=" + os.pathsep.join(dirs))
    return opts


def info() -> dict:
    """What the engine finds: library versions, driver, and the GPU with its free memory, or why none is usable.

    Starts the JVM. Never raises for a missing GPU: the reason is in ``info()["problem"]``.
    """
    from . import jvm
    return json.loads(str(jvm.static("org.dl4jbridge.ndarray.cuda.CudaInfo", "json")))


def doctor_rows() -> tuple[list[tuple[str, str]], list[str]]:
    """(rows, problems) for `dl4j-bridge doctor`; a problem only when the CUDA backend is selected."""
    data = info()
    rows = [("cuda lib dirs", os.pathsep.join(library_dirs()) or "none found (pip install 'dl4j-bridge[cuda]')")]
    for name, value in data["versions"].items():
        rows.append((f"cuda {name}", value))
    if data["usable"]:
        rows.append(("gpu", f"{data['device']} (compute {data['computeCapability']}), "
                            f"{data['freeBytes'] / 2**30:.1f} GiB free of {data['totalBytes'] / 2**30:.1f} GiB"
                            + (", TF32 on" if data.get("tf32") else "")))
    else:
        rows.append(("gpu", "not usable: " + data["problem"]))
    problems = []
    if config.get("backend") == "cuda" and not data["usable"]:
        problems.append("backend=cuda is selected but the GPU is not usable: " + data["problem"])
    return rows, problems


def require() -> None:
    """With backend=cuda, raises the typed error now if the GPU cannot be used (the CLI checks before any work)."""
    if config.get("backend") != "cuda":
        return
    from . import jvm
    jvm.static("org.dl4jbridge.ndarray.Backends", "get")
