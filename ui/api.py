"""The operator app's only way to reach AICMO: a small typed client for the REST gateway.

One method per endpoint. Every failure (gateway not running, too slow, a rejected field, a service down)
becomes a `GatewayError` whose message says what happened and what to do, in words for the operator;
callers show `str(error)` and never a stack trace. JSON shapes follow the protos in `protos/` (field names
are the proto names; the gateway prints zero values, but parsing tolerates missing fields anyway).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote, unquote

import requests

DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_READ_TIMEOUT = 120.0

ErrorKind = Literal[
    "unreachable",
    "timeout",
    "invalid",
    "unauthorized",
    "not_found",
    "too_large",
    "unavailable",
    "deadline",
    "server",
    "protocol",
]


class GatewayError(Exception):
    """A call to the gateway failed. `str(error)` is a complete message for the operator."""

    def __init__(
        self,
        message: str,
        *,
        kind: ErrorKind,
        status: int | None = None,
        code: int | None = None,
        field: str | None = None,
        server_message: str = "",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.kind: ErrorKind = kind
        self.status = status
        self.code = code
        self.field = field
        self.server_message = server_message

    def __str__(self) -> str:
        return self.message


# ---------------------------------------------------------------------------------------------------------
# Lenient readers for decoded JSON.


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _str(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return value if isinstance(value, str) else ("" if value is None else str(value))


def _int(data: Mapping[str, Any], key: str) -> int:
    value = data.get(key)
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return 0
    return 0


def _float(data: Mapping[str, Any], key: str) -> float:
    value = data.get(key)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return 0.0
    return 0.0


def _bool(data: Mapping[str, Any], key: str) -> bool:
    return data.get(key) is True


def _str_list(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in _list(value))


def _count_map(value: Any) -> dict[str, int]:
    return {str(k): _int({"v": v}, "v") for k, v in _obj(value).items()}


def _enum(data: Mapping[str, Any], key: str, names: Sequence[str]) -> str:
    """An enum field as its name. The gateway prints names; a number (another printer) maps by position,
    and a name this app does not know yet is kept as sent (callers treat it like the unspecified value)."""
    value = data.get(key)
    if isinstance(value, str) and value:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return names[value] if 0 <= value < len(names) else str(value)
    return names[0]


# ---------------------------------------------------------------------------------------------------------
# Enum values, as the gateway prints them (proto3 JSON prints enum names). Each tuple is in number order.

# aicmo.memory.v1.Scope: who may learn from an item.
SCOPE_UNSPECIFIED = "SCOPE_UNSPECIFIED"
SCOPE_CLIENT = "SCOPE_CLIENT"  # only reports for the item's own client
SCOPE_AGENCY = "SCOPE_AGENCY"  # the agency library: any client's report
SCOPES = (SCOPE_UNSPECIFIED, SCOPE_CLIENT, SCOPE_AGENCY)

# aicmo.memory.v1.RecordResult: what a write did.
RECORD_RESULT_UNSPECIFIED = "RECORD_RESULT_UNSPECIFIED"
RECORD_RESULT_CREATED = "RECORD_RESULT_CREATED"
RECORD_RESULT_EXISTING = "RECORD_RESULT_EXISTING"
RECORD_RESULT_DISCARDED_CLIENT_FORGOTTEN = "RECORD_RESULT_DISCARDED_CLIENT_FORGOTTEN"
RECORD_RESULTS = (
    RECORD_RESULT_UNSPECIFIED,
    RECORD_RESULT_CREATED,
    RECORD_RESULT_EXISTING,
    RECORD_RESULT_DISCARDED_CLIENT_FORGOTTEN,
)

# aicmo.generator.v1.LearningSource: whose learning informed a section.
LEARNING_SOURCE_UNSPECIFIED = "LEARNING_SOURCE_UNSPECIFIED"
LEARNING_SOURCE_SAME_CLIENT = "LEARNING_SOURCE_SAME_CLIENT"
LEARNING_SOURCE_AGENCY_LIBRARY = "LEARNING_SOURCE_AGENCY_LIBRARY"
LEARNING_SOURCES = (LEARNING_SOURCE_UNSPECIFIED, LEARNING_SOURCE_SAME_CLIENT, LEARNING_SOURCE_AGENCY_LIBRARY)

# aicmo.generator.v1.LearningState: what happened to a report's learning.
LEARNING_STATE_UNSPECIFIED = "LEARNING_STATE_UNSPECIFIED"
LEARNING_STATE_RECORDED = "LEARNING_STATE_RECORDED"
LEARNING_STATE_QUEUED = "LEARNING_STATE_QUEUED"
LEARNING_STATE_OFF = "LEARNING_STATE_OFF"
LEARNING_STATES = (
    LEARNING_STATE_UNSPECIFIED,
    LEARNING_STATE_RECORDED,
    LEARNING_STATE_QUEUED,
    LEARNING_STATE_OFF,
)

# aicmo.generator.v1.RetrievalState: whether learned examples were looked up for a report.
RETRIEVAL_STATE_UNSPECIFIED = "RETRIEVAL_STATE_UNSPECIFIED"
RETRIEVAL_STATE_DONE = "RETRIEVAL_STATE_DONE"
RETRIEVAL_STATE_OFF = "RETRIEVAL_STATE_OFF"
RETRIEVAL_STATE_SKIPPED_SLOW = "RETRIEVAL_STATE_SKIPPED_SLOW"
RETRIEVAL_STATE_SKIPPED_UNAVAILABLE = "RETRIEVAL_STATE_SKIPPED_UNAVAILABLE"
RETRIEVAL_STATE_SKIPPED_NO_TIME = "RETRIEVAL_STATE_SKIPPED_NO_TIME"
RETRIEVAL_STATES = (
    RETRIEVAL_STATE_UNSPECIFIED,
    RETRIEVAL_STATE_DONE,
    RETRIEVAL_STATE_OFF,
    RETRIEVAL_STATE_SKIPPED_SLOW,
    RETRIEVAL_STATE_SKIPPED_UNAVAILABLE,
    RETRIEVAL_STATE_SKIPPED_NO_TIME,
)
# The states in which the report was written without past learning although learning was on.
RETRIEVAL_SKIPPED = frozenset(
    {RETRIEVAL_STATE_SKIPPED_SLOW, RETRIEVAL_STATE_SKIPPED_UNAVAILABLE, RETRIEVAL_STATE_SKIPPED_NO_TIME}
)

# aicmo.generator.v1.QueueState: a learning batch in the generator's durable queue.
QUEUE_STATE_UNSPECIFIED = "QUEUE_STATE_UNSPECIFIED"
QUEUE_STATE_QUEUED = "QUEUE_STATE_QUEUED"
QUEUE_STATE_SET_ASIDE = "QUEUE_STATE_SET_ASIDE"
QUEUE_STATES = (QUEUE_STATE_UNSPECIFIED, QUEUE_STATE_QUEUED, QUEUE_STATE_SET_ASIDE)


# ---------------------------------------------------------------------------------------------------------
# Shapes (aicmo.generator.v1 and aicmo.memory.v1).


@dataclass(frozen=True)
class SectionInfo:
    id: str
    title: str

    @classmethod
    def from_json(cls, data: Any) -> SectionInfo:
        d = _obj(data)
        return cls(id=_str(d, "id"), title=_str(d, "title"))


@dataclass(frozen=True)
class Package:
    key: str
    label: str
    sections: tuple[SectionInfo, ...]
    section_count: int

    @classmethod
    def from_json(cls, data: Any) -> Package:
        d = _obj(data)
        sections = tuple(SectionInfo.from_json(s) for s in _list(d.get("sections")))
        return cls(
            key=_str(d, "key"),
            label=_str(d, "label"),
            sections=sections,
            section_count=_int(d, "section_count") or len(sections),
        )


@dataclass(frozen=True)
class LearnedFrom:
    item_id: str
    score: float
    title: str
    kind: str
    rating: str
    # LEARNING_SOURCE_*: this client's own past work, or the agency library.
    source: str = LEARNING_SOURCE_UNSPECIFIED
    # Raw cosine similarity between the brief and the item (score is adjusted by the rating).
    similarity: float = 0.0

    @classmethod
    def from_json(cls, data: Any) -> LearnedFrom:
        d = _obj(data)
        return cls(
            item_id=_str(d, "item_id"),
            score=_float(d, "score"),
            title=_str(d, "title"),
            kind=_str(d, "kind"),
            rating=_str(d, "rating"),
            source=_enum(d, "source", LEARNING_SOURCES),
            similarity=_float(d, "similarity"),
        )


@dataclass(frozen=True)
class ReportSection:
    id: str
    title: str
    markdown: str
    learned_from: tuple[LearnedFrom, ...]
    mode: str
    # The memory item id this section is learned under (known even while learning is queued); "" if none.
    learned_item_id: str = ""
    # What a refinement changed here: for the operator, never part of the report text.
    revision_notes: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, data: Any) -> ReportSection:
        d = _obj(data)
        return cls(
            id=_str(d, "id"),
            title=_str(d, "title"),
            markdown=_str(d, "markdown"),
            learned_from=tuple(LearnedFrom.from_json(x) for x in _list(d.get("learned_from"))),
            mode=_str(d, "mode"),
            learned_item_id=_str(d, "learned_item_id"),
            revision_notes=_str_list(d.get("revision_notes")),
        )


@dataclass(frozen=True)
class GenerateResult:
    report_id: str
    package_key: str
    package_label: str
    sections: tuple[ReportSection, ...]
    report_markdown: str
    generation_mode: str
    learning_status: str
    learning_detail: str
    timings: dict[str, float]
    warnings: tuple[str, ...]
    # The memory item id the whole report is learned under (rating it rates its sections too); "" when off.
    learned_item_id: str = ""
    learning_state: str = LEARNING_STATE_UNSPECIFIED
    retrieval_state: str = RETRIEVAL_STATE_UNSPECIFIED

    @property
    def retrieval_skipped(self) -> bool:
        """Learning was on, but the report was written without past learning (memory slow, down, no time)."""
        return self.retrieval_state in RETRIEVAL_SKIPPED

    @classmethod
    def from_json(cls, data: Any) -> GenerateResult:
        d = _obj(data)
        return cls(
            report_id=_str(d, "report_id"),
            package_key=_str(d, "package_key"),
            package_label=_str(d, "package_label"),
            sections=tuple(ReportSection.from_json(s) for s in _list(d.get("sections"))),
            report_markdown=_str(d, "report_markdown"),
            generation_mode=_str(d, "generation_mode"),
            learning_status=_str(d, "learning_status"),
            learning_detail=_str(d, "learning_detail"),
            timings={str(k): _float({"v": v}, "v") for k, v in _obj(d.get("timings")).items()},
            warnings=_str_list(d.get("warnings")),
            learned_item_id=_str(d, "learned_item_id"),
            learning_state=_enum(d, "learning_state", LEARNING_STATES),
            retrieval_state=_enum(d, "retrieval_state", RETRIEVAL_STATES),
        )


@dataclass(frozen=True)
class StreamStarted:
    report_id: str
    package_key: str
    package_label: str
    sections: tuple[SectionInfo, ...]


@dataclass(frozen=True)
class SectionCompleted:
    index: int
    total: int
    section: ReportSection


@dataclass(frozen=True)
class StreamCompleted:
    result: GenerateResult


StreamEvent = StreamStarted | SectionCompleted | StreamCompleted


@dataclass(frozen=True)
class LearningItem:
    id: str
    kind: str
    title: str
    text: str
    client_id: str = ""
    industry: str = ""
    package_key: str = ""
    section_id: str = ""
    tags: tuple[str, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)
    source: str = ""
    rating: str = ""
    rating_note: str = ""
    create_time: str = ""
    embedding_model: str = ""
    # SCOPE_CLIENT (only its client's reports learn from it) or SCOPE_AGENCY (the agency library).
    scope: str = SCOPE_UNSPECIFIED
    # For a report section: its report's item id.
    parent_id: str = ""

    @property
    def shared(self) -> bool:
        """In the agency library: any client's report may learn from it. An unspecified scope follows the
        memory service's default (the agency library exactly when the item has no client)."""
        if self.scope == SCOPE_AGENCY:
            return True
        return self.scope == SCOPE_UNSPECIFIED and not self.client_id

    @classmethod
    def from_json(cls, data: Any) -> LearningItem:
        d = _obj(data)
        return cls(
            id=_str(d, "id"),
            kind=_str(d, "kind"),
            title=_str(d, "title"),
            text=_str(d, "text"),
            client_id=_str(d, "client_id"),
            industry=_str(d, "industry"),
            package_key=_str(d, "package_key"),
            section_id=_str(d, "section_id"),
            tags=_str_list(d.get("tags")),
            metadata=_obj(d.get("metadata")),
            source=_str(d, "source"),
            rating=_str(d, "rating"),
            rating_note=_str(d, "rating_note"),
            create_time=_str(d, "create_time"),
            embedding_model=_str(d, "embedding_model"),
            scope=_enum(d, "scope", SCOPES),
            parent_id=_str(d, "parent_id"),
        )


