"""Writing a report: retrieve what was learned (under a deadline budget), write every section (LLM or
offline composer), assemble, then record the report back into memory (durably, exactly once)."""

from __future__ import annotations

import datetime as dt
import enum
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from typing import Any

from aicmo.memory.v1 import memory_service_pb2 as mpb
from aicmo.memory.v1 import report_archive_pb2 as rpb
from google.protobuf import struct_pb2, timestamp_pb2

from services.common.client_ids import client_key as client_key
from services.common.domain_errors import (
    Cancelled,
    DeadlineExceeded,
    FailedPrecondition,
    InvalidArgument,
    Unavailable,
)
from services.common.observability import metrics
from services.generator.composer.decisions import NO_DECISIONS, Decisions
from services.generator.composer.models import AGENCY_LIBRARY, SAME_CLIENT
from services.generator.composer.offline import (
    Example,
    Refinement,
    compose_section_with_notes,
    report_decisions,
    report_outcome,
    shown_section,
    standing_instructions,
)
from services.generator.domain.brief import Brief
from services.generator.domain.brief_codec import brief_from_dict, brief_to_dict
from services.generator.domain.brief_parser import understand
from services.generator.domain.client_playbook import (
    EMPTY_PLAYBOOK,
    ClientPlaybook,
    EntryKind,
    EntryOrigin,
    PlaybookEntry,
)
from services.generator.domain.learned import PastWorkQuery, SearchHit
from services.generator.domain.packages import Package, SectionSpec, get_package
from services.generator.domain.readers.model_reading import ground
from services.generator.domain.understanding import UnderstoodBrief
from services.generator.service_layer.playbook_records import entry_to_proto
from services.generator.service_layer.ports import (
    BriefReader,
    LearningQueue,
    MemoryPort,
    ReaderFailed,
    RetrievalTooSlow,
    RetrievalUnavailable,
    SectionWriter,
    WriterFailed,
)

log = logging.getLogger(__name__)

RETRIEVAL_TOP_K = 40
RETRIEVED_KINDS = ("report_section", "uploaded_example")
AGENCY_SERVICES = (
    "marketing_plan",
    "campaign_blueprint",
    "social_calendar",
    "creatives",
    "include_agency_grade",
)
EXAMPLES_PER_SECTION = 3
# A report's learning is acknowledged once memory has committed it (durable, deduplicated, forget-checked);
# memory embeds it in the background, searchable within seconds. The report never waits on the model.
ACKNOWLEDGE = mpb.ACKNOWLEDGE_COMMITTED
CANCEL_POLL = 0.25  # how often a waiting generation checks whether its caller went away
# Learned item ids are derived from the report id, so they are known before learning lands.
_LEARNED_ID_NAMESPACE = uuid.UUID("5f0c3e1a-8f7e-4c7e-9a51-6a1c0d2b7e44")


class LearningState(enum.Enum):
    RECORDED = "recorded"  # stored in memory
    QUEUED = "pending"  # durable in the spool, delivered when memory answers
    OFF = "skipped"  # the request turned learning off


class RetrievalState(enum.Enum):
    DONE = "done"
    OFF = "off"
    SKIPPED_SLOW = "skipped_slow"
    SKIPPED_UNAVAILABLE = "skipped_unavailable"
    SKIPPED_NO_TIME = "skipped_no_time"


def learned_item_id(report_id: str, section_id: str = "") -> str:
    """The memory item id of a report (or of one of its sections), chosen here so the operator can rate it
    while its learning is still queued."""
    key = f"report:{report_id}" + (f":section:{section_id}" if section_id else "")
    return str(uuid.uuid5(_LEARNED_ID_NAMESPACE, key))


@dataclass(frozen=True)
class GenerationRequest:
    """A validated request (see entrypoints/convert.py for the checks)."""

    brief: Brief
    package: Package
    stage: str = "draft"
    feedback: str = ""
    previous_draft: str = ""
    use_learning: bool = True
    report_id: str = ""
    # The report history this report joins as its next version; empty starts a new history.
    history_id: str = ""


@dataclass(frozen=True)
class SectionResult:
    spec: SectionSpec
    markdown: str
    learned_from: tuple[Example, ...]
    mode: str  # "offline" | "llm"
    revision_notes: tuple[str, ...] = ()


