"""Protobuf <-> generator domain, with the edge validation (errors name the request field)."""

from __future__ import annotations

import datetime as dt
import json
import uuid

from aicmo.generator.v1 import generator_service_pb2 as pb
from aicmo.memory.v1 import memory_service_pb2 as mpb
from google.protobuf import json_format

from services.common.domain_errors import InvalidArgument
from services.common.text_rules import check_storable, check_storable_json
from services.generator.adapters.spool import SpooledBatch
from services.generator.composer.models import SAME_CLIENT
from services.generator.domain.brief import Brief
from services.generator.domain.packages import PACKAGES, UnknownPackageError, get_package, key_for_label
from services.generator.service_layer.generation import (
    GenerationRequest,
    LearningState,
    Report,
    RetrievalState,
    SectionResult,
    learned_item_id,
)

_STAGE_FROM_PROTO = {
    pb.REPORT_STAGE_DRAFT: "draft",
    pb.REPORT_STAGE_REFINE: "refine",
    pb.REPORT_STAGE_FINAL: "final",
}
_MODE = {
    "offline": pb.GENERATION_MODE_OFFLINE,
    "llm": pb.GENERATION_MODE_LLM,
    "mixed": pb.GENERATION_MODE_MIXED,
}
_VERDICT = {"gold": mpb.RATING_GOLD, "weak": mpb.RATING_WEAK}
_LEARNING_STATE = {
    LearningState.RECORDED: pb.LEARNING_STATE_RECORDED,
    LearningState.QUEUED: pb.LEARNING_STATE_QUEUED,
    LearningState.OFF: pb.LEARNING_STATE_OFF,
}
_RETRIEVAL_STATE = {
    RetrievalState.DONE: pb.RETRIEVAL_STATE_DONE,
    RetrievalState.OFF: pb.RETRIEVAL_STATE_OFF,
    RetrievalState.SKIPPED_SLOW: pb.RETRIEVAL_STATE_SKIPPED_SLOW,
    RetrievalState.SKIPPED_UNAVAILABLE: pb.RETRIEVAL_STATE_SKIPPED_UNAVAILABLE,
    RetrievalState.SKIPPED_NO_TIME: pb.RETRIEVAL_STATE_SKIPPED_NO_TIME,
}

MAX_FIELD_CHARS = 2_000
MAX_RAW_BRIEF_CHARS = 20_000
MAX_BRIEF_CHARS = 40_000  # all brief fields together, metadata included
MAX_FEEDBACK_CHARS = 5_000
MAX_PREVIOUS_DRAFT_CHARS = 300_000
STAGES = ("draft", "refine", "final")

_SHORT_FIELDS = (
    "client_name",
    "brand_name",
    "product_service",
    "industry",
    "geography",
    "audience",
    "objectives",
    "budget",
    "timeline",
    "constraints",
)


def generation_request(request: pb.GenerateReportRequest, prefix: str = "") -> GenerationRequest:
    """Validates a GenerateReportRequest; `prefix` is "request." for the streaming call's wrapper."""
    b = request.client_brief
    # Text Postgres cannot store is refused here, before anything is generated or queued for learning.
    for name in (*_SHORT_FIELDS, "raw_brief_text", "launch_date"):
        check_storable(f"{prefix}client_brief.{name}", getattr(b, name))
    for name in ("package_key", "stage", "feedback", "previous_draft", "report_id"):
        check_storable(f"{prefix}{name}", getattr(request, name))
    values: dict[str, str] = {}
    for name in _SHORT_FIELDS:
        value = getattr(b, name).strip()
        if len(value) > MAX_FIELD_CHARS:
            raise InvalidArgument(
                f"{prefix}client_brief.{name}", f"must be at most {MAX_FIELD_CHARS} characters"
            )
        values[name] = value
    for required in ("client_name", "brand_name"):
        if not values[required]:
            raise InvalidArgument(f"{prefix}client_brief.{required}", "is required")
    raw = b.raw_brief_text.strip()
    if len(raw) > MAX_RAW_BRIEF_CHARS:
        raise InvalidArgument(
            f"{prefix}client_brief.raw_brief_text", f"must be at most {MAX_RAW_BRIEF_CHARS} characters"
        )
    metadata = _metadata(b, prefix)
    size = sum(map(len, values.values())) + len(raw) + sum(len(k) + len(v) for k, v in metadata.items())
    if size > MAX_BRIEF_CHARS:
        raise InvalidArgument(
            f"{prefix}client_brief", f"the brief must be at most {MAX_BRIEF_CHARS} characters in all"
        )

    launch_date = None
    if b.launch_date.strip():
        try:
            launch_date = dt.date.fromisoformat(b.launch_date.strip())
        except ValueError:
            raise InvalidArgument(
                f"{prefix}client_brief.launch_date", "must be an ISO date, YYYY-MM-DD"
            ) from None

    if not request.package_key.strip():
        raise InvalidArgument(f"{prefix}package_key", f"is required; one of: {', '.join(PACKAGES)}")
    try:
        package = get_package(key_for_label(request.package_key.strip()))
    except UnknownPackageError:
        raise InvalidArgument(
            f"{prefix}package_key",
            f"unknown package {_shown(request.package_key.strip())}; one of: {', '.join(PACKAGES)}",
        ) from None

    if request.report_stage != pb.REPORT_STAGE_UNSPECIFIED:
        if request.report_stage not in _STAGE_FROM_PROTO:
            raise InvalidArgument(f"{prefix}report_stage", "must be REPORT_STAGE_DRAFT, _REFINE or _FINAL")
        stage = _STAGE_FROM_PROTO[request.report_stage]
    else:
        stage = request.stage.strip().lower() or "draft"
        if stage not in STAGES:
            raise InvalidArgument(f"{prefix}stage", "must be 'draft', 'refine' or 'final'")
    if len(request.feedback) > MAX_FEEDBACK_CHARS:
        raise InvalidArgument(f"{prefix}feedback", f"must be at most {MAX_FEEDBACK_CHARS} characters")
    if len(request.previous_draft) > MAX_PREVIOUS_DRAFT_CHARS:
        raise InvalidArgument(
            f"{prefix}previous_draft", f"must be at most {MAX_PREVIOUS_DRAFT_CHARS} characters"
        )
    report_id = request.report_id.strip()
    if report_id:
        try:
            report_id = str(uuid.UUID(report_id))
        except ValueError:
            raise InvalidArgument(f"{prefix}report_id", "must be a UUID") from None

    brief = Brief(raw_brief_text=raw, launch_date=launch_date, metadata=metadata, **values)
    return GenerationRequest(
        brief=brief,
        package=package,
        stage=stage,
        feedback=request.feedback.strip(),
        previous_draft=request.previous_draft,
        use_learning=request.use_learning if request.HasField("use_learning") else True,
        report_id=report_id,
    )


