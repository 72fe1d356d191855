"""The online-migration probe, shared by its test (test_online_migrations.py) and its benchmark
(bench/operations_bench.py): a migrated table of uploaded items, a migration on top of it (a column, its
batched backfill, an index built concurrently), and the traffic it meets (a writer and a searcher running
over and over, and a long transaction that has read the table)."""

from __future__ import annotations

import shutil
import threading
import time
import uuid
from pathlib import Path

import psycopg2
from sqlalchemy import Engine, text

from services.memory.adapters.database import MIGRATIONS, migrate

PROBE_REVISION = "9001"

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

WRITE = (
    "INSERT INTO learning_examples (id, kind, scope, text, content_hash) "
    "VALUES (gen_random_uuid(), 'uploaded_example', 'agency', 'written during the migration', %(key)s)"
)
SEARCH = (
    "SELECT id FROM learning_examples WHERE search_text @@ plainto_tsquery('english', 'loyalty returning') "
    "ORDER BY create_time DESC LIMIT 10"
)


def prepare(engine: Engine, rows: int, scripts: Path) -> None:
    """Migrates the database and fills it with `rows` uploaded items (analysed, so the planner knows the
    table's size); `scripts` becomes a copy of memory's migrations with the probe migration on top."""
    migrate(engine)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO learning_examples (id, kind, scope, title, text, content_hash) "
                "SELECT gen_random_uuid(), 'uploaded_example', 'agency', 'title ' || g, "
                "'a loyalty offer for returning customers, number ' || g, md5(g::text) "
                "FROM generate_series(1, :rows) g"
            ),
            {"rows": rows},
        )
        conn.execute(text("ANALYZE learning_examples"))
        head = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    shutil.copytree(MIGRATIONS, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    (scripts / "versions" / f"{PROBE_REVISION}_probe.py").write_text(PROBE_MIGRATION.format(head=head))


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


class Traffic:
    """What the migration meets: a writer and a searcher, and a long transaction that has read the table.
    The ALTER TABLE must wait for that transaction, and every write queued behind the waiting ALTER would wait
    as long, but for the lock timeout. The transaction ends `hold_seconds` after `hold_then_release()`."""

    def __init__(self, url: str, hold_seconds: float = 4.0) -> None:
        self.writer = Load(url, WRITE)
        self.searcher = Load(url, SEARCH)
        self._blocker = psycopg2.connect(url.replace("postgresql+psycopg2", "postgresql"))
        with self._blocker.cursor() as cur:
            cur.execute("SELECT count(*) FROM learning_examples WHERE kind = 'none'")
        self._release = threading.Timer(hold_seconds, self._blocker.commit)

    def start(self, settle_seconds: float) -> None:
        """The writer and the searcher start, and run `settle_seconds` before this returns."""
        for load in (self.writer, self.searcher):
            load.start()
        time.sleep(settle_seconds)

    def hold_then_release(self) -> None:
        self._release.start()

    def stop(self, settle_seconds: float) -> None:
        """Ends the long transaction (if it still runs), then, `settle_seconds` later, the writer and the
        searcher."""
        self._release.cancel()
        self._blocker.rollback()
        self._blocker.close()
        time.sleep(settle_seconds)
        for load in (self.writer, self.searcher):
            load.done.set()
            load.join(30)
