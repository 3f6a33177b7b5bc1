"""Single-machine reference for the Spark tests, run in its own process (its own pyjnius JVM).

Builds the lesson's transfer model (EfficientNet-Lite0, untrained 5-class head, seed 12345) on a slice
of the flower photos, and writes into OUT: model.zip (with the lesson's metadata), split.json (the
train and test files and labels, in the iterators' order), and what the engine computes on one
machine: features of every train and test photo (TransferLearningHelper.featurize, batches of
BATCH), the evaluation of the untrained model on the test photos, and the head's parameters after
one epoch of fit_featurized over the training features (and with minibatches of 2*BATCH).

    python tests/spark_reference.py OUT MAX_EXAMPLES BATCH
"""

import json
import sys
from pathlib import Path

import numpy as np


def featurized_arrays(featurized):
    from dl4j_bridge import arrays
    xs, ys = [], []
    it = featurized.java
    it.reset()
    while it.hasNext():
        ds = it.next()
        xs.append(arrays.to_numpy(ds.getFeatures()))
        ys.append(arrays.to_numpy(ds.getLabels()))
    return np.concatenate(xs), np.concatenate(ys)


def main(out: Path, max_examples: int, batch: int) -> None:
    from dl4j_bridge import arrays, lesson
    from dl4j_bridge.datasets import FlowerDataSetIterator
    from dl4j_bridge.serializer import ModelSerializer
    from dl4j_bridge.transfer import TransferLearningHelper

    out.mkdir(parents=True, exist_ok=True)
    settings = lesson.LessonSettings(max_examples=max_examples, batch_size=batch, quiet=True)
    zoo_model, base = lesson._backbone(settings)
    train, test = FlowerDataSetIterator.setup(batch_size=batch, train_percent=80, seed=12345,
                                              preprocessor=zoo_model.preprocessor, max_examples=max_examples,
                                              progress=False)
    labels = train.labels
    model = lesson.build_transfer_model(base, settings, len(labels))
    metadata = {"labels": labels, "input_shape": list(zoo_model.input_shape),
                "preprocessing": {"preprocessor": zoo_model.preprocessor_name, "channel_order": zoo_model.channel_order},
                "seed": 12345, "backbone": settings.model}
    ModelSerializer.write_model(model, out / "model.zip", save_updater=True, metadata=metadata)
    label_of = lambda f: Path(f).parent.name  # noqa: E731  (the class folder, as the engine labels photos)
    split = {"labels": labels, "train": [str(f) for f in train.files], "test": [str(f) for f in test.files]}
    split["train_labels"] = [label_of(f) for f in split["train"]]
    split["test_labels"] = [label_of(f) for f in split["test"]]
    (out / "split.json").write_text(json.dumps(split))

    helper = TransferLearningHelper(model)
    train_features = helper.featurize(train)
    train_x, train_y = featurized_arrays(train_features)
    test_x, test_y = featurized_arrays(helper.featurize(test))
    head = helper.unfrozen_graph()
    before = model.evaluate(test)
    initial_head = arrays.to_numpy(head.java.params()).ravel()
    helper.fit_featurized(train_features)  # one epoch, minibatches of `batch` in file order (reset first)
    trained_head = arrays.to_numpy(head.java.params()).ravel()
    assert np.abs(trained_head - initial_head).max() > 1e-3, "the reference fit did not train"
    # The same epoch with minibatches twice as large, from the same initial head: what two workers that
    # average parameters and updater state after every step compute (Nesterov's update is linear in the
    # gradient, and the loss is a minibatch mean).
    fresh = TransferLearningHelper(ModelSerializer.restore_computation_graph(out / "model.zip")).unfrozen_graph()
    for start in range(0, len(train_x), 2 * batch):
        fresh.fit(train_x[start:start + 2 * batch], train_y[start:start + 2 * batch])
    trained_head_double_batch = arrays.to_numpy(fresh.java.params()).ravel()
    np.savez(out / "reference.npz", train_x=train_x, train_y=train_y, test_x=test_x, test_y=test_y,
             initial_head=initial_head, trained_head=trained_head,
             trained_head_double_batch=trained_head_double_batch,
             confusion=np.asarray(before.confusion_matrix()))
    (out / "evaluation.json").write_text(json.dumps({"accuracy": before.accuracy(), "stats": before.stats()}))


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
