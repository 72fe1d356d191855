"""Migrations as a step of their own, safe while the service serves (services/memory/adapters/database.py,
services/memory/migrations/online.py): `python -m services.memory migrate`, a service that does not migrate
waits for the schema, the leased migration lock, and a migration (a column, its batched backfill, an index
built concurrently) on a 100k-row table while writes and searches go on and a long transaction holds the
table: it waits for its lock at most the lock timeout at a time, no write fails, no search fails.

Outcomes are asserted; the stall figures are printed, not asserted (a shared machine varies)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
from sqlalchemy import Engine, create_engine, text

from services.memory.adapters.database import MIGRATIONS, MigrationLock, StorageError, migrate, schema_behind
from services.memory.bootstrap import open_storage
from services.memory.settings import MemorySettings
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


PROBE_MIGRATION = '''"""A column, its batched backfill and an index built concurrently: an expand migration.

Revision ID: 9001
Revises: {head}
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from services.memory.migrations.online import backfill, create_index_concurrently

revision = "9001"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("learning_examples", sa.Column("probe_len", sa.Integer, nullable=True))
    backfill("learning_examples", "probe_len = length(text)", "probe_len IS NULL", batch=5000)
    create_index_concurrently("ix_learning_examples_probe_len", "learning_examples", "probe_len")


def downgrade() -> None:
    op.drop_index("ix_learning_examples_probe_len", "learning_examples")
    op.drop_column("learning_examples", "probe_len")
'''


class Load(threading.Thread):
    """Runs `step` on its own connection over and over, timing each; errors are counted, not raised."""

    def __init__(self, url: str, step: str) -> None:
        super().__init__(daemon=True)
        self.url, self.step = url, step
        self.times: list[float] = []
        self.errors: list[str] = []
        self.done = threading.Event()

    def run(self) -> None:
        conn = psycopg2.connect(self.url.replace("postgresql+psycopg2", "postgresql"))
        conn.autocommit = True
        with conn.cursor() as cur:
            while not self.done.is_set():
                started = time.perf_counter()
                try:
                    cur.execute(self.step, {"key": uuid.uuid4().hex})
                    if cur.description:
                        cur.fetchall()
                except psycopg2.Error as exc:
                    self.errors.append(str(exc).strip())
                self.times.append(time.perf_counter() - started)
                time.sleep(0.01)
        conn.close()


def test_a_migration_on_a_100k_row_table_holds_no_write_up(
    database_url: str, engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    migrate(engine)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO learning_examples (id, kind, scope, title, text, content_hash) "
                "SELECT gen_random_uuid(), 'uploaded_example', 'agency', 'title ' || g, "
                "'a loyalty offer for returning customers, number ' || g, md5(g::text) "
                "FROM generate_series(1, :rows) g"
            ),
            {"rows": ROWS},
        )
        conn.execute(text("ANALYZE learning_examples"))
        head = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    scripts = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    (scripts / "versions" / "9001_probe.py").write_text(PROBE_MIGRATION.format(head=head))

    writer = Load(
        database_url,
        "INSERT INTO learning_examples (id, kind, scope, text, content_hash) "
        "VALUES (gen_random_uuid(), 'uploaded_example', 'agency', 'written during the migration', %(key)s)",
    )
    searcher = Load(
        database_url,
        "SELECT id FROM learning_examples WHERE search_text @@ plainto_tsquery('english', 'loyalty returning') "
        "ORDER BY create_time DESC LIMIT 10",
    )
    # A long transaction that has read the table: the ALTER TABLE must wait for it, and every write queued
    # behind the waiting ALTER would wait as long, but for the lock timeout.
    blocker = psycopg2.connect(database_url.replace("postgresql+psycopg2", "postgresql"))
    with blocker.cursor() as cur:
        cur.execute("SELECT count(*) FROM learning_examples WHERE kind = 'none'")
    release = threading.Timer(4.0, blocker.commit)
    for thread in (writer, searcher):
        thread.start()
    time.sleep(0.5)
    caplog.set_level("INFO", "services.memory.adapters.database")
    started = time.perf_counter()
    release.start()
    try:
        migrate(engine, script_location=scripts, lock_timeout_ms=500)
    finally:
        release.cancel()
        blocker.rollback()
        blocker.close()
        took = time.perf_counter() - started
        time.sleep(0.5)
        for thread in (writer, searcher):
            thread.done.set()
            thread.join(30)

    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "9001"
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
