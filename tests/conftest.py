"""pytest setup shared by every test module.

One JVM per pytest session: a process can host only one JVM, so tests that need other JVM
options run in a subprocess (see test_jvm.py). Python's faulthandler is disabled in pyproject.toml
(`-p no:faulthandler`) because the JVM uses SIGSEGV internally (implicit null checks, safepoint
polls); faulthandler would print spurious "Fatal Python error" dumps or abort the run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _find_shared() -> Path | None:
    for candidate in (os.environ.get("DL4J_BRIDGE_SHARED"), REPO.parent / "shared", Path("/work/shared")):
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return None


SHARED = _find_shared()


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The folder with dl4j-fixtures/ and data/ (DL4J_BRIDGE_SHARED, ../shared beside the checkout)."""
    if SHARED is None:
        pytest.fail("the shared folder (dl4j-fixtures, data) was not found: set DL4J_BRIDGE_SHARED=/path/to/shared")
    return SHARED


@pytest.fixture(scope="session")
def fixtures_dir(shared_dir) -> Path:
    return shared_dir / "dl4j-fixtures"


def sigint_as_in_a_terminal() -> None:
    """Resets a child's SIGINT disposition to the default, as in a terminal. A shell without job control
    starts background commands (``cmd &``, as some CI runners do) with SIGINT ignored, the ignore is
    inherited, and a Python started that way never installs its KeyboardInterrupt handler; the Ctrl-C
    tests would then test nothing. ``preexec_fn`` of the command-line child a test interrupts."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


# The same for run_python's snippets, set inside the child: a preexec_fn there made pyspark's gateway
# JVM unreachable after the Ctrl-C of the Spark test (cause not found), so the snippet installs Python's
# default handler itself, exactly what an interpreter started from a terminal has.
_TERMINAL_SIGINT = "import signal as _s; _s.signal(_s.SIGINT, _s.default_int_handler); del _s"


def run_python(code: str, env: dict | None = None, timeout: int = 120, args=()) -> subprocess.CompletedProcess:
    """Runs a snippet in a fresh interpreter (a fresh JVM) with ``args`` as sys.argv[1:]."""
    full_env = dict(os.environ)
    full_env["PYTHONPATH"] = str(REPO) + os.pathsep + full_env.get("PYTHONPATH", "")
    full_env.update(env or {})
    code = textwrap.dedent(code)
    # On the snippet's first line when that is empty (the usual triple-quoted snippet), so the line
    # numbers a test may assert stay the snippet's own.
    code = _TERMINAL_SIGINT + ("" if code.startswith("\n") else "\n") + code
    return subprocess.run([sys.executable, "-c", code, *map(str, args)],
                          capture_output=True, text=True, env=full_env, timeout=timeout, cwd=REPO)


# ---- Spark ------------------------------------------------------------------------------------

SPARK_MAX_EXAMPLES = 64  # photos of each part (train, test): divisible by 2 * SPARK_BATCH, see test_spark.py
SPARK_BATCH = 8


def spark_unavailable() -> str | None:
    """Why the Spark tests cannot run here, or None."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed (pip install -e '.[test]' installs it)"
    from dl4j_bridge import spark
    try:
        spark.find_java()
    except spark.SparkSetupError as e:
        return str(e)
    return None


@pytest.fixture(scope="session")
def spark_reference(tmp_path_factory, shared_dir):
    """The single-machine results the Spark tests compare with (tests/spark_reference.py, own process)."""
    out = tmp_path_factory.mktemp("spark-reference")
    env = dict(os.environ, DL4J_BRIDGE_FLOWERS_URL=(shared_dir / "data").as_uri(),
               PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    r = subprocess.run([sys.executable, str(REPO / "tests" / "spark_reference.py"), str(out), str(SPARK_MAX_EXAMPLES),
                        str(SPARK_BATCH)], capture_output=True, text=True, env=env, timeout=900, cwd=REPO)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return out


# The Spark test modules (local mode, standalone cluster) each define their own `spark` session
# fixture; these three read the same reference and build the model on whichever session is in scope.
@pytest.fixture(scope="module")
def split(spark_reference):
    import json
    return json.loads((spark_reference / "split.json").read_text())


@pytest.fixture(scope="module")
def reference(spark_reference):
    import numpy as np
    return dict(np.load(spark_reference / "reference.npz"))


@pytest.fixture(scope="module")
def model(spark, spark_reference):
    from dl4j_bridge import spark as dspark
    return dspark.SparkImageModel(spark, spark_reference / "model.zip", batch_size=SPARK_BATCH)