@dataclass(frozen=True)
class ItemPage:
    items: tuple[LearningItem, ...]
    next_page_token: str
    total_size: int


@dataclass(frozen=True)
class RecordResult:
    item: LearningItem
    created: bool
    # RECORD_RESULT_*: created, an existing item, or discarded (its client was forgotten meanwhile).
    result: str = RECORD_RESULT_UNSPECIFIED

    @property
    def discarded(self) -> bool:
        return self.result == RECORD_RESULT_DISCARDED_CLIENT_FORGOTTEN


@dataclass(frozen=True)
class RateResult:
    item: LearningItem
    # Items rated: 1, plus the sections when the item is a whole report (0 from a gateway that predates it).
    rated_count: int


@dataclass(frozen=True)
class SearchHit:
    item: LearningItem
    score: float
    similarity: float


@dataclass(frozen=True)
class SearchResponse:
    results: tuple[SearchHit, ...]
    embedding_model: str
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class DailyCount:
    date: str
    count: int


@dataclass(frozen=True)
class Summary:
    total_items: int
    per_kind: dict[str, int]
    embedding_model: str
    storage: str
    embedding_dimensions: int
    fake_embeddings: bool
    per_rating: dict[str, int]
    learned_per_day: tuple[DailyCount, ...]
    warnings: tuple[str, ...]

    @classmethod
    def from_json(cls, data: Any) -> Summary:
        d = _obj(data)
        return cls(
            total_items=_int(d, "total_items"),
            per_kind=_count_map(d.get("per_kind")),
            embedding_model=_str(d, "embedding_model"),
            storage=_str(d, "storage"),
            embedding_dimensions=_int(d, "embedding_dimensions"),
            fake_embeddings=_bool(d, "fake_embeddings"),
            per_rating=_count_map(d.get("per_rating")),
            learned_per_day=tuple(
                DailyCount(date=_str(_obj(x), "date"), count=_int(_obj(x), "count"))
                for x in _list(d.get("learned_per_day"))
            ),
            warnings=_str_list(d.get("warnings")),
        )


