"""Learning items as plain Python: what may be stored, and the limits every entry point enforces."""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import enum
import hashlib
import json
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from services.common.domain_errors import InvalidArgument
from services.common.text_rules import check_storable, check_storable_json

MAX_TEXT_CHARS = 100_000
MAX_TITLE_CHARS = 500
MAX_FIELD_CHARS = 200
MAX_TAGS = 32
MAX_TAG_CHARS = 64
MAX_METADATA_BYTES = 64 * 1024
MAX_BATCH = 500
MAX_TOP_K = 50
DEFAULT_TOP_K = 5
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
MAX_QUERY_CHARS = 10_000
MAX_IDEMPOTENCY_KEY_CHARS = 200
RATINGS = ("gold", "weak")
GOLD_BOOST = 0.1
WEAK_PENALTY = 0.1

_KIND = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class Scope(enum.StrEnum):
    """Who may learn from an item (stored as these strings)."""

    CLIENT = "client"  # only reports for the item's own client
    AGENCY = "agency"  # the agency library: any client's report


class Acknowledge(enum.Enum):
    """When a write is acknowledged."""

    # Once text and metadata are committed; the embedding follows in the background (the item is searchable
    # within seconds, and until then its embedding_model is empty).
    COMMITTED = "committed"
    # Once the item is embedded too, so the next search finds it (the caller waits for the model).
    EMBEDDED = "embedded"


def default_scope(client_id: str) -> Scope:
    """An item with a client belongs to that client; one without is agency library material."""
    return Scope.CLIENT if client_id else Scope.AGENCY


@dataclass(frozen=True)
class NewItem:
    """An item to record, validated."""

    kind: str
    text: str
    title: str = ""
    client_id: str = ""
    industry: str = ""
    package_key: str = ""
    section_id: str = ""
    tags: tuple[str, ...] = ()
    metadata: Mapping[str, Any] = field(default_factory=dict)
    source: str = ""
    idempotency_key: str = ""
    scope: Scope = Scope.AGENCY
    # A caller-chosen id (known before the write lands); None lets the server choose.
    item_id: uuid.UUID | None = None
    # The report item a section belongs to.
    parent_id: uuid.UUID | None = None
    # When the work that produced the item started; None means now. Forgotten clients never get items of
    # work that started before their forget.
    work_start_time: dt.datetime | None = None
    # Whether the write waits for the item's embedding (see Acknowledge).
    acknowledge: Acknowledge = Acknowledge.EMBEDDED

    @property
    def content_hash(self) -> str:
        """Identity of the content for deduplication (kind and client are compared alongside)."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def embedding_text(self) -> str:
        return embedding_text(self.title, self.text)


def embedding_text(title: str, text: str) -> str:
    """What gets embedded: the title gives short items their topic (one rule for new and stored items)."""
    return f"{title}\n{text}" if title else text


@dataclass(frozen=True)
class StoredItem:
    """An item as stored, with its server-assigned fields."""

    id: uuid.UUID
    kind: str
    title: str
    text: str
    client_id: str
    industry: str
    package_key: str
    section_id: str
    tags: tuple[str, ...]
    metadata: Mapping[str, Any]
    source: str
    rating: str
    rating_note: str
    create_time: dt.datetime
    # Empty while the item waits for its embedding.
    embedding_model: str
    scope: Scope = Scope.AGENCY
    parent_id: uuid.UUID | None = None


class RecordResult(enum.Enum):
    CREATED = "created"
    EXISTING = "existing"
    DISCARDED_CLIENT_FORGOTTEN = "discarded_client_forgotten"


@dataclass(frozen=True)
class RecordOutcome:
    # None only when the write was discarded (its client was forgotten).
    item: StoredItem | None
    result: RecordResult
    requested_id: uuid.UUID | None = None

    @property
    def created(self) -> bool:
        return self.result is RecordResult.CREATED


@dataclass(frozen=True)
class ForgottenClient:
    client_id: str
    forget_time: dt.datetime
    deleted_count: int
    discarded_count: int


@dataclass(frozen=True)
class SearchFilters:
    kinds: tuple[str, ...] = ()
    client_id: str = ""
    industry: str = ""
    package_key: str = ""
    section_id: str = ""
    # The client a report is being written for: only its own items and the agency library qualify.
    for_client_id: str = ""


@dataclass(frozen=True)
class SearchHit:
    item: StoredItem
    # Cosine similarity between the query and the item.
    similarity: float
    # The similarity with the rating adjustment (ranking_score).
    score: float
    # What results are ordered by: reciprocal rank fusion of the meaning ranking (by score) and the
    # keyword ranking (see LearningRepository.search).
    relevance: float = 0.0


@dataclass(frozen=True)
class Backlog:
    """Items stored but not yet embedded (the embedding queue)."""

    pending: int = 0
    # Of those, items whose embedding failed at least once (retried after the others).
    failing: int = 0
    oldest_pending_seconds: float = 0.0


class ClientWork(Protocol):
    """Anything written for a client by work that started at a known time (a learning item, a playbook
    entry)."""

    @property
    def client_id(self) -> str: ...

    @property
    def work_start_time(self) -> dt.datetime | None: ...


def predates_forget(item: ClientWork, forgotten: Mapping[str, dt.datetime]) -> bool:
    """True when the item's client was forgotten after the work that produced the item started."""
    forget_time = forgotten.get(item.client_id)
    return forget_time is not None and item.work_start_time is not None and item.work_start_time < forget_time


def ranking_score(similarity: float, rating: str) -> float:
    """Gold-rated items rank up and weak ones down, by a fixed margin."""
    if rating == "gold":
        return similarity + GOLD_BOOST
    if rating == "weak":
        return similarity - WEAK_PENALTY
    return similarity


