"""Every report uses the brief's facts and obeys its rules; the composer's data and templates are checked."""

from __future__ import annotations

import copy
import datetime
import re
from typing import Any

import jinja2
import pydantic
import pytest

from services.generator.composer.catalogue import Catalogue, catalogue
from services.generator.composer.context import build_context
from services.generator.composer.offline import compose_section, compose_section_with_notes, shown_section
from services.generator.composer.render import environment, render_section
from services.generator.composer.rules import enforce, objective_violations, violations
from services.generator.composer.text import fmt_date
from services.generator.domain.brief import Brief
from services.generator.domain.brief_parser import understand
from services.generator.domain.money import CURRENCIES, format_amount
from services.generator.domain.packages import PACKAGES, SECTION_TITLES, UnknownSectionError, get_package
from services.generator.domain.understanding import Rules
from tests.labelled_briefs import LabelledBrief, by_id, labelled_briefs

FLAGSHIP = get_package("strategy_campaign_standard")
BRIEFS = labelled_briefs()


def flagship(brief: Brief) -> str:
    return "\n\n".join(
        f"## {shown_section(s, brief, FLAGSHIP).title}\n\n{compose_section(s, brief, FLAGSHIP)}"
        for s in FLAGSHIP.sections
    )


@pytest.fixture(scope="module")
def reports() -> dict[str, str]:
    return {b.id: flagship(b.form) for b in BRIEFS}


@pytest.mark.parametrize("labelled", BRIEFS, ids=[b.id for b in BRIEFS])
def test_every_brief_fact_is_used(labelled: LabelledBrief, reports: dict[str, str]) -> None:
    text = reports[labelled.id]
    e = labelled.expected
    for name in e["competitors"]:
        assert name in text, name
    for partner in e["retail_partners"]:
        assert partner in text, partner
    for term in e["mandated_terms"]:
        assert term in text, term
    for o in e["objectives"]:  # targets and deadlines exactly as stated
        assert o["target"] in text and o["deadline"] in text, o
    for p in e["prices"]:
        assert format_amount(float(p["amount"]), CURRENCIES[p["currency"]]) in text, p
    budget = e["budget"]
    assert format_amount(budget["amount"], CURRENCIES[budget["currency"]]) in text
    for event in understand(labelled.form).events:
        assert event.name in text and event.start is not None
        assert event.date_text in text or fmt_date(event.start) in text, event
    if e["language"]:
        assert f"(in {e['language']})" in text


@pytest.mark.parametrize("labelled", BRIEFS, ids=[b.id for b in BRIEFS])
def test_no_rule_is_broken_and_every_tactic_fits_the_model(
    labelled: LabelledBrief, reports: dict[str, str]
) -> None:
    text = reports[labelled.id]
    u = understand(labelled.form)
    assert violations(text, u.rules) == []
    assert objective_violations(text, u.objectives) == []
    playbook = catalogue().playbook(u.business_model)
    for avoid in playbook.avoid:
        assert not re.search(r"(?<![\w-])" + re.escape(avoid) + r"(?![\w-])", text, re.I), avoid


@pytest.mark.parametrize("labelled", BRIEFS, ids=[b.id for b in BRIEFS])
def test_excluded_channels_get_no_budget(labelled: LabelledBrief) -> None:
    plan = build_context(labelled.form, FLAGSHIP, FLAGSHIP.sections[0])
    assert not set(plan.channel_names) & set(labelled.expected["excluded_channels"])
    assert sum(line.pct for line in plan.lines) == 100
    assert sum(line.amount for line in plan.lines) == plan.budget.amount


def test_the_centrepiece_event_sits_on_its_dates_in_the_calendar() -> None:
    brief = by_id("oat-drink-germany").form
    calendar = compose_section(
        next(s for s in FLAGSHIP.sections if s.id == "detailed_30_day_calendar"), brief, FLAGSHIP
    )
    festival = next(line for line in calendar.splitlines() if "Sat 12 Sep 2026" in line)
    assert "Berlin launch festival day 1" in festival
    assert "| Events & experiential |" in festival


def test_prices_drive_the_funnel_maths() -> None:
    plan = build_context(by_id("identity-saas").form, FLAGSHIP, FLAGSHIP.sections[0])
    assert plan.funnel.value == 42_000 and plan.funnel.value_from_brief
    assert "ACV of $42,000" in plan.funnel.value_basis
    dental = build_context(by_id("dental-chain").form, FLAGSHIP, FLAGSHIP.sections[0])
    assert dental.funnel.value == 380
    cpg = build_context(by_id("oat-drink-germany").form, FLAGSHIP, FLAGSHIP.sections[0])
    assert cpg.funnel.value == pytest.approx(1.89 * 3.5)
    assert cpg.money(1.89) == "€1.89"


def test_objectives_drive_the_mix() -> None:
    base = Brief(client_name="C", brand_name="B", industry="B2B SaaS", budget="$100,000")
    with_sqls = Brief(**{**base.__dict__, "objectives": "Generate 200 SQLs by 30 June 2026"})
    share = {line.name: line.pct for line in build_context(base, FLAGSHIP, FLAGSHIP.sections[0]).channels}
    boosted = {
        line.name: line.pct for line in build_context(with_sqls, FLAGSHIP, FLAGSHIP.sections[0]).channels
    }
    assert boosted["LinkedIn"] > share["LinkedIn"]


def test_tactics_follow_the_business_model() -> None:
    b2b = flagship(by_id("identity-saas").form)
    assert "Account-based marketing" in b2b and "Buying-committee pack" in b2b
    local = flagship(by_id("dental-chain").form)
    assert "No-show recovery" in local and "Local search & maps" in local and "Account-based" not in local
    cpg = flagship(by_id("oat-drink-germany").form)
    assert "Shopper marketing & in-store" in cpg and "rate of sale" in cpg


