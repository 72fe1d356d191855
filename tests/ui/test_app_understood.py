"""The brief as AICMO understands it (UnderstandBrief) in the Generate tab, under Streamlit's AppTest against
the real stack: the panel shows the facts with where
each came from and the gaps; a correction writes the matching form field or further brief field and checks
again; a refinement says what it changed and what it could not apply; a report carries the brief it was
written from; a model-written section refused for breaking a rule is said in words."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from services.generator.domain.brief_parser import understand
from services.generator.entrypoints.convert import understood_to_proto
from tests.e2e.stack import StackProcess
from tests.labelled_briefs import labelled_briefs
from tests.openai_stub_server import OpenAIStubServer
from tests.ui.apptest_support import alerts, body, fill_brief, new_app, run, spy, table_with, texts, unique
from tests.ui.outage import Outage
from ui import understood
from ui.contract import gpb
from ui.labels import refused_section

BRIEF_TEXT = """Northwind sells a specialty coffee subscription in Germany (Berlin and Hamburg).
We compete with Blue Bottle (premium, app-led) and Tchibo.
Our centrepiece is the Berlin Coffee Festival (12-14 September 2026).
A subscription costs €24 per month.

Objectives:
- Reach 5,000 subscribers by 31 December 2026

Never use the word "cheap". No TikTok. All health claims must be approved by legal before use.
"""


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[gpb.ClientBrief]:
    """Every brief the app sends to be understood (UnderstandBrief), in order."""
    return spy(monkeypatch, "understand_brief")


@pytest.fixture
def generations(monkeypatch: pytest.MonkeyPatch) -> list[gpb.GenerateReportRequest]:
    """Every generation the app asks for, in order."""
    return spy(monkeypatch, "stream_generate_report")


def facts(at: AppTest) -> str:
    """The panel's list of facts (the first markdown block that lists the business model)."""
    found = [str(m.value) for m in at.markdown if str(m.value).startswith("- **Business model:**")]
    assert found, [m.value for m in at.markdown]
    return found[0]


def fact_line(at: AppTest, label: str) -> str:
    lines = [line for line in facts(at).splitlines() if line.startswith(f"- **{label}:**")]
    assert lines, facts(at)
    return lines[0]


def check(at: AppTest, *, client: str = "Northwind Coffee Co.", brand: str = "Northwind") -> AppTest:
    """Fills the names, a budget and the brief text, and checks the brief (nothing is stored by a check, so
    the same client name is fine across tests)."""
    at.text_input(key="brief_client_name").input(client)
    at.text_input(key="brief_brand_name").input(brand)
    at.text_input(key="brief_budget").input("45,000")
    at.text_area(key="brief_raw_text").input(BRIEF_TEXT)
    at.button(key="brief_check").click()
    return run(at)


def test_each_fact_read_from_the_text_shows_the_words_it_came_from(
    monkeypatch: pytest.MonkeyPatch, running_stack: StackProcess, checks: list[gpb.ClientBrief]
) -> None:
    at = check(run(new_app(monkeypatch, running_stack.gateway_url)))
    lines = facts(at).splitlines()
    competitors = next(i for i, line in enumerate(lines) if line.startswith("- **Competitors:**"))
    # The sentence of the brief the competitors were read from sits right under the fact.
    assert (
        lines[competitors + 1].strip()
        == "- \u201cWe compete with Blue Bottle (premium, app-led) and Tchibo.\u201d"
    )


