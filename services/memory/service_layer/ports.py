"""What the memory use cases need from the outside world, as protocols (ports).

`LearningService` depends on these, never on SQLAlchemy or an embedding model: the Postgres adapter
(services/memory/adapters/repository.py) implements `LearningStore`, the embedding models
(services/memory/embeddings/) implement `Embedder`, and the unit tests use in-memory fakes
(tests/unit/memory/fakes.py) so the use cases are tested without a database or a model.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from services.memory.domain.model import (
    Backlog,
    ForgottenClient,
    NewItem,
    Scope,
    SearchFilters,
    StoredItem,
)
from services.memory.domain.people import AccountRow
from services.memory.domain.playbook import Entry, NewEntry
from services.memory.domain.reports import ReportRow, StoredVersion

# Marks an item insert_new discarded because its client was forgotten meanwhile.
DISCARDED = "discarded"

# One embedding.
Vector = npt.NDArray[np.float32]
# Embeddings, one row per text.
Vectors = npt.NDArray[np.float32]


class Embedder(Protocol):
    """Turns texts into L2-normalised vectors. `model_name` is stored with every vector; `is_fake` says the
    vectors are word hashes, not a language model (AICMO_FAKE_EMBEDDINGS=1), and the service then warns
    with `FAKE_EMBEDDINGS_WARNING`."""

    model_name: str
    dimensions: int
    is_fake: bool

    def embed(self, texts: Sequence[str]) -> Vectors:
        """One row per text, shape (len(texts), dimensions), each row of unit length."""
        ...


FAKE_EMBEDDINGS_WARNING = (
    "FAKE EMBEDDINGS IN USE (AICMO_FAKE_EMBEDDINGS=1): vectors are word hashes, not a language model; "
    "retrieval quality is meaningless. Never use this outside tests."
)
# Turns texts into vectors (the embedder's `embed`), handed to the store to embed its queue.
EmbedTexts = Callable[[Sequence[str]], Vectors]


@dataclass(frozen=True)
class Cursor:
    """Keyset position for paging newest-first."""

    create_time: dt.datetime
    id: uuid.UUID


@dataclass(frozen=True)
class PendingCandidates:
    """Items of the asking client's scope still waiting for their embedding, searched all the same
    (read-your-writes): each takes part in the keyword ranking, and those embedded during this search
    (`similarity`: their cosine with the query) in the meaning ranking too."""

    ids: tuple[uuid.UUID, ...] = ()
    similarity: Mapping[uuid.UUID, float] = field(default_factory=dict)


@dataclass(frozen=True)
class SearchQuery:
    """One search: the query's vector and words, the filters, and how widely each ranking looks."""

    vector: np.ndarray[Any, Any]
    text: str
    filters: SearchFilters
    top_k: int
    min_similarity: float
    # Nearest neighbours the vector index returns for fusion, and keyword matches likewise.
    vector_candidates: int
    keyword_candidates: int
    # The scope's items not embedded yet (see PendingCandidates); empty: embedded items only.
    pending: PendingCandidates = field(default_factory=PendingCandidates)


@dataclass(frozen=True)
class ForgetRecord:
    """What a forget deleted, and when it took effect (the database's clock)."""

    forget_time: dt.datetime
    # (id, kind) of each learning item deleted.
    deleted: list[tuple[uuid.UUID, str]]
    playbook_entries_deleted: int = 0


class LearningStore(Protocol):
    """Durable storage of learning items for one embedding model (`model`, `dimensions`)."""

    model: str
    dimensions: int

    # -- writes --------------------------------------------------------------------------------------
    def forget_times(self, client_ids: Sequence[str]) -> dict[str, dt.datetime]:
        """When each of these clients was last forgotten (only the forgotten ones appear)."""
        ...

    def count_discarded(self, per_client: dict[str, int]) -> None:
        """Adds writes discarded for forgotten clients to their forget records."""
        ...

    def find_existing(self, items: Sequence[NewItem]) -> list[StoredItem | None]:
        """For each item, the stored item with its id (or alias), else its idempotency key, else its
        content (kind, client, text), else None."""
        ...

    def insert_new(
        self, items: Sequence[NewItem], vectors: Sequence[Vector | None]
    ) -> list[StoredItem | str | None]:
        """Inserts items with their vectors (aligned; None: the item joins the embedding queue), skipping
        collisions. Aligned with `items`: the stored item, None where skipped, or DISCARDED where the client
        was forgotten after the item's work started (checked under the client's lock)."""
        ...

    def link_aliases(self, links: Sequence[tuple[uuid.UUID, uuid.UUID, uuid.UUID | None]]) -> None:
        """Records (alias_id, item_id, parent_id): a chosen id whose content matched an existing item."""
        ...

    def rate(self, item_id: uuid.UUID, rating: str, note: str) -> tuple[StoredItem, list[StoredItem]] | None:
        """Rates the item and, if it is a report, its sections; (item, the other items rated) or None."""
        ...

    def set_scope(self, item_id: uuid.UUID, scope: Scope) -> StoredItem | None: ...

    def delete(self, item_id: uuid.UUID) -> uuid.UUID | None: ...

    def forget_client(self, client_id: str) -> ForgetRecord:
        """Deletes every item of the client, its report versions and its playbook (every entry with its
        versions), and records the forget, in one transaction."""
        ...

    def forgotten_clients(self, limit: int = 200) -> list[ForgottenClient]: ...

    # -- reads ---------------------------------------------------------------------------------------
    def get(self, item_id: uuid.UUID) -> StoredItem | None: ...

    def search(self, query: SearchQuery) -> list[tuple[StoredItem, float, float]]:
        """The top_k embedded items (and query.pending ones) by fused relevance: (item, cosine similarity,
        relevance). A pending item found by its words alone has similarity 0 and passes min_similarity."""
        ...

    def pending_in_scope(
        self, client_id: str, filters: SearchFilters, limit: int
    ) -> list[tuple[uuid.UUID, str, str]]:
        """The client's own items passing `filters` that still wait for their embedding, newest first, at
        most `limit`: (id, title, text)."""
        ...

    def store_vectors(self, ids: Sequence[uuid.UUID], vectors: Vectors) -> int:
        """Stores vectors computed outside the queue for items still waiting, skipping any that a worker
        holds (it stores its own); returns how many were stored."""
        ...

    def page(
        self, *, kind: str, client_id: str, size: int, after: Cursor | None
    ) -> tuple[list[StoredItem], int]: ...

    def stats(self, days: int = 30) -> dict[str, Any]:
        """{"per_kind": {...}, "per_rating": {...}, "per_day": [(date, n)]}."""
        ...

    # -- the embedding queue -------------------------------------------------------------------------
    def embed_pending(self, limit: int, embed: EmbedTexts) -> int:
        """Claims up to `limit` items waiting for their embedding (skipping those another worker holds),
        embeds them with `embed` and stores the vectors, all in one transaction; returns how many. If
        `embed` raises, nothing is stored, the items' failure counts go up, and the error propagates."""
        ...

    def backlog(self) -> Backlog: ...

    def refresh_search_statistics(self, *, force: bool = False) -> bool:
        """Refreshes the word statistics keyword search weighs words by, when the items changed enough
        since the last refresh (or when forced); returns whether it ran."""
        ...

    # -- maintenance ---------------------------------------------------------------------------------
    def ensure_vector_index(self) -> None: ...

    def stale_batch(self, limit: int) -> list[tuple[uuid.UUID, str, str]]:
        """Items whose vector came from another model: (id, title, text)."""
        ...

    def replace_embeddings(self, ids: Sequence[uuid.UUID], vectors: Vectors) -> None: ...


