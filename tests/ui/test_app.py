"""The Streamlit app's Generate and Learn tabs under Streamlit's own harness (AppTest), against the real
services: the shared stack for the operator's flows end to end (each test with clients of its own), the
outage environment (tests/ui/outage.py) for what the app shows when memory is out of the generator's reach or
the report writer is down, and a closed port for a gateway that is not there."""

from __future__ import annotations

import datetime
import io
import re
import shutil
import tomllib
import uuid
from collections.abc import Iterator
from typing import Any

import docx
import psycopg2
import pytest
import requests
from fpdf import FPDF
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Button, Markdown

from services.common.client_ids import client_key
from services.generator.adapters.spool import LearningSpool
from tests.e2e.stack import StackProcess
from tests.support import ROOT, ServiceProcess, free_port, new_data_dir, start_gateway
from tests.ui.apptest_support import (
    alerts,
    body,
    embedded,
    fill_brief,
    item,
    items_of,
    metric,
    new_app,
    record,
    reports_of,
    run,
    spy,
    table_with,
    texts,
    unique,
    versions_of,
)
from tests.ui.outage import RETRIEVAL_BUDGET_MS, Outage
from ui import documents, generate_progress, labels
from ui.contract import gpb, mpb
from ui.generate_progress import Progress


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


def count(at: AppTest, label: str = "Items learned") -> int:
    return int(metric(at, label).replace(",", ""))


def quick_social(stack: StackProcess) -> dict[str, Any]:
    """The Quick Social package as the generator's catalogue has it (ListPackages)."""
    packages = stack.get("/api/aicmo/packages").json()["packages"]
    found: dict[str, Any] = next(p for p in packages if p["key"] == "quick_social_basic")
    return found


def generate(at: AppTest, client: str, **brief: Any) -> AppTest:
    fill_brief(at, **{"client": client, "brand": "Northwind", **brief})
    at.button(key="gen_submit").click()
    return run(at)


@pytest.fixture
def generations(monkeypatch: pytest.MonkeyPatch) -> list[gpb.GenerateReportRequest]:
    """Every generation the app asks for, in order."""
    return spy(monkeypatch, "stream_generate_report")


def test_generate_see_progress_report_learning_and_rate_it(
    monkeypatch: pytest.MonkeyPatch, running_stack: StackProcess, generations: list[gpb.GenerateReportRequest]
) -> None:
    searches = spy(monkeypatch, "search")
    client = unique("Northwind Coffee Co.")
    quick = quick_social(running_stack)
    sections = len(quick["sections"])
    at = run(new_app(monkeypatch, running_stack.gateway_url))
    assert [t.label for t in at.tabs] == ["Generate", "History", "Learn", "Audit"]  # an admin's
    before, gold_before = count(at), count(at, "Gold-rated")
    # The package select shows labels and previews the sections.
    assert any(
        line.startswith("Sections in Strategy + Campaign Pack (Standard) (")
        for line in texts(at).splitlines()
    )

    fill_brief(
        at,
        client=client,
        brand="Northwind",
        industry="Other…",
        other_industry="Pet care",
        launch=datetime.date(2026, 12, 1),
        raw_text="Open three new stores.",
    )
    at.button(key="gen_submit").click()
    run(at)
    assert not at.error, alerts(at, "error")

    [sent] = generations
    assert body(sent)["package_key"] == "quick_social_basic"
    assert body(sent)["report_stage"] == "REPORT_STAGE_DRAFT"
    assert body(sent)["client_brief"] == {
        "client_name": client,
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
    assert at.progress[0].proto.text.startswith(f"Report ready: {sections} sections in")
    assert " s · learned in " in at.progress[0].proto.text
    page = texts(at)
    for n, section in enumerate(quick["sections"], start=1):
        assert f"✓ {n}. {section['title']}" in page
    assert f"Sections written: {sections} of {sections}" in page
    # The report, the caption with mode and timings, the learned-from panel, the downloads.
    assert any(str(m.value).startswith("# Northwind — Quick Social Pack (Basic)") for m in at.markdown)
    caption = next(c.value for c in at.caption if c.value.startswith("Written by"))
    assert re.fullmatch(
        r"Written by AICMO's built-in writer · Draft · learning: learned · took (\d+ ms|\d+\.\d s)", caption
    ), caption
    assert "Learned from:" in page
    # Ids, enum names and timings are one click away, in the report's technical details.
    [report] = reports_of(running_stack, client)
    [version] = versions_of(running_stack, report["history_id"])
    technical = expander_text(at, "Technical details of this report")
    assert f"Report id `{version.report_id}`" in technical
    assert "GENERATION_MODE_OFFLINE · LEARNING_STATE_RECORDED · RETRIEVAL_STATE_DONE" in technical
    assert re.search(
        r"retrieve [\d.]+ m?s · compose [\d.]+ m?s · record [\d.]+ m?s · total [\d.]+ m?s", technical
    ), technical
    outside = page.replace(technical, "")
    assert "score " not in outside and "LEARNING_STATE_" not in outside
    assert any(
        s.startswith("Learned: this report and its sections are stored") for s in alerts(at, "success")
    )
    assert [d.label for d in at.download_button] == ["Download Markdown", "Download PDF", "Download Word"]
    # The stats went up by the report and its sections.
    assert count(at) == before + 1 + sections

    # Rate the whole report gold: by the id the response named, which rates its sections too.
    at.radio(key="gen_rate_choice").set_value(mpb.RATING_GOLD)
    at.text_input(key="gen_rate_note").input("Exactly our voice")
    at.button(key="gen_rate_submit").click()
    run(at)
    [whole] = items_of(running_stack, client_key(client), "full_report")
    assert (whole["rating"], whole["rating_note"]) == ("gold", "Exactly our voice")
    assert {i["rating"] for i in items_of(running_stack, client_key(client), "report_section")} == {"gold"}
    assert searches == []  # no guessing the id by title
    assert any(
        f"Rated the whole report gold (★ gold) — {1 + sections} items: the report and its {sections} sections"
        in s
        for s in alerts(at, "success")
    ), alerts(at, "success")
    assert count(at, "Gold-rated") == gold_before + 1 + sections


def test_refine_sends_feedback_and_the_last_draft(
    monkeypatch: pytest.MonkeyPatch, running_stack: StackProcess, generations: list[gpb.GenerateReportRequest]
) -> None:
    client = unique("Northwind Coffee Co.")
    at = generate(run(new_app(monkeypatch, running_stack.gateway_url)), client)
    heading = next(str(m.value) for m in at.markdown if str(m.value).startswith("# Northwind"))
    [report] = reports_of(running_stack, client)

    at.text_area(key="gen_feedback").input("Make it more premium")
    at.button(key="gen_refine").click()
    run(at)
    assert not at.error, alerts(at, "error")
    refine = body(generations[1])
    assert refine["report_stage"] == "REPORT_STAGE_REFINE"
    # The refinement joins the draft's history as its next version.
    assert refine["history_id"] == report["history_id"]
    assert refine["feedback"] == "Make it more premium"
    draft = versions_of(running_stack, report["history_id"])[0]
    assert refine["previous_draft"] == draft.markdown
    assert refine["previous_draft"].startswith(heading)
    assert refine["client_brief"]["client_name"] == client
    assert any(c.value.startswith("Written by") and " · Refined · " in c.value for c in at.caption)
    # Revision notes are for the operator: in the learned-from panel, never in the report.
    refined = versions_of(running_stack, report["history_id"])[1]
    label = next(e.label for e in at.expander if e.label.startswith("Learned"))
    assert "revision notes on " in label, label
    report_text = [str(m.value) for m in at.markdown if str(m.value).startswith(("# Northwind", "## "))]
    assert report_text and not any("*Revision notes:*" in m for m in report_text)
    assert any("*Revision notes:*" in str(m.value) for m in at.markdown)
    assert refined.markdown.startswith("# Northwind")


def test_a_brief_upload_fills_the_brief_text(
    monkeypatch: pytest.MonkeyPatch, running_stack: StackProcess
) -> None:
    at = run(new_app(monkeypatch, running_stack.gateway_url))
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
    monkeypatch: pytest.MonkeyPatch, running_stack: StackProcess, generations: list[gpb.GenerateReportRequest]
) -> None:
    at = run(new_app(monkeypatch, running_stack.gateway_url))
    at.text_input(key="brief_client_name").input("Northwind Coffee Co.")
    at.button(key="gen_submit").click()
    run(at)
    assert alerts(at, "error") == ["Fill in Brand to generate a report."]
    assert generations == []
    assert at.text_input(key="brief_client_name").value == "Northwind Coffee Co."


