"""Learning as a client playbook, through the report use case over its in-memory ports: what an operator
approves carries into the client's next reports re-bound to each new brief; nothing stale, weak or unrated
comes back; instructions are applied or honestly refused."""

from __future__ import annotations

import re
import time

from services.generator.composer.context import build_context
from services.generator.composer.models import Refinement
from services.generator.composer.rebinding import rebind
from services.generator.domain.brief import Brief
from services.generator.domain.client_playbook import EntryKind, EntryOrigin, PlaybookEntry
from services.generator.domain.packages import get_package
from services.generator.service_layer.generation import GenerationRequest, Report, ReportGenerator, client_key
from tests.unit.generator.fakes import FakeMemory, FakeQueue

FLAGSHIP = get_package("strategy_campaign_standard")
FIRST = Brief(
    client_name="Harbour Ledger Ltd", brand_name="Harbour Ledger", industry="bookkeeping software",
    product_service="cloud bookkeeping for sole traders", geography="Ireland",
    objectives="400 paid sign-ups by June", budget="€45,000", timeline="12 weeks",
)  # fmt: skip
SECOND = Brief(
    client_name="Harbour Ledger Ltd", brand_name="Harbour Ledger", industry="bookkeeping software",
    product_service="a partner programme for accountants", geography="Ireland",
    objectives="60 accountancy practices signed as partners", budget="€30,000", timeline="10 weeks",
)  # fmt: skip
THIRD = Brief(
    client_name="Harbour Ledger Ltd", brand_name="Harbour Ledger", industry="bookkeeping software",
    product_service="year-end tax filing add-on", geography="Ireland",
    objectives="1,500 filings through the add-on", budget="€22,000", timeline="6 weeks",
)  # fmt: skip
IDEA = "Ledger Calm"
EDIT = (
    f"**The big idea: \u201c{IDEA}\u201d**\n\n"
    "Every message shows the quiet moment after the books are done, when the owner finally stops worrying.\n\n"
    "- Sole traders hear it from other sole traders, in their own words, never from a stock photo.\n"
    "- Last quarter this idea drove 400 paid sign-ups on a €45,000 budget."
)


def generator(memory: FakeMemory) -> ReportGenerator:
    return ReportGenerator(memory=memory, spool=FakeQueue(memory=memory))


def write(gen: ReportGenerator, brief: Brief) -> Report:
    events = list(gen.generate(GenerationRequest(brief=brief, package=FLAGSHIP), time.monotonic() + 60))
    report = events[-1].report  # type: ignore[union-attr]
    assert isinstance(report, Report)
    return report


def section(report: Report, section_id: str) -> str:
    return next(s.markdown for s in report.sections if s.spec.id == section_id)


def sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[.!?])\s+|\n+", re.sub(r"[*_`#>|]", " ", text))
    return [p.strip(" -").casefold() for p in parts if len(p.split()) >= 5]


def test_an_edited_idea_carries_into_the_next_two_reports_re_bound_and_nothing_stale_comes_back() -> None:
    memory = FakeMemory()
    gen = generator(memory)
    first = write(gen, FIRST)
    gen.rework_section(
        first.history_id, 0, "core_campaign_idea", time.monotonic() + 60, operator_markdown=EDIT
    )
    edits = [e for e in memory.entries.values() if e.origin is EntryOrigin.EDIT]
    assert [(e.kind, e.section_id, e.client_id) for e in edits] == [
        (EntryKind.APPROVED_TEXT, "core_campaign_idea", client_key(FIRST.client_name))
    ]
    for brief in (SECOND, THIRD):
        report = write(gen, brief)
        idea = section(report, "core_campaign_idea")
        assert f"\u201c{IDEA}\u201d" in idea
        assert any(IDEA in line for line in report.playbook_applied)  # said to the operator, not in the text
        assert "when the owner finally stops worrying" in idea  # whole, not cut off
        assert "in their own words, never from a stock photo" in idea
        assert "400 paid sign-ups" not in report.markdown and "€45,000" not in report.markdown
        assert not re.search(
            r"proven elements|what already works|stay at its core|worked in comparable", report.markdown, re.I
        )
        counts: dict[str, int] = {}
        for s in sentences(report.markdown):
            counts[s] = counts.get(s, 0) + 1
        learned = {s for s in sentences(EDIT)}
        assert not [s for s, n in counts.items() if n >= 3 and s in learned]


def test_an_unrated_first_draft_is_never_quoted_in_the_next_report() -> None:
    memory = FakeMemory()
    gen = generator(memory)
    first = write(gen, FIRST)
    for s in first.sections:  # memory finds the first draft's sections as the client's own, unrated
        memory.add(s.markdown, client_id=client_key(FIRST.client_name), section_id=s.spec.id, similarity=0.9)
    second = write(gen, SECOND)
    assert "Agreed direction" not in second.markdown and "Tactics to apply" not in second.markdown
    assert not re.search(r"(?<![\d,€])400 paid|€45,000", second.markdown)
    drafted = set(sentences(first.markdown)) - set(sentences(write(generator(FakeMemory()), SECOND).markdown))
    assert not drafted & set(sentences(second.markdown))


def test_weak_rated_text_does_not_come_back() -> None:
    memory = FakeMemory()
    gen = generator(memory)
    first = write(gen, FIRST)
    personas = section(first, "persona_cards")
    memory.entries["weak"] = PlaybookEntry(
        "weak", EntryKind.AVOID_TEXT, personas, "persona_cards", client_key(FIRST.client_name)
    )
    again = write(gen, FIRST)  # the same brief again: the same words would come back without the rating
    assert not set(sentences(section(again, "persona_cards"))) & set(sentences(personas))


def test_a_standing_instruction_from_a_rewrite_shapes_later_reports() -> None:
    memory = FakeMemory()
    gen = generator(memory)
    first = write(gen, FIRST)
    redone = gen.rework_section(
        first.history_id, 0, "channel_plan", time.monotonic() + 60, instruction="Make email the lead channel"
    )
    assert redone.refine_applied and not redone.refine_unapplied
    standing = [e for e in memory.entries.values() if e.kind is EntryKind.STANDING_INSTRUCTION]
    assert [e.text for e in standing] == ["Make email the lead channel"]
    later = write(gen, THIRD)
    table = [
        row
        for row in section(later, "channel_plan").splitlines()
        if re.match(r"\|[^|]+\|[^|]*\|\s*\d+%", row)
    ]
    assert table[0].startswith("| Email & CRM")


def test_an_instruction_the_brief_rules_out_is_refused_and_not_kept() -> None:
    memory = FakeMemory()
    gen = generator(memory)
    brief = Brief(**{**FIRST.__dict__, "constraints": "No TikTok."})
    first = write(gen, brief)
    redone = gen.rework_section(
        first.history_id,
        0,
        "channel_plan",
        time.monotonic() + 60,
        instruction="Give TikTok 30% of the budget",
    )
    assert redone.refine_unapplied and not redone.refine_applied
    assert not [e for e in memory.entries.values() if e.kind is EntryKind.STANDING_INSTRUCTION]


def test_rebinding_keeps_only_this_briefs_facts() -> None:
    ctx = build_context(SECOND, FLAGSHIP, FLAGSHIP.sections[0], Refinement())
    assert (
        rebind("Sole traders hear it from other sole traders.", ctx)
        == "Sole traders hear it from other sole traders."
    )
    assert rebind("We aim for 400 paid sign-ups.", ctx) is None  # another brief's target
    assert rebind("Launch in March with the first wave.", ctx) is None  # a month this brief never names
    assert rebind("Black Friday carries the second wave.", ctx) is None  # a moment this brief never names
    assert rebind("Signing 60 practices is the goal.", ctx) == "Signing 60 practices is the goal."
    bound = rebind("The budget of €45,000 goes mostly to search.", ctx)
    assert bound is not None and "€30,000" in bound and "45,000" not in bound
    assert rebind("Conversion of 60% carries the plan.", ctx) is None  # the brief's 60 is not a percentage