@dataclass
class Report:
    report_id: str
    package: Package
    sections: list[SectionResult]
    markdown: str
    generation_mode: str
    learning_status: str
    learning_detail: str
    timings: dict[str, float]
    warnings: list[str] = field(default_factory=list)
    learning_state: LearningState = LearningState.OFF
    retrieval_state: RetrievalState = RetrievalState.OFF
    learned_item_id: str = ""  # empty when learning is off
    history_id: str = ""
    refine_applied: tuple[str, ...] = ()  # what the feedback changed in the plan (for the operator)
    refine_unapplied: tuple[str, ...] = ()  # feedback instructions that could not be applied, with the reason
    understood: UnderstoodBrief | None = None  # the brief as understood and used for this report
    playbook_applied: tuple[str, ...] = ()  # what learning decided for it, in words (for the operator)


@dataclass(frozen=True)
class Started:
    report_id: str
    package: Package


@dataclass(frozen=True)
class SectionDone:
    index: int
    total: int
    section: SectionResult


@dataclass(frozen=True)
class Completed:
    report: Report


Event = Started | SectionDone | Completed


@dataclass(frozen=True)
class GenerationConfig:
    retrieval_budget: float = 0.3
    record_budget: float = 2.0
    llm_section_timeout: float = 45.0
    llm_concurrency: int = 4
    retrieval_min_score: float = 0.3
    understanding_timeout: float = 20.0


Cancel = Callable[[], bool]


def _never() -> bool:
    return False


