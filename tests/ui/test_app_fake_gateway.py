"""The Streamlit app under Streamlit's own harness (AppTest), against a local fake gateway: the operator's
flows end to end, and what happens when the gateway is down or failing."""

from __future__ import annotations

import datetime
import io
import re
import tomllib
from collections.abc import Iterator
from typing import Any

import docx
import pytest
from fpdf import FPDF
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Button, Markdown

from tests.support import ROOT
from tests.ui.apptest_support import alerts, fill_brief, metric, new_app, run, table_with, texts
from tests.ui.fake_gateway import FakeGateway, closed_port, running_fake_gateway
from ui import documents, generate_progress
from ui.contract import gpb, mpb
from ui.generate_progress import Progress

STREAM = "/api/aicmo/generate_report/stream"


@pytest.fixture
def fake() -> Iterator[FakeGateway]:
    with running_fake_gateway() as server:
        server.stream_delay = 0.01
        yield server


def expander_text(at: AppTest, label: str) -> str:
    """Everything the expanders with this label say (the technical details are in such expanders)."""
    found = [e for e in at.expander if e.label == label]
    assert found, f"no expander {label!r} in {[e.label for e in at.expander]}"
    return "\n".join(str(c.value) for e in found for c in [*e.caption, *e.markdown])


def docx_bytes(*paragraphs: str) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_generate_see_progress_report_learning_and_rate_it(
    monkeypatch: pytest.MonkeyPatch, fake: FakeGateway
) -> None:
    fake.add_item(kind="uploaded_example", title="Gold coffee plan", text="A coffee plan", source="upload")
    at = run(new_app(monkeypatch, fake.url))
    assert [t.label for t in at.tabs] == ["Generate", "History", "Learn", "Audit"]  # an admin's
    assert metric(at, "Items learned") == "1"
    # The package select shows labels and previews the sections.
    assert "Sections in Strategy + Campaign Pack (Standard) (4)" in texts(at)

    fill_brief(
        at,
        client="Northwind Coffee Co.",
        brand="Northwind",
        industry="Other…",
        other_industry="Pet care",
        launch=datetime.date(2026, 12, 1),
        raw_text="Open three new stores.",
    )
    at.button(key="gen_submit").click()
    run(at)
    assert not at.error, alerts(at, "error")

    sent = fake.calls("POST", STREAM)[0].body
    assert sent["package_key"] == "quick_social_basic"
    assert sent["report_stage"] == "REPORT_STAGE_DRAFT"
    assert sent["client_brief"] == {
        "client_name": "Northwind Coffee Co.",
        "brand_name": "Northwind",
        "product_service": "Specialty coffee subscription",
        "industry": "Pet care",
        "geography": "Seattle",
        "audience": "Commuters who love good coffee",
        "objectives": "Grow subscriptions by 30%",
        "budget": "$50,000",
        "timeline": "8 weeks",
        "constraints": "No discounts above 20%",
        "raw_brief_text": "Open three new stores.",
        "launch_date": "2026-12-01",
    }
    # Progress: a full bar with the time taken (and how long learning took), every section's name.
    assert [p.value for p in at.progress] == [100]
    assert at.progress[0].proto.text.startswith("Report ready: 3 sections in")
    assert " s · learned in " in at.progress[0].proto.text
    page = texts(at)
    for n, title in enumerate(["Overview", "Audience Segments", "Final Summary"], start=1):
        assert f"✓ {n}. {title}" in page
    assert "Sections written: 3 of 3" in page
    # The report, the caption with mode and timings, the learned-from panel, the downloads.
    assert any(str(m.value).startswith("# Northwind — Quick Social Pack (Basic)") for m in at.markdown)
    caption = next(c.value for c in at.caption if c.value.startswith("Written by"))
    assert caption == "Written by AICMO's built-in writer · Draft · learning: learned · took 36 ms"
    assert "Learned from: 1 past item informed 1 of 3 sections" in page
    assert "Gold coffee plan — from the agency library, Uploaded example, unrated" in page
    # Ids, enum names, timings and scores are one click away, in the report's technical details.
    technical = expander_text(at, "Technical details of this report")
    assert f"Report id `{fake.completed[-1].report_id}`" in technical
    assert "GENERATION_MODE_OFFLINE · LEARNING_STATE_RECORDED · RETRIEVAL_STATE_DONE" in technical
    assert "retrieve 4 ms · compose 12 ms · record 20 ms · total 36 ms" in technical
    assert "score 0.80, similarity 0.70" in technical
    assert "score 0.80" not in page.replace(technical, "")
    assert any(
        s.startswith("Learned: this report and its sections are stored") for s in alerts(at, "success")
    )
    assert [d.label for d in at.download_button] == [
        "Download Markdown",
        "Download PDF",
        "Download Word",
    ]
    # The stats went up by the report and its sections.
    assert metric(at, "Items learned") == "5"

    # Rate the whole report gold: by the id the response named, which rates its sections too.
    completed = fake.completed[-1]
    at.radio(key="gen_rate_choice").set_value(mpb.RATING_GOLD)
    at.text_input(key="gen_rate_note").input("Exactly our voice")
    at.button(key="gen_rate_submit").click()
    run(at)
    report_item = next(i for i in fake.items if i.kind == "full_report")
    assert report_item.id == completed.learned_item_id
    assert (report_item.verdict, report_item.rating_note) == (mpb.RATING_GOLD, "Exactly our voice")
    assert [c.body for c in fake.calls("POST", f"/api/learn/items/{report_item.id}/rating")] == [
        {"verdict": "RATING_GOLD", "note": "Exactly our voice"}
    ]
    assert fake.calls("POST", "/api/learn/search") == []  # no guessing the id by title
    assert any(
        "Rated the whole report gold (★ gold) — 4 items: the report and its 3 sections" in s
        for s in alerts(at, "success")
    ), alerts(at, "success")
    assert metric(at, "Gold-rated") == "4"


