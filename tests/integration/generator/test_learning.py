"""Reports are learned, and a later report for a similar brief is informed by the earlier one."""

from __future__ import annotations

from aicmo.generator.v1 import generator_service_pb2 as pb
from aicmo.memory.v1 import memory_service_pb2 as mpb

from tests.integration.generator.conftest import Stack, T, brief, embedded, generate_request


def test_generated_report_is_learned_and_informs_the_same_clients_next(stack: Stack) -> None:
    first = stack.generator.GenerateReport(generate_request(), timeout=T)
    assert first.learning_status == "recorded"
    assert all(not s.learned_from for s in first.sections)  # nothing learned yet

    summary = stack.memory.GetSummary(mpb.GetSummaryRequest(), timeout=T)
    assert dict(summary.per_kind) == {"full_report": 1, "report_section": 17}
    first_ids = {i.id for i in stack.memory.ListItems(mpb.ListItemsRequest(page_size=100), timeout=T).items}
    assert first.learned_item_id in first_ids
    assert {s.learned_item_id for s in first.sections} <= first_ids

    follow_up = brief(
        objectives="win back lapsed subscribers and launch a holiday gift box",
        raw_brief_text="Northwind wants lapsed subscribers back before the holidays.",
    )
    embedded(stack)  # learning is acknowledged on commit and embedded within seconds
    second = stack.generator.GenerateReport(generate_request(client_brief=follow_up), timeout=T)
    informed = [s for s in second.sections if s.learned_from]
    assert len(informed) >= 10, "most sections should draw on the client's first report"
    used = {lf.item_id for s in informed for lf in s.learned_from}
    assert used <= first_ids
    assert all(lf.source == pb.LEARNING_SOURCE_SAME_CLIENT for s in informed for lf in s.learned_from)
    channel = next(s for s in second.sections if s.id == "channel_plan")
    assert channel.learned_from[0].item_id in first_ids and channel.learned_from[0].similarity >= 0.3
    # The first report's section for the same slot is what informed it.
    stored = stack.memory.GetItem(mpb.GetItemRequest(id=channel.learned_from[0].item_id), timeout=T).item
    assert stored.section_id == "channel_plan" and stored.client_id == "northwind-coffee-co"
    assert channel.learned_from[0].kind == "report_section"

    summary = stack.memory.GetSummary(mpb.GetSummaryRequest(), timeout=T)
    # The second report is learned too; a section written exactly as before deduplicates into the first's.
    assert summary.per_kind["full_report"] == 2 and 17 < summary.per_kind["report_section"] <= 34


def test_same_report_id_is_recorded_once(stack: Stack) -> None:
    report_id = "6f1c2a8e-5b1d-4a53-9a7e-0c7f2f0b9d11"
    for _ in range(2):
        report = stack.generator.GenerateReport(generate_request(report_id=report_id), timeout=T)
        assert report.report_id == report_id and report.learning_status == "recorded"
    summary = stack.memory.GetSummary(mpb.GetSummaryRequest(), timeout=T)
    assert summary.total_items == 18


def test_learning_off_records_nothing(stack: Stack) -> None:
    report = stack.generator.GenerateReport(generate_request(use_learning=False), timeout=T)
    assert report.learning_status == "skipped" and report.learning_state == pb.LEARNING_STATE_OFF
    assert report.retrieval_state == pb.RETRIEVAL_STATE_OFF and not report.learned_item_id
    assert stack.memory.GetSummary(mpb.GetSummaryRequest(), timeout=T).total_items == 0
