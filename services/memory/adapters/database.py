"""Connecting to Postgres: the engine, password redaction, the pgvector check and online-safe migrations."""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from psycopg2.extensions import TRANSACTION_STATUS_IDLE, register_adapter
from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.pool import NullPool

from services.common.observability import metrics, tracing

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


class StorageError(RuntimeError):
    """The database cannot be used (unreachable at start, no pgvector, incompatible contents)."""


def redact_url(url: str) -> str:
    """The URL with its password replaced by ***, for logs and the summary."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparseable database URL>"


_KINDS = ("select", "insert", "update", "delete")


def statement_kind(statement: str) -> str:
    """select / insert / update / delete / other, from the statement's first word (WITH counts as select
    unless it writes)."""
    words = statement.lstrip().split(None, 1)
    first = words[0].lower() if words else ""
    if first == "with":
        body = statement.lower()
        return next((k for k in ("insert", "update", "delete") if f" {k} " in body), "select")
    return first if first in _KINDS else "other"


class VectorLiteral:
    """A NumPy vector bound as a pgvector literal ('[x,y,...]'), as pgvector's psycopg2 adapter binds it,
    but formatted in one call: 9 significant digits round-trip every float32 exactly, and formatting 384 of
    them takes 0.05 ms instead of 0.15 (on every search and write)."""

    _formats: dict[int, str] = {}

    def __init__(self, value: np.ndarray[Any, Any]) -> None:
        self._value = value

    def getquoted(self) -> bytes:
        values = tuple(self._value.ravel().tolist())
        template = self._formats.get(len(values))
        if template is None:
            template = self._formats[len(values)] = "'[" + ",".join(["%.9g"] * len(values)) + "]'"
        return (template % values).encode()


def create_db_engine(url: str, *, connect_timeout: int = 3, ef_search: int = 64) -> Engine:
    """A pooled engine that notices dead connections and fails fast when the server is gone.

    NumPy arrays bind as pgvector vectors through VectorLiteral (psycopg2 adapters are
    process-wide; registering here, not at import, keeps importing this module free of side effects)."""
    register_adapter(np.ndarray, VectorLiteral)
    engine = create_engine(
        url,
        pool_size=8,
        max_overflow=8,
        pool_pre_ping=True,
        pool_timeout=5,
        connect_args={
            "connect_timeout": connect_timeout,
            "application_name": "aicmo-memory",
            # TCP keepalives so a vanished server is noticed rather than waited on.
            "keepalives": 1,
            "keepalives_idle": 10,
            "keepalives_interval": 5,
            "keepalives_count": 3,
        },
    )

    @event.listens_for(engine, "before_cursor_execute")
    def _started(_conn: Any, _cursor: Any, _statement: str, _params: Any, context: Any, _many: bool) -> None:
        if context is not None:
            context._aicmo_started = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _finished(_conn: Any, _cursor: Any, statement: str, _params: Any, context: Any, _many: bool) -> None:
        started = getattr(context, "_aicmo_started", None)
        if started is not None:
            metrics.SQL_SECONDS.labels(statement_kind(statement)).observe(time.perf_counter() - started)

    tracing.instrument_engine(engine)

    @event.listens_for(engine, "connect")
    def _session_settings(dbapi_connection: Any, _record: Any) -> None:
        with dbapi_connection.cursor() as cur:
            cur.execute("SET statement_timeout = '30s'")
            cur.execute(f"SET hnsw.ef_search = {int(ef_search)}")
            # Filtered searches keep scanning the index until enough rows pass the filter.
            cur.execute("SET hnsw.iterative_scan = 'relaxed_order'")
        dbapi_connection.commit()

    return engine


def check_pgvector(engine: Engine, target: str, extension: str = "vector") -> None:
    """Refuses to go on when the server cannot provide pgvector."""
    with engine.connect() as conn:
        available = conn.execute(
            text("SELECT 1 FROM pg_available_extensions WHERE name = :name"), {"name": extension}
        ).scalar_one_or_none()
    if available is None:
        raise StorageError(
            f"the Postgres server at {target} does not provide the pgvector extension ('{extension}'); "
            "install pgvector there (managed Postgres such as Neon, RDS and Cloud SQL offer it) "
            "or leave AICMO_MEMORY_DB unset to use the embedded server"
        )


# -- migrations ------------------------------------------------------------------------------------------------
# One migrator at a time, by a row with a lease rather than a session advisory lock: a transaction pooler
# (PgBouncer, Neon's -pooler endpoint) hands each transaction to any server connection, so a session lock
# would be taken and released on different ones, or held by a connection the migrator no longer uses.
MIGRATION_LOCK_TABLE = "aicmo_migration_lock"
LOCK_NOT_AVAILABLE = "55P03"


class MigrationLock:
    """A lease on the one row of aicmo_migration_lock: taken when free or expired, renewed by a thread while
    held, deleted on release. A migrator that dies frees it when its lease runs out. Every statement is a
    transaction of its own, so it works behind a transaction pooler."""

    def __init__(self, engine: Engine, *, lease_seconds: float = 60.0, wait_seconds: float = 600.0) -> None:
        self.engine = engine
        self.lease_seconds = lease_seconds
        self.wait_seconds = wait_seconds
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None
        self.lost = False

    def __enter__(self) -> MigrationLock:
        self.acquire()
        return self

    def __exit__(self, *_: object) -> None:
        self.release()

    def _create_table(self) -> None:
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    text(
                        f"CREATE TABLE IF NOT EXISTS {MIGRATION_LOCK_TABLE} ("
                        "id smallint PRIMARY KEY CHECK (id = 1), holder text NOT NULL, "
                        "expires_at timestamptz NOT NULL)"
                    )
                )
        except IntegrityError:
            pass  # created at the same moment by another migrator

    def acquire(self) -> None:
        self._create_table()
        deadline = time.monotonic() + self.wait_seconds
        waiting_logged = False
        while True:
            with self.engine.begin() as conn:
                taken = conn.execute(
                    text(
                        f"INSERT INTO {MIGRATION_LOCK_TABLE} AS l (id, holder, expires_at) "
                        "VALUES (1, :holder, now() + make_interval(secs => :lease)) "
                        "ON CONFLICT (id) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at "
                        "WHERE l.expires_at < now() RETURNING holder"
                    ),
                    {"holder": self.holder, "lease": self.lease_seconds},
                ).first()
                other = (
                    None
                    if taken
                    else conn.execute(text(f"SELECT holder FROM {MIGRATION_LOCK_TABLE}")).first()
                )
            if taken:
                break
            if time.monotonic() >= deadline:
                raise StorageError(
                    f"another migrator ({other[0] if other else '?'}) held the migration lock for more than "
                    f"{self.wait_seconds:.0f}s"
                )
            if not waiting_logged:
                log.info("waiting for another migrator (%s) to finish", other[0] if other else "?")
                waiting_logged = True
            time.sleep(1.0)
        self._stop.clear()
        self._renewer = threading.Thread(target=self._renew, name="migration-lock", daemon=True)
        self._renewer.start()

    def _renew(self) -> None:
        while not self._stop.wait(self.lease_seconds / 3):
            try:
                with self.engine.begin() as conn:
                    renewed = conn.execute(
                        text(
                            f"UPDATE {MIGRATION_LOCK_TABLE} SET expires_at = now() + make_interval(secs => :lease) "
                            "WHERE holder = :holder"
                        ),
                        {"holder": self.holder, "lease": self.lease_seconds},
                    ).rowcount
            except DBAPIError as exc:
                log.warning("could not renew the migration lock: %s", startup_hint(exc))
                continue
            if not renewed:
                self.lost = True
                log.error("the migration lock was taken over (this migrator's lease had run out)")
                return

    def release(self) -> None:
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join(10)
            self._renewer = None
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    text(f"DELETE FROM {MIGRATION_LOCK_TABLE} WHERE holder = :holder"),
                    {"holder": self.holder},
                )
        except DBAPIError as exc:
            log.warning(
                "could not release the migration lock (its lease runs out by itself): %s", startup_hint(exc)
            )


def _alembic_config(script_location: Path) -> Config:
    config = Config()
    config.set_main_option("script_location", str(script_location))
    return config


def _is_lock_timeout(exc: BaseException) -> bool:
    return str(getattr(getattr(exc, "orig", None), "pgcode", "") or "") == LOCK_NOT_AVAILABLE


def migrate(
    engine: Engine,
    *,
    lock_timeout_ms: int = 500,
    statement_timeout_ms: int = 30_000,
    wait_seconds: float = 600.0,
    lease_seconds: float = 60.0,
    script_location: Path = MIGRATIONS,
) -> None:
    """Applies every pending migration, safely while the service serves (idempotent; one migrator at a time).

    - Every migration transaction starts with SET LOCAL lock_timeout (and statement_timeout): a DDL statement
      that would wait for a lock (behind a long transaction, with every write on the table queued behind
      it) gives up after `lock_timeout_ms`; that migration rolls back and is tried again after a pause, for
      up to `wait_seconds`. Writes are never blocked much longer than the lock timeout.
    - Index builds and backfills run outside a transaction, concurrently and in batches
      (services/memory/migrations/online.py), where the session has no statement timeout.
    - The lock is a leased row (MigrationLock), which works behind a transaction pooler.
    Connections of their own (no pool), without the service's 30 s session statement timeout."""
    url = engine.url
    config = _alembic_config(script_location)
    migrator = create_engine(
        url, poolclass=NullPool, connect_args={"connect_timeout": 10, "application_name": "aicmo-migrate"}
    )
    try:
        with MigrationLock(migrator, lease_seconds=lease_seconds, wait_seconds=wait_seconds):
            _upgrade(migrator, config, lock_timeout_ms, statement_timeout_ms, wait_seconds)
    finally:
        migrator.dispose()
    log.info("database schema is up to date")


