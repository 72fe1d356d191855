"""Per-section work where the report is shown (write a section again with an instruction, edit its text),
refinements that join the report's history, and the History tab (reports per client, versions, open,
download, compare), under Streamlit's AppTest against the fake gateway."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import docx
import pytest
from pypdf import PdfReader
from streamlit.delta_generator import DeltaGenerator
from streamlit.testing.v1 import AppTest

from tests.ui.apptest_support import alerts, fill_brief, new_app, run, table_with, texts
from tests.ui.fake_gateway import FakeGateway, running_fake_gateway
from ui import documents
from ui.contract import gpb, rpb
from ui.history_tab import compare_sections, side_by_side, unified_diff

STREAM = "/api/aicmo/generate_report/stream"


@pytest.fixture
def fake() -> Iterator[FakeGateway]:
    with running_fake_gateway() as server:
        yield server


def generate(at: AppTest, **brief: Any) -> AppTest:
    fill_brief(at, **{"client": "Northwind Coffee Co.", "brand": "Northwind", **brief})
    at.button(key="gen_submit").click()
    return run(at)


def refine(at: AppTest, feedback: str) -> AppTest:
    at.text_area(key="gen_feedback").input(feedback)
    at.button(key="gen_refine").click()
    return run(at)


def regenerate_section(at: AppTest, section_id: str, instruction: str) -> AppTest:
    at.text_area(key=f"gen_sec_instruction_{section_id}").input(instruction)
    at.button(key=f"gen_sec_regenerate_{section_id}").click()
    return run(at)


def version_caption(at: AppTest) -> str:
    found = [str(c.value) for c in at.caption if str(c.value).startswith("Version ")]
    assert found, [c.value for c in at.caption]
    return found[0]


def report_markdown(at: AppTest) -> list[str]:
    """The report as shown in the Generate tab: its heading and each "## Section" block."""
    return [str(m.value) for m in at.markdown if str(m.value).startswith(("# Northwind", "## "))]


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, tuple[Any, str]]:
    """What each download button (by key) would hand the browser, and its file name. AppTest has no media
    server to fetch a download from, so the buttons' data is caught as the app passes it."""
    caught: dict[str, tuple[Any, str]] = {}
    original = DeltaGenerator.download_button

    def spy(self: DeltaGenerator, label: str, data: Any, *args: Any, **kwargs: Any) -> bool:
        caught[str(kwargs.get("key"))] = (data, str(kwargs.get("file_name")))
        return original(self, label, data, *args, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", spy)
    return caught


def downloaded(downloads: dict[str, tuple[Any, str]], key: str) -> tuple[bytes, str]:
    """The file a download button gives (the PDF and Word files are made when clicked), and its name."""
    data, name = downloads[key]
    made = data() if callable(data) else data
    return (made if isinstance(made, bytes) else str(made).encode()), name


def test_refine_joins_the_reports_history(monkeypatch: pytest.MonkeyPatch, fake: FakeGateway) -> None:
    at = generate(run(new_app(monkeypatch, fake.url)))
    draft = fake.completed[-1]
    assert version_caption(at).startswith("Version 1 of this report · Written by AICMO.")
    assert at.download_button(key="gen_download_pdf").proto.label == "Download PDF"

    refine(at, "Make it more premium")
    sent = fake.calls("POST", STREAM)[1].body
    assert (sent["history_id"], sent["report_stage"]) == (draft.history_id, "REPORT_STAGE_REFINE")
    refined = fake.completed[-1]
    assert refined.history_id == draft.history_id and refined.report_id != draft.report_id
    assert version_caption(at).startswith("Version 2 of this report · Refined with feedback.")
    assert [(v.version, v.report_id, v.note) for v in fake.versions(draft.history_id)] == [
        (1, draft.report_id, ""),
        (2, refined.report_id, "Make it more premium"),
    ]

    # A new brief starts a new report (its own history).
    generate(at, client="Acme Roasters", brand="Acme")
    assert "history_id" not in fake.calls("POST", STREAM)[2].body
    assert version_caption(at).startswith("Version 1 of this report")
    assert len(fake.histories) == 2


def test_regenerate_one_section_with_an_instruction(
    monkeypatch: pytest.MonkeyPatch, fake: FakeGateway
) -> None:
    at = generate(run(new_app(monkeypatch, fake.url)))
    draft = fake.completed[-1]
    # Each section has its tools under it: rate, write again with an instruction, edit.
    for section in draft.sections:
        assert at.button(key=f"gen_sec_regenerate_{section.id}").label == "Write this section again"
        assert at.button(key=f"gen_sec_edit_{section.id}").label == "Edit text"

    regenerate_section(at, "audience_segments", "Focus on night-shift nurses")
    path = f"/api/aicmo/reports/{draft.history_id}/sections/audience_segments/regenerate"
    assert [c.body for c in fake.calls("POST", path)] == [
        {"version": 1, "instruction": "Focus on night-shift nurses"}
    ]
    new = fake.completed[-1]
    assert new.history_id == draft.history_id
    shown = report_markdown(at)
    assert (
        "## Audience Segments\n\nNorthwind plan for audience segments, written again. Instruction: Focus on "
        in ("\n".join(shown))
    )
    # The other sections are as they were.
    assert f"## Overview\n\n{draft.sections[0].markdown}" in shown
    assert f"## Final Summary\n\n{draft.sections[2].markdown}" in shown
    # "Focus on …" reads as centring the plan on an event, and no event of that name has a date: the app
    # says the section was written again and that the instruction was not applied, never a plain success.
    said = alerts(at, "warning")
    assert any(
        "Wrote “Audience Segments” again: this is version 2 of the report. The other sections are unchanged."
        in s
        and "Not applied:" in s
        for s in said
    ), said
    assert not any("Wrote “Audience Segments” again" in s for s in alerts(at, "success"))
    assert version_caption(at).startswith(
        "Version 2 of this report · Section “Audience Segments” written again."
    )
    assert "Written again in this version." in texts(at)
    # The section controls start afresh for the new version; the revision note is for the operator only.
    assert at.text_area(key="gen_sec_instruction_audience_segments").value == ""
    assert "Applied the instruction: Focus on night-shift nurses" in texts(at)
    assert not any("Applied the instruction" in m for m in report_markdown(at))

    # The new version's sections can be rated (by the ids the new version names).
    target = new.sections[1]
    at.button(key="gen_sec_rate_audience_segments").click()
    run(at)
    rated = fake.item(target.learned_item_id)
    assert rated is not None and "night-shift nurses" in rated.text

    # A second rewrite starts from version 2.
    regenerate_section(at, "overview", "")
    path = f"/api/aicmo/reports/{draft.history_id}/sections/overview/regenerate"
    assert [c.body for c in fake.calls("POST", path)] == [{"version": 2}]
    assert any("Wrote “Overview” again: this is version 3 of the report." in s for s in alerts(at, "success"))


def test_edit_a_sections_text_and_save_it_as_the_next_version(
    monkeypatch: pytest.MonkeyPatch, fake: FakeGateway
) -> None:
    at = generate(run(new_app(monkeypatch, fake.url)))
    draft = fake.completed[-1]
    at.button(key="gen_sec_edit_final_summary").click()
    run(at)
    # The section's text, in place, ready to edit.
    editor = at.text_area(key="gen_sec_text_final_summary")
    assert editor.value == draft.sections[2].markdown

    # Nothing changed, or nothing left: said, and nothing saved.
    at.button(key="gen_sec_save_final_summary").click()
    run(at)
    assert any("Nothing changed" in i for i in alerts(at, "info"))
    at.text_area(key="gen_sec_text_final_summary").input("  ")
    at.button(key="gen_sec_save_final_summary").click()
    run(at)
    assert any("The text is empty" in w for w in alerts(at, "warning"))
    path = f"/api/aicmo/reports/{draft.history_id}/sections/final_summary/edit"
    assert fake.calls("POST", path) == []

    ours = "Northwind wins commuters with **one promise**: great coffee before 7 am.\n\n- Launch in March"
    at.text_area(key="gen_sec_text_final_summary").input(ours)
    at.text_input(key="gen_sec_edit_note_final_summary").input("Sharper promise")
    at.button(key="gen_sec_save_final_summary").click()
    run(at)
    assert [c.body for c in fake.calls("POST", path)] == [
        {"version": 1, "markdown": ours, "note": "Sharper promise"}
    ]
    said = alerts(at, "success")
    assert any(
        "Saved your text for “Final Summary” as version 2 of the report. Your text is what AICMO learns for this "
        "section from now on, and what a gold rating keeps." in s
        for s in said
    ), said
    assert f"## Final Summary\n\n{ours}" in report_markdown(at)
    assert "Your text: this is what AICMO learns for this section" in texts(at)
    caption = next(str(c.value) for c in at.caption if str(c.value).startswith("Written by"))
    assert caption.startswith("Written by AICMO's built-in writer (2 sections) and you (1 section) · Draft")
    assert version_caption(at).startswith(
        "Version 2 of this report · Section “Final Summary” edited by hand."
    )
    # The editor is closed; what is learned for the section is the operator's text.
    assert not [t for t in at.text_area if t.key == "gen_sec_text_final_summary"]
    learned = fake.item(fake.completed[-1].sections[2].learned_item_id)
    assert learned is not None and learned.text == ours

    # Cancel leaves the section as it is.
    at.button(key="gen_sec_edit_overview").click()
    run(at)
    at.text_area(key="gen_sec_text_overview").input("Something else")
    at.button(key="gen_sec_cancel_overview").click()
    run(at)
    assert f"## Overview\n\n{draft.sections[0].markdown}" in report_markdown(at)
    assert len(fake.versions(draft.history_id)) == 2


def test_section_work_on_a_report_still_waiting_to_be_learned_says_to_wait(
    monkeypatch: pytest.MonkeyPatch, fake: FakeGateway
) -> None:
    fake.learning_state = gpb.LEARNING_STATE_QUEUED
    at = generate(run(new_app(monkeypatch, fake.url)))
    assert "This version joins the report's history (the History tab) once AICMO has learned it." in texts(at)
    regenerate_section(at, "overview", "Shorter")
    path = f"/api/aicmo/reports/{fake.completed[-1].history_id}/sections/overview/regenerate"
    assert fake.calls("POST", path) == []  # nothing is built on another version by mistake
    warnings = alerts(at, "warning")
    assert any("still waiting to be learned" in w and "Try again in a moment" in w for w in warnings), (
        warnings
    )
    # What was typed is kept, to try again.
    assert at.text_area(key="gen_sec_instruction_overview").value == "Shorter"

    # Once learned (the queue delivered), the same works.
    fake.learning_state = None
    fake.deliver(fake.queue[0])
    at.button(key="gen_sec_regenerate_overview").click()
    run(at)
    assert any("this is version 2 of the report" in s for s in alerts(at, "success")), alerts(at, "warning")


def test_history_lists_opens_compares_and_downloads_versions(
    monkeypatch: pytest.MonkeyPatch, fake: FakeGateway, downloads: dict[str, tuple[Any, str]]
) -> None:
    at = run(new_app(monkeypatch, fake.url))
    assert "No reports yet: generate one first." in texts(at)
    generate(at)
    history_id = fake.completed[-1].history_id
    refine(at, "Make it more premium")
    regenerate_section(at, "audience_segments", "Focus on night-shift nurses")
    generate(at, client="Acme Roasters", brand="Acme")

    # Reports, most recently changed first, with their latest version.
    reports = table_with(at, "Versions")
    assert list(reports["Report"]) == [
        "Acme — Quick Social Pack (Basic)",
        "Northwind — Quick Social Pack (Basic)",
    ]
    assert list(reports["Client"]) == ["Acme Roasters", "Northwind Coffee Co."]
    assert list(reports["Versions"]) == [1, 3]
    assert list(reports["Latest"]) == ["Draft", "Refined"]
    # One client's reports.
    at.text_input(key="hist_client").input("Northwind Coffee Co.")
    run(at)
    assert list(table_with(at, "Versions")["Report"]) == ["Northwind — Quick Social Pack (Basic)"]
    assert fake.calls("GET", "/api/reports")[-1].query["client_id"] == ["northwind-coffee-co"]

    # Its versions: number, stage, what happened in words, note, when.
    at.selectbox(key="hist_report").select(history_id)
    run(at)
    versions = table_with(at, "What happened")
    assert list(versions["Version"]) == [3, 2, 1]
    assert list(versions["Stage"]) == ["Refined", "Refined", "Draft"]
    assert list(versions["What happened"]) == [
        "Section “Audience Segments” written again",
        "Refined with feedback",
        "Written by AICMO",
    ]
    assert list(versions["Note"]) == ["Focus on night-shift nurses", "Make it more premium", ""]
    assert all(saved.endswith("UTC") for saved in versions["Saved"])

    # Open version 1: its text, and its downloads dated the day it was saved.
    assert at.selectbox(key="hist_open_version").value == 3
    at.selectbox(key="hist_open_version").select(1)
    run(at)
    first = fake.versions(history_id)[0]
    assert any(str(m.value) == first.markdown.strip() for m in at.markdown)
    assert at.download_button(key="hist_download_pdf").proto.label == "Download PDF"
    pdf, name = downloaded(downloads, "hist_download_pdf")
    assert name == "aicmo-northwind-quick_social_basic-v1.pdf" and pdf.startswith(b"%PDF")
    cover = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    saved = documents.format_date(first.create_time.ToDatetime().date())
    assert saved in cover and "Northwind Coffee Co." in cover
    word, name = downloaded(downloads, "hist_download_docx")
    assert name.endswith("-v1.docx")
    assert any(saved in p.text for p in docx.Document(io.BytesIO(word)).paragraphs)
    assert downloaded(downloads, "hist_download_md") == (
        first.markdown.encode(),
        "aicmo-northwind-quick_social_basic-v1.md",
    )

    # Compare: by default the latest with the one before: one section changed, shown as a diff.
    assert (at.selectbox(key="hist_compare_from").value, at.selectbox(key="hist_compare_to").value) == (2, 3)
    page = texts(at)
    assert "1 of 3 sections changed** between version 2 and version 3: “Audience Segments”." in page
    changes = table_with(at, "Change")
    assert list(changes["Change"]) == ["unchanged", "changed", "unchanged"]
    diff = "\n".join(str(c.value) for c in at.code)
    assert "--- Version 2\n+++ Version 3" in diff
    assert (
        "-Northwind plan for audience segments (refine). Revised for feedback: Make it more premium" in diff
    )
    assert (
        "+Northwind plan for audience segments, written again. Instruction: Focus on night-shift nurses"
        in diff
    )
    # Side by side.
    at.radio(key="hist_diff_style").set_value("Side by side")
    run(at)
    html = "\n".join(str(h.proto.body) for h in at.get("html"))
    assert "Version 2" in html and "Version 3" in html and "night-shift nurses" in html
    # Version 1 against version 3: every section changed.
    at.selectbox(key="hist_compare_from").select(1)
    run(at)
    assert "3 of 3 sections changed** between version 1 and version 3" in texts(at)


def test_show_in_history_opens_the_report_there(monkeypatch: pytest.MonkeyPatch, fake: FakeGateway) -> None:
    at = generate(run(new_app(monkeypatch, fake.url)))
    history_id = fake.completed[-1].history_id
    at.button(key="gen_show_history").click()
    run(at)
    assert at.selectbox(key="hist_report").value == history_id
    assert any("open in the History tab" in i for i in alerts(at, "info"))
    assert list(table_with(at, "What happened")["Version"]) == [1]
    assert "There is only one version so far" in texts(at)


def test_history_pages_through_many_reports(monkeypatch: pytest.MonkeyPatch, fake: FakeGateway) -> None:
    for n in range(12):
        fake.generate(
            gpb.GenerateReportRequest(
                client_brief=gpb.ClientBrief(client_name=f"Client {n:02d}", brand_name=f"Brand {n:02d}"),
                package_key="quick_social_basic",
            )
        )
    at = run(new_app(monkeypatch, fake.url))
    first = table_with(at, "Versions")
    assert len(first) == 10 and first["Client"][0] == "Client 11"
    at.button(key="hist_next").click()
    run(at)
    assert list(table_with(at, "Versions")["Client"]) == ["Client 01", "Client 00"]
    assert at.button(key="hist_next").disabled
    at.button(key="hist_prev").click()
    run(at)
    assert len(table_with(at, "Versions")) == 10


def test_compare_sections_and_diffs() -> None:
    def version(*sections: tuple[str, str]) -> rpb.ReportVersion:
        return rpb.ReportVersion(
            sections=[rpb.ArchivedSection(section_id=i, title=i.title(), markdown=m) for i, m in sections]
        )

    older = version(("overview", "One.\nTwo."), ("plan", "Plan A"), ("gone", "Old"))
    newer = version(("overview", "One.\nTwo.  \n"), ("plan", "Plan B"), ("new", "Fresh"))
    changes = [(c.section_id, c.change) for c in compare_sections(older, newer)]
    assert changes == [("overview", "unchanged"), ("plan", "changed"), ("new", "added"), ("gone", "removed")]
    diff = unified_diff("Plan A\nKeep", "Plan B\nKeep", "Version 1", "Version 2")
    assert diff.splitlines()[:4] == ["--- Version 1", "+++ Version 2", "@@ -1,2 +1,2 @@", "-Plan A"]
    table = side_by_side("Plan <A>", "Plan <B>", "Version 1", "Version 2")
    assert "Plan &lt;" in table and "<A>" not in table