@dataclass(frozen=True)
class ForgetResult:
    client_id: str
    deleted_count: int
    per_kind: dict[str, int]
    # When the forget took effect (RFC 3339, the database's clock); "" if the gateway did not say.
    forget_time: str = ""


@dataclass(frozen=True)
class ForgottenClient:
    client_id: str
    # The latest forget of this client (RFC 3339).
    forget_time: str
    # Items deleted by the forgets of this client.
    deleted_count: int
    # Writes discarded since, because the work that produced them started before the forget.
    discarded_count: int

    @classmethod
    def from_json(cls, data: Any) -> ForgottenClient:
        d = _obj(data)
        return cls(
            client_id=_str(d, "client_id"),
            forget_time=_str(d, "forget_time"),
            deleted_count=_int(d, "deleted_count"),
            discarded_count=_int(d, "discarded_count"),
        )


@dataclass(frozen=True)
class LearningBatch:
    """One report's learning in the generator's durable queue."""

    # The batch's file name in the queue: the handle for replay and drop.
    name: str
    # QUEUE_STATE_QUEUED (waiting for memory) or QUEUE_STATE_SET_ASIDE (rejected; waits for an operator).
    state: str
    report_id: str
    client_id: str
    title: str
    item_count: int
    # When it was queued (ISO 8601, UTC).
    enqueue_time: str
    # Why it was set aside, or the last delivery error.
    reason: str
    attempts: int

    @property
    def set_aside(self) -> bool:
        return self.state == QUEUE_STATE_SET_ASIDE

    @classmethod
    def from_json(cls, data: Any) -> LearningBatch:
        d = _obj(data)
        return cls(
            name=_str(d, "name"),
            state=_enum(d, "state", QUEUE_STATES),
            report_id=_str(d, "report_id"),
            client_id=_str(d, "client_id"),
            title=_str(d, "title"),
            item_count=_int(d, "item_count"),
            enqueue_time=_str(d, "enqueue_time"),
            reason=_str(d, "reason"),
            attempts=_int(d, "attempts"),
        )