def _upgrade(
    engine: Engine, config: Config, lock_timeout_ms: int, statement_timeout_ms: int, wait: float
) -> None:
    deadline = time.monotonic() + wait
    attempt = 0

    def per_transaction(_conn: Any, cursor: Any, *_: Any) -> None:
        raw = cursor.connection
        if not raw.autocommit and raw.info.transaction_status == TRANSACTION_STATUS_IDLE:
            cursor.execute(
                f"SET LOCAL lock_timeout = {int(lock_timeout_ms)}; "
                f"SET LOCAL statement_timeout = {int(statement_timeout_ms)}"
            )

    while True:
        with engine.connect() as conn:
            event.listen(conn, "before_cursor_execute", per_transaction)
            try:
                config.attributes["connection"] = conn
                command.upgrade(config, "head")
                conn.commit()
                return
            except DBAPIError as exc:
                conn.rollback()  # so the real error is reported, not "current transaction is aborted"
                if not _is_lock_timeout(exc) or time.monotonic() >= deadline:
                    raise StorageError(f"cannot prepare the learning tables: {startup_hint(exc)}") from None
                attempt += 1
                pause = min(0.25 * 2**attempt, 10.0) * random.uniform(0.5, 1.0)
                log.warning(
                    "a migration waited %d ms for a lock (a long transaction on the table?) and was rolled back "
                    "so as not to hold up writes; trying again in %.1fs (attempt %d)",
                    lock_timeout_ms, pause, attempt,
                )  # fmt: skip
                time.sleep(pause)


