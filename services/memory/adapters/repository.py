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
from sqlalchemy.dialects.postgresql import insert

from services.memory.adapters.orm import LearningExample
from services.memory.domain.model import GOLD_BOOST, WEAK_PENALTY, NewItem, SearchFilters, StoredItem
from services.memory.embeddings.base import Vectors

_T = cast(Table, LearningExample.__table__)
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
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(*_ITEM_COLUMNS, _T.c.idempotency_key, _T.c.content_hash).where(
                    or_(
                        _T.c.idempotency_key.in_(keys) if keys else text("false"),
                        tuple_(_T.c.kind, _T.c.client_id, _T.c.content_hash).in_(contents),
                    )
                )
            ).all()
        by_key = {r.idempotency_key: r for r in rows if r.idempotency_key}
        by_content = {(r.kind, r.client_id, r.content_hash): r for r in rows}
        found: list[StoredItem | None] = []
        for item in items:
            row = by_key.get(item.idempotency_key) if item.idempotency_key else None
            if row is None:
                row = by_content.get((item.kind, item.client_id, item.content_hash))
            found.append(_to_item(row) if row is not None else None)
        return found

    def insert_new(self, items: Sequence[NewItem], vectors: Vectors) -> list[StoredItem | None]:
        """Inserts items, skipping any that collide with an existing key or content (or an earlier item of
        the same batch). Returns, aligned with `items`, the stored item, or None where it was skipped."""
        if not items:
            return []
        ids = [uuid.uuid4() for _ in items]
        rows = []
        for item_id, item, vector in zip(ids, items, vectors, strict=True):
            rows.append(
                {
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
                }
            )
        statement = insert(_T).values(rows).on_conflict_do_nothing().returning(*_ITEM_COLUMNS)
        with self.engine.begin() as conn:
            inserted = {r.id: _to_item(r) for r in conn.execute(statement)}
        return [inserted.get(item_id) for item_id in ids]

    def rate(self, item_id: uuid.UUID, rating: str, note: str) -> StoredItem | None:
        with self.engine.begin() as conn:
            row = conn.execute(
                _T.update()
                .where(_T.c.id == item_id)
                .values(rating=rating, rating_note=note, update_time=func.now())
                .returning(*_ITEM_COLUMNS)
            ).one_or_none()
        return _to_item(row) if row is not None else None

    def delete(self, item_id: uuid.UUID) -> bool:
        with self.engine.begin() as conn:
            return conn.execute(_T.delete().where(_T.c.id == item_id).returning(_T.c.id)).first() is not None

    def delete_client(self, client_id: str) -> list[tuple[uuid.UUID, str]]:
        """Deletes every item of the client; returns (id, kind) of each."""
        with self.engine.begin() as conn:
            rows = conn.execute(
                _T.delete().where(_T.c.client_id == client_id).returning(_T.c.id, _T.c.kind)
            ).all()
        return [(r.id, r.kind) for r in rows]

    # -- reads ---------------------------------------------------------------------------------------
    def get_many(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, StoredItem]:
        if not ids:
            return {}
        with self.engine.connect() as conn:
            rows = conn.execute(select(*_ITEM_COLUMNS).where(_T.c.id.in_(list(ids)))).all()
        return {r.id: _to_item(r) for r in rows}

    def get(self, item_id: uuid.UUID) -> StoredItem | None:
        return self.get_many([item_id]).get(item_id)

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
        with self.engine.connect() as conn:
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
