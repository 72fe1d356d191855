"""Per-section work where the report is shown (write a section again with an instruction, edit its text),
refinements that join the report's history, and the History tab (reports per client, versions, open,
download, compare), under Streamlit's AppTest against the real stack (each test with clients of its own)."""

from __future__ import annotations

import io
from typing import Any

import docx
import pytest
from pypdf import PdfReader
from streamlit.delta_generator import DeltaGenerator
from streamlit.testing.v1 import AppTest

from services.common.client_ids import client_key
from tests.e2e.stack import StackProcess
from tests.ui.apptest_support import (
    alerts,
    fill_brief,
    item,
    new_app,
    reports_of,
    run,
    section_text,
    table_with,
    texts,
    unique,
    versions_of,
)
from tests.ui.outage import Outage
from ui import documents
from ui.contract import rpb
from ui.history_tab import compare_sections, side_by_side, unified_diff


def generate(at: AppTest, client: str, brand: str = "Northwind", **brief: Any) -> AppTest:
    fill_brief(at, client=client, brand=brand, **brief)
    at.button(key="gen_submit").click()
    run(at)
    assert not at.error, alerts(at, "error")
    return at


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


def report_markdown(at: AppTest, brand: str = "Northwind") -> list[str]:
    """The report as shown in the Generate tab: its heading and each "## Section" block."""
    return [str(m.value) for m in at.markdown if str(m.value).startswith((f"# {brand}", "## "))]


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


def test_refine_joins_the_reports_history(
    monkeypatch: pytest.MonkeyPatch, running_stack: StackProcess
) -> None:
    client = unique("Northwind Coffee Co.")
    at = generate(run(new_app(monkeypatch, running_stack.gateway_url)), client)
    assert version_caption(at).startswith("Version 1 of this report · Written by AICMO.")
    assert at.download_button(key="gen_download_pdf").proto.label == "Download PDF"
    [report] = reports_of(running_stack, client)

    refine(at, "Make it more premium")
    assert not at.error, alerts(at, "error")
    assert version_caption(at).startswith("Version 2 of this report · Refined with feedback.")
    versions = versions_of(running_stack, report["history_id"])
    assert [(v.version, v.stage, v.note) for v in versions] == [
        (1, rpb.VERSION_STAGE_DRAFT, ""),
        (2, rpb.VERSION_STAGE_REFINE, "Make it more premium"),
    ]
    assert versions[0].report_id != versions[1].report_id

    # A new brief starts a new report (its own history).
    other = unique("Acme Roasters")
    generate(at, other, brand="Acme")
    assert version_caption(at).startswith("Version 1 of this report")
    assert len(reports_of(running_stack, other)) == 1
    assert [r["latest_version"] for r in reports_of(running_stack, client)] == [2]