def schema_behind(engine: Engine, script_location: Path = MIGRATIONS) -> str | None:
    """None when the database's schema is this code's head, or a revision this code does not know (newer:
    migrations are expand/contract, so older code keeps working on it); else what to do."""
    script = ScriptDirectory.from_config(_alembic_config(script_location))
    head = script.get_current_head()
    with engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    known = {revision.revision for revision in script.walk_revisions()}
    if head in current or current - known:
        return None
    found = ", ".join(sorted(current)) or "none"
    return (
        f"the learning tables are at migration {found} and this version needs {head}: run "
        "`python -m services.memory migrate` (make run and the Kubernetes init container do)"
    )


def schema_revisions(engine: Engine, script_location: Path = MIGRATIONS) -> tuple[str, set[str]]:
    """(the database's current migration revision, every revision this code knows)."""
    script = ScriptDirectory.from_config(_alembic_config(script_location))
    with engine.connect() as conn:
        current = sorted(MigrationContext.configure(conn).get_current_heads())
    known = {revision.revision for revision in script.walk_revisions()}
    return (current[-1] if current else ""), known


# What to do about the errors a start can meet, by SQLSTATE (None: retrying may help).
_PERMANENT = {
    "28P01": "the password was refused: check the user and password in AICMO_MEMORY_DB",
    "28000": "the server refused this user or host (pg_hba.conf / allow-list): check AICMO_MEMORY_DB",
    "3D000": "the database does not exist: create it, or fix its name in AICMO_MEMORY_DB",
    "42501": "the database role lacks a permission it needs (CREATE on the schema, or CREATE EXTENSION "
    "vector): grant it, or connect as a role that has it",
    "0A000": "the server does not support a feature AICMO needs",
}


def _diagnose(exc: BaseException) -> tuple[str, bool]:
    """(one line saying what went wrong and what to do, whether waiting cannot fix it)."""
    orig = getattr(exc, "orig", exc)
    state = str(getattr(orig, "pgcode", "") or "")
    first_line = (str(orig).strip().splitlines() or [""])[0]
    if state in _PERMANENT:
        return f"{_PERMANENT[state]} ({first_line})", True
    lowered = str(orig).lower()
    ssl_required = "ssl" in lowered and ("required" in lowered or "no encryption" in lowered)
    # Errors before a session exists carry no SQLSTATE: recognised by their text.
    if "password authentication failed" in lowered:
        return f"{_PERMANENT['28P01']} ({first_line})", True
    if "database" in lowered and "does not exist" in lowered:
        return f"{_PERMANENT['3D000']} ({first_line})", True
    if "no pg_hba.conf entry" in lowered:
        return f"{_PERMANENT['28000']} ({first_line})", ssl_required
    if ssl_required or ("ssl" in lowered and "unsupported" in lowered):
        return (
            f"the server requires SSL: add ?sslmode=require to AICMO_MEMORY_DB ({first_line})",
            ssl_required,
        )
    return first_line, False


def startup_hint(exc: BaseException) -> str:
    """One line: what went wrong and what to do (never a traceback, never the password)."""
    return _diagnose(exc)[0]


def is_permanent(exc: BaseException) -> bool:
    """True for start errors that waiting cannot fix (wrong password, missing database, SSL required)."""
    return _diagnose(exc)[1]