@dataclass(frozen=True)
class LearningQueue:
    # At most 200 batches, oldest first.
    batches: tuple[LearningBatch, ...]
    queued_count: int
    set_aside_count: int


@dataclass(frozen=True)
class ReplayResult:
    # The batch after the attempt (when delivered it is gone from the queue and its state is unspecified).
    batch: LearningBatch
    delivered: bool


@dataclass(frozen=True)
class ComponentHealth:
    name: str
    status: str
    detail: str


@dataclass(frozen=True)
class Health:
    status: str
    components: tuple[ComponentHealth, ...]
    pending_learning: int
    # When the gateway answered 503: the server's words on what is down.
    detail: str = ""
    # Learning batches memory rejected for good, waiting for an operator (see the learning queue).
    set_aside_learning: int = 0

    @property
    def serving(self) -> bool:
        return self.status == "SERVING"


# ---------------------------------------------------------------------------------------------------------
# Requests.


@dataclass(frozen=True)
class ClientBrief:
    client_name: str
    brand_name: str
    product_service: str = ""
    industry: str = ""
    geography: str = ""
    audience: str = ""
    objectives: str = ""
    budget: str = ""
    timeline: str = ""
    constraints: str = ""
    raw_brief_text: str = ""
    # YYYY-MM-DD or "".
    launch_date: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "client_name": self.client_name,
            "brand_name": self.brand_name,
            "product_service": self.product_service,
            "industry": self.industry,
            "geography": self.geography,
            "audience": self.audience,
            "objectives": self.objectives,
            "budget": self.budget,
            "timeline": self.timeline,
            "constraints": self.constraints,
            "raw_brief_text": self.raw_brief_text,
            "launch_date": self.launch_date,
            "metadata": dict(self.metadata),
        }