def test_refine_sends_feedback_and_the_last_draft(monkeypatch: pytest.MonkeyPatch, fake: FakeGateway) -> None:
    at = run(new_app(monkeypatch, fake.url))
    fill_brief(at, client="Northwind Coffee Co.", brand="Northwind")
    at.button(key="gen_submit").click()
    run(at)
    heading = next(str(m.value) for m in at.markdown if str(m.value).startswith("# Northwind"))

    at.text_area(key="gen_feedback").input("Make it more premium")
    at.button(key="gen_refine").click()
    run(at)
    refine = fake.calls("POST", STREAM)[1].body
    assert refine["report_stage"] == "REPORT_STAGE_REFINE"
    # The refinement joins the draft's history as its next version.
    assert refine["history_id"] == fake.completed[0].history_id
    assert refine["feedback"] == "Make it more premium"
    first_recorded = next(i.text for i in fake.items if i.kind == "full_report" and "(draft)" in i.text)
    assert refine["previous_draft"] == first_recorded
    assert refine["previous_draft"].startswith(heading)
    assert refine["client_brief"]["client_name"] == "Northwind Coffee Co."
    assert any("Revised for feedback: Make it more premium" in str(m.value) for m in at.markdown)
    assert any(c.value.startswith("Written by") and " · Refined · " in c.value for c in at.caption)
    # Revision notes are for the operator: in the learned-from panel, never in the report.
    assert "revision notes on 3 sections" in next(
        e.label for e in at.expander if e.label.startswith("Learned")
    )
    notes = [
        str(m.value) for m in at.markdown if "Applied the feedback: Make it more premium" in str(m.value)
    ]
    assert len(notes) == 1 and "*Revision notes:*" in notes[0]
    report = [str(m.value) for m in at.markdown if str(m.value).startswith(("# Northwind", "## "))]
    assert report and not any("Applied the feedback" in m for m in report)


def test_a_brief_upload_fills_the_brief_text(monkeypatch: pytest.MonkeyPatch, fake: FakeGateway) -> None:
    at = run(new_app(monkeypatch, fake.url))
    # Typed and submitted (the brand is missing, so nothing is generated yet).
    at.text_input(key="brief_client_name").input("Typed before the upload")
    at.button(key="gen_submit").click()
    run(at)
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.cell(0, 10, "Brief: launch a cold brew line in Portland")
    at.file_uploader(key="brief_upload").set_value(("brief.pdf", bytes(pdf.output()), "application/pdf"))
    run(at)
    assert at.text_area(key="brief_raw_text").value == "Brief: launch a cold brew line in Portland"
    assert any("from brief.pdf" in s for s in alerts(at, "success"))

    at.file_uploader(key="brief_upload").set_value(
        ("brief.docx", docx_bytes("Brand: Northwind", "Goal: 500 subscribers"), "application/octet-stream")
    )
    run(at)
    assert at.text_area(key="brief_raw_text").value == "Brand: Northwind\nGoal: 500 subscribers"
    assert at.text_input(key="brief_client_name").value == "Typed before the upload"


def test_missing_required_fields_are_said_before_calling(
    monkeypatch: pytest.MonkeyPatch, fake: FakeGateway
) -> None:
    at = run(new_app(monkeypatch, fake.url))
    at.text_input(key="brief_client_name").input("Northwind Coffee Co.")
    at.button(key="gen_submit").click()
    run(at)
    assert alerts(at, "error") == ["Fill in Brand to generate a report."]
    assert fake.calls("POST", STREAM) == []
    assert at.text_input(key="brief_client_name").value == "Northwind Coffee Co."


