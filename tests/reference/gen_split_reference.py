"""Writes java/src/test/resources/reference/balanced_split.npz: DL4J's balanced 80/20 split
(DL4J_SPEC 8.3) computed independently in Python from the spec's description of
java.util.Random, FileSplit, Collections.shuffle and BalancedPathFilter, for

* a synthetic folder (the Java test builds the same tree): indices into the sorted listing;
* the real flower listing (flower_photos.MANIFEST.tsv of the shared mirror), seeds 12345 and 13:
  indices into the sorted listing of the first 64 training and all test files, and class counts.

Run: python tests/reference/gen_split_reference.py
"""
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "java/src/test/resources/reference/balanced_split.npz"
MANIFEST = Path("/work/shared/data/flower_photos.MANIFEST.tsv")
ALLOWED = ["tif", "jpg", "png", "jpeg", "bmp", "JPEG", "JPG", "TIF", "PNG"]
MASK = (1 << 48) - 1

# The synthetic tree: class folder -> file names (unsorted on purpose); the Java test creates it.
SYNTHETIC = {
    "gamma": [f"g{i}.jpg" for i in range(9)] + ["G_extra.PNG", "readme.txt"],
    "alpha": [f"a{i:02d}.png" for i in range(7)],
    "beta": ["b3.jpeg", "b1.jpg", "b0.jpg", "b2.JPG", "b4.bmp", "notes.md"],
}


class JavaRandom:
    """java.util.Random as DL4J_SPEC 8.3 states it (48-bit LCG)."""

    def __init__(self, seed):
        self.state = (seed ^ 0x5DEECE66D) & MASK

    def next(self, bits):
        self.state = (self.state * 0x5DEECE66D + 0xB) & MASK
        r = self.state >> (48 - bits)
        return r - (1 << 32) if r >= (1 << 31) else r

    def next_int(self, n):
        if n & -n == n:
            return (n * self.next(31)) >> 31
        while True:
            bits = self.next(31)
            val = bits % n
            if bits - val + (n - 1) < (1 << 31):
                return val


def dl4j_split(paths, seed, train_percent=80):
    """paths: 'class/name' in listing order (already extension-filtered)."""
    rng = JavaRandom(seed)
    for i in range(len(paths) - 1, 0, -1):
        rng.next_int(i + 1)
    lst = list(paths)
    for i in range(len(lst), 1, -1):
        j = rng.next_int(i)
        lst[i - 1], lst[j] = lst[j], lst[i - 1]
    groups = {}
    for p in lst:
        if any(p.endswith("." + e) for e in ALLOWED):
            groups.setdefault(p.split("/")[-2], []).append(p)
    m = min(len(g) for g in groups.values())
    balanced = [g[i] for i in range(m) for g in groups.values()]
    n_train = int(np.floor(train_percent / 100 * len(balanced) + 0.5))
    return balanced[:n_train], balanced[n_train:]


def listing(tree):
    """Breadth-first, each folder sorted by name (Python str order = Java String order for ASCII)."""
    out = []
    for cls in sorted(tree):
        out += [f"{cls}/{n}" for n in sorted(tree[cls]) if any(n.endswith(e) for e in ALLOWED)]
    return out


def main():
    arrays = {}
    syn = listing(SYNTHETIC)
    for seed in (12345, 13):
        train, test = dl4j_split(syn, seed)
        arrays[f"synthetic_seed{seed}_train"] = np.array([syn.index(p) for p in train], np.int32)
        arrays[f"synthetic_seed{seed}_test"] = np.array([syn.index(p) for p in test], np.int32)
    if MANIFEST.is_file():
        rows = [line.split("\t")[0] for line in MANIFEST.read_text().splitlines()[1:]]
        tree = {}
        for r in rows:
            cls, name = r.split("/")
            tree.setdefault(cls, []).append(name)
        flowers = listing(tree)
        labels = sorted(tree)
        for seed in (12345, 13):
            train, test = dl4j_split(flowers, seed)
            arrays[f"flowers_seed{seed}_train_first"] = np.array([flowers.index(p) for p in train[:64]], np.int32)
            arrays[f"flowers_seed{seed}_test"] = np.array([flowers.index(p) for p in test], np.int32)
            arrays[f"flowers_seed{seed}_counts"] = np.array(
                [[sum(p.startswith(c + "/") for p in part) for c in labels] for part in (train, test)], np.int32)
            print(f"flowers seed {seed}: train {len(train)} {arrays[f'flowers_seed{seed}_counts'][0].tolist()}, "
                  f"test {len(test)} {arrays[f'flowers_seed{seed}_counts'][1].tolist()}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT, **arrays)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
