#!/usr/bin/env bash
# Checks on the BUILD machine (no GPU) every part of tests/gpu/run.sh that can run without one:
#   1. run.sh refuses clearly (exit 2, names the cause) where there is no GPU;
#   2. the jlinked runtime in .gpu/jre.txz starts the engine jar in .gpu/ and runs its CPU path
#      (Engine info, GpuOpCheck's CPU references in dry-run mode, CudaInfo naming the missing driver);
#   3. the Python side runs through that runtime: the flower lesson on the CPU from the carried subset;
#   4. the carried wheels are intact zip files; bench_gpu.py's engine half of effnet and finetune runs (CPU, tiny).
# What it cannot check: anything on a GPU, and pyjnius's cp312 wheel (this machine's venv is another Python).
# Usage: tests/gpu/selftest.sh   (after tests/gpu/prepare.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PYTHON:-.venv/bin/python}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

echo "1. run.sh without a GPU"
set +e
OUT=$T/out bash tests/gpu/run.sh > "$T/run.txt" 2>&1
rc=$?
set -e
cat "$T/run.txt"
[ "$rc" -eq 2 ] && grep -q "GPU RUN FAILED: no nvidia-smi" "$T/run.txt" && [ -f "$T/out/summary.txt" ] \
  || { echo "selftest FAILED: run.sh should stop with exit 2 naming the missing GPU (rc $rc)"; exit 1; }

echo "2. the jlinked runtime starts the engine"
tar xJf .gpu/jre.txz -C "$T"
JAVA=$T/jre/bin/java
"$JAVA" -version 2>&1 | sed -n 1p
"$JAVA" -Xmx1g -cp .gpu/engine.jar org.dl4jbridge.Engine > "$T/engine.json"
grep -q '"engineVersion"' "$T/engine.json" || { echo "selftest FAILED: Engine info"; exit 1; }
set +e
"$JAVA" -Xmx2g -Ddl4jbridge.gpucheck.dryRun=true -cp .gpu/engine.jar:.gpu/gpu-tests.jar org.dl4jbridge.ndarray.cuda.GpuOpCheck "$T/ops.json" > "$T/dry.txt" 2>&1
rc=$?
set -e
tail -1 "$T/dry.txt"
[ "$rc" -eq 4 ] || { cat "$T/dry.txt"; echo "selftest FAILED: GpuOpCheck dry run (rc $rc, expected 4)"; exit 1; }
LIBS=$("$PY" -m dl4j_bridge.cli doctor --cuda-lib-path)
"$JAVA" -Ddl4jbridge.cuda.libs="$LIBS" -cp .gpu/engine.jar org.dl4jbridge.ndarray.cuda.CudaInfo > "$T/cuda.json"
grep -q '"usable" : false' "$T/cuda.json" && grep -q 'problemClass' "$T/cuda.json" \
  || { cat "$T/cuda.json"; echo "selftest FAILED: CudaInfo"; exit 1; }
grep '"problemClass"' "$T/cuda.json"

echo "3. the lesson on the CPU through the jlinked runtime, from the carried flower subset"
DL4J_BRIDGE_JAVA_HOME=$T/jre DL4J_BRIDGE_ENGINE_JAR=$PWD/.gpu/engine.jar DL4J_BRIDGE_CACHE_DIR=$T/cache \
DL4J_BRIDGE_FLOWERS_URL=file://$PWD/.gpu/flowers DL4J_BRIDGE_HEAP=2g \
  "$PY" -m dl4j_bridge.cli lesson --device cpu --epochs 1 --max-examples 20 --quiet --run-dir "$T/lesson" | tee "$T/lesson.txt"
grep -q "test accuracy" "$T/lesson.txt" || { echo "selftest FAILED: lesson"; exit 1; }

echo "4. carried wheels and the benchmark script"
for w in .gpu/whl/*.whl; do "$PY" -m zipfile -t "$w" > /dev/null && echo "ok $w"; done
"$PY" -m py_compile tests/gpu/bench_gpu.py tests/gpu/make_flower_subset.py
for section in effnet finetune; do
  DL4J_BRIDGE_CLASSPATH=$PWD/.gpu/gpu-tests.jar "$PY" tests/gpu/bench_gpu.py --section $section --backend cpu --no-torch \
      --batch 2 --iters 1 | tail -1
done
unzip -l .gpu/gpu-tests.jar > "$T/tests-jar.txt"   # not piped into grep -q: pipefail would see unzip's SIGPIPE
grep -q "org/dl4jbridge/bench/GpuVgg16Bench.class" "$T/tests-jar.txt" \
  && grep -q "org/dl4jbridge/ndarray/cuda/GpuOpCheck.class" "$T/tests-jar.txt" || { echo "selftest FAILED: gpu-tests.jar"; exit 1; }
echo "selftest passed (no GPU part was run)"