def test_check_the_brief_shows_each_fact_where_it_came_from_and_the_gaps(
    monkeypatch: pytest.MonkeyPatch,
    running_stack: StackProcess,
    checks: list[gpb.ClientBrief],
    generations: list[gpb.GenerateReportRequest],
) -> None:
    at = run(new_app(monkeypatch, running_stack.gateway_url))
    assert "“Check the brief” shows what AICMO reads" in texts(at)
    check(at)
    # The brief as the form has it, as the REST body (the ClientBrief itself).
    assert [body(c) for c in checks] == [
        {
            "client_name": "Northwind Coffee Co.",
            "brand_name": "Northwind",
            "budget": "45,000",
            "raw_brief_text": BRIEF_TEXT.strip(),
        }
    ]
    assert not at.error, alerts(at, "error")
    # Nothing was generated or learned.
    assert generations == []

    # Each fact in plain words, with where it came from.
    assert fact_line(at, "Business model") == (
        "- **Business model:** direct-to-consumer subscription — read from subscription, subscribers, per month · *inferred*"
    )
    assert fact_line(at, "Budget") == (
        "- **Budget:** 45,000 — EUR 45,000 for the whole programme (currency assumed) · *from the form*"
    )
    assert fact_line(at, "Markets") == "- **Markets:** Germany, Berlin, Hamburg (DE) · *from the brief text*"
    assert fact_line(at, "Competitors") == (
        "- **Competitors:** Blue Bottle (premium, app-led); Tchibo · *from the brief text*"
    )
    assert fact_line(at, "Dated events") == (
        "- **Dated events:** Berlin Coffee Festival — 12-14 September 2026 (2026-09-12 to 2026-09-14) · "
        "*from the brief text*"
    )
    assert fact_line(at, "Prices and deal values") == (
        "- **Prices and deal values:** subscription: €24 (price, EUR 24 a month) · *from the brief text*"
    )
    for label in ("Retail partners", "Offers", "Language of the creative", "Tone of voice"):
        assert fact_line(at, label) == f"- **{label}:** not stated"
    # The currency was assumed: said as a warning, with what to do.
    warnings = alerts(at, "warning")
    assert any(
        w.startswith("The budget names no currency: AICMO assumed EUR from the markets") for w in warnings
    )
    # The objectives exactly as stated, split into metric, target and deadline.
    objectives = table_with(at, "Deadline")
    assert list(objectives["As stated"]) == ["Reach 5,000 subscribers by 31 December 2026"]
    assert list(objectives["Target"]) == ["5,000"]
    assert list(objectives["Deadline"]) == ["by 31 December 2026 (2026-12-31)"]
    # The rules the plan obeys.
    page = texts(at)
    assert "**Channels ruled out** (no budget, no tactic, no mention): TikTok" in page
    assert "**Words never used:** “cheap”" in page
    assert "**Claims that need sign-off before use:** All health claims must be approved by legal" in page
    # The gaps, as warnings.
    assert "**Audience:** not defined; the plan uses a working definition" in warnings
    assert any(w.startswith("**Language:** not stated although the markets speak German") for w in warnings)
    assert not any(w.startswith("**Competitors:**") for w in warnings)

    # Typing more without checking again: the panel says it is out of date.
    at.text_input(key="brief_timeline").input("10 weeks")
    at.button(key="gen_submit").click()  # sends the form (and generates)
    run(at)
    assert any("The brief has changed since it was checked" in i for i in alerts(at, "info"))


def test_an_uploaded_brief_is_checked_by_itself(
    monkeypatch: pytest.MonkeyPatch, running_stack: StackProcess, checks: list[gpb.ClientBrief]
) -> None:
    at = run(new_app(monkeypatch, running_stack.gateway_url))
    at.file_uploader(key="brief_upload").set_value(("brief.md", BRIEF_TEXT.encode(), "text/markdown"))
    run(at)
    assert at.text_area(key="brief_raw_text").value == BRIEF_TEXT.strip()
    # Checked at once, with stand-ins for the names the form does not have yet (the contract needs them).
    [call] = checks
    assert call.raw_brief_text == BRIEF_TEXT.strip()
    assert (call.client_name, call.brand_name) == (
        understood.STAND_IN_CLIENT,
        understood.STAND_IN_BRAND,
    )
    assert any(
        i.startswith(
            "Checked by itself after the upload, with the form as last sent: it had no client name or "
            "brand yet, so the brief was read without them."
        )
        for i in alerts(at, "info")
    ), alerts(at, "info")
    assert fact_line(at, "Competitors").startswith(
        "- **Competitors:** Blue Bottle (premium, app-led); Tchibo"
    )

    # Once the names are in, “Check the brief” reads it with them.
    check(at)
    assert checks[-1].client_name == "Northwind Coffee Co."
    assert not any("no client name" in i or "not filled in" in i for i in alerts(at, "info"))
    assert "Checked by itself" not in texts(at)