@dataclass(frozen=True)
class GenerateRequest:
    client_brief: ClientBrief
    package_key: str
    stage: str = "draft"
    feedback: str = ""
    previous_draft: str = ""
    use_learning: bool = True
    report_id: str = ""

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "client_brief": self.client_brief.to_json(),
            "package_key": self.package_key,
            # Choosing a package turns every agency service on.
            "services": {
                "marketing_plan": True,
                "campaign_blueprint": True,
                "social_calendar": True,
                "creatives": True,
                "include_agency_grade": True,
            },
            "stage": self.stage,
            "use_learning": self.use_learning,
        }
        if self.feedback:
            body["feedback"] = self.feedback
        if self.previous_draft:
            body["previous_draft"] = self.previous_draft
        if self.report_id:
            body["report_id"] = self.report_id
        return body


def client_key(client_name: str) -> str:
    """The client id the generator files reports under: "Northwind Coffee Co." → "northwind-coffee-co"."""
    return re.sub(r"[^a-z0-9]+", "-", client_name.strip().lower()).strip("-")


# ---------------------------------------------------------------------------------------------------------
# The client.

_FIELD_PREFIX = re.compile(r"^([A-Za-z_][\w.\[\]]*): ")


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


class GatewayClient:
    """Typed calls to the AICMO REST gateway. Not thread-safe; make one per script run."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self._session = session or requests.Session()
        self._headers = {"Accept": "application/json"}
        if token:
            self._headers["Authorization"] = f"Bearer {token}"

    def close(self) -> None:
        self._session.close()

    # -- transport --------------------------------------------------------------------------------------

    def _send(
        self,
        method: str,
        path: str,
        what: str,
        *,
        params: Mapping[str, str | int] | None = None,
        body: Mapping[str, Any] | None = None,
        stream: bool = False,
    ) -> requests.Response:
        url = f"{self.base_url}{path}"
        try:
            response = self._session.request(
                method,
                url,
                params=dict(params) if params else None,
                json=body,
                headers=self._headers,
                timeout=(self.connect_timeout, self.read_timeout),
                stream=stream,
            )
        except requests.RequestException as exc:
            raise self._transport_error(exc, what) from None
        if response.status_code >= 400:
            try:
                raise self._http_error(response, what)
            finally:
                response.close()
        return response

    def _call(
        self,
        method: str,
        path: str,
        what: str,
        *,
        params: Mapping[str, str | int] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        response = self._send(method, path, what, params=params, body=body)
        try:
            data = response.json()
        except (ValueError, requests.RequestException):
            raise GatewayError(
                f"{_first_upper(what)} failed: the gateway at {self.base_url} answered with something that "
                f"is not JSON (HTTP {response.status_code}). Is AICMO_GATEWAY_URL pointing at the AICMO "
                "gateway?",
                kind="protocol",
                status=response.status_code,
            ) from None
        return _obj(data)

    def _transport_error(self, exc: requests.RequestException, what: str) -> GatewayError:
        url = self.base_url
        if isinstance(exc, requests.ConnectTimeout):
            return GatewayError(
                f"The AICMO gateway at {url} did not accept a connection within {self.connect_timeout:g} s, "
                f"so {what} failed. Check that the system is running (`make run`) and that AICMO_GATEWAY_URL "
                "is right, then try again.",
                kind="timeout",
            )
        if isinstance(exc, requests.ReadTimeout):
            return GatewayError(
                f"The AICMO gateway at {url} did not answer within {self.read_timeout:g} s while {what}. "
                "The services may be overloaded or stuck; try again in a moment, and check the logs under "
                "var/logs if it keeps happening.",
                kind="timeout",
            )
        if isinstance(exc, requests.ConnectionError):
            return GatewayError(
                f"The AICMO gateway at {url} is not reachable, so {what} failed. Start the system with "
                "`make run` (or set AICMO_GATEWAY_URL to where the gateway runs), then try again.",
                kind="unreachable",
            )
        if isinstance(exc, requests.exceptions.InvalidURL | requests.exceptions.MissingSchema):
            return GatewayError(
                f"AICMO_GATEWAY_URL ({url!r}) is not a valid URL, so {what} failed. "
                "Set it to something like http://127.0.0.1:8080.",
                kind="unreachable",
            )
        return GatewayError(
            f"{_first_upper(what)} failed: the connection to the gateway at {url} broke "
            f"({type(exc).__name__}). Try again.",
            kind="unreachable",
        )

    def _http_error(self, response: requests.Response, what: str) -> GatewayError:
        status = response.status_code
        server_message = ""
        code: int | None = None
        field_name: str | None = None
        try:
            data = _obj(response.json())
        except (ValueError, requests.RequestException):
            data = {}
        if data:
            server_message = _str(data, "message")
            code = _int(data, "code") if "code" in data else None
            for detail in _list(data.get("details")):
                for violation in _list(_obj(detail).get("field_violations")):
                    field_name = field_name or _str(_obj(violation), "field") or None
        if not server_message:
            server_message = unquote(response.headers.get("grpc-message", ""))
        if not server_message:
            server_message = (response.text or "").strip()[:300] if not data else ""
        if not field_name:
            match = _FIELD_PREFIX.match(server_message)
            field_name = match.group(1) if match else None
        said = server_message or response.reason or f"HTTP {status}"
        What = _first_upper(what)
        kind: ErrorKind
        if status == 400:
            kind, message = "invalid", f"{What} failed: the gateway rejected a field — {said}."
        elif status == 401:
            kind = "unauthorized"
            message = (
                f"{What} failed: the gateway refused the API token (HTTP 401: {said}). Set "
                "AICMO_API_TOKEN to the token the gateway expects and restart the UI."
            )
        elif status == 404:
            kind, message = "not_found", f"{What} failed: not found (HTTP 404) — {said}."
        elif status == 413:
            kind = "too_large"
            message = (
                f"{What} failed: the request is too large for the gateway (HTTP 413) — {said}. "
                "Shorten the text or upload a smaller file."
            )
        elif status == 503:
            kind = "unavailable"
            message = (
                f"{What} failed: a service is down (HTTP 503) — {said}. Check the output of `make run` or "
                "the logs under var/logs; this works again once the service is back."
            )
        elif status == 504:
            kind = "deadline"
            message = (
                f"{What} failed: the gateway gave up waiting for the services (HTTP 504, deadline "
                f"exceeded) — {said}. The services may be overloaded; try again in a moment."
            )
        elif status >= 500:
            kind = "server"
            message = (
                f"{What} failed: the gateway or a service had an internal error (HTTP {status}) — {said}. "
                "Check the logs under var/logs."
            )
        else:
            kind, message = (
                "invalid",
                f"{What} failed: the gateway refused the request (HTTP {status}) — {said}.",
            )
        return GatewayError(
            message, kind=kind, status=status, code=code, field=field_name, server_message=server_message
        )

    # -- generator --------------------------------------------------------------------------------------

    def health(self) -> Health:
        """The system's health. A 503 (something down) is returned as a non-serving Health, not raised."""
        try:
            data = self._call("GET", "/api/health", "checking the system's health")
        except GatewayError as exc:
            if exc.status == 503:
                return Health(
                    status="NOT_SERVING", components=(), pending_learning=0, detail=exc.server_message
                )
            raise
        return Health(
            status=_str(data, "status"),
            components=tuple(
                ComponentHealth(
                    name=_str(_obj(c), "name"), status=_str(_obj(c), "status"), detail=_str(_obj(c), "detail")
                )
                for c in _list(data.get("components"))
            ),
            pending_learning=_int(data, "pending_learning"),
            set_aside_learning=_int(data, "set_aside_learning"),
        )

    def list_packages(self) -> list[Package]:
        data = self._call("GET", "/api/aicmo/packages", "loading the packages")
        return [Package.from_json(p) for p in _list(data.get("packages"))]

    def list_learning_queue(self) -> LearningQueue:
        """The generator's durable learning queue: batches waiting for memory, and batches set aside."""
        data = self._call("GET", "/api/aicmo/learning_queue", "loading the learning queue")
        return LearningQueue(
            batches=tuple(LearningBatch.from_json(b) for b in _list(data.get("batches"))),
            queued_count=_int(data, "queued_count"),
            set_aside_count=_int(data, "set_aside_count"),
        )

    def replay_learning_batch(self, name: str) -> ReplayResult:
        """Tries to deliver a queued or set-aside batch to memory now."""
        data = self._call(
            "POST",
            f"/api/aicmo/learning_queue/{quote(name, safe='')}/replay",
            "replaying the learning batch",
            body={},
        )
        return ReplayResult(
            batch=LearningBatch.from_json(data.get("batch")), delivered=_bool(data, "delivered")
        )

    def drop_learning_batch(self, name: str) -> str:
        """Deletes a batch from the queue: its report is then never learned."""
        data = self._call(
            "DELETE", f"/api/aicmo/learning_queue/{quote(name, safe='')}", "dropping the learning batch"
        )
        return _str(data, "name") or name

    def generate_report(self, request: GenerateRequest) -> GenerateResult:
        data = self._call(
            "POST", "/api/aicmo/generate_report", "generating the report", body=request.to_json()
        )
        return GenerateResult.from_json(data)

    def stream_generate_report(self, request: GenerateRequest) -> Iterator[StreamEvent]:
        """Generates a report, yielding each progress event as soon as its line arrives.

        The last event is always StreamCompleted; a stream that ends without it raises GatewayError.
        """
        what = "generating the report"
        response = self._send(
            "POST", "/api/aicmo/generate_report/stream", what, body=request.to_json(), stream=True
        )
        completed = False
        try:
            # The gateway sends chunked NDJSON, one line per event: each chunk is handed over as soon as it
            # arrives (up to chunk_size bytes at a time), so progress shows while the report is written.
            for raw in response.iter_lines(chunk_size=4096):
                line = raw.strip()
                if not line:
                    continue
                event = self._parse_event(line, what)
                if event is None:
                    continue
                yield event
                if isinstance(event, StreamCompleted):
                    completed = True
                    break
        except requests.RequestException as exc:
            raise self._transport_error(exc, what) from None
        finally:
            response.close()
        if not completed:
            raise GatewayError(
                f"{_first_upper(what)} failed: the gateway's stream ended before the report was complete. "
                "A service may have stopped; check the logs under var/logs and try again.",
                kind="protocol",
            )

    def _parse_event(self, line: bytes, what: str) -> StreamEvent | None:
        # Envoy may frame a server stream as a JSON array; tolerate its brackets and separators.
        text = (
            line.decode("utf-8", errors="replace").strip().lstrip("[").rstrip("]").strip().strip(",").strip()
        )
        if not text:
            return None
        try:
            data = _obj(json.loads(text))
        except ValueError:
            raise GatewayError(
                f"{_first_upper(what)} failed: the gateway sent a progress line that is not JSON.",
                kind="protocol",
            ) from None
        if "started" in data:
            started = _obj(data["started"])
            return StreamStarted(
                report_id=_str(started, "report_id"),
                package_key=_str(started, "package_key"),
                package_label=_str(started, "package_label"),
                sections=tuple(SectionInfo.from_json(s) for s in _list(started.get("sections"))),
            )
        if "section_completed" in data:
            done = _obj(data["section_completed"])
            return SectionCompleted(
                index=_int(done, "index"),
                total=_int(done, "total"),
                section=ReportSection.from_json(done.get("section")),
            )
        if "completed" in data:
            return StreamCompleted(result=GenerateResult.from_json(data["completed"]))
        if "message" in data or "error" in data:
            # An error after the stream started arrives as a status object instead of an event.
            inner = _obj(data.get("error")) or data
            said = _str(inner, "message") or "unknown error"
            code = _int(inner, "code")
            kind: ErrorKind = "unavailable" if code == 14 else "deadline" if code == 4 else "server"
            raise GatewayError(
                f"{_first_upper(what)} failed part-way: {said}. Try again; check the logs under var/logs "
                "if it keeps happening.",
                kind=kind,
                code=code,
                server_message=said,
            )
        return None

    # -- memory -----------------------------------------------------------------------------------------

    def summary(self) -> Summary:
        return Summary.from_json(self._call("GET", "/api/learn/debug/summary", "loading the memory stats"))

    def list_items(
        self, *, kind: str = "", client_id: str = "", page_size: int = 20, page_token: str = ""
    ) -> ItemPage:
        params: dict[str, str | int] = {"page_size": page_size}
        if kind:
            params["kind"] = kind
        if client_id:
            params["client_id"] = client_id
        if page_token:
            params["page_token"] = page_token
        data = self._call("GET", "/api/learn/items", "listing learned items", params=params)
        return ItemPage(
            items=tuple(LearningItem.from_json(i) for i in _list(data.get("items"))),
            next_page_token=_str(data, "next_page_token"),
            total_size=_int(data, "total_size"),
        )

    def get_item(self, item_id: str) -> LearningItem:
        data = self._call("GET", f"/api/learn/items/{quote(item_id, safe='')}", "opening the item")
        return LearningItem.from_json(data.get("item"))

    def delete_item(self, item_id: str) -> str:
        data = self._call("DELETE", f"/api/learn/items/{quote(item_id, safe='')}", "deleting the item")
        return _str(data, "id") or item_id

    def rate_item(self, item_id: str, rating: str, note: str = "") -> RateResult:
        """rating: "gold", "weak" or "" to clear. Rating a whole report rates its sections too."""
        data = self._call(
            "POST",
            f"/api/learn/items/{quote(item_id, safe='')}/rating",
            "rating the item",
            body={"rating": rating, "note": note},
        )
        return RateResult(
            item=LearningItem.from_json(data.get("item")), rated_count=_int(data, "rated_count")
        )

    def set_item_scope(self, item_id: str, scope: str) -> LearningItem:
        """scope: SCOPE_AGENCY (share with the agency library) or SCOPE_CLIENT (keep it to its client)."""
        data = self._call(
            "POST",
            f"/api/learn/items/{quote(item_id, safe='')}/scope",
            "changing who may learn from the item",
            body={"scope": scope},
        )
        return LearningItem.from_json(data.get("item"))

    def record_item(
        self,
        *,
        kind: str,
        title: str,
        text: str,
        client_id: str = "",
        industry: str = "",
        package_key: str = "",
        section_id: str = "",
        tags: Sequence[str] = (),
        metadata: Mapping[str, Any] | None = None,
        source: str = "upload",
        idempotency_key: str = "",
        scope: str = "",
    ) -> RecordResult:
        """scope: SCOPE_CLIENT, SCOPE_AGENCY, or "" for the memory service's default (the client's own when
        client_id is set, else the agency library)."""
        body: dict[str, Any] = {
            "item": {
                "kind": kind,
                "title": title,
                "text": text,
                "client_id": client_id,
                "industry": industry,
                "package_key": package_key,
                "section_id": section_id,
                "tags": list(tags),
                "metadata": dict(metadata or {}),
                "source": source,
            }
        }
        if scope:
            body["item"]["scope"] = scope
        if idempotency_key:
            body["idempotency_key"] = idempotency_key
        data = self._call("POST", "/api/learn/items", "recording the example", body=body)
        return RecordResult(
            item=LearningItem.from_json(data.get("item")),
            created=_bool(data, "created"),
            result=_enum(data, "result", RECORD_RESULTS),
        )

    def search(
        self,
        query: str,
        *,
        top_k: int = 5,
        kinds: Sequence[str] = (),
        client_id: str = "",
        industry: str = "",
        min_score: float = 0.0,
        for_client_id: str = "",
    ) -> SearchResponse:
        """for_client_id: search as a report for that client would, over its own items and the agency
        library only (client_id instead filters on the items' client)."""
        body: dict[str, Any] = {"query": query, "top_k": top_k, "kinds": list(kinds)}
        if client_id:
            body["client_id"] = client_id
        if for_client_id:
            body["for_client_id"] = for_client_id
        if industry:
            body["industry"] = industry
        if min_score:
            body["min_score"] = min_score
        data = self._call("POST", "/api/learn/search", "searching what was learned", body=body)
        return SearchResponse(
            results=tuple(
                SearchHit(
                    item=LearningItem.from_json(_obj(r).get("item")),
                    score=_float(_obj(r), "score"),
                    similarity=_float(_obj(r), "similarity"),
                )
                for r in _list(data.get("results"))
            ),
            embedding_model=_str(data, "embedding_model"),
            warnings=_str_list(data.get("warnings")),
        )

    def forget_client(self, client_id: str) -> ForgetResult:
        data = self._call(
            "DELETE", f"/api/learn/clients/{quote(client_id, safe='')}", "forgetting the client"
        )
        # deleted_ids is deprecated (the first 100 only): deleted_count is the total.
        return ForgetResult(
            client_id=_str(data, "client_id") or client_id,
            deleted_count=_int(data, "deleted_count"),
            per_kind=_count_map(data.get("per_kind")),
            forget_time=_str(data, "forget_time"),
        )

    def list_forgotten_clients(self) -> list[ForgottenClient]:
        """The clients that were forgotten, newest first."""
        data = self._call("GET", "/api/learn/forgotten_clients", "loading the forgotten clients")
        return [ForgottenClient.from_json(c) for c in _list(data.get("clients"))]