def test_gateway_down_shows_what_to_do_and_keeps_the_form(monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    at = run(new_app(monkeypatch, url))
    errors = alerts(at, "error")
    # Plain words for the operator; the address and `make run` are one click away.
    assert any(e.startswith("AICMO is not running or cannot be reached") for e in errors), errors
    assert "AICMO cannot be reached." in errors  # the sidebar
    assert all("make run" not in e and url not in e and "Traceback" not in e for e in errors)
    technical = expander_text(at, "Technical details")
    assert f"No connection to the AICMO gateway at {url}" in technical and "`make run`" in technical
    assert "Memory stats is unavailable while AICMO cannot be reached" in texts(at)

    fill_brief(at, client="Northwind Coffee Co.", brand="Northwind", package="quick_social_basic")
    at.button(key="gen_submit").click()
    run(at)
    errors = alerts(at, "error")
    assert sum("is not running or cannot be reached" in e for e in errors) >= 2  # the banner, and Generate's
    # Nothing the operator typed is lost.
    assert at.text_input(key="brief_client_name").value == "Northwind Coffee Co."
    assert at.text_input(key="brief_brand_name").value == "Northwind"
    assert at.text_area(key="brief_objectives").value == "Grow subscriptions by 30%"
    assert at.selectbox(key="brief_industry").value == "Coffee & cafés"
    # And the Learn tab's actions fail politely too.
    at.text_input(key="learn_forget_input").input("Northwind Coffee Co.")
    at.button(key="learn_forget_count").click()
    run(at)
    assert any("is not running or cannot be reached" in e for e in alerts(at, "error"))


def test_a_service_down_during_generate_is_explained(
    monkeypatch: pytest.MonkeyPatch, fake: FakeGateway
) -> None:
    at = run(new_app(monkeypatch, fake.url))
    fake.fail("POST", STREAM, 503, "memory UNREACHABLE (connection refused)", code=14)
    fill_brief(at, client="Northwind Coffee Co.", brand="Northwind")
    at.button(key="gen_submit").click()
    run(at)
    errors = alerts(at, "error")
    assert any(
        e.startswith(
            "AICMO's memory (what it has learned) is not available right now, so generating the report"
        )
        for e in errors
    ), errors
    assert "memory UNREACHABLE (connection refused)" in expander_text(at, "Technical details")
    assert at.text_input(key="brief_brand_name").value == "Northwind"
    # Once it is back, the same form generates.
    fake.failures.clear()
    at.button(key="gen_submit").click()
    run(at)
    assert not at.error
    assert any(str(m.value).startswith("# Northwind") for m in at.markdown)


def test_the_token_is_sent_on_every_call(monkeypatch: pytest.MonkeyPatch, fake: FakeGateway) -> None:
    run(new_app(monkeypatch, fake.url, token="t0ken"))
    assert fake.requests
    assert {r.headers.get("authorization") for r in fake.requests} == {"Bearer t0ken"}


def test_stats_warn_about_fake_embeddings(monkeypatch: pytest.MonkeyPatch, fake: FakeGateway) -> None:
    fake.fake_embeddings = True
    fake.summary_warnings = ["2 items were embedded by another model and are not searched"]
    fake.add_item(kind="report_section", title="s", text="t")
    at = run(new_app(monkeypatch, fake.url))
    warnings = alerts(at, "warning")
    assert any("stand-in embeddings meant only for tests" in w for w in warnings)
    assert "2 items were embedded by another model and are not searched" in warnings
    # The model and the storage (a DSN, redacted as the server sent it) only in the technical details.
    technical = expander_text(at, "Technical details: model and storage")
    assert "fake-test-model (384 dimensions)" in technical
    assert "Storage: `postgresql+psycopg2://aicmo:***@127.0.0.1:5432/aicmo`" in technical
    assert "AICMO_FAKE_EMBEDDINGS=1" in technical
    outside = texts(at).replace(technical, "")
    assert "postgresql" not in outside and "AICMO_FAKE_EMBEDDINGS" not in outside


def test_browse_page_filter_open_rate_and_delete(monkeypatch: pytest.MonkeyPatch, fake: FakeGateway) -> None:
    for n in range(23):
        fake.add_item(kind="report_section", title=f"Section {n}", text=f"section text {n}", client_id="acme")
    target = fake.add_item(
        kind="uploaded_example", title="Loyalty email", text="Coffee loyalty email", source="upload"
    )
    at = run(new_app(monkeypatch, fake.url))
    assert "Showing 1 to 20 of 24 matching items (page 1)." in texts(at)
    assert len(at.dataframe[0].value) == 20
    at.button(key="learn_next").click()
    run(at)
    assert "Showing 21 to 24 of 24 matching items (page 2)." in texts(at)
    at.button(key="learn_prev").click()
    run(at)
    at.selectbox(key="learn_kind").select("uploaded_example")
    run(at)
    assert "Showing 1 to 1 of 1 matching items (page 1)." in texts(at)
    assert fake.calls("GET", "/api/learn/items")[-1].query["kind"] == ["uploaded_example"]

    # Open it, rate it weak with a note.
    at.selectbox(key="learn_open_id").select(target.id)
    run(at)
    assert f"id `{target.id}`" in expander_text(at, "Technical details")
    at.radio(key="learn_rate_choice").set_value(mpb.RATING_WEAK)
    at.text_input(key="learn_rate_note").input("Too pushy")
    at.button(key="learn_rate_submit").click()
    run(at)
    rated = fake.item(target.id)
    assert rated is not None and (rated.verdict, rated.rating_note) == (mpb.RATING_WEAK, "Too pushy")
    assert any("is now ▽ weak — Too pushy" in s for s in alerts(at, "success"))
    assert metric(at, "Weak-rated") == "1"

    # Delete it, with a confirmation step.
    assert metric(at, "Items learned") == "24"
    at.button(key="learn_delete").click()
    run(at)
    assert any("Delete “Loyalty email” for good?" in w for w in alerts(at, "warning"))
    assert fake.item(target.id) is not None
    at.button(key="learn_delete_confirm").click()
    run(at)
    assert fake.item(target.id) is None
    assert any("Deleted “Loyalty email”" in s for s in alerts(at, "success"))
    assert metric(at, "Items learned") == "23"
    assert at.selectbox(key="learn_open_id").value == ""


def test_search_and_open_a_result(monkeypatch: pytest.MonkeyPatch, fake: FakeGateway) -> None:
    fake.add_item(
        kind="uploaded_example", title="Loyalty email", text="Coffee loyalty email with a stamp card"
    )
    fake.add_item(kind="report_section", title="Budget", text="Budget split for a bakery")
    at = run(new_app(monkeypatch, fake.url))
    at.text_input(key="learn_search_query").input("coffee loyalty")
    at.button(key="learn_search_submit").click()
    run(at)
    assert any("1 result for “coffee loyalty”" in i for i in alerts(at, "info"))
    table = table_with(at, "Match")
    assert list(table["Title"]) == ["Loyalty email"]
    assert list(table["Kind"]) == ["Uploaded example"]
    assert fake.calls("POST", "/api/learn/search")[0].body["query"] == "coffee loyalty"


def test_upload_reference_examples_with_dedup(monkeypatch: pytest.MonkeyPatch, fake: FakeGateway) -> None:
    at = run(new_app(monkeypatch, fake.url))
    assert at.selectbox(key="learn_upload_kind").value == "uploaded_example"
    data = docx_bytes("Subject: your tenth coffee is on us", "Body: thanks for being a regular.")
    at.file_uploader(key="learn_upload_file").set_value(("gold-email.docx", data, "application/octet-stream"))
    at.text_input(key="learn_upload_client").input("Northwind Coffee Co.")
    at.text_input(key="learn_upload_industry").input("Coffee")
    at.text_input(key="learn_upload_tags").input("email, loyalty")
    at.button(key="learn_upload_submit").click()
    run(at)
    assert any("Learned “gold-email.docx” as a new uploaded example" in s for s in alerts(at, "success"))
    item = fake.items[0]
    assert item.text == "Subject: your tenth coffee is on us\nBody: thanks for being a regular."
    assert (item.kind, item.client_id, item.industry, item.source, item.section_id) == (
        "uploaded_example",
        "northwind-coffee-co",
        "Coffee",
        "upload",
        "",
    )
    assert list(item.tags) == ["email", "loyalty"]
    assert "Filed under client id `northwind-coffee-co`" in texts(at)
    assert metric(at, "Items learned") == "1"

    at.button(key="learn_upload_submit").click()
    run(at)
    assert any("Already known: “gold-email.docx”" in i for i in alerts(at, "info"))
    assert metric(at, "Items learned") == "1"

    at.file_uploader(key="learn_upload_file").set_value(("image.txt", b"   ", "text/plain"))
    at.button(key="learn_upload_submit").click()
    run(at)
    assert any("image.txt contains no text." in e for e in alerts(at, "error"))


def test_forget_a_client_after_counting(monkeypatch: pytest.MonkeyPatch, fake: FakeGateway) -> None:
    for n in range(3):
        fake.add_item(kind="report_section", title=f"s{n}", text=f"t{n}", client_id="northwind-coffee-co")
    fake.add_item(kind="report_section", title="other", text="other", client_id="acme")
    at = run(new_app(monkeypatch, fake.url))
    assert "“Northwind Coffee Co.” → `northwind-coffee-co`" in texts(at)
    at.text_input(key="learn_forget_input").input("Northwind Coffee Co.")
    run(at)
    assert "Client id: `northwind-coffee-co`" in texts(at)
    at.button(key="learn_forget_count").click()
    run(at)
    assert any(
        "3 items learned for client `northwind-coffee-co` will be deleted" in w for w in alerts(at, "warning")
    )
    assert len(fake.items) == 4  # counting deletes nothing
    at.button(key="learn_forget_confirm").click()
    run(at)
    said = next(s for s in alerts(at, "success") if s.startswith("Forgot client `northwind-coffee-co` at 20"))
    assert "UTC: deleted 3 items (report section: 3)." in said
    assert "is discarded when it arrives" in said
    assert [i.client_id for i in fake.items] == ["acme"]
    assert metric(at, "Items learned") == "1"
    # The forgotten clients list: who, when, what went, what was discarded since.
    fake.forgotten[0].discarded_count = 2
    at.button(key="learn_refresh").click()
    run(at)
    forgotten = table_with(at, "discarded since")
    assert list(forgotten["client"]) == ["northwind-coffee-co"]
    assert (int(forgotten["deleted"][0]), int(forgotten["discarded since"][0])) == (3, 2)
    assert str(forgotten["forgotten"][0]).endswith(" UTC")


def test_an_interrupted_live_view_is_explained(monkeypatch: pytest.MonkeyPatch, fake: FakeGateway) -> None:
    at = new_app(monkeypatch, fake.url)
    # What a generation left behind when the operator clicked elsewhere mid-stream (Streamlit stops the run).
    at.session_state["gen_progress"] = Progress(
        label="2/4 sections written · Campaign Objective · 1 s",
        total=4,
        done=["Overview", "Campaign Objective"],
        state="writing",
    )
    run(at)
    assert at.progress[0].proto.text == "Live view stopped after 2 of 4 sections"
    assert at.progress[0].value == 45  # sections fill 90 % of the bar; learning the report the rest
    assert any("stopped the live view" in e and "Learn tab" in e for e in alerts(at, "error"))
    assert "✓ 2. Campaign Objective" in texts(at)


def generate(at: AppTest, **brief: Any) -> AppTest:
    fill_brief(at, **{"client": "Northwind Coffee Co.", "brand": "Northwind", **brief})
    at.button(key="gen_submit").click()
    return run(at)


def test_rating_a_report_while_its_learning_is_queued_says_to_wait(
    monkeypatch: pytest.MonkeyPatch, fake: FakeGateway
) -> None:
    fake.learning_state = gpb.LEARNING_STATE_QUEUED
    at = generate(run(new_app(monkeypatch, fake.url)))
    assert any(
        "Not learned yet" in w and "will be learned when the memory service is back" in w
        for w in alerts(at, "warning")
    )
    assert metric(at, "Items learned") == "0"
    completed = fake.completed[-1]
    at.radio(key="gen_rate_choice").set_value(mpb.RATING_WEAK)
    at.button(key="gen_rate_submit").click()
    run(at)
    # The id is known while learning is queued; memory answers 404 until the batch is delivered.
    assert len(fake.calls("POST", f"/api/learn/items/{completed.learned_item_id}/rating")) == 1
    waiting = [w for w in alerts(at, "warning") if "still waiting to be learned" in w]
    assert waiting and "Try rating the report again in a moment" in waiting[0], alerts(at, "warning")
    assert not any("not found" in e for e in alerts(at, "error"))

    # The memory service is back: the queued batch is delivered (here by Replay), and rating works.
    batch = fake.queue[0].batch
    at.button(key=f"learn_queue_replay_{batch.name}").click()
    run(at)
    assert any("is learned now" in s for s in alerts(at, "success"))
    at.button(key="gen_rate_submit").click()
    run(at)
    assert any(
        "Rated the whole report weak (▽ weak) — 4 items: the report and its 3 sections" in s
        for s in alerts(at, "success")
    ), alerts(at, "success")
    assert metric(at, "Weak-rated") == "4"


def test_rate_a_section_with_a_note_where_it_is_shown(
    monkeypatch: pytest.MonkeyPatch, fake: FakeGateway
) -> None:
    at = generate(run(new_app(monkeypatch, fake.url)))
    completed = fake.completed[-1]
    section = completed.sections[1]
    assert section.id == "audience_segments"
    # Each section of the report is followed by its own rating control.
    in_order = [
        str(node.value) if isinstance(node, Markdown) else node.key
        for node in at.main
        if isinstance(node, Markdown | Button)
    ]
    position = in_order.index("## Audience Segments\n\nNorthwind plan for audience segments (draft).")
    assert in_order[position + 1] == "gen_sec_rate_audience_segments"
    at.radio(key="gen_sec_rating_audience_segments").set_value(mpb.RATING_WEAK)
    at.text_input(key="gen_sec_note_audience_segments").input("Too vague about commuters")
    at.button(key="gen_sec_rate_audience_segments").click()
    run(at)
    assert [c.body for c in fake.calls("POST", f"/api/learn/items/{section.learned_item_id}/rating")] == [
        {"verdict": "RATING_WEAK", "note": "Too vague about commuters"}
    ]
    rated = fake.item(section.learned_item_id)
    assert rated is not None and (rated.verdict, rated.rating_note) == (
        mpb.RATING_WEAK,
        "Too vague about commuters",
    )
    report = fake.item(completed.learned_item_id)
    assert report is not None and report.verdict == mpb.RATING_UNSPECIFIED  # the report is not rated
    assert any(
        "Rated the section “Audience Segments” weak (▽ weak), with the note “Too vague about commuters”" in s
        for s in alerts(at, "success")
    ), alerts(at, "success")
    assert metric(at, "Weak-rated") == "1"

    # A new report starts with fresh section controls.
    at.button(key="gen_submit").click()
    run(at)
    assert not any("Rated the section" in s for s in alerts(at, "success"))
    assert at.text_input(key="gen_sec_note_audience_segments").value == ""


def test_a_report_written_without_past_learning_offers_a_retry_with_learning(
    monkeypatch: pytest.MonkeyPatch, fake: FakeGateway
) -> None:
    fake.add_item(kind="uploaded_example", title="Gold coffee plan", text="A coffee plan")
    fake.retrieval_state = gpb.RETRIEVAL_STATE_SKIPPED_UNAVAILABLE
    at = generate(run(new_app(monkeypatch, fake.url)))
    warning = next(w for w in alerts(at, "warning") if "written without past learning" in w)
    assert "the memory service could not be reached" in warning
    assert "Learned from: nothing — this report was written without past learning" in texts(at)
    first = fake.calls("POST", STREAM)[0].body

    fake.retrieval_state = None  # memory answers again
    at.button(key="gen_retry_learning").click()
    run(at)
    assert not at.error, alerts(at, "error")
    calls = fake.calls("POST", STREAM)
    assert len(calls) == 2
    retry = calls[1].body
    assert retry["use_learning"] is True
    assert {k: retry[k] for k in ("client_brief", "package_key", "report_stage")} == {
        k: first[k] for k in ("client_brief", "package_key", "report_stage")
    }
    assert not any("written without past learning" in w for w in alerts(at, "warning"))
    assert not [b for b in at.button if b.key == "gen_retry_learning"]
    # This time the client's first report and the agency library's example informed it.
    assert "Learned from: 2 past items informed 1 of 3 sections" in texts(at)

    # The other reasons have their own words; learning turned off offers no retry and nothing to rate.
    for state, words in [
        (gpb.RETRIEVAL_STATE_SKIPPED_SLOW, "the memory service did not answer in time"),
        (gpb.RETRIEVAL_STATE_SKIPPED_NO_TIME, "there was no time left to look up past work"),
    ]:
        fake.retrieval_state = state
        at.button(key="gen_submit").click()
        run(at)
        assert any(words in w for w in alerts(at, "warning")), alerts(at, "warning")
        assert [b for b in at.button if b.key == "gen_retry_learning"]
    at.checkbox(key="brief_use_learning").uncheck()
    at.button(key="gen_submit").click()
    run(at)
    assert any("Not learned: learning was turned off" in i for i in alerts(at, "info"))
    keys = [b.key for b in at.button]
    assert "gen_retry_learning" not in keys and "gen_rate_submit" not in keys
    assert not any(str(k).startswith("gen_sec_rate_") for k in keys)


def test_share_an_item_with_the_agency_library(monkeypatch: pytest.MonkeyPatch, fake: FakeGateway) -> None:
    library = fake.add_item(kind="uploaded_example", title="Playbook", text="Generic loyalty playbook")
    target = fake.add_item(
        kind="uploaded_example", title="Acme email", text="Acme loyalty email", client_id="acme"
    )
    at = run(new_app(monkeypatch, fake.url))
    table = table_with(at, "Used for")
    assert dict(zip(table["Title"], table["Used for"], strict=True)) == {
        "Acme email": "this client only",
        "Playbook": "agency library",
    }
    at.selectbox(key="learn_open_id").select(target.id)
    run(at)
    share = at.toggle(key="learn_share")
    assert share.label == "Shared with the agency library"
    assert share.value is False and not share.disabled

    # Sharing a client's item asks first: it may carry the client's names and figures.
    share.set_value(True)
    run(at)
    assert any("Share “Acme email” with the agency library?" in w for w in alerts(at, "warning"))
    assert fake.calls("POST", f"/api/learn/items/{target.id}/scope") == []
    at.button(key="learn_share_confirm").click()
    run(at)
    assert [c.body for c in fake.calls("POST", f"/api/learn/items/{target.id}/scope")] == [
        {"scope": "SCOPE_AGENCY"}
    ]
    assert target.scope == mpb.SCOPE_AGENCY
    assert any("Shared “Acme email” with the agency library" in s for s in alerts(at, "success"))
    assert at.toggle(key="learn_share").value is True
    table = table_with(at, "Used for")
    assert list(table["Used for"]) == ["agency library", "agency library"]

    # Keeping it to its client again is immediate.
    at.toggle(key="learn_share").set_value(False)
    run(at)
    assert target.scope == mpb.SCOPE_CLIENT
    assert any("is kept to client `acme` again" in s for s in alerts(at, "success"))
    assert at.toggle(key="learn_share").value is False

    # A refused change leaves the control as the server has it.
    fake.fail("POST", f"/api/learn/items/{target.id}/scope", 503, "memory unavailable", code=14)
    at.toggle(key="learn_share").set_value(True)
    run(at)
    at.button(key="learn_share_confirm").click()
    run(at)
    assert any(
        e.startswith("AICMO's memory (what it has learned) is not available") for e in alerts(at, "error")
    )
    assert "memory unavailable" in expander_text(at, "Technical details")
    assert at.toggle(key="learn_share").value is False

    # An item naming no client is always in the agency library.
    at.selectbox(key="learn_open_id").select(library.id)
    run(at)
    assert at.toggle(key="learn_share").value is True
    assert at.toggle(key="learn_share").disabled


def test_upload_scope_defaults_to_the_client_or_the_agency_library(
    monkeypatch: pytest.MonkeyPatch, fake: FakeGateway
) -> None:
    at = run(new_app(monkeypatch, fake.url))
    assert at.selectbox(key="learn_upload_scope").value == mpb.SCOPE_UNSPECIFIED
    at.file_uploader(key="learn_upload_file").set_value(("playbook.md", b"Generic playbook", "text/markdown"))
    at.button(key="learn_upload_submit").click()
    run(at)
    assert fake.calls("POST", "/api/learn/items")[-1].body["item"]["scope"] == "SCOPE_AGENCY"
    assert any("for the agency library" in s for s in alerts(at, "success")), alerts(at, "success")

    at.file_uploader(key="learn_upload_file").set_value(("acme.md", b"Acme's own email", "text/markdown"))
    at.text_input(key="learn_upload_client").input("Acme")
    at.button(key="learn_upload_submit").click()
    run(at)
    body = fake.calls("POST", "/api/learn/items")[-1].body["item"]
    assert (body["client_id"], body["scope"]) == ("acme", "SCOPE_CLIENT")
    assert any("for client `acme` only" in s for s in alerts(at, "success"))

    at.file_uploader(key="learn_upload_file").set_value(
        ("shared.md", b"Acme example to share", "text/markdown")
    )
    at.selectbox(key="learn_upload_scope").select(mpb.SCOPE_AGENCY)
    at.button(key="learn_upload_submit").click()
    run(at)
    body = fake.calls("POST", "/api/learn/items")[-1].body["item"]
    assert (body["client_id"], body["scope"]) == ("acme", "SCOPE_AGENCY")

    # Kept to a client, but no client given: said before calling.
    calls = len(fake.calls("POST", "/api/learn/items"))
    at.file_uploader(key="learn_upload_file").set_value(("x.md", b"Something else", "text/markdown"))
    at.text_input(key="learn_upload_client").input("")
    at.selectbox(key="learn_upload_scope").select(mpb.SCOPE_CLIENT)
    at.button(key="learn_upload_submit").click()
    run(at)
    assert any("Give the client this example belongs to" in w for w in alerts(at, "warning"))
    assert len(fake.calls("POST", "/api/learn/items")) == calls


def test_search_as_a_report_for_one_client_would(monkeypatch: pytest.MonkeyPatch, fake: FakeGateway) -> None:
    fake.add_item(kind="uploaded_example", title="Acme coffee", text="coffee for acme", client_id="acme")
    fake.add_item(kind="uploaded_example", title="Zeta coffee", text="coffee for zeta", client_id="zeta")
    fake.add_item(kind="uploaded_example", title="Library coffee", text="coffee playbook")
    at = run(new_app(monkeypatch, fake.url))
    at.text_input(key="learn_search_query").input("coffee")
    at.text_input(key="learn_search_for_client").input("Acme")
    at.button(key="learn_search_submit").click()
    run(at)
    assert fake.calls("POST", "/api/learn/search")[0].body["for_client_id"] == "acme"
    assert sorted(table_with(at, "Match")["Title"]) == ["Acme coffee", "Library coffee"]
    assert any("as a report for `acme` would see them" in i for i in alerts(at, "info"))


def test_the_learning_queue_panel_replays_and_drops(
    monkeypatch: pytest.MonkeyPatch, fake: FakeGateway
) -> None:
    queued = fake.add_batch(
        title="Northwind — Quick Social Pack (Basic)",
        client_id="northwind",
        state=gpb.QUEUE_STATE_QUEUED,
        reason="memory UNAVAILABLE: connection refused",
    )
    aside = fake.add_batch(
        title="Acme — Launch Pack", client_id="acme", reason="item.text: too long (120000)"
    )
    at = run(new_app(monkeypatch, fake.url))
    page = texts(at)
    assert "1 queued · 1 set aside" in page
    assert "**Acme — Launch Pack** — set aside" in page
    assert any("Why it was set aside: item.text: too long (120000)" in w for w in alerts(at, "warning"))
    assert "Last delivery error: memory UNAVAILABLE: connection refused" in page
    assert "1 report(s) set aside" in page  # the sidebar says so too

    # Replay that fails keeps the batch and says why.
    fake.replay_delivers = False
    fake.replay_reason = "item.text: too long (120000)"
    at.button(key=f"learn_queue_replay_{aside.name}").click()
    run(at)
    assert any(
        "“Acme — Launch Pack” was not delivered: item.text: too long (120000). It stays set aside." in w
        for w in alerts(at, "warning")
    ), alerts(at, "warning")
    assert fake.batch(aside.name) is not None

    # Replay that delivers: learned now.
    fake.replay_delivers = True
    at.button(key=f"learn_queue_replay_{queued.name}").click()
    run(at)
    assert any(
        "Delivered: “Northwind — Quick Social Pack (Basic)” is learned now." in s
        for s in alerts(at, "success")
    )
    assert fake.batch(queued.name) is None
    assert metric(at, "Items learned") == "1"
    assert "0 queued · 1 set aside" in texts(at)

    # Drop asks first; Cancel keeps it.
    at.button(key=f"learn_queue_drop_{aside.name}").click()
    run(at)
    assert any("Drop “Acme — Launch Pack” from the learning queue?" in w for w in alerts(at, "warning"))
    at.button(key=f"learn_queue_drop_cancel_{aside.name}").click()
    run(at)
    assert fake.batch(aside.name) is not None
    assert fake.calls("DELETE", f"/api/aicmo/learning_queue/{aside.name}") == []
    at.button(key=f"learn_queue_drop_{aside.name}").click()
    run(at)
    at.button(key=f"learn_queue_drop_confirm_{aside.name}").click()
    run(at)
    assert fake.batch(aside.name) is None
    assert any("Dropped “Acme — Launch Pack”" in s for s in alerts(at, "success"))
    assert "Nothing is waiting: every report has reached memory." in texts(at)
    assert metric(at, "Items learned") == "1"


def test_the_learn_list_tells_identical_report_titles_apart(
    monkeypatch: pytest.MonkeyPatch, fake: FakeGateway
) -> None:
    """Three reports titled "Northwind — Quick Social Pack (Basic)": kind labels, a stage column, the
    client, when, and a preview tell them apart, in the table and in the item picker."""
    at = generate(run(new_app(monkeypatch, fake.url)))
    at.text_area(key="gen_feedback").input("Make it more premium")
    at.button(key="gen_refine").click()
    run(at)
    at = generate(at)
    at.selectbox(key="learn_kind").select("full_report")
    run(at)
    table = table_with(at, "Stage")
    assert list(table["Title"]) == ["Northwind — Quick Social Pack (Basic)"] * 3
    assert list(table["Kind"]) == ["Whole report"] * 3
    assert list(table["Stage"]) == ["Draft", "Refined", "Draft"]  # newest first
    assert set(table["Client"]) == {"Northwind Coffee Co."}
    assert all(str(t).endswith(" UTC") for t in table["Learned"])
    # The preview is the first words a reader sees: no heading, no "Prepared for" line.
    assert list(table["Preview"])[1].startswith("Northwind plan for overview (refine). Revised for feedback")
    assert all(not str(p).startswith(("#", "_", "Prepared")) for p in table["Preview"])
    assert "full_report" not in str(table.to_dict())
    # In the picker too, every report has its own label (stage, when, client; a short id if still tied).
    labels = at.selectbox(key="learn_open_id").options[1:]
    assert len(labels) == len(set(labels)) == 3
    assert all(
        label.startswith("Northwind — Quick Social Pack (Basic) · Whole report · ") for label in labels
    )
    assert sum(" · Refined · " in label for label in labels) == 1


def test_upload_picks_a_kind_and_a_section_from_the_packages(
    monkeypatch: pytest.MonkeyPatch, fake: FakeGateway
) -> None:
    at = run(new_app(monkeypatch, fake.url))
    kind = at.selectbox(key="learn_upload_kind")
    assert kind.options == ["Uploaded example", "Report section"]  # a picker, not free text
    section = at.selectbox(key="learn_upload_section")
    # Every section of every package, once, in catalogue order, after "any section".
    assert section.options == [
        "Any section (informs the overview)",
        "Overview",
        "Campaign Objective",
        "Core Campaign Idea",
        "Final Summary",
        "Audience Segments",
    ]
    assert fake.calls("GET", "/api/aicmo/packages")  # from ListPackages, not a list in the app

    # An example report section must say which section it is.
    at.file_uploader(key="learn_upload_file").set_value(("audience.md", b"Commuters, 25-40", "text/markdown"))
    at.selectbox(key="learn_upload_kind").select("report_section")
    at.button(key="learn_upload_submit").click()
    run(at)
    assert any("Choose the section this is an example of" in w for w in alerts(at, "warning"))
    assert fake.calls("POST", "/api/learn/items") == []

    at.selectbox(key="learn_upload_section").select("audience_segments")
    at.button(key="learn_upload_submit").click()
    run(at)
    sent = fake.calls("POST", "/api/learn/items")[-1].message
    assert isinstance(sent, mpb.RecordItemRequest)
    assert (sent.item.kind, sent.item.section_id) == ("report_section", "audience_segments")
    assert any("as a new report section for the agency library" in s for s in alerts(at, "success"))
    # What an operator sees of the item: its kind as a label, its id only in the technical details.
    item = fake.items[0]
    at.selectbox(key="learn_open_id").select(item.id)
    run(at)
    heading = next(str(m.value) for m in at.markdown if str(m.value).startswith("**audience.md**"))
    assert heading == "**audience.md** — Report section · unrated · agency library"
    assert item.id not in heading


def test_one_upload_limit_for_both_upload_widgets(monkeypatch: pytest.MonkeyPatch, fake: FakeGateway) -> None:
    limit = documents.MAX_UPLOAD_MB
    # The server's own limit says the same (the app is started from the repo root, where this file is).
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] == limit
    at = run(new_app(monkeypatch, fake.url))
    assert [u.proto.max_upload_size_mb for u in at.file_uploader] == [limit, limit]
    # Enforced by the app as well (a browser is not the only client of the upload endpoint).
    too_big = b"x" * (limit * 1024 * 1024 + 1)
    at.file_uploader(key="brief_upload").set_value(("brief.txt", too_big, "text/plain"))
    run(at)
    at.file_uploader(key="learn_upload_file").set_value(("example.txt", too_big, "text/plain"))
    at.button(key="learn_upload_submit").click()
    run(at)
    said = [e for e in alerts(at, "error") if f"files up to {limit} MB can be uploaded" in e]
    assert [s.split(" is ")[0] for s in said] == ["brief.txt", "example.txt"], alerts(at, "error")
    assert fake.calls("POST", "/api/learn/items") == []


