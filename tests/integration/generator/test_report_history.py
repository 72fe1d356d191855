"""Reports are resources with versions (real Postgres, real channels): draft -> refine -> regenerated
section -> operator edit, listed per client, each version readable; a forget removes the history too."""

from __future__ import annotations

import grpc
import pytest
from aicmo.generator.v1 import generator_service_pb2 as pb
from aicmo.memory.v1 import memory_service_pb2 as mpb
from aicmo.memory.v1 import report_archive_pb2 as rpb
from aicmo.memory.v1 import report_archive_pb2_grpc as rpb_grpc

from tests.integration.generator.conftest import Stack, T, brief, generate_request


def archive(stack: Stack) -> rpb_grpc.ReportArchiveServiceStub:
    return rpb_grpc.ReportArchiveServiceStub(grpc.insecure_channel(stack.memory_target))


def test_a_report_keeps_its_versions(stack: Stack) -> None:
    reports = archive(stack)
    draft = stack.generator.GenerateReport(generate_request("quick_social_basic"), timeout=T)
    assert draft.history_id == draft.report_id
    refined = stack.generator.GenerateReport(
        generate_request(
            "quick_social_basic",
            report_stage=pb.REPORT_STAGE_REFINE,
            feedback="Make it bolder.",
            previous_draft=draft.report_markdown,
            history_id=draft.history_id,
        ),
        timeout=T,
    )
    assert refined.history_id == draft.history_id and refined.report_id != draft.report_id

    redone = stack.generator.RegenerateSection(
        pb.RegenerateSectionRequest(
            history_id=draft.history_id, section_id="hashtag_strategy", instruction="Make it shorter please."
        ),
        timeout=T,
    ).report
    edited_text = "Lead every post with the roastery's 6 a.m. ritual, in the founder's own words."
    edited = stack.generator.EditSection(
        pb.EditSectionRequest(
            history_id=draft.history_id, section_id="overview", markdown=edited_text, note="client's wording"
        ),
        timeout=T,
    ).report
    assert next(s for s in edited.sections if s.id == "overview").markdown == edited_text
    assert next(s for s in edited.sections if s.id == "overview").written_by == pb.GENERATION_MODE_OPERATOR
    # The edit carries the regenerated section forward.
    assert (
        next(s for s in edited.sections if s.id == "hashtag_strategy").markdown
        == next(s for s in redone.sections if s.id == "hashtag_strategy").markdown
    )

    versions = reports.ListReportVersions(
        rpb.ListReportVersionsRequest(history_id=draft.history_id), timeout=T
    )
    assert [(v.version, v.stage, v.origin) for v in versions.versions] == [
        (1, rpb.VERSION_STAGE_DRAFT, rpb.VERSION_ORIGIN_GENERATED),
        (2, rpb.VERSION_STAGE_REFINE, rpb.VERSION_ORIGIN_GENERATED),
        (3, rpb.VERSION_STAGE_REFINE, rpb.VERSION_ORIGIN_SECTION_REGENERATED),
        (4, rpb.VERSION_STAGE_REFINE, rpb.VERSION_ORIGIN_SECTION_EDITED),
    ]
    assert all(not v.markdown for v in versions.versions)  # the list carries no text
    assert [s.section_id for s in versions.versions[3].sections if s.changed] == ["overview"]

    second = reports.GetReportVersion(
        rpb.GetReportVersionRequest(history_id=draft.history_id, version=2), timeout=T
    )
    assert second.version.markdown == refined.report_markdown
    latest = reports.GetReportVersion(rpb.GetReportVersionRequest(history_id=draft.history_id), timeout=T)
    assert latest.version.version == 4 and edited_text in latest.version.markdown

    # The operator's text is what is learned for that section now.
    learned = stack.memory.GetItem(
        mpb.GetItemRequest(id=next(s for s in edited.sections if s.id == "overview").learned_item_id),
        timeout=T,
    ).item
    assert learned.text == edited_text

    listed = reports.ListReports(rpb.ListReportsRequest(client_id="northwind-coffee-co"), timeout=T)
    assert [(r.history_id, r.latest_version) for r in listed.reports] == [(draft.history_id, 4)]

    stack.memory.ForgetClient(mpb.ForgetClientRequest(client_id="northwind-coffee-co"), timeout=T)
    assert not reports.ListReports(rpb.ListReportsRequest(), timeout=T).reports
    with pytest.raises(grpc.RpcError) as err:
        reports.GetReportVersion(rpb.GetReportVersionRequest(history_id=draft.history_id), timeout=T)
    assert err.value.code() == grpc.StatusCode.NOT_FOUND


def test_a_report_written_with_learning_off_still_joins_its_history(stack: Stack) -> None:
    report = stack.generator.GenerateReport(
        generate_request("quick_social_basic", use_learning=False), timeout=T
    )
    assert report.learning_state == pb.LEARNING_STATE_OFF
    assert stack.memory.GetSummary(mpb.GetSummaryRequest(), timeout=T).total_items == 0
    got = archive(stack).GetReportVersion(
        rpb.GetReportVersionRequest(history_id=report.history_id), timeout=T
    )
    assert got.version.markdown == report.report_markdown
    assert all(not s.learned_item_id for s in got.version.sections)


def test_reports_are_listed_per_client_a_page_at_a_time(stack: Stack) -> None:
    for name in ("Alpha Foods", "Beta Foods", "Alpha Foods"):
        stack.generator.GenerateReport(
            generate_request("quick_social_basic", client_brief=brief(client_name=name, brand_name=name)),
            timeout=T,
        )
    reports = archive(stack)
    first = reports.ListReports(rpb.ListReportsRequest(page_size=2), timeout=T)
    assert len(first.reports) == 2 and first.next_page_token
    rest = reports.ListReports(
        rpb.ListReportsRequest(page_size=2, page_token=first.next_page_token), timeout=T
    )
    assert len(rest.reports) == 1
    alpha = reports.ListReports(rpb.ListReportsRequest(client_id="alpha-foods"), timeout=T)
    assert len(alpha.reports) == 2 and {r.client_name for r in alpha.reports} == {"Alpha Foods"}


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (pb.RegenerateSectionRequest(history_id="nope", section_id="overview"), "history_id"),
        (
            pb.RegenerateSectionRequest(history_id="00000000-0000-4000-8000-000000000000", section_id=""),
            "section_id",
        ),
    ],
)
def test_bad_rework_requests(stack: Stack, request_: pb.RegenerateSectionRequest, field: str) -> None:
    with pytest.raises(grpc.RpcError) as err:
        stack.generator.RegenerateSection(request_, timeout=T)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