class ReportGenerator:
    """The generator's use case over its ports (memory, learning queue, section writer); gRPC-free."""

    def __init__(
        self,
        *,
        memory: MemoryPort,
        spool: LearningQueue,
        llm: SectionWriter | None = None,
        reader: BriefReader | None = None,
        config: GenerationConfig = GenerationConfig(),
    ) -> None:
        self._memory = memory
        self._spool = spool
        self._llm = llm
        self._reader = reader
        self._config = config
        self._pool = (
            ThreadPoolExecutor(max_workers=config.llm_concurrency, thread_name_prefix="llm") if llm else None
        )

    def read_brief(self, brief: Brief, deadline: float) -> tuple[Brief, list[str]]:
        """The brief with what a language model read from its pasted text, each value grounded in the brief's
        words (model_reading.ground), and what the operator should be told. Without a model, with no pasted
        text, or when the model fails or is slow, the brief is returned as given and the deterministic
        readers do the work."""
        if self._reader is None or not brief.raw_brief_text.strip():
            return brief, []
        timeout = min(self._config.understanding_timeout, (deadline - time.monotonic()) / 3)
        if timeout <= 0.5:
            return brief, ["The brief was read without the language model: there was no time left for it."]
        try:
            answer = self._reader.read(brief, timeout=timeout)
        except ReaderFailed as exc:
            log.warning("the model could not read the brief (%s); reading it without the model", exc)
            return brief, [f"The brief was read without the language model ({exc})."]
        grounding = ground(brief, answer)
        notes = []
        if grounding.dropped:
            log.info("dropped %d model-read value(s) not found in the brief", len(grounding.dropped))
            notes.append(
                "The language model read values that are not in the brief's words; they were not used: "
                + "; ".join(grounding.dropped[:8])
                + "."
            )
        return grounding.brief, notes

    def understand(self, brief: Brief, deadline: float) -> tuple[UnderstoodBrief, list[str]]:
        """The brief as every report would read it, with the operator's notes about the reading."""
        read, notes = self.read_brief(brief, deadline)
        return understand(read), notes

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)

    def generate(
        self, request: GenerationRequest, deadline: float, cancelled: Cancel = _never
    ) -> Iterator[Event]:
        """Yields Started, one SectionDone per section (as each is written) and Completed.

        `deadline` is a time.monotonic() instant; nothing here waits past it. `cancelled` says whether the
        caller went away: then the generation stops (pending model calls are cancelled) and raises
        Cancelled, and nothing is recorded.
        """
        t0 = time.monotonic()
        work_start = dt.datetime.now(dt.UTC)
        if t0 >= deadline:
            raise DeadlineExceeded("the deadline passed before generation started")
        report_id = request.report_id or str(uuid.uuid4())
        package = request.package
        # The time this generation was given (the caller's deadline or the default), for operators to see.
        timings: dict[str, float] = {"deadline_ms": round((deadline - t0) * 1000, 1)}
        warnings: list[str] = []
        yield Started(report_id=report_id, package=package)
        # What is archived and learned is the brief as the operator gave it; the report is written from the
        # brief with what the model read (grounded) added to the fields the operator left empty.
        given = request
        as_read, notes = self.read_brief(request.brief, deadline)
        warnings += notes
        request = replace(request, brief=as_read)

        examples: dict[str, list[Example]] = {}
        decisions = NO_DECISIONS
        learning_detail = ""
        retrieval_state = RetrievalState.OFF
        if request.use_learning:
            t = time.monotonic()
            examples, retrieval_state, learning_detail = self._retrieve(request, deadline)
            playbook, playbook_note = self._playbook(request, deadline)
            decisions = report_decisions(request.brief, package, playbook, examples)
            learning_detail = " ".join(d for d in (learning_detail, playbook_note, _applied(decisions)) if d)
            timings["retrieve_ms"] = _ms(t)

        t = time.monotonic()
        previous = split_report(request.previous_draft)
        results: dict[str, SectionResult] = {}
        for done, result in enumerate(
            self._write_sections(request, examples, decisions, previous, deadline, warnings, cancelled), 1
        ):
            if cancelled():
                raise Cancelled("the caller went away; the report was not finished or learned")
            results[result.spec.id] = result
            yield SectionDone(index=done, total=len(package.sections), section=result)
        timings["compose_ms"] = _ms(t)
        sections = [results[s.id] for s in package.sections]
        modes = {s.mode for s in sections}
        generation_mode = modes.pop() if len(modes) == 1 else "mixed"
        markdown = assemble(request, sections)

        history_id = request.history_id or report_id
        archive = ArchiveEntry(history_id=history_id, origin="generated", note=request.feedback[:500])
        outcome = report_outcome(
            request.brief, package, Refinement(stage=request.stage, feedback=request.feedback), decisions
        )
        entries = standing_entries(
            given, report_id, history_id, "", request.feedback, EntryOrigin.REFINE_FEEDBACK
        )
        t = time.monotonic()
        learning_state, record_detail = self._record(
            given, report_id, sections, markdown, generation_mode, deadline, work_start, archive, entries
        )
        timings["record_ms"] = _ms(t)
        if request.use_learning:
            learning_detail = " ".join(d for d in (learning_detail, record_detail) if d)
        else:
            learning_detail = (
                "Learning was turned off for this report: past work was not used and it will not be learned."
            )
        timings["total_ms"] = _ms(t0)
        _observe(timings, generation_mode, learning_state, retrieval_state)
        yield Completed(
            Report(
                playbook_applied=decisions.applied,
                refine_applied=outcome.applied,
                refine_unapplied=outcome.unapplied,
                understood=outcome.understood,
                history_id=history_id,
                report_id=report_id,
                package=package,
                sections=sections,
                markdown=markdown,
                generation_mode=generation_mode,
                learning_status=learning_state.value,
                learning_detail=learning_detail,
                timings=timings,
                warnings=warnings,
                learning_state=learning_state,
                retrieval_state=retrieval_state,
                learned_item_id=learned_item_id(report_id) if request.use_learning else "",
            )
        )

    # -- one section at a time -------------------------------------------------------------------------
    def rework_section(
        self,
        history_id: str,
        version: int,
        section_id: str,
        deadline: float,
        *,
        instruction: str = "",
        operator_markdown: str | None = None,
        note: str = "",
    ) -> Report:
        """The report's next version with one section written again (with the instruction), or replaced by
        the operator's text (`operator_markdown`). The other sections stay as they were; the new version is
        learned like a report (unchanged sections deduplicate) and archived with its history."""
        t0 = time.monotonic()
        work_start = dt.datetime.now(dt.UTC)
        try:
            base = self._memory.report_version(history_id, version, timeout=min(5.0, (deadline - t0) / 2))
        except (RetrievalTooSlow, RetrievalUnavailable):
            raise Unavailable(
                "The report archive cannot be reached right now, so this report cannot be changed; try again "
                "in a moment."
            ) from None
        brief = brief_from_dict(base.brief) if base.brief is not None else None
        if brief is None or not base.package_key:
            raise FailedPrecondition("this version was archived without its brief, so it cannot be reworked")
        package = get_package(base.package_key)
        spec = next((s for s in package.sections if s.id == section_id), None)
        if spec is None:
            raise InvalidArgument("section_id", f"the package has no section {section_id[:64]!r}")
        stage = base.stage
        report_id = str(uuid.uuid4())
        request = GenerationRequest(
            brief=brief, package=package, stage=stage, report_id=report_id, history_id=base.history_id
        )
        old = {s.section_id: s for s in base.sections}
        timings: dict[str, float] = {"deadline_ms": round((deadline - t0) * 1000, 1)}
        applied: tuple[str, ...] = ()
        unapplied: tuple[str, ...] = ()
        if operator_markdown is not None:
            redone = SectionResult(
                spec=spec, markdown=operator_markdown.strip(), learned_from=(), mode="operator"
            )
            origin, retrieval_state = "section_edited", RetrievalState.OFF
            entries = [edit_entry(request, base.version, spec.id, redone.markdown, note)]
        else:
            t = time.monotonic()
            examples, retrieval_state, _detail = self._retrieve(request, deadline)
            playbook, _note = self._playbook(request, deadline)
            decisions = report_decisions(brief, package, playbook, examples)
            timings["retrieve_ms"] = _ms(t)
            previous = old[spec.id].markdown if spec.id in old else ""
            refinement = Refinement(stage="refine", feedback=instruction, previous_draft=previous)
            outcome = report_outcome(brief, package, refinement, decisions)
            applied, unapplied = outcome.applied, outcome.unapplied
            entries = standing_entries(
                request, report_id, base.history_id, spec.id, instruction, EntryOrigin.INSTRUCTION
            )
            found = tuple(examples.get(spec.id, ()))
            body, notes = compose_section_with_notes(spec, brief, package, found, refinement, decisions)
            mode = "offline"
            if self._llm is not None:
                timeout = min(self._config.llm_section_timeout, deadline - time.monotonic() - 2.0)
                try:
                    if timeout <= 0:
                        raise WriterFailed("no time left in the deadline")
                    body = self._llm.write_section(
                        spec, brief, package, found, refinement, timeout=timeout, decisions=decisions
                    )
                    mode = "llm"
                except WriterFailed as exc:
                    log.warning("LLM failed for section %s (%s); using the offline composer", spec.id, exc)
                    metrics.LLM_CALLS.labels("fallback").inc()
            redone = SectionResult(
                spec=spec, markdown=body, learned_from=found, mode=mode, revision_notes=tuple(notes)
            )
            origin = "section_regenerated"
        sections = [
            redone
            if s.id == spec.id
            else SectionResult(
                spec=s,
                markdown=old[s.id].markdown if s.id in old else "",
                learned_from=(),
                mode=old[s.id].author if s.id in old else "offline",
            )
            for s in package.sections
        ]
        markdown = assemble(request, sections)
        archive = ArchiveEntry(
            history_id=base.history_id,
            origin=origin,
            note=(note or instruction)[:500],
            changed=frozenset({spec.id}),
        )
        t = time.monotonic()
        learning_state, detail = self._record(
            request, report_id, sections, markdown, "offline", deadline, work_start, archive, entries
        )
        timings["record_ms"] = _ms(t)
        timings["total_ms"] = _ms(t0)
        modes = {s.mode for s in sections}
        return Report(
            report_id=report_id,
            package=package,
            sections=sections,
            markdown=markdown,
            generation_mode=modes.pop() if len(modes) == 1 else "mixed",
            learning_status=learning_state.value,
            learning_detail=detail,
            timings=timings,
            learning_state=learning_state,
            retrieval_state=retrieval_state,
            learned_item_id=learned_item_id(report_id),
            history_id=base.history_id,
            refine_applied=applied,
            refine_unapplied=unapplied,
        )

    # -- retrieval -------------------------------------------------------------------------------------
    def _retrieve(
        self, request: GenerationRequest, deadline: float
    ) -> tuple[dict[str, list[Example]], RetrievalState, str]:
        """This client's past work and the agency library, never another client's: the scope is part of
        the memory query (for_client_id), and group_examples re-checks it."""
        # Never more than half of what is left: the report itself must still be written in time.
        budget = min((deadline - time.monotonic()) / 2, self._config.retrieval_budget)
        if budget <= 0:
            return (
                {},
                RetrievalState.SKIPPED_NO_TIME,
                "Past learning was not used: the time allowed for this report left none to look it up.",
            )
        query = brief_query(request.brief, request.package)
        client_id = client_key(request.brief.client_name)
        try:
            results = self._memory.search(
                PastWorkQuery(
                    text=query,
                    top_k=RETRIEVAL_TOP_K,
                    min_score=self._config.retrieval_min_score,
                    # Whole reports are large and never quoted (their sections are): leave them out.
                    kinds=RETRIEVED_KINDS,
                    for_client_id=client_id,
                ),
                timeout=budget,
            )
        except RetrievalTooSlow:
            log.warning("retrieval skipped: memory was too slow")
            return (
                {},
                RetrievalState.SKIPPED_SLOW,
                "Past learning was not used: the learning service was too slow to answer "
                f"(limit {budget * 1000:.0f} ms). Retry with learning when the system is less busy.",
            )
        except RetrievalUnavailable:
            log.warning("retrieval skipped: memory was unavailable")
            return (
                {},
                RetrievalState.SKIPPED_UNAVAILABLE,
                "Past learning was not used: the learning service could not be reached. Retry with learning "
                "once it is back.",
            )
        return group_examples(results, request.package, client_id), RetrievalState.DONE, ""

    def _playbook(self, request: GenerationRequest, deadline: float) -> tuple[ClientPlaybook, str]:
        """The client's playbook (with the agency-wide one), or an empty one and what the operator should
        know when memory is slow or down: the report is still written, without the playbook."""
        budget = min((deadline - time.monotonic()) / 3, self._config.retrieval_budget)
        if budget <= 0:
            return EMPTY_PLAYBOOK, "The client playbook was not used: no time was left to read it."
        try:
            return self._memory.playbook(client_key(request.brief.client_name), timeout=budget), ""
        except (RetrievalTooSlow, RetrievalUnavailable) as exc:
            log.warning("playbook skipped: %s", exc)
            return (
                EMPTY_PLAYBOOK,
                "The client playbook was not used: the learning service did not answer in time. Retry with "
                "learning when it is back.",
            )

    # -- writing ---------------------------------------------------------------------------------------
    def _write_sections(
        self,
        request: GenerationRequest,
        examples: dict[str, list[Example]],
        decisions: Decisions,
        previous: dict[str, str],
        deadline: float,
        warnings: list[str],
        cancelled: Cancel,
    ) -> Iterator[SectionResult]:
        def offline(spec: SectionSpec) -> SectionResult:
            found = tuple(examples.get(spec.id, ()))
            body, notes = compose_section_with_notes(
                spec, request.brief, request.package, found, _refinement(request, spec, previous), decisions
            )
            return SectionResult(
                spec=shown_section(spec, request.brief, request.package),
                markdown=body,
                learned_from=found,
                mode="offline",
                revision_notes=tuple(notes),
            )

        if self._llm is None or self._pool is None:
            for spec in request.package.sections:
                yield offline(spec)
            return

        llm = self._llm
        # Keep time in hand to fall back, assemble and record before the caller's deadline.
        remaining = deadline - time.monotonic()
        llm_deadline = deadline - min(2.0, 0.2 * remaining)

        def with_llm(spec: SectionSpec) -> SectionResult:
            found = tuple(examples.get(spec.id, ()))
            timeout = min(self._config.llm_section_timeout, llm_deadline - time.monotonic())
            if timeout <= 0:
                raise WriterFailed("no time left in the deadline")
            body = llm.write_section(
                spec,
                request.brief,
                request.package,
                found,
                _refinement(request, spec, previous),
                timeout=timeout,
                decisions=decisions,
            )
            return SectionResult(
                spec=shown_section(spec, request.brief, request.package),
                markdown=body,
                learned_from=found,
                mode="llm",
            )

        futures: dict[Future[SectionResult], SectionSpec] = {
            self._pool.submit(with_llm, spec): spec for spec in request.package.sections
        }
        pending = set(futures)
        while pending:
            # Wake at least every CANCEL_POLL seconds to notice a caller that went away.
            done, pending = wait(
                pending,
                timeout=min(max(llm_deadline - time.monotonic(), 0.01), CANCEL_POLL),
                return_when=FIRST_COMPLETED,
            )
            if cancelled():
                for future in pending:
                    future.cancel()  # queued model calls never start; running ones end at their timeout
                raise Cancelled("the caller went away; the report was not finished or learned")
            if not done and time.monotonic() < llm_deadline:
                continue
            if not done:  # the whole deadline is spent: every remaining section falls back at once
                for future in pending:
                    future.cancel()
                    spec = futures[future]
                    warnings.append(
                        f"section '{spec.id}' fell back to the offline composer: the deadline passed"
                    )
                    yield offline(spec)
                return
            for future in done:
                spec = futures[future]
                try:
                    yield future.result()
                except Exception as exc:
                    log.warning("LLM failed for section %s (%s); using the offline composer", spec.id, exc)
                    metrics.LLM_CALLS.labels("fallback").inc()
                    warnings.append(f"section '{spec.id}' fell back to the offline composer: {exc}")
                    yield offline(spec)

    # -- recording -------------------------------------------------------------------------------------
    def _record(
        self,
        request: GenerationRequest,
        report_id: str,
        sections: Sequence[SectionResult],
        markdown: str,
        mode: str,
        deadline: float,
        work_start: dt.datetime,
        archive: ArchiveEntry,
        entries: Sequence[PlaybookEntry] = (),
    ) -> tuple[LearningState, str]:
        """Queues the report's learning (when on) and its archived version durably, then tries to deliver
        within the record budget. With learning off only the version is queued, and the state says OFF."""
        if request.use_learning:
            batch = learning_batch(request, report_id, sections, markdown, mode, work_start)
            batch.playbook_entries.extend(entry_to_proto(e) for e in entries)
        else:
            batch = mpb.BatchRecordItemsRequest()
        batch.report_version.CopyFrom(archived_version(request, report_id, sections, markdown, archive))
        batch.report_version_work_start_time.FromDatetime(work_start)
        path = self._spool.enqueue(batch, report_id)
        remaining = deadline - time.monotonic()
        budget = min(self._config.record_budget, remaining - max(0.1, 0.1 * remaining))
        delivered = budget > 0 and self._spool.deliver(path, timeout=budget)
        if not delivered:
            self._spool.nudge()
        if not request.use_learning:
            return LearningState.OFF, ""
        if delivered:
            return LearningState.RECORDED, ""
        return (
            LearningState.QUEUED,
            "This report is saved and will be learned as soon as the learning service catches up; "
            "nothing is lost. Ratings work once it is learned.",
        )