def test_a_correction_writes_the_matching_field_and_checks_again(
    monkeypatch: pytest.MonkeyPatch,
    running_stack: StackProcess,
    checks: list[gpb.ClientBrief],
    generations: list[gpb.GenerateReportRequest],
) -> None:
    at = check(run(new_app(monkeypatch, running_stack.gateway_url)))

    # Competitors have no form field: the correction is the brief's `competitors` field, and wins over the text.
    at.selectbox(key="brief_fix_fact").select("competitors")
    run(at)
    # The box starts with what was understood, written as the field would say it.
    assert at.text_area(key="brief_fix_value").value == "Blue Bottle (premium, app-led); Tchibo"
    at.text_area(key="brief_fix_value").input("Tchibo (mass market); Coffee Circle (direct rival)")
    at.button(key="brief_fix_save").click()
    run(at)
    assert len(checks) == 2
    assert body(checks[-1])["metadata"] == {
        "competitors": "Tchibo (mass market); Coffee Circle (direct rival)"
    }
    assert fact_line(at, "Competitors") == (
        "- **Competitors:** Tchibo (mass market); Coffee Circle (direct rival) · *from the form*"
    )
    assert any(
        s.startswith(
            "Competitors: wrote “Tchibo (mass market); Coffee Circle (direct rival)” into the brief field"
        )
        for s in alerts(at, "success")
    )
    assert "Checked by itself after your correction" in texts(at)
    assert "`competitors`: Tchibo (mass market); Coffee Circle (direct rival)" in texts(at)

    # The budget has a form field: the correction writes it there.
    at.selectbox(key="brief_fix_fact").select("budget")
    run(at)
    assert at.text_area(key="brief_fix_value").value == "45,000"
    at.text_area(key="brief_fix_value").input("£45,000 per quarter")
    at.button(key="brief_fix_save").click()
    run(at)
    assert at.text_input(key="brief_budget").value == "£45,000 per quarter"
    assert checks[-1].budget == "£45,000 per quarter"
    assert (
        fact_line(at, "Budget")
        == "- **Budget:** £45,000 per quarter — GBP 45,000 a quarter · *from the form*"
    )
    assert not any(w.startswith("The budget names no currency") for w in alerts(at, "warning"))

    # The business model, picked from the models AICMO knows.
    at.selectbox(key="brief_fix_fact").select("business_model")
    run(at)
    assert at.selectbox(key="brief_fix_model").value == gpb.BUSINESS_MODEL_DTC_SUBSCRIPTION
    at.selectbox(key="brief_fix_model").set_value(gpb.BUSINESS_MODEL_DTC_ECOMMERCE)
    at.button(key="brief_fix_save").click()
    run(at)
    assert checks[-1].metadata["business_model"] == "DTC ecommerce"
    assert fact_line(at, "Business model") == (
        "- **Business model:** direct-to-consumer online store — stated in the brief · *from the form*"
    )

    # The report is written from the brief with the corrections.
    at.selectbox(key="gen_package").select("quick_social_basic")
    at.button(key="gen_submit").click()
    run(at)
    sent = body(generations[-1])["client_brief"]
    assert sent["budget"] == "£45,000 per quarter"
    assert sent["metadata"] == {
        "business_model": "DTC ecommerce",
        "competitors": "Tchibo (mass market); Coffee Circle (direct rival)",
    }

    # Emptying a correction gives the fact back to the brief text; removing the further fields drops them.
    at.selectbox(key="brief_fix_fact").select("competitors")
    run(at)
    at.text_area(key="brief_fix_value").input("")
    at.button(key="brief_fix_save").click()
    run(at)
    assert fact_line(at, "Competitors").endswith(
        "Blue Bottle (premium, app-led); Tchibo · *from the brief text*"
    )
    at.button(key="brief_extra_clear").click()
    run(at)
    assert "metadata" not in body(checks[-1])
    assert "Further brief fields you set" not in texts(at)


def test_a_brief_checked_without_its_names_says_so(
    monkeypatch: pytest.MonkeyPatch, running_stack: StackProcess, checks: list[gpb.ClientBrief]
) -> None:
    at = run(new_app(monkeypatch, running_stack.gateway_url))
    check(at, client="", brand="Northwind")
    assert checks[-1].client_name == understood.STAND_IN_CLIENT
    assert any(
        i.startswith("Client name is not filled in, so the brief was read without it")
        for i in alerts(at, "info")
    )
    # Generating still needs it.
    at.button(key="gen_submit").click()
    run(at)
    assert "Fill in Client name to generate a report." in alerts(at, "error")


