"""The offline composer: complete, specific, deterministic sections that learn from examples and feedback."""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence

import pytest

from services.generator.composer.budget import allocate
from services.generator.composer.learning import choose_example
from services.generator.composer.models import AGENCY_LIBRARY, SAME_CLIENT
from services.generator.composer.offline import (
    Example,
    Refinement,
    compose_section,
    compose_section_with_notes,
)
from services.generator.composer.render import template_ids
from services.generator.domain.brief import Brief
from services.generator.domain.money import parse_budget
from services.generator.domain.packages import (
    PACKAGES,
    SECTION_TITLES,
    Package,
    SectionSpec,
    UnknownSectionError,
    get_package,
)
from services.generator.domain.timeline import parse_timeline
from tests.example_briefs import example_brief

LAUNCH = datetime.date(2026, 9, 14)
RICH = example_brief("brewly")
MINIMAL = Brief(client_name="Acme Holdings", brand_name="Acme")
DRAFT = Refinement()
FLAGSHIP = get_package("strategy_campaign_standard")
ALL_SECTIONS = [(p.key, s.id) for p in PACKAGES.values() for s in p.sections]

FORBIDDEN = re.compile(
    r"\bTBD\b|\bTODO\b|lorem ipsum|\[insert|not yet implemented|\bN/A\b|\{[^{}\n]*\}|\bNone\b|\bnan\b",
    re.IGNORECASE,
)


def section(package: Package, section_id: str) -> SectionSpec:
    return next(s for s in package.sections if s.id == section_id)


def compose(
    section_id: str,
    brief: Brief = RICH,
    package: Package = FLAGSHIP,
    examples: Sequence[Example] = (),
    refinement: Refinement = DRAFT,
) -> str:
    return compose_section(section(package, section_id), brief, package, examples, refinement)


# ----- markdown helpers ---------------------------------------------------------------------------------


def tables(markdown: str) -> list[tuple[list[str], list[list[str]], str]]:
    """(header, rows, heading of the sub-part) for every markdown table."""
    found: list[tuple[list[str], list[list[str]], str]] = []
    heading = ""
    block: list[str] = []
    for line in [*markdown.splitlines(), ""]:
        if line.startswith("### "):
            heading = line[4:].strip()
        if line.startswith("|"):
            block.append(line)
            continue
        if block:
            cells = [[c.strip() for c in row.strip().strip("|").split("|")] for row in block]
            assert re.fullmatch(r"\|(---\|)+", block[1]), block[:2]
            found.append((cells[0], cells[2:], heading))
            block = []
    return found


def amount(cell: str) -> int:
    return int(re.sub(r"[^0-9]", "", cell))


def budget_tables(markdown: str) -> list[tuple[list[str], list[list[str]], str]]:
    return [t for t in tables(markdown) if "Share" in t[0] and any(h.startswith("Budget") for h in t[0])]


def assert_splits_exactly(header: list[str], rows: list[list[str]]) -> int:
    share = header.index("Share")
    money = next(i for i, h in enumerate(header) if h.startswith("Budget"))
    body = [r for r in rows if r[0] != "**Total**"]
    total = [r for r in rows if r[0] == "**Total**"]
    assert len(total) == 1
    assert sum(int(r[share].rstrip("%")) for r in body) == 100
    assert total[0][share] == "**100%**"
    assert sum(amount(r[money]) for r in body) == amount(total[0][money])
    return amount(total[0][money])


# ----- every section of every package -------------------------------------------------------------------


@pytest.mark.parametrize(("package_key", "section_id"), ALL_SECTIONS)
@pytest.mark.parametrize("brief", [RICH, MINIMAL], ids=["rich", "minimal"])
def test_every_section_is_complete_and_free_of_placeholders(
    package_key: str, section_id: str, brief: Brief
) -> None:
    package = PACKAGES[package_key]
    body = compose(section_id, brief, package)
    assert len(body.split()) >= 120, f"{package_key}/{section_id} is thin: {len(body.split())} words"
    assert not body.startswith("#"), "the caller adds the '## Title' heading"
    assert not re.search(r"(?m)^#{1,2} ", body), "sub-parts use ### headings"
    assert FORBIDDEN.search(body) is None, FORBIDDEN.search(body)
    assert body == body.strip()
    assert "\n\n\n" not in body
    assert brief.brand_name in body
    for header, rows, _ in tables(body):
        assert rows, "no empty tables"
        assert all(len(r) == len(header) for r in rows)
        assert all(c for r in rows for c in r[:1]), "first column never empty"