def test_the_sidebar_says_what_is_down_and_what_it_means(
    monkeypatch: pytest.MonkeyPatch, fake: FakeGateway
) -> None:
    fake.health_down = "memory UNREACHABLE (no answer from 127.0.0.1:50052)"
    at = run(new_app(monkeypatch, fake.url))
    sidebar = at.sidebar
    assert [str(w.value) for w in sidebar.warning] == [
        "Not everything works: Memory (what AICMO has learned), Learning database."
    ]
    inside = {str(c.value) for e in sidebar.expander for c in e.caption}
    said = "\n".join(str(c.value) for c in sidebar.caption if str(c.value) not in inside)
    assert ":green[●] Report writer: working" in said
    assert ":red[●] Memory (what AICMO has learned): not answering" in said
    assert "Reports are still written, but without past learning" in said
    technical = expander_text(at, "Technical details")
    assert (
        "memory: SERVING_STATE_UNREACHABLE — memory UNREACHABLE (no answer from 127.0.0.1:50052)" in technical
    )
    assert f"Gateway: `{fake.url}`" in technical
    assert "UNREACHABLE" not in said and "127.0.0.1" not in said


def test_progress_says_learning_while_the_report_is_learned(
    monkeypatch: pytest.MonkeyPatch, fake: FakeGateway
) -> None:
    """Sections as they stream, then "Learning this report…" until `completed` arrives, then done: each
    label with the time taken, the clock moving while AICMO is quiet."""
    shown: list[str] = []
    original = generate_progress.progress_label

    def recording(progress: Progress) -> str:
        label = original(progress)
        if not shown or shown[-1] != label:
            shown.append(label)
        return label

    monkeypatch.setattr(generate_progress, "progress_label", recording)
    monkeypatch.setattr(generate_progress, "TICK_SECONDS", 0.2)
    fake.learning_delay = 1.3
    at = generate(run(new_app(monkeypatch, fake.url)))
    assert shown[0].startswith("Sending the brief to AICMO… 0 s")
    assert shown[1].startswith("Writing 3 sections of Quick Social Pack (Basic)… 0 s")
    assert [s.split(" · ")[0] for s in shown[2:4]] == ["1/3 sections written", "2/3 sections written"]
    learning = [s for s in shown if s.startswith("Learning this report… all 3 sections written · ")]
    assert len(learning) >= 2, shown  # the clock moved on while the report was learned
    final = shown[-1]
    assert final == at.progress[0].proto.text
    match = re.fullmatch(r"Report ready: 3 sections in (\d+\.\d) s · learned in (\d+\.\d) s", final)
    assert match, final
    assert float(match.group(2)) >= 1.2 and float(match.group(1)) >= float(match.group(2))