@dataclass(frozen=True)
class ArchiveEntry:
    """How a report version joins its history."""

    history_id: str
    origin: str  # "generated", "section_edited", "section_regenerated"
    note: str = ""
    changed: frozenset[str] | None = None  # section ids this version changed; None: all of them


_VERSION_STAGE = {
    "draft": rpb.VERSION_STAGE_DRAFT,
    "refine": rpb.VERSION_STAGE_REFINE,
    "final": rpb.VERSION_STAGE_FINAL,
}
_VERSION_ORIGIN = {
    "generated": rpb.VERSION_ORIGIN_GENERATED,
    "section_edited": rpb.VERSION_ORIGIN_SECTION_EDITED,
    "section_regenerated": rpb.VERSION_ORIGIN_SECTION_REGENERATED,
}
_AUTHOR = {
    "offline": rpb.SECTION_AUTHOR_OFFLINE_COMPOSER,
    "llm": rpb.SECTION_AUTHOR_LANGUAGE_MODEL,
    "operator": rpb.SECTION_AUTHOR_OPERATOR,
}


def archived_version(
    request: GenerationRequest,
    report_id: str,
    sections: Sequence[SectionResult],
    markdown: str,
    archive: ArchiveEntry,
) -> rpb.ReportVersion:
    """The report as a version of its history (the brief travels along, so sections can be redone later)."""
    brief = struct_pb2.Struct()
    brief.update(brief_to_dict(request.brief))
    learning = request.use_learning
    return rpb.ReportVersion(
        history_id=archive.history_id,
        report_id=report_id,
        client_id=client_key(request.brief.client_name),
        client_name=request.brief.client_name,
        brand_name=request.brief.brand_name,
        package_key=request.package.key,
        package_label=request.package.label,
        stage=_VERSION_STAGE.get(request.stage, rpb.VERSION_STAGE_DRAFT),
        origin=_VERSION_ORIGIN[archive.origin],
        note=archive.note,
        markdown=markdown,
        sections=[
            rpb.ArchivedSection(
                section_id=s.spec.id,
                title=s.spec.title,
                markdown=s.markdown,
                learned_item_id=learned_item_id(report_id, s.spec.id) if learning else "",
                changed=archive.changed is None or s.spec.id in archive.changed,
                author=_AUTHOR.get(s.mode, rpb.SECTION_AUTHOR_UNSPECIFIED),
            )
            for s in sections
        ],
        brief=brief,
    )


