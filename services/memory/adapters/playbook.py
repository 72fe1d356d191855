"""Every SQL statement against the playbook tables (`playbook_entries`, `playbook_entry_versions`), except the
forget's delete, which runs in the forget's own transaction (LearningRepository.forget_client)."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Engine, Table, select, update
from sqlalchemy import func as sa_func
from sqlalchemy.dialects.postgresql import insert

from services.memory.adapters import client_locks
from services.memory.adapters.orm import PlaybookEntryRow, PlaybookEntryVersionRow
from services.memory.domain.model import predates_forget
from services.memory.domain.playbook import (
    Entry,
    EntryKind,
    EntryOrigin,
    EntrySource,
    EntryState,
    NewEntry,
    RemovedBy,
)
from services.memory.service_layer.ports import DISCARDED, AddedEntry

_E = cast(Table, PlaybookEntryRow.__table__)
_V = cast(Table, PlaybookEntryVersionRow.__table__)
_ENTRY_COLUMNS = tuple(_E.c)
# What each version keeps of its own; the rest (kind, client, origin, source, create_time) is the entry's.
_PER_VERSION = frozenset(
    ("version", "text", "pinned", "state", "removed_by", "author", "note", "update_time")
)


def _entry(row: Any) -> Entry:
    m = row._mapping
    return Entry(
        id=m["id"],
        client_id=m["client_id"],
        kind=EntryKind(m["kind"]),
        section_id=m["section_id"],
        text=m["text"],
        pinned=bool(m["pinned"]),
        state=EntryState(m["state"]),
        origin=EntryOrigin(m["origin"]),
        source=EntrySource(
            history_id=m["source_history_id"],
            report_id=m["source_report_id"],
            report_version=int(m["source_report_version"]),
            section_id=m["source_section_id"],
            item_id=m["source_item_id"],
        ),
        author=m["author"],
        version=int(m["version"]),
        create_time=m["create_time"],
        update_time=m["update_time"],
        note=m["note"],
        removed_by=RemovedBy(m["removed_by"]),
    )


def _version_values(entry_id: uuid.UUID, row: Any) -> dict[str, Any]:
    """The version row for an entry row just written (its time is the entry's update_time)."""
    m = row._mapping
    return {
        "entry_id": entry_id,
        "version": m["version"],
        "text": m["text"],
        "pinned": m["pinned"],
        "state": m["state"],
        "removed_by": m["removed_by"],
        "author": m["author"],
        "note": m["note"],
        "create_time": m["update_time"],
    }


class PlaybookRepository:
    """The Postgres PlaybookStore."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- writes --------------------------------------------------------------------------------------
    def add(self, entries: Sequence[NewEntry]) -> list[AddedEntry]:
        if not entries:
            return []
        with self.engine.begin() as conn:
            stale = self._lock_and_check(conn, entries)
            return [
                DISCARDED if is_stale else self._insert(conn, e)
                for e, is_stale in zip(entries, stale, strict=True)
            ]

    def derive(self, ensure: Sequence[NewEntry], retire: Sequence[uuid.UUID], note: str) -> list[AddedEntry]:
        with self.engine.begin() as conn:
            stale = self._lock_and_check(conn, ensure)
            if retire:
                rows = conn.execute(
                    select(*_ENTRY_COLUMNS)
                    .where(_E.c.id.in_(list(retire)), _E.c.state == EntryState.ACTIVE.value)
                    .with_for_update()
                ).all()
                for row in rows:
                    self._write_version(
                        conn, _entry(row), state=EntryState.REMOVED, removed_by=RemovedBy.RATING, note=note
                    )
            results: list[AddedEntry] = []
            for entry, is_stale in zip(ensure, stale, strict=True):
                if is_stale:
                    results.append(DISCARDED)
                    continue
                stored, created = self._insert(conn, entry, for_update=True)
                if stored.state is EntryState.REMOVED and stored.removed_by is RemovedBy.RATING:
                    stored = self._write_version(
                        conn, stored, state=EntryState.ACTIVE, removed_by=RemovedBy.NOBODY, note=entry.note
                    )
                results.append((stored, created))
            return results

    def save_version(self, entry: Entry) -> Entry | None:
        with self.engine.begin() as conn:
            row = conn.execute(
                update(_E)
                .where(_E.c.id == entry.id, _E.c.version == entry.version - 1)
                .values(
                    text=entry.text,
                    pinned=entry.pinned,
                    state=entry.state.value,
                    removed_by=entry.removed_by.value,
                    author=entry.author,
                    note=entry.note,
                    version=entry.version,
                    update_time=sa_func.clock_timestamp(),
                )
                .returning(*_ENTRY_COLUMNS)
            ).one_or_none()
            if row is None:
                return None
            conn.execute(insert(_V).values(**_version_values(entry.id, row)))
        return _entry(row)

    # -- reads ---------------------------------------------------------------------------------------
    def get(self, entry_id: uuid.UUID) -> Entry | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(*_ENTRY_COLUMNS).where(_E.c.id == entry_id)).one_or_none()
        return _entry(row) if row is not None else None

    def entries_of(self, client_ids: Sequence[str], *, include_removed: bool, limit: int) -> list[Entry]:
        statement = select(*_ENTRY_COLUMNS).where(_E.c.client_id.in_(list(client_ids)))
        if not include_removed:
            statement = statement.where(_E.c.state == EntryState.ACTIVE.value)
        statement = statement.order_by(_E.c.pinned.desc(), _E.c.create_time.desc(), _E.c.id.desc()).limit(
            limit
        )
        with self.engine.connect() as conn:
            rows = conn.execute(statement).all()
        return [_entry(r) for r in rows]

    def versions(self, entry_id: uuid.UUID) -> list[Entry]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(
                    *(c for c in _ENTRY_COLUMNS if c.name not in _PER_VERSION),
                    _V.c.version,
                    _V.c.text,
                    _V.c.pinned,
                    _V.c.state,
                    _V.c.removed_by,
                    _V.c.author,
                    _V.c.note,
                    _V.c.create_time.label("update_time"),
                )
                .select_from(_V.join(_E, _E.c.id == _V.c.entry_id))
                .where(_V.c.entry_id == entry_id)
                .order_by(_V.c.version.desc())
            ).all()
        return [_entry(r) for r in rows]

    # -- helpers -------------------------------------------------------------------------------------
    @staticmethod
    def _lock_and_check(conn: Any, entries: Sequence[NewEntry]) -> list[bool]:
        """Takes the entries' clients' locks (shared) and tells, per entry, whether its work started before
        its client's forget (then it is discarded, and counted on the forget record)."""
        clients = [e.client_id for e in entries]
        client_locks.lock_clients(conn, clients, exclusive=False)
        stamped = [e.client_id for e in entries if e.work_start_time is not None]
        forgotten = client_locks.forget_times(conn, stamped) if stamped else {}
        stale = [predates_forget(e, forgotten) for e in entries]
        discarded = Counter(e.client_id for e, is_stale in zip(entries, stale, strict=True) if is_stale)
        client_locks.count_discarded(conn, dict(discarded))
        return stale

    @staticmethod
    def _insert(conn: Any, entry: NewEntry, *, for_update: bool = False) -> tuple[Entry, bool]:
        entry_id = entry.entry_id or uuid.uuid4()
        row = conn.execute(
            insert(_E)
            .values(
                id=entry_id,
                client_id=entry.client_id,
                kind=entry.kind.value,
                section_id=entry.section_id,
                text=entry.text,
                pinned=entry.pinned,
                state=entry.state.value,
                removed_by=(
                    RemovedBy.OPERATOR if entry.state is EntryState.REMOVED else RemovedBy.NOBODY
                ).value,
                origin=entry.origin.value,
                source_history_id=entry.source.history_id,
                source_report_id=entry.source.report_id,
                source_report_version=entry.source.report_version,
                source_section_id=entry.source.section_id,
                source_item_id=entry.source.item_id,
                author=entry.author,
                note=entry.note,
                version=1,
            )
            .on_conflict_do_nothing(index_elements=[_E.c.id])
            .returning(*_ENTRY_COLUMNS)
        ).one_or_none()
        if row is not None:
            conn.execute(insert(_V).values(**_version_values(entry_id, row)))
            return _entry(row), True
        existing = select(*_ENTRY_COLUMNS).where(_E.c.id == entry_id)
        return _entry(conn.execute(existing.with_for_update() if for_update else existing).one()), False

    @staticmethod
    def _write_version(
        conn: Any, current: Entry, *, state: EntryState, removed_by: RemovedBy, note: str
    ) -> Entry:
        """A rating's version of a locked entry: only its state changes."""
        written = conn.execute(
            update(_E)
            .where(_E.c.id == current.id)
            .values(
                state=state.value,
                removed_by=removed_by.value,
                author="",
                note=note,
                version=current.version + 1,
                update_time=sa_func.clock_timestamp(),
            )
            .returning(*_ENTRY_COLUMNS)
        ).one()
        conn.execute(insert(_V).values(**_version_values(current.id, written)))
        return _entry(written)
