"""An in-memory LearningStore (services/memory/service_layer/ports.py) for unit tests of the use cases.

It keeps the store's contract (dedup by id, alias, key and content; forget checks; the embedding queue;
scoped, filtered search ranked by similarity with the rating adjustment) without a database. Hybrid fusion
with keywords is SQL and is tested against the real Postgres (tests/integration/memory).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from services.memory.domain.model import (
    Backlog,
    ForgottenClient,
    NewItem,
    Scope,
    SearchFilters,
    StoredItem,
    embedding_text,
    predates_forget,
    ranking_score,
)
from services.memory.domain.playbook import Entry, EntryState, NewEntry, RemovedBy
from services.memory.domain.reports import ReportRow, StoredVersion
from services.memory.service_layer.ports import (
    DISCARDED,
    AddedEntry,
    Cursor,
    EmbedTexts,
    ForgetRecord,
    SearchQuery,
    Vector,
    Vectors,
)


@dataclass
class _Row:
    item: StoredItem
    content_hash: str
    idempotency_key: str
    vector: Any = None
    attempts: int = 0


class FakeStore:
    def __init__(self, model: str = "fake-model", dimensions: int = 384) -> None:
        self.model = model
        self.dimensions = dimensions
        self.rows: dict[uuid.UUID, _Row] = {}
        self.aliases: dict[uuid.UUID, tuple[uuid.UUID, uuid.UUID | None]] = {}
        self.forgotten: dict[str, ForgottenClient] = {}
        self.clock = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        self.statistics_refreshed = 0
        # The playbook store sharing this store's forget (as the Postgres tables share the database).
        self.playbook: FakePlaybookStore | None = None

    def _now(self) -> dt.datetime:
        self.clock += dt.timedelta(seconds=1)
        return self.clock

    # -- writes --------------------------------------------------------------------------------------
    def forget_times(self, client_ids: Sequence[str]) -> dict[str, dt.datetime]:
        return {c: self.forgotten[c].forget_time for c in client_ids if c in self.forgotten}

    def count_discarded(self, per_client: dict[str, int]) -> None:
        for client, n in per_client.items():
            f = self.forgotten[client]
            self.forgotten[client] = replace(f, discarded_count=f.discarded_count + n)

    def find_existing(self, items: Sequence[NewItem]) -> list[StoredItem | None]:
        found: list[StoredItem | None] = []
        for item in items:
            row = None
            if item.item_id is not None:
                target = self.aliases.get(item.item_id, (item.item_id, None))[0]
                row = self.rows.get(target)
            if row is None and item.idempotency_key:
                row = next((r for r in self.rows.values() if r.idempotency_key == item.idempotency_key), None)
            if row is None:
                row = next(
                    (
                        r
                        for r in self.rows.values()
                        if (r.item.kind, r.item.client_id, r.content_hash)
                        == (item.kind, item.client_id, item.content_hash)
                    ),
                    None,
                )
            found.append(row.item if row is not None else None)
        return found

    def insert_new(
        self, items: Sequence[NewItem], vectors: Sequence[Vector | None]
    ) -> list[StoredItem | str | None]:
        out: list[StoredItem | str | None] = []
        forgotten = self.forget_times([i.client_id for i in items])
        for item, vector in zip(items, vectors, strict=True):
            if predates_forget(item, forgotten):
                self.count_discarded({item.client_id: 1})
                out.append(DISCARDED)
                continue
            if self.find_existing([replace(item, item_id=None)])[0] is not None or (
                item.item_id is not None and item.item_id in self.rows
            ):
                out.append(None)
                continue
            stored = StoredItem(
                id=item.item_id or uuid.uuid4(),
                kind=item.kind,
                title=item.title,
                text=item.text,
                client_id=item.client_id,
                industry=item.industry,
                package_key=item.package_key,
                section_id=item.section_id,
                tags=item.tags,
                metadata=dict(item.metadata),
                source=item.source,
                rating="",
                rating_note="",
                create_time=self._now(),
                embedding_model=self.model if vector is not None else "",
                scope=item.scope,
                parent_id=item.parent_id,
            )
            self.rows[stored.id] = _Row(stored, item.content_hash, item.idempotency_key, vector)
            out.append(stored)
        return out

    def link_aliases(self, links: Sequence[tuple[uuid.UUID, uuid.UUID, uuid.UUID | None]]) -> None:
        for alias, target, parent in links:
            self.aliases.setdefault(alias, (target, parent))

    def _target(self, item_id: uuid.UUID) -> uuid.UUID:
        return self.aliases.get(item_id, (item_id, None))[0]

    def rate(self, item_id: uuid.UUID, rating: str, note: str) -> tuple[StoredItem, list[StoredItem]] | None:
        target = self._target(item_id)
        if target not in self.rows:
            return None
        names = {target, *(a for a, (t, _) in self.aliases.items() if t == target)}
        children = {r.item.id for r in self.rows.values() if r.item.parent_id in names}
        children |= {t for a, (t, p) in self.aliases.items() if p in names}
        children.discard(target)
        for item_id_ in (target, *children):
            row = self.rows[item_id_]
            row.item = replace(row.item, rating=rating, rating_note=note)
        return self.rows[target].item, [self.rows[c].item for c in sorted(children)]

    def set_scope(self, item_id: uuid.UUID, scope: Scope) -> StoredItem | None:
        row = self.rows.get(self._target(item_id))
        if row is None:
            return None
        row.item = replace(row.item, scope=scope)
        return row.item

    def delete(self, item_id: uuid.UUID) -> uuid.UUID | None:
        row = self.rows.pop(self._target(item_id), None)
        return row.item.id if row is not None else None

    def forget_client(self, client_id: str) -> ForgetRecord:
        when = self._now()
        gone = [(i, r.item.kind) for i, r in self.rows.items() if r.item.client_id == client_id]
        for i, _ in gone:
            del self.rows[i]
        before = self.forgotten.get(client_id)
        self.forgotten[client_id] = ForgottenClient(
            client_id,
            when,
            len(gone) + (before.deleted_count if before else 0),
            before.discarded_count if before else 0,
        )
        # The playbook goes in the same transaction (the Postgres store deletes it in the forget's).
        playbook = self.playbook.forget(client_id, when) if self.playbook is not None else 0
        return ForgetRecord(forget_time=when, deleted=gone, playbook_entries_deleted=playbook)

    def forgotten_clients(self, limit: int = 200) -> list[ForgottenClient]:
        return sorted(self.forgotten.values(), key=lambda f: f.forget_time, reverse=True)[:limit]

    # -- reads ---------------------------------------------------------------------------------------
    def get(self, item_id: uuid.UUID) -> StoredItem | None:
        row = self.rows.get(self._target(item_id))
        return row.item if row is not None else None

    def search(self, query: SearchQuery) -> list[tuple[StoredItem, float, float]]:
        """Embedded items by similarity; pending ones embedded by the search (query.pending.similarity)
        likewise; the other pending ones (matched by words in SQL) are left out here."""
        hits = []
        for item_id, row in self.rows.items():
            if not _passes(row.item, query.filters):
                continue
            if row.vector is not None:
                similarity = float(np.dot(row.vector, query.vector))
            elif item_id in query.pending.similarity and item_id in query.pending.ids:
                similarity = query.pending.similarity[item_id]
            else:
                continue
            if similarity >= query.min_similarity:
                hits.append((row.item, similarity, ranking_score(similarity, row.item.rating)))
        hits.sort(key=lambda h: h[2], reverse=True)
        return hits[: query.top_k]

    def page(
        self, *, kind: str, client_id: str, size: int, after: Cursor | None
    ) -> tuple[list[StoredItem], int]:
        items = sorted(
            (
                r.item
                for r in self.rows.values()
                if (not kind or r.item.kind == kind) and (not client_id or r.item.client_id == client_id)
            ),
            key=lambda i: (i.create_time, i.id),
            reverse=True,
        )
        total = len(items)
        if after is not None:
            items = [i for i in items if (i.create_time, i.id) < (after.create_time, after.id)]
        return items[:size], total

    def stats(self, days: int = 30) -> dict[str, Any]:
        per_kind: dict[str, int] = {}
        per_rating: dict[str, int] = {}
        for r in self.rows.values():
            per_kind[r.item.kind] = per_kind.get(r.item.kind, 0) + 1
            if r.item.rating:
                per_rating[r.item.rating] = per_rating.get(r.item.rating, 0) + 1
        return {"per_kind": per_kind, "per_rating": per_rating, "per_day": []}

    def pending_in_scope(
        self, client_id: str, filters: SearchFilters, limit: int
    ) -> list[tuple[uuid.UUID, str, str]]:
        waiting = sorted(
            (
                (i, r)
                for i, r in self.rows.items()
                if r.vector is None and r.item.client_id == client_id and _passes(r.item, filters)
            ),
            key=lambda p: p[1].item.create_time,
            reverse=True,
        )
        return [(i, r.item.title, r.item.text) for i, r in waiting[:limit]]

    def store_vectors(self, ids: Sequence[uuid.UUID], vectors: Vectors) -> int:
        stored = 0
        for i, v in zip(ids, vectors, strict=True):
            row = self.rows.get(i)
            if row is not None and row.vector is None:
                row.vector = v
                row.item = replace(row.item, embedding_model=self.model)
                stored += 1
        return stored

    # -- the embedding queue -------------------------------------------------------------------------
    def embed_pending(self, limit: int, embed: EmbedTexts) -> int:
        pending = sorted(
            (r for r in self.rows.values() if r.vector is None),
            key=lambda r: (r.attempts, r.item.create_time),
        )[:limit]
        if not pending:
            return 0
        try:
            vectors = embed([embedding_text(r.item.title, r.item.text) for r in pending])
        except Exception:
            for r in pending:
                r.attempts += 1
            raise
        for r, v in zip(pending, vectors, strict=True):
            r.vector = v
            r.item = replace(r.item, embedding_model=self.model)
        return len(pending)

    def backlog(self) -> Backlog:
        pending = [r for r in self.rows.values() if r.vector is None]
        oldest = min((r.item.create_time for r in pending), default=None)
        return Backlog(
            pending=len(pending),
            failing=sum(r.attempts > 0 for r in pending),
            oldest_pending_seconds=(self.clock - oldest).total_seconds() if oldest else 0.0,
        )

    def refresh_search_statistics(self, *, force: bool = False) -> bool:
        self.statistics_refreshed += 1
        return True

    # -- maintenance ---------------------------------------------------------------------------------
    def ensure_vector_index(self) -> None:
        pass

    def stale_batch(self, limit: int) -> list[tuple[uuid.UUID, str, str]]:
        return [
            (i, r.item.title, r.item.text)
            for i, r in self.rows.items()
            if r.item.embedding_model not in ("", self.model)
        ][:limit]

    def replace_embeddings(self, ids: Sequence[uuid.UUID], vectors: Vectors) -> None:
        for i, v in zip(ids, vectors, strict=True):
            self.rows[i].vector = v
            self.rows[i].item = replace(self.rows[i].item, embedding_model=self.model)


def _passes(item: StoredItem, f: SearchFilters) -> bool:
    if f.kinds and item.kind not in f.kinds:
        return False
    for name in ("client_id", "industry", "package_key", "section_id"):
        wanted = getattr(f, name)
        if wanted and getattr(item, name) != wanted:
            return False
    return not (f.for_client_id and item.scope is not Scope.AGENCY and item.client_id != f.for_client_id)


class FakePlaybookStore:
    """An in-memory PlaybookStore: current rows and appended versions, the forget check (against the forget
    times `forget` records), pinned-then-newest listing."""

    def __init__(self) -> None:
        self.current: dict[uuid.UUID, Entry] = {}
        self.history: dict[uuid.UUID, list[Entry]] = {}
        self.forgotten: dict[str, dt.datetime] = {}
        self.clock = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

    def _now(self) -> dt.datetime:
        self.clock += dt.timedelta(seconds=1)
        return self.clock

    def forget(self, client_id: str, when: dt.datetime) -> int:
        gone = [i for i, e in self.current.items() if e.client_id == client_id]
        for i in gone:
            del self.current[i]
            del self.history[i]
        self.forgotten[client_id] = when
        return len(gone)

    def _write(self, entry: Entry) -> Entry:
        stamped = replace(entry, update_time=self._now())
        self.current[entry.id] = stamped
        self.history.setdefault(entry.id, []).append(stamped)
        return stamped

    def _insert(self, new: NewEntry) -> tuple[Entry, bool]:
        entry_id = new.entry_id or uuid.uuid4()
        if entry_id in self.current:
            return self.current[entry_id], False
        now = self._now()
        entry = Entry(
            id=entry_id,
            client_id=new.client_id,
            kind=new.kind,
            section_id=new.section_id,
            text=new.text,
            pinned=new.pinned,
            state=new.state,
            origin=new.origin,
            source=new.source,
            author=new.author,
            version=1,
            create_time=now,
            update_time=now,
            note=new.note,
            removed_by=RemovedBy.OPERATOR if new.state is EntryState.REMOVED else RemovedBy.NOBODY,
        )
        return self._write(entry), True

    def add(self, entries: Sequence[NewEntry]) -> list[AddedEntry]:
        return [DISCARDED if predates_forget(e, self.forgotten) else self._insert(e) for e in entries]

    def get(self, entry_id: uuid.UUID) -> Entry | None:
        return self.current.get(entry_id)

    def save_version(self, entry: Entry) -> Entry | None:
        current = self.current.get(entry.id)
        if current is None or current.version != entry.version - 1:
            return None
        return self._write(entry)

    def derive(self, ensure: Sequence[NewEntry], retire: Sequence[uuid.UUID], note: str) -> list[AddedEntry]:
        for entry_id in retire:
            current = self.current.get(entry_id)
            if current is not None and current.state is EntryState.ACTIVE:
                self._write(
                    replace(
                        current,
                        state=EntryState.REMOVED,
                        removed_by=RemovedBy.RATING,
                        note=note,
                        author="",
                        version=current.version + 1,
                    )
                )
        results: list[AddedEntry] = []
        for new in ensure:
            if predates_forget(new, self.forgotten):
                results.append(DISCARDED)
                continue
            stored, created = self._insert(new)
            if stored.state is EntryState.REMOVED and stored.removed_by is RemovedBy.RATING:
                stored = self._write(
                    replace(
                        stored,
                        state=EntryState.ACTIVE,
                        removed_by=RemovedBy.NOBODY,
                        note=new.note,
                        author="",
                        version=stored.version + 1,
                    )
                )
            results.append((stored, created))
        return results

    def entries_of(self, client_ids: Sequence[str], *, include_removed: bool, limit: int) -> list[Entry]:
        wanted = [
            e
            for e in self.current.values()
            if e.client_id in client_ids and (include_removed or e.state is EntryState.ACTIVE)
        ]
        wanted.sort(key=lambda e: (e.create_time, e.id), reverse=True)
        wanted.sort(key=lambda e: not e.pinned)
        return wanted[:limit]

    def versions(self, entry_id: uuid.UUID) -> list[Entry]:
        return list(reversed(self.history.get(entry_id, [])))


class FakeReportArchive:
    """The ReportArchiveStore in memory: histories numbered from 1, forgotten clients' late work discarded."""

    def __init__(self) -> None:
        self.stored: list[StoredVersion] = []
        self.forgotten: dict[str, dt.datetime] = {}
        self._clock = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

    def save(self, version: StoredVersion, work_start_time: dt.datetime | None) -> StoredVersion | None:
        forgot = self.forgotten.get(version.client_id)
        if forgot is not None and (work_start_time is None or work_start_time < forgot):
            return None
        self._clock += dt.timedelta(seconds=1)
        number = 1 + max((v.version for v in self.stored if v.history_id == version.history_id), default=0)
        saved = replace(version, version=number, create_time=self._clock)
        self.stored.append(saved)
        return saved

    def versions(self, history_id: uuid.UUID, limit: int = 500) -> list[StoredVersion]:
        return [replace(v, markdown="") for v in self.stored if v.history_id == history_id][:limit]

    def get(self, history_id: uuid.UUID, version: int) -> StoredVersion | None:
        found = [
            v for v in self.stored if v.history_id == history_id and (not version or v.version == version)
        ]
        return found[-1] if found else None

    def reports(
        self, *, client_id: str, size: int, after: tuple[dt.datetime, uuid.UUID] | None
    ) -> list[ReportRow]:
        latest: dict[uuid.UUID, StoredVersion] = {}
        first: dict[uuid.UUID, dt.datetime] = {}
        for v in self.stored:
            if client_id and v.client_id != client_id:
                continue
            assert v.create_time is not None
            latest[v.history_id] = v
            first.setdefault(v.history_id, v.create_time)
        rows = sorted(latest.values(), key=lambda v: (v.create_time, v.history_id), reverse=True)
        if after is not None:
            rows = [v for v in rows if (v.create_time, v.history_id) < after]
        return [ReportRow(latest=v, first_create_time=first[v.history_id]) for v in rows[:size]]