def _observe(
    timings: dict[str, float], mode: str, learning: LearningState, retrieval: RetrievalState
) -> None:
    for stage in ("retrieve", "compose", "record", "total"):
        if f"{stage}_ms" in timings:
            metrics.GENERATION_STAGE_SECONDS.labels(stage, mode).observe(timings[f"{stage}_ms"] / 1000)
    metrics.LEARNING_OUTCOMES.labels(learning.name.lower()).inc()
    if retrieval not in (RetrievalState.DONE, RetrievalState.OFF):
        metrics.RETRIEVAL_SKIPPED.labels(retrieval.value.removeprefix("skipped_")).inc()


def _ms(start: float) -> float:
    return round((time.monotonic() - start) * 1000, 3)


def _refinement(request: GenerationRequest, spec: SectionSpec, previous: dict[str, str]) -> Refinement:
    return Refinement(
        stage=request.stage,
        feedback=request.feedback,
        previous_draft=previous.get(spec.title, previous.get(spec.id, "")),
    )


def brief_query(brief: Brief, package: Package) -> str:
    """The text whose embedding finds past work for this brief."""
    parts = [
        brief.brand_name,
        brief.industry,
        brief.product_service,
        brief.audience,
        brief.objectives,
        brief.geography,
        package.label,
        brief.raw_brief_text[:600],
    ]
    return " | ".join(p for p in parts if p)


