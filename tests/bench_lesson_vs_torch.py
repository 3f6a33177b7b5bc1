"""The whole lesson, end to end: `dl4j-bridge lesson` against a plain PyTorch + Pillow script.

A benchmark script, not a test. Run from the repository root (torch installed in the same
environment: ``.venv/bin/pip install torch==2.13.0``):

    .venv/bin/python tests/bench_lesson_vs_torch.py [--max-examples N] [--rounds R]

Each side runs in its own process, one after the other (R rounds alternate the order: engine
first in odd rounds, PyTorch first in even ones), on the same photos with warm page cache:

* engine: ``dl4j-bridge lesson --model efficientnet-lite0 --quiet`` with a cold feature cache
  (a fresh cache folder that links the already-extracted photos and the download; weights
  already converted), ``threads`` set to --threads;
* PyTorch: ``tests/lesson_torch.py`` (Pillow, a DataLoader with --workers worker processes, the
  same EfficientNet-Lite0 weights, channels-last, featurize once, the same Linear head trained 5
  epochs with Nesterov SGD 0.01/0.9, batch 16), --threads intra-op threads.

Both use the engine's split (DL4J's balanced 80/20, seed 12345: 2532 + 633 photos), written to a
JSON file before the timed runs. Reported per side: wall time from process start to exit, test
accuracy, peak resident memory of the main process (its VmHWM, from wait4) and the peak
proportional set size of its whole process tree (main + DataLoader workers, sampled every 0.2 s:
PSS counts pages shared between forked workers once). Then the ratios against issue 13's targets:
engine at least 1.2x faster end to end, accuracy within 1 point, memory at most 1.2x.
Only same-run ratios mean anything on a shared machine; the load average is printed.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def real_cache_dir() -> Path:
    from dl4j_bridge import config
    return Path(config.get("cache_dir")).expanduser()


def write_split(path: Path, max_examples: int, env: dict) -> dict:
    """The engine's split (file lists in iteration order), from a short engine run of its own."""
    code = f"""
import json
from dl4j_bridge.datasets import FlowerDataSetIterator
from dl4j_bridge.datasets import EfficientNetLitePreProcessor
train, test = FlowerDataSetIterator.setup(batch_size=16, train_percent=80, seed=12345,
    preprocessor=EfficientNetLitePreProcessor(), max_examples={max_examples}, progress=False)
json.dump({{"labels": train.labels, "train": train.files, "test": test.files}}, open({str(path)!r}, "w"))
"""
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=ROOT)
    return json.loads(path.read_text())


def warm_page_cache(split: dict) -> None:
    for f in split["train"] + split["test"]:
        Path(f).read_bytes()


def cold_cache_dir(real: Path, tmp: Path) -> Path:
    """A cache folder with no feature cache that reuses the extracted photos and the archive."""
    cache = tmp / "cache"
    cache.mkdir()
    for name in ("datasets", "downloads"):
        if (real / name).exists():
            (cache / name).symlink_to(real / name)
    return cache