def test_creative_is_written_in_the_briefs_language_with_glosses() -> None:
    cpg = flagship(by_id("oat-drink-germany").form)
    assert "Jetzt bei REWE. *(Now at REWE.)*" in cpg
    assert "Haferdrink von Nordlys" in cpg
    dutch = flagship(by_id("sneakers-dtc").form)
    assert "(in Dutch)" in dutch and "Welkom bij Strider" in dutch


def test_a_section_title_naming_an_excluded_channel_is_renamed() -> None:
    beer = by_id("craft-beer").form
    spec = next(s for s in FLAGSHIP.sections if s.id == "influencer_strategy")
    assert shown_section(spec, beer, FLAGSHIP).title == "Advocacy Strategy"
    body = compose_section(spec, beer, FLAGSHIP)
    assert violations(body, understand(beer).rules) == []
    assert shown_section(spec, by_id("oat-drink-germany").form, FLAGSHIP).title == "Influencer Strategy"


# ----- the guard ---------------------------------------------------------------------------------------


def test_enforce_rewords_banned_words_and_removes_excluded_channels() -> None:
    rules = Rules(
        excluded_channels=("TikTok",),
        forbidden_words=("cheap", "oat milk"),
        replacements=(("oat milk", "oat drink"),),
    )
    text = (
        "Our cheap plan.\n\n- Post on Instagram, TikTok and YouTube.\n- TikTok Spark Ads every week.\n\n"
        "| Channel | Share |\n|---|---|\n| TikTok | 10% |\n| Instagram | 90% |\n\nWe love oat milk."
    )
    fixed, changes = enforce(text, rules)
    assert violations(fixed, rules) == []
    assert "affordable plan" in fixed and "oat drink" in fixed
    assert "- Post on Instagram and YouTube." in fixed
    assert "| Instagram | 90% |" in fixed and "| TikTok |" not in fixed
    assert changes


def test_objective_violations_name_what_is_missing() -> None:
    o = understand(
        Brief(client_name="C", brand_name="B", objectives="Generate 400 SQLs by 31 March 2027")
    ).objectives
    assert objective_violations("We will deliver 770 demo requests.", o)
    assert objective_violations("400 SQLs by 31 March 2027 as briefed.", o) == []


# ----- data files and templates ------------------------------------------------------------------------


def _raw_catalogue() -> dict[str, Any]:
    from services.generator.composer.catalogue import raw_catalogue

    return raw_catalogue()


def test_the_data_files_are_valid_and_broken_data_is_refused() -> None:
    raw = _raw_catalogue()
    Catalogue.model_validate(raw)
    broken = copy.deepcopy(raw)
    broken["playbooks"]["b2b_enterprise"]["channels"]["Fax"] = 10
    with pytest.raises(pydantic.ValidationError, match="unknown channels"):
        Catalogue.model_validate(broken)
    broken = copy.deepcopy(raw)
    del broken["playbooks"]["cpg_retail"]["copydeck"]["taglines"]
    with pytest.raises(pydantic.ValidationError, match="taglines"):
        Catalogue.model_validate(broken)
    broken = copy.deepcopy(raw)
    broken["playbooks"]["local_services"]["funnel"]["primary"] = "nowhere"
    with pytest.raises(pydantic.ValidationError, match="primary"):
        Catalogue.model_validate(broken)
    # Every kind of channel has an aim in every business model's copy.
    broken = copy.deepcopy(raw)
    del broken["playbooks"]["nonprofit"]["copydeck"]["channel_aims"]["event"]
    with pytest.raises(pydantic.ValidationError, match="channel_aims"):
        Catalogue.model_validate(broken)
    # A stage may be named only for a kind of business that shares the playbook.
    broken = copy.deepcopy(raw)
    broken["playbooks"]["local_services"]["funnel"]["stages"][0]["kinds"] = {"education": ["a", "b"]}
    with pytest.raises(pydantic.ValidationError, match="not a kind it serves"):
        Catalogue.model_validate(broken)


def test_templates_are_strict_about_undefined_names() -> None:
    with pytest.raises(jinja2.UndefinedError):
        environment().from_string("{{ plan.no_such_fact }}").render(plan=object())
    with pytest.raises(UnknownSectionError):
        render_section("no_such_section", {})
    assert set(SECTION_TITLES) == {s.id for p in PACKAGES.values() for s in p.sections}


def test_composition_is_deterministic_across_runs_and_dates_never_read_the_clock() -> None:
    brief = by_id("gym-chain").form
    assert flagship(brief) == flagship(brief)
    assert datetime.date.today().isoformat() not in flagship(brief)


def test_learned_text_with_a_banned_word_is_cleaned_and_the_operator_is_told() -> None:
    from services.generator.composer.models import AGENCY_LIBRARY, Example

    brief = by_id("dental-chain").form
    spec = next(s for s in FLAGSHIP.sections if s.id == "channel_plan")
    example = Example(
        "x-1",
        "Channel Plan — Other Dental",
        "- Cheap check-ups on TikTok drove half of all first bookings last spring.\n"
        "- Weekend slots filled fastest when search ads named the next free time.",
        0.8,
        source=AGENCY_LIBRARY,
    )
    body, notes = compose_section_with_notes(spec, brief, FLAGSHIP, [example])
    assert violations(body, understand(brief).rules) == []
    assert "Weekend slots filled fastest" in body
    assert any(n.startswith("**Brief rules:**") for n in notes)