def group_examples(
    results: Sequence[SearchHit], package: Package, client_id: str
) -> dict[str, list[Example]]:
    """Past sections go to the same section of the new report; examples without a section inform the
    section named in their tags, else the overview. Only the client's own items and the agency library
    qualify (memory already scoped the search; this is the second lock on the same door)."""
    ids = {s.id for s in package.sections}
    grouped: dict[str, list[Example]] = {}
    for result in results:
        item = result.item
        if item.agency:
            source = AGENCY_LIBRARY
        elif item.client_id == client_id:
            source = SAME_CLIENT
        else:
            log.error("memory returned another client's item %s for a report; it was not used", item.id)
            continue
        target = item.section_id if item.section_id in ids else ""
        if not target and not item.section_id:
            target = next((t for t in item.tags if t in ids), package.sections[0].id)
        if not target:
            continue
        bucket = grouped.setdefault(target, [])
        if len(bucket) < EXAMPLES_PER_SECTION:
            bucket.append(
                Example(
                    item_id=item.id,
                    title=item.title,
                    text=item.text,
                    score=float(result.score),
                    rating=item.rating,
                    section_id=item.section_id,
                    client_id=item.client_id,
                    kind=item.kind,
                    source=source,
                    similarity=float(result.similarity),
                )
            )
    return grouped


