"""A source install that cannot build the engine stops with the fix, not with Maven's stack trace.

setup.py's build step runs in a subprocess exactly as pip runs it (`setup.py build_py`), with PATH
or Maven's local repository arranged to make the build impossible.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from conftest import REPO


def _build_py(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "setup.py", "-q", "build_py"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)


def test_without_maven_the_install_names_the_wheel_and_maven(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DL4J_BRIDGE_")}
    env["PATH"] = os.path.dirname(sys.executable)  # python only: no mvn
    result = _build_py(env)
    assert result.returncode != 0
    message = result.stdout + result.stderr
    assert "needs Maven (mvn)" in message and "pip install dl4j-bridge" in message, message
    assert "apt-get install maven" in message, message


@pytest.mark.skipif(shutil.which("mvn") is None, reason="needs Maven on PATH to show Maven's own failure")
def test_a_build_that_cannot_download_names_the_cause(tmp_path):
    # Offline mode over an empty local repository: the same failure Maven has without network.
    env = {k: v for k, v in os.environ.items() if not k.startswith("DL4J_BRIDGE_")}
    env["DL4J_BRIDGE_MAVEN_OFFLINE"] = "1"
    env["MAVEN_OPTS"] = f"-Dmaven.repo.local={tmp_path / 'empty-m2'}"
    result = _build_py(env)
    assert result.returncode != 0
    message = result.stdout + result.stderr
    assert "the engine build failed" in message, message
    assert "DL4J_BRIDGE_MAVEN_OFFLINE=1" in message and "unset it" in message, message
    assert "prebuilt wheel" in message, message