def test_the_brief_shows_through() -> None:
    overview = compose("overview")
    for value in (
        "Brewly",
        "Northwind Foods Ltd",
        "cold brew coffee cans",
        "Specialty coffee",
        "London, UK",
        "£40,000",
        "8 weeks",
        "Mon 14 Sep 2026",
        "all claims must be substantiated",
        "Minor Figures",
        "witty but warm",
    ):
        assert value in overview, value
    # The brief rules TikTok out: no budget, no tactic and no mention anywhere in the report.
    for spec in FLAGSHIP.sections:
        assert "tiktok" not in compose_section(spec, RICH, FLAGSHIP).lower(), spec.id
    assert "specialty coffee" in compose("kpi_and_budget_plan")
    landscape = compose("market_landscape", package=get_package("launch_gtm_pack"))
    assert "specialty coffee" in landscape
    assert "Minor Figures" in compose("competitor_analysis", package=get_package("launch_gtm_pack"))
    assert "witty but warm" in compose("messaging_framework").lower()


def test_same_inputs_give_byte_identical_output() -> None:
    first = [compose_section(s, RICH, FLAGSHIP) for s in FLAGSHIP.sections]
    again = [compose_section(s, RICH, FLAGSHIP) for s in FLAGSHIP.sections]
    assert first == again
    reordered = Brief(**{**RICH.__dict__, "metadata": dict(reversed(list(RICH.metadata.items())))})
    assert [compose_section(s, reordered, FLAGSHIP) for s in FLAGSHIP.sections] == first


def test_different_brands_get_different_reports() -> None:
    other = Brief(**{**RICH.__dict__, "brand_name": "Coldcraft"})
    assert compose("core_campaign_idea") != compose("core_campaign_idea", other)


# ----- budgets ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected_total", "symbol"),
    [
        ("$50,000", 50_000, "$"),
        ("50k USD", 50_000, "$"),
        ("USD 1.2m", 1_200_000, "$"),
        ("€20k/month", 20_000, "€"),
        ("£40k", 40_000, "£"),
        ("INR 5 lakh", 500_000, "₹"),
        ("$12,347", 12_347, "$"),
        ("CHF 99,999", 99_999, "CHF "),
    ],
)
def test_budget_tables_add_up_to_100_percent_and_to_the_total(
    text: str, expected_total: int, symbol: str
) -> None:
    brief = Brief(**{**RICH.__dict__, "budget": text})
    for section_id in ("channel_plan", "kpi_and_budget_plan"):
        found = budget_tables(compose(section_id, brief))
        assert found, section_id
        header, rows, _ = found[0]
        assert assert_splits_exactly(header, rows) == expected_total
        assert any(symbol in r[-1] for r in rows)


@pytest.mark.parametrize(("package_key", "section_id"), ALL_SECTIONS)
def test_every_budget_table_in_every_package_splits_exactly(package_key: str, section_id: str) -> None:
    for brief in (
        RICH,
        MINIMAL,
        Brief(client_name="C", brand_name="B", budget="€20k/month", timeline="Q3 2026"),
    ):
        for header, rows, _ in budget_tables(compose(section_id, brief, PACKAGES[package_key])):
            assert_splits_exactly(header, rows)


def test_monthly_budget_is_allocated_per_month_and_phased_over_the_programme() -> None:
    brief = Brief(**{**RICH.__dict__, "budget": "€20k/month", "timeline": "12 weeks"})
    plan = compose("kpi_and_budget_plan", brief)
    by_heading = {heading: (header, rows) for header, rows, heading in budget_tables(plan)}
    header, rows = by_heading["Budget allocation"]
    assert header[-1] == "Budget (per month)"
    assert assert_splits_exactly(header, rows) == 20_000
    header, rows = by_heading["Budget by phase"]
    assert assert_splits_exactly(header, rows) == 55_000  # 20k x 12/52 x 12 weeks, rounded for planning


def test_without_a_budget_a_working_budget_is_assumed_and_said_to_be_one() -> None:
    plan = compose("channel_plan", MINIMAL)
    assert "No budget could be read from the brief" in plan
    assert "assumption" in plan
    header, rows, _ = budget_tables(plan)[0]
    assert assert_splits_exactly(header, rows) == 30_000
    uk = Brief(client_name="C", brand_name="B", industry="B2B SaaS", geography="Manchester, UK")
    header, rows, _ = budget_tables(compose("channel_plan", uk))[0]
    assert rows[-1][-1] == "**£45,000**"


