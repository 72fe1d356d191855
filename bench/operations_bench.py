"""`python -m bench operations`: what holds without a person watching (issue 21), on a real stack started by
the launcher (`make run`'s) with its own data directory and free ports.

- A hung process: SIGSTOP of memory, the generator, Envoy, the UI and the Postgres postmaster in turn, under
  a writer: seconds until the watchdog has replaced it and writes are acknowledged again (target: < 30 s),
  and acknowledged writes lost (target: 0).
- An online migration (a column, its batched backfill, an index built concurrently) on a table of 100k items
  while a writer and a searcher run and a long transaction holds the table: the longest a write waited
  (target: < 1 s) and searches that failed (target: 0).
- kill -9 of the launcher: seconds until none of its processes is left (target: < 15 s); the next start on
  the same data: healthy, and in how long.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import time
import uuid
from pathlib import Path

import psutil  # type: ignore[import-untyped]
import psycopg2
from sqlalchemy import create_engine

from bench import Benchmark
from services.memory.adapters.database import migrate
from tests.e2e.stack import StackProcess, http
from tests.e2e.test_supervision import Writer, current_pid, more_writes, restarted, running, stored_texts
from tests.integration.memory.migration_probe import Traffic, prepare
from tests.support import new_data_dir, wait_until

HUNG = ("memory", "generator", "gateway", "ui", "postgres")
BOUND = 120.0  # waits for outcomes; figures are what was measured


def add_arguments(group: argparse._ArgumentGroup) -> None:
    group.add_argument("--operations-rows", type=int, default=100_000, help="rows of the migrated table")


def _hung(stack: StackProcess, writer: Writer) -> list[str]:
    lines = []
    for name in HUNG:
        pid = current_pid(stack, name)
        before = len(writer.acknowledged)
        stopped = time.perf_counter()
        os.kill(pid, signal.SIGSTOP)
        try:
            wait_until(restarted(stack, name, pid), BOUND, interval=0.1, what=f"{name} to be replaced")
            wait_until(lambda: stack.get("/api/health", timeout=10).status == 200, BOUND, what="health")
            if name == "ui":
                wait_until(
                    lambda: http("GET", f"{stack.ui_url}/_stcore/health", timeout=5).status == 200, BOUND
                )
            wait_until(more_writes(writer, before + 1), BOUND, interval=0.05, what="writes again")
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
        lines.append(
            f"  SIGSTOP {name:<10} serving and writing again after {time.perf_counter() - stopped:5.1f} s"
        )
    return lines


def _migration(stack: StackProcess, rows: int) -> list[str]:
    pg = stack.ports["pg"]
    admin = psycopg2.connect(host="127.0.0.1", port=pg, user="aicmo", dbname="postgres")
    admin.autocommit = True
    name = f"bench_{uuid.uuid4().hex[:8]}"
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+psycopg2://aicmo@127.0.0.1:{pg}/{name}"
    engine = create_engine(url)
    scripts = stack.data_dir / "bench-migrations"
    try:
        prepare(engine, rows, scripts)
        traffic = Traffic(url)
        traffic.start(settle_seconds=1.0)
        started = time.perf_counter()
        traffic.hold_then_release()
        try:
            migrate(engine, script_location=scripts)
        finally:
            took = time.perf_counter() - started
            traffic.stop(settle_seconds=1.0)
        writer, searcher = traffic.writer, traffic.searcher
        return [
            f"  migration on {rows} rows (a column, its backfill, a concurrent index; a transaction holding the "
            f"table 4 s): {took:.1f} s",
            f"    {len(writer.times)} writes: max stall {max(writer.times) * 1000:.0f} ms (target < 1000 ms), "
            f"{len(writer.errors)} failed",
            f"    {len(searcher.times)} searches: max {max(searcher.times) * 1000:.0f} ms, "
            f"{len(searcher.errors)} failed (target 0)",
        ]
    finally:
        engine.dispose()
        shutil.rmtree(scripts, ignore_errors=True)
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _launcher_kill(stack: StackProcess, writer: Writer) -> list[str]:
    assert stack.proc is not None
    tree = psutil.Process(stack.proc.pid).children(recursive=True)
    os.kill(stack.proc.pid, signal.SIGKILL)
    killed = time.perf_counter()
    stack.proc.wait()
    wait_until(lambda: not running(tree), BOUND, interval=0.05, what="the launcher's processes to exit")
    gone = time.perf_counter() - killed
    writer.done.set()
    writer.join(30)
    started = time.perf_counter()
    stack.start()
    healthy = stack.get("/api/health").status == 200
    lost = len(set(writer.acknowledged) - set(stored_texts(stack, writer.client)))
    return [
        f"  kill -9 of the launcher: {len(tree)} processes, none left after {gone:.1f} s (target < 15 s)",
        f"  next start on the same data: {'healthy' if healthy else 'NOT HEALTHY'} in "
        f"{time.perf_counter() - started:.1f} s; acknowledged writes lost over everything above: {lost}",
    ]


def run(args: argparse.Namespace) -> int:
    rows = 20_000 if args.quick else args.operations_rows
    stack = StackProcess(new_data_dir("bench-operations"), with_ui=True)
    stack.start()
    writer = Writer(stack)
    writer.start()
    lines: list[str] = []
    try:
        wait_until(lambda: len(writer.acknowledged) >= 5, BOUND, what="first writes")
        lines += _hung(stack, writer)
        lines += _migration(stack, rows)
        lines += _launcher_kill(stack, writer)
    finally:
        writer.done.set()
        stack.stop()
        data_dir: Path = stack.data_dir
        shutil.rmtree(data_dir, ignore_errors=True)
    print("\n".join(lines), flush=True)
    return 0


BENCHMARK = Benchmark(
    name="operations",
    description="hung processes, a killed launcher, an online migration (issue 21)",
    run=run,
    add_arguments=add_arguments,
)
