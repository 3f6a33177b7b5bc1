"""The CUDA backend as far as a machine without a GPU can check it: library discovery, version checks,
NVRTC compiling every kernel, the typed error for each cause, and selection. The GPU checks proper run
from tests/gpu/run.sh; the `gpu`-marked test here skips, saying why, where no GPU is usable."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import run_python
from dl4j_bridge import config, cuda, jvm
from dl4j_bridge.errors import (ConfigError, CudaDriverMissingError, CudaError, CudaLibrariesMissingError,
                                CudaUnavailableError, DeviceOutOfMemoryError, NoGpuError, python_class_for)

ENTRY_POINTS = ["bias_add_nchw", "bias_add_rows", "column_sums", "leaky_relu_forward", "leaky_relu_backward",
                "prob_minus_label", "mcxent_rows", "mse_rows", "sgd_update", "nesterovs_update", "adam_update",
                "rmsprop_update", "subtract_inplace", "u8_hwc_to_nchw", "depthwise_to_kcrs", "kcrs_to_depthwise",
                "bn_running_update"]


def _dir_with(soname: str) -> str | None:
    return next((d for d in cuda.library_dirs() if os.path.isfile(os.path.join(d, soname))), None)


def _loadable(soname: str) -> bool:
    """Whether the system loader finds soname, asked in a fresh process: in this one the engine may already
    have loaded it from the wheel's folder, and a loaded library is then found by soname too."""
    r = subprocess.run([sys.executable, "-c", f"import ctypes; ctypes.CDLL({soname!r})"], capture_output=True)
    return r.returncode == 0


ALL_LIBS = ("libcudart.so.13", "libnvrtc.so.13", "libcublas.so.13", "libcudnn.so.9")
HAVE_ALL_LIBS = all(_dir_with(s) for s in ALL_LIBS)
HAVE_DRIVER = _loadable("libcuda.so.1")


def test_backend_setting_is_cpu_by_default_and_refuses_unknown_values(monkeypatch):
    monkeypatch.delenv("DL4J_BRIDGE_BACKEND", raising=False)
    assert config.get("backend") == "cpu"
    with pytest.raises(ConfigError, match="'cpu' or 'cuda'"):
        config.set(backend="gpu")
    monkeypatch.setenv("DL4J_BRIDGE_BACKEND", "CUDA")
    assert config.get("backend") == "cuda"


def test_library_dirs_are_the_wheels_lib_folders(tmp_path, monkeypatch):
    site = tmp_path / "site"
    for sub, name in (("cu13", "libcudart.so.13"), ("cudnn", "libcudnn.so.9"), ("other", "libfoo.so")):
        (site / "nvidia" / sub / "lib").mkdir(parents=True)
        (site / "nvidia" / sub / "lib" / name).write_bytes(b"")
    monkeypatch.setattr("sys.path", [str(site)])
    monkeypatch.delenv("DL4J_BRIDGE_CUDA_LIB_PATH", raising=False)
    assert cuda.library_dirs() == [str(site / "nvidia" / "cu13" / "lib"), str(site / "nvidia" / "cudnn" / "lib")]
    monkeypatch.setenv("DL4J_BRIDGE_CUDA_LIB_PATH", f"/a{os.pathsep}/b")
    assert cuda.library_dirs() == ["/a", "/b"]
    monkeypatch.setenv("DL4J_BRIDGE_BACKEND", "cuda")
    assert cuda.jvm_options() == ["-Ddl4jbridge.backend=cuda", f"-Ddl4jbridge.cuda.libs=/a{os.pathsep}/b"]


def test_each_java_cause_maps_to_its_python_class():
    base = "org.dl4jbridge.ndarray.cuda."
    assert python_class_for(base + "CudaUnavailableException$LibrariesMissing") is CudaLibrariesMissingError
    assert python_class_for(base + "CudaUnavailableException$DriverMissing") is CudaDriverMissingError
    assert python_class_for(base + "CudaUnavailableException$NoGpu") is NoGpuError
    assert python_class_for(base + "DeviceOutOfMemoryException") is DeviceOutOfMemoryError
    assert python_class_for(base + "CudaException") is CudaError
    assert issubclass(NoGpuError, CudaUnavailableError) and issubclass(DeviceOutOfMemoryError, MemoryError)


def test_versions_are_read_without_a_gpu():
    if not HAVE_ALL_LIBS:
        pytest.skip("the [cuda] extra's libraries are not installed (pip install 'dl4j-bridge[cuda]'); "
                    f"found folders: {cuda.library_dirs()}")
    versions = cuda.info()["versions"]
    assert versions["runtime"].startswith("13."), versions
    assert versions["nvrtc"].startswith("13."), versions
    assert versions["cublas"].startswith("13."), versions
    assert versions["cudnn"].startswith("9."), versions


