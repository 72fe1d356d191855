"""Export and import of one client: its learning items (with ratings, scope, vectors and aliases) and every
archived version of its reports, as one portable, checksummed JSON-lines file.

The file (FORMAT, FORMAT_VERSION):

    line 1   {"format": "aicmo-client-export", "format_version": 1, "schema_version": "0005",
              "client_id": ..., "exported_at": ..., "counts": {"learning_items": n, ...},
              "body_sha256": <hex SHA-256 of every byte after this line>}
    line 2.. {"section": "learning_items", "row": {<the table row as Postgres' to_jsonb gives it>}}

Rows are read with `to_jsonb` and written back with `jsonb_populate_record`, so every column round-trips
exactly (timestamps to the microsecond, vectors in pgvector's exact text form, JSONB, arrays) and a column
added by a later migration travels without code here. A new kind of client data (e.g. the playbook's
entries, once its table exists) is one more `Section` in SECTIONS: nothing else changes.

An import is checked whole (format, version, checksum, counts, every line's JSON and client) before one
transaction writes everything, under the client's exclusive lock; any refusal writes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Engine, text
from sqlalchemy.exc import DataError, IntegrityError

from services.common.domain_errors import FailedPrecondition, InvalidArgument
from services.memory.adapters import client_locks
from services.memory.adapters.forget_ledger import ForgetLedger

FORMAT = "aicmo-client-export"
FORMAT_VERSION = 1
# Rows per INSERT ... SELECT FROM jsonb_to_recordset (bounded memory per statement).
_BATCH = 200


@dataclass(frozen=True)
class ImportContext:
    """What an import knows about the database it writes into."""

    embedding_model: str  # the configured model: vectors of another model are dropped and re-embedded


@dataclass(frozen=True)
class Section:
    """One kind of client data: a table, which of its rows are the client's, and how a row is adapted on
    import. Sections are exported and imported in SECTIONS order (a section may refer to an earlier one)."""

    name: str
    table: str
    # SQL condition on the table (alias `t`) selecting the client's rows; `:client` is the client id.
    client_rows: str
    order_by: str
    # Generated columns (never written) and columns reset on import.
    generated: tuple[str, ...] = ()
    # The column holding the row's client id, checked against the file's client on import ("" for none).
    client_column: str = "client_id"
    adapt: Callable[[dict[str, Any], ImportContext], dict[str, Any]] | None = None


def _adapt_item(row: dict[str, Any], context: ImportContext) -> dict[str, Any]:
    """A vector of another model than the configured one is dropped: the item joins the embedding queue."""
    row = dict(row)
    if row.get("embedding_model") != context.embedding_model:
        row["embedding"] = None
        row["embedding_model"] = ""
    row["embed_attempts"] = 0
    return row


SECTIONS: tuple[Section, ...] = (
    Section(
        name="learning_items",
        table="learning_examples",
        client_rows="t.client_id = :client",
        order_by="t.create_time, t.id",
        generated=("search_text",),
        adapt=_adapt_item,
    ),
    Section(
        name="item_aliases",
        table="learning_item_aliases",
        client_rows="t.item_id IN (SELECT id FROM learning_examples WHERE client_id = :client)",
        order_by="t.alias_id",
        client_column="",
    ),
    Section(
        name="report_versions",
        table="report_versions",
        client_rows="t.client_id = :client",
        order_by="t.history_id, t.version",
    ),
    Section(
        name="playbook_entries",
        table="playbook_entries",
        client_rows="t.client_id = :client",
        order_by="t.create_time, t.id",
    ),
    Section(
        name="playbook_entry_versions",
        table="playbook_entry_versions",
        client_rows="t.entry_id IN (SELECT id FROM playbook_entries WHERE client_id = :client)",
        order_by="t.entry_id, t.version",
        client_column="",
    ),
)


@dataclass(frozen=True)
class ExportSummary:
    client_id: str
    counts: Mapping[str, int]
    body_sha256: str
    path: Path | None = None


@dataclass(frozen=True)
class ImportSummary:
    client_id: str
    counts: Mapping[str, int]
    body_sha256: str
    was_forgotten: bool
    requeued_for_embedding: int = 0
    schema_version: str = ""


def _dumps(value: Any) -> bytes:
    return (json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n").encode()


def export_client(engine: Engine, client_id: str, out: IO[bytes], *, schema_version: str) -> ExportSummary:
    """Writes the client's file to `out`, read in one consistent snapshot (REPEATABLE READ)."""
    counts: dict[str, int] = {}
    digest = hashlib.sha256()
    with tempfile.TemporaryFile() as body:
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                for section in SECTIONS:
                    counts[section.name] = 0
                    result = conn.execution_options(stream_results=True, max_row_buffer=500).execute(
                        text(
                            f"SELECT to_jsonb(t) AS row FROM {section.table} t "
                            f"WHERE {section.client_rows} ORDER BY {section.order_by}"
                        ),
                        {"client": client_id},
                    )
                    for (row,) in result:
                        for column in section.generated:
                            row.pop(column, None)
                        line = _dumps({"section": section.name, "row": row})
                        digest.update(line)
                        body.write(line)
                        counts[section.name] += 1
        header = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "schema_version": schema_version,
            "client_id": client_id,
            "exported_at": dt.datetime.now(dt.UTC).isoformat(),
            "counts": counts,
            "body_sha256": digest.hexdigest(),
        }
        out.write(_dumps(header))
        body.seek(0)
        while chunk := body.read(1 << 20):
            out.write(chunk)
    return ExportSummary(client_id=client_id, counts=counts, body_sha256=digest.hexdigest())