def _children(pid: int) -> list[int]:
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.append(int(d))
            except (OSError, ValueError, IndexError):
                pass
    return out


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_side(name: str, cmd: list[str], env: dict) -> dict:
    """Runs one side; wall time, exit status, VmHWM of the main process, peak tree PSS."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = {"pss_kb": 0}
    done = threading.Event()

    def sample():
        while not done.is_set():
            tree, todo = [], [proc.pid]
            while todo:
                p = todo.pop()
                tree.append(p)
                todo.extend(_children(p))
            peak["pss_kb"] = max(peak["pss_kb"], sum(_pss_kb(p) for p in tree))
            done.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    done.set()
    sampler.join()
    # communicate() reaped the process; its rusage is in RUSAGE_CHILDREN, which mixes every child
    # so far. The main process's own high-water mark is read from its exit report instead.
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{name} failed with exit status {proc.returncode}:\n{err[-4000:]}")
    return {"seconds": seconds, "stdout": out, "stderr": err, "tree_pss_mb": peak["pss_kb"] / 1024}


def with_hwm(cmd: list[str]) -> list[str]:
    """Wraps a command so that it prints its own VmHWM at exit (on stderr, last line)."""
    code = ("import os, runpy, sys; sys.argv = sys.argv[1:]; "
            "import atexit; atexit.register(lambda: sys.stderr.write('VMHWM_KB ' + "
            "[l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0] + '\\n')); "
            "runpy.run_path(sys.argv[0], run_name='__main__')")
    return [sys.executable, "-c", code] + cmd


def hwm_mb(stderr: str) -> float:
    lines = [line for line in stderr.splitlines() if line.startswith("VMHWM_KB ")]
    if not lines:
        raise SystemExit("the side did not report its peak memory:\n" + stderr[-2000:])
    return int(lines[-1].split()[1]) / 1024


def engine_side(args, env, real_cache) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-lesson-engine-") as tmp:
        tmp = Path(tmp)
        side_env = dict(env, DL4J_BRIDGE_CACHE_DIR=str(cold_cache_dir(real_cache, tmp)),
                        DL4J_BRIDGE_THREADS=str(args.threads))
        cli = shutil.which("dl4j-bridge", path=str(Path(sys.executable).parent)) or "dl4j-bridge"
        cmd = [cli, "lesson", "--model", "efficientnet-lite0", "--quiet", "--run-dir", str(tmp / "run"),
               "--epochs", str(args.epochs)]
        if args.max_examples:
            cmd += ["--max-examples", str(args.max_examples)]
        r = run_side("engine", with_hwm(cmd), side_env)
        metrics = json.loads((tmp / "run" / "metrics.json").read_text())
        history = json.loads((tmp / "run" / "history.json").read_text())
    r.update(accuracy=metrics["accuracy"], epoch_accuracy=[history["before_accuracy"]] + history["epoch_test_accuracy"],
             hwm_mb=hwm_mb(r["stderr"]))
    return r


def torch_side(args, env, split_file) -> dict:
    cmd = [str(ROOT / "tests" / "lesson_torch.py"), "--split", str(split_file), "--workers", str(args.workers),
           "--threads", str(args.threads), "--epochs", str(args.epochs)]
    r = run_side("pytorch", with_hwm(cmd), env)
    report = json.loads([line for line in r["stdout"].splitlines() if line.startswith("{")][-1])
    r.update(report=report, accuracy=report["accuracy"], epoch_accuracy=report["epoch_accuracy"],
             hwm_mb=hwm_mb(r["stderr"]))
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--max-examples", type=int, default=0, help="photos per part (0: all 2532 + 633)")
    ap.add_argument("--rounds", type=int, default=1, help="runs of each side, alternating which goes first")
    ap.add_argument("--threads", type=int, default=2, help="compute threads of each side")
    ap.add_argument("--workers", type=int, default=2, help="DataLoader worker processes of the PyTorch side")
    ap.add_argument("--epochs", type=int, default=5)
    args = ap.parse_args()
    env = dict(os.environ, OPENBLAS_THREAD_TIMEOUT=os.environ.get("OPENBLAS_THREAD_TIMEOUT", "4"))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    import importlib.util
    if importlib.util.find_spec("torch") is None:
        raise SystemExit(f"PyTorch is not installed in {sys.executable}'s environment: pip install torch==2.13.0")
    real_cache = real_cache_dir()
    with tempfile.TemporaryDirectory(prefix="bench-lesson-") as tmp:
        split_file = Path(tmp) / "split.json"
        split = write_split(split_file, args.max_examples, env)
        warm_page_cache(split)
        print(f"photos: {len(split['train'])} train + {len(split['test'])} test; {args.threads} threads a side, "
              f"{args.workers} DataLoader workers; load average before {os.getloadavg()[0]:.2f}", flush=True)
        runs = {"engine": [], "pytorch": []}
        for r in range(args.rounds):
            order = ["engine", "pytorch"] if r % 2 == 0 else ["pytorch", "engine"]
            for side in order:
                res = engine_side(args, env, real_cache) if side == "engine" else torch_side(args, env, split_file)
                runs[side].append(res)
                print(f"round {r + 1} {side:8s} {res['seconds']:7.1f} s  accuracy {res['accuracy']:.4f}  "
                      f"peak RSS {res['hwm_mb']:6.0f} MB  peak tree PSS {res['tree_pss_mb']:6.0f} MB  "
                      f"load {os.getloadavg()[0]:.2f}", flush=True)
    for side in runs:
        if side == "pytorch":
            rep = runs[side][-1]["report"]
            print(f"pytorch {rep['torch']}: featurize {rep['featurize_images_per_s']:.1f} img/s, "
                  f"accuracy before training and after each epoch {[round(a, 4) for a in rep['epoch_accuracy']]}")
        else:
            print(f"engine accuracy before training and after each epoch "
                  f"{[round(a, 4) for a in runs[side][-1]['epoch_accuracy']]}")
    best = {s: min(runs[s], key=lambda x: x["seconds"]) for s in runs}
    e, t = best["engine"], best["pytorch"]
    speed = t["seconds"] / e["seconds"]
    points = 100 * abs(e["accuracy"] - t["accuracy"])
    mem_rss = e["hwm_mb"] / t["hwm_mb"]
    mem_tree = e["tree_pss_mb"] / t["tree_pss_mb"]
    print(f"engine vs PyTorch (best of {args.rounds}): {speed:.2f}x faster end to end (target >= 1.2) "
          f"{'PASS' if speed >= 1.2 else 'MISS'}")
    print(f"accuracy {e['accuracy']:.4f} vs {t['accuracy']:.4f}: {points:.2f} points apart (target <= 1) "
          f"{'PASS' if points <= 1 else 'MISS'}")
    print(f"memory: main-process peak RSS {e['hwm_mb']:.0f} vs {t['hwm_mb']:.0f} MB = {mem_rss:.2f}x; "
          f"process-tree peak PSS {e['tree_pss_mb']:.0f} vs {t['tree_pss_mb']:.0f} MB = {mem_tree:.2f}x "
          f"(target <= 1.2) {'PASS' if max(mem_rss, mem_tree) <= 1.2 else 'MISS'}")
    print(f"load average after {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
