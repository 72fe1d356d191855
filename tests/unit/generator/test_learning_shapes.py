"""Learning shapes the body: a learned example's channel split and big idea change the plan itself, adapted
to the new brief, without the report saying where they came from."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from fractions import Fraction

from services.generator.composer.learning import channel_shares as example_shares
from services.generator.composer.models import AGENCY_LIBRARY, SAME_CLIENT, Example
from services.generator.composer.offline import compose_section
from services.generator.domain.brief import Brief
from services.generator.domain.packages import SectionSpec, get_package
from tests.example_briefs import example_brief

FLAGSHIP = get_package("strategy_campaign_standard")
RICH = example_brief("brewly")
# The flagship brief, with objectives that ask for no channel by name (so the learned split is the mix).
BRIEF = dataclasses.replace(RICH, objectives="Drive trial in 50 stores; 20% repeat purchase")
NO_LINKEDIN = dataclasses.replace(BRIEF, constraints="No LinkedIn; all claims must be substantiated")
SPLIT_TABLE = (
    "## Channel Plan\n\n"
    "| Line | Role | Share | Budget |\n|---|---|---|---|\n"
    "| LinkedIn | Decision makers | 40% | £4,000 |\n"
    "| Google Search | Demand capture | 30% | £3,000 |\n"
    "| Email | Nurture | 30% | £3,000 |\n"
    "| **Total** | | **100%** | **£10,000** |\n\n"
    "- LinkedIn thought leadership from the founders carried the whole launch quarter.\n"
)
GOLD_SPLIT = Example(
    "own-split",
    "Channel Plan — Brewly",
    SPLIT_TABLE,
    0.5,
    rating="gold",
    section_id="channel_plan",
    client_id="northwind-foods-ltd",
    source=SAME_CLIENT,
)
WEAK_SPLIT = dataclasses.replace(GOLD_SPLIT, item_id="weak-split", rating="weak", score=0.99)
LIBRARY_SPLIT = dataclasses.replace(
    GOLD_SPLIT, item_id="lib-split", rating="", source=AGENCY_LIBRARY, client_id=""
)
PROVENANCE = re.compile(
    r"similarity|score|rated|\bgold\b|\bweak\b|past work|previous campaign|retrieved|learned|example|"
    r"Channel Plan \u2014 Brewly|Core Campaign Idea \u2014",
    re.I,
)


def section(section_id: str) -> SectionSpec:
    return next(s for s in FLAGSHIP.sections if s.id == section_id)


def budget_tables(markdown: str) -> list[tuple[list[str], list[list[str]]]]:
    """(header, rows) of every markdown table with a Share column."""
    found: list[tuple[list[str], list[list[str]]]] = []
    block: list[str] = []
    for line in [*markdown.splitlines(), ""]:
        if line.startswith("|"):
            block.append(line)
            continue
        if block:
            cells = [[c.strip() for c in row.strip().strip("|").split("|")] for row in block]
            if "Share" in cells[0]:
                found.append((cells[0], cells[2:]))
            block = []
    return found


def compose_for(section_id: str, brief: Brief = BRIEF, examples: Sequence[Example] = ()) -> str:
    return compose_section(section(section_id), brief, FLAGSHIP, examples)


def channel_split(body: str) -> dict[str, int]:
    """The channel lines of the budget table (name -> share of the total)."""
    header, rows = budget_tables(body)[0]
    share = header.index("Share")
    others = ("Creative", "Measurement", "Contingency", "**Total**")
    return {r[0]: int(r[share].rstrip("%")) for r in rows if not r[0].startswith(others)}


def amounts_add_up(body: str) -> None:
    header, rows = budget_tables(body)[0]
    share, money = header.index("Share"), len(header) - 1
    lines = [r for r in rows if r[0] != "**Total**"]
    assert sum(int(r[share].rstrip("%")) for r in lines) == 100
    assert sum(int(re.sub(r"\D", "", r[money])) for r in lines) == 40_000


def relative(split: dict[str, int]) -> dict[str, Fraction]:
    total = sum(split.values())
    return {name: Fraction(pct, total) for name, pct in split.items()}


def test_the_example_table_is_read_as_channel_shares() -> None:
    assert dict(example_shares(SPLIT_TABLE)) == {
        "LinkedIn": Fraction(40),
        "Google Search": Fraction(30),
        "Email & CRM": Fraction(30),
    }
    other = "| Channel | Budget | % of spend |\n|--|--|--|\n| Facebook | $5k | 60 % |\n| SEO | $5k | 40 % |\n"
    assert dict(example_shares(other)) == {"Facebook": 60, "SEO & content": 40}
    assert example_shares("| Line | Share |\n|--|--|\n| Creative | 50% |\n| Tools | 50% |\n") == ()


def test_a_gold_same_client_split_is_followed_at_the_new_budget() -> None:
    before = compose_for("channel_plan")
    body = compose_for("channel_plan", examples=[GOLD_SPLIT])
    split = channel_split(body)
    assert list(split) == ["LinkedIn", "Google Search", "Email & CRM"]
    shares = relative(split)
    assert abs(shares["LinkedIn"] - Fraction(40, 100)) <= Fraction(2, 100)
    assert abs(shares["Google Search"] - Fraction(30, 100)) <= Fraction(2, 100)
    assert abs(shares["Email & CRM"] - Fraction(30, 100)) <= Fraction(2, 100)
    assert channel_split(before) != split
    amounts_add_up(body)  # the new budget (£40,000), not the example's £10,000
    assert "£10,000" not in body
    assert "- **LinkedIn** (" in body  # the channel roles follow the same lines


def test_a_channel_the_new_brief_excludes_gets_nothing_and_the_rest_is_renormalised() -> None:
    body = compose_for("channel_plan", NO_LINKEDIN, [GOLD_SPLIT])
    split = channel_split(body)
    assert list(split) == ["Google Search", "Email & CRM"]
    assert abs(split["Google Search"] - split["Email & CRM"]) <= 1
    assert "linkedin" not in body.lower()
    amounts_add_up(body)


def test_a_weak_example_changes_nothing() -> None:
    assert compose_for("channel_plan", examples=[WEAK_SPLIT]) == compose_for("channel_plan")
    assert compose_for("core_campaign_idea", examples=[WEAK_SPLIT]) == compose_for("core_campaign_idea")


def test_an_agency_library_split_moves_the_mix_only_part_way() -> None:
    own = relative(channel_split(compose_for("channel_plan")))
    library = relative(channel_split(compose_for("channel_plan", examples=[LIBRARY_SPLIT])))
    gold = relative(channel_split(compose_for("channel_plan", examples=[GOLD_SPLIT])))
    assert library != own and library != gold
    assert own.get("LinkedIn", Fraction(0)) < library["LinkedIn"] < gold["LinkedIn"]


def test_the_kpi_and_budget_plan_follows_a_learned_split_and_still_adds_up() -> None:
    body = compose_for(
        "kpi_and_budget_plan", examples=[dataclasses.replace(GOLD_SPLIT, section_id="kpi_and_budget_plan")]
    )
    assert body != compose_for("kpi_and_budget_plan")
    header, rows = budget_tables(body)[0]
    share = header.index("Share")
    assert sum(int(r[share].rstrip("%")) for r in rows if r[0] != "**Total**") == 100


def test_learned_shapes_carry_no_provenance() -> None:
    idea = Example(
        "own-idea",
        "Core Campaign Idea — Brewly",
        "## Core Campaign Idea\n\n**The big idea: \u201cCold Brew, Warm City\u201d** (#ColdBrewWarmCity). "
        "Brewly turns the commute into a tasting.",
        0.5,
        rating="gold",
        source=SAME_CLIENT,
    )
    for section_id, examples in (("channel_plan", [GOLD_SPLIT]), ("core_campaign_idea", [idea])):
        body = compose_for(section_id, examples=examples)
        assert PROVENANCE.search(body) is None, body


def test_a_gold_same_client_big_idea_is_kept() -> None:
    idea = Example(
        "own-idea",
        "Core Campaign Idea — Brewly",
        "## Core Campaign Idea\n\n**The big idea: \u201cBrewly Mornings, Anywhere\u201d** (#BrewlyMorningsAnywhere). "
        "It made the commute a tasting.",
        0.5,
        rating="gold",
        source=SAME_CLIENT,
        client_id="northwind-foods-ltd",
    )
    body = compose_for("core_campaign_idea", examples=[idea])
    assert body.startswith(
        "**The big idea: \u201cBrewly Mornings, Anywhere\u201d** (#BrewlyMorningsAnywhere)."
    )
    woven = body.split("### Agreed direction")[1].split("\n###")[0]
    assert "commute a tasting" in woven and "Brewly Mornings, Anywhere" not in woven  # not said twice


def test_a_gold_idea_from_a_heading_is_kept_and_library_names_are_swapped() -> None:
    library = Example(
        "lib-idea",
        "Core Campaign Idea — Beanery Co",
        "**Brand:** Beanery Co\n\n## Core Campaign Idea\n\n### Beanery Co Keeps You Going\n\n"
        "- Beanery Co handed out cans at six stations every Monday for a month.",
        0.7,
        rating="gold",
        source=AGENCY_LIBRARY,
    )
    body = compose_for("core_campaign_idea", examples=[library])
    assert body.startswith("**The big idea: \u201cBrewly Keeps You Going\u201d**")
    assert "Beanery" not in body


def test_an_unrated_example_does_not_set_the_big_idea() -> None:
    plain = Example(
        "plain-idea",
        "Idea",
        "## Core Campaign Idea\n\n**The big idea: \u201cCoffee For Night Owls\u201d** for the late shift crowd.",
        0.9,
    )
    assert "Coffee For Night Owls\u201d**" not in compose_for("core_campaign_idea", examples=[plain])


def test_reports_without_examples_are_unchanged_by_learning() -> None:
    unrelated = Example(
        "plain", "A plain plan", "- Spread spend evenly over search and social all quarter.", 0.9
    )
    assert channel_split(compose_for("channel_plan", examples=[unrelated])) == channel_split(
        compose_for("channel_plan")
    )
    assert (
        compose_for("core_campaign_idea", examples=[unrelated]).split("\n")[0]
        == (compose_for("core_campaign_idea").split("\n")[0])
    )