_HEADING = re.compile(r"^## (.+?)\s*$", re.MULTILINE)


def split_report(markdown: str) -> dict[str, str]:
    """A previous report's sections by title (for refinement), from its '## Title' headings."""
    if not markdown.strip():
        return {}
    matches = list(_HEADING.finditer(markdown))
    if not matches:
        return {"": markdown}
    out: dict[str, str] = {}
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(markdown)
        out[m.group(1).strip()] = markdown[m.end() : end].strip()
    return out


def assemble(request: GenerationRequest, sections: Sequence[SectionResult]) -> str:
    """The client's deliverable: title, who it is for, the sections. No internal notes or provenance."""
    brief = request.brief
    lines = [
        f"# {brief.brand_name} — {request.package.label}",
        "",
        f"_Prepared for {brief.client_name}_",
        "",
    ]
    for section in sections:
        lines += [f"## {section.spec.title}", "", section.markdown.strip(), ""]
    return "\n".join(lines)


def learning_batch(
    request: GenerationRequest,
    report_id: str,
    sections: Sequence[SectionResult],
    markdown: str,
    mode: str,
    work_start: dt.datetime,
) -> mpb.BatchRecordItemsRequest:
    """The report and its sections as learning items of the client (scope CLIENT), under ids chosen here
    (learned_item_id), stamped with when the work started so a forget in the meantime discards them."""
    brief, package = request.brief, request.package
    metadata = struct_pb2.Struct()
    metadata.update(
        {
            "report_id": report_id,
            "history_id": request.history_id or report_id,
            "brand_name": brief.brand_name,
            "client_name": brief.client_name,
            "stage": request.stage,
            "generation_mode": mode,
            # Choosing a package turns every agency-grade service on, whatever the request's flags said.
            "services": {name: True for name in AGENCY_SERVICES},
            "launch_date": brief.launch_date.isoformat() if brief.launch_date else "",
            "brief": {k: v for k, v in brief.metadata.items()},
        }
    )
    common: dict[str, Any] = {
        "client_id": client_key(brief.client_name),
        "industry": brief.industry,
        "package_key": package.key,
        "source": "generator",
        "metadata": metadata,
        "scope": mpb.SCOPE_CLIENT,
    }
    started = timestamp_pb2.Timestamp()
    started.FromDatetime(work_start)
    report_item = learned_item_id(report_id)
    requests = [
        mpb.RecordItemRequest(
            item=mpb.LearningItem(
                kind="full_report", title=f"{brief.brand_name} — {package.label}", text=markdown, **common
            ),
            idempotency_key=f"report:{report_id}",
            item_id=report_item,
            work_start_time=started,
            acknowledge=ACKNOWLEDGE,
        )
    ]
    for section in sections:
        requests.append(
            mpb.RecordItemRequest(
                item=mpb.LearningItem(
                    kind="report_section",
                    title=f"{section.spec.title} — {brief.brand_name}",
                    text=section.markdown,
                    section_id=section.spec.id,
                    tags=[section.spec.id, request.stage],
                    parent_id=report_item,
                    **common,
                ),
                idempotency_key=f"report:{report_id}:section:{section.spec.id}",
                item_id=learned_item_id(report_id, section.spec.id),
                work_start_time=started,
                acknowledge=ACKNOWLEDGE,
            )
        )
    return mpb.BatchRecordItemsRequest(requests=requests)