@pytest.mark.parametrize(
    ("text", "amount_", "currency", "period"),
    [
        ("$50,000", 50_000, "USD", "total"),
        ("50k USD", 50_000, "USD", "total"),
        ("USD 1.2m", 1_200_000, "USD", "total"),
        ("€20k/month", 20_000, "EUR", "month"),
        ("12.500,00 €", 12_500, "EUR", "total"),
        ("approx. 30 000 EUR per quarter", 30_000, "EUR", "quarter"),
        ("$40-50k", 40_000, "USD", "total"),
        ("Q3 2026: $40k", 40_000, "USD", "total"),
        ("3 months, $50k", 50_000, "USD", "total"),
        ("Rs. 2 crore", 20_000_000, "INR", "total"),
        ("$2.5M/yr", 2_500_000, "USD", "year"),
    ],
)
def test_parse_budget(text: str, amount_: int, currency: str, period: str) -> None:
    budget = parse_budget(text)
    assert budget is not None
    assert (budget.amount, budget.currency.code, budget.period) == (amount_, currency, period)


@pytest.mark.parametrize("text", ["", "tbd", "to be agreed", "2026", "50"])
def test_parse_budget_refuses_what_is_not_a_budget(text: str) -> None:
    assert parse_budget(text) is None


def test_bare_amounts_take_the_geography_currency() -> None:
    budget = parse_budget("75000", "Berlin, Germany")
    assert budget is not None
    assert (budget.currency.code, budget.currency_assumed) == ("EUR", True)


@pytest.mark.parametrize("total", [1, 7, 99, 100, 12_347, 1_000_001])
def test_allocate_is_exact(total: int) -> None:
    split = allocate(total, [22, 16, 18, 14, 12, 8, 5, 5, 3])
    assert sum(p for p, _ in split) == 100
    assert sum(a for _, a in split) == total


# ----- KPIs ---------------------------------------------------------------------------------------------


def test_kpis_have_numeric_targets_owners_and_cadence() -> None:
    header, rows, _ = next(t for t in tables(compose("kpi_and_budget_plan")) if t[2] == "KPI targets")
    assert header == ["KPI", "Target", "Owner", "Cadence", "Source"]
    assert len(rows) >= 6
    for row in rows:
        assert re.search(r"\d", row[1]), row
        assert row[2] and row[3] in ("Weekly", "Monthly")
    # The brief's objectives come first, each target exactly as stated.
    assert [r[1] for r in rows[:3]] == ["50", "10k", "20%"]
    assert [r[0] for r in rows[:3]] == ["Trial in stores", "Instagram followers", "Repeat purchase"]


# ----- calendars ----------------------------------------------------------------------------------------

_MONTHS = {
    m: i
    for i, m in enumerate(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1
    )
}


def parse_day(text: str) -> datetime.date:
    weekday, day, month, year = text.split()
    parsed = datetime.date(int(year), _MONTHS[month], int(day))
    assert parsed.strftime("%a") == weekday
    return parsed


def calendar_rows(brief: Brief) -> tuple[list[str], list[list[str]]]:
    header, rows, _ = next(t for t in tables(compose("detailed_30_day_calendar", brief)) if "Date" in t[0])
    return header, rows


def test_30_day_calendar_has_30_consecutive_dates_from_the_launch_date() -> None:
    header, rows = calendar_rows(RICH)
    assert header == ["Day", "Date", "Theme", "Channel", "Content / action", "Owner", "Goal"]
    assert len(rows) == 30
    dates = [parse_day(r[1]) for r in rows]
    assert dates == [LAUNCH + datetime.timedelta(days=i) for i in range(30)]
    assert [r[0] for r in rows] == [str(i) for i in range(1, 31)]
    assert all(all(cell for cell in r) for r in rows)
    assert "TikTok" not in {r[3] for r in rows}  # the brief rules it out


def test_calendar_without_launch_date_starts_on_the_first_monday_of_the_named_quarter() -> None:
    brief = Brief(**{**RICH.__dict__, "launch_date": None, "timeline": "Q3 2026"})
    _, rows = calendar_rows(brief)
    dates = [parse_day(r[1]) for r in rows]
    assert dates[0] == datetime.date(2026, 7, 6)
    assert dates == [dates[0] + datetime.timedelta(days=i) for i in range(30)]


