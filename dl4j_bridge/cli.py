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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dl4j-bridge",
                                     description="Deeplearning4j-style transfer learning from Python")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("doctor", help="show Java, engine, BLAS and settings; exit 1 when something is missing")
    p.add_argument("--blas-path", action="store_true", help="only print the BLAS library path and exit")
    p.set_defaults(run=_doctor)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