def export_client_to_file(
    engine: Engine, client_id: str, path: Path, *, schema_version: str
) -> ExportSummary:
    """Writes the file atomically (a temporary file renamed into place once complete and fsynced)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with partial.open("wb") as out:
        summary = export_client(engine, client_id, out, schema_version=schema_version)
        out.flush()
        os.fsync(out.fileno())
    partial.replace(path)
    return ExportSummary(summary.client_id, summary.counts, summary.body_sha256, path)


@dataclass(frozen=True)
class _Checked:
    header: Mapping[str, Any]
    client_id: str
    counts: dict[str, int]


def _damaged(where: str, message: str) -> InvalidArgument:
    return InvalidArgument(where, f"not a usable AICMO client export: {message}; nothing was imported")


def read_header(source: IO[bytes], where: str = "file") -> Mapping[str, Any]:
    first = source.readline()
    try:
        header = json.loads(first)
    except (ValueError, UnicodeDecodeError):
        raise _damaged(where, "its first line is not the JSON header") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise _damaged(where, f"its header does not name the format {FORMAT!r}")
    version = header.get("format_version")
    if version != FORMAT_VERSION:
        raise InvalidArgument(
            where,
            f"format version {version!r} is not supported (this AICMO reads version {FORMAT_VERSION}); "
            "nothing was imported",
        )
    for key, kind in (("client_id", str), ("body_sha256", str), ("counts", dict), ("schema_version", str)):
        if not isinstance(header.get(key), kind):
            raise _damaged(where, f"its header has no valid {key!r}")
    return dict(header)


def _rows(source: IO[bytes], where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for number, line in enumerate(source, start=2):
        try:
            entry = json.loads(line)
        except (ValueError, UnicodeDecodeError):
            raise _damaged(where, f"line {number} is not JSON") from None
        if not isinstance(entry, dict) or not isinstance(entry.get("row"), dict):
            raise _damaged(where, f"line {number} is not a section row")
        yield str(entry.get("section")), entry["row"]


def check_file(source: IO[bytes], known_schema_versions: set[str], where: str = "file") -> _Checked:
    """Reads the whole file once: header, checksum, counts, every line. Raises InvalidArgument naming
    `where` when anything is off."""
    header = read_header(source, where)
    if header["schema_version"] not in known_schema_versions:
        raise InvalidArgument(
            where,
            f"it was written by a newer AICMO (schema {header['schema_version']}); upgrade this one first; "
            "nothing was imported",
        )
    start = source.tell()
    digest = hashlib.sha256()
    while chunk := source.read(1 << 20):
        digest.update(chunk)
    if digest.hexdigest() != header["body_sha256"]:
        raise _damaged(where, "its checksum does not match its contents (damaged or truncated)")
    source.seek(start)
    names = {s.name: s for s in SECTIONS}
    counts: dict[str, int] = {}
    client_id = header["client_id"]
    for name, row in _rows(source, where):
        section = names.get(name)
        if section is None:
            raise _damaged(where, f"it holds an unknown section {name!r}")
        if section.client_column and row.get(section.client_column) != client_id:
            raise _damaged(where, f"a {name} row belongs to another client than the header's")
        counts[name] = counts.get(name, 0) + 1
    try:
        expected = {str(k): int(v) for k, v in header["counts"].items() if int(v)}
    except (TypeError, ValueError):
        raise _damaged(where, "its header's counts are not numbers") from None
    if counts != expected:
        raise _damaged(where, "its rows do not match the counts in its header")
    source.seek(start)
    return _Checked(header=header, client_id=client_id, counts=counts)


def import_client(
    engine: Engine,
    source: IO[bytes],
    *,
    context: ImportContext,
    known_schema_versions: set[str],
    bring_back_forgotten: bool = False,
    ledger: ForgetLedger | None = None,
    where: str = "file",
) -> ImportSummary:
    """Checks the whole file, then writes it in one transaction under the client's exclusive lock.

    Refused (nothing written): a damaged file or another format version (InvalidArgument naming `where`);
    a client that already has items or reports here, or that was forgotten here unless
    `bring_back_forgotten` (FailedPrecondition). A forgotten client brought back keeps its forget record:
    work that started before the forget and arrives late is still discarded; the import itself is the
    operator's explicit act now, and is written to the ledger."""
    checked = check_file(source, known_schema_versions, where)
    try:
        forgotten, requeued = _write(engine, source, checked, context, bring_back_forgotten, ledger, where)
    except IntegrityError:
        raise FailedPrecondition(
            f"client {checked.client_id!r}: a row of the file conflicts with data here (an item id, report id "
            "or idempotency key already in use by another client); nothing was imported"
        ) from None
    except DataError:
        raise _damaged(where, "a row holds a value Postgres cannot store") from None
    client_id = checked.client_id
    return ImportSummary(
        client_id=client_id,
        counts=checked.counts,
        body_sha256=str(checked.header["body_sha256"]),
        was_forgotten=forgotten is not None,
        requeued_for_embedding=requeued,
        schema_version=str(checked.header["schema_version"]),
    )