def test_regenerate_one_section_with_an_instruction(
    monkeypatch: pytest.MonkeyPatch, running_stack: StackProcess
) -> None:
    client = unique("Northwind Coffee Co.")
    at = generate(run(new_app(monkeypatch, running_stack.gateway_url)), client)
    [report] = reports_of(running_stack, client)
    history_id = report["history_id"]
    [draft] = versions_of(running_stack, history_id)
    ids = [s.section_id for s in draft.sections]
    assert len(ids) >= 3 and "audience_segments" in ids
    # Each section has its tools under it: rate, write again with an instruction, edit.
    for section_id in ids:
        assert at.button(key=f"gen_sec_regenerate_{section_id}").label == "Write this section again"
        assert at.button(key=f"gen_sec_edit_{section_id}").label == "Edit text"

    regenerate_section(at, "audience_segments", "Focus on night-shift nurses")
    assert not at.error, alerts(at, "error")
    first, second = versions_of(running_stack, history_id)
    assert (second.origin, second.note) == (
        rpb.VERSION_ORIGIN_SECTION_REGENERATED,
        "Focus on night-shift nurses",
    )
    assert [s.section_id for s in second.sections if s.changed] == ["audience_segments"]
    shown = report_markdown(at)
    title = next(s.title for s in second.sections if s.section_id == "audience_segments")
    assert f"## {title}\n\n{section_text(second, 'audience_segments')}".strip() in "\n".join(shown)
    # The other sections are as they were.
    for section in first.sections:
        if section.section_id != "audience_segments":
            assert section_text(second, section.section_id) == section.markdown
    # "Focus on …" reads as centring the plan on an event, and no event of that name has a date: the app
    # says the section was written again and that the instruction was not applied, never a plain success.
    said = alerts(at, "warning")
    assert any(
        f"Wrote “{title}” again: this is version 2 of the report. The other sections are unchanged." in s
        and "Not applied:" in s
        for s in said
    ), said
    assert not any(f"Wrote “{title}” again" in s for s in alerts(at, "success"))
    assert version_caption(at).startswith(f"Version 2 of this report · Section “{title}” written again.")
    assert "Written again in this version." in texts(at)
    # The section controls start afresh for the new version.
    assert at.text_area(key="gen_sec_instruction_audience_segments").value == ""

    # The new version's sections can be rated (by the ids the new version names).
    target = next(s for s in second.sections if s.section_id == "audience_segments")
    at.radio(key="gen_sec_rating_audience_segments").set_value(1)  # RATING_GOLD
    at.button(key="gen_sec_rate_audience_segments").click()
    run(at)
    assert not at.error, alerts(at, "error")
    assert item(running_stack, target.learned_item_id)["rating"] == "gold"

    # A second rewrite starts from version 2.
    regenerate_section(at, "overview", "")
    assert any(
        "Wrote “Overview” again: this is version 3 of the report." in s for s in alerts(at, "success")
    ), alerts(at, "success") + alerts(at, "warning")
    third = versions_of(running_stack, history_id)[2]
    assert section_text(third, "audience_segments") == section_text(second, "audience_segments")


def test_edit_a_sections_text_and_save_it_as_the_next_version(
    monkeypatch: pytest.MonkeyPatch, running_stack: StackProcess
) -> None:
    client = unique("Northwind Coffee Co.")
    at = generate(run(new_app(monkeypatch, running_stack.gateway_url)), client)
    history_id = reports_of(running_stack, client)[0]["history_id"]
    [draft] = versions_of(running_stack, history_id)
    at.button(key="gen_sec_edit_final_summary").click()
    run(at)
    # The section's text, in place, ready to edit.
    editor = at.text_area(key="gen_sec_text_final_summary")
    assert editor.value == section_text(draft, "final_summary")

    # Nothing changed, or nothing left: said, and nothing saved.
    at.button(key="gen_sec_save_final_summary").click()
    run(at)
    assert any("Nothing changed" in i for i in alerts(at, "info"))
    at.text_area(key="gen_sec_text_final_summary").input("  ")
    at.button(key="gen_sec_save_final_summary").click()
    run(at)
    assert any("The text is empty" in w for w in alerts(at, "warning"))
    assert len(versions_of(running_stack, history_id)) == 1

    ours = "Northwind wins commuters with **one promise**: great coffee before 7 am.\n\n- Launch in March"
    at.text_area(key="gen_sec_text_final_summary").input(ours)
    at.text_input(key="gen_sec_edit_note_final_summary").input("Sharper promise")
    at.button(key="gen_sec_save_final_summary").click()
    run(at)
    said = alerts(at, "success")
    assert any(
        "Saved your text for “Final Summary” as version 2 of the report. Your text is what AICMO learns for this "
        "section from now on, and what a gold rating keeps." in s
        for s in said
    ), said
    _, edited = versions_of(running_stack, history_id)
    assert (edited.origin, edited.note) == (rpb.VERSION_ORIGIN_SECTION_EDITED, "Sharper promise")
    assert section_text(edited, "final_summary") == ours
    assert f"## Final Summary\n\n{ours}" in report_markdown(at)
    assert "Your text: this is what AICMO learns for this section" in texts(at)
    others = len(edited.sections) - 1
    caption = next(str(c.value) for c in at.caption if str(c.value).startswith("Written by"))
    assert caption.startswith(
        f"Written by AICMO's built-in writer ({others} sections) and you (1 section) · Draft"
    )
    assert version_caption(at).startswith(
        "Version 2 of this report · Section “Final Summary” edited by hand."
    )
    # The editor is closed; what is learned for the section is the operator's text.
    assert not [t for t in at.text_area if t.key == "gen_sec_text_final_summary"]
    learned = next(s for s in edited.sections if s.section_id == "final_summary")
    assert item(running_stack, learned.learned_item_id)["text"] == ours

    # Cancel leaves the section as it is.
    at.button(key="gen_sec_edit_overview").click()
    run(at)
    at.text_area(key="gen_sec_text_overview").input("Something else")
    at.button(key="gen_sec_cancel_overview").click()
    run(at)
    assert f"## Overview\n\n{section_text(draft, 'overview')}".strip() in "\n".join(report_markdown(at))
    assert len(versions_of(running_stack, history_id)) == 2


