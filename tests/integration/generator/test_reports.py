"""Complete reports for every package, through the real generator and memory services."""

from __future__ import annotations

import re

import pytest
from aicmo.generator.v1 import generator_service_pb2 as pb
from aicmo.memory.v1 import memory_service_pb2 as mpb
from google.protobuf import struct_pb2

from services.generator.domain.packages import PACKAGES
from tests.integration.generator.conftest import Stack, T, brief, generate_request

FLAGSHIP = [
    "overview", "campaign_objective", "core_campaign_idea", "messaging_framework", "channel_plan",
    "audience_segments", "persona_cards", "creative_direction", "influencer_strategy", "promotions_and_offers",
    "detailed_30_day_calendar", "email_and_crm_flows", "ad_concepts", "kpi_and_budget_plan",
    "execution_roadmap", "post_campaign_analysis", "final_summary",
]  # fmt: skip
PLACEHOLDERS = re.compile(
    r"not yet implemented|\bTBD\b|\bTODO\b|lorem ipsum|\[insert|\[placeholder|\{[a-z_]+\}", re.IGNORECASE
)


def assert_complete(report: pb.GenerateReportResponse) -> None:
    package = PACKAGES[report.package_key]
    assert [s.id for s in report.sections] == [s.id for s in package.sections]
    for section in report.sections:
        assert len(section.markdown.split()) >= 60, f"{section.id} is too thin"
        assert not PLACEHOLDERS.search(section.markdown), f"{section.id} holds placeholder text"
        assert f"## {section.title}" in report.report_markdown
    assert not PLACEHOLDERS.search(report.report_markdown)


def test_flagship_report_has_17_complete_sections(stack: Stack) -> None:
    report = stack.generator.GenerateReport(generate_request(), timeout=T)
    assert [s.id for s in report.sections] == FLAGSHIP
    assert_complete(report)
    assert report.package_label == "Strategy + Campaign Pack (Standard)"
    assert report.generation_mode == "offline"
    assert report.learning_status == "recorded"
    assert "Northwind Roasters" in report.report_markdown
    calendar = next(s for s in report.sections if s.id == "detailed_30_day_calendar").markdown
    assert "Mon 2 Mar 2026" in calendar and "Tue 31 Mar 2026" in calendar
    assert {"retrieve_ms", "compose_ms", "record_ms", "total_ms"} <= set(report.timings)


@pytest.mark.parametrize("package_key", [k for k in PACKAGES if k != "strategy_campaign_standard"])
def test_every_other_package_is_complete(stack: Stack, package_key: str) -> None:
    report = stack.generator.GenerateReport(generate_request(package_key, use_learning=False), timeout=T)
    assert_complete(report)
    assert report.learning_status == "skipped"


def test_package_label_is_accepted_as_key(stack: Stack) -> None:
    report = stack.generator.GenerateReport(
        generate_request("Quick Social Pack (Basic)", use_learning=False), timeout=T
    )
    assert report.package_key == "quick_social_basic" and len(report.sections) == 10


def test_brief_with_dates_and_metadata_end_to_end(stack: Stack) -> None:
    metadata = struct_pb2.Struct()
    metadata.update({"campaign_start": "2026-04-01", "stores": 12, "flags": {"retail": True}})
    report = stack.generator.GenerateReport(
        generate_request(client_brief=brief(launch_date="2026-04-06", metadata=metadata)), timeout=T
    )
    assert_complete(report)
    assert report.learning_status == "recorded"
    items = stack.memory.ListItems(mpb.ListItemsRequest(kind="full_report"), timeout=T)
    stored = items.items[0]
    assert stored.metadata["launch_date"] == "2026-04-06"
    assert stored.metadata["brief"]["stores"] == "12"
    assert all(
        stored.metadata["services"][name] for name in ("marketing_plan", "creatives", "include_agency_grade")
    )


def test_list_packages(stack: Stack) -> None:
    packages = stack.generator.ListPackages(pb.ListPackagesRequest(), timeout=T).packages
    counts = {p.key: p.section_count for p in packages}
    assert counts == {
        "strategy_campaign_standard": 17, "quick_social_basic": 10, "full_funnel_growth_suite": 21,
        "launch_gtm_pack": 18, "brand_turnaround_lab": 18, "retention_crm_booster": 14,
        "performance_audit_revamp": 15,
    }  # fmt: skip
    assert all(len(p.sections) == p.section_count and p.label for p in packages)


def test_streaming_reports_progress_in_order(stack: Stack) -> None:
    events = list(
        stack.generator.StreamGenerateReport(
            pb.StreamGenerateReportRequest(request=generate_request()), timeout=T
        )
    )
    kinds = [e.WhichOneof("event") for e in events]
    assert kinds[0] == "started" and kinds[-1] == "completed"
    assert kinds[1:-1] == ["section_completed"] * 17
    assert [s.id for s in events[0].started.sections] == FLAGSHIP
    assert [e.section_completed.index for e in events[1:-1]] == list(range(1, 18))
    assert events[-1].completed.report_id == events[0].started.report_id


def test_refinement_changes_the_report(stack: Stack) -> None:
    first = stack.generator.GenerateReport(generate_request(use_learning=False), timeout=T)
    refined = stack.generator.GenerateReport(
        generate_request(
            use_learning=False,
            stage="refine",
            feedback="Put more weight on TikTok and make the budget leaner",
            previous_draft=first.report_markdown,
        ),
        timeout=T,
    )
    assert refined.report_markdown != first.report_markdown
    assert "TikTok" in refined.report_markdown
    # What changed is told to the operator, not written into the client's report.
    assert any(s.revision_notes for s in refined.sections)
    assert "Put more weight on TikTok" not in refined.report_markdown
    assert any("TikTok" in line for line in refined.refine_applied)
    assert any("give the new total" in line for line in refined.refine_unapplied)  # "leaner" has no figure
    assert refined.understood_brief.brand_name == "Northwind Roasters"


def test_health_reports_all_components(stack: Stack) -> None:
    health = stack.generator.CheckHealth(pb.CheckHealthRequest(), timeout=T)
    assert health.status == "SERVING"
    assert [(c.name, c.status) for c in health.components] == [
        ("generator", "SERVING"), ("memory", "SERVING"), ("database", "SERVING")
    ]  # fmt: skip


def test_understand_brief_over_grpc(stack: Stack) -> None:
    understood = stack.generator.UnderstandBrief(
        pb.UnderstandBriefRequest(
            client_brief=brief(
                raw_brief_text="We compete with Blue Bottle and Stumptown. All creative in English. No TikTok."
            )
        ),
        timeout=T,
    ).understood_brief
    assert understood.budget.amount == 60_000 and understood.budget.currency_code == "USD"
    assert [c.name for c in understood.competitors] == ["Blue Bottle", "Stumptown"]
    assert list(understood.rules.excluded_channels) == ["TikTok"]
    assert understood.objectives[0].as_stated == "grow subscriptions by 30% and launch a seasonal blend"
    assert understood.language == "English"
