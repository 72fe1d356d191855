"""The learning repository: every SQL statement against `learning_examples` lives here.

It implements services.memory.service_layer.ports.LearningStore over SQLAlchemy + psycopg2. Vectors are
bound as parameters through pgvector's adapter (registered on every connection in database.py), never
formatted into the SQL; the search runs as one statement on the driver directly (no SQL compilation per
call) and its rows are decoded once, into StoredItem.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
from psycopg2.extras import Json, execute_values
from sqlalchemy import Engine, Table, func, or_, select, text, tuple_
from sqlalchemy import literal as sa_literal
from sqlalchemy.dialects.postgresql import insert

from services.common.observability import metrics, tracing
from services.memory.adapters import client_locks
from services.memory.adapters.forget_ledger import ForgetLedger
from services.memory.adapters.orm import ForgottenClientRow, LearningExample, LearningItemAlias
from services.memory.adapters.prepared import PreparedReads
from services.memory.domain.model import (
    GOLD_BOOST,
    WEAK_PENALTY,
    Backlog,
    ForgottenClient,
    NewItem,
    Scope,
    SearchFilters,
    StoredItem,
    embedding_text,
    predates_forget,
)
from services.memory.service_layer.ports import (
    DISCARDED,
    Cursor,
    EmbedTexts,
    ForgetRecord,
    SearchQuery,
    Vector,
    Vectors,
)

__all__ = ["DISCARDED", "Cursor", "LearningRepository", "vector_index_name"]

_T = cast(Table, LearningExample.__table__)
_ALIAS = cast(Table, LearningItemAlias.__table__)
_FORGOTTEN = cast(Table, ForgottenClientRow.__table__)
# One replica builds the search indexes at a time (session-level lock, single-key space).
_INDEX_LOCK = 7_413_221_907
log = logging.getLogger(__name__)
_INTERNAL_COLUMNS = (
    "embedding",
    "content_hash",
    "update_time",
    "idempotency_key",
    "embed_attempts",
    "search_text",
)
_ITEM_COLUMNS = [c for c in _T.c if c.name not in _INTERNAL_COLUMNS]
_ITEM_SQL = ", ".join(f"l.{c.name}" for c in _ITEM_COLUMNS)
# Inserts are one statement, compiled once (SQLAlchemy compiled a 64-row VALUES list per batch: a third of
# a batch's database time), rows formatted by psycopg2's execute_values.
_INSERT_COLUMNS = (
    "id", "kind", "title", "text", "content_hash", "client_id", "industry", "package_key", "section_id",
    "tags", "metadata", "source", "idempotency_key", "embedding", "embedding_model", "scope", "parent_id",
)  # fmt: skip
_INSERT_SQL = (
    f"INSERT INTO learning_examples ({', '.join(_INSERT_COLUMNS)}) VALUES %s ON CONFLICT DO NOTHING"
    f" RETURNING {', '.join(c.name for c in _ITEM_COLUMNS)}"
)

# HNSW graph parameters (chosen with `make bench`: see README "Benchmarks"). Changing them changes the
# index name, so the next start builds the new index beside the old one (then drops the old one).
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 64
# Reciprocal rank fusion: each ranking adds weight / (RRF_K + rank). Measured with `make bench` and the
# paraphrase set of tests/integration/memory/test_retrieval_quality.py, 20 beats the customary 60 on both
# (MRR 0.761 vs 0.752 on the brand corpus; 0.89-0.93 vs 0.83-0.85 on paraphrases): a clear first place in
# one ranking should not be overturned by an incidental match in the other.
RRF_K = 20
KEYWORD_WEIGHT = 1.0
# Share of items assumed for a word ANALYZE has no frequency for (rarer than every word it tracks).
RARE_SHARE = 0.001
# Words in at most this share of the items (a brand, a product line, an unusual term) find the keyword
# candidates through the GIN index; commoner words only score the candidates found. Measured at 100k items
# (`make bench` corpus, 200 queries): 0.005 read ~200 rows per query and took 3.4 ms for the whole
# statement, 0.001 2.6 ms with MRR 0.735 against 0.736 (recall@5 0.935 against 0.940). Below 50k items
# COMMON_ROWS decides instead. Words with no statistics yet count as rare.
COMMON_SHARE = 0.001
COMMON_ROWS = 50.0
# Ranking.finder_rows admits the query's rarest words as finders only while they are expected in at most
# this share of the items: a word in more of them is the memory's vocabulary, not a name (in a small memory,
# COMMON_ROWS already admits every name).
FINDER_SHARE = 0.05
# Words in more than this share of the items carry no evidence at all.
NOISE_SHARE = 0.5
# A keyword match took part in the fusion when it held most (this share) of the query's evidence (before
# issue 20; RANKING below lowers it, the evidence being length-normalised now).
MIN_COVERAGE = 0.6


@dataclass(frozen=True)
class Ranking:
    """How the keyword ranking scores its matches and how the two rankings are fused (parameters of the
    search statement; see LearningRepository.search and _keyword_sql)."""

    rrf_k: float = RRF_K
    # The keyword ranking's weight in the fusion (the meaning ranking's is 1).
    keyword_weight: float = KEYWORD_WEIGHT
    # The keyword ranking's own RRF constant (None: rrf_k): larger, its first places count less above its
    # later ones, and the share of the query's evidence an item holds (its weight) decides more.
    keyword_rrf_k: float | None = None
    # Besides the rare words (COMMON_SHARE, COMMON_ROWS), the query's rarest other words find keyword
    # candidates too, rarest first, while the rows they are expected to match add up to at most this many
    # (0: the rare words only): a brand or product line with a few hundred items in memory is too common
    # for the rare-word cut, and without this the keyword ranking found nothing for it.
    finder_rows: float = 0.0
    # BM25-style length normalisation of the keyword evidence (b = 0: none), relative to an item of
    # `length_reference` distinct words: a long text holds more of any query's words by its length alone.
    length_k1: float = 1.2
    length_b: float = 0.0
    length_reference: float = 60.0
    # A keyword match takes part in the fusion when it holds this share of the query's evidence.
    min_coverage: float = MIN_COVERAGE
    # The title as a field of its own, in a client's scope (for_client_id or the client_id filter): there
    # the candidates are mostly one client's report sections, whose titles name the section ("Persona Cards
    # — Lumen"). The candidates of both rankings whose title holds the query's words are ranked by those
    # words' rarity among titles (a section's name is rare among titles though its words fill every
    # report) and join the fusion with this weight, times the share of the query's title evidence they hold
    # (0: no title ranking). An item without a title, of at most `untitled_max` distinct words (a
    # two-sentence upload), is its own title. Unscoped (the library, free-text titles), one incidental word
    # shared with a title outvoted meaning: see RANKING.
    title_weight: float = 0.0
    untitled_max: int = 40


# Before issue 20: evidence not normalised by length, keyword weight 1, coverage 0.6. A long generated
# section holds most of any marketing query's words and passed the coverage gate where a two-sentence example
# did not, so it came first in the keyword ranking and, fused at full weight, often first overall.
LEGACY_RANKING = Ranking()
# Chosen with `make bench` (bench/realistic_memory.py and the brand corpus at 2k; before -> after, one run,
# recall@1 / recall@5): realistic memory 0.684 / 0.941 -> 0.846 / 0.956 (exact cosine alone: 0.794 /
# 0.949); brand corpus 0.575 / 0.930 -> 0.610 / 0.955. Keyword weights 0.25-0.5 and coverage 0-0.3 were
# within a query or two of each other on both; weight 0.75-1 lost 4-7 points of recall@1 on realistic memory.
# A match's weight stays the share of the query's evidence it holds: weighting by the length-normalised
# evidence instead lost 5-9 points of recall@1 on realistic memory and 3 on the brand corpus.
WITHOUT_TITLES = Ranking(keyword_weight=0.35, length_b=0.75, min_coverage=0.3)
# With the title ranking in a client's scope (chosen with bench/realistic_memory.py, one run each; recall@1
# / @5): 0.838 / 0.956 without it, 0.904 / 0.985 with it (scoped section queries 0.812 -> 0.906; unscoped
# searches are unchanged by construction). Title weights 1.25-1.5 with keyword weights 0.35-0.5 gave
# 0.904-0.912 / 0.978-0.985; 1.0 gave 0.897. Applied to every search (unscoped too), the same title ranking
# took the paraphrase set of tests/integration/memory/test_retrieval_quality.py from MRR 0.938 to 0.82 at
# weight 0.5 and 0.61 at 1.5 (free-text titles: one incidental shared word outvoted meaning), and gating it
# on the share of the title the query holds lost the realistic gain (0.84): hence the scope.
TITLES_RANKING = Ranking(keyword_weight=0.35, length_b=0.75, min_coverage=0.3, title_weight=1.5)
# With a brand's or product line's few hundred items found by keyword (finder_rows) and the keyword ranking
# fused flatter (its own RRF constant 40, weight 0.7). Chosen with bench/realistic_memory.py and the hard
# corpus of bench/hard_index.py at 10k (recall@1 / @5; the same ranking gives realistic memory's @1 within
# one query, 0.890-0.904, from run to run): realistic memory 0.890-0.897 / 0.985 -> 0.912 / 0.985 (two
# runs); hard corpus 0.290 / 0.535 -> 0.285 / 0.570, where exact vector search gives 0.290 / 0.535.
# finder_rows alone: hard 0.585 at 5, realistic unchanged; 300: the same for more rows read. Keyword weight
# 1.0: hard 0.585, realistic 0.912, but a 600-word section then beat the two-sentence example of
# tests/integration/memory/test_ranking.py (it holds more of the query's words); 0.5-0.6: realistic 0.904 /
# 0.978; RRF constant 20 at weight 0.7: hard 0.610 at 5, realistic 0.890 at 1.
RANKING = Ranking(
    keyword_weight=0.7, keyword_rrf_k=40, finder_rows=150, length_b=0.75, min_coverage=0.3, title_weight=1.5
)
# The title ranking (Ranking.title_weight): the candidates of both rankings, scored by the query's words
# their title holds (an untitled short item: its text), each weighted by its rarity among titles; ties share
# a rank. An item's weight is the share of the query's title evidence (of words some candidate holds) it holds.
_TITLE_SQL = (
    ", title_candidates AS MATERIALIZED ("
    "  SELECT c.id, e.evidence, e.hits FROM (SELECT id FROM nearest UNION SELECT id FROM keyword) c"
    "  JOIN learning_examples l ON l.id = c.id,"
    # The title parsed again (the weight-A part of search_text) rather than a long section's whole
    # search_text read from TOAST for each candidate.
    "  LATERAL (SELECT CASE WHEN l.title <> '' THEN to_tsvector('english', l.title)"
    "   WHEN length(l.search_text) <= %(untitled_max)s THEN l.search_text END AS words) f,"
    "  LATERAL (SELECT sum(t.idf) AS evidence, array_agg(t.n) AS hits FROM title_terms t"
    "   WHERE f.words @@ t.q) e"
    "  WHERE e.evidence > 0),"
    " title_total AS (SELECT sum(t.idf) AS total FROM title_terms t"
    "  WHERE t.n IN (SELECT unnest(hits) FROM title_candidates)),"
    " titled AS (SELECT id, evidence / total AS w, dense_rank() OVER (ORDER BY evidence DESC) AS r"
    "  FROM title_candidates, title_total)"
)
# Keep the lexeme statistics this fresh: ANALYZE runs when this share of the table changed since the last.
_STATS_CHANGED_SHARE = 0.1
_STATS_LOCK = 7_413_221_908  # its own key: sharing the index build's made a refresh skip that build
# Search syntax ("exact phrase", -exclude, or): such a query is matched as written (websearch_to_tsquery).
_SEARCH_SYNTAX = re.compile(r'"|(?:^|\s)-\w|\sor\s', re.IGNORECASE)


def _sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _to_item(row: Any) -> StoredItem:
    return _item_from(row._mapping)


def _item_from(m: Any) -> StoredItem:
    item_id = m["id"]
    parent = m["parent_id"]
    return StoredItem(
        id=item_id if isinstance(item_id, uuid.UUID) else uuid.UUID(item_id),
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
        parent_id=parent if parent is None or isinstance(parent, uuid.UUID) else uuid.UUID(parent),
    )


def _vector_index_base(model: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", model.lower()).strip("_")[:24]
    return f"ix_learning_examples_hnsw_{slug}_{hashlib.sha1(model.encode()).hexdigest()[:8]}"


def vector_index_name(model: str) -> str:
    """The model's HNSW index; the first parameters (16, 64) kept the plain name."""
    suffix = "" if (HNSW_M, HNSW_EF_CONSTRUCTION) == (16, 64) else f"_m{HNSW_M}e{HNSW_EF_CONSTRUCTION}"
    return _vector_index_base(model) + suffix


