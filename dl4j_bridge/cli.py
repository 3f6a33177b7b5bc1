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
                                     quiet=args.quiet, learning_rate=args.learning_rate)
    metrics = lesson.run(settings)
    print(f"test accuracy {metrics['accuracy']:.4f}")
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
    p.add_argument("--offline", action="store_true", help="never touch the network")
    p.add_argument("--quiet", action="store_true", help="no progress bars or stats text")
    p.set_defaults(run=_lesson)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