def test_nvrtc_compiles_every_kernel_to_ptx_for_compute_90():
    if not _dir_with("libnvrtc.so.13"):
        pytest.skip("NVRTC is not installed (pip install nvidia-cuda-nvrtc, part of the [cuda] extra)")
    ptx = str(jvm.call(jvm.cls("org.dl4jbridge.ndarray.cuda.CudaKernels").ptx, "compute_90"))
    assert ".target sm_90" in ptx
    missing = [e for e in ENTRY_POINTS if f".entry {e}(" not in ptx]
    assert not missing, f"PTX lacks entry points {missing}"
    assert ptx.count(".entry ") == len(ENTRY_POINTS)


# Each error case in a fresh process (a fresh JVM with its own settings); the process must go on after it.
_USE_ENGINE = """
    from dl4j_bridge import config, arrays, jvm
    import numpy as np
    config.set(backend="cuda", heap="512m"{extra})
    try:
        a = arrays.to_java(np.ones((2, 2), np.float32))
        jvm.call(jvm.cls("org.dl4jbridge.ndarray.ops.Linalg").mmul, a, a)
    except Exception as e:
        print("RAISED", type(e).__name__)
        print(e)
    print("STILL RUNNING")
"""


def test_missing_libraries_give_a_typed_error_naming_the_extra(tmp_path):
    if _loadable("libcudart.so.13") or _loadable("libcudart.so.12"):
        pytest.skip("the system loader finds a CUDA runtime, so the libraries cannot be missing here")
    r = run_python(_USE_ENGINE.format(extra=f", cuda_lib_path={str(tmp_path)!r}"))
    assert "STILL RUNNING" in r.stdout, r.stdout + r.stderr
    assert "RAISED CudaLibrariesMissingError" in r.stdout, r.stdout + r.stderr
    assert "pip install 'dl4j-bridge[cuda]'" in r.stdout and str(tmp_path) in r.stdout


def test_no_driver_gives_a_typed_error_naming_libcuda():
    if HAVE_DRIVER:
        pytest.skip("an NVIDIA driver is installed: the no-driver case cannot be produced here")
    if not HAVE_ALL_LIBS:
        pytest.skip("the [cuda] extra is not installed: the libraries-missing error would come first")
    r = run_python(_USE_ENGINE.format(extra=""))
    assert "STILL RUNNING" in r.stdout, r.stdout + r.stderr
    assert "RAISED CudaDriverMissingError" in r.stdout, r.stdout + r.stderr
    assert "libcuda.so.1" in r.stdout and "--device cpu" in r.stdout


def test_cli_device_cuda_fails_before_any_work_with_the_cause(tmp_path):
    if HAVE_DRIVER:
        pytest.skip("an NVIDIA driver is installed: the CLI would get past the device check")
    r = run_python("import sys; from dl4j_bridge import cli; sys.exit(cli.main(['predict', '--device', 'cuda', "
                   f"'--model', {str(tmp_path / 'absent.zip')!r}, 'x.jpg']))")
    assert r.returncode == 1, r.stdout + r.stderr
    # The device is checked first: the missing model file is never reached.
    assert "CudaDriverMissingError" in r.stderr or "CudaLibrariesMissingError" in r.stderr, r.stderr
    assert "absent.zip" not in r.stderr


@pytest.mark.gpu
def test_gpu_is_usable_where_one_is_present():
    if not HAVE_DRIVER:
        pytest.skip("no NVIDIA driver (libcuda.so.1) on this machine: the GPU checks run from tests/gpu/run.sh")
    data = cuda.info()
    assert data["usable"], data.get("problem")
    assert data["freeBytes"] > 0


@pytest.mark.gpu
def test_a_hidden_gpu_gives_the_no_gpu_error_and_the_process_goes_on():
    if not HAVE_DRIVER:
        pytest.skip("no NVIDIA driver (libcuda.so.1) on this machine: the no-GPU case needs a driver")
    r = run_python(_USE_ENGINE.format(extra=""), env={"CUDA_VISIBLE_DEVICES": ""})
    assert "STILL RUNNING" in r.stdout, r.stdout + r.stderr
    assert "RAISED NoGpuError" in r.stdout, r.stdout + r.stderr
    assert "--device cpu" in r.stdout


@pytest.mark.gpu
def test_out_of_device_memory_is_typed_names_the_fix_and_the_device_recovers():
    if not HAVE_DRIVER:
        pytest.skip("no NVIDIA driver (libcuda.so.1) on this machine")
    r = run_python("""
        from dl4j_bridge import config, jvm
        from dl4j_bridge.errors import DeviceOutOfMemoryError
        config.set(backend="cuda", heap="512m")
        dev = jvm.cls("org.dl4jbridge.ndarray.cuda.CudaDevice").get()
        buf = jvm.cls("org.dl4jbridge.ndarray.cuda.DeviceBuffer")
        free = dev.memoryInfo()[0]
        try:
            jvm.call(buf, dev, (free + 2**30) // 4)
        except DeviceOutOfMemoryError as e:
            print("RAISED", type(e).__name__, e)
        b = jvm.call(buf, dev, 1 << 20)
        b.close()
        print("STILL RUNNING")
    """)
    assert "RAISED DeviceOutOfMemoryError" in r.stdout and "smaller batch" in r.stdout, r.stdout + r.stderr
    assert "STILL RUNNING" in r.stdout, r.stdout + r.stderr