# What adding one playbook entry did: (the stored entry, whether it was created now), or DISCARDED when
# its client was forgotten after its work started.
AddedEntry = tuple[Entry, bool] | str


class PlaybookStore(Protocol):
    """Durable storage of playbook entries: the current state of each in one row, every version kept.

    Every write takes its client's lock shared and checks the forget record (services/memory/adapters/
    client_locks.py), like learning items; the learning store's forget_client deletes the playbook.
    """

    def add(self, entries: Sequence[NewEntry]) -> list[AddedEntry]:
        """Adds entries as version 1, in one transaction, aligned with `entries`. An id that exists already
        leaves it as it is ((stored, False)); a client forgotten after the entry's work started gives
        DISCARDED."""
        ...

    def get(self, entry_id: uuid.UUID) -> Entry | None: ...

    def save_version(self, entry: Entry) -> Entry | None:
        """Stores `entry` as its next version (entry.version) if the current version is entry.version - 1;
        returns it as stored, or None when the entry is gone or another version came first."""
        ...

    def derive(self, ensure: Sequence[NewEntry], retire: Sequence[uuid.UUID], note: str) -> list[AddedEntry]:
        """A rating's effect, in one transaction: each of `ensure` is added, or, if a rating had removed
        it, restored as a new version (an operator's removal stays); each of `retire` still active is
        removed by the rating as a new version (with `note`). Aligned with `ensure`."""
        ...

    def entries_of(self, client_ids: Sequence[str], *, include_removed: bool, limit: int) -> list[Entry]:
        """The entries of these clients ("" is the agency-wide playbook): pinned first, then newest."""
        ...

    def versions(self, entry_id: uuid.UUID) -> list[Entry]:
        """Every version of the entry, newest first (empty when there is no such entry)."""
        ...


class ReportArchiveStore(Protocol):
    """Where report versions are kept (adapters/report_archive.py over Postgres; a fake in the unit tests)."""

    def save(self, version: StoredVersion, work_start_time: dt.datetime | None) -> StoredVersion | None:
        """Stores the version as its history's next one and returns it numbered; None when its client was
        forgotten after the work started (nothing stored)."""
        ...

    def versions(self, history_id: uuid.UUID, limit: int = 500) -> list[StoredVersion]:
        """Every version of one history, oldest first."""
        ...

    def get(self, history_id: uuid.UUID, version: int) -> StoredVersion | None:
        """One version (0: the latest), or None."""
        ...

    def reports(
        self, *, client_id: str, size: int, after: tuple[dt.datetime, uuid.UUID] | None
    ) -> list[ReportRow]:
        """Reports (their latest versions), most recently changed first, after a position."""
        ...


class AccountStore(Protocol):
    """The built-in account store (adapters/people.py over Postgres; a fake in the unit tests)."""

    def count(self) -> int:
        """How many accounts there are, disabled ones included."""
        ...

    def get(self, name: str) -> AccountRow | None:
        """The account with its password hash, or None."""
        ...

    def list(self) -> list[AccountRow]:
        """Every account by name, without password hashes."""
        ...

    def create(self, name: str, role: str, password_hash: str) -> AccountRow | None:
        """The new account, or None when the name is taken."""
        ...

    def create_first_admin(self, name: str, password_hash: str) -> bool:
        """Makes the admin only while there is no account at all; False when there was one."""
        ...

    def update(
        self,
        name: str,
        *,
        role: str | None = None,
        disabled: bool | None = None,
        password_hash: str | None = None,
    ) -> AccountRow | None:
        """The account after the change (None given: unchanged), or None when there is no such account."""
        ...
