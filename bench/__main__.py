"""`python -m bench [AREA ...] [--quick] [area options]`: runs the named benchmark areas, or all of them.

To add an area: write `bench/<area>_bench.py` exposing `BENCHMARK = Benchmark(...)` and add one line to
`AREAS` below. Areas are loaded lazily, so one area's imports never slow down or break another's.
"""

from __future__ import annotations

import argparse
import importlib
import shlex
import sys
import time
import traceback
from collections.abc import Callable

from bench import Benchmark


def _load(module: str) -> Callable[[], Benchmark]:
    def load() -> Benchmark:
        benchmark = importlib.import_module(module).BENCHMARK
        assert isinstance(benchmark, Benchmark), f"{module}.BENCHMARK must be a bench.Benchmark"
        return benchmark

    return load


# name -> loader of the area's Benchmark. `python -m bench` runs them in this order.
AREAS: dict[str, Callable[[], Benchmark]] = {
    "memory": _load("bench.memory_bench"),
    "stack": _load("bench.stack_bench"),
    "observability": _load("bench.observability_bench"),
    "operations": _load("bench.operations_bench"),
    "brief": _load("bench.brief_bench"),
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    benchmarks = {name: load() for name, load in AREAS.items()}
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="AICMO benchmarks. Prints figures; exits non-zero only when something is broken.",
    )
    parser.add_argument(
        "areas",
        nargs="*",
        metavar="AREA",
        help=f"areas to run (default: all): {', '.join(benchmarks)}",
    )
    parser.add_argument("--quick", action="store_true", help="a short smoke-check run of each area")
    for benchmark in benchmarks.values():
        if benchmark.add_arguments is not None:
            group = parser.add_argument_group(f"{benchmark.name}: {benchmark.description}")
            benchmark.add_arguments(group)
    args = parser.parse_args(argv)
    unknown = [a for a in args.areas if a not in benchmarks]
    if unknown:
        parser.error(f"unknown area(s): {', '.join(unknown)} (known: {', '.join(benchmarks)})")
    selected = args.areas or list(benchmarks)
    args.command = shlex.join([".venv/bin/python", "-m", "bench", *argv])

    failed: list[str] = []
    for name in selected:
        started = time.perf_counter()
        print(f"=== bench {name} ===", flush=True)
        try:
            code = benchmarks[name].run(args)
        except KeyboardInterrupt:
            print(f"=== bench {name}: interrupted ===", flush=True)
            return 130
        except Exception:
            traceback.print_exc()
            code = 1
        took = time.perf_counter() - started
        status = "ok" if code == 0 else f"BROKEN (exit {code})"
        print(f"=== bench {name}: {status} in {took:.1f} s ===", flush=True)
        if code != 0:
            failed.append(name)
    if failed:
        print(f"broken: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
