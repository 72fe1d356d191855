"""Whole-database backup and restore with the standard Postgres tools (`pg_dump`, `pg_restore`) of the
embedded distribution the memory service runs (PostgreSQL 18, which also dumps and restores older servers).

A backup is `pg_dump --format=custom` of the learning database, written to FILE.partial and renamed into
place when complete. A restore:

1. checks the file is a pg_dump archive (`pg_restore --list`);
2. restores it into a new database beside the live one (`<db>_restoring`), stopping at the first error:
   the live database is untouched until the restore has fully succeeded;
3. re-applies, in that new database, every forget the ledger (adapters/forget_ledger.py) holds that it does
   not: a client forgotten after the backup was taken is gone again, with its original forget time;
4. swaps it in: the live database is dropped (its connections ended) and the new one takes its name.

The role needs CREATEDB (the embedded server's role has it; on a managed Postgres use one that has, or the
provider's own point-in-time restore and then `python -m services.memory reapply-forgets`).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2
from psycopg2 import sql
from sqlalchemy import URL, create_engine, make_url
from sqlalchemy.pool import NullPool

from services.memory.adapters import client_locks
from services.memory.adapters.embedded_postgres import POSTGRES_BIN_PATH, EmbeddedPostgres
from services.memory.adapters.forget_ledger import FORGET, IMPORT, ForgetLedger, LedgerEntry

log = logging.getLogger(__name__)

TOOL_TIMEOUT_SECONDS = 3600


class BackupError(RuntimeError):
    """A backup or restore could not be done; the message says why (never a password)."""


@dataclass(frozen=True)
class Target:
    """A Postgres database as the command-line tools reach it: libpq keywords, the password apart."""

    url: URL  # SQLAlchemy URL (psycopg2 driver)

    @property
    def database(self) -> str:
        return str(self.url.database or "")

    def conninfo(self, database: str | None = None) -> str:
        parts = {
            "host": self.url.host or "",
            "port": str(self.url.port or ""),
            "user": self.url.username or "",
            "dbname": database if database is not None else self.database,
        }
        for key, value in self.url.query.items():
            parts[key] = value if isinstance(value, str) else value[-1]
        return " ".join(f"{k}='{_quote(v)}'" for k, v in parts.items() if v)

    def env(self) -> dict[str, str]:
        env = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
        if self.url.password:
            env["PGPASSWORD"] = str(self.url.password)
        return env

    def engine_url(self, database: str) -> URL:
        return self.url.set(database=database)


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")


def target_for(sqlalchemy_url: str) -> Target:
    return Target(make_url(sqlalchemy_url))


@contextmanager
def running_database(data_dir: Path, port: int, sqlalchemy_url: str | None) -> Iterator[Target]:
    """The learning database's target; the embedded server is started for the duration if it was not
    running (and stopped again after)."""
    if sqlalchemy_url is not None:
        yield target_for(sqlalchemy_url)
        return
    server = EmbeddedPostgres(data_dir, port)
    started = server.ensure_running()
    try:
        yield target_for(server.url)
    finally:
        if started:
            server.stop()


def _run_tool(name: str, args: list[str], target: Target) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            [str(POSTGRES_BIN_PATH / name), *args],
            env=target.env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=TOOL_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise BackupError(f"{name} did not finish within {TOOL_TIMEOUT_SECONDS}s") from None


def _last_lines(output: str, lines: int = 5) -> str:
    return "\n".join(output.strip().splitlines()[-lines:])


def backup(target: Target, out: Path) -> int:
    """Writes a pg_dump custom-format archive of the database to `out`; returns its size in bytes."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    result = _run_tool(
        "pg_dump",
        [
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            f"--file={partial}",
            f"--dbname={target.conninfo()}",
        ],
        target,
    )
    if result.returncode != 0:
        partial.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {_last_lines(result.stderr)}")
    with partial.open("rb") as handle:
        os.fsync(handle.fileno())
    partial.replace(out)
    return out.stat().st_size


@dataclass
class RestoreReport:
    reapplied: list[str] = field(default_factory=list)  # clients forgotten again
    imports_to_repeat: list[LedgerEntry] = field(default_factory=list)


def restore(target: Target, archive: Path, ledger: ForgetLedger) -> RestoreReport:
    """Replaces the database with the archive's contents, then re-applies the ledger's forgets."""
    if not archive.is_file():
        raise BackupError(f"{archive}: no such backup file")
    listed = _run_tool("pg_restore", ["--list", str(archive)], target)
    if listed.returncode != 0:
        raise BackupError(f"{archive} is not a pg_dump archive: {_last_lines(listed.stderr, 2)}")
    live = target.database
    staging = f"{live}_restoring"
    admin = psycopg2.connect(target.conninfo("postgres"), password=target.url.password or None)
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(staging)))
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(staging)))
        result = _run_tool(
            "pg_restore",
            [
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                f"--dbname={target.conninfo(staging)}",
                str(archive),
            ],
            target,
        )
        if result.returncode != 0:
            raise BackupError(
                f"pg_restore failed (the live database is unchanged): {_last_lines(result.stderr)}"
            )
        report = reapply_forgets(target.engine_url(staging), ledger)
        with admin.cursor() as cur:
            cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(live)))
            cur.execute(
                sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                    sql.Identifier(staging), sql.Identifier(live)
                )
            )
    except BaseException:
        with admin.cursor() as cur:
            cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(staging)))
        raise
    finally:
        admin.close()
    return report


def reapply_forgets(url: URL, ledger: ForgetLedger) -> RestoreReport:
    """Forgets again, in the database at `url`, every client whose latest forget in the ledger is later than
    the one recorded in the database (or missing there), with the ledger's forget time."""
    entries = list(ledger.entries())
    latest: dict[str, dt.datetime] = {}
    for entry in entries:
        if entry.event == FORGET and (entry.client_id not in latest or entry.time > latest[entry.client_id]):
            latest[entry.client_id] = entry.time
    report = RestoreReport()
    if not latest:
        return report
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            recorded = client_locks.forget_times(conn, list(latest))
            for client_id in sorted(latest):
                forget_time = latest[client_id]
                if client_id in recorded and recorded[client_id] >= forget_time:
                    continue
                client_locks.lock_clients(conn, [client_id], exclusive=True)
                client_locks.forget_in(conn, client_id, forget_time)
                report.reapplied.append(client_id)
    finally:
        engine.dispose()
    again = set(report.reapplied)
    report.imports_to_repeat = [
        e for e in entries if e.event == IMPORT and e.client_id in again and e.time > latest[e.client_id]
    ]
    for client_id in report.reapplied:
        log.info(
            "restore: client forgotten after the backup was forgotten again", extra={"client": client_id}
        )
    return report
