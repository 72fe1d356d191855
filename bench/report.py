"""Small shared helpers: percentiles, progress lines and the final results table."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np


def percentile_ms(seconds: Sequence[float], q: float) -> float:
    """The q-th percentile of durations given in seconds, in milliseconds."""
    return float(np.percentile(np.asarray(seconds, dtype=np.float64), q)) * 1000.0


def load_average() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "n/a"
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


class Progress:
    """Timestamped progress lines (stdout, flushed), relative to the start of the run."""

    def __init__(self) -> None:
        self.started = time.perf_counter()

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def __call__(self, message: str) -> None:
        print(f"[{self.elapsed():6.1f}s] {message}", flush=True)


@dataclass
class Row:
    metric: str
    value: str
    target: str = "-"
    met: str = "-"


@dataclass
class ResultTable:
    rows: list[Row] = field(default_factory=list)

    def info(self, metric: str, value: str) -> None:
        self.rows.append(Row(metric, value))

    def at_most(self, metric: str, value: float, limit: float, fmt: str, unit: str) -> None:
        row = Row(metric, f"{value:{fmt}} {unit}", f"<= {limit:{fmt}} {unit}", _yes(value <= limit))
        self.rows.append(row)

    def at_least(self, metric: str, value: float, limit: float, fmt: str, unit: str = "") -> None:
        suffix = f" {unit}" if unit else ""
        self.rows.append(
            Row(metric, f"{value:{fmt}}{suffix}", f">= {limit:{fmt}}{suffix}", _yes(value >= limit))
        )

    def render(self) -> str:
        header = Row("metric", "value", "target", "met")
        rows = [header, *self.rows]
        widths = [max(len(getattr(r, f)) for r in rows) for f in ("metric", "value", "target")]
        lines = []
        for i, row in enumerate([header, *self.rows]):
            lines.append(
                f"{row.metric:<{widths[0]}}  {row.value:>{widths[1]}}  {row.target:>{widths[2]}}  {row.met}"
            )
            if i == 0:
                lines.append("-" * (sum(widths) + 4 + 2 + 2 + 3))
        return "\n".join(lines)


def _yes(ok: bool) -> str:
    return "yes" if ok else "NO"


def warn(message: str) -> None:
    print(f"WARNING: {message}", file=sys.stderr, flush=True)
