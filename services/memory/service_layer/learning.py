"""Use cases of the memory service: record, search, summarise, browse and curate what was learned."""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from services.common.domain_errors import InvalidArgument, NotFound
from services.common.observability import metrics
from services.common.text_rules import check_storable
from services.memory.domain.model import (
    MAX_BATCH,
    MAX_QUERY_CHARS,
    Acknowledge,
    Backlog,
    ForgottenClient,
    NewItem,
    RecordOutcome,
    RecordResult,
    Scope,
    SearchFilters,
    SearchHit,
    StoredItem,
    embedding_text,
    parse_item_id,
    predates_forget,
    ranking_score,
    validate_page_size,
    validate_rating,
    validate_top_k,
)
from services.memory.service_layer import page_tokens
from services.memory.service_layer.playbook import Playbook, rated_items
from services.memory.service_layer.ports import (
    DISCARDED,
    FAKE_EMBEDDINGS_WARNING,
    Cursor,
    Embedder,
    LearningStore,
    PendingCandidates,
    SearchQuery,
)

log = logging.getLogger(__name__)

# How widely each half of hybrid search looks before fusion (chosen with `make bench`): the index's
# nearest items, and the best keyword matches. More candidates let the rating adjustment and the fusion
# reorder within a wider set, at the cost of reading more rows.
VECTOR_CANDIDATES_MIN = 40
KEYWORD_CANDIDATES_MIN = 40
CANDIDATES_MAX = 200
# Read-your-writes: a search in a client's scope also looks at that client's items still waiting for their
# embedding (at most PENDING_MAX, newest first). They take part in the keyword ranking at no cost, and the
# search embeds them itself (newest first, PENDING_CHUNK at a time) while the estimate of the next chunk fits
# in PENDING_EMBED_SECONDS and in half the call's remaining deadline; then they rank by meaning too, and
# their vectors are stored (the background embedder has less left to do). See README "Search".
PENDING_MAX = 64
PENDING_CHUNK = 4
PENDING_EMBED_SECONDS = 0.25
# The local model reads at most 128 word pieces (about 600 characters of English): longer texts cost no more.
_MODEL_CHARS = 600
# A backlog whose oldest item waited longer than this is worth a warning in the summary.
BACKLOG_WARN_SECONDS = 60.0


@dataclass(frozen=True)
class Summary:
    total_items: int
    per_kind: dict[str, int]
    per_rating: dict[str, int]
    learned_per_day: list[tuple[str, int]]
    embedding_model: str
    embedding_dimensions: int
    storage: str
    fake_embeddings: bool
    warnings: list[str] = field(default_factory=list)
    backlog: Backlog = field(default_factory=Backlog)


@dataclass(frozen=True)
class Page:
    items: list[StoredItem]
    next_page_token: str
    total_size: int


@dataclass(frozen=True)
class ForgetResult:
    client_id: str
    deleted_ids: list[uuid.UUID]
    per_kind: dict[str, int]
    forget_time: dt.datetime
    playbook_entries_deleted: int = 0


@dataclass(frozen=True)
class RateResult:
    item: StoredItem
    rated_count: int