# ----- what a report's work adds to the client's playbook -------------------------------------------------

_PLAYBOOK_NAMESPACE = uuid.UUID("0b6f2d4e-3c1a-4f57-8e2b-9d7a5c3e1f60")


def _entry_id(*parts: str) -> str:
    return str(uuid.uuid5(_PLAYBOOK_NAMESPACE, "\x1f".join(parts)))


def edit_entry(
    request: GenerationRequest, version: int, section_id: str, text: str, note: str
) -> PlaybookEntry:
    """An operator's edit of a section: the approved text that section builds on from now on."""
    client_id = client_key(request.brief.client_name)
    return PlaybookEntry(
        id=_entry_id(client_id, request.history_id, request.report_id, section_id, "edit"),
        kind=EntryKind.APPROVED_TEXT,
        text=text[:20_000],
        section_id=section_id,
        client_id=client_id,
        origin=EntryOrigin.EDIT,
        history_id=request.history_id,
        report_id=request.report_id,
        report_version=version,
        note=note[:500],
    )


def standing_entries(
    request: GenerationRequest,
    report_id: str,
    history_id: str,
    section_id: str,
    feedback: str,
    origin: EntryOrigin,
) -> list[PlaybookEntry]:
    """The instructions of an operator's feedback that changed the plan's decisions and were applied, each
    as a standing instruction for the client's later reports (one that could not be applied is not kept)."""
    if not feedback.strip():
        return []
    client_id = client_key(request.brief.client_name)
    return [
        PlaybookEntry(
            id=_entry_id(client_id, history_id, report_id, section_id, part),
            kind=EntryKind.STANDING_INSTRUCTION,
            text=part[:2000],
            section_id=section_id,
            client_id=client_id,
            origin=origin,
            history_id=history_id,
            report_id=report_id,
        )
        for part in standing_instructions(request.brief, request.package, feedback)
    ]


def _applied(decisions: Decisions) -> str:
    """What the report took from learning, in words for the operator (never in the report itself)."""
    if not decisions.applied:
        return ""
    return "From the client playbook and past work: " + "; ".join(decisions.applied) + "."
