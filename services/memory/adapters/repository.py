"""The learning repository: every SQL statement against `learning_examples` lives here."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
from sqlalchemy import Engine, Table, func, or_, select, text, tuple_
from sqlalchemy import literal as sa_literal
from sqlalchemy.dialects.postgresql import insert

from services.memory.adapters.orm import ForgottenClientRow, LearningExample, LearningItemAlias
from services.memory.domain.model import (
    GOLD_BOOST,
    WEAK_PENALTY,
    ForgottenClient,
    NewItem,
    Scope,
    SearchFilters,
    StoredItem,
    predates_forget,
)
from services.memory.embeddings.base import Vectors

_T = cast(Table, LearningExample.__table__)
_ALIAS = cast(Table, LearningItemAlias.__table__)
_FORGOTTEN = cast(Table, ForgottenClientRow.__table__)
# Advisory-lock namespace for per-client locks: writes take it shared, a forget exclusively, so a forget
# never interleaves with a write of the same client (see forget_client and insert_new).
_CLIENT_LOCK_NAMESPACE = 0x41434D4F
# Marks an item insert_new discarded because its client was forgotten meanwhile.
DISCARDED = "discarded"
_ITEM_COLUMNS = [
    c for c in _T.c if c.name not in ("embedding", "content_hash", "update_time", "idempotency_key")
]


@dataclass(frozen=True)
class Cursor:
    """Keyset position for paging newest-first."""

    create_time: dt.datetime
    id: uuid.UUID


def _to_item(row: Any) -> StoredItem:
    m = row._mapping
    return StoredItem(
        id=m["id"],
        kind=m["kind"],
        title=m["title"],
        text=m["text"],
        client_id=m["client_id"],
        industry=m["industry"],
        package_key=m["package_key"],
        section_id=m["section_id"],
        tags=tuple(m["tags"] or ()),
        metadata=m["metadata"] or {},
        source=m["source"],
        rating=m["rating"],
        rating_note=m["rating_note"],
        create_time=m["create_time"],
        embedding_model=m["embedding_model"],
        scope=Scope(m["scope"]),
        parent_id=m["parent_id"],
    )


def _vector_literal(vector: np.ndarray[Any, Any]) -> str:
    return "[" + ",".join(f"{x:.7g}" for x in vector.tolist()) + "]"


def vector_index_name(model: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", model.lower()).strip("_")[:24]
    return f"ix_learning_examples_hnsw_{slug}_{hashlib.sha1(model.encode()).hexdigest()[:8]}"


class LearningRepository:
    """Reads and writes learning items whose vectors come from `model` (`dimensions` long)."""

    def __init__(self, engine: Engine, *, model: str, dimensions: int) -> None:
        self.engine = engine
        self.model = model
        self.dimensions = int(dimensions)

    # -- schema helpers ------------------------------------------------------------------------------
    def ensure_vector_index(self) -> None:
        """One partial HNSW (cosine) index per embedding model, over `embedding::vector(dims)`."""
        name = vector_index_name(self.model)
        model_literal = self.model.replace("'", "''")
        with self.engine.begin() as conn:
            # A build over 100k rows takes ~30 s on two cores: no statement timeout, and enough memory
            # (managed servers default to 64MB, which makes HNSW builds spill to disk).
            conn.execute(text("SET LOCAL statement_timeout = 0"))
            conn.execute(text("SET LOCAL maintenance_work_mem = '512MB'"))
            conn.execute(
                text(
                    f"CREATE INDEX IF NOT EXISTS {name} ON learning_examples USING hnsw "
                    f"((embedding::vector({self.dimensions})) vector_cosine_ops) "
                    f"WITH (m = 16, ef_construction = 64) WHERE embedding_model = '{model_literal}'"
                )
            )

    def count_by_model(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(_T.c.embedding_model, func.count()).group_by(_T.c.embedding_model))
            return {model: int(count) for model, count in rows}

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    # -- writes --------------------------------------------------------------------------------------
    def find_existing(self, items: Sequence[NewItem]) -> list[StoredItem | None]:
        """For each item, the stored item with its idempotency key, else with its content, else None."""
        if not items:
            return []
        keys = [i.idempotency_key for i in items if i.idempotency_key]
        contents = [(i.kind, i.client_id, i.content_hash) for i in items]
        chosen = [i.item_id for i in items if i.item_id is not None]
        with self.engine.connect() as conn:
            aliases = self._resolve_aliases(conn, chosen)
            ids = list({*chosen, *aliases.values()})
            rows = conn.execute(
                select(*_ITEM_COLUMNS, _T.c.idempotency_key, _T.c.content_hash).where(
                    or_(
                        _T.c.idempotency_key.in_(keys) if keys else text("false"),
                        _T.c.id.in_(ids) if ids else text("false"),
                        tuple_(_T.c.kind, _T.c.client_id, _T.c.content_hash).in_(contents),
                    )
                )
            ).all()
        by_id = {r.id: r for r in rows}
        by_key = {r.idempotency_key: r for r in rows if r.idempotency_key}
        by_content = {(r.kind, r.client_id, r.content_hash): r for r in rows}
        found: list[StoredItem | None] = []
        for item in items:
            row = None
            if item.item_id is not None:
                row = by_id.get(aliases.get(item.item_id, item.item_id))
            if row is None and item.idempotency_key:
                row = by_key.get(item.idempotency_key)
            if row is None:
                row = by_content.get((item.kind, item.client_id, item.content_hash))
            found.append(_to_item(row) if row is not None else None)
        return found

    @staticmethod
    def _resolve_aliases(conn: Any, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
        if not ids:
            return {}
        rows = conn.execute(
            select(_ALIAS.c.alias_id, _ALIAS.c.item_id).where(_ALIAS.c.alias_id.in_(list(ids)))
        ).all()
        return {r.alias_id: r.item_id for r in rows}

    def resolve_id(self, item_id: uuid.UUID) -> uuid.UUID:
        """The item an id names: itself, or the item its alias points at."""
        with self.engine.connect() as conn:
            return self._resolve_aliases(conn, [item_id]).get(item_id, item_id)

    def link_aliases(self, links: Sequence[tuple[uuid.UUID, uuid.UUID, uuid.UUID | None]]) -> None:
        """Records (alias_id, item_id, parent_id): a chosen id whose content matched an existing item."""
        rows = [
            {"alias_id": alias, "item_id": target, "parent_id": parent}
            for alias, target, parent in links
            if alias != target
        ]
        if not rows:
            return
        with self.engine.begin() as conn:
            conn.execute(insert(_ALIAS).values(rows).on_conflict_do_nothing())

    def forget_times(self, client_ids: Sequence[str]) -> dict[str, dt.datetime]:
        """When each of these clients was last forgotten (only the forgotten ones appear)."""
        wanted = sorted({c for c in client_ids if c})
        if not wanted:
            return {}
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(_FORGOTTEN.c.client_id, _FORGOTTEN.c.forget_time).where(
                    _FORGOTTEN.c.client_id.in_(wanted)
                )
            ).all()
        return {r.client_id: r.forget_time for r in rows}

    def count_discarded(self, per_client: dict[str, int]) -> None:
        """Adds writes discarded for forgotten clients to their forget records."""
        if not per_client:
            return
        with self.engine.begin() as conn:
            self._count_discarded(conn, per_client)

    @staticmethod
    def _count_discarded(conn: Any, per_client: dict[str, int]) -> None:
        for client_id, n in per_client.items():
            conn.execute(
                _FORGOTTEN.update()
                .where(_FORGOTTEN.c.client_id == client_id)
                .values(discarded_count=_FORGOTTEN.c.discarded_count + n)
            )

    @staticmethod
    def _lock_clients(conn: Any, client_ids: Sequence[str], *, exclusive: bool) -> None:
        # Sorted, so two writers never wait on each other in opposite orders.
        function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
        for client_id in sorted({c for c in client_ids if c}):
            conn.execute(
                text(f"SELECT {function}(:ns, hashtext(:client))"),
                {"ns": _CLIENT_LOCK_NAMESPACE, "client": client_id},
            )

    def insert_new(self, items: Sequence[NewItem], vectors: Vectors) -> list[StoredItem | str | None]:
        """Inserts items, skipping any that collide with an existing id, key or content (or an earlier item
        of the same batch). Returns, aligned with `items`, the stored item, None where it was skipped, or
        DISCARDED where its client was forgotten after its work started (checked under the client's lock,
        so a concurrent forget either sees this write and deletes it, or this write sees the forget)."""
        if not items:
            return []
        ids = [item.item_id or uuid.uuid4() for item in items]
        rows = []
        keep: list[bool] = []
        with self.engine.begin() as conn:
            clients = [i.client_id for i in items]
            self._lock_clients(conn, clients, exclusive=False)
            forgotten = {
                r.client_id: r.forget_time
                for r in conn.execute(
                    select(_FORGOTTEN.c.client_id, _FORGOTTEN.c.forget_time).where(
                        _FORGOTTEN.c.client_id.in_(sorted({c for c in clients if c}))
                    )
                )
            }
            discarded: dict[str, int] = {}
            for item_id, item, vector in zip(ids, items, vectors, strict=True):
                stale = predates_forget(item, forgotten)
                keep.append(not stale)
                if stale:
                    discarded[item.client_id] = discarded.get(item.client_id, 0) + 1
                    continue
                rows.append(self._row(item_id, item, vector))
            self._count_discarded(conn, discarded)
            inserted: dict[uuid.UUID, StoredItem] = {}
            if rows:
                statement = insert(_T).values(rows).on_conflict_do_nothing().returning(*_ITEM_COLUMNS)
                inserted = {r.id: _to_item(r) for r in conn.execute(statement)}
        return [inserted.get(item_id) if kept else DISCARDED for item_id, kept in zip(ids, keep, strict=True)]

    def _row(self, item_id: uuid.UUID, item: NewItem, vector: Any) -> dict[str, Any]:
        return {
            "id": item_id,
            "kind": item.kind,
            "title": item.title,
            "text": item.text,
            "content_hash": item.content_hash,
            "client_id": item.client_id,
            "industry": item.industry,
            "package_key": item.package_key,
            "section_id": item.section_id,
            "tags": list(item.tags),
            "metadata": dict(item.metadata),
            "source": item.source,
            "idempotency_key": item.idempotency_key or None,
            "embedding": vector,
            "embedding_model": self.model,
            "scope": item.scope.value,
            "parent_id": item.parent_id,
        }

    def rate(self, item_id: uuid.UUID, rating: str, note: str) -> tuple[StoredItem, int] | None:
        """Rates the item (an alias id names its item) and, if it is a report, its sections: those recorded
        under it, also those whose content duplicated an earlier item. Returns the item and how many items
        were rated."""
        with self.engine.begin() as conn:
            target = self._resolve_aliases(conn, [item_id]).get(item_id, item_id)
            row = conn.execute(
                _T.update()
                .where(_T.c.id == target)
                .values(rating=rating, rating_note=note, update_time=func.now())
                .returning(*_ITEM_COLUMNS)
            ).one_or_none()
            if row is None:
                return None
            # Every id this item goes by (itself and its aliases) may be the parent its sections name.
            names = select(_ALIAS.c.alias_id).where(_ALIAS.c.item_id == target).union(
                select(sa_literal(target, type_=_T.c.id.type))
            )
            children = select(_T.c.id).where(_T.c.parent_id.in_(names)).union(
                select(_ALIAS.c.item_id).where(_ALIAS.c.parent_id.in_(names))
            )
            rated = conn.execute(
                _T.update()
                .where(_T.c.id.in_(children), _T.c.id != target)
                .values(rating=rating, rating_note=note, update_time=func.now())
            ).rowcount
        return _to_item(row), 1 + int(rated or 0)

    def set_scope(self, item_id: uuid.UUID, scope: Scope) -> StoredItem | None:
        with self.engine.begin() as conn:
            target = self._resolve_aliases(conn, [item_id]).get(item_id, item_id)
            row = conn.execute(
                _T.update()
                .where(_T.c.id == target)
                .values(scope=scope.value, update_time=func.now())
                .returning(*_ITEM_COLUMNS)
            ).one_or_none()
        return _to_item(row) if row is not None else None

    def delete(self, item_id: uuid.UUID) -> uuid.UUID | None:
        """Deletes the item (an alias id names its item); returns its id, or None if there was none."""
        with self.engine.begin() as conn:
            target = self._resolve_aliases(conn, [item_id]).get(item_id, item_id)
            row = conn.execute(_T.delete().where(_T.c.id == target).returning(_T.c.id)).first()
        return row.id if row is not None else None

    def forget_client(self, client_id: str) -> tuple[dt.datetime, list[tuple[uuid.UUID, str]]]:
        """Deletes every item of the client and records the forget durably, under the client's exclusive
        lock: a write in flight for the client finishes first (and is deleted here), and any later write
        of work that started before this instant is discarded. Returns (forget_time, [(id, kind)])."""
        with self.engine.begin() as conn:
            self._lock_clients(conn, [client_id], exclusive=True)
            forget_time = conn.execute(select(func.now())).scalar_one()
            rows = conn.execute(
                _T.delete().where(_T.c.client_id == client_id).returning(_T.c.id, _T.c.kind)
            ).all()
            statement = insert(_FORGOTTEN).values(
                client_id=client_id, forget_time=forget_time, deleted_count=len(rows), discarded_count=0
            )
            conn.execute(
                statement.on_conflict_do_update(
                    index_elements=[_FORGOTTEN.c.client_id],
                    set_={
                        "forget_time": statement.excluded.forget_time,
                        "deleted_count": _FORGOTTEN.c.deleted_count + statement.excluded.deleted_count,
                    },
                )
            )
        return forget_time, [(r.id, r.kind) for r in rows]

    def forgotten_clients(self, limit: int = 200) -> list[ForgottenClient]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(_FORGOTTEN).order_by(_FORGOTTEN.c.forget_time.desc()).limit(limit)
            ).all()
        return [
            ForgottenClient(
                client_id=r.client_id,
                forget_time=r.forget_time,
                deleted_count=int(r.deleted_count),
                discarded_count=int(r.discarded_count),
            )
            for r in rows
        ]

    # -- reads ---------------------------------------------------------------------------------------
    def get_many(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, StoredItem]:
        if not ids:
            return {}
        with self.engine.connect() as conn:
            rows = conn.execute(select(*_ITEM_COLUMNS).where(_T.c.id.in_(list(ids)))).all()
        return {r.id: _to_item(r) for r in rows}

    def get(self, item_id: uuid.UUID) -> StoredItem | None:
        target = self.resolve_id(item_id)
        return self.get_many([target]).get(target)

    def search(
        self,
        vector: np.ndarray[Any, Any],
        filters: SearchFilters,
        *,
        top_k: int,
        candidates: int,
        min_similarity: float,
    ) -> list[tuple[StoredItem, float]]:
        """The top_k items of the current model by ranking score, with their cosine similarity.

        The HNSW index finds `candidates` nearest items; they are re-ranked with the rating adjustment
        (gold up, weak down) in the same statement, and only the top_k full rows leave the database.
        """
        cast = f"embedding::vector({self.dimensions})"
        where = ["embedding_model = :model"]
        params: dict[str, Any] = {
            "model": self.model,
            "q": _vector_literal(vector),
            "candidates": candidates,
            "top_k": top_k,
            "min_similarity": min_similarity,
            "gold": GOLD_BOOST,
            "weak": WEAK_PENALTY,
        }
        if filters.kinds:
            where.append("kind = ANY(:kinds)")
            params["kinds"] = list(filters.kinds)
        for name in ("client_id", "industry", "package_key", "section_id"):
            value = getattr(filters, name)
            if value:
                where.append(f"{name} = :{name}")
                params[name] = value
        if filters.for_client_id:
            # Scoping is part of the query: another client's items can never be among the candidates.
            where.append("(scope = 'agency' OR client_id = :for_client_id)")
            params["for_client_id"] = filters.for_client_id
        columns = ", ".join(f"l.{c.name}" for c in _ITEM_COLUMNS)
        sql = text(
            "WITH candidates AS ("
            f" SELECT id, rating, 1 - ({cast} <=> CAST(:q AS vector({self.dimensions}))) AS similarity"
            f" FROM learning_examples WHERE {' AND '.join(where)}"
            f" ORDER BY {cast} <=> CAST(:q AS vector({self.dimensions})) LIMIT :candidates)"
            f" SELECT {columns}, c.similarity FROM candidates c JOIN learning_examples l ON l.id = c.id"
            " WHERE c.similarity >= :min_similarity"
            " ORDER BY c.similarity + CASE c.rating WHEN 'gold' THEN :gold WHEN 'weak' THEN -:weak ELSE 0 END DESC"
            " LIMIT :top_k"
        )
        with self.engine.begin() as conn:
            if len(where) > 1:
                # Filtered: let the HNSW scan continue past candidates the filter removes (pgvector >= 0.8).
                conn.execute(text("SET LOCAL hnsw.iterative_scan = relaxed_order"))
            rows = conn.execute(sql, params).all()
        return [(_to_item(r), float(r.similarity)) for r in rows]

    def exact_search_ids(self, vector: np.ndarray[Any, Any], limit: int) -> list[uuid.UUID]:
        """Exact nearest neighbours without the index (for measuring the index's recall)."""
        cast = f"embedding::vector({self.dimensions})"
        with self.engine.begin() as conn:
            conn.execute(text("SET LOCAL enable_indexscan = off"))
            rows = conn.execute(
                text(
                    f"SELECT id FROM learning_examples WHERE embedding_model = :model "
                    f"ORDER BY {cast} <=> CAST(:q AS vector({self.dimensions})) LIMIT :limit"
                ),
                {"model": self.model, "q": _vector_literal(vector), "limit": limit},
            ).all()
        return [r.id for r in rows]

    def page(
        self, *, kind: str, client_id: str, size: int, after: Cursor | None
    ) -> tuple[list[StoredItem], int]:
        """A page of items newest first, after the cursor; plus the total matching the filter."""
        conditions = []
        if kind:
            conditions.append(_T.c.kind == kind)
        if client_id:
            conditions.append(_T.c.client_id == client_id)
        query = select(*_ITEM_COLUMNS).where(*conditions)
        if after is not None:
            query = query.where(tuple_(_T.c.create_time, _T.c.id) < tuple_(after.create_time, after.id))
        query = query.order_by(_T.c.create_time.desc(), _T.c.id.desc()).limit(size)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
            total = conn.execute(select(func.count()).select_from(_T).where(*conditions)).scalar_one()
        return [_to_item(r) for r in rows], int(total)

    def stats(self, days: int = 30) -> dict[str, Any]:
        """Counts per kind, per rating and per day (UTC) for the summary."""
        with self.engine.connect() as conn:
            per_kind = {
                k: int(n) for k, n in conn.execute(select(_T.c.kind, func.count()).group_by(_T.c.kind))
            }
            per_rating = {
                r: int(n)
                for r, n in conn.execute(
                    select(_T.c.rating, func.count()).where(_T.c.rating != "").group_by(_T.c.rating)
                )
            }
            day = func.date(func.timezone("UTC", _T.c.create_time))
            per_day = [
                (d.isoformat(), int(n))
                for d, n in conn.execute(
                    select(day, func.count())
                    .where(_T.c.create_time >= func.now() - dt.timedelta(days=days))
                    .group_by(day)
                    .order_by(day)
                )
            ]
        return {"per_kind": per_kind, "per_rating": per_rating, "per_day": per_day}

    # -- re-embedding --------------------------------------------------------------------------------
    def stale_batch(self, limit: int) -> list[tuple[uuid.UUID, str, str]]:
        """Items whose vector came from another model: (id, title, text)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(_T.c.id, _T.c.title, _T.c.text).where(_T.c.embedding_model != self.model).limit(limit)
            ).all()
        return [(r.id, r.title, r.text) for r in rows]

    def replace_embeddings(self, ids: Sequence[uuid.UUID], vectors: Vectors) -> None:
        with self.engine.begin() as conn:
            for item_id, vector in zip(ids, vectors, strict=True):
                conn.execute(
                    _T.update()
                    .where(_T.c.id == item_id)
                    .values(embedding=vector, embedding_model=self.model, update_time=func.now())
                )
