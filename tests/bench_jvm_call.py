"""Benchmark (not a test): the cost per call of letting go of the receiver (jvm.invoke), on the
cheapest Java call there is, ``ArrayList.size()``.

Run:  python tests/bench_jvm_call.py [calls]
Prints nanoseconds per call, best of 5 interleaved rounds of ``calls`` (default 100000) each:
  bound, kept   : what jvm.invoke did before it let go of the receiver (bind, call through the error path)
  jvm.invoke    : today's jvm.invoke (bind, call, unbind the method and its overloads)
  pyjnius direct: ``lst.size()`` without the error path, for scale.
"""

import sys
import time

from dl4j_bridge import jvm


def per_call_ns(fn, calls):
    t0 = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - t0) / calls * 1e9


def main():
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    lst = jvm.new("java.util.ArrayList")
    variants = {
        # jvm._call is the error path without the release: what jvm.invoke did before it let go.
        "bound, kept": lambda: jvm._call(getattr(lst, "size"), ()),
        "jvm.invoke": lambda: jvm.invoke(lst, "size"),
        "pyjnius direct": lambda: lst.size(),
    }
    for fn in variants.values():   # warm-up
        per_call_ns(fn, calls // 10)
    best = {name: float("inf") for name in variants}
    for _ in range(5):   # interleaved, best of five: the machine is shared
        for name, fn in variants.items():
            best[name] = min(best[name], per_call_ns(fn, calls))
    for name, ns in best.items():
        print(f"{name:16s} {ns:7.0f} ns/call")
    print(f"letting go of the receiver costs {best['jvm.invoke'] - best['bound, kept']:.0f} ns per call")


if __name__ == "__main__":
    main()