def test_section_work_on_a_report_still_waiting_to_be_learned_says_to_wait(
    monkeypatch: pytest.MonkeyPatch, outage: Outage
) -> None:
    """Memory is out of the generator's reach: the report is written, its learning waits in the spool."""
    client = unique("Northwind Coffee Co.")
    at = run(new_app(monkeypatch, outage.gateway_url))
    outage.link.cut()
    generate(at, client)
    assert "This version joins the report's history (the History tab) once AICMO has learned it." in texts(at)
    regenerate_section(at, "overview", "Shorter")
    warnings = alerts(at, "warning")
    assert any("still waiting to be learned" in w and "Try again in a moment" in w for w in warnings), (
        warnings
    )
    assert reports_of(outage.stack, client) == []  # nothing is built on another version by mistake
    # What was typed is kept, to try again.
    assert at.text_area(key="gen_sec_instruction_overview").value == "Shorter"

    # Once learned (memory is back and the queue delivered), the same works.
    outage.memory_back()
    outage.deliver_queued(client_key(client))
    at.button(key="gen_sec_regenerate_overview").click()
    run(at)
    assert any("this is version 2 of the report" in s for s in alerts(at, "success")), alerts(at, "warning")


def test_history_lists_opens_compares_and_downloads_versions(
    monkeypatch: pytest.MonkeyPatch, running_stack: StackProcess, downloads: dict[str, tuple[Any, str]]
) -> None:
    client, other = unique("Northwind Coffee Co."), unique("Acme Roasters")
    at = run(new_app(monkeypatch, running_stack.gateway_url))
    at.text_input(key="hist_client").input(client)
    run(at)
    assert f"No reports for client `{client_key(client)}` yet." in texts(at)
    generate(at, client)
    history_id = reports_of(running_stack, client)[0]["history_id"]
    refine(at, "Make it more premium")
    regenerate_section(at, "audience_segments", "Make it shorter and warmer")
    generate(at, other, brand="Acme")

    # Reports, most recently changed first, with their latest version (here the two clients' only).
    at.text_input(key="hist_client").input("")
    run(at)
    reports = table_with(at, "Versions")
    mine = reports[reports["Client"].isin([client, other])]
    assert list(mine["Report"]) == [
        "Acme — Quick Social Pack (Basic)",
        "Northwind — Quick Social Pack (Basic)",
    ]
    assert list(mine["Client"]) == [other, client]
    assert list(mine["Versions"]) == [1, 3]
    assert list(mine["Latest"]) == ["Draft", "Refined"]
    # One client's reports.
    at.text_input(key="hist_client").input(client)
    run(at)
    assert list(table_with(at, "Versions")["Report"]) == ["Northwind — Quick Social Pack (Basic)"]

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
    assert list(versions["Note"]) == ["Make it shorter and warmer", "Make it more premium", ""]
    assert all(saved.endswith("UTC") for saved in versions["Saved"])

    # Open version 1: its text, and its downloads dated the day it was saved.
    assert at.selectbox(key="hist_open_version").value == 3
    at.selectbox(key="hist_open_version").select(1)
    run(at)
    first, second, third = versions_of(running_stack, history_id)
    assert any(str(m.value) == first.markdown.strip() for m in at.markdown)
    assert at.download_button(key="hist_download_pdf").proto.label == "Download PDF"
    pdf, name = downloaded(downloads, "hist_download_pdf")
    assert name == "aicmo-northwind-quick_social_basic-v1.pdf" and pdf.startswith(b"%PDF")
    cover = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    saved = documents.format_date(first.create_time.ToDatetime().date())
    assert saved in cover and client in " ".join(cover.split())
    word, name = downloaded(downloads, "hist_download_docx")
    assert name.endswith("-v1.docx")
    assert any(saved in p.text for p in docx.Document(io.BytesIO(word)).paragraphs)
    assert downloaded(downloads, "hist_download_md") == (
        first.markdown.encode(),
        "aicmo-northwind-quick_social_basic-v1.md",
    )

    # Compare: by default the latest with the one before: one section changed, shown as a diff.
    count = len(third.sections)
    assert (at.selectbox(key="hist_compare_from").value, at.selectbox(key="hist_compare_to").value) == (2, 3)
    page = texts(at)
    assert f"1 of {count} sections changed** between version 2 and version 3: “Audience Segments”." in page, [
        line for line in page.splitlines() if "changed**" in line
    ]
    changes = table_with(at, "Change")
    assert list(changes["Change"]) == [
        "changed" if s.section_id == "audience_segments" else "unchanged" for s in third.sections
    ]
    diff = "\n".join(str(c.value) for c in at.code)
    assert "--- Version 2\n+++ Version 3" in diff
    before, after = section_text(second, "audience_segments"), section_text(third, "audience_segments")
    removed = [line for line in before.splitlines() if line.strip() and line not in after.splitlines()]
    added = [line for line in after.splitlines() if line.strip() and line not in before.splitlines()]
    assert removed or added
    assert all(f"-{line}" in diff for line in removed) and all(f"+{line}" in diff for line in added)
    # Side by side.
    at.radio(key="hist_diff_style").set_value("Side by side")
    run(at)
    html = "\n".join(str(h.proto.body) for h in at.get("html"))
    assert "Version 2" in html and "Version 3" in html
    # Version 1 against version 3: every section changed.
    at.selectbox(key="hist_compare_from").select(1)
    run(at)
    assert f"of {count} sections changed** between version 1 and version 3" in texts(at)


