"""ui/labels.py: the operator's words for the contract's values."""

from __future__ import annotations

from google.protobuf.timestamp_pb2 import Timestamp

from ui.contract import gpb, mpb, rpb
from ui.labels import (
    enum_name,
    format_time,
    item_labels,
    kind_label,
    mode_words,
    origin_words,
    plain_preview,
    version_label,
    writers_words,
)


def test_kinds_read_as_labels() -> None:
    assert kind_label("report_section") == "Report section"
    assert kind_label("uploaded_example") == "Uploaded example"
    assert kind_label("full_report") == "Whole report"
    assert kind_label("brand_guide") == "Brand guide"  # a kind this app does not know reads as its words


def test_a_preview_is_what_a_reader_sees_first() -> None:
    report = "# Aegis — Pack\n\n_Prepared for Aegis Ltd_\n\n## Overview\n\nAegis **protects** cloud teams."
    assert plain_preview(report) == "Aegis protects cloud teams."
    assert plain_preview("| Week | Channel |\n|---|---|\n| 1 | Instagram |") == "Week · Channel 1 · Instagram"
    long = plain_preview("word " * 40, limit=30)
    assert long.endswith(" …") and len(long) <= 32
    assert plain_preview("") == ""


def test_items_with_the_same_title_get_different_labels() -> None:
    def report(item_id: str, stage: str, seconds: int) -> mpb.LearningItem:
        item = mpb.LearningItem(id=item_id, kind="full_report", title="Aegis — Pack", client_id="aegis")
        item.create_time.FromSeconds(1_780_000_000 + seconds)
        item.metadata.update({"stage": stage, "client_name": "Aegis Ltd"})
        return item

    labels = item_labels([report("a1", "draft", 0), report("b2", "refine", 0), report("c3", "draft", 90)])
    assert labels["a1"] == "Aegis — Pack · Whole report · Draft · 2026-05-28 20:26:40 UTC · Aegis Ltd"
    assert labels["b2"] == "Aegis — Pack · Whole report · Refined · 2026-05-28 20:26:40 UTC · Aegis Ltd"
    assert labels["c3"].endswith("20:28:10 UTC · Aegis Ltd")
    # Only when everything ties (the same second) does a short id tell them apart.
    tied = item_labels([report("aaaaaa-1", "draft", 0), report("bbbbbb-2", "draft", 0)])
    assert sorted(tied.values()) == [
        "Aegis — Pack · Whole report · Draft · 2026-05-28 20:26:40 UTC · Aegis Ltd · #aaaaaa",
        "Aegis — Pack · Whole report · Draft · 2026-05-28 20:26:40 UTC · Aegis Ltd · #bbbbbb",
    ]


def test_times_and_enum_values_from_a_newer_contract() -> None:
    assert format_time(Timestamp()) == ""
    stamp = Timestamp()
    stamp.FromJsonString("2026-05-01T12:34:56.789Z")
    assert format_time(stamp) == "2026-05-01 12:34:56 UTC"
    assert format_time(stamp, seconds=False) == "2026-05-01 12:34 UTC"
    assert format_time("2026-05-01T14:34:56+02:00") == "2026-05-01 12:34:56 UTC"
    assert mode_words(gpb.GENERATION_MODE_LLM) == "the language model"
    assert mode_words(99) == "AICMO"  # type: ignore[arg-type]
    assert enum_name(gpb.LearningState, gpb.LEARNING_STATE_QUEUED) == "LEARNING_STATE_QUEUED"
    assert enum_name(gpb.LearningState, 99) == "99"


def test_versions_say_how_they_came_about() -> None:
    def version(
        number: int, stage: rpb.VersionStage.ValueType, origin: rpb.VersionOrigin.ValueType, *changed: str
    ) -> rpb.ReportVersion:
        return rpb.ReportVersion(
            version=number,
            stage=stage,
            origin=origin,
            sections=[
                rpb.ArchivedSection(section_id=i, title=i.replace("_", " ").title(), changed=i in changed)
                for i in ("overview", "channel_plan")
            ],
        )

    draft, refine = rpb.VERSION_STAGE_DRAFT, rpb.VERSION_STAGE_REFINE
    generated = rpb.VERSION_ORIGIN_GENERATED
    assert origin_words(version(1, draft, generated, "overview", "channel_plan")) == "Written by AICMO"
    assert origin_words(version(3, draft, generated)) == "Written again by AICMO"
    assert origin_words(version(2, refine, generated)) == "Refined with feedback"
    assert origin_words(version(4, rpb.VERSION_STAGE_FINAL, generated)) == "Final version written"
    edited = version(2, draft, rpb.VERSION_ORIGIN_SECTION_EDITED, "channel_plan")
    assert origin_words(edited) == "Section “Channel Plan” edited by hand"
    assert origin_words(version(2, refine, rpb.VERSION_ORIGIN_SECTION_REGENERATED, "overview")) == (
        "Section “Overview” written again"
    )
    edited.create_time.FromJsonString("2026-05-01T12:34:56Z")
    assert (
        version_label(edited)
        == "Version 2 · Draft · Section “Channel Plan” edited by hand · 2026-05-01 12:34 UTC"
    )


def test_who_wrote_a_report_counts_its_sections() -> None:
    offline, operator = gpb.GENERATION_MODE_OFFLINE, gpb.GENERATION_MODE_OPERATOR
    same = gpb.GenerateReportResponse(
        mode=offline, sections=[gpb.ReportSection(written_by=offline), gpb.ReportSection(written_by=offline)]
    )
    assert writers_words(same) == "AICMO's built-in writer"
    mixed = gpb.GenerateReportResponse(
        mode=gpb.GENERATION_MODE_MIXED,
        sections=[gpb.ReportSection(written_by=w) for w in (offline, operator, offline)],
    )
    assert writers_words(mixed) == "AICMO's built-in writer (2 sections) and you (1 section)"
