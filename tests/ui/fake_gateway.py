"""A small in-process stand-in for the AICMO REST gateway, for UI tests that need no stack.

It is a transcoder in miniature over the contract itself, so it cannot drift from it: routes, path
variables, bodies and query parameters come from the `google.api.http` annotations of the generated
services (ui/contract.py); request bodies are parsed strictly into the generated request messages (a field
the contract lacks is a 400, as a drifting client deserves); responses are the generated response messages
printed as Envoy prints them (proto field names, zero values, enum names); errors are google.rpc.Status JSON
with the HTTP status Envoy gives the gRPC code, with BadRequest or CheckHealthResponse details like the real
services. A path the contract does not have is a 404.

Behind it, one method per RPC (named like the RPC) over in-memory state: learned items (stats, rating -- a
report's rating rates its sections --, scope, deletion, uploads, search, forgetting), a learning queue
(reports generated while `learning_state` is LEARNING_STATE_QUEUED wait there until replayed), generation
streamed as chunked NDJSON, and the report history (every generation, refinement, section rewrite and
section edit is a version of its report, kept in memory; a queued report joins its history when delivered;
forgetting a client removes its reports). Every request is recorded for assertions; failures can be
injected per path.

What a brief says (UnderstandBrief, and `understood_brief` with every report) is not made up here: the fake
validates the brief and reads it with the generator's own parser (services/generator/domain/brief_parser.py,
through the generator's own conversions to and from the contract), so the app is tested against the facts,
origins and gaps the real service gives. A refinement's `refine_applied` and `refine_unapplied` come from
the generator's own reading of the feedback (services/generator/composer/feedback.py).
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from google.protobuf import json_format, message_factory, timestamp_pb2
from google.protobuf.message import Message
from google.rpc import error_details_pb2, status_pb2

from services.common.client_ids import client_key
from services.common.domain_errors import InvalidArgument
from services.generator.composer.feedback import Instruction, read_feedback
from services.generator.domain.brief_parser import understand
from services.generator.domain.understanding import UnderstoodBrief
from services.generator.entrypoints.convert import brief_from_proto, understood_to_proto
from ui.contract import (
    ACCOUNTS,
    ARCHIVE,
    AUDIT,
    GENERATOR,
    MEMORY,
    Binding,
    apb,
    aupb,
    bindings,
    gpb,
    mpb,
    parse_dict,
    rpb,
)

EMBEDDING_MODEL = "fake-test-model"


def _package(key: str, label: str, sections: list[tuple[str, str]]) -> gpb.Package:
    return gpb.Package(
        key=key,
        label=label,
        sections=[gpb.SectionInfo(id=i, title=t) for i, t in sections],
        section_count=len(sections),
    )


PACKAGES = [
    _package(
        "strategy_campaign_standard",
        "Strategy + Campaign Pack (Standard)",
        [
            ("overview", "Overview"),
            ("campaign_objective", "Campaign Objective"),
            ("core_campaign_idea", "Core Campaign Idea"),
            ("final_summary", "Final Summary"),
        ],
    ),
    _package(
        "quick_social_basic",
        "Quick Social Pack (Basic)",
        [
            ("overview", "Overview"),
            ("audience_segments", "Audience Segments"),
            ("final_summary", "Final Summary"),
        ],
    ),
]

# The HTTP status Envoy's transcoder (and grpc-gateway) gives each gRPC status code.
HTTP_STATUS = {
    1: 499,
    2: 500,
    3: 400,
    4: 504,
    5: 404,
    6: 409,
    7: 403,
    8: 429,
    9: 400,
    10: 409,
    11: 400,
    12: 501,
    13: 500,
    14: 503,
    15: 500,
    16: 401,
}
_STAGES = {
    gpb.REPORT_STAGE_DRAFT: "draft",
    gpb.REPORT_STAGE_REFINE: "refine",
    gpb.REPORT_STAGE_FINAL: "final",
}
_RATINGS = {"gold": mpb.RATING_GOLD, "weak": mpb.RATING_WEAK, "": mpb.RATING_UNSPECIFIED}
_VERSION_STAGES = {
    "draft": rpb.VERSION_STAGE_DRAFT,
    "refine": rpb.VERSION_STAGE_REFINE,
    "final": rpb.VERSION_STAGE_FINAL,
}
_AUTHORS = {
    gpb.GENERATION_MODE_OFFLINE: rpb.SECTION_AUTHOR_OFFLINE_COMPOSER,
    gpb.GENERATION_MODE_LLM: rpb.SECTION_AUTHOR_LANGUAGE_MODEL,
    gpb.GENERATION_MODE_OPERATOR: rpb.SECTION_AUTHOR_OPERATOR,
}
_WRITERS = {author: mode for mode, author in _AUTHORS.items()}
_MODE_NAMES = {
    gpb.GENERATION_MODE_OFFLINE: "offline",
    gpb.GENERATION_MODE_LLM: "llm",
    gpb.GENERATION_MODE_OPERATOR: "operator",
}


# How each kind of feedback instruction reads in `refine_applied`, as the generator starts its lines (it goes on
# to say what changed in the plan, with figures; the fake names the change).
_APPLIED_WORDS = {
    "drop": "Dropped {}",
    "drop_format": "{} ruled out",
    "add": "Added {}",
    "boost": "More {}",
    "reduce": "Less {}",
    "centre": "Centrepiece: {}",
    "against": "Positioned against {}",
    "basis": "Targets counted as {}",
    "tone": "Tone {}",
    "language": "Creative in {}",
    "budget": "Budget re-planned at {}",
}


def outcome_lines(feedback: str, facts: UnderstoodBrief) -> tuple[list[str], list[str]]:
    """refine_applied and refine_unapplied for feedback or an instruction, as the generator words them."""
    if not feedback.strip():
        return [], []
    emphasis = read_feedback(feedback, facts, {}, ())
    applied = [applied_line(i) for i in emphasis.instructions]
    applied += [f"**{theme.capitalize()}:** every section." for theme in emphasis.themes]
    return applied, [f"“{u.text}”: {u.reason}." for u in emphasis.unapplied]


def applied_line(instruction: Instruction) -> str:
    template = _APPLIED_WORDS.get(instruction.kind, instruction.kind.capitalize() + ": {}")
    return f"**{template.format(instruction.value)}:** as the feedback asked (“{instruction.text}”)."


def closed_port() -> int:
    """A loopback port with nothing listening (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def now() -> timestamp_pb2.Timestamp:
    stamp = timestamp_pb2.Timestamp()
    stamp.GetCurrentTime()
    return stamp


def printed(message: Message) -> str:
    """A message as Envoy prints it (print_options: preserve_proto_field_names, always_print_primitive_fields)."""
    return json_format.MessageToJson(
        message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True, indent=None
    )


class RpcError(Exception):
    """What a handler raises: a gRPC status, printed as the transcoder prints a failed call."""

    def __init__(
        self, code: int, message: str, *, field: str = "", details: tuple[Message, ...] = ()
    ) -> None:
        super().__init__(message)
        self.status = status_pb2.Status(code=code, message=message)
        if field:
            violation = error_details_pb2.BadRequest.FieldViolation(
                field=field, description=message.partition(": ")[2] or message
            )
            self.status.details.add().Pack(error_details_pb2.BadRequest(field_violations=[violation]))
        for detail in details:
            self.status.details.add().Pack(detail)


def invalid(field: str, description: str) -> RpcError:
    return RpcError(3, f"{field}: {description}", field=field)


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    # The body as sent (decoded JSON), and the request message it was transcoded into (None if it did not).
    body: Any
    message: Message | None = None


@dataclass
class Failure:
    status: int
    body: str
    content_type: str = "application/json"
    # How many more requests fail (None: all of them).
    times: int | None = None


@dataclass
class QueuedBatch:
    """A batch in the generator's learning queue, and the items delivering it stores."""

    batch: gpb.LearningBatch
    items: list[mpb.LearningItem] = field(default_factory=list)
    # The report version delivering the batch archives (a report joins its history once learned).
    version: rpb.ReportVersion | None = None


def assemble(brief: gpb.ClientBrief, package: gpb.Package, sections: list[gpb.ReportSection]) -> str:
    """The report's markdown: "# Brand — Package", the "Prepared for" line, then "## Title" per section."""
    return "\n".join(
        [f"# {brief.brand_name} — {package.label}", "", f"_Prepared for {brief.client_name}_", ""]
        + [line for s in sections for line in (f"## {s.title}", "", s.markdown, "")]
    )


def archived_version(
    brief: gpb.ClientBrief,
    package: gpb.Package,
    report: gpb.GenerateReportResponse,
    stage: str,
    origin: rpb.VersionOrigin.ValueType,
    note: str,
    changed: set[str] | None,
) -> rpb.ReportVersion:
    """A report as a version of its history, as the generator archives it (the brief travels along)."""
    version = rpb.ReportVersion(
        history_id=report.history_id,
        report_id=report.report_id,
        client_id=client_key(brief.client_name),
        client_name=brief.client_name,
        brand_name=brief.brand_name,
        package_key=package.key,
        package_label=package.label,
        stage=_VERSION_STAGES.get(stage, rpb.VERSION_STAGE_DRAFT),
        origin=origin,
        note=note,
        markdown=report.report_markdown,
        sections=[
            rpb.ArchivedSection(
                section_id=s.id,
                title=s.title,
                markdown=s.markdown,
                learned_item_id=s.learned_item_id,
                changed=changed is None or s.id in changed,
                author=_AUTHORS.get(s.written_by, rpb.SECTION_AUTHOR_UNSPECIFIED),
            )
            for s in report.sections
        ],
    )
    version.brief.update(json_format.MessageToDict(brief, preserving_proto_field_name=True))
    return version


class FakeGateway:
    """The fake's state and its RPCs. Start it with `running_fake_gateway()`."""

    def __init__(self) -> None:
        self.items: list[mpb.LearningItem] = []  # newest first
        self.requests: list[Recorded] = []
        self.failures: dict[tuple[str, str], Failure] = {}
        self.stream_delay = 0.0
        # How long "recording the learning" takes: the pause between the last section and `completed`.
        self.learning_delay = 0.0
        # When set, the stream pauses after its first event until this is set (or 10 s pass).
        self.stream_gate: threading.Event | None = None
        self.gate_released_in_time: bool | None = None
        self.stream_sent_events = 0
        self.stream_break_after: int | None = None
        # (n, error): after n events the stream carries this error instead (as Envoy sends a late failure).
        self.stream_error_after: tuple[int, RpcError] | None = None
        self.slow_paths: dict[str, float] = {}
        # Fields a newer gateway might add: merged into every JSON object this fake prints.
        self.extra_fields: dict[str, Any] = {}
        self.fake_embeddings = False
        self.summary_warnings: list[str] = []
        self.health_down = ""
        # What generation reports (None: RECORDED / DONE when learning is on, OFF when it is off). With
        # LEARNING_STATE_QUEUED a report's items go to `queue` instead of `items`.
        self.learning_state: gpb.LearningState.ValueType | None = None
        self.retrieval_state: gpb.RetrievalState.ValueType | None = None
        self.queue: list[QueuedBatch] = []
        # Whether a replay delivers; when not, the batch stays and its reason becomes replay_reason.
        self.replay_delivers = True
        self.replay_reason = "memory UNAVAILABLE: connection refused"
        self.forgotten: list[mpb.ForgottenClient] = []  # newest first
        # Every generation's `completed` payload, in order (section rewrites and edits too).
        self.completed: list[gpb.GenerateReportResponse] = []
        # The report history: history id → its versions, oldest first.
        self.histories: dict[str, list[rpb.ReportVersion]] = {}
        # Item ids that name an item stored before under another id (an unchanged section of a new version,
        # deduplicated as memory does): requested id → (stored id, the report item it was recorded with).
        self.aliases: dict[str, tuple[str, str]] = {}
        # Warnings every generated report carries (e.g. a model-written section refused for breaking a rule).
        self.report_warnings: list[str] = []
        # People who can sign in: name → (password, role); the token handed out is "fake-<name>".
        self.accounts: dict[str, tuple[str, apb.Role.ValueType]] = {}
        # What ListAuditEntries returns (newest first; filtered by client and person like the real one).
        self.audit_entries: list[aupb.AuditEntry] = []
        self.lock = threading.Lock()
        self.url = ""

    # -- helpers for tests -----------------------------------------------------------------------------

    def fail(
        self, method: str, path: str, status: int, message: str, code: int, times: int | None = None
    ) -> None:
        """Answer `method path` with this error (a BadRequest naming the field for a 400 "field: ...")."""
        field_name = message.partition(": ")[0] if status == 400 and ": " in message else ""
        error = RpcError(code, message, field=field_name)
        self.failures[(method, path)] = Failure(status, printed(error.status), times=times)

    def fail_raw(self, method: str, path: str, status: int, text: str) -> None:
        """Answer with a non-JSON body (as a proxy or another server in the way would)."""
        self.failures[(method, path)] = Failure(status, text, content_type="text/html")

    def calls(self, method: str, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.path == path]

    def add_item(self, *, metadata: dict[str, Any] | None = None, **fields: Any) -> mpb.LearningItem:
        """Stores an item as RecordItem would (fields are LearningItem's)."""
        item = self._new_item(mpb.LearningItem(**fields), metadata=metadata)
        with self.lock:
            self.items.insert(0, item)
        return item

    def item(self, item_id: str) -> mpb.LearningItem | None:
        stored_id = self.aliases.get(item_id, (item_id, ""))[0]
        return next((i for i in self.items if i.id == stored_id), None)

    def versions(self, history_id: str) -> list[rpb.ReportVersion]:
        """A report's versions, oldest first (empty when there is no such report)."""
        return list(self.histories.get(history_id, []))

    def add_batch(
        self,
        *,
        title: str = "Acme — Quick Social Pack (Basic)",
        client_id: str = "acme",
        state: gpb.QueueState.ValueType = gpb.QUEUE_STATE_SET_ASIDE,
        reason: str = "",
        items: list[mpb.LearningItem] | None = None,
        report_id: str = "",
    ) -> gpb.LearningBatch:
        """A batch in the learning queue; delivering it stores `items` (default: one whole report)."""
        report_id = report_id or str(uuid.uuid4())
        stored = items or [
            self._new_item(
                mpb.LearningItem(kind="full_report", title=title, text=f"{title} text", client_id=client_id)
            )
        ]
        batch = gpb.LearningBatch(
            name=f"{int(time.time() * 1000)}-{report_id}.json",
            state=state,
            report_id=report_id,
            client_id=client_id,
            title=title,
            item_count=len(stored),
            enqueue_time=now().ToJsonString(),
            reason=reason,
            attempts=1,
        )
        with self.lock:
            self.queue.append(QueuedBatch(batch, stored))
        return batch

    def batch(self, name: str) -> QueuedBatch | None:
        return next((b for b in self.queue if b.batch.name == name), None)

    # -- state -----------------------------------------------------------------------------------------

    def _new_item(
        self, item: mpb.LearningItem, item_id: str = "", metadata: dict[str, Any] | None = None
    ) -> mpb.LearningItem:
        """An item as the memory service stores it: id, time, model, scope and source filled in."""
        stored = mpb.LearningItem()
        stored.CopyFrom(item)
        stored.id = item_id or stored.id or str(uuid.uuid4())
        stored.create_time.CopyFrom(now())
        stored.embedding_model = EMBEDDING_MODEL
        stored.source = stored.source or "api"
        stored.kind = stored.kind or "uploaded_example"
        if stored.scope == mpb.SCOPE_UNSPECIFIED:
            stored.scope = mpb.SCOPE_CLIENT if stored.client_id else mpb.SCOPE_AGENCY
        if metadata:
            stored.metadata.update(metadata)
        stored.ClearField("verdict")
        stored.rating = stored.rating_note = ""
        return stored

    def visible_to(self, client_id: str) -> list[mpb.LearningItem]:
        """What a report for client_id may learn from: its own items and the agency library."""
        return [i for i in self.items if i.client_id == client_id or i.scope == mpb.SCOPE_AGENCY]

    def deliver(self, queued: QueuedBatch) -> None:
        """Stores a batch's items (discarded, and counted, when its client was forgotten)."""
        with self.lock:
            self.queue.remove(queued)
            forgotten = next((f for f in self.forgotten if f.client_id == queued.batch.client_id), None)
            if forgotten is not None:
                forgotten.discarded_count += len(queued.items)
            else:
                self.items[:0] = queued.items
                if queued.version is not None:
                    self._archive(queued.version)

    # -- the RPCs (named as in the contract) ------------------------------------------------------------

    def CheckHealth(self, request: gpb.CheckHealthRequest) -> gpb.CheckHealthResponse:
        memory_up = not self.health_down

        def component(name: str, up: bool, detail: str = "") -> gpb.ComponentHealth:
            state = gpb.SERVING_STATE_SERVING if up else gpb.SERVING_STATE_UNREACHABLE
            return gpb.ComponentHealth(
                name=name,
                state=state,
                status=gpb.ServingState.Name(state).removeprefix("SERVING_STATE_"),
                detail=detail,
            )

        response = gpb.CheckHealthResponse(
            components=[
                component("generator", True),
                component("memory", memory_up, "" if memory_up else self.health_down),
                component("database", memory_up),
            ],
            pending_learning=sum(b.batch.state == gpb.QUEUE_STATE_QUEUED for b in self.queue),
            set_aside_learning=sum(b.batch.state == gpb.QUEUE_STATE_SET_ASIDE for b in self.queue),
            state=gpb.SERVING_STATE_SERVING if memory_up else gpb.SERVING_STATE_NOT_SERVING,
            status="SERVING" if memory_up else "NOT_SERVING",
        )
        if not memory_up:
            raise RpcError(14, f"not serving: {self.health_down}", details=(response,))
        return response

    def ListPackages(self, request: gpb.ListPackagesRequest) -> gpb.ListPackagesResponse:
        return gpb.ListPackagesResponse(packages=PACKAGES)

    def UnderstandBrief(self, request: gpb.UnderstandBriefRequest) -> gpb.UnderstandBriefResponse:
        if not request.HasField("client_brief"):
            raise invalid("client_brief", "is required")
        return gpb.UnderstandBriefResponse(understood_brief=self.understood(request.client_brief)[1])

    def understood(
        self, brief: gpb.ClientBrief, prefix: str = ""
    ) -> tuple[UnderstoodBrief, gpb.UnderstoodBrief]:
        """The brief as the generator reads it (its domain model, and the contract's message): validated as
        the generator validates it (a bad field is an INVALID_ARGUMENT naming it), read by its parser."""
        try:
            facts = understand(brief_from_proto(brief, prefix))
        except InvalidArgument as exc:
            raise invalid(exc.field, exc.description) from None
        return facts, understood_to_proto(facts)

    def GenerateReport(self, request: gpb.GenerateReportRequest) -> gpb.GenerateReportResponse:
        *_, completed = self.generate(request)
        return completed.completed

    def StreamGenerateReport(
        self, request: gpb.StreamGenerateReportRequest
    ) -> list[gpb.StreamGenerateReportResponse]:
        return self.generate(request.request)

    def generate(self, request: gpb.GenerateReportRequest) -> list[gpb.StreamGenerateReportResponse]:
        """Every event of one generation (started, a section_completed per section, completed); the report
        is learned (or queued) as the generator would, and saved as a version of its history (the one
        `request.history_id` names, else a new one)."""
        brief = request.client_brief
        package = next((p for p in PACKAGES if request.package_key in (p.key, p.label)), None)
        if package is None:
            raise invalid("package_key", f"unknown package {request.package_key!r}")
        if not brief.client_name:
            raise invalid("client_brief.client_name", "is required")
        if not brief.brand_name:
            raise invalid("client_brief.brand_name", "is required")
        facts, understood = self.understood(brief)
        applied, unapplied = outcome_lines(request.feedback, facts)
        report_id = request.report_id or str(uuid.uuid4())
        brand, client_id = brief.brand_name, client_key(brief.client_name)
        stage = _STAGES.get(request.report_stage) or request.stage or "draft"
        use_learning = request.use_learning if request.HasField("use_learning") else True
        if use_learning:
            learning_state = self.learning_state or gpb.LEARNING_STATE_RECORDED
            retrieval_state = self.retrieval_state or gpb.RETRIEVAL_STATE_DONE
        else:
            learning_state, retrieval_state = gpb.LEARNING_STATE_OFF, gpb.RETRIEVAL_STATE_OFF
        found = self.visible_to(client_id)[:2] if retrieval_state == gpb.RETRIEVAL_STATE_DONE else []
        learned = [
            gpb.LearnedFrom(
                item_id=i.id,
                score=0.8,
                title=i.title,
                kind=i.kind,
                rating=i.rating,
                verdict=i.verdict,
                source=gpb.LEARNING_SOURCE_SAME_CLIENT
                if i.client_id == client_id
                else gpb.LEARNING_SOURCE_AGENCY_LIBRARY,
                similarity=0.7,
            )
            for i in found
        ]
        report_item_id = str(uuid.uuid4()) if use_learning else ""
        sections = []
        for spec in package.sections:
            body = f"{brand} plan for {spec.title.lower()} ({stage})."
            if request.feedback:
                body += f" Revised for feedback: {request.feedback}"
            sections.append(
                gpb.ReportSection(
                    id=spec.id,
                    title=spec.title,
                    markdown=body,
                    learned_from=learned if spec.id == "overview" else [],
                    mode="offline",
                    written_by=gpb.GENERATION_MODE_OFFLINE,
                    learned_item_id=str(uuid.uuid4()) if use_learning else "",
                    revision_notes=[f"Applied the feedback: {request.feedback}"] if request.feedback else [],
                )
            )
        completed = gpb.GenerateReportResponse(
            report_id=report_id,
            package_key=package.key,
            package_label=package.label,
            sections=sections,
            report_markdown=assemble(brief, package, sections),
            generation_mode="offline",
            mode=gpb.GENERATION_MODE_OFFLINE,
            learning_status={gpb.LEARNING_STATE_QUEUED: "pending", gpb.LEARNING_STATE_OFF: "skipped"}.get(
                learning_state, "recorded"
            ),
            learning_detail="" if use_learning else "learning was turned off for this request",
            timings={"retrieve_ms": 3.5, "compose_ms": 12.25, "record_ms": 20.0, "total_ms": 36.0},
            warnings=self.report_warnings,
            refine_applied=applied,
            refine_unapplied=unapplied,
            understood_brief=understood,
            learned_item_id=report_item_id,
            learning_state=learning_state,
            retrieval_state=retrieval_state,
            history_id=request.history_id or report_id,
        )
        version = archived_version(
            brief, package, completed, stage, rpb.VERSION_ORIGIN_GENERATED, request.feedback[:500], None
        )
        self._learn(brief, package, completed, stage, client_id, learning_state, version, use_learning)
        events = [
            gpb.StreamGenerateReportResponse(
                started=gpb.GenerationStarted(
                    report_id=report_id,
                    package_key=package.key,
                    package_label=package.label,
                    sections=package.sections,
                )
            )
        ]
        events += [
            gpb.StreamGenerateReportResponse(
                section_completed=gpb.SectionCompleted(index=n, total=len(sections), section=s)
            )
            for n, s in enumerate(sections, start=1)
        ]
        events.append(gpb.StreamGenerateReportResponse(completed=completed))
        with self.lock:
            self.completed.append(completed)
        return events

    def _learn(
        self,
        brief: gpb.ClientBrief,
        package: gpb.Package,
        report: gpb.GenerateReportResponse,
        stage: str,
        client_id: str,
        learning_state: gpb.LearningState.ValueType,
        version: rpb.ReportVersion,
        use_learning: bool = True,
    ) -> None:
        """Stores the report and its sections (a section whose text is already stored for the client is
        not stored twice: its id becomes an alias, as memory does), and archives its version; with
        LEARNING_STATE_QUEUED both wait in the learning queue instead."""
        if not use_learning:
            # Not learned, but the report still joins its history.
            with self.lock:
                self._archive(version)
            return
        metadata = {
            "report_id": report.report_id,
            "brand_name": brief.brand_name,
            "client_name": brief.client_name,
            "stage": stage,
        }
        common: dict[str, Any] = {
            "client_id": client_id,
            "industry": brief.industry,
            "package_key": package.key,
            "source": "generator",
        }
        title = f"{brief.brand_name} — {package.label}"
        new = [
            self._new_item(
                mpb.LearningItem(kind="full_report", title=title, text=report.report_markdown, **common),
                report.learned_item_id,
                metadata,
            )
        ]
        known = {(i.kind, i.client_id, i.text): i.id for i in self.items}
        for s in report.sections:
            existing = known.get(("report_section", client_id, s.markdown))
            if existing is not None and learning_state != gpb.LEARNING_STATE_QUEUED:
                self.aliases[s.learned_item_id] = (existing, report.learned_item_id)
                continue
            new.append(
                self._new_item(
                    mpb.LearningItem(
                        kind="report_section",
                        title=f"{s.title} — {brief.brand_name}",
                        text=s.markdown,
                        section_id=s.id,
                        parent_id=report.learned_item_id,
                        tags=[s.id, stage],
                        **common,
                    ),
                    s.learned_item_id,
                    metadata,
                )
            )
        if learning_state == gpb.LEARNING_STATE_QUEUED:
            self.add_batch(
                title=title,
                client_id=client_id,
                state=gpb.QUEUE_STATE_QUEUED,
                reason="memory UNAVAILABLE: connection refused",
                items=new,
                report_id=report.report_id,
            )
            self.queue[-1].version = version
        else:
            with self.lock:
                self.items[:0] = new
                self._archive(version)

    def _archive(self, version: rpb.ReportVersion) -> None:
        """Saves a version as its history's next one (the caller holds the lock)."""
        versions = self.histories.setdefault(version.history_id, [])
        saved = rpb.ReportVersion()
        saved.CopyFrom(version)
        saved.version = len(versions) + 1
        saved.create_time.CopyFrom(now())
        versions.append(saved)

    def _version(self, history_id: str, number: int) -> rpb.ReportVersion:
        versions = self.histories.get(history_id, [])
        if number < 0:
            raise invalid("version", "must be 0 (the latest) or a version number")
        found = (
            versions[-1]
            if versions and number == 0
            else next((v for v in versions if v.version == number), None)
        )
        if found is None:
            raise RpcError(5, f"no version {number or 'at all'} of report {history_id[:64]}")
        return found

    def _rework(
        self,
        history_id: str,
        number: int,
        section_id: str,
        *,
        instruction: str = "",
        markdown: str | None = None,
        note: str = "",
    ) -> gpb.GenerateReportResponse:
        """The report's next version with one section written again (with the instruction) or replaced by the
        operator's text; learned and archived like a report (unchanged sections deduplicate)."""
        try:
            uuid.UUID(history_id)
        except ValueError:
            raise invalid("history_id", "must be a report's history id (a UUID)") from None
        if not section_id.strip():
            raise invalid("section_id", "is required, e.g. channel_plan")
        if markdown is not None and not markdown.strip():
            raise invalid("markdown", "must not be empty (to remove a section's text, write why instead)")
        base = self._version(history_id, number)
        package = next((p for p in PACKAGES if p.key == base.package_key), None)
        if package is None or not base.HasField("brief"):
            raise RpcError(9, "this version was archived without its brief, so it cannot be reworked")
        if section_id not in {s.id for s in package.sections}:
            raise invalid("section_id", f"the package has no section {section_id[:64]!r}")
        brief = parse_dict(json_format.MessageToDict(base.brief), gpb.ClientBrief)
        stage = {rpb.VERSION_STAGE_REFINE: "refine", rpb.VERSION_STAGE_FINAL: "final"}.get(
            base.stage, "draft"
        )
        learning_state = self.learning_state or gpb.LEARNING_STATE_RECORDED
        old = {s.section_id: s for s in base.sections}
        sections = []
        for spec in package.sections:
            before = old.get(spec.id)
            if spec.id == section_id:
                if markdown is not None:
                    body, writer, notes = markdown.strip(), gpb.GENERATION_MODE_OPERATOR, []
                else:
                    body = f"{brief.brand_name} plan for {spec.title.lower()}, written again."
                    if instruction:
                        body += f" Instruction: {instruction}"
                    writer = gpb.GENERATION_MODE_OFFLINE
                    notes = [f"Applied the instruction: {instruction}"] if instruction else []
            else:
                body = before.markdown if before is not None else ""
                author = before.author if before is not None else rpb.SECTION_AUTHOR_OFFLINE_COMPOSER
                writer, notes = _WRITERS.get(author, gpb.GENERATION_MODE_OFFLINE), []
            sections.append(
                gpb.ReportSection(
                    id=spec.id,
                    title=spec.title,
                    markdown=body,
                    mode=_MODE_NAMES[writer],
                    written_by=writer,
                    learned_item_id=str(uuid.uuid4()),
                    revision_notes=notes,
                )
            )
        writers = {s.written_by for s in sections}
        mode = writers.pop() if len(writers) == 1 else gpb.GENERATION_MODE_MIXED
        report_id = str(uuid.uuid4())
        applied, unapplied = outcome_lines(instruction, self.understood(brief)[0])
        report = gpb.GenerateReportResponse(
            report_id=report_id,
            refine_applied=applied,
            refine_unapplied=unapplied,
            package_key=package.key,
            package_label=package.label,
            sections=sections,
            report_markdown=assemble(brief, package, sections),
            generation_mode=_MODE_NAMES.get(mode, "mixed"),
            mode=mode,
            learning_status={gpb.LEARNING_STATE_QUEUED: "pending"}.get(learning_state, "recorded"),
            timings={"record_ms": 20.0, "total_ms": 25.0},
            learned_item_id=str(uuid.uuid4()),
            learning_state=learning_state,
            retrieval_state=gpb.RETRIEVAL_STATE_OFF if markdown is not None else gpb.RETRIEVAL_STATE_DONE,
            history_id=base.history_id,
        )
        origin = (
            rpb.VERSION_ORIGIN_SECTION_EDITED
            if markdown is not None
            else rpb.VERSION_ORIGIN_SECTION_REGENERATED
        )
        version = archived_version(
            brief, package, report, stage, origin, (note or instruction)[:500], {section_id}
        )
        self._learn(brief, package, report, stage, client_key(brief.client_name), learning_state, version)
        with self.lock:
            self.completed.append(report)
        return report

    def ListLearningQueue(self, request: gpb.ListLearningQueueRequest) -> gpb.ListLearningQueueResponse:
        return gpb.ListLearningQueueResponse(
            batches=[b.batch for b in self.queue[:200]],
            queued_count=sum(b.batch.state == gpb.QUEUE_STATE_QUEUED for b in self.queue),
            set_aside_count=sum(b.batch.state == gpb.QUEUE_STATE_SET_ASIDE for b in self.queue),
        )

    def ReplayLearningBatch(self, request: gpb.ReplayLearningBatchRequest) -> gpb.ReplayLearningBatchResponse:
        queued = self.batch(request.name)
        if queued is None:
            raise RpcError(5, f"no learning batch named {request.name!r} in this generator's queue")
        queued.batch.attempts += 1
        if not self.replay_delivers:
            queued.batch.reason = self.replay_reason
            return gpb.ReplayLearningBatchResponse(batch=queued.batch, delivered=False)
        self.deliver(queued)
        return gpb.ReplayLearningBatchResponse(delivered=True)

    def DropLearningBatch(self, request: gpb.DropLearningBatchRequest) -> gpb.DropLearningBatchResponse:
        queued = self.batch(request.name)
        if queued is None:
            raise RpcError(5, f"no learning batch named {request.name!r} in this generator's queue")
        with self.lock:
            self.queue.remove(queued)
        return gpb.DropLearningBatchResponse(name=request.name)

    def GetSummary(self, request: mpb.GetSummaryRequest) -> mpb.GetSummaryResponse:
        summary = mpb.GetSummaryResponse(
            total_items=len(self.items),
            embedding_model=EMBEDDING_MODEL,
            storage="postgresql+psycopg2://aicmo:***@127.0.0.1:5432/aicmo",
            embedding_dimensions=384,
            fake_embeddings=self.fake_embeddings,
            warnings=self.summary_warnings,
        )
        per_day: dict[str, int] = {}
        for item in self.items:
            summary.per_kind[item.kind] += 1
            if item.rating:
                summary.per_rating[item.rating] += 1
            day = item.create_time.ToJsonString()[:10]
            per_day[day] = per_day.get(day, 0) + 1
        summary.learned_per_day.extend(mpb.DailyCount(date=d, count=n) for d, n in sorted(per_day.items()))
        return summary

    def ListItems(self, request: mpb.ListItemsRequest) -> mpb.ListItemsResponse:
        size = request.page_size or 20
        if not 1 <= size <= 100:
            raise invalid("page_size", f"must be between 1 and 100 (got {size})")
        offset = int(request.page_token or 0)
        matching = [
            i
            for i in self.items
            if (not request.kind or i.kind == request.kind)
            and (not request.client_id or i.client_id == request.client_id)
        ]
        return mpb.ListItemsResponse(
            items=matching[offset : offset + size],
            next_page_token=str(offset + size) if offset + size < len(matching) else "",
            total_size=len(matching),
        )

    def _get(self, item_id: str) -> mpb.LearningItem:
        item = self.item(item_id)
        if item is None:
            raise RpcError(5, f"item {item_id} not found")
        return item

    def GetItem(self, request: mpb.GetItemRequest) -> mpb.GetItemResponse:
        return mpb.GetItemResponse(item=self._get(request.id))

    def DeleteItem(self, request: mpb.DeleteItemRequest) -> mpb.DeleteItemResponse:
        item = self._get(request.id)
        with self.lock:
            self.items.remove(item)
        return mpb.DeleteItemResponse(id=item.id)

    def RateItem(self, request: mpb.RateItemRequest) -> mpb.RateItemResponse:
        item = self._get(request.id)
        verdict = request.verdict
        if verdict == mpb.RATING_UNSPECIFIED:
            if request.rating not in (*_RATINGS, "none"):
                raise invalid("rating", "must be gold, weak or empty")
            verdict = _RATINGS.get(request.rating, mpb.RATING_UNSPECIFIED)
        rated = [item]
        if item.kind == "full_report":
            rated += [i for i in self.items if i.parent_id == item.id]
            # Sections this report shares with an earlier version (stored once, under the earlier id).
            shared = {stored for stored, report in self.aliases.values() if report == item.id}
            rated += [i for i in self.items if i.id in shared and i not in rated]
        for one in rated:
            one.verdict = verdict
            one.rating = {mpb.RATING_GOLD: "gold", mpb.RATING_WEAK: "weak"}.get(verdict, "")
            one.rating_note = request.note
        return mpb.RateItemResponse(item=item, rated_count=len(rated))

    def SetItemScope(self, request: mpb.SetItemScopeRequest) -> mpb.SetItemScopeResponse:
        item = self._get(request.id)
        if request.scope not in (mpb.SCOPE_CLIENT, mpb.SCOPE_AGENCY):
            raise invalid("scope", "must be SCOPE_CLIENT or SCOPE_AGENCY")
        if request.scope == mpb.SCOPE_CLIENT and not item.client_id:
            raise invalid("scope", "SCOPE_CLIENT needs the item to have a client_id")
        item.scope = request.scope
        return mpb.SetItemScopeResponse(item=item)

    def RecordItem(self, request: mpb.RecordItemRequest) -> mpb.RecordItemResponse:
        item = request.item
        if not item.text:
            raise invalid("item.text", "must not be empty")
        if not item.kind:
            raise invalid("item.kind", "is required")
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,63}", item.kind):
            raise invalid("item.kind", "must be snake_case")
        if item.scope == mpb.SCOPE_CLIENT and not item.client_id:
            raise invalid("item.scope", "SCOPE_CLIENT needs a client_id")
        for existing in self.items:
            if (existing.kind, existing.client_id, existing.text) == (item.kind, item.client_id, item.text):
                return mpb.RecordItemResponse(item=existing, created=False, result=mpb.RECORD_RESULT_EXISTING)
        new = self._new_item(item, request.item_id)
        with self.lock:
            self.items.insert(0, new)
        return mpb.RecordItemResponse(item=new, created=True, result=mpb.RECORD_RESULT_CREATED)

    def SearchItems(self, request: mpb.SearchItemsRequest) -> mpb.SearchItemsResponse:
        words = set(re.findall(r"\w+", request.query.lower()))
        visible = self.visible_to(request.for_client_id) if request.for_client_id else self.items
        results: list[mpb.SearchResult] = []
        for item in visible:
            if request.kinds and item.kind not in request.kinds:
                continue
            if request.client_id and item.client_id != request.client_id:
                continue
            text_words = set(re.findall(r"\w+", f"{item.title} {item.text}".lower()))
            similarity = len(words & text_words) / max(len(words), 1)
            if similarity > 0:
                bonus = {mpb.RATING_GOLD: 0.1, mpb.RATING_WEAK: -0.1}.get(item.verdict, 0.0)
                results.append(mpb.SearchResult(item=item, score=similarity + bonus, similarity=similarity))
        results.sort(key=lambda r: -r.score)
        return mpb.SearchItemsResponse(
            results=results[: request.top_k or 5],
            embedding_model=EMBEDDING_MODEL,
            warnings=["fake embeddings are in use"] if self.fake_embeddings else [],
        )

    def ForgetClient(self, request: mpb.ForgetClientRequest) -> mpb.ForgetClientResponse:
        gone = [i for i in self.items if i.client_id == request.client_id]
        response = mpb.ForgetClientResponse(
            client_id=request.client_id,
            deleted_count=len(gone),
            # Deprecated (the first 100 only); the app must not rely on it.
            deleted_ids=[i.id for i in gone][:100],
            forget_time=now(),
        )
        for item in gone:
            response.per_kind[item.kind] += 1
        with self.lock:
            self.items = [i for i in self.items if i.client_id != request.client_id]
            self.histories = {
                h: v for h, v in self.histories.items() if not v or v[-1].client_id != request.client_id
            }
            before = next((f for f in self.forgotten if f.client_id == request.client_id), None)
            if before is not None:
                self.forgotten.remove(before)
            self.forgotten.insert(
                0,
                mpb.ForgottenClient(
                    client_id=request.client_id,
                    forget_time=response.forget_time,
                    deleted_count=len(gone) + (before.deleted_count if before else 0),
                    discarded_count=before.discarded_count if before else 0,
                ),
            )
        return response

    def ListForgottenClients(
        self, request: mpb.ListForgottenClientsRequest
    ) -> mpb.ListForgottenClientsResponse:
        return mpb.ListForgottenClientsResponse(clients=self.forgotten)

    # -- people and the audit trail ---------------------------------------------------------------------

    def SignIn(self, request: apb.SignInRequest) -> apb.SignInResponse:
        known = self.accounts.get(request.name)
        if known is None or known[0] != request.password:
            raise RpcError(16, "wrong name or password, or the account is disabled")
        return apb.SignInResponse(
            token=f"fake-{request.name}", account=apb.Account(name=request.name, role=known[1])
        )

    def ListAuditEntries(self, request: aupb.ListAuditEntriesRequest) -> aupb.ListAuditEntriesResponse:
        entries = [
            e
            for e in self.audit_entries
            if (not request.client_id or e.client_id == request.client_id)
            and (not request.person or e.person == request.person)
        ]
        return aupb.ListAuditEntriesResponse(entries=entries[: request.page_size or 50])

    # -- per-section work and the report history ------------------------------------------------------

    def RegenerateSection(self, request: gpb.RegenerateSectionRequest) -> gpb.RegenerateSectionResponse:
        if len(request.instruction) > 5000:
            raise invalid("instruction", "must be at most 5000 characters")
        report = self._rework(
            request.history_id, request.version, request.section_id, instruction=request.instruction.strip()
        )
        return gpb.RegenerateSectionResponse(report=report)

    def EditSection(self, request: gpb.EditSectionRequest) -> gpb.EditSectionResponse:
        report = self._rework(
            request.history_id,
            request.version,
            request.section_id,
            markdown=request.markdown,
            note=request.note.strip(),
        )
        return gpb.EditSectionResponse(report=report)

    def ListReports(self, request: rpb.ListReportsRequest) -> rpb.ListReportsResponse:
        size = request.page_size or 20
        if not 1 <= size <= 100:
            raise invalid("page_size", f"must be between 1 and 100 (got {size})")
        try:
            offset = int(request.page_token or 0)
        except ValueError:
            raise invalid("page_token", "is not a token this service issued") from None
        client_id = request.client_id.strip()
        histories = [
            versions
            for versions in self.histories.values()
            if versions and (not client_id or versions[-1].client_id == client_id)
        ]
        histories.sort(key=lambda v: (v[-1].create_time.seconds, v[-1].create_time.nanos), reverse=True)
        page = histories[offset : offset + size]
        return rpb.ListReportsResponse(
            reports=[
                rpb.ReportSummary(
                    history_id=v[-1].history_id,
                    client_id=v[-1].client_id,
                    client_name=v[-1].client_name,
                    brand_name=v[-1].brand_name,
                    package_label=v[-1].package_label,
                    latest_version=v[-1].version,
                    latest_stage=v[-1].stage,
                    create_time=v[0].create_time,
                    update_time=v[-1].create_time,
                )
                for v in page
            ],
            next_page_token=str(offset + size) if offset + size < len(histories) else "",
        )

    def ListReportVersions(self, request: rpb.ListReportVersionsRequest) -> rpb.ListReportVersionsResponse:
        versions = self.versions(request.history_id)
        if not versions:
            raise RpcError(5, f"no report with history id {request.history_id[:64]}")
        listed = []
        for version in versions:
            short = rpb.ReportVersion()
            short.CopyFrom(version)
            short.markdown = ""
            short.ClearField("brief")
            for section in short.sections:
                section.markdown = ""
            listed.append(short)
        return rpb.ListReportVersionsResponse(versions=listed)

    def GetReportVersion(self, request: rpb.GetReportVersionRequest) -> rpb.GetReportVersionResponse:
        return rpb.GetReportVersionResponse(version=self._version(request.history_id, request.version))