def test_show_in_history_opens_the_report_there(
    monkeypatch: pytest.MonkeyPatch, running_stack: StackProcess
) -> None:
    client = unique("Northwind Coffee Co.")
    at = generate(run(new_app(monkeypatch, running_stack.gateway_url)), client)
    history_id = reports_of(running_stack, client)[0]["history_id"]
    at.button(key="gen_show_history").click()
    run(at)
    assert at.selectbox(key="hist_report").value == history_id
    assert any("open in the History tab" in i for i in alerts(at, "info"))
    assert list(table_with(at, "What happened")["Version"]) == [1]
    assert "There is only one version so far" in texts(at)


def test_history_pages_through_many_reports(
    monkeypatch: pytest.MonkeyPatch, running_stack: StackProcess
) -> None:
    client = unique("Paging Client")
    for n in range(11):
        made = running_stack.post(
            "/api/aicmo/generate_report",
            {"client_brief": {"client_name": client, "brand_name": f"Brand {n:02d}"}, "package_key": "quick_social_basic",
             "use_learning": False},
        )  # fmt: skip
        assert made.status == 200, made.body
    at = run(new_app(monkeypatch, running_stack.gateway_url))
    at.text_input(key="hist_client").input(client)
    run(at)
    first = table_with(at, "Versions")
    assert len(first) == 10 and first["Report"][0].startswith("Brand 10 — ")
    at.button(key="hist_next").click()
    run(at)
    assert [r.split(" — ")[0] for r in table_with(at, "Versions")["Report"]] == ["Brand 00"]
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