def test_gateway_down_shows_what_to_do_and_keeps_the_form(monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
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


def test_a_service_down_during_generate_is_explained(monkeypatch: pytest.MonkeyPatch, outage: Outage) -> None:
    at = run(new_app(monkeypatch, outage.gateway_url))
    outage.stop_generator()  # Envoy answers 503 for the report writer
    fill_brief(at, client=unique("Northwind Coffee Co."), brand="Northwind")
    at.button(key="gen_submit").click()
    run(at)
    errors = alerts(at, "error")
    assert any(
        e.startswith("AICMO's report writer is not available right now, so generating the report")
        for e in errors
    ), errors
    assert "503" in expander_text(at, "Technical details")
    assert at.text_input(key="brief_brand_name").value == "Northwind"
    # Once it is back, the same form generates.
    outage.start_generator()
    outage.memory_back()
    at.button(key="gen_submit").click()
    run(at)
    assert not at.error, alerts(at, "error")
    assert any(str(m.value).startswith("# Northwind") for m in at.markdown)


def test_the_token_is_sent_on_every_call(
    monkeypatch: pytest.MonkeyPatch, running_stack: StackProcess
) -> None:
    token = running_stack.token_for(unique("reader").replace(" ", "-"), "viewer")
    sent: list[str | bytes | None] = []
    original = requests.Session.send

    def recording(
        self: requests.Session, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        sent.append(request.headers.get("Authorization"))
        return original(self, request, **kwargs)

    monkeypatch.setattr(requests.Session, "send", recording)
    at = run(new_app(monkeypatch, running_stack.gateway_url, token, role="viewer", name="reader"))
    assert not at.error, alerts(at, "error")
    assert sent and set(sent) == {f"Bearer {token}"}


@pytest.fixture
def memory_with_stand_in_embeddings(running_stack: StackProcess) -> Iterator[tuple[str, str]]:
    """A gateway in front of a memory service (in this process, on a database of its own in the stack's
    Postgres) that runs with the stand-in (hash) embeddings: what an operator sees when AICMO is started that
    way by mistake. Its signed-in person is the stack's admin: the generator still checks sign-in, this
    memory does not."""
    from tests.integration.memory.conftest import start_memory

    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = psycopg2.connect(
        host="127.0.0.1", port=running_stack.ports["pg"], user="aicmo", dbname="postgres"
    )
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    data_dir = new_data_dir("ui-stand-in-memory")
    url = f"postgresql+psycopg2://aicmo@127.0.0.1:{running_stack.ports['pg']}/{name}"
    memory, _ = start_memory(url, data_dir, fake=True)
    gateway: ServiceProcess
    gateway, gateway_url = start_gateway(
        data_dir, generator=running_stack.generator_target, memory=f"127.0.0.1:{memory.app.port}"
    )
    yield gateway_url, running_stack.admin_token()
    gateway.stop()
    memory.app.stop()
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()
    shutil.rmtree(data_dir, ignore_errors=True)


def test_stats_warn_about_stand_in_embeddings(
    monkeypatch: pytest.MonkeyPatch, memory_with_stand_in_embeddings: tuple[str, str]
) -> None:
    at = run(new_app(monkeypatch, *memory_with_stand_in_embeddings))
    warnings = alerts(at, "warning")
    ours = [w for w in warnings if "stand-in embeddings meant only for tests" in w]
    assert len(ours) == 1 and "AICMO_FAKE_EMBEDDINGS" not in ours[0], (warnings, alerts(at, "error"))
    # Memory's own warning about it is shown as memory says it.
    assert any(w.startswith("FAKE EMBEDDINGS IN USE") for w in warnings), warnings
    # The model and the storage only in the technical details.
    technical = expander_text(at, "Technical details: model and storage")
    assert "(384 dimensions)" in technical and "AICMO_FAKE_EMBEDDINGS=1" in technical
    assert "Storage: `postgresql+psycopg2://" in technical
    said = [*warnings, *alerts(at, "info"), *alerts(at, "error"), *(str(m.value) for m in at.markdown)]
    assert not any("postgresql" in line for line in said)


def test_browse_page_filter_open_rate_and_delete(
    monkeypatch: pytest.MonkeyPatch, running_stack: StackProcess
) -> None:
    client_id = client_key(unique("Acme"))
    for n in range(23):
        record(running_stack, kind="report_section", title=f"Section {n}", text=f"section text {n} of {client_id}",
               client_id=client_id)  # fmt: skip
    target = record(running_stack, kind="uploaded_example", title="Loyalty email",
                    text=f"Coffee loyalty email for {client_id}", source="upload", client_id=client_id)  # fmt: skip
    at = run(new_app(monkeypatch, running_stack.gateway_url))
    weak_before = count(at, "Weak-rated")
    at.text_input(key="learn_client_filter").input(client_id)
    run(at)
    assert "Showing 1 to 20 of 24 matching items (page 1)." in texts(at)
    assert len(table_with(at, "Stage")) == 20
    at.button(key="learn_next").click()
    run(at)
    assert "Showing 21 to 24 of 24 matching items (page 2)." in texts(at)
    at.button(key="learn_prev").click()
    run(at)
    at.selectbox(key="learn_kind").select("uploaded_example")
    run(at)
    assert "Showing 1 to 1 of 1 matching items (page 1)." in texts(at)

    # Open it, rate it weak with a note.
    at.selectbox(key="learn_open_id").select(target["id"])
    run(at)
    assert f"id `{target['id']}`" in expander_text(at, "Technical details")
    at.radio(key="learn_rate_choice").set_value(mpb.RATING_WEAK)
    at.text_input(key="learn_rate_note").input("Too pushy")
    at.button(key="learn_rate_submit").click()
    run(at)
    rated = item(running_stack, target["id"])
    assert (rated["rating"], rated["rating_note"]) == ("weak", "Too pushy")
    assert any("is now ▽ weak — Too pushy" in s for s in alerts(at, "success"))
    assert count(at, "Weak-rated") == weak_before + 1

    # Delete it, with a confirmation step.
    before = count(at)
    at.button(key="learn_delete").click()
    run(at)
    assert any("Delete “Loyalty email” for good?" in w for w in alerts(at, "warning"))
    assert running_stack.get(f"/api/learn/items/{target['id']}").status == 200
    at.button(key="learn_delete_confirm").click()
    run(at)
    assert running_stack.get(f"/api/learn/items/{target['id']}").status == 404
    assert any("Deleted “Loyalty email”" in s for s in alerts(at, "success"))
    assert count(at) == before - 1
    assert at.selectbox(key="learn_open_id").value == ""


def test_search_and_open_a_result(monkeypatch: pytest.MonkeyPatch, running_stack: StackProcess) -> None:
    searches = spy(monkeypatch, "search")
    title = unique("Loyalty email")
    record(
        running_stack,
        kind="uploaded_example",
        title=title,
        text=f"{title}: coffee loyalty email with a stamp card",
    )
    record(running_stack, kind="report_section", title=unique("Budget"), text="Budget split for a bakery")
    embedded(running_stack)
    at = run(new_app(monkeypatch, running_stack.gateway_url))
    at.text_input(key="learn_search_query").input(f"{title} coffee loyalty stamp card")
    at.button(key="learn_search_submit").click()
    run(at)
    assert any(re.match(r"\d+ results? for “", i) for i in alerts(at, "info")), alerts(at, "info")
    table = table_with(at, "Match")
    assert (table["Title"].iloc[0], table["Kind"].iloc[0]) == (title, "Uploaded example")
    assert searches[0].query == f"{title} coffee loyalty stamp card"


def test_upload_reference_examples_with_dedup(
    monkeypatch: pytest.MonkeyPatch, running_stack: StackProcess
) -> None:
    client = unique("Northwind Coffee Co.")
    at = run(new_app(monkeypatch, running_stack.gateway_url))
    before = count(at)
    assert at.selectbox(key="learn_upload_kind").value == "uploaded_example"
    data = docx_bytes(f"Subject: your tenth coffee is on us, {client}", "Body: thanks for being a regular.")
    at.file_uploader(key="learn_upload_file").set_value(("gold-email.docx", data, "application/octet-stream"))
    at.text_input(key="learn_upload_client").input(client)
    at.text_input(key="learn_upload_industry").input("Coffee")
    at.text_input(key="learn_upload_tags").input("email, loyalty")
    at.button(key="learn_upload_submit").click()
    run(at)
    assert any("Learned “gold-email.docx” as a new uploaded example" in s for s in alerts(at, "success"))
    [stored] = items_of(running_stack, client_key(client))
    assert (
        stored["text"] == f"Subject: your tenth coffee is on us, {client}\nBody: thanks for being a regular."
    )
    assert (
        stored["kind"],
        stored["client_id"],
        stored["industry"],
        stored["source"],
        stored["section_id"],
    ) == (
        "uploaded_example",
        client_key(client),
        "Coffee",
        "upload",
        "",
    )
    assert stored["tags"] == ["email", "loyalty"]
    assert f"Filed under client id `{client_key(client)}`" in texts(at)
    assert count(at) == before + 1

    at.button(key="learn_upload_submit").click()
    run(at)
    assert any("Already known: “gold-email.docx”" in i for i in alerts(at, "info"))
    assert count(at) == before + 1

    at.file_uploader(key="learn_upload_file").set_value(("image.txt", b"   ", "text/plain"))
    at.button(key="learn_upload_submit").click()
    run(at)
    assert any("image.txt contains no text." in e for e in alerts(at, "error"))


def test_forget_a_client_after_counting(monkeypatch: pytest.MonkeyPatch, running_stack: StackProcess) -> None:
    client, other = unique("Northwind Coffee Co."), client_key(unique("Acme"))
    client_id = client_key(client)
    for n in range(3):
        record(
            running_stack, kind="report_section", title=f"s{n}", text=f"t{n} {client_id}", client_id=client_id
        )
    record(running_stack, kind="report_section", title="other", text=f"other {other}", client_id=other)
    at = run(new_app(monkeypatch, running_stack.gateway_url))
    before = count(at)
    assert "“Northwind Coffee Co.” → `northwind-coffee-co`" in texts(at)  # how a name becomes a client id
    at.text_input(key="learn_forget_input").input(client)
    run(at)
    assert f"Client id: `{client_id}`" in texts(at)
    at.button(key="learn_forget_count").click()
    run(at)
    assert any(
        f"3 items learned for client `{client_id}` will be deleted" in w for w in alerts(at, "warning")
    )
    assert len(items_of(running_stack, client_id)) == 3  # counting deletes nothing
    at.button(key="learn_forget_confirm").click()
    run(at)
    said = next(s for s in alerts(at, "success") if s.startswith(f"Forgot client `{client_id}` at 20"))
    assert "UTC: deleted 3 items (report section: 3)." in said
    assert "is discarded when it arrives" in said
    assert items_of(running_stack, client_id) == [] and len(items_of(running_stack, other)) == 1
    assert count(at) == before - 3
    # The forgotten clients list: who, when, what went, what was discarded since.
    forgotten = table_with(at, "discarded since")
    row = list(forgotten["client"]).index(client_id)
    assert (int(forgotten["deleted"][row]), int(forgotten["discarded since"][row])) == (3, 0)
    assert str(forgotten["forgotten"][row]).endswith(" UTC")


def test_an_interrupted_live_view_is_explained(
    monkeypatch: pytest.MonkeyPatch, running_stack: StackProcess
) -> None:
    at = new_app(monkeypatch, running_stack.gateway_url)
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


def test_rating_a_report_while_its_learning_is_queued_says_to_wait(
    monkeypatch: pytest.MonkeyPatch, outage: Outage
) -> None:
    client = unique("Northwind Coffee Co.")
    sections = len(quick_social(outage.stack)["sections"])
    at = run(new_app(monkeypatch, outage.gateway_url))
    before, weak_before = count(at), count(at, "Weak-rated")
    outage.link.cut()
    generate(at, client)
    assert not at.error, alerts(at, "error")
    assert any(
        "Not learned yet" in w and "will be learned when the memory service is back" in w
        for w in alerts(at, "warning")
    ), alerts(at, "warning")
    assert count(at) == before
    at.radio(key="gen_rate_choice").set_value(mpb.RATING_WEAK)
    at.button(key="gen_rate_submit").click()
    run(at)
    # The id is known while learning is queued; memory answers 404 until the batch is delivered.
    waiting = [w for w in alerts(at, "warning") if "still waiting to be learned" in w]
    assert waiting and "Try rating the report again in a moment" in waiting[0], alerts(at, "warning")
    assert not any("not found" in e for e in alerts(at, "error"))

    # The memory service is back: the queued batch is delivered, and rating works.
    outage.memory_back()
    outage.deliver_queued(client_key(client))
    at.button(key="gen_rate_submit").click()
    run(at)
    assert any(
        f"Rated the whole report weak (▽ weak) — {1 + sections} items: the report and its {sections} sections"
        in s
        for s in alerts(at, "success")
    ), alerts(at, "success") + alerts(at, "warning")
    assert count(at, "Weak-rated") == weak_before + 1 + sections


def test_rate_a_section_with_a_note_where_it_is_shown(
    monkeypatch: pytest.MonkeyPatch, running_stack: StackProcess
) -> None:
    client = unique("Northwind Coffee Co.")
    at = generate(run(new_app(monkeypatch, running_stack.gateway_url)), client)
    weak_before = count(at, "Weak-rated")
    [version] = versions_of(running_stack, reports_of(running_stack, client)[0]["history_id"])
    section = next(s for s in version.sections if s.section_id == "audience_segments")
    # Each section of the report is followed by its own rating control.
    in_order = [
        str(node.value) if isinstance(node, Markdown) else node.key
        for node in at.main
        if isinstance(node, Markdown | Button)
    ]
    position = in_order.index(f"## {section.title}\n\n{section.markdown}".strip())
    assert in_order[position + 1] == "gen_sec_rate_audience_segments"
    at.radio(key="gen_sec_rating_audience_segments").set_value(mpb.RATING_WEAK)
    at.text_input(key="gen_sec_note_audience_segments").input("Too vague about commuters")
    at.button(key="gen_sec_rate_audience_segments").click()
    run(at)
    rated = item(running_stack, section.learned_item_id)
    assert (rated["rating"], rated["rating_note"]) == ("weak", "Too vague about commuters")
    [whole] = items_of(running_stack, client_key(client), "full_report")
    assert whole["rating"] == ""  # the report is not rated
    assert any(
        f"Rated the section “{section.title}” weak (▽ weak), with the note “Too vague about commuters”" in s
        for s in alerts(at, "success")
    ), alerts(at, "success")
    assert count(at, "Weak-rated") == weak_before + 1

    # A new report starts with fresh section controls.
    at.button(key="gen_submit").click()
    run(at)
    assert not any("Rated the section" in s for s in alerts(at, "success"))
    assert at.text_input(key="gen_sec_note_audience_segments").value == ""


def test_a_report_written_without_past_learning_offers_a_retry_with_learning(
    monkeypatch: pytest.MonkeyPatch, outage: Outage, generations: list[gpb.GenerateReportRequest]
) -> None:
    client = unique("Northwind Coffee Co.")
    at = run(new_app(monkeypatch, outage.gateway_url))
    outage.link.cut()
    generate(at, client)
    warning = next(w for w in alerts(at, "warning") if "written without past learning" in w)
    assert labels.RETRIEVAL_SKIPPED_WORDS[gpb.RETRIEVAL_STATE_SKIPPED_UNAVAILABLE] in warning
    assert "Learned from: nothing — this report was written without past learning" in texts(at)

    outage.memory_back()  # memory answers again
    at.button(key="gen_retry_learning").click()
    run(at)
    assert not at.error, alerts(at, "error")
    first, retry = (body(g) for g in generations)
    assert retry["use_learning"] is True
    assert {k: retry[k] for k in ("client_brief", "package_key", "report_stage")} == {
        k: first[k] for k in ("client_brief", "package_key", "report_stage")
    }
    assert not any("written without past learning" in w for w in alerts(at, "warning"))
    assert not [b for b in at.button if b.key == "gen_retry_learning"]
    assert "Learned from: nothing" not in texts(at)

    # Memory too slow to answer within the retrieval budget has its own words, and a retry too.
    outage.link.slow["SearchItems"] = RETRIEVAL_BUDGET_MS / 1000 + 1
    at.button(key="gen_submit").click()
    run(at)
    said = alerts(at, "warning")
    assert any(labels.RETRIEVAL_SKIPPED_WORDS[gpb.RETRIEVAL_STATE_SKIPPED_SLOW] in w for w in said), said
    assert [b for b in at.button if b.key == "gen_retry_learning"]
    outage.link.slow.clear()
    # Learning turned off offers no retry and nothing to rate.
    at.checkbox(key="brief_use_learning").uncheck()
    at.button(key="gen_submit").click()
    run(at)
    assert any("Not learned: learning was turned off" in i for i in alerts(at, "info"))
    keys = [b.key for b in at.button]
    assert "gen_retry_learning" not in keys and "gen_rate_submit" not in keys
    assert not any(str(k).startswith("gen_sec_rate_") for k in keys)


def test_every_reason_for_skipped_learning_has_words() -> None:
    """No time left for retrieval cannot be caused from outside the generator; its words are checked here."""
    assert set(labels.RETRIEVAL_SKIPPED_WORDS) == labels.RETRIEVAL_SKIPPED
    for state in labels.RETRIEVAL_SKIPPED:
        assert labels.retrieval_skipped(gpb.GenerateReportResponse(retrieval_state=state))
    assert not labels.retrieval_skipped(gpb.GenerateReportResponse(retrieval_state=gpb.RETRIEVAL_STATE_DONE))


def test_share_an_item_with_the_agency_library(
    monkeypatch: pytest.MonkeyPatch, running_stack: StackProcess
) -> None:
    client_id = client_key(unique("Acme"))
    library = record(
        running_stack, kind="uploaded_example", title="Playbook", text=unique("Generic loyalty playbook")
    )
    target = record(running_stack, kind="uploaded_example", title="Acme email", text=f"Acme loyalty email {client_id}",
                    client_id=client_id)  # fmt: skip
    at = run(new_app(monkeypatch, running_stack.gateway_url))
    table = table_with(at, "Used for")
    uses = dict(zip(table["Title"], table["Used for"], strict=True))
    assert (uses["Acme email"], uses["Playbook"]) == ("this client only", "agency library")
    at.selectbox(key="learn_open_id").select(target["id"])
    run(at)
    share = at.toggle(key="learn_share")
    assert share.label == "Shared with the agency library"
    assert share.value is False and not share.disabled

    # Sharing a client's item asks first: it may carry the client's names and figures.
    share.set_value(True)
    run(at)
    assert any("Share “Acme email” with the agency library?" in w for w in alerts(at, "warning"))
    assert item(running_stack, target["id"])["scope"] == "SCOPE_CLIENT"
    at.button(key="learn_share_confirm").click()
    run(at)
    assert item(running_stack, target["id"])["scope"] == "SCOPE_AGENCY"
    assert any("Shared “Acme email” with the agency library" in s for s in alerts(at, "success"))
    assert at.toggle(key="learn_share").value is True

    # Keeping it to its client again is immediate.
    at.toggle(key="learn_share").set_value(False)
    run(at)
    assert item(running_stack, target["id"])["scope"] == "SCOPE_CLIENT"
    assert any(f"is kept to client `{client_id}` again" in s for s in alerts(at, "success"))
    assert at.toggle(key="learn_share").value is False

    # A refused change leaves the control as the server has it: here memory refuses a person whose sign-in
    # changed to an operator's since the page was drawn (sharing is for admins).
    name = unique("olive").replace(" ", "-")
    at.session_state["aicmo_auth"] = {
        "token": running_stack.token_for(name, "operator"),
        "name": name,
        "role": "admin",
    }
    at.toggle(key="learn_share").set_value(True)
    run(at)
    at.button(key="learn_share_confirm").click()
    run(at)
    assert alerts(at, "error"), alerts(at, "warning")
    assert "403" in expander_text(at, "Technical details")
    assert at.toggle(key="learn_share").value is False
    assert item(running_stack, target["id"])["scope"] == "SCOPE_CLIENT"

    # An item naming no client is always in the agency library.
    at.session_state["aicmo_auth"] = {"token": running_stack.admin_token(), "name": "admin", "role": "admin"}
    at.selectbox(key="learn_open_id").select(library["id"])
    run(at)
    assert at.toggle(key="learn_share").value is True
    assert at.toggle(key="learn_share").disabled


def test_upload_scope_defaults_to_the_client_or_the_agency_library(
    monkeypatch: pytest.MonkeyPatch, running_stack: StackProcess
) -> None:
    uploads = spy(monkeypatch, "record_item")
    client = unique("Acme")
    at = run(new_app(monkeypatch, running_stack.gateway_url))
    assert at.selectbox(key="learn_upload_scope").value == mpb.SCOPE_UNSPECIFIED
    at.file_uploader(key="learn_upload_file").set_value(
        ("playbook.md", unique("Generic playbook").encode(), "text/markdown")
    )
    at.button(key="learn_upload_submit").click()
    run(at)
    assert uploads[-1].item.scope == mpb.SCOPE_AGENCY
    assert any("for the agency library" in s for s in alerts(at, "success")), alerts(at, "success")

    at.file_uploader(key="learn_upload_file").set_value(
        ("acme.md", f"{client}'s own email".encode(), "text/markdown")
    )
    at.text_input(key="learn_upload_client").input(client)
    at.button(key="learn_upload_submit").click()
    run(at)
    assert (uploads[-1].item.client_id, uploads[-1].item.scope) == (client_key(client), mpb.SCOPE_CLIENT)
    assert any(f"for client `{client_key(client)}` only" in s for s in alerts(at, "success"))

    at.file_uploader(key="learn_upload_file").set_value(
        ("shared.md", f"{client} example to share".encode(), "text/markdown")
    )
    at.selectbox(key="learn_upload_scope").select(mpb.SCOPE_AGENCY)
    at.button(key="learn_upload_submit").click()
    run(at)
    assert (uploads[-1].item.client_id, uploads[-1].item.scope) == (client_key(client), mpb.SCOPE_AGENCY)
    assert {(i["text"].split(" ")[-1], i["scope"]) for i in items_of(running_stack, client_key(client))} == {
        ("email", "SCOPE_CLIENT"),
        ("share", "SCOPE_AGENCY"),
    }

    # Kept to a client, but no client given: said before calling.
    calls = len(uploads)
    at.file_uploader(key="learn_upload_file").set_value(("x.md", b"Something else", "text/markdown"))
    at.text_input(key="learn_upload_client").input("")
    at.selectbox(key="learn_upload_scope").select(mpb.SCOPE_CLIENT)
    at.button(key="learn_upload_submit").click()
    run(at)
    assert any("Give the client this example belongs to" in w for w in alerts(at, "warning"))
    assert len(uploads) == calls


def test_search_as_a_report_for_one_client_would(
    monkeypatch: pytest.MonkeyPatch, running_stack: StackProcess
) -> None:
    searches = spy(monkeypatch, "search")
    acme, zeta, word = unique("Acme"), client_key(unique("Zeta")), unique("coffee").split()[-1]
    record(running_stack, kind="uploaded_example", title=f"Acme coffee {word}", text=f"coffee {word} for acme",
           client_id=client_key(acme))  # fmt: skip
    record(running_stack, kind="uploaded_example", title=f"Zeta coffee {word}", text=f"coffee {word} for zeta",
           client_id=zeta)  # fmt: skip
    record(
        running_stack, kind="uploaded_example", title=f"Library coffee {word}", text=f"coffee {word} playbook"
    )
    embedded(running_stack)
    at = run(new_app(monkeypatch, running_stack.gateway_url))
    at.text_input(key="learn_search_query").input(f"coffee {word}")
    at.text_input(key="learn_search_for_client").input(acme)
    at.button(key="learn_search_submit").click()
    run(at)
    assert searches[0].for_client_id == client_key(acme)
    titles = set(table_with(at, "Match")["Title"])
    assert {f"Acme coffee {word}", f"Library coffee {word}"} <= titles
    assert f"Zeta coffee {word}" not in titles
    assert any(f"as a report for `{client_key(acme)}` would see them" in i for i in alerts(at, "info"))


def test_the_learning_queue_panel_replays_and_drops(monkeypatch: pytest.MonkeyPatch, outage: Outage) -> None:
    """Learning waiting in the generator's real spool (how a report's learning comes to wait there is in
    test_rating_a_report_while_its_learning_is_queued_says_to_wait): a batch memory takes, and one it refuses
    for good (an item kind it does not accept). Written with the spool's own code, so the spool does not
    deliver them before the operator replays them."""
    client_id = client_key(unique("Northwind"))
    for leftover in outage.queue():  # what earlier tests left behind
        outage.call("DELETE", f"/api/aicmo/learning_queue/{leftover['name']}")
    spool = LearningSpool(outage.spool_dir, lambda batch, timeout: None)

    def learning(kind: str, title: str, client: str) -> mpb.BatchRecordItemsRequest:
        item = mpb.LearningItem(kind=kind, title=title, text=f"{title} for {client}", client_id=client)
        return mpb.BatchRecordItemsRequest(requests=[mpb.RecordItemRequest(item=item)])

    spool.enqueue(learning("full_report", "Northwind — Quick Social Pack (Basic)", client_id), "takes")
    title = "Acme — Launch Pack"
    spool.enqueue(learning("Not A Kind", title, "acme"), "refused-by-memory")
    queued, aside = outage.queue()
    assert queued["client_id"] == client_id

    at = run(new_app(monkeypatch, outage.gateway_url))
    before = count(at)
    assert "2 queued · 0 set aside" in texts(at), (
        [m.value for m in at.markdown if "queued" in str(m.value)],
        outage.queue(),
    )

    # Replay that delivers: learned now.
    at.button(key=f"learn_queue_replay_{queued['name']}").click()
    run(at)
    assert any(
        "Delivered: “Northwind — Quick Social Pack (Basic)” is learned now." in s
        for s in alerts(at, "success")
    )
    assert count(at) == before + 1
    assert [i["kind"] for i in items_of(outage.stack, client_id)] == ["full_report"]
    assert "1 queued · 0 set aside" in texts(at)

    # Replay that fails sets it aside and says why.
    at.button(key=f"learn_queue_replay_{aside['name']}").click()
    run(at)
    said = [w for w in alerts(at, "warning") if f"“{title}” was not delivered: INVALID_ARGUMENT" in w]
    assert said and said[0].endswith("It stays set aside."), alerts(at, "warning")
    assert "0 queued · 1 set aside" in texts(at)
    assert f"**{title}** — set aside" in texts(at)
    assert any("Why it was set aside: INVALID_ARGUMENT" in w for w in alerts(at, "warning"))
    at.button(key="sidebar_health_refresh").click()
    run(at)
    assert "1 report(s) set aside" in texts(at)  # the sidebar says so too

    # Drop asks first; Cancel keeps it.
    at.button(key=f"learn_queue_drop_{aside['name']}").click()
    run(at)
    assert any(f"Drop “{title}” from the learning queue?" in w for w in alerts(at, "warning"))
    at.button(key=f"learn_queue_drop_cancel_{aside['name']}").click()
    run(at)
    assert [b["name"] for b in outage.queue()] == [aside["name"]]
    at.button(key=f"learn_queue_drop_{aside['name']}").click()
    run(at)
    at.button(key=f"learn_queue_drop_confirm_{aside['name']}").click()
    run(at)
    assert outage.queue() == []
    assert any(f"Dropped “{title}”" in s for s in alerts(at, "success"))
    assert "Nothing is waiting: every report has reached memory." in texts(at)
    assert count(at) == before + 1


def test_the_learn_list_tells_identical_report_titles_apart(
    monkeypatch: pytest.MonkeyPatch, running_stack: StackProcess
) -> None:
    """Three reports titled "Northwind — Quick Social Pack (Basic)": kind labels, a stage column, the
    client, when, and a preview tell them apart, in the table and in the item picker."""
    client = unique("Northwind Coffee Co.")
    at = generate(run(new_app(monkeypatch, running_stack.gateway_url)), client)
    at.text_area(key="gen_feedback").input("Make it more premium")
    at.button(key="gen_refine").click()
    run(at)
    at = generate(at, client, raw_text="A second draft, written from a longer brief.")
    at.text_input(key="learn_client_filter").input(client_key(client))
    at.selectbox(key="learn_kind").select("full_report")
    run(at)
    table = table_with(at, "Stage")
    assert list(table["Title"]) == ["Northwind — Quick Social Pack (Basic)"] * 3
    assert list(table["Kind"]) == ["Whole report"] * 3
    assert list(table["Stage"]) == ["Draft", "Refined", "Draft"]  # newest first
    assert set(table["Client"]) == {client}
    assert all(str(t).endswith(" UTC") for t in table["Learned"])
    # The preview is the first words a reader sees: no heading, no "Prepared for" line.
    assert all(str(p) and not str(p).startswith(("#", "_", "Prepared")) for p in table["Preview"])
    assert "full_report" not in str(table.to_dict())
    # In the picker too, every report has its own label (stage, when, client; a short id if still tied).
    labels_shown = at.selectbox(key="learn_open_id").options[1:]
    assert len(labels_shown) == len(set(labels_shown)) == 3
    assert all(
        label.startswith("Northwind — Quick Social Pack (Basic) · Whole report · ") for label in labels_shown
    )
    assert sum(" · Refined · " in label for label in labels_shown) == 1


def test_upload_picks_a_kind_and_a_section_from_the_packages(
    monkeypatch: pytest.MonkeyPatch, running_stack: StackProcess
) -> None:
    uploads = spy(monkeypatch, "record_item")
    at = run(new_app(monkeypatch, running_stack.gateway_url))
    kind = at.selectbox(key="learn_upload_kind")
    assert kind.options == ["Uploaded example", "Report section"]  # a picker, not free text
    section = at.selectbox(key="learn_upload_section")
    # Every section of every package, once, in catalogue order, after "any section" (from ListPackages).
    catalogue = running_stack.get("/api/aicmo/packages").json()["packages"]
    titles = list(dict.fromkeys(s["title"] for p in catalogue for s in p["sections"]))
    assert section.options == ["Any section (informs the overview)", *titles]

    # An example report section must say which section it is.
    text = unique("Commuters, 25-40")
    at.file_uploader(key="learn_upload_file").set_value(("audience.md", text.encode(), "text/markdown"))
    at.selectbox(key="learn_upload_kind").select("report_section")
    at.button(key="learn_upload_submit").click()
    run(at)
    assert any("Choose the section this is an example of" in w for w in alerts(at, "warning"))
    assert uploads == []

    at.selectbox(key="learn_upload_section").select("audience_segments")
    at.button(key="learn_upload_submit").click()
    run(at)
    [sent] = uploads
    assert (sent.item.kind, sent.item.section_id) == ("report_section", "audience_segments")
    assert any("as a new report section for the agency library" in s for s in alerts(at, "success"))
    # What an operator sees of the item: its kind as a label, its id only in the technical details.
    stored = next(
        i
        for i in running_stack.get("/api/learn/items?kind=report_section&page_size=20").json()["items"]
        if i["text"] == text
    )
    at.selectbox(key="learn_open_id").select(stored["id"])
    run(at)
    heading = next(str(m.value) for m in at.markdown if str(m.value).startswith("**audience.md**"))
    assert heading == "**audience.md** — Report section · unrated · agency library"
    assert stored["id"] not in heading


def test_one_upload_limit_for_both_upload_widgets(
    monkeypatch: pytest.MonkeyPatch, running_stack: StackProcess
) -> None:
    uploads = spy(monkeypatch, "record_item")
    limit = documents.MAX_UPLOAD_MB
    # The server's own limit says the same (the app is started from the repo root, where this file is).
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] == limit
    at = run(new_app(monkeypatch, running_stack.gateway_url))
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
    assert uploads == []


def test_the_sidebar_says_what_is_down_and_what_it_means(
    monkeypatch: pytest.MonkeyPatch, outage: Outage
) -> None:
    outage.link.cut()
    at = run(new_app(monkeypatch, outage.gateway_url))
    sidebar = at.sidebar
    [warning] = [str(w.value) for w in sidebar.warning]
    assert warning.startswith("Not everything works: Memory (what AICMO has learned)"), warning
    inside = {str(c.value) for e in sidebar.expander for c in e.caption}
    said = "\n".join(str(c.value) for c in sidebar.caption if str(c.value) not in inside)
    assert ":green[●] Report writer: working" in said
    assert ":red[●] Memory (what AICMO has learned): not answering" in said
    assert "Reports are still written, but without past learning" in said
    technical = expander_text(at, "Technical details")
    assert "memory: SERVING_STATE_UNREACHABLE" in technical
    assert f"Gateway: `{outage.gateway_url}`" in technical
    assert "UNREACHABLE" not in said and "127.0.0.1" not in said


def test_progress_says_learning_while_the_report_is_learned(
    monkeypatch: pytest.MonkeyPatch, outage: Outage
) -> None:
    """Sections as they stream, then "Learning this report…" until `completed` arrives, then done: each
    label with the time taken, the clock moving while AICMO is quiet (here memory is slow, so recording the
    report's learning takes a while)."""
    sections = len(quick_social(outage.stack)["sections"])
    shown: list[str] = []
    original = generate_progress.progress_label

    def recording(progress: Progress) -> str:
        label = original(progress)
        if not shown or shown[-1] != label:
            shown.append(label)
        return label

    monkeypatch.setattr(generate_progress, "progress_label", recording)
    monkeypatch.setattr(generate_progress, "TICK_SECONDS", 0.2)
    at = run(new_app(monkeypatch, outage.gateway_url))
    outage.link.slow["BatchRecordItems"] = 1.5  # recording the report's learning takes a while
    at = generate(at, unique("Northwind Coffee Co."))
    assert not at.error, alerts(at, "error")
    assert shown[0].startswith("Sending the brief to AICMO… ")
    writing = [
        s for s in shown if s.startswith(f"Writing {sections} sections of Quick Social Pack (Basic)… ")
    ]
    assert writing, shown
    written = [s.split(" · ")[0] for s in shown if " sections written · " in s and "/" in s.split(" · ")[0]]
    assert written[:2] == [f"1/{sections} sections written", f"2/{sections} sections written"], shown
    learning = [s for s in shown if s.startswith(f"Learning this report… all {sections} sections written · ")]
    assert len(learning) >= 2, shown  # the clock moved on while the report was learned
    final = shown[-1]
    assert final == at.progress[0].proto.text
    match = re.fullmatch(rf"Report ready: {sections} sections in (\d+\.\d) s · learned in (\d+\.\d) s", final)
    assert match, final
    assert float(match.group(2)) >= 1.4 and float(match.group(1)) >= float(match.group(2))


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
