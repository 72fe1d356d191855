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
from services.generator.composer.models import SAME_CLIENT
from services.generator.domain.brief import Brief
from services.generator.domain.learning_queue import SpooledBatch
from services.generator.domain.packages import PACKAGES, UnknownPackageError, get_package, key_for_label
from services.generator.domain.understanding import BusinessModel, Origin, PriceKind, UnderstoodBrief
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
    "operator": pb.GENERATION_MODE_OPERATOR,
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


def brief_from_proto(b: pb.ClientBrief, prefix: str = "") -> Brief:
    """Validates a ClientBrief; errors name the field under `prefix` (e.g. "request.")."""
    # Text Postgres cannot store is refused here, before anything is generated or queued for learning.
    for name in (*_SHORT_FIELDS, "raw_brief_text", "launch_date"):
        check_storable(f"{prefix}client_brief.{name}", getattr(b, name))
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
    return Brief(raw_brief_text=raw, launch_date=launch_date, metadata=metadata, **values)


def generation_request(request: pb.GenerateReportRequest, prefix: str = "") -> GenerationRequest:
    """Validates a GenerateReportRequest; `prefix` is "request." for the streaming call's wrapper."""
    for name in ("package_key", "stage", "feedback", "previous_draft", "report_id", "history_id"):
        check_storable(f"{prefix}{name}", getattr(request, name))
    brief = brief_from_proto(request.client_brief, prefix)

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
    history_id = request.history_id.strip()
    if history_id:
        try:
            history_id = str(uuid.UUID(history_id))
        except ValueError:
            raise InvalidArgument(f"{prefix}history_id", "must be a report's history id (a UUID)") from None
    report_id = request.report_id.strip()
    if report_id:
        try:
            report_id = str(uuid.UUID(report_id))
        except ValueError:
            raise InvalidArgument(f"{prefix}report_id", "must be a UUID") from None

    return GenerationRequest(
        brief=brief,
        package=package,
        stage=stage,
        feedback=request.feedback.strip(),
        previous_draft=request.previous_draft,
        use_learning=request.use_learning if request.HasField("use_learning") else True,
        report_id=report_id,
        history_id=history_id,
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


_BUSINESS_MODEL = {
    BusinessModel.GENERAL: pb.BUSINESS_MODEL_UNSPECIFIED,
    BusinessModel.B2B_ENTERPRISE: pb.BUSINESS_MODEL_B2B_ENTERPRISE,
    BusinessModel.B2B_SMB: pb.BUSINESS_MODEL_B2B_SMB,
    BusinessModel.LOCAL_SERVICES: pb.BUSINESS_MODEL_LOCAL_SERVICES,
    BusinessModel.CPG_RETAIL: pb.BUSINESS_MODEL_CPG_RETAIL,
    BusinessModel.DTC_ECOMMERCE: pb.BUSINESS_MODEL_DTC_ECOMMERCE,
    BusinessModel.DTC_SUBSCRIPTION: pb.BUSINESS_MODEL_DTC_SUBSCRIPTION,
    BusinessModel.CONSUMER_SERVICES: pb.BUSINESS_MODEL_CONSUMER_SERVICES,
    BusinessModel.NONPROFIT: pb.BUSINESS_MODEL_NONPROFIT,
    BusinessModel.PUBLIC_SECTOR: pb.BUSINESS_MODEL_PUBLIC_SECTOR,
}
_PERIOD = {
    "": pb.BUDGET_PERIOD_UNSPECIFIED,
    "total": pb.BUDGET_PERIOD_TOTAL,
    "month": pb.BUDGET_PERIOD_MONTH,
    "week": pb.BUDGET_PERIOD_WEEK,
    "quarter": pb.BUDGET_PERIOD_QUARTER,
    "year": pb.BUDGET_PERIOD_YEAR,
}
_PRICE_KIND = {
    PriceKind.PRICE: pb.PRICE_KIND_PRICE,
    PriceKind.DEAL_VALUE: pb.PRICE_KIND_DEAL_VALUE,
    PriceKind.CUSTOMER_VALUE: pb.PRICE_KIND_CUSTOMER_VALUE,
    PriceKind.ORDER_VALUE: pb.PRICE_KIND_ORDER_VALUE,
}
_ORIGIN = {
    Origin.FORM: pb.FACT_ORIGIN_FORM,
    Origin.TEXT: pb.FACT_ORIGIN_TEXT,
    Origin.INFERRED: pb.FACT_ORIGIN_INFERRED,
}


def _iso(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def understood_to_proto(u: UnderstoodBrief) -> pb.UnderstoodBrief:
    """The understood brief as the contract's message (what the app shows the operator)."""
    budget = None
    if u.budget is not None:
        budget = pb.UnderstoodBudget(
            amount=float(u.budget.amount),
            currency_code=u.budget.currency.code,
            period=_PERIOD[u.budget.period],
            as_stated=u.budget_text,
            currency_assumed=u.budget.currency_assumed,
            note=u.budget.note,
        )
    return pb.UnderstoodBrief(
        client_name=u.client,
        brand_name=u.brand,
        product_service=u.product,
        industry=u.industry,
        business_model=_BUSINESS_MODEL[u.business_model],
        business_model_basis=u.business_model_basis,
        geography=u.geography,
        markets=list(u.markets),
        countries=list(u.countries),
        audience=u.audience,
        segments=[pb.AudienceSegment(name=s.name, description=s.description) for s in u.segments],
        objectives=[
            pb.UnderstoodObjective(
                as_stated=o.text,
                metric=o.metric,
                target=o.target,
                deadline=o.deadline,
                deadline_date=_iso(o.deadline_date),
            )
            for o in u.objectives
        ],
        budget=budget,
        timeline=u.timeline,
        weeks=u.weeks or 0,
        launch_date=_iso(u.launch_date),
        competitors=[pb.NamedCompetitor(name=c.name, note=c.note) for c in u.competitors],
        events=[
            pb.BriefEvent(
                name=e.name,
                date_text=e.date_text,
                start_date=_iso(e.start),
                end_date=_iso(e.end),
                note=e.note,
            )
            for e in u.events
        ],
        prices=[
            pb.BriefPrice(
                label=p.label,
                amount=p.amount,
                currency_code=p.currency,
                kind=_PRICE_KIND[p.kind],
                period=_PERIOD.get(p.period, pb.BUDGET_PERIOD_UNSPECIFIED),
                as_stated=p.text,
            )
            for p in u.prices
        ],
        channels=list(u.channels),
        retail_partners=list(u.retail_partners),
        language=u.language,
        locale=u.locale,
        tone=u.tone,
        offers=list(u.offers),
        proof_points=list(u.proof_points),
        rules=pb.BriefRules(
            excluded_channels=list(u.rules.excluded_channels),
            excluded_formats=list(u.rules.excluded_formats),
            forbidden_words=list(u.rules.forbidden_words),
            mandated_terms=list(u.rules.mandated_terms),
            claims_needing_review=list(u.rules.claims_needing_review),
            other_rules=list(u.rules.other),
        ),
        sources=[
            pb.FactSource(fact=fact, origin=_ORIGIN[origin], words=list(u.words_for(fact)))
            for fact, origin in u.origins
        ],
        gaps=list(u.gaps),
    )


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
        playbook_applied=list(report.playbook_applied),
        timings=report.timings,
        warnings=report.warnings,
        learned_item_id=report.learned_item_id,
        refine_applied=list(report.refine_applied),
        refine_unapplied=list(report.refine_unapplied),
        understood_brief=understood_to_proto(report.understood) if report.understood is not None else None,
        history_id=report.history_id,
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


MAX_SECTION_CHARS = 100_000


def rework_target(history_id: str, version: int, section_id: str) -> tuple[str, int, str]:
    """Validates which report version and section a RegenerateSection / EditSection means."""
    check_storable("history_id", history_id)
    check_storable("section_id", section_id)
    try:
        history = str(uuid.UUID(history_id.strip()))
    except ValueError:
        raise InvalidArgument("history_id", "must be a report's history id (a UUID)") from None
    if version < 0:
        raise InvalidArgument("version", "must be 0 (the latest) or a version number")
    if not section_id.strip():
        raise InvalidArgument("section_id", "is required, e.g. channel_plan")
    return history, version, section_id.strip()


def instruction_text(value: str) -> str:
    check_storable("instruction", value)
    if len(value) > MAX_FEEDBACK_CHARS:
        raise InvalidArgument("instruction", f"must be at most {MAX_FEEDBACK_CHARS} characters")
    return value.strip()


def operator_text(markdown: str, note: str) -> tuple[str, str]:
    check_storable("markdown", markdown)
    check_storable("note", note)
    if not markdown.strip():
        raise InvalidArgument("markdown", "must not be empty (to remove a section's text, write why instead)")
    if len(markdown) > MAX_SECTION_CHARS:
        raise InvalidArgument("markdown", f"must be at most {MAX_SECTION_CHARS} characters")
    if len(note) > 2_000:
        raise InvalidArgument("note", "must be at most 2,000 characters")
    return markdown, note.strip()
