"""Migrations as a step of their own, safe while the service serves (services/memory/adapters/database.py,
services/memory/migrations/online.py): `python -m services.memory migrate`, a service that does not migrate
waits for the schema, the leased migration lock, and a migration (a column, its batched backfill, an index
built concurrently) on a 100k-row table while writes and searches go on and a long transaction holds the
table: it waits for its lock at most the lock timeout at a time, no write fails, no search fails.

Outcomes are asserted; the stall figures are printed, not asserted (a shared machine varies)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from services.memory.adapters.database import MigrationLock, StorageError, migrate, schema_behind
from services.memory.bootstrap import open_storage
from services.memory.settings import MemorySettings
from tests.integration.memory.migration_probe import PROBE_REVISION, Traffic, prepare
from tests.support import ROOT

pytestmark = pytest.mark.integration

ROWS = 100_000


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    found = create_engine(database_url)
    yield found
    found.dispose()


def settings_for(url: str, tmp_path: Path, **overrides: object) -> MemorySettings:
    return MemorySettings(memory_db=url, data_dir=tmp_path, **overrides)  # type: ignore[arg-type]


def test_the_migrate_step_and_a_service_that_waits_for_it(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    assert schema_behind(engine) is not None
    with pytest.raises(StorageError, match=r"run `python -m services.memory migrate`"):
        open_storage(settings_for(database_url, tmp_path, migrate_on_start=False, db_wait_seconds=1))
    env = {**os.environ, "AICMO_MEMORY_DB": database_url, "AICMO_DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "services.memory", "migrate"], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "database schema is up to date" in result.stderr
    assert schema_behind(engine) is None
    open_storage(settings_for(database_url, tmp_path, migrate_on_start=False, db_wait_seconds=1)).close()
    with engine.connect() as conn:  # the lock was given back
        assert conn.execute(text("SELECT count(*) FROM aicmo_migration_lock")).scalar_one() == 0


def test_the_migration_lock_is_a_lease(engine: Engine) -> None:
    first = MigrationLock(engine, lease_seconds=2.0, wait_seconds=1.0)
    first.acquire()
    with pytest.raises(StorageError, match=r"another migrator \(.*\) held the migration lock"):
        MigrationLock(engine, lease_seconds=2.0, wait_seconds=1.0).acquire()
    first._stop.set()  # the holder dies without giving the lock back: its lease runs out
    second = MigrationLock(engine, lease_seconds=2.0, wait_seconds=30.0)
    second.acquire()
    second.release()
    first.release()  # not the holder any more: changes nothing
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM aicmo_migration_lock")).scalar_one() == 0


def test_a_migration_on_a_100k_row_table_holds_no_write_up(
    database_url: str, engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    scripts = tmp_path / "migrations"
    prepare(engine, ROWS, scripts)
    traffic = Traffic(database_url)
    traffic.start(settle_seconds=0.5)
    caplog.set_level("INFO", "services.memory.adapters.database")
    started = time.perf_counter()
    traffic.hold_then_release()
    try:
        migrate(engine, script_location=scripts, lock_timeout_ms=500)
    finally:
        took = time.perf_counter() - started
        traffic.stop(settle_seconds=0.5)
    writer, searcher = traffic.writer, traffic.searcher

    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == PROBE_REVISION
        assert conn.execute(
            text("SELECT count(*) FROM learning_examples WHERE probe_len IS NULL")
        ).scalar_one() <= (
            len(writer.times)  # rows written during the backfill by code that does not know the column
        )
        valid = conn.execute(
            text(
                "SELECT indisvalid FROM pg_index WHERE indexrelid = 'ix_learning_examples_probe_len'::regclass"
            )
        ).scalar_one()
        assert valid is True
    assert "waited 500 ms for a lock" in caplog.text, "the long transaction should have made the ALTER retry"
    assert not writer.errors, writer.errors[:3]
    assert not searcher.errors, searcher.errors[:3]
    assert writer.times and searcher.times
    print(
        f"\nonline migration on {ROWS} rows: {took:.1f} s with a long transaction in the way; "
        f"{len(writer.times)} writes, max write stall {max(writer.times) * 1000:.0f} ms; "
        f"{len(searcher.times)} searches, max {max(searcher.times) * 1000:.0f} ms, 0 failed"
    )
