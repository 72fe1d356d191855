"""AICMO benchmarks: `python -m bench` runs every area; `python -m bench memory --sizes 10000` runs one.

Each area is a module that exposes a `Benchmark` (see `bench/__main__.py` for the registry). Benchmarks
print figures and never fail on timing: they exit non-zero only when something is broken.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Benchmark:
    """One benchmark area: its options, and a run function returning an exit code (0 unless broken)."""

    name: str
    description: str
    run: Callable[[argparse.Namespace], int]
    # Adds the area's own options to its group of the shared parser (names must be unique across areas).
    add_arguments: Callable[[argparse._ArgumentGroup], None] | None = None