def _shown(value: str, limit: int = 64) -> str:
    """A value echoed in an error, bounded: errors never repeat unbounded input."""
    return repr(value) if len(value) <= limit else f"{value[:limit]!r}… ({len(value)} characters)"


def _metadata(brief: pb.ClientBrief, prefix: str) -> dict[str, str]:
    if not brief.HasField("metadata"):
        return {}
    raw = json_format.MessageToDict(brief.metadata)
    check_storable_json(f"{prefix}client_brief.metadata", raw)
    out: dict[str, str] = {}
    for key, value in raw.items():
        if isinstance(value, str):
            out[str(key)] = value
        elif isinstance(value, float) and value.is_integer():
            out[str(key)] = str(int(value))
        else:
            out[str(key)] = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return out


def section_to_proto(section: SectionResult, report_id: str, learning: bool) -> pb.ReportSection:
    return pb.ReportSection(
        id=section.spec.id,
        title=section.spec.title,
        markdown=section.markdown,
        mode=section.mode,
        written_by=_MODE[section.mode],
        learned_from=[
            pb.LearnedFrom(
                item_id=e.item_id,
                score=e.score,
                similarity=e.similarity,
                title=e.title,
                kind=e.kind,
                rating=e.rating,
                verdict=_VERDICT.get(e.rating, mpb.RATING_UNSPECIFIED),
                source=pb.LEARNING_SOURCE_SAME_CLIENT
                if e.source == SAME_CLIENT
                else pb.LEARNING_SOURCE_AGENCY_LIBRARY,
            )
            for e in section.learned_from
        ],
        learned_item_id=learned_item_id(report_id, section.spec.id) if learning else "",
        revision_notes=list(section.revision_notes),
    )


def report_to_proto(report: Report) -> pb.GenerateReportResponse:
    return pb.GenerateReportResponse(
        report_id=report.report_id,
        package_key=report.package.key,
        package_label=report.package.label,
        sections=[
            section_to_proto(s, report.report_id, bool(report.learned_item_id)) for s in report.sections
        ],
        report_markdown=report.markdown,
        generation_mode=report.generation_mode,
        mode=_MODE[report.generation_mode],
        learning_status=report.learning_status,
        learning_detail=report.learning_detail,
        timings=report.timings,
        warnings=report.warnings,
        learned_item_id=report.learned_item_id,
        learning_state=_LEARNING_STATE[report.learning_state],
        retrieval_state=_RETRIEVAL_STATE[report.retrieval_state],
    )


def batch_to_proto(batch: SpooledBatch) -> pb.LearningBatch:
    return pb.LearningBatch(
        name=batch.name,
        state=pb.QUEUE_STATE_SET_ASIDE if batch.set_aside else pb.QUEUE_STATE_QUEUED,
        report_id=batch.report_id,
        client_id=batch.client_id,
        title=batch.title,
        item_count=batch.item_count,
        enqueue_time=batch.enqueue_time.isoformat(),
        reason=batch.reason,
        attempts=batch.attempts,
    )
