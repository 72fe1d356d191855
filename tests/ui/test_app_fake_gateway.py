"""The Streamlit app under Streamlit's own harness (AppTest), against a local fake gateway: the operator's
flows end to end, and what happens when the gateway is down or failing."""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterator

import docx
import pytest
from fpdf import FPDF

from tests.ui.apptest_support import alerts, fill_brief, metric, new_app, run, texts
from tests.ui.fake_gateway import FakeGateway, closed_port, running_fake_gateway
from ui.generate_tab import Progress

STREAM = "/api/aicmo/generate_report/stream"


@pytest.fixture
def fake() -> Iterator[FakeGateway]:
    with running_fake_gateway() as server:
        server.stream_delay = 0.01
        yield server


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
    assert [t.label for t in at.tabs] == ["Generate", "Learn"]
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
    assert sent["stage"] == "draft"
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
        "metadata": {},
    }
    # Progress: a full bar and every section's name as it completed.
    assert [p.value for p in at.progress] == [100]
    assert at.progress[0].proto.text.startswith("Report ready: 3 sections in")
    page = texts(at)
    for n, title in enumerate(["Overview", "Audience Segments", "Final Summary"], start=1):
        assert f"✓ {n}. {title}" in page
    assert "Sections written: 3 of 3" in page
    # The report, the caption with mode and timings, the learned-from panel, the downloads.
    assert any(str(m.value).startswith("# Northwind — Quick Social Pack (Basic)") for m in at.markdown)
    caption = next(c.value for c in at.caption if "Generation mode" in c.value)
    assert "**offline**" in caption
    assert "retrieve 4 ms · compose 12 ms · record 20 ms · total 36 ms" in caption
    assert "learning: recorded" in caption
    assert "Learned from: 1 past item informed 1 of 3 sections" in page
    assert "Gold coffee plan — uploaded_example, score 0.80, unrated" in page
    assert [d.label for d in at.download_button] == [
        "Download Markdown",
        "Download PDF",
        "Download Word",
    ]
    # The stats went up by the report and its sections.
    assert metric(at, "Items learned") == "5"

    # Rate the whole report gold.
    at.radio(key="gen_rate_choice").set_value("gold")
    at.text_input(key="gen_rate_note").input("Exactly our voice")
    at.button(key="gen_rate_submit").click()
    run(at)
    report_item = next(i for i in fake.items if i["kind"] == "full_report")
    assert (report_item["rating"], report_item["rating_note"]) == ("gold", "Exactly our voice")
    assert any("Rated the whole report gold" in s for s in alerts(at, "success"))
    assert metric(at, "Gold-rated") == "1"


def test_refine_sends_feedback_and_the_last_draft(monkeypatch: pytest.MonkeyPatch, fake: FakeGateway) -> None:
    at = run(new_app(monkeypatch, fake.url))
    fill_brief(at, client="Northwind Coffee Co.", brand="Northwind")
    at.button(key="gen_submit").click()
    run(at)
    first_draft = next(str(m.value) for m in at.markdown if str(m.value).startswith("# Northwind"))

    at.text_area(key="gen_feedback").input("Make it more premium")
    at.button(key="gen_refine").click()
    run(at)
    refine = fake.calls("POST", STREAM)[1].body
    assert refine["stage"] == "refine"
    assert refine["feedback"] == "Make it more premium"
    first_recorded = next(
        i["text"] for i in fake.items if i["kind"] == "full_report" and "(draft)" in i["text"]
    )
    assert refine["previous_draft"] == first_recorded
    assert refine["previous_draft"].strip() == first_draft.strip()
    assert refine["client_brief"]["client_name"] == "Northwind Coffee Co."
    assert any("Revised for feedback: Make it more premium" in str(m.value) for m in at.markdown)
    assert any("stage: refine" in c.value for c in at.caption)


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
    assert any(f"The AICMO gateway at {url} is not reachable" in e and "`make run`" in e for e in errors), (
        errors
    )
    assert "Memory stats is unavailable while the gateway is not reachable" in texts(at)
    assert all("Traceback" not in e for e in errors)

    fill_brief(at, client="Northwind Coffee Co.", brand="Northwind", package="quick_social_basic")
    at.button(key="gen_submit").click()
    run(at)
    errors = alerts(at, "error")
    assert sum("is not reachable" in e for e in errors) >= 2  # the banner, and the answer to Generate
    # Nothing the operator typed is lost.
    assert at.text_input(key="brief_client_name").value == "Northwind Coffee Co."
    assert at.text_input(key="brief_brand_name").value == "Northwind"
    assert at.text_area(key="brief_objectives").value == "Grow subscriptions by 30%"
    assert at.selectbox(key="brief_industry").value == "Coffee & cafés"
    # And the Learn tab's actions fail politely too.
    at.text_input(key="learn_forget_input").input("Northwind Coffee Co.")
    at.button(key="learn_forget_count").click()
    run(at)
    assert any("is not reachable" in e for e in alerts(at, "error"))