def to_jsonable(value: Any) -> Any:
    """Metadata as JSON: dates, datetimes, decimals, UUIDs, enums and sets become strings or lists."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, enum.Enum):
        return to_jsonable(value.value)
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_jsonable(dataclasses.asdict(value))
    if isinstance(value, Sequence | set | frozenset) and not isinstance(value, bytes | bytearray):
        return [to_jsonable(v) for v in value]
    if isinstance(value, bytes | bytearray):
        return value.decode("utf-8", errors="replace")
    return str(value)


def _short(field_name: str, value: str, limit: int) -> str:
    value = check_storable(field_name, value).strip()
    if len(value) > limit:
        raise InvalidArgument(field_name, f"must be at most {limit} characters (got {len(value)})")
    return value


def validate_new_item(
    *,
    kind: str,
    text: str,
    title: str = "",
    client_id: str = "",
    industry: str = "",
    package_key: str = "",
    section_id: str = "",
    tags: Sequence[str] = (),
    metadata: Mapping[str, Any] | None = None,
    source: str = "",
    idempotency_key: str = "",
    scope: Scope | None = None,
    item_id: str = "",
    parent_id: str = "",
    work_start_time: dt.datetime | None = None,
    acknowledge: Acknowledge = Acknowledge.EMBEDDED,
    field_prefix: str = "item",
    key_field: str = "idempotency_key",
    item_id_field: str = "item_id",
) -> NewItem:
    """Builds a NewItem or raises InvalidArgument naming the offending field."""
    p = f"{field_prefix}." if field_prefix else ""
    check_storable(f"{p}kind", kind)
    check_storable(f"{p}text", text)
    kind = kind.strip()
    if not kind:
        raise InvalidArgument(f"{p}kind", "is required (e.g. full_report, report_section, uploaded_example)")
    if not _KIND.match(kind):
        raise InvalidArgument(f"{p}kind", "must be snake_case: a lowercase letter then [a-z0-9_], at most 64")
    if not text.strip():
        raise InvalidArgument(f"{p}text", "must not be empty")
    if len(text) > MAX_TEXT_CHARS:
        raise InvalidArgument(f"{p}text", f"must be at most {MAX_TEXT_CHARS} characters (got {len(text)})")
    if len(tags) > MAX_TAGS:
        raise InvalidArgument(f"{p}tags", f"at most {MAX_TAGS} tags")
    clean_tags: list[str] = []
    for i, tag in enumerate(tags):
        tag = _short(f"{p}tags[{i}]", tag, MAX_TAG_CHARS)
        if tag and tag not in clean_tags:
            clean_tags.append(tag)
    clean_metadata = to_jsonable(dict(metadata or {}))
    check_storable_json(f"{p}metadata", clean_metadata)
    if len(json.dumps(clean_metadata)) > MAX_METADATA_BYTES:
        raise InvalidArgument(f"{p}metadata", f"must serialise to at most {MAX_METADATA_BYTES} bytes of JSON")
    clean_client = _short(f"{p}client_id", client_id, MAX_FIELD_CHARS)
    chosen_scope = scope or default_scope(clean_client)
    if chosen_scope is Scope.CLIENT and not clean_client:
        raise InvalidArgument(f"{p}scope", "a client item (SCOPE_CLIENT) needs a client_id")
    return NewItem(
        kind=kind,
        text=text,
        title=_short(f"{p}title", title, MAX_TITLE_CHARS),
        client_id=clean_client,
        industry=_short(f"{p}industry", industry, MAX_FIELD_CHARS),
        package_key=_short(f"{p}package_key", package_key, MAX_FIELD_CHARS),
        section_id=_short(f"{p}section_id", section_id, MAX_FIELD_CHARS),
        tags=tuple(clean_tags),
        metadata=clean_metadata,
        source=_short(f"{p}source", source, MAX_FIELD_CHARS),
        idempotency_key=_short(key_field, idempotency_key, MAX_IDEMPOTENCY_KEY_CHARS),
        scope=chosen_scope,
        item_id=parse_item_id(item_id, item_id_field) if item_id.strip() else None,
        parent_id=parse_item_id(parent_id, f"{p}parent_id") if parent_id.strip() else None,
        work_start_time=work_start_time,
        acknowledge=acknowledge,
    )


def validate_rating(rating: str) -> str:
    """'gold', 'weak', or '' to clear ('none' also clears)."""
    value = check_storable("rating", rating).strip().lower()
    if value in ("", "none"):
        return ""
    if value not in RATINGS:
        raise InvalidArgument("rating", "must be 'gold', 'weak' or '' to clear")
    return value


def validate_top_k(top_k: int) -> int:
    if top_k == 0:
        return DEFAULT_TOP_K
    if not 1 <= top_k <= MAX_TOP_K:
        raise InvalidArgument("top_k", f"must be between 1 and {MAX_TOP_K} (got {top_k})")
    return top_k


def validate_page_size(page_size: int) -> int:
    if page_size == 0:
        return DEFAULT_PAGE_SIZE
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InvalidArgument("page_size", f"must be between 1 and {MAX_PAGE_SIZE} (got {page_size})")
    return page_size


def parse_item_id(value: str, field_name: str = "id") -> uuid.UUID:
    """Item ids are UUIDs; anything else is INVALID_ARGUMENT rather than a database error."""
    if not value.strip():
        raise InvalidArgument(field_name, "is required")
    check_storable(field_name, value)
    try:
        return uuid.UUID(value.strip())
    except ValueError:
        raise InvalidArgument(field_name, "must be an item id (a UUID)") from None