def test_calendar_without_any_date_counts_days_from_kickoff() -> None:
    _, rows = calendar_rows(MINIMAL)
    assert len(rows) == 30
    assert rows[0][1] == "Mon (kickoff + 0)"
    assert rows[29][1] == "Tue (kickoff + 29)"
    assert len({r[1] for r in rows}) == 30


def test_weekly_social_calendar_has_four_dated_weeks() -> None:
    quick = get_package("quick_social_basic")
    header, rows, _ = tables(compose("weekly_social_calendar", package=quick))[0]
    assert header[:2] == ["Week", "Dates"]
    assert [r[0].split(":")[0] for r in rows] == ["Week 1", "Week 2", "Week 3", "Week 4"]
    assert rows[0][1] == "14 Sep - 20 Sep"
    assert rows[3][1] == "5 Oct - 11 Oct"


@pytest.mark.parametrize(
    ("text", "weeks", "anchor"),
    [
        ("8 weeks", 8, None),
        ("Q3 2026", 13, datetime.date(2026, 7, 1)),
        ("Sept-Nov 2026", 13, datetime.date(2026, 9, 1)),
        ("three months", 13, None),
        ("", 12, None),
    ],
)
def test_parse_timeline(text: str, weeks: int, anchor: datetime.date | None) -> None:
    timeline = parse_timeline(text)
    assert (timeline.weeks, timeline.anchor) == (weeks, anchor)


# ----- learning from examples ---------------------------------------------------------------------------

GOLD = Example(
    item_id="gold-1",
    title="Beanery Co — Channel Plan",
    text="## Channel Plan\n\n**Brand:** Beanery Co\n\n- Beanery Co put 30% of spend into micro-creators in "
    "Manchester, which halved the cost per order.\n- Weekly budget shifts towards the best CPA kept costs "
    "down.",
    score=0.62,
    rating="gold",
    section_id="channel_plan",
)
HIGHER = Example(
    "plain-1",
    "A plain plan",
    "- Spread spend evenly over search and social all quarter.",
    0.95,
    section_id="channel_plan",
)
WEAK = Example(
    "weak-1",
    "Weak plan",
    "- Spray and pray across every channel without any tracking at all.",
    0.99,
    rating="weak",
    section_id="channel_plan",
)


LEARNED_HEADINGS = ("### Tactics to apply", "### Agreed direction")
PROVENANCE = re.compile(
    r"similarity|rated (gold|weak)|past work|retrieved|Beanery Co \u2014 Channel Plan", re.I
)


def learned_part(body: str) -> str:
    for heading in LEARNED_HEADINGS:
        if heading in body:
            return body.split(heading)[1].split("\n###")[0]
    return ""


def test_without_examples_there_is_no_learned_part() -> None:
    body = compose("channel_plan")
    assert learned_part(body) == ""


def test_gold_is_preferred_over_a_higher_scoring_unrated_example() -> None:
    body = compose("channel_plan", examples=[HIGHER, GOLD])
    assert "### Tactics to apply" in body
    assert "Weekly budget shifts towards the best CPA kept costs down." in body
    assert "Spread spend evenly" not in body


def test_the_report_text_never_names_where_learning_came_from() -> None:
    for examples in ([GOLD], [HIGHER, GOLD], [WEAK, HIGHER]):
        body = compose("channel_plan", examples=examples)
        assert PROVENANCE.search(body) is None, body


def test_old_brand_names_are_replaced_with_the_new_brand() -> None:
    learned = learned_part(compose("channel_plan", examples=[GOLD]))
    lines = [line for line in learned.splitlines() if line.startswith("- ")]
    assert lines and not any("Beanery" in line for line in lines)
    # Its "30% of spend" is a fact of another brief: that sentence cannot be re-bound, so it is dropped.
    assert "micro-creators in Manchester" not in learned and "30%" not in learned


def test_names_are_swapped_in_agency_library_examples() -> None:
    filed = Example(
        "s-1",
        "Channel Plan — Beanery Co",
        "Beanery Co led with Instagram Reels, agreed with Hill Street Roasters Ltd in week one.\n\n"
        "- Hill Street Roasters Ltd approved weekly budget moves for Beanery Co within 24 hours.",
        0.7,
        client_id="hill-street-roasters-ltd",
        source=AGENCY_LIBRARY,
    )
    learned = learned_part(compose("channel_plan", examples=[filed]))
    lines = [line for line in learned.splitlines() if line.startswith("- ")]
    assert len(lines) == 1  # "within 24 hours" is not this brief's number: that sentence is dropped
    assert not any("Beanery" in line or "Hill Street" in line for line in lines)
    assert "Brewly led with Instagram Reels, agreed with Northwind Foods Ltd in week one." in learned