def _write(
    engine: Engine,
    source: IO[bytes],
    checked: _Checked,
    context: ImportContext,
    bring_back_forgotten: bool,
    ledger: ForgetLedger | None,
    where: str,
) -> tuple[dt.datetime | None, int]:
    """The import's one transaction; returns (the client's forget time here, items re-queued)."""
    client_id = checked.client_id
    requeued = 0
    with engine.begin() as conn:
        client_locks.lock_clients(conn, [client_id], exclusive=True)
        forgotten = client_locks.forget_times(conn, [client_id]).get(client_id)
        if forgotten is not None and not bring_back_forgotten:
            raise FailedPrecondition(
                f"client {client_id!r} was forgotten here on {forgotten.isoformat()}: bringing it back needs "
                "the explicit bring_back_forgotten option (CLI: --bring-back-forgotten); nothing was imported"
            )
        present = conn.execute(
            text(
                "SELECT (SELECT count(*) FROM learning_examples WHERE client_id = :c) + "
                "(SELECT count(*) FROM report_versions WHERE client_id = :c)"
            ),
            {"c": client_id},
        ).scalar_one()
        if present:
            raise FailedPrecondition(
                f"client {client_id!r} already has {present} item(s) or report version(s) here: import into a "
                "database without this client (or forget it first); nothing was imported"
            )
        names = {s.name: s for s in SECTIONS}
        pending: dict[str, list[dict[str, Any]]] = {}

        def flush(section: Section) -> None:
            rows = pending.pop(section.name, [])
            if rows:
                _insert(conn, section, rows)

        current: Section | None = None
        for name, row in _rows(source, where):
            section = names[name]
            if current is not None and section is not current:
                flush(current)
            current = section
            if section.adapt is not None:
                adapted = section.adapt(row, context)
                requeued += int(adapted.get("embedding") is None and row.get("embedding") is not None)
                row = adapted
            pending.setdefault(name, []).append(row)
            if len(pending[name]) >= _BATCH:
                flush(section)
        if current is not None:
            flush(current)
        if ledger is not None:
            now = conn.execute(text("SELECT now()")).scalar_one()
            ledger.record_import(client_id, now, checked.header["body_sha256"])
    return forgotten, requeued


def _insert(conn: Any, section: Section, rows: list[dict[str, Any]]) -> None:
    """INSERT ... SELECT from jsonb_populate_recordset: Postgres parses every column from its JSON form."""
    present = set(rows[0])
    columns = [
        r[0]
        for r in conn.execute(
            text(
                "SELECT attname FROM pg_attribute WHERE attrelid = CAST(:t AS regclass) AND attnum > 0 "
                "AND NOT attisdropped AND attgenerated = '' ORDER BY attnum"
            ),
            {"t": section.table},
        )
        if r[0] in present  # a column the file does not carry (added since) takes its default
    ]
    listed = ", ".join(f'"{c}"' for c in columns)
    conn.execute(
        text(
            f"INSERT INTO {section.table} ({listed}) SELECT {listed} "
            f"FROM jsonb_populate_recordset(NULL::{section.table}, CAST(:rows AS jsonb))"
        ),
        {"rows": json.dumps(rows, ensure_ascii=False)},
    )
