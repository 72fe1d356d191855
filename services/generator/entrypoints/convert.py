"""Protobuf <-> generator domain, with the edge validation (errors name the request field)."""

from __future__ import annotations

import datetime as dt
import json
import uuid

from aicmo.generator.v1 import generator_service_pb2 as pb
from google.protobuf import json_format

from services.common.errors import InvalidArgument
from services.generator.domain.brief import Brief
from services.generator.domain.packages import PACKAGES, UnknownPackageError, get_package, key_for_label
from services.generator.service_layer.generation import GenerationRequest, Report, SectionResult

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
            f"unknown package {request.package_key.strip()!r}; one of: {', '.join(PACKAGES)}",
        ) from None

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


def _metadata(brief: pb.ClientBrief, prefix: str) -> dict[str, str]:
    if not brief.HasField("metadata"):
        return {}
    raw = json_format.MessageToDict(brief.metadata)
    out: dict[str, str] = {}
    for key, value in raw.items():
        if isinstance(value, str):
            out[str(key)] = value
        elif isinstance(value, float) and value.is_integer():
            out[str(key)] = str(int(value))
        else:
            out[str(key)] = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return out


def section_to_proto(section: SectionResult) -> pb.ReportSection:
    return pb.ReportSection(
        id=section.spec.id,
        title=section.spec.title,
        markdown=section.markdown,
        mode=section.mode,
        learned_from=[
            pb.LearnedFrom(item_id=e.item_id, score=e.score, title=e.title, kind=e.kind, rating=e.rating)
            for e in section.learned_from
        ],
    )


def report_to_proto(report: Report) -> pb.GenerateReportResponse:
    return pb.GenerateReportResponse(
        report_id=report.report_id,
        package_key=report.package.key,
        package_label=report.package.label,
        sections=[section_to_proto(s) for s in report.sections],
        report_markdown=report.markdown,
        generation_mode=report.generation_mode,
        learning_status=report.learning_status,
        learning_detail=report.learning_detail,
        timings=report.timings,
        warnings=report.warnings,
    )