def test_progress_steps_in_words() -> None:
    progress = Progress(learning=False)
    assert generate_progress.progress_label(progress) == "Sending the brief to AICMO… 0 s"
    started = gpb.GenerationStarted(
        report_id="r", package_label="Pack", sections=[gpb.SectionInfo(id="a"), gpb.SectionInfo(id="b")]
    )
    generate_progress.advance(progress, gpb.StreamGenerateReportResponse(started=started), 0.2)
    assert (progress.label, progress.fraction) == ("Writing 2 sections of Pack… 0 s", 0.0)
    for n, title in enumerate(["A", "B"], start=1):
        done = gpb.SectionCompleted(index=n, total=2, section=gpb.ReportSection(title=title))
        generate_progress.advance(progress, gpb.StreamGenerateReportResponse(section_completed=done), n)
    assert progress.state == "learning"
    assert progress.fraction == pytest.approx(0.9)  # the last tenth is the report being put together
    generate_progress.tick(progress, 4.4)
    assert progress.label == "Putting the report together… all 2 sections written · 4 s"  # learning is off
    completed = gpb.GenerateReportResponse(learning_state=gpb.LEARNING_STATE_OFF)
    generate_progress.advance(progress, gpb.StreamGenerateReportResponse(completed=completed), 4.6)
    assert (progress.label, progress.fraction) == ("Report ready: 2 sections in 4.6 s", 1.0)

    queued = Progress(state="learning", total=1, done=["A"], sections_done_at=1.0)
    waiting = gpb.GenerateReportResponse(learning_state=gpb.LEARNING_STATE_QUEUED)
    generate_progress.advance(queued, gpb.StreamGenerateReportResponse(completed=waiting), 2.0)
    assert (
        queued.label == "Report ready: 1 sections in 2.0 s · not learned yet (it waits in the learning queue)"
    )
