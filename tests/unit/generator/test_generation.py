"""The report use case alone, against in-memory ports: scoping, learning states, fallbacks, cancellation."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from aicmo.memory.v1 import memory_service_pb2 as mpb
from aicmo.memory.v1 import report_archive_pb2 as rpb

from services.common.domain_errors import Cancelled, DeadlineExceeded, InvalidArgument, NotFound
from services.generator.domain.brief import Brief
from services.generator.domain.packages import get_package
from services.generator.service_layer.generation import (
    Completed,
    GenerationConfig,
    GenerationRequest,
    LearningState,
    Report,
    ReportGenerator,
    RetrievalState,
    SectionDone,
    client_key,
    learned_item_id,
)
from tests.unit.generator.fakes import TOO_SLOW, UNAVAILABLE, FakeMemory, FakeQueue, FakeWriter

BRIEF = Brief(client_name="Northwind Coffee Co.", brand_name="Northwind", industry="Coffee",
              objectives="grow subscriptions by 30%", budget="$60,000", timeline="8 weeks")  # fmt: skip
OWN = client_key(BRIEF.client_name)
QUICK = get_package("quick_social_basic")


def run(generator: ReportGenerator, request: GenerationRequest | None = None, *, seconds: float = 30.0,
        cancelled: threading.Event | None = None) -> Report:  # fmt: skip
    request = request or GenerationRequest(brief=BRIEF, package=QUICK)
    flag = cancelled or threading.Event()
    events = list(generator.generate(request, time.monotonic() + seconds, flag.is_set))
    last = events[-1]
    assert isinstance(last, Completed)
    return last.report


def make(memory: FakeMemory | None = None, queue: FakeQueue | None = None, writer: FakeWriter | None = None,
         **config: Any) -> ReportGenerator:  # fmt: skip
    return ReportGenerator(
        memory=memory or FakeMemory(),
        spool=queue or FakeQueue(),
        llm=writer,
        config=GenerationConfig(**config),
    )


def test_a_report_is_recorded_under_ids_known_in_advance() -> None:
    queue = FakeQueue()
    report = run(make(queue=queue), GenerationRequest(brief=BRIEF, package=QUICK, report_id="r-1"))
    assert report.learning_state is LearningState.RECORDED and report.retrieval_state is RetrievalState.DONE
    assert report.learned_item_id == learned_item_id("r-1")
    (batch,) = queue.delivered
    ids = [r.item_id for r in batch.requests]
    assert ids == [learned_item_id("r-1"), *(learned_item_id("r-1", s.id) for s in QUICK.sections)]
    assert all(r.item.scope == mpb.SCOPE_CLIENT and r.item.client_id == OWN for r in batch.requests)
    assert all(r.item.parent_id == learned_item_id("r-1") for r in batch.requests[1:])
    assert all(r.HasField("work_start_time") for r in batch.requests)


def test_memory_not_taking_the_batch_leaves_it_queued() -> None:
    queue = FakeQueue(accept=False)
    report = run(make(queue=queue))
    assert report.learning_state is LearningState.QUEUED and queue.nudges == 1
    assert report.learned_item_id  # rateable once delivered


@pytest.mark.parametrize(
    ("failure", "state"),
    [(TOO_SLOW, RetrievalState.SKIPPED_SLOW), (UNAVAILABLE, RetrievalState.SKIPPED_UNAVAILABLE)],
)
def test_retrieval_failures_degrade_to_a_report_without_learning(
    failure: Exception, state: RetrievalState
) -> None:
    report = run(make(FakeMemory(failure=failure)))
    assert report.retrieval_state is state and report.learning_detail
    assert len(report.sections) == len(QUICK.sections) and not any(s.learned_from for s in report.sections)


def test_no_time_left_skips_retrieval() -> None:
    memory = FakeMemory()
    report = run(make(memory, retrieval_budget=0.0))
    assert report.retrieval_state is RetrievalState.SKIPPED_NO_TIME and not memory.searches


def test_learning_off_neither_retrieves_nor_learns_but_the_report_joins_its_history() -> None:
    memory, queue = FakeMemory(), FakeQueue()
    report = run(make(memory, queue), GenerationRequest(brief=BRIEF, package=QUICK, use_learning=False))
    assert report.learning_state is LearningState.OFF and report.retrieval_state is RetrievalState.OFF
    assert not memory.searches and report.learned_item_id == ""
    (batch,) = queue.delivered
    assert not batch.requests and batch.report_version.history_id == report.history_id == report.report_id
    assert all(not s.learned_item_id for s in batch.report_version.sections)


def test_retrieval_asks_for_the_clients_scope() -> None:
    memory = FakeMemory()
    run(make(memory))
    assert memory.searches[0].for_client_id == OWN


def test_another_clients_item_is_never_used_even_if_memory_returned_it() -> None:
    memory = FakeMemory(scope_in_query=False)  # a memory that forgot to scope
    memory.add(
        "Rival Co's secret launch plan with #RivalHashtag.", client_id="rival-co", section_id="overview"
    )
    own = memory.add("Northwind's tasting nights drove first orders in Seattle.", client_id=OWN,
                     section_id="overview")  # fmt: skip
    library = memory.add("A library playbook for coffee subscriptions with sampling events.",
                         section_id="overview")  # fmt: skip
    report = run(make(memory))
    overview = next(s for s in report.sections if s.spec.id == "overview")
    assert {e.item_id for e in overview.learned_from} == {own, library}
    assert "Rival" not in report.markdown and "#RivalHashtag" not in report.markdown


def test_the_report_text_carries_no_provenance() -> None:
    memory = FakeMemory()
    memory.add("- Tasting nights in Seattle drove a third of first orders for the brand.", client_id=OWN,
               section_id="overview", rating="gold")  # fmt: skip
    report = run(make(memory))
    assert "tasting nights" in report.markdown.lower()
    for word in ("similarity", "rated gold", "overview example", "item-1"):
        assert word not in report.markdown.lower()


def test_failing_model_sections_fall_back_and_the_report_is_mixed() -> None:
    writer = FakeWriter(failing={"overview"})
    report = run(make(writer=writer))
    modes = {s.spec.id: s.mode for s in report.sections}
    assert modes["overview"] == "offline" and modes["hashtag_strategy"] == "llm"
    assert report.generation_mode == "mixed"
    assert any("overview" in w for w in report.warnings)


def test_a_cancelled_caller_stops_the_generation_and_nothing_is_recorded() -> None:
    writer = FakeWriter(delay=0.5)
    queue = FakeQueue()
    generator = make(queue=queue, writer=writer, llm_concurrency=1)
    cancelled = threading.Event()
    request = GenerationRequest(brief=BRIEF, package=QUICK)
    events = generator.generate(request, time.monotonic() + 60, cancelled.is_set)
    next(events)  # Started
    threading.Timer(0.2, cancelled.set).start()
    with pytest.raises(Cancelled):
        for event in events:
            assert not isinstance(event, SectionDone) or event.index < len(QUICK.sections)
    assert len(writer.calls) < len(QUICK.sections), "queued model calls were not started"
    assert not queue.queued
    generator.close()


def test_a_deadline_already_past_is_refused() -> None:
    with pytest.raises(DeadlineExceeded):
        next(make().generate(GenerationRequest(brief=BRIEF, package=QUICK), time.monotonic() - 1))


def archived(memory: FakeMemory, queue: FakeQueue) -> ReportGenerator:
    queue.memory = memory
    return make(memory, queue)


def test_versions_of_a_report_share_its_history() -> None:
    memory, queue = FakeMemory(), FakeQueue()
    generator = archived(memory, queue)
    first = run(generator)
    refined = run(generator, GenerationRequest(brief=BRIEF, package=QUICK, stage="refine", feedback="Bolder.",
                                               history_id=first.history_id))  # fmt: skip
    assert first.history_id == first.report_id and refined.history_id == first.history_id
    history = memory.versions[first.history_id]
    assert [(v.version, v.stage, v.origin) for v in history] == [
        (1, rpb.VERSION_STAGE_DRAFT, rpb.VERSION_ORIGIN_GENERATED),
        (2, rpb.VERSION_STAGE_REFINE, rpb.VERSION_ORIGIN_GENERATED),
    ]
    assert history[1].note == "Bolder." and history[0].brief["brand_name"] == "Northwind"


def test_regenerating_one_section_makes_the_next_version_and_keeps_the_others() -> None:
    memory, queue = FakeMemory(), FakeQueue()
    generator = archived(memory, queue)
    first = run(generator)
    redone = generator.rework_section(first.history_id, 0, "hashtag_strategy", time.monotonic() + 30,
                                      instruction="Make it shorter please.")  # fmt: skip
    before = {s.spec.id: s.markdown for s in first.sections}
    after = {s.spec.id: s.markdown for s in redone.sections}
    assert after["hashtag_strategy"] != before["hashtag_strategy"]
    assert {k: v for k, v in after.items() if k != "hashtag_strategy"} == {
        k: v for k, v in before.items() if k != "hashtag_strategy"
    }
    latest = memory.versions[first.history_id][-1]
    assert latest.version == 2 and latest.origin == rpb.VERSION_ORIGIN_SECTION_REGENERATED
    assert [s.section_id for s in latest.sections if s.changed] == ["hashtag_strategy"]
    assert latest.note == "Make it shorter please." and "Make it shorter" not in latest.markdown


def test_an_operator_edit_is_the_next_version_and_is_what_gets_learned() -> None:
    memory, queue = FakeMemory(), FakeQueue()
    generator = archived(memory, queue)
    first = run(generator)
    text = "Our own words: lead every post with the Seattle roastery's morning ritual."
    edited = generator.rework_section(first.history_id, 1, "overview", time.monotonic() + 30,
                                      operator_markdown=text, note="client's wording")  # fmt: skip
    overview = next(s for s in edited.sections if s.spec.id == "overview")
    assert overview.markdown == text and overview.mode == "operator" and text in edited.markdown
    learned = queue.delivered[-1].requests
    section_item = next(r for r in learned if r.item.section_id == "overview")
    assert section_item.item.text == text and section_item.item_id == learned_item_id(
        edited.report_id, "overview"
    )
    latest = memory.versions[first.history_id][-1]
    assert latest.origin == rpb.VERSION_ORIGIN_SECTION_EDITED and latest.note == "client's wording"
    assert (
        next(s for s in latest.sections if s.section_id == "overview").author == rpb.SECTION_AUTHOR_OPERATOR
    )


def test_reworking_an_unknown_section_or_report_is_refused() -> None:
    memory, queue = FakeMemory(), FakeQueue()
    generator = archived(memory, queue)
    first = run(generator)
    with pytest.raises(InvalidArgument):
        generator.rework_section(first.history_id, 0, "no_such_section", time.monotonic() + 30)
    with pytest.raises(NotFound):
        generator.rework_section("00000000-0000-4000-8000-000000000000", 0, "overview", time.monotonic() + 30)