def test_a_check_that_fails_says_so_and_keeps_the_form(
    monkeypatch: pytest.MonkeyPatch, outage: Outage, checks: list[gpb.ClientBrief]
) -> None:
    at = run(new_app(monkeypatch, outage.gateway_url))
    at.button(key="brief_check").click()
    run(at)
    assert checks == []
    assert any("There is nothing to check yet" in i for i in alerts(at, "info"))

    outage.stop_generator()  # the report writer is down: Envoy answers 503 for it
    check(at)
    assert any(
        "not available right now, so checking the brief did not work" in e for e in alerts(at, "error")
    ), alerts(at, "error")
    assert at.text_area(key="brief_raw_text").value == BRIEF_TEXT


def test_refine_says_what_it_changed_and_what_it_could_not_apply(
    monkeypatch: pytest.MonkeyPatch, running_stack: StackProcess, generations: list[gpb.GenerateReportRequest]
) -> None:
    at = run(new_app(monkeypatch, running_stack.gateway_url))
    client = unique("Northwind Coffee Co.")
    fill_brief(at, client=client, brand="Northwind", raw_text="We compete with Tchibo.")
    at.button(key="gen_submit").click()
    run(at)
    assert not at.error, alerts(at, "error")
    # The report carries the brief it was written from, collapsed under it (with its gaps counted, as the
    # generator reads the same brief).
    read = running_stack.post("/api/aicmo/brief:understand", body(generations[-1].client_brief))
    assert read.status == 200, read.body
    gaps = read.json().get("gaps", [])
    assert [e.label for e in at.expander if e.label.startswith("Brief as understood for this report")] == [
        "Brief as understood for this report"
        + (f" · {len(gaps)} gap{'s' if len(gaps) != 1 else ''}" if gaps else "")
    ]
    assert "- **Competitors:** Tchibo · *from the brief text*" in "\n".join(str(m.value) for m in at.markdown)
    # A first draft has nothing to say about feedback.
    assert "What your feedback did" not in texts(at)

    at.text_area(key="gen_feedback").input("Make it more premium; drop TikTok; make it sparkle")
    at.button(key="gen_refine").click()
    run(at)
    assert "What your feedback did" in texts(at)
    assert "Feedback: “Make it more premium; drop TikTok; make it sparkle”" in texts(at)
    changed = next(s for s in alerts(at, "success") if s.startswith("Changed in this version:"))
    assert "**Tone more premium:**" in changed and "**TikTok ruled out:**" in changed
    not_applied = next(w for w in alerts(at, "warning") if w.startswith("Could not be applied, and why:"))
    assert "“make it sparkle”: not a change the plan can make as written" in not_applied
    # Never in the report itself.
    report = [str(m.value) for m in at.markdown if str(m.value).startswith(("# Northwind", "## "))]
    assert report and not any("Could not be applied" in m or "TikTok ruled out" in m for m in report)


@pytest.fixture(scope="module")
def with_a_model(running_stack: StackProcess) -> Iterator[tuple[Outage, OpenAIStubServer]]:
    """AICMO whose generator writes with a language model (the OpenAI stub, the one stand-in for a cloud that
    cannot be reached from here): every section it writes is checked against the brief's rules."""
    model = OpenAIStubServer()
    env = Outage(
        running_stack,
        openai_api_key="sk-test-123",
        openai_base_url=model.base_url,
        llm_section_timeout_seconds=2,
    )
    yield env, model
    env.close()
    model.stop()


def test_a_section_refused_for_breaking_a_rule_is_said_in_words(
    monkeypatch: pytest.MonkeyPatch, with_a_model: tuple[Outage, OpenAIStubServer]
) -> None:
    env, model = with_a_model
    model.behaviour.inject["(audience_segments)"] = "Push cheap bundles on TikTok every weekend."
    model.behaviour.slow_markers["(overview)"] = 5.0
    at = run(new_app(monkeypatch, env.gateway_url))
    fill_brief(at, client=unique("Northwind Coffee Co."), brand="Northwind")
    at.text_area(key="brief_constraints").input('Never use the word "cheap". No TikTok.')
    at.checkbox(key="brief_use_learning").uncheck()
    at.button(key="gen_submit").click()
    run(at)
    assert not at.error, alerts(at, "error")
    warnings = alerts(at, "warning")
    refused = [
        w for w in warnings if w.startswith("The language model's text for “Audience Segments” was refused:")
    ]
    assert len(refused) == 1, warnings
    assert "the forbidden word “cheap”" in refused[0] and "TikTok" in refused[0]
    assert refused[0].endswith(
        "AICMO's built-in writer wrote that section instead, within the brief's rules."
    )
    assert not any("broke a brief rule" in w for w in warnings)  # read into words, not shown as sent
    # Other warnings stay as AICMO says them.
    assert any(w.startswith("section 'overview' fell back to the offline composer") for w in warnings), (
        warnings
    )


