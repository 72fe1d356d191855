"""Connecting to Postgres: the engine, password redaction, the pgvector check and migrations."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import numpy as np
from alembic import command
from alembic.config import Config
from psycopg2.extensions import register_adapter
from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.exc import DBAPIError

from services.common.observability import metrics, tracing

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
# Any constant works; it serialises migrations when several memory replicas start at once.
_MIGRATION_LOCK = 7_413_221_906


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


def create_db_engine(url: str, *, connect_timeout: int = 3, ef_search: int = 40) -> Engine:
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


def migrate(engine: Engine) -> None:
    """Applies every pending migration (idempotent; safe with concurrent starters)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _MIGRATION_LOCK})
        conn.commit()
        try:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
            conn.commit()
        except DBAPIError as exc:
            conn.rollback()  # so the real error is reported, not "current transaction is aborted"
            raise StorageError(f"cannot prepare the learning tables: {startup_hint(exc)}") from None
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _MIGRATION_LOCK})
            conn.commit()
    log.info("database schema is up to date")


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
        return f"the server requires SSL: add ?sslmode=require to AICMO_MEMORY_DB ({first_line})", ssl_required
    return first_line, False


def startup_hint(exc: BaseException) -> str:
    """One line: what went wrong and what to do (never a traceback, never the password)."""
    return _diagnose(exc)[0]


def is_permanent(exc: BaseException) -> bool:
    """True for start errors that waiting cannot fix (wrong password, missing database, SSL required)."""
    return _diagnose(exc)[1]
