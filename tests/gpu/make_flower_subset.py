"""A small, deterministic flower archive for the GPU run (the full one is 218 MB; the device machine takes 64 MiB).

The first PER_CLASS photos of each class (sorted by name) from the full archive, scaled to SIZE on the
shorter side, as flower_photos.tgz with its sha256sum beside it: the lesson reads it like the public mirror.

    python tests/gpu/make_flower_subset.py /work/shared/data/flower_photos.tgz .gpu/flowers [PER_CLASS] [SIZE]
"""
from __future__ import annotations

import hashlib
import io
import os
import sys
import tarfile
from collections import defaultdict
from pathlib import Path

from PIL import Image


def main(src: str, dest: str, per_class: int = 100, size: int = 128) -> None:
    out_dir = Path(dest)
    out_dir.mkdir(parents=True, exist_ok=True)
    chosen: dict[str, list[tarfile.TarInfo]] = defaultdict(list)
    with tarfile.open(src) as tar:
        members = sorted((m for m in tar.getmembers() if m.isfile() and m.name.lower().endswith(".jpg")),
                         key=lambda m: m.name)
        for m in members:
            parts = Path(m.name).parts
            if len(parts) == 3 and len(chosen[parts[1]]) < per_class:
                chosen[parts[1]].append(m)
        archive = out_dir / "flower_photos.tgz"
        tmp = archive.with_suffix(".tmp")
        with tarfile.open(tmp, "w:gz") as out:
            for cls in sorted(chosen):
                for m in chosen[cls]:
                    img = Image.open(tar.extractfile(m)).convert("RGB")
                    scale = size / min(img.size)
                    img = img.resize((max(1, round(img.width * scale)), max(1, round(img.height * scale))), Image.BILINEAR)
                    buf = io.BytesIO()
                    img.save(buf, "JPEG", quality=85)
                    info = tarfile.TarInfo(m.name)
                    info.size = buf.tell()
                    buf.seek(0)
                    out.addfile(info, buf)
        os.replace(tmp, archive)
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    side = archive.with_name(archive.name + ".sha256")
    side.with_suffix(".tmp").write_text(f"{digest}  {archive.name}\n")
    os.replace(side.with_suffix(".tmp"), side)
    print(f"{archive}: {sum(len(v) for v in chosen.values())} photos in {len(chosen)} classes, "
          f"{archive.stat().st_size / 2**20:.1f} MiB")


if __name__ == "__main__":
    a = sys.argv[1:]
    main(a[0], a[1], *(int(x) for x in a[2:4]))