def test_a_gold_section_of_the_same_client_is_kept_and_built_on() -> None:
    own_gold = Example(
        "own-1",
        "Channel Plan — Brewly",
        "- Brewly's Tuesday tasting nights in Shoreditch drove a third of all first orders.\n"
        "- The barista ambassador programme signed forty baristas in six weeks across London.\n"
        "- Oat-milk flat white sampling at King's Cross doubled the newsletter sign-ups in May.\n"
        "- Every creator brief carried the same three-second hook about freshly roasted beans.",
        0.5,
        rating="gold",
        section_id="channel_plan",
        client_id="northwind-foods-ltd",
        source=SAME_CLIENT,
    )
    body = compose("channel_plan", examples=[HIGHER, own_gold])
    assert "### Agreed direction" in body
    for kept in ("Tuesday tasting nights", "barista ambassador programme", "three-second hook"):
        assert kept in body
    assert "Spread spend evenly" not in body


def test_weak_examples_are_avoided() -> None:
    body = compose("channel_plan", examples=[WEAK, HIGHER])
    assert "Spread spend evenly over search and social" in body
    assert "Spray and pray" not in body
    assert choose_example([WEAK, HIGHER, GOLD]) is GOLD
    assert choose_example([WEAK, HIGHER]) is HIGHER


def test_a_weak_example_alone_is_not_used() -> None:
    body = compose("channel_plan", examples=[WEAK])
    assert "Spray and pray" not in body
    assert learned_part(body) == ""


def test_examples_from_a_whole_report_use_the_matching_section() -> None:
    report = Example(
        "r-1",
        "Beanery Co report",
        "## Overview\n\nBeanery Co wants to be the best coffee in the "
        "north of England.\n\n## Channel Plan\n\nInstagram Reels carried the launch and drove half "
        "of all store visits.\n\n## Final Summary\n\nThe summary line is not wanted here today.",
        0.8,
    )
    body = compose("channel_plan", examples=[report])
    assert "Instagram Reels carried the launch" in body
    assert "best coffee in the north" not in body


def test_example_placeholders_and_own_notes_are_not_copied() -> None:
    messy = Example(
        "m-1",
        "Messy",
        "### Revisions for this draft\n\n- This was an old revision note to skip.\n\n"
        "### Plan\n\n- Budget is TBD until the client confirms it.\n- Hero video runs for {weeks} weeks."
        "\n- Retarget every site visitor for fourteen days with the offer.",
        0.9,
    )
    body = compose("channel_plan", examples=[messy])
    assert "Retarget every site visitor" in body
    assert "old revision note" not in body
    assert FORBIDDEN.search(body) is None


# ----- refinement ---------------------------------------------------------------------------------------


def channel_shares(body: str) -> dict[str, int]:
    header, rows, _ = budget_tables(body)[0]
    share = header.index("Share")
    return {r[0]: int(r[share].rstrip("%")) for r in rows if r[0] != "**Total**"}


def compose_with_notes(section_id: str, refinement: Refinement) -> tuple[str, list[str]]:
    return compose_section_with_notes(section(FLAGSHIP, section_id), RICH, FLAGSHIP, (), refinement)


def test_refine_feedback_is_acted_on_and_noted_for_the_operator_only() -> None:
    draft = compose("channel_plan")
    feedback = "Put more budget into Instagram and drop Facebook entirely."
    revised, notes = compose_with_notes("channel_plan", Refinement("refine", feedback, draft))
    assert "Revisions" not in revised and feedback not in revised
    before, after = channel_shares(draft), channel_shares(revised)
    assert after["Instagram"] > before["Instagram"]
    assert "Facebook" in before and "facebook" not in revised.lower()  # dropped: no budget, no mention
    assert any("Compared with the previous draft" in n for n in notes)
    assert any(n.startswith("**More Instagram:**") for n in notes)
    assert any(n.startswith("**Dropped Facebook:**") for n in notes)