class LearningService:
    """The memory service's behaviour, independent of gRPC."""

    def __init__(
        self,
        repository: LearningStore,
        embedder: Embedder,
        *,
        storage: str,
        on_queued: Callable[[], None] | None = None,
        playbook: Playbook | None = None,
    ) -> None:
        self.repository = repository
        # Ratings of report sections become playbook entries (approved texts, texts to avoid).
        self.playbook = playbook
        self.embedder = embedder
        self.storage = storage
        # Called when items were stored without their embedding (wakes the background embedder).
        self.on_queued = on_queued

    @property
    def warnings(self) -> list[str]:
        return [FAKE_EMBEDDINGS_WARNING] if self.embedder.is_fake else []

    # -- writes --------------------------------------------------------------------------------------
    def record(self, items: Sequence[NewItem]) -> list[RecordOutcome]:
        """Records items idempotently; only new content is embedded. Results keep the input order.

        An item acknowledged on commit (Acknowledge.COMMITTED) is stored without its vector and embedded in
        the background; the others are embedded before they are stored. An item whose client was forgotten
        after its work started is discarded, never stored (its outcome says so). A chosen item id whose
        content matches an existing item becomes that item's alias.
        """
        if len(items) > MAX_BATCH:
            raise InvalidArgument("requests", f"at most {MAX_BATCH} items per batch (got {len(items)})")
        # Only work stamped with its start can predate a forget: unstamped writes skip the lookup (the
        # insert checks again under the client's lock anyway).
        stamped = [i.client_id for i in items if i.work_start_time is not None]
        forgotten = self.repository.forget_times(stamped) if stamped else {}
        stale = [predates_forget(i, forgotten) for i in items]
        existing = self.repository.find_existing(items)
        resolved: list[StoredItem | str | None] = [
            DISCARDED if is_stale else found for is_stale, found in zip(stale, existing, strict=True)
        ]
        early_discards = Counter(i.client_id for i, is_stale in zip(items, stale, strict=True) if is_stale)
        self.repository.count_discarded(dict(early_discards))
        # Duplicates inside the batch are left to the database's unique constraints (first one wins).
        fresh = [i for i, found in enumerate(resolved) if found is None]
        inserted: set[uuid.UUID] = set()
        if fresh:
            inline = [i for i in fresh if items[i].acknowledge is Acknowledge.EMBEDDED]
            vectors: list[Any] = [None] * len(items)
            if inline:
                for i, vector in zip(
                    inline, self.embedder.embed([items[i].embedding_text() for i in inline]), strict=True
                ):
                    vectors[i] = vector
            stored = self.repository.insert_new([items[i] for i in fresh], [vectors[i] for i in fresh])
            if len(inline) < len(fresh) and self.on_queued is not None:
                self.on_queued()
            for i, new_item in zip(fresh, stored, strict=True):
                resolved[i] = new_item
                if isinstance(new_item, StoredItem):
                    inserted.add(new_item.id)
            # Skipped on conflict (a duplicate within this batch, or a concurrent writer): read what won.
            lost = [i for i in fresh if resolved[i] is None]
            if lost:
                for i, found in zip(
                    lost, self.repository.find_existing([items[i] for i in lost]), strict=True
                ):
                    resolved[i] = found
        outcomes: list[RecordOutcome] = []
        aliases: list[tuple[uuid.UUID, uuid.UUID, uuid.UUID | None]] = []
        for item, stored_item in zip(items, resolved, strict=True):
            if stored_item == DISCARDED:
                outcomes.append(
                    RecordOutcome(None, RecordResult.DISCARDED_CLIENT_FORGOTTEN, requested_id=item.item_id)
                )
                continue
            if not isinstance(stored_item, StoredItem):  # deleted concurrently between insert and read-back
                raise NotFound(f"item for idempotency key {item.idempotency_key!r} vanished during recording")
            created = stored_item.id in inserted
            inserted.discard(stored_item.id)  # a duplicate later in the batch is not "created" again
            if item.item_id is not None and item.item_id != stored_item.id:
                aliases.append((item.item_id, stored_item.id, item.parent_id))
            outcomes.append(
                RecordOutcome(
                    item=stored_item,
                    result=RecordResult.CREATED if created else RecordResult.EXISTING,
                    requested_id=item.item_id,
                )
            )
        self.repository.link_aliases(aliases)
        created_count = sum(o.created for o in outcomes)
        discarded_count = sum(o.result is RecordResult.DISCARDED_CLIENT_FORGOTTEN for o in outcomes)
        if created_count or discarded_count:
            log.info(
                "recorded %d new item(s) of %d; %d discarded (client forgotten)",
                created_count,
                len(items),
                discarded_count,
                extra={"items_created": created_count, "items_discarded": discarded_count},
            )
        return outcomes

    def rate(self, item_id: str, rating: str, note: str) -> RateResult:
        """Rates an item; rating a report rates its sections too. Each rated section then becomes a playbook
        entry of its client (gold: an approved text; weak: a text to avoid), under the forget rule: a client
        forgotten while the rating was made gets none."""
        uid = parse_item_id(item_id)
        value = validate_rating(rating)
        check_storable("note", note)
        if len(note) > 2000:
            raise InvalidArgument("note", "must be at most 2000 characters")
        started = dt.datetime.now(dt.UTC)
        rated = self.repository.rate(uid, value, note.strip())
        if rated is None:
            raise NotFound(f"no learning item with id {uid}")
        item, others = rated
        if self.playbook is not None:
            self.playbook.apply_rating(rated_items(item, others), value, started)
        return RateResult(item=item, rated_count=1 + len(others))

    def set_scope(self, item_id: str, scope: Scope) -> StoredItem:
        uid = parse_item_id(item_id)
        item = self.get(str(uid))
        if scope is Scope.CLIENT and not item.client_id:
            raise InvalidArgument("scope", "this item has no client, so it can only be in the agency library")
        updated = self.repository.set_scope(item.id, scope)
        if updated is None:
            raise NotFound(f"no learning item with id {uid}")
        return updated

    def delete(self, item_id: str) -> uuid.UUID:
        uid = parse_item_id(item_id)
        deleted = self.repository.delete(uid)
        if deleted is None:
            raise NotFound(f"no learning item with id {uid}")
        return deleted

    def forget_client(self, client_id: str) -> ForgetResult:
        """Deletes everything of the client and records the forget, so late writes are discarded."""
        client_id = check_storable("client_id", client_id).strip()
        if not client_id:
            raise InvalidArgument("client_id", "is required")
        record = self.repository.forget_client(client_id)
        log.info(
            "forgot client: %d item(s) and %d playbook entr(ies) deleted",
            len(record.deleted),
            record.playbook_entries_deleted,
            extra={"deleted": len(record.deleted), "playbook_deleted": record.playbook_entries_deleted},
        )
        return ForgetResult(
            client_id=client_id,
            deleted_ids=[i for i, _ in record.deleted],
            per_kind=dict(Counter(kind for _, kind in record.deleted)),
            forget_time=record.forget_time,
            playbook_entries_deleted=record.playbook_entries_deleted,
        )

    def forgotten_clients(self) -> list[ForgottenClient]:
        return self.repository.forgotten_clients()

    # -- reads ---------------------------------------------------------------------------------------
    def search(
        self,
        query: str,
        top_k: int,
        min_score: float,
        filters: SearchFilters,
        *,
        deadline: float | None = None,
    ) -> list[SearchHit]:
        """Hybrid search: items near the query by meaning (gold-rated ones up, weak ones down) fused with
        items that share its distinctive words (a brand, a product line). Scoped to a client (for_client_id
        or client_id), the client's items still waiting for their embedding are candidates too
        (read-your-writes); otherwise only embedded items qualify. `deadline` (time.monotonic()) bounds
        the time spent embedding waiting items."""
        check_storable("query", query)
        for name in ("client_id", "industry", "package_key", "section_id", "for_client_id"):
            check_storable(name, getattr(filters, name))
        for i, kind in enumerate(filters.kinds):
            check_storable(f"kinds[{i}]", kind)
        if not query.strip():
            raise InvalidArgument("query", "must not be empty")
        if len(query) > MAX_QUERY_CHARS:
            raise InvalidArgument("query", f"must be at most {MAX_QUERY_CHARS} characters")
        k = validate_top_k(top_k)
        if not -1.0 <= min_score <= 1.0:
            raise InvalidArgument("min_score", "must be between -1 and 1")
        if self.embedder.is_fake:
            log.warning(FAKE_EMBEDDINGS_WARNING)
        started = time.monotonic()
        scope_client = filters.for_client_id or filters.client_id
        waiting = self.repository.pending_in_scope(scope_client, filters, PENDING_MAX) if scope_client else []
        vector = self.embedder.embed([query])[0]
        pending, fresh_ids, fresh_vectors = self._embed_waiting(waiting, vector, query, started, deadline)
        candidates = min(max(4 * k, VECTOR_CANDIDATES_MIN), CANDIDATES_MAX)
        found = self.repository.search(
            SearchQuery(
                vector=vector,
                text=query,
                filters=filters,
                top_k=k,
                min_similarity=min_score,
                vector_candidates=candidates,
                keyword_candidates=min(max(4 * k, KEYWORD_CANDIDATES_MIN), CANDIDATES_MAX),
                pending=pending,
            )
        )
        if fresh_ids:
            try:
                self.repository.store_vectors(fresh_ids, fresh_vectors)
            except Exception as exc:  # the background embedder stores them later anyway
                log.warning("storing vectors computed during a search failed (%s)", type(exc).__name__)
        metrics.SEARCH_CANDIDATES.observe(candidates)
        metrics.SEARCH_RESULTS.observe(len(found))
        return [
            SearchHit(item=item, similarity=sim, score=ranking_score(sim, item.rating), relevance=relevance)
            for item, sim, relevance in found
        ]

    def _embed_waiting(
        self,
        waiting: Sequence[tuple[uuid.UUID, str, str]],
        query_vector: Any,
        query: str,
        started: float,
        deadline: float | None,
    ) -> tuple[PendingCandidates, list[uuid.UUID], Any]:
        """Embeds the newest waiting items, PENDING_CHUNK at a time, while the next chunk's estimated time
        (from the query's own embedding, then from the chunks done) fits the budget. Returns the candidates
        and the ids and vectors computed."""
        if not waiting:
            return PendingCandidates(), [], None
        now = time.monotonic()
        budget_end = started + PENDING_EMBED_SECONDS
        if deadline is not None:
            budget_end = min(budget_end, now + (deadline - now) / 2)
        spent = max(now - started, 1e-4)
        chars = float(max(len(query), 100))  # a short query's time is mostly fixed cost: estimate high
        ids: list[uuid.UUID] = []
        vectors: list[Any] = []
        for start in range(0, len(waiting), PENDING_CHUNK):
            chunk = waiting[start : start + PENDING_CHUNK]
            texts = [embedding_text(title, text) for _, title, text in chunk]
            size = sum(min(len(t), _MODEL_CHARS) for t in texts)
            now = time.monotonic()
            if now + spent / chars * size > budget_end:
                break
            vectors.extend(self.embedder.embed(texts))
            ids.extend(item_id for item_id, _, _ in chunk)
            spent += time.monotonic() - now
            chars += size
        if not ids:
            return PendingCandidates(ids=tuple(i for i, _, _ in waiting)), [], None
        stacked = np.asarray(vectors, dtype=np.float32)
        similarity = stacked @ np.asarray(query_vector, dtype=np.float32)
        return (
            PendingCandidates(
                ids=tuple(i for i, _, _ in waiting),
                similarity={i: float(s) for i, s in zip(ids, similarity, strict=True) if math.isfinite(s)},
            ),
            ids,
            stacked,
        )

    def summary(self) -> Summary:
        stats = self.repository.stats()
        per_kind: dict[str, int] = stats["per_kind"]
        backlog = self.repository.backlog()
        if self.embedder.is_fake:
            log.warning(FAKE_EMBEDDINGS_WARNING)
        warnings = self.warnings
        if backlog.pending and backlog.oldest_pending_seconds > BACKLOG_WARN_SECONDS:
            warnings.append(
                f"{backlog.pending} item(s) wait for their embeddings (the oldest for "
                f"{backlog.oldest_pending_seconds:.0f} s): they are stored but not yet found by search. "
                "Check that a memory service is running and its log for embedding errors."
            )
        return Summary(
            total_items=sum(per_kind.values()),
            per_kind=per_kind,
            per_rating=stats["per_rating"],
            learned_per_day=stats["per_day"],
            embedding_model=self.embedder.model_name,
            embedding_dimensions=self.embedder.dimensions,
            storage=self.storage,
            fake_embeddings=self.embedder.is_fake,
            warnings=warnings,
            backlog=backlog,
        )

    def embed_queued(self, limit: int) -> int:
        """Embeds up to `limit` items from the queue (the background worker's unit of work)."""
        return self.repository.embed_pending(limit, self.embedder.embed)

    def get(self, item_id: str) -> StoredItem:
        uid = parse_item_id(item_id)
        item = self.repository.get(uid)
        if item is None:
            raise NotFound(f"no learning item with id {uid}")
        return item

    def list(self, *, kind: str, client_id: str, page_size: int, page_token: str) -> Page:
        size = validate_page_size(page_size)
        check_storable("kind", kind)
        check_storable("client_id", client_id)
        check_storable("page_token", page_token)
        filter_key = _filter_key(kind, client_id)
        after = _decode_token(page_token, filter_key) if page_token else None
        items, total = self.repository.page(
            kind=kind.strip(), client_id=client_id.strip(), size=size, after=after
        )
        next_token = ""
        if len(items) == size:
            last = items[-1]
            next_token = _encode_token(Cursor(last.create_time, last.id), filter_key)
            # No token when nothing follows: saves the caller an empty page.
            more, _ = self.repository.page(
                kind=kind.strip(),
                client_id=client_id.strip(),
                size=1,
                after=Cursor(last.create_time, last.id),
            )
            if not more:
                next_token = ""
        return Page(items=items, next_page_token=next_token, total_size=total)

    # -- maintenance ---------------------------------------------------------------------------------
    def reembed_all(self, batch: int = 256) -> int:
        """Re-embeds every item made by another model with the current one, and embeds any item still
        waiting in the queue; returns how many."""
        done = 0
        while rows := self.repository.stale_batch(batch):
            texts = [embedding_text(title, body) for _, title, body in rows]
            self.repository.replace_embeddings([r[0] for r in rows], self.embedder.embed(texts))
            done += len(rows)
            log.info("re-embedded %d item(s) so far", done)
        while queued := self.repository.embed_pending(batch, self.embedder.embed):
            done += queued
        self.repository.ensure_vector_index()
        return done


def _filter_key(kind: str, client_id: str) -> str:
    return f"{kind.strip()}\x1f{client_id.strip()}"


def _encode_token(cursor: Cursor, filter_key: str) -> str:
    return page_tokens.encode({"t": cursor.create_time.isoformat(), "i": str(cursor.id), "f": filter_key})


def _decode_token(token: str, filter_key: str) -> Cursor:
    cursor, same_filter = page_tokens.decode(
        token,
        lambda p: (
            Cursor(create_time=dt.datetime.fromisoformat(p["t"]), id=uuid.UUID(p["i"])),
            p["f"] == filter_key,
        ),
    )
    if not same_filter:
        raise InvalidArgument("page_token", "was issued for a different kind/client_id filter")
    return cursor