def agency_index_name(model: str) -> str:
    """The model's HNSW index over the agency library alone (scope = 'agency')."""
    slug = re.sub(r"[^a-z0-9]+", "_", model.lower()).strip("_")[:20]
    return f"ix_learning_agency_hnsw_{slug}_{hashlib.sha1(model.encode()).hexdigest()[:8]}"


class LearningRepository:
    """Reads and writes learning items whose vectors come from `model` (`dimensions` long)."""

    def __init__(
        self,
        engine: Engine,
        *,
        model: str,
        dimensions: int,
        ef_search: int = 64,
        ef_search_filtered: int = 100,
        ledger: ForgetLedger | None = None,
    ) -> None:
        """`ledger`: where every forget is also written, outside the database (survives a restore).
        `ef_search`: HNSW search breadth for plain and client-scoped searches; `ef_search_filtered`: for
        searches filtered by kind, industry, client, package or section (the index's iterative scan skips
        rows failing the filter, so it needs a wider beam to return the exact nearest)."""
        self.engine = engine
        self.model = model
        self.dimensions = int(dimensions)
        self.ef_search = int(ef_search)
        self.ef_search_filtered = int(ef_search_filtered)
        self.ledger = ledger
        self._sql_cache: dict[tuple[Any, ...], str] = {}
        self.ranking = RANKING
        self._reads = PreparedReads(engine, "aicmo_search")
        self._pending_reads = PreparedReads(engine, "aicmo_pending")
        self._insert_template = (
            "(%s::uuid, %s, %s, %s, %s, %s, %s, %s, %s, %s::text[], %s, %s, %s,"
            f" %s::vector({self.dimensions}), %s, %s, %s::uuid)"
        )

    # -- schema helpers ------------------------------------------------------------------------------
    def ensure_vector_index(self) -> None:
        """One partial HNSW (cosine) index per embedding model over `embedding::vector(dims)`, and one over
        the agency library; an index of the same model built with other graph parameters is dropped once
        the new one exists.

        Safe with several replicas and with writers: the builds run CONCURRENTLY (writes go on), under an
        advisory lock so one replica builds while the others find the lock taken and return at once (they
        serve meanwhile, searching exactly until the index is valid). A build interrupted earlier leaves an
        invalid index, which is dropped and built again.
        """
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            if not conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": _INDEX_LOCK}).scalar_one():
                log.info("another replica is building the search indexes; serving meanwhile")
                return
            try:
                # A build over 100k rows takes ~30 s on two cores: no statement timeout, and enough memory
                # (managed servers default to 64MB, which makes HNSW builds spill to disk).
                conn.execute(text("SET statement_timeout = 0"))
                conn.execute(text("SET maintenance_work_mem = '512MB'"))
                model_literal = self.model.replace("'", "''")
                vector = f"(embedding::vector({self.dimensions})) vector_cosine_ops"
                params = f"WITH (m = {HNSW_M}, ef_construction = {HNSW_EF_CONSTRUCTION})"
                for name, where in (
                    (vector_index_name(self.model), f"embedding_model = '{model_literal}'"),
                    # The agency library alone, so a client-scoped search finds the library's nearest items
                    # without filtering its way through every other client's (see _nearest_sql).
                    (
                        agency_index_name(self.model),
                        f"embedding_model = '{model_literal}' AND scope = 'agency'",
                    ),
                ):
                    state = conn.execute(
                        text(
                            "SELECT i.indisvalid FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid "
                            "WHERE c.relname = :name"
                        ),
                        {"name": name},
                    ).scalar_one_or_none()
                    if state is True:
                        continue
                    if state is False:  # an earlier build was interrupted
                        conn.execute(text(f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"'))
                    log.info("building search index %s (writes go on meanwhile)", name)
                    conn.execute(
                        text(
                            f'CREATE INDEX CONCURRENTLY IF NOT EXISTS "{name}" ON learning_examples '
                            f"USING hnsw ({vector}) {params} WHERE {where}"
                        )
                    )
                stale = (
                    conn.execute(
                        text(
                            "SELECT indexname FROM pg_indexes WHERE tablename = 'learning_examples' "
                            "AND starts_with(indexname, :base) AND indexname <> :name"
                        ),
                        {"base": _vector_index_base(self.model), "name": vector_index_name(self.model)},
                    )
                    .scalars()
                    .all()
                )
                for old in stale:
                    conn.execute(text(f'DROP INDEX CONCURRENTLY IF EXISTS "{old}"'))
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _INDEX_LOCK})
                conn.execute(text("RESET statement_timeout"))
                conn.execute(text("RESET maintenance_work_mem"))

    def vector_indexes(self) -> dict[str, bool]:
        """The search indexes of the current model and whether each is valid (for health and tests)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT c.relname, i.indisvalid FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid "
                    "WHERE c.relname IN (:a, :b)"
                ),
                {"a": vector_index_name(self.model), "b": agency_index_name(self.model)},
            ).all()
        return {name: bool(valid) for name, valid in rows}

    def count_by_model(self) -> dict[str, int]:
        """Embedded items per model (items still waiting for their embedding are not counted)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(_T.c.embedding_model, func.count())
                .where(_T.c.embedding_model != "")
                .group_by(_T.c.embedding_model)
            )
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

    @classmethod
    def _resolve_one(cls, conn: Any, item_id: uuid.UUID) -> uuid.UUID:
        """The item an id names: itself, or the item its alias points at."""
        return cls._resolve_aliases(conn, [item_id]).get(item_id, item_id)

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
            return client_locks.forget_times(conn, wanted)

    def count_discarded(self, per_client: dict[str, int]) -> None:
        """Adds writes discarded for forgotten clients to their forget records."""
        if not per_client:
            return
        with self.engine.begin() as conn:
            client_locks.count_discarded(conn, per_client)

    def insert_new(
        self, items: Sequence[NewItem], vectors: Sequence[Vector | None]
    ) -> list[StoredItem | str | None]:
        """Inserts items in one multi-row statement, skipping any that collide with an existing id, key or
        content (or an earlier item of the same batch). An item without a vector (None) joins the embedding
        queue.
        Returns, aligned with `items`, the stored item, None where it was skipped, or DISCARDED where its
        client was forgotten after its work started (checked under the client's lock, so a concurrent
        forget either sees this write and deletes it, or this write sees the forget)."""
        if not items:
            return []
        ids = [item.item_id or uuid.uuid4() for item in items]
        rows = []
        keep: list[bool] = []
        with self.engine.begin() as conn:
            clients = [i.client_id for i in items]
            client_locks.lock_clients(conn, clients, exclusive=False)
            forgotten = client_locks.forget_times(conn, clients)
            discarded: dict[str, int] = {}
            for item_id, item, vector in zip(ids, items, vectors, strict=True):
                stale = predates_forget(item, forgotten)
                keep.append(not stale)
                if stale:
                    discarded[item.client_id] = discarded.get(item.client_id, 0) + 1
                    continue
                rows.append(self._row(item_id, item, vector))
            client_locks.count_discarded(conn, discarded)
            inserted: dict[uuid.UUID, StoredItem] = {}
            if rows:
                cursor = conn.connection.cursor()
                started = time.perf_counter()
                try:
                    with tracing.sql_span("INSERT", "learning_examples"):
                        returned = execute_values(
                            cursor,
                            _INSERT_SQL,
                            rows,
                            template=self._insert_template,
                            page_size=len(rows),
                            fetch=True,
                        )
                    columns = [c[0] for c in cursor.description]
                finally:
                    cursor.close()
                    metrics.SQL_SECONDS.labels("insert").observe(time.perf_counter() - started)
                for values in returned:
                    stored = _item_from(dict(zip(columns, values, strict=True)))
                    inserted[stored.id] = stored
        return [inserted.get(item_id) if kept else DISCARDED for item_id, kept in zip(ids, keep, strict=True)]

    def _row(self, item_id: uuid.UUID, item: NewItem, vector: Any) -> tuple[Any, ...]:
        """One row of _INSERT_SQL, in _INSERT_COLUMNS order."""
        return (
            str(item_id),
            item.kind,
            item.title,
            item.text,
            item.content_hash,
            item.client_id,
            item.industry,
            item.package_key,
            item.section_id,
            list(item.tags),
            Json(dict(item.metadata)),
            item.source,
            item.idempotency_key or None,
            None if vector is None else np.asarray(vector, dtype=np.float32),
            self.model if vector is not None else "",
            item.scope.value,
            str(item.parent_id) if item.parent_id else None,
        )

    def rate(self, item_id: uuid.UUID, rating: str, note: str) -> tuple[StoredItem, list[StoredItem]] | None:
        """Rates the item (an alias id names its item) and, if it is a report, its sections: those recorded
        under it, also those whose content duplicated an earlier item. Returns the item and the other items
        rated."""
        with self.engine.begin() as conn:
            target = self._resolve_one(conn, item_id)
            row = conn.execute(
                _T.update()
                .where(_T.c.id == target)
                .values(rating=rating, rating_note=note, update_time=func.now())
                .returning(*_ITEM_COLUMNS)
            ).one_or_none()
            if row is None:
                return None
            # Every id this item goes by (itself and its aliases) may be the parent its sections name.
            names = (
                select(_ALIAS.c.alias_id)
                .where(_ALIAS.c.item_id == target)
                .union(select(sa_literal(target, type_=_T.c.id.type)))
            )
            children = (
                select(_T.c.id)
                .where(_T.c.parent_id.in_(names))
                .union(select(_ALIAS.c.item_id).where(_ALIAS.c.parent_id.in_(names)))
            )
            rated = conn.execute(
                _T.update()
                .where(_T.c.id.in_(children), _T.c.id != target)
                .values(rating=rating, rating_note=note, update_time=func.now())
                .returning(*_ITEM_COLUMNS)
            ).all()
        return _to_item(row), [_to_item(r) for r in rated]

    def set_scope(self, item_id: uuid.UUID, scope: Scope) -> StoredItem | None:
        with self.engine.begin() as conn:
            target = self._resolve_one(conn, item_id)
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
            target = self._resolve_one(conn, item_id)
            row = conn.execute(_T.delete().where(_T.c.id == target).returning(_T.c.id)).first()
        return row.id if row is not None else None

    def forget_client(self, client_id: str) -> ForgetRecord:
        """Deletes every item of the client, its report versions and its playbook, and records the forget
        durably, under the client's exclusive lock: a write in flight for the client finishes first (and is
        deleted here), and any later write of work that started before this instant is discarded."""
        with self.engine.begin() as conn:
            client_locks.lock_clients(conn, [client_id], exclusive=True)
            forget_time = conn.execute(select(func.now())).scalar_one()
            # Its playbook: each entry's versions go with it (ON DELETE CASCADE); forget_in deletes it too.
            playbook = conn.execute(
                text("DELETE FROM playbook_entries WHERE client_id = :client"), {"client": client_id}
            ).rowcount
            rows = client_locks.forget_in(conn, client_id, forget_time)
            # Written before the commit, so a forget that is in the database is always in the ledger too
            # (a ledger line whose commit then failed only makes a restore forget what was asked to go).
            if self.ledger is not None:
                self.ledger.record_forget(client_id, forget_time)
        return ForgetRecord(
            forget_time=forget_time,
            deleted=[(r.id, r.kind) for r in rows],
            playbook_entries_deleted=int(playbook or 0),
        )

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
        with self.engine.connect() as conn:
            target = self._resolve_one(conn, item_id)
            row = conn.execute(select(*_ITEM_COLUMNS).where(_T.c.id == target)).one_or_none()
        return _to_item(row) if row is not None else None

    def search(self, query: SearchQuery) -> list[tuple[StoredItem, float, float]]:
        """Hybrid search in one statement: the HNSW index's nearest items (ranked by similarity with the
        rating adjustment: gold up, weak down) and the full-text matches of the query's distinctive words
        (ranked by ts_rank, titles weighing more) are fused by reciprocal rank fusion; only the top_k full
        rows leave the database. Filters, client scoping included, apply inside both rankings, so another
        client's items can never be candidates. Returns (item, cosine similarity, relevance)."""
        where, params = self._filters(query.filters)
        keyword_sql = ""
        if query.keyword_candidates > 0:
            keyword_sql, words = self._keyword_sql(query.text)
            params.update(words)
        params.update(
            q=np.asarray(query.vector, dtype=np.float32),
            min_similarity=query.min_similarity,
            gold=GOLD_BOOST,
            weak=WEAK_PENALTY,
            rrf_k=self.ranking.rrf_k,
            keyword_weight=self.ranking.keyword_weight,
            keyword_shift=(self.ranking.keyword_rrf_k or self.ranking.rrf_k) - self.ranking.rrf_k,
            finder_rows=self.ranking.finder_rows,
            len_k1=self.ranking.length_k1,
            len_b=self.ranking.length_b,
            len_ref=self.ranking.length_reference,
            min_coverage=self.ranking.min_coverage,
            title_weight=self.ranking.title_weight,
            untitled_max=self.ranking.untitled_max,
        )
        scoped = bool(query.filters.for_client_id)
        pending = bool(query.pending.ids)
        if pending:
            fresh = list(query.pending.similarity.items())
            params.update(
                pending_ids=[str(i) for i in query.pending.ids],
                fresh_ids=[str(i) for i, _ in fresh],
                fresh_similarity=[s for _, s in fresh],
                unembedded_ids=[str(i) for i in query.pending.ids if i not in query.pending.similarity],
            )
        sizes = (query.vector_candidates, query.keyword_candidates, query.top_k)
        # The title ranking: in a client's scope, with the query's words (not a query in search syntax,
        # taken as written).
        in_scope = bool(query.filters.for_client_id or query.filters.client_id)
        titles = self.ranking.title_weight > 0 and in_scope and "title_terms" in keyword_sql
        key = ("search", tuple(sorted(where)), scoped, keyword_sql, sizes, pending, titles)
        sql = self._sql_cache.get(key)
        if sql is None:
            # The model and the row counts are written into the statement: a prepared statement's plan
            # then knows the partial index applies and how few rows each step wants.
            sql = self._search_sql(where, scoped, keyword_sql, pending, titles).replace(
                "%(model)s", _sql_literal(self.model)
            )
            for name, value in zip(("vector_candidates", "keyword_candidates", "top_k"), sizes, strict=True):
                sql = sql.replace(f"%({name})s", str(int(value)))
            self._sql_cache[key] = sql
        # Unfiltered, one plan fits every query (the vector index and the keyword index, whatever the
        # words); a filter or a client's scope is planned for its values (a client with few items is read
        # through client_id, one with very many through the vector index).
        columns, rows = self._reads.rows(
            sql,
            params,
            generic_plan=not where and not scoped,
            session={"hnsw.ef_search": str(self._ef(where))},
        )
        found = []
        for row in rows:
            values = dict(zip(columns, row, strict=True))
            found.append((_item_from(values), float(values["similarity"]), float(values["relevance"])))
        return found

    def _ef(self, where: Sequence[str]) -> int:
        return self.ef_search_filtered if where else self.ef_search

    def _search_sql(
        self,
        where: Sequence[str],
        scoped: bool,
        keyword_sql: str,
        pending: bool = False,
        titles: bool = False,
    ) -> str:
        """The hybrid statement. With `pending`, the scope's items still waiting for their embedding
        (%(pending_ids)s) are keyword candidates, and those embedded by this search (%(fresh_ids)s, with
        their cosine %(fresh_similarity)s) meaning candidates too; one found by its words alone passes
        min_similarity with similarity 0 (it has none yet). Within the statement's one snapshot an item is
        either embedded or waiting, never both. With `titles`, the title ranking (_TITLE_SQL) over both
        rankings' candidates is fused too (the keyword SQL's title_terms, unused otherwise, feed it)."""
        vec = f"embedding::vector({self.dimensions})"
        filters = "".join(f" AND {w}" for w in where)
        if scoped:
            filters += " AND (scope = 'agency' OR client_id = %(for_client_id)s)"
        adjusted = (
            "CASE {0}rating WHEN 'gold' THEN %(gold)s::float8 WHEN 'weak' THEN -%(weak)s::float8 ELSE 0 END"
        )
        ranks = "SELECT id, 1.0 AS w, r FROM meaning"
        eligible = "l.embedding_model = %(model)s"
        nearest = self._nearest_sql(where, scoped, "%(vector_candidates)s")
        similarity = f"1 - (l.{vec} <=> (SELECT v FROM qv))"
        fresh = fresh_join = ""
        passes = f"{similarity} >= %(min_similarity)s"
        if pending:
            eligible = "(l.embedding_model = %(model)s OR l.id = ANY(%(pending_ids)s::text[]::uuid[]))"
            fresh = (
                " fresh AS MATERIALIZED ("
                "  SELECT l.id, l.rating, f.similarity FROM unnest(%(fresh_ids)s::text[]::uuid[],"
                "   %(fresh_similarity)s::float8[]) AS f(id, similarity)"
                f"  JOIN learning_examples l ON l.id = f.id WHERE l.embedding IS NULL{filters}),"
            )
            nearest = f"({nearest}) UNION ALL (SELECT id, rating, similarity FROM fresh)"
            fresh_join = " LEFT JOIN fresh fr ON fr.id = f.id"
            similarity = f"coalesce({similarity}, fr.similarity, 0)"
            passes = f"({similarity} >= %(min_similarity)s OR (l.embedding IS NULL AND fr.id IS NULL))"
        keyword = ""
        if keyword_sql:
            # A waiting item not embedded by this search has no meaning rank to be fused with: its keyword
            # rank counts in full (weight 1, whatever share of the words it holds), as the only ranking it
            # is in, so the client's own fresh work competes with the library's embedded items.
            # (as the meaning ranking's rank would, with its RRF constant).
            if pending:
                unembedded = "id = ANY(%(unembedded_ids)s::text[]::uuid[])"
                weight = f"CASE WHEN {unembedded} THEN 1.0 ELSE %(keyword_weight)s * w END"
                rank = f"r + CASE WHEN {unembedded} THEN 0 ELSE %(keyword_shift)s END"
            else:
                weight, rank = "%(keyword_weight)s * w", "r + %(keyword_shift)s"
            ranks += f" UNION ALL SELECT id, {weight}, {rank} FROM keyword"
            if titles:
                ranks += " UNION ALL SELECT id, %(title_weight)s * w, r FROM titled"
                keyword_sql += _TITLE_SQL
            # The scope's waiting items need not hold most of the query's evidence: their weight (the share
            # they hold) ranks them, and they may have no meaning rank to be fused with.
            waiting = " OR id = ANY(%(pending_ids)s::text[]::uuid[])" if pending else ""
            keyword = "," + (
                keyword_sql.replace("{eligible}", eligible)
                .replace("{filters}", filters)
                .replace("{waiting}", waiting)
            )
        return (
            f"WITH qv AS (SELECT %(q)s::vector({self.dimensions}) AS v),{fresh}"
            f" nearest AS MATERIALIZED ({nearest}),"
            " meaning AS ("
            f"  SELECT id, row_number() OVER (ORDER BY similarity + {adjusted.format('')} DESC, id) AS r"
            f"  FROM nearest){keyword},"
            f" fused AS (SELECT id, sum(w / (%(rrf_k)s + r)) AS relevance FROM ({ranks}) ranks GROUP BY id)"
            f" SELECT {_ITEM_SQL}, {similarity} AS similarity, f.relevance"
            f" FROM fused f JOIN learning_examples l ON l.id = f.id{fresh_join}"
            f" WHERE {passes}"
            f" ORDER BY f.relevance DESC, {similarity} + {adjusted.format('l.')} DESC"
            " LIMIT %(top_k)s"
        )

    @staticmethod
    def _filters(filters: SearchFilters) -> tuple[list[str], dict[str, Any]]:
        where: list[str] = []
        params: dict[str, Any] = {}
        if filters.kinds:
            where.append("kind = ANY(%(kinds)s)")
            params["kinds"] = list(filters.kinds)
        for name in ("client_id", "industry", "package_key", "section_id"):
            value = getattr(filters, name)
            if value:
                where.append(f"{name} = %({name})s")
                params[name] = value
        if filters.for_client_id:
            params["for_client_id"] = filters.for_client_id
        return where, params

    def _nearest_sql(self, where: Sequence[str], scoped: bool, limit: str) -> str:
        """The vector half: the `limit` nearest embedded items passing the filters, by the HNSW index.

        Scoped to a client (scoping is part of the query: another client's items can never be among the
        candidates), it is two index lookups merged: the agency library's nearest through its own partial
        index, and the client's own items (through the client_id index, or the main HNSW index when the
        client has very many). Filtering the whole index down to one client and the library instead made
        the iterative scan visit ~20x the rows (22 ms at 100k items, against 3 ms unfiltered)."""
        vec = f"embedding::vector({self.dimensions})"
        filters = "".join(f" AND {w}" for w in where)
        one = (
            f"SELECT id, rating, 1 - ({vec} <=> (SELECT v FROM qv)) AS similarity FROM learning_examples"
            f" WHERE embedding_model = %(model)s{filters}{{scope}} ORDER BY {vec} <=> (SELECT v FROM qv)"
            f" LIMIT {limit}"
        )
        if not scoped:
            return one.format(scope="")
        library = one.format(scope=" AND scope = 'agency'")
        own = one.format(scope=" AND scope = 'client' AND client_id = %(for_client_id)s")
        return (
            f"SELECT id, rating, similarity FROM (({library}) UNION ALL ({own})) AS scoped"
            f" ORDER BY similarity DESC LIMIT {limit}"
        )

    @staticmethod
    def _keyword_sql(query: str) -> tuple[str, dict[str, Any]]:
        """The keyword half's CTEs and parameters ({filters} is filled in by the caller).

        Plain text is matched in two steps. Items holding any of the query's rare words (in at most
        COMMON_SHARE or COMMON_ROWS of the items: a brand, a product line, an unusual term) are found through the GIN
        index; each is then scored by all the query's words it holds (stemmed, stop words and words in more
        than NOISE_SHARE of the items out), each weighted by rarity: idf = ln(1 + 1/share of items holding
        it), from learning_lexeme_stats. Its weight in the fusion is that evidence over the query's total:
        one incidental word barely moves a result, a brand and product line count fully, and among one
        brand's items the common words ("instagram", "referral") still tell them apart. Matches are ranked by
        that evidence normalised by length as BM25 is (Ranking.length_b): a 600-word section holds more of
        any query's common words by its length alone, and must not outrank a two-sentence example for it;
        those holding less than Ranking.min_coverage of the evidence stay out. A query written with search
        syntax ("phrase", -word, or) is taken as written by websearch_to_tsquery, weight 1."""
        if _SEARCH_SYNTAX.search(query):
            return (
                " kwq AS (SELECT websearch_to_tsquery('english', %(words)s) AS tsq),"
                " keyword AS MATERIALIZED ("
                "  SELECT l.id, 1.0 AS w,"
                "   row_number() OVER (ORDER BY ts_rank(l.search_text, kwq.tsq) DESC, l.id) AS r"
                "  FROM learning_examples l, kwq"
                "  WHERE l.search_text @@ kwq.tsq AND {eligible}{filters}"
                "  ORDER BY ts_rank(l.search_text, kwq.tsq) DESC, l.id LIMIT %(keyword_candidates)s)",
                {"words": query},
            )
        return (
            # Every word of the query (stop words out, common ones in: a section's name is common in
            # texts but rare among titles), weighted by its rarity among titles.
            " title_terms AS MATERIALIZED ("
            "  SELECT row_number() OVER () AS n, quote_literal(t.lexeme)::tsquery AS q,"
            "   ln(1 + 1 / coalesce(s.title_share, %(rare_share)s)) AS idf"
            "  FROM unnest(to_tsvector('english', %(words)s)) AS t"
            "  LEFT JOIN learning_title_lexeme_stats s ON s.lexeme = t.lexeme),"
            " terms AS MATERIALIZED ("
            "  SELECT row_number() OVER () AS n, quote_literal(t.lexeme)::tsquery AS q,"
            "   quote_literal(t.lexeme) AS lexeme,"
            "   coalesce(s.doc_share, %(rare_share)s) AS share,"
            "   ln(1 + 1 / coalesce(s.doc_share, %(rare_share)s)) AS idf"
            "  FROM unnest(to_tsvector('english', %(words)s)) AS t"
            "  LEFT JOIN learning_lexeme_stats s ON s.lexeme = t.lexeme"
            "  WHERE coalesce(s.doc_share, 0) <= %(noise_share)s),"
            # Rare: in at most COMMON_SHARE of the items, or at most COMMON_ROWS of them (small tables).
            " cutoff AS (SELECT greatest(%(common_share)s, %(common_rows)s / greatest(reltuples, 1)) AS cut,"
            "  least(%(finder_rows)s, %(finder_share)s * reltuples) / greatest(reltuples, 1) AS budget"
            "  FROM pg_class WHERE oid = 'learning_examples'::regclass),"
            # Also the query's rarest words, rarest first, while the rows they are expected to find stay
            # within Ranking.finder_rows: a brand or product line with a few hundred items is still found.
            # (Words rare enough find their items anyway and do not count against it.)
            " finders AS (SELECT t.lexeme, t.share, sum(CASE WHEN t.share > cutoff.cut THEN t.share ELSE 0 END)"
            "  OVER (ORDER BY t.share, t.n) AS running FROM terms t, cutoff),"
            " kwq AS (SELECT string_agg(lexeme, ' | ')"
            "  FILTER (WHERE share <= cutoff.cut OR running <= cutoff.budget)::tsquery AS tsq"
            "  FROM finders, cutoff GROUP BY cutoff.cut),"
            " matched AS MATERIALIZED ("
            "  SELECT l.id, l.search_text, ts_rank(l.search_text, kwq.tsq) AS rank FROM learning_examples l, kwq"
            "  WHERE l.search_text @@ kwq.tsq AND {eligible}{filters}),"
            " scored AS MATERIALIZED ("
            "  SELECT m.id, m.rank, e.evidence, e.hits,"
            # The evidence, length-normalised as BM25 does for a word found once: (k1 + 1) /
            # (1 + k1 (1 - b + b * lexemes / reference lexemes)); b = 0 leaves it as it is.
            "   e.evidence * (1 + %(len_k1)s) / (1 + %(len_k1)s * (1 - %(len_b)s"
            "    + %(len_b)s * length(m.search_text) / %(len_ref)s)) AS fair"
            "  FROM matched m, LATERAL ("
            "   SELECT sum(t.idf) AS evidence, array_agg(t.n) AS hits FROM terms t WHERE m.search_text @@ t.q) e),"
            # The query's total evidence counts only words some item holds (a paraphrase's own words do not).
            " present AS (SELECT sum(t.idf) AS total FROM terms t, cutoff WHERE t.share > cutoff.cut"
            "  OR t.n IN (SELECT unnest(hits) FROM scored)),"
            " keyword AS MATERIALIZED ("
            "  SELECT id, evidence / total AS w, row_number() OVER (ORDER BY fair DESC, rank DESC, id) AS r"
            "  FROM scored, present WHERE evidence >= %(min_coverage)s * total{waiting}"
            "  ORDER BY fair DESC, rank DESC, id LIMIT %(keyword_candidates)s)",
            {
                "words": query,
                "rare_share": RARE_SHARE,
                "common_share": COMMON_SHARE,
                "common_rows": COMMON_ROWS,
                "finder_share": FINDER_SHARE,
                "noise_share": NOISE_SHARE,
            },
        )

    def refresh_search_statistics(self, *, force: bool = False) -> bool:
        """Re-ANALYZEs the table when a tenth of it changed since the last time (or when forced) and copies
        search_text's lexeme frequencies into learning_lexeme_stats. One replica at a time; returns whether
        it ran."""
        with self.engine.begin() as conn:
            locked = conn.exec_driver_sql("SELECT pg_try_advisory_xact_lock(%(key)s)", {"key": _STATS_LOCK})
            if not locked.scalar():
                return False
            changed, rows = conn.exec_driver_sql(
                "SELECT n_mod_since_analyze, n_live_tup FROM pg_stat_user_tables"
                " WHERE relid = 'learning_examples'::regclass"
            ).one()
            if not force and changed <= max(_STATS_CHANGED_SHARE * rows, 50):
                return False
            conn.exec_driver_sql("SET LOCAL statement_timeout = 0")
            conn.exec_driver_sql("ANALYZE learning_examples")
            conn.exec_driver_sql("DELETE FROM learning_lexeme_stats")
            conn.exec_driver_sql("DELETE FROM learning_title_lexeme_stats")
            # Titles are short: parsing them again is cheaper than unnesting every stored tsvector.
            conn.exec_driver_sql(
                "INSERT INTO learning_title_lexeme_stats (lexeme, title_share)"
                " SELECT t.lexeme, count(*) / max(c.reltuples) FROM learning_examples l,"
                "  unnest(tsvector_to_array(to_tsvector('english', l.title))) AS t(lexeme),"
                "  (SELECT greatest(reltuples, 1)::float8 AS reltuples FROM pg_class"
                "   WHERE oid = 'learning_examples'::regclass) c"
                " WHERE l.title <> '' GROUP BY t.lexeme"
            )
            conn.exec_driver_sql(
                "INSERT INTO learning_lexeme_stats (lexeme, doc_share)"
                " SELECT e.lexeme, e.share FROM pg_stats s,"
                "  unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) AS e(lexeme, share)"
                " WHERE s.schemaname = current_schema() AND s.tablename = 'learning_examples'"
                "  AND s.attname = 'search_text' AND e.lexeme IS NOT NULL"
            )
        return True

    def pending_in_scope(
        self, client_id: str, filters: SearchFilters, limit: int
    ) -> list[tuple[uuid.UUID, str, str]]:
        """The client's own items passing the filters that wait for their embedding, newest first."""
        if not client_id or limit <= 0:
            return []
        where, params = self._filters(filters)
        params.update(scope_client=client_id, limit=int(limit))
        conditions = "".join(f" AND {w}" for w in where)
        _, rows = self._pending_reads.rows(
            "SELECT id, title, text FROM learning_examples WHERE embedding IS NULL"
            f" AND client_id = %(scope_client)s{conditions} ORDER BY create_time DESC LIMIT %(limit)s",
            params,
        )
        return [(r[0] if isinstance(r[0], uuid.UUID) else uuid.UUID(r[0]), r[1], r[2]) for r in rows]

    def store_vectors(self, ids: Sequence[uuid.UUID], vectors: Vectors) -> int:
        """Stores vectors computed by a search for items still waiting; items a worker holds are skipped
        (it stores the same vectors), never waited for."""
        if not ids:
            return 0
        with self.engine.begin() as conn:
            held = {
                str(r[0])
                for r in conn.exec_driver_sql(
                    "SELECT id FROM learning_examples WHERE id = ANY(%(ids)s::uuid[]) AND embedding IS NULL"
                    " FOR NO KEY UPDATE SKIP LOCKED",
                    {"ids": [str(i) for i in ids]},
                )
            }
            rows = [
                (str(i), np.asarray(v, dtype=np.float32), self.model)
                for i, v in zip(ids, vectors, strict=True)
                if str(i) in held
            ]
            if not rows:
                return 0
            cursor = conn.connection.cursor()
            try:
                execute_values(
                    cursor,
                    "UPDATE learning_examples AS l SET embedding = v.embedding, embedding_model = v.model"
                    " FROM (VALUES %s) AS v(id, embedding, model) WHERE l.id = v.id",
                    rows,
                    template=f"(%s::uuid, %s::vector({self.dimensions}), %s)",
                )
            finally:
                cursor.close()
        return len(rows)

    def nearest_ids(
        self, vector: np.ndarray[Any, Any], filters: SearchFilters, limit: int, *, exact: bool
    ) -> list[uuid.UUID]:
        """The vector half of search alone: the index's `limit` nearest (as search finds them), or the
        exact nearest without the index (for measuring the index's recall)."""
        where, params = self._filters(filters)
        params.update(q=np.asarray(vector, dtype=np.float32), model=self.model, limit=limit)
        nearest = self._nearest_sql(where, bool(filters.for_client_id), "%(limit)s")
        sql = f"WITH qv AS (SELECT %(q)s::vector({self.dimensions}) AS v) SELECT id FROM ({nearest}) AS n"
        with self.engine.begin() as conn:
            conn.exec_driver_sql(f"SET LOCAL hnsw.ef_search = {self._ef(where)}")  # as search would
            if exact:
                conn.exec_driver_sql("SET LOCAL enable_indexscan = off")
            rows = conn.exec_driver_sql(sql, params).all()
        return [r.id if isinstance(r.id, uuid.UUID) else uuid.UUID(r.id) for r in rows]

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

    @staticmethod
    def _per_kind(conn: Any) -> dict[str, int]:
        return {k: int(n) for k, n in conn.execute(select(_T.c.kind, func.count()).group_by(_T.c.kind))}

    def figures(self) -> tuple[dict[str, int], int]:
        """Items per kind and the database's size in bytes (for /metrics)."""
        with self.engine.connect() as conn:
            size = int(conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one())
            return self._per_kind(conn), size

    def stats(self, days: int = 30) -> dict[str, Any]:
        """Counts per kind, per rating and per day (UTC) for the summary."""
        with self.engine.connect() as conn:
            per_kind = self._per_kind(conn)
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

    # -- the embedding queue -------------------------------------------------------------------------
    def embed_pending(self, limit: int, embed: EmbedTexts) -> int:
        """Claims up to `limit` items waiting for their embedding (oldest first, failed ones last, skipping
        items another worker holds), embeds them and stores the vectors in the same transaction: a crash
        leaves them waiting, a concurrent forget waits for this transaction and then deletes them. The claim
        is FOR NO KEY UPDATE (only the vector changes): a write that references a claimed item (an alias of
        it, a section under it) takes its key-share lock without waiting for the model."""
        ids: list[Any] = []
        try:
            with self.engine.begin() as conn:
                rows = conn.exec_driver_sql(
                    "SELECT id, title, text FROM learning_examples WHERE embedding IS NULL"
                    " ORDER BY embed_attempts, create_time LIMIT %(limit)s FOR NO KEY UPDATE SKIP LOCKED",
                    {"limit": limit},
                ).all()
                if not rows:
                    return 0
                ids = [r.id for r in rows]
                vectors = embed([embedding_text(r.title, r.text) for r in rows])
                cursor = conn.connection.cursor()
                try:
                    execute_values(
                        cursor,
                        "UPDATE learning_examples AS l SET embedding = v.embedding, embedding_model = v.model"
                        " FROM (VALUES %s) AS v(id, embedding, model) WHERE l.id = v.id",
                        [
                            (str(i), np.asarray(v, dtype=np.float32), self.model)
                            for i, v in zip(ids, vectors, strict=True)
                        ],
                        template=f"(%s::uuid, %s::vector({self.dimensions}), %s)",
                    )
                finally:
                    cursor.close()
        except Exception:
            if ids:
                with self.engine.begin() as conn:
                    conn.execute(
                        _T.update()
                        .where(_T.c.id.in_([uuid.UUID(str(i)) for i in ids]), _T.c.embedding.is_(None))
                        .values(embed_attempts=_T.c.embed_attempts + 1)
                    )
            raise
        return len(ids)

    def backlog(self) -> Backlog:
        with self.engine.connect() as conn:
            row = conn.exec_driver_sql(
                "SELECT count(*), count(*) FILTER (WHERE embed_attempts > 0),"
                " coalesce(extract(epoch FROM now() - min(create_time)), 0)"
                " FROM learning_examples WHERE embedding IS NULL"
            ).one()
            conn.rollback()
        return Backlog(pending=int(row[0]), failing=int(row[1]), oldest_pending_seconds=float(row[2]))

    # -- re-embedding --------------------------------------------------------------------------------
    def stale_batch(self, limit: int) -> list[tuple[uuid.UUID, str, str]]:
        """Items whose vector came from another model: (id, title, text)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(_T.c.id, _T.c.title, _T.c.text)
                .where(_T.c.embedding_model != self.model, _T.c.embedding_model != "")
                .limit(limit)
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