def test_a_service_down_during_generate_is_explained(
    monkeypatch: pytest.MonkeyPatch, fake: FakeGateway
) -> None:
    at = run(new_app(monkeypatch, fake.url))
    fake.fail("POST", STREAM, 503, "memory UNREACHABLE (connection refused)", code=14)
    fill_brief(at, client="Northwind Coffee Co.", brand="Northwind")
    at.button(key="gen_submit").click()
    run(at)
    errors = alerts(at, "error")
    assert any("a service is down" in e and "memory UNREACHABLE (connection refused)" in e for e in errors), (
        errors
    )
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
    assert any("Fake (hash) embeddings are in use" in w for w in warnings)
    assert "2 items were embedded by another model and are not searched" in warnings
    caption = next(c.value for c in at.caption if c.value.startswith("Embedding model"))
    assert "fake-test-model" in caption and "384 dimensions" in caption and "aicmo:***@" in caption


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
    at.selectbox(key="learn_open_id").select(target["id"])
    run(at)
    assert f"id `{target['id']}`" in texts(at)
    at.radio(key="learn_rate_choice").set_value("weak")
    at.text_input(key="learn_rate_note").input("Too pushy")
    at.button(key="learn_rate_submit").click()
    run(at)
    assert (fake.item(target["id"]) or {}).get("rating") == "weak"
    assert (fake.item(target["id"]) or {}).get("rating_note") == "Too pushy"
    assert any("is now ▽ weak — Too pushy" in s for s in alerts(at, "success"))
    assert metric(at, "Weak-rated") == "1"

    # Delete it, with a confirmation step.
    assert metric(at, "Items learned") == "24"
    at.button(key="learn_delete").click()
    run(at)
    assert any("Delete “Loyalty email” for good?" in w for w in alerts(at, "warning"))
    assert fake.item(target["id"]) is not None
    at.button(key="learn_delete_confirm").click()
    run(at)
    assert fake.item(target["id"]) is None
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
    table = at.dataframe[-1].value
    assert list(table["title"]) == ["Loyalty email"]
    assert fake.calls("POST", "/api/learn/search")[0].body["query"] == "coffee loyalty"


def test_upload_reference_examples_with_dedup(monkeypatch: pytest.MonkeyPatch, fake: FakeGateway) -> None:
    at = run(new_app(monkeypatch, fake.url))
    assert at.text_input(key="learn_upload_kind").value == "uploaded_example"
    data = docx_bytes("Subject: your tenth coffee is on us", "Body: thanks for being a regular.")
    at.file_uploader(key="learn_upload_file").set_value(("gold-email.docx", data, "application/octet-stream"))
    at.text_input(key="learn_upload_client").input("Northwind Coffee Co.")
    at.text_input(key="learn_upload_industry").input("Coffee")
    at.text_input(key="learn_upload_tags").input("email, loyalty")
    at.button(key="learn_upload_submit").click()
    run(at)
    assert any("Learned “gold-email.docx” as a new uploaded_example" in s for s in alerts(at, "success"))
    item = fake.items[0]
    assert item["text"] == "Subject: your tenth coffee is on us\nBody: thanks for being a regular."
    assert (item["kind"], item["client_id"], item["industry"], item["source"]) == (
        "uploaded_example",
        "northwind-coffee-co",
        "Coffee",
        "upload",
    )
    assert item["tags"] == ["email", "loyalty"]
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
    assert any(
        "Forgot client `northwind-coffee-co`: deleted 3 items (3 report_section)." in s
        for s in alerts(at, "success")
    )
    assert [i["client_id"] for i in fake.items] == ["acme"]
    assert metric(at, "Items learned") == "1"


def test_an_interrupted_live_view_is_explained(monkeypatch: pytest.MonkeyPatch, fake: FakeGateway) -> None:
    at = new_app(monkeypatch, fake.url)
    # What a generation left behind when the operator clicked elsewhere mid-stream (Streamlit stops the run).
    at.session_state["gen_progress"] = Progress(
        label="2/4 sections · Campaign Objective", total=4, done=["Overview", "Campaign Objective"]
    )
    run(at)
    assert at.progress[0].proto.text == "Live view stopped after 2 of 4 sections"
    assert at.progress[0].value == 50
    assert any("stopped the live view" in e and "Learn tab" in e for e in alerts(at, "error"))
    assert "✓ 2. Campaign Objective" in texts(at)