def test_shorter_feedback_gives_a_shorter_section() -> None:
    draft = compose("persona_cards")
    shorter = compose(
        "persona_cards", refinement=Refinement("refine", "Too long, make it shorter please.", draft)
    )
    assert len(shorter.split()) < len(draft.split())
    notes = compose_with_notes(
        "persona_cards", Refinement("refine", "Too long, make it shorter please.", draft)
    )[1]
    assert any("**Shorter:**" in n for n in notes)


def test_more_detail_feedback_adds_detail() -> None:
    draft = compose("influencer_strategy")
    detailed = compose("influencer_strategy", refinement=Refinement("refine", "Needs more detail.", draft))
    assert "### Further detail" in detailed
    assert len(detailed.split()) > len(draft.split())


def test_tone_feedback_changes_the_tone_of_voice() -> None:
    body, notes = compose_with_notes(
        "messaging_framework", Refinement("refine", "Make the tone more playful.")
    )
    assert any(n.startswith("**Tone more playful:**") for n in notes)
    assert "Light, witty and warm." in body


def test_feedback_the_plan_cannot_act_on_is_reported_as_not_applied() -> None:
    body, notes = compose_with_notes(
        "overview", Refinement("refine", "The client prefers the word partners.")
    )
    assert "The client prefers the word partners." not in body
    assert any(n.startswith("**Not applied:**") and "partners" in n for n in notes)


def test_final_stage_adds_a_sign_off_and_drafts_do_not() -> None:
    assert "### Sign-off" in compose("final_summary", refinement=Refinement("final"))
    draft = compose("final_summary")
    assert "### Sign-off" not in draft


# ----- robustness ---------------------------------------------------------------------------------------


def test_pipes_and_newlines_in_the_brief_do_not_break_markdown() -> None:
    nasty = Brief(
        client_name="Pipe | Co\nLtd",
        brand_name="Bar|Brand",
        product_service="widgets | gadgets\n\n## injected heading",
        industry="retail |\n ecommerce",
        geography="Paris | Lyon",
        audience="| parents\nof toddlers |",
        objectives="- sell | more\n- grow\n\n| a | b |",
        budget="€ 25.000 | per month",
        timeline="6 weeks\n| x |",
        constraints="no | pipes\nno newlines",
        metadata={"key|with|pipes": "value\nwith\nnewlines", "{placeholder}": "x"},
        launch_date=LAUNCH,
    )
    for package in PACKAGES.values():
        for spec in package.sections:
            body = compose_section(spec, nasty, package)
            assert "\n## " not in body
            for header, rows, _ in tables(body):
                assert all(len(r) == len(header) for r in rows), spec.id
            for block in body.split("\n\n"):
                lines = block.splitlines()
                if lines and lines[0].startswith("|"):
                    assert all(line.startswith("|") and line.endswith("|") for line in lines), spec.id


def test_a_refine_pass_without_feedback_still_notes_continuity() -> None:
    draft = compose("ad_concepts")
    body, notes = compose_with_notes("ad_concepts", Refinement("refine", "", draft))
    assert "Revisions" not in body
    assert any("Compared with the previous draft" in n for n in notes)


def test_constraints_rule_channels_out_of_the_plan() -> None:
    plan = compose("channel_plan")
    assert "TikTok" not in channel_shares(plan)
    assert "tiktok" not in plan.lower()  # excluded means never mentioned, not even as excluded
    no_paid = Brief(**{**RICH.__dict__, "constraints": "No influencers, no out-of-home"})
    shares = channel_shares(compose("channel_plan", no_paid))
    assert "Influencers & creators" not in shares and "Out-of-home" not in shares


def test_non_ascii_brands_and_iso_timelines() -> None:
    brief = Brief(
        client_name="Société Générale de Café", brand_name="Café Olé", timeline="2026-10-05, 6 weeks"
    )
    hashtags = compose("hashtag_strategy", brief, get_package("quick_social_basic"))
    assert "#CaféOlé" in hashtags
    _, rows = calendar_rows(brief)
    assert rows[0][1] == "Mon 5 Oct 2026"


def test_an_unknown_section_id_is_an_error_not_a_stand_in() -> None:
    custom = SectionSpec("seasonal_moments", "Seasonal Moments")
    with pytest.raises(UnknownSectionError):
        compose_section(custom, RICH, FLAGSHIP)


def test_one_registry_of_sections_and_a_template_for_each() -> None:
    assert template_ids() == set(SECTION_TITLES)
