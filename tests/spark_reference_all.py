"""Single-machine features of EVERY flower photo (3670), for the opt-in full Spark check.

    python tests/spark_reference_all.py OUT BATCH

Writes OUT/all.json (the photo paths, sorted, and their class folders) and OUT/all_features.npy: the
engine's TransferLearningHelper.featurize of the lesson's transfer model (OUT/model.zip, written by
tests/spark_reference.py), in batches of BATCH in that order, decoded by the engine's ImageBatch.
"""

import json
import sys
from pathlib import Path

import numpy as np


def main(out: Path, batch: int) -> None:
    from dl4j_bridge import arrays, jvm
    from dl4j_bridge.datasets import ensure_flowers
    from dl4j_bridge.predict import ImageClassifier
    from dl4j_bridge.transfer import TransferLearningHelper

    photos = sorted(str(p) for p in ensure_flowers(progress=False).rglob("*.jpg"))
    clf = ImageClassifier.load(out / "model.zip")
    helper = TransferLearningHelper(clf.model)
    datasets = "org.dl4jbridge.datasets."
    loader = jvm.cls(datasets + "NativeImageLoader")(224, 224, 3, getattr(jvm.cls(datasets + "ChannelOrder"),
                                                                            clf.channel_order))
    features = []
    for start in range(0, len(photos), batch):
        x = jvm.call(jvm.cls(datasets + "ImageBatch").load, photos[start:start + batch], loader, clf._java_preprocessor())
        features.append(helper.featurize((arrays.to_numpy(x), np.zeros((x.size(0), 5), np.float32)))[0])
    np.save(out / "all_features.npy", np.concatenate(features))
    (out / "all.json").write_text(json.dumps({"paths": photos, "labels": [Path(p).parent.name for p in photos]}))


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]))
