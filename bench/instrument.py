"""Measuring inside a running service without changing it: call timers and captured SQL plans."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Engine, event


class CallTimer:
    """Stands in for an object and adds up the time spent in the named methods (thread-safe).

    Everything else passes through, so the service sees the same object. Install it by assigning it in
    place of the service's collaborator (e.g. `service.embedder`)."""

    def __init__(self, target: Any, methods: Iterable[str]) -> None:
        self._target = target
        self._methods = frozenset(methods)
        self._lock = threading.Lock()
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}

    def reset(self) -> None:
        with self._lock:
            self.seconds.clear()
            self.calls.clear()

    def total(self, *names: str) -> float:
        with self._lock:
            return sum(self.seconds.get(n, 0.0) for n in (names or tuple(self.seconds)))

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._target, name)
        if name not in self._methods or not callable(attribute):
            return attribute

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return attribute(*args, **kwargs)
            finally:
                took = time.perf_counter() - started
                with self._lock:
                    self.seconds[name] = self.seconds.get(name, 0.0) + took
                    self.calls[name] = self.calls.get(name, 0) + 1

        return timed


def explain_captured(engine: Engine, action: Callable[[], object]) -> str:
    """Runs `action`, captures the last vector (`<=>`) query it sent through `engine`, and EXPLAINs it
    on a connection of the same engine (so session settings such as hnsw.ef_search match)."""
    captured: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cur: Any, statement: str, parameters: Any, _ctx: Any, _many: bool) -> None:
        if "<=>" in statement:
            captured.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    if not captured:
        return "(no vector query captured)"
    statement, parameters = captured[-1]
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("EXPLAIN " + statement, parameters)
        plan = "\n".join(str(r[0]) for r in cur.fetchall())
        cur.close()
        raw.rollback()
    finally:
        raw.close()
    return plan


def plan_kind(plan: str, index_name: str) -> str:
    if index_name in plan:
        return "HNSW index scan"
    if "Seq Scan" in plan:
        return "sequential scan (exact, no index)"
    return "other: " + plan.splitlines()[0] if plan else "no plan"
