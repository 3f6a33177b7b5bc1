"""Builds the engine jar with Maven while the package is installed (source installs only).

`pip install .`, `pip install -e .` and `pip wheel .` all run build_py, which runs `mvn -q package`
on the repository's pom.xml and copies java/target/dl4j-bridge-engine.jar (and the Spark layer's
spark/target/dl4j-bridge-spark.jar) into dl4j_bridge/_jars/,
so a user never runs Maven by hand. A wheel built this way holds the jar, and installing that
wheel needs Python alone (no Maven, no system Java).

Maven downloads the pinned plugins and libraries it lacks into ~/.m2 (Maven Central). Set
DL4J_BRIDGE_MAVEN_OFFLINE=1 to build from ~/.m2 only (`mvn -o`), or DL4J_BRIDGE_SKIP_MAVEN=1 to
skip the build (a prebuilt jar must then be in dl4j_bridge/_jars/).
"""

import os
import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
JAR = "dl4j-bridge-engine.jar"
SPARK_JAR = "dl4j-bridge-spark.jar"


class BuildEngineThenPy(build_py):
    def run(self):
        if not os.environ.get("DL4J_BRIDGE_SKIP_MAVEN"):
            build_engine()
        super().run()


def build_engine():
    mvn = shutil.which("mvn")
    if mvn is None:
        raise SystemExit("dl4j-bridge: installing from source needs Maven (mvn) to build the engine jar, and "
                         "none is on PATH. Either install the prebuilt wheel (`pip install dl4j-bridge`, "
                         "Python alone), or install Maven (Debian/Ubuntu: apt-get install maven; others: "
                         "https://maven.apache.org/install.html) and run the install again. "
                         f"(DL4J_BRIDGE_SKIP_MAVEN=1 skips the build when dl4j_bridge/_jars/{JAR} is already there.)")
    offline = os.environ.get("DL4J_BRIDGE_MAVEN_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")
    # The engine and the Spark layer (packaged; the Spark layer compiles against Spark, which is
    # provided by the cluster, into its own small jar) and the plain-Java example that tests run
    # against the engine (not packaged). Never the compat module: it is tests against real DL4J and
    # must not pull DL4J's jars into an install.
    args = [mvn, *(["-o"] if offline else []), "-q", "-B", "package", "-DskipTests", "-pl", "java,spark,examples/java",
            "-f", str(ROOT / "pom.xml")]
    print("dl4j-bridge: building the engine:", " ".join(args), flush=True)
    result = subprocess.run(args, cwd=ROOT)
    if result.returncode != 0:
        hint = ("offline mode (DL4J_BRIDGE_MAVEN_OFFLINE=1) builds only from what ~/.m2 already holds: unset "
                "it so Maven can download the pinned plugins and libraries" if offline else
                "Maven must reach Maven Central (or the mirror in ~/.m2/settings.xml) the first time, to "
                "download the pinned plugins and libraries; check the network or proxy settings")
        raise SystemExit(f"dl4j-bridge: the engine build failed (exit {result.returncode}: {' '.join(args)}). "
                         f"Its output is above. If it could not download: {hint}. Or install the prebuilt wheel "
                         "(`pip install dl4j-bridge`), which needs Python alone.")
    target = ROOT / "dl4j_bridge" / "_jars"
    target.mkdir(exist_ok=True)
    for module, jar in (("java", JAR), ("spark", SPARK_JAR)):
        tmp = target / (jar + ".tmp")
        shutil.copyfile(ROOT / module / "target" / jar, tmp)
        os.replace(tmp, target / jar)  # atomic: a half-copied jar never sits under the real name


setup(cmdclass={"build_py": BuildEngineThenPy})