def test_refusal_warnings_are_read_into_words() -> None:
    assert refused_section("section 'x' fell back to the offline composer: timed out") is None
    assert refused_section(
        "section 'channel_plan' fell back to the offline composer: it broke a brief rule (objective: target "
        "'400' of 'Generate 400 SQLs' is not stated as briefed; feedback: the operator's feedback is pasted "
        "into the section)"
    ) == (
        "channel_plan",
        [
            "did not state an objective as briefed (target '400' of 'Generate 400 SQLs' is not stated as "
            "briefed)",
            "pasted your feedback into the section",
        ],
    )


def test_the_understood_facts_in_words() -> None:
    u = gpb.UnderstoodBrief(
        business_model=gpb.BUSINESS_MODEL_B2B_ENTERPRISE,
        business_model_basis="read from ACV, SQLs",
        budget=gpb.UnderstoodBudget(
            amount=250_000, currency_code="USD", period=gpb.BUDGET_PERIOD_TOTAL, as_stated="$250,000"
        ),
        markets=["United States", "United Kingdom"],
        countries=["US", "GB"],
        segments=[gpb.AudienceSegment(name="CISOs", description="own the identity risk")],
        weeks=16,
        timeline="16 weeks",
        launch_date="2026-03-30",
        prices=[
            gpb.BriefPrice(
                label="ACV",
                amount=42_000,
                currency_code="USD",
                kind=gpb.PRICE_KIND_DEAL_VALUE,
                as_stated="$42,000",
            )
        ],
        language="German",
        locale="de-DE",
        sources=[
            gpb.FactSource(fact="budget", origin=gpb.FACT_ORIGIN_FORM),
            gpb.FactSource(fact="business_model", origin=gpb.FACT_ORIGIN_INFERRED),
            gpb.FactSource(fact="language", origin=gpb.FACT_ORIGIN_TEXT),
        ],
    )
    rows = {label: (text, origin) for label, text, origin in understood.fact_rows(u)}
    assert rows["Business model"] == (
        "B2B sales to enterprises and the mid-market — read from ACV, SQLs",
        "inferred",
    )
    assert rows["Budget"] == ("$250,000 — USD 250,000 for the whole programme", "from the form")
    assert rows["Markets"][0] == "United States, United Kingdom (US, GB)"
    assert rows["Audience segments"][0] == "CISOs (own the identity risk)"
    assert rows["Timeline"][0] == "16 weeks · launches 2026-03-30"
    assert rows["Prices and deal values"][0] == "ACV: $42,000 (deal value, USD 42,000)"
    assert rows["Language of the creative"] == ("German (de-DE)", "from the brief text")
    assert rows["Competitors"] == ("not stated", "")
    # What a correction box starts with reads back as the same fact.
    assert understood.correction_text("prices", u) == "ACV: $42,000"
    assert understood.correction_text("audience", u) == "CISOs: own the identity risk"


def test_a_correction_box_starts_with_the_fact_as_its_field_would_say_it() -> None:
    """Saving a correction unchanged reads back the same fact, for every labelled brief (as the form and as
    free text), by the generator's own parser."""
    for labelled in labelled_briefs():
        for brief in (labelled.form, labelled.text):
            before = understood_to_proto(understand(brief))
            for fact, spec in understood.CORRECTIONS.items():
                text = understood.correction_text(fact, before)
                if not text or fact in ("business_model", "rules", "launch_date"):
                    continue
                change: dict[str, Any] = (
                    {spec.field: text} if spec.field else {"metadata": {**brief.metadata, spec.key: text}}
                )
                corrected = dataclasses.replace(brief, **change)
                after = understood_to_proto(understand(corrected))
                name = {"geography": "markets", "audience": "segments", "product": "product_service"}.get(
                    fact, fact
                )
                assert getattr(after, name) == getattr(before, name), (labelled.id, fact, text)
