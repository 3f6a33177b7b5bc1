"""Builds the engine jar with Maven (offline) while the package is installed.

`pip install .` and `pip install -e .` both run build_py, which runs `mvn -o -q package` on the
repository's pom.xml and copies java/target/dl4j-bridge-engine.jar into dl4j_bridge/_jars/, so a
user never runs Maven by hand. Set DL4J_BRIDGE_SKIP_MAVEN=1 to skip (a prebuilt jar must then be
placed there).
"""

import os
import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
JAR = "dl4j-bridge-engine.jar"


class BuildEngineThenPy(build_py):
    def run(self):
        if not os.environ.get("DL4J_BRIDGE_SKIP_MAVEN"):
            build_engine()
        super().run()


def build_engine():
    mvn = shutil.which("mvn")
    if mvn is None:
        raise SystemExit("dl4j-bridge: Maven (mvn) is needed to build the engine jar; install it "
                         "(Debian: apt-get install maven) or set DL4J_BRIDGE_SKIP_MAVEN=1 with a prebuilt jar "
                         f"in dl4j_bridge/_jars/{JAR}")
    args = [mvn, "-o", "-q", "-B", "package", "-DskipTests", "-f", str(ROOT / "pom.xml")]
    print("dl4j-bridge: building the engine:", " ".join(args), flush=True)
    subprocess.run(args, check=True, cwd=ROOT)
    target = ROOT / "dl4j_bridge" / "_jars"
    target.mkdir(exist_ok=True)
    tmp = target / (JAR + ".tmp")
    shutil.copyfile(ROOT / "java" / "target" / JAR, tmp)
    os.replace(tmp, target / JAR)  # atomic: a half-copied jar never sits under the real name


setup(cmdclass={"build_py": BuildEngineThenPy})
