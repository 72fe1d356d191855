"""`python -m bench brief`: how long understanding a brief and writing a flagship report take, offline.

Targets (issue: understanding that generalises): a flagship report without a language model under 1 s, and
understanding (the grounded readers, the sentence model's reading of the kind of business included) adding at
most 300 ms. Briefs: the labelled dev briefs (../shared/briefs/dev.jsonl) when present, else the test briefs.
Each brief is timed cold once (first call in the process: model load and caches) and then warm, interleaved.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

from bench import Benchmark
from bench.dev_eval import DEFAULT_BRIEFS, load, write_report
from services.generator.composer import context
from services.generator.domain.brief import Brief
from services.generator.domain.brief_parser import understand


def _briefs() -> tuple[str, list[Brief]]:
    if DEFAULT_BRIEFS.exists():
        return str(DEFAULT_BRIEFS), [item.brief() for item in load(DEFAULT_BRIEFS)]
    from tests.labelled_briefs import labelled_briefs

    return "tests/data/briefs.yaml (text only)", [b.text for b in labelled_briefs()]


def _ms(f: Callable[[Brief], object], brief: Brief) -> float:
    t = time.perf_counter()
    f(brief)
    return (time.perf_counter() - t) * 1000


def run(args: argparse.Namespace) -> int:
    where, briefs = _briefs()
    if args.quick:
        briefs = briefs[:5]
    rounds = 1 if args.quick else 3
    print(f"briefs: {len(briefs)} from {where}; load average {os.getloadavg()[0]:.1f}")
    cold = _ms(understand, briefs[0])
    understanding: list[float] = []
    reports: list[float] = []
    for _ in range(rounds):
        for brief in briefs:
            understanding.append(_ms(understand, brief))
            context._cache.clear()  # the plan is built anew for every report, as for a new brief
            reports.append(_ms(write_report, brief))
    u50, r50 = statistics.median(understanding), statistics.median(reports)
    print(f"understanding: first call {cold:.0f} ms (loads the sentence model); p50 {u50:.0f} ms, "
          f"max {max(understanding):.0f} ms (target <= 300 ms)")  # fmt: skip
    print(f"flagship report, offline, understanding included: p50 {r50:.0f} ms, max {max(reports):.0f} ms "
          f"(target < 1000 ms)")  # fmt: skip
    return 0


BENCHMARK = Benchmark(
    name="brief",
    description="brief understanding and the offline flagship report, timed on labelled briefs",
    run=run,
)