# The routes: every REST binding of the services the app calls, as in the contract.
ROUTES: list[Binding] = bindings(GENERATOR, MEMORY, ARCHIVE, ACCOUNTS, AUDIT)
ROUTE_REQUEST_TYPES: dict[str, type[Message]] = {
    r.method.full_name: message_factory.GetMessageClass(r.method.input_type) for r in ROUTES
}


def transcode(route: Binding, variables: dict[str, str], query: dict[str, list[str]], body: Any) -> Message:
    """The request message for a REST call, built as the transcoder builds it (strictly: a field the
    contract lacks, in the body or the query, is an INVALID_ARGUMENT)."""
    data: dict[str, Any] = {}
    if route.body == "*":
        data = dict(body) if isinstance(body, dict) else {}
    elif route.body:
        data = {route.body: body if isinstance(body, dict) else {}}
    else:
        for name, values in query.items():
            data[name] = values if len(values) > 1 else values[0]
    data.update({name: unquote(value) for name, value in variables.items()})
    request_type = ROUTE_REQUEST_TYPES[route.method.full_name]
    try:
        return parse_dict(data, request_type, strict=True)
    except json_format.ParseError as exc:
        raise RpcError(3, f"the request does not match {request_type.DESCRIPTOR.full_name}: {exc}") from None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without this, Nagle + delayed ACK add ~40 ms a call.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    # -- plumbing --------------------------------------------------------------------------------------

    def _json(self, message: Message) -> bytes:
        text = printed(message)
        extra = self.server.fake.extra_fields
        if extra:
            text = json.dumps(_with_extra(json.loads(text), message.DESCRIPTOR, extra))
        return text.encode()

    def _send(self, status: int, data: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _dispatch(self, method: str) -> None:
        fake = self.server.fake
        parts = urlsplit(self.path)
        path = parts.path
        query = parse_qs(parts.query)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        recorded = Recorded(method, path, query, {k.lower(): v for k, v in self.headers.items()}, body)
        with fake.lock:
            fake.requests.append(recorded)
        if path in fake.slow_paths:
            time.sleep(fake.slow_paths[path])
        failure = fake.failures.get((method, path))
        if failure is not None and (failure.times is None or failure.times > 0):
            if failure.times is not None:
                failure.times -= 1
            self._send(failure.status, failure.body.encode(), failure.content_type)
            return
        for route in ROUTES:
            variables = route.match(method, path)
            if variables is not None:
                break
        else:
            # Envoy's own answer for a path the contract does not have.
            self._send(
                404, json.dumps({"code": 404, "message": f"Could not resolve {path} to a method."}).encode()
            )
            return
        try:
            request = transcode(route, variables, query, body)
            recorded.message = request
            handler = getattr(fake, route.method.name, None)
            if handler is None:
                raise RpcError(12, f"{route.method.full_name} is not implemented by the fake gateway")
            answer = handler(request)
        except RpcError as exc:
            self._send(HTTP_STATUS.get(exc.status.code, 500), printed(exc.status).encode())
            return
        if route.method.server_streaming:
            self._stream(answer)
        else:
            self._send(200, self._json(answer))

    def _stream(self, events: list[gpb.StreamGenerateReportResponse]) -> None:
        fake = self.server.fake
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        fake.stream_sent_events = 0
        for n, event in enumerate(events):
            if fake.stream_break_after is not None and n >= fake.stream_break_after:
                break
            if fake.stream_error_after is not None and n >= fake.stream_error_after[0]:
                self._chunk(printed(fake.stream_error_after[1].status).encode() + b"\n")
                break
            if event.WhichOneof("event") == "completed" and fake.learning_delay:
                time.sleep(fake.learning_delay)
            fake.stream_sent_events = n + 1  # counted before the write, so the client never sees more
            self._chunk(self._json(event) + b"\n")
            if n == 0 and fake.stream_gate is not None:
                fake.gate_released_in_time = fake.stream_gate.wait(timeout=10)
            if fake.stream_delay:
                time.sleep(fake.stream_delay)
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


def _with_extra(data: Any, descriptor: Any, extra: dict[str, Any]) -> Any:
    """`data` (a printed message) with `extra` fields added to it and to every message inside it (maps and
    well-known types left alone): what the answers of a newer gateway look like to this app."""
    if not isinstance(data, dict) or descriptor.full_name.startswith("google.protobuf."):
        return data
    out = dict(data)
    for f in descriptor.fields:
        if f.message_type is None or f.message_type.GetOptions().map_entry or f.name not in out:
            continue
        value = out[f.name]
        if isinstance(value, list):
            out[f.name] = [_with_extra(v, f.message_type, extra) for v in value]
        else:
            out[f.name] = _with_extra(value, f.message_type, extra)
    return {**out, **extra}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeGateway


@contextmanager
def running_fake_gateway() -> Iterator[FakeGateway]:
    """A FakeGateway serving on 127.0.0.1 (a free port) for the duration of the block."""
    fake = FakeGateway()
    server = _Server(("127.0.0.1", 0), _Handler)
    server.fake = fake
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-gateway", daemon=True
    )
    thread.start()
    try:
        yield fake
    finally:
        if fake.stream_gate is not None:
            fake.stream_gate.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
