"""The `dl4j-bridge` command."""

from __future__ import annotations

import argparse
import sys


def _doctor(args) -> int:
    if args.blas_path:  # for scripts: the library the engine would load (the README's test command uses it)
        from . import jvm
        print(jvm.find_blas() or "")
        return 0
    from . import doctor
    return doctor.main()


def _lesson(args) -> int:
    from . import config, lesson
    if args.offline:
        config.set(offline=True)
    settings = lesson.LessonSettings(model=args.model, epochs=args.epochs, batch_size=args.batch_size,
                                     seed=args.seed, run_dir=args.run_dir, feature_cache=not args.no_feature_cache,
                                     quiet=args.quiet, learning_rate=args.learning_rate,
                                     max_examples=args.max_examples, spark=args.spark,
                                     spark_workers=args.spark_workers, averaging_frequency=args.averaging_frequency)
    metrics = lesson.run(settings)
    print(f"test accuracy {metrics['accuracy']:.4f}")
    return 0


def _predict(args) -> int:
    from .predict import ImageClassifier
    clf = ImageClassifier.load(args.model)
    for path, p in zip(args.images, clf.predict_files(args.images)):
        top = sorted(p.probabilities.items(), key=lambda kv: -kv[1])[: args.top]
        print(f"{path}: " + ", ".join(f"{label} {prob:.3f}" for label, prob in top))
    return 0


def _evaluate(args) -> int:
    """Re-evaluates a lesson's model.zip on the flower test split it was trained against."""
    from .datasets import FlowerDataSetIterator
    from .predict import ImageClassifier
    from .serializer import read_metadata
    meta = read_metadata(args.model) or {}
    lesson = meta.get("lesson")
    if not lesson:
        print(f"{args.model} has no lesson metadata (not written by `dl4j-bridge lesson`): cannot tell which split "
              f"it was trained on", file=sys.stderr)
        return 2
    clf = ImageClassifier.load(args.model)
    _, test = FlowerDataSetIterator.setup(batch_size=lesson["batch_size"], train_percent=lesson["train_percent"],
                                          seed=lesson["seed"], preprocessor=meta["preprocessing"]["preprocessor"],
                                          max_examples=lesson.get("max_examples", 0), progress=not args.quiet)
    evaluation = clf.model.evaluate(test)
    print(evaluation.stats())
    saved = meta.get("metrics", {}).get("accuracy")
    print(f"test accuracy {evaluation.accuracy():.4f} (recorded in the zip at training time: "
          f"{'n/a' if saved is None else f'{saved:.4f}'})")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dl4j-bridge",
                                     description="Deeplearning4j-style transfer learning from Python")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("doctor", help="show Java, engine, BLAS and settings; exit 1 when something is missing")
    p.add_argument("--blas-path", action="store_true", help="only print the BLAS library path and exit")
    p.set_defaults(run=_doctor)

    p = sub.add_parser("lesson", help="the flower transfer-learning lesson: train, evaluate, write a run directory")
    p.add_argument("--model", choices=["efficientnet-lite0", "vgg16"], default="efficientnet-lite0")
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--seed", type=int, default=12345)
    p.add_argument("--learning-rate", type=float, default=None,
                   help="Nesterovs learning rate (default: 0.01 for EfficientNet-Lite0, DL4J's 0.1 for VGG16)")
    p.add_argument("--run-dir", default=None, help="where to write the results (default: runs/<model>-<time>)")
    p.add_argument("--no-feature-cache", action="store_true",
                   help="fit the whole graph batch by batch as DL4J's lesson does, instead of featurizing once")
    p.add_argument("--max-examples", type=int, default=0, help="use only this many photos (a quick trial run)")
    p.add_argument("--offline", action="store_true", help="never touch the network")
    p.add_argument("--quiet", action="store_true", help="no progress bars or stats text")
    p.add_argument("--spark", metavar="MASTER", default=None,
                   help="featurize, train and evaluate on Spark: local[2], spark://HOST:PORT (needs pyspark and a JDK 17+)")
    p.add_argument("--spark-workers", type=int, default=0,
                   help="parameter-averaging workers with --spark (default: the cluster's cores)")
    p.add_argument("--averaging-frequency", type=int, default=1,
                   help="minibatches each worker fits between two parameter averagings with --spark (default 1)")
    p.set_defaults(run=_lesson)

    p = sub.add_parser("predict", help="classify image files with a saved model zip")
    p.add_argument("--model", required=True, help="a model.zip written by `dl4j-bridge lesson`")
    p.add_argument("--top", type=int, default=3, help="how many classes to show per image")
    p.add_argument("images", nargs="+")
    p.set_defaults(run=_predict)

    p = sub.add_parser("evaluate", help="re-evaluate a lesson's model.zip on its flower test split")
    p.add_argument("--model", required=True)
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(run=_evaluate)
    return parser


def main(argv=None) -> int:
    import os
    from .errors import Dl4jBridgeError
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (Dl4jBridgeError, OSError) as e:
        # Typed errors (and missing files) carry the problem and the fix; a traceback adds nothing for a command-line
        # user. DL4J_BRIDGE_DEBUG=1 shows it (and the Java stack) anyway.
        if os.environ.get("DL4J_BRIDGE_DEBUG"):
            raise
        print(f"dl4j-bridge {args.command}: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"dl4j-bridge {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
