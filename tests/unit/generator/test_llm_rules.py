"""The LLM path gets the same understood brief, rules and plan, and its sections are checked before they
are accepted; a section that breaks a rule falls back to the offline composer with a warning."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

from services.generator.adapters.llm import build_prompt
from services.generator.composer.decisions import NO_DECISIONS, Decisions
from services.generator.composer.llm_brief import MUST_APPEAR
from services.generator.composer.models import AGENCY_LIBRARY, SAME_CLIENT, Example, Refinement
from services.generator.domain.brief import Brief
from services.generator.domain.packages import Package, SectionSpec, get_package
from services.generator.service_layer.checked_writer import BrokeBriefRule, RuleCheckedWriter
from services.generator.service_layer.generation import Completed, GenerationRequest, ReportGenerator
from tests.labelled_briefs import by_id
from tests.unit.generator.fakes import FakeMemory, FakeQueue

DENTAL = by_id("dental-chain").form
FLAGSHIP = get_package("strategy_campaign_standard")
QUICK = get_package("quick_social_basic")


def spec(section_id: str, package: Package = FLAGSHIP) -> SectionSpec:
    return next(s for s in package.sections if s.id == section_id)


@dataclass
class ScriptedWriter:
    """Returns a fixed text per section id (a default otherwise)."""

    texts: dict[str, str] = field(default_factory=dict)
    default: str = "A well-written section for BrightSmile Dental."

    def write_section(self, section: SectionSpec, brief: Brief, package: Package, examples: Sequence[Example],
                      refinement: Refinement, *, timeout: float,
                      decisions: Decisions = NO_DECISIONS) -> str:  # fmt: skip
        return self.texts.get(section.id, self.default)


def test_the_prompt_carries_the_understood_brief_rules_plan_and_examples() -> None:
    example = Example("x-1", "Channel Plan — Other", "- Search first, maps second, then social.", 0.7,
                      source=AGENCY_LIBRARY)  # fmt: skip
    prompt = build_prompt(spec("campaign_objective"), DENTAL, FLAGSHIP, [example], Refinement())
    for expected in (
        "- Business model: Local services",
        "- Budget: £45,000 in total",
        "- Competitors: Bupa Dental Care; mydentist",
        "- Events: National Smile Month (18 May - 18 June 2026)",
        "- Prices and values: value per new patient: £380",
        "- Increase new-patient bookings by 25% by 30 June 2026",
        '- Never use these words: "painless", "cheap"',
        "- Never mention, budget or plan these channels or formats, not even as excluded: TikTok",
        "- All clinical claims must be approved by our clinical director",
        "- Budget split: Google Search",
        MUST_APPEAR,
        "Search first, maps second, then social.",
    ):
        assert expected in prompt, expected
    refined = build_prompt(
        spec("channel_plan"), DENTAL, FLAGSHIP, [], Refinement("refine", "Drop Facebook. Make it pop.")
    )
    assert "- Dropped Facebook:" in refined
    assert "Make it pop" in refined and "(do not act on it)" in refined
    assert "Facebook" in refined.split("## Rules")[1].split("##")[0]  # now a channel never to mention


@pytest.mark.parametrize(
    ("section_id", "text", "reason"),
    [
        ("channel_plan", "Lead with cheap check-ups on Google.", "forbidden_word: cheap"),
        ("channel_plan", "Short videos on TikTok every day.", "excluded_channel: TikTok"),
        ("campaign_objective", "We aim for 770 new bookings by August.", "objective"),
    ],
)
def test_a_section_that_breaks_a_rule_is_refused(section_id: str, text: str, reason: str) -> None:
    writer = RuleCheckedWriter(ScriptedWriter({section_id: text}))
    with pytest.raises(BrokeBriefRule, match=reason):
        writer.write_section(spec(section_id), DENTAL, FLAGSHIP, (), Refinement(), timeout=5)


def test_a_section_that_pastes_the_feedback_is_refused() -> None:
    feedback = "Please lead with the weekend availability message everywhere."
    writer = RuleCheckedWriter(ScriptedWriter({"channel_plan": f"As you said: {feedback}"}))
    with pytest.raises(BrokeBriefRule, match="feedback"):
        writer.write_section(
            spec("channel_plan"), DENTAL, FLAGSHIP, (), Refinement("refine", feedback), timeout=5
        )


def test_objectives_as_stated_pass_the_check() -> None:
    objectives = "\n".join(f"- {o}" for o in (
        "Increase new-patient bookings by 25% by 30 June 2026", "Book 300 Invisalign consultations by 31 May 2026",
        "Reach 60% chair occupancy on weekday mornings by 30 June 2026",
        "Raise the average Google rating from 4.5 to 4.8 by 30 June 2026",
    ))  # fmt: skip
    writer = RuleCheckedWriter(ScriptedWriter({"campaign_objective": objectives}))
    assert writer.write_section(spec("campaign_objective"), DENTAL, FLAGSHIP, (), Refinement(), timeout=5)


def test_a_broken_section_falls_back_to_the_offline_composer_with_a_warning() -> None:
    writer = RuleCheckedWriter(
        ScriptedWriter({"hashtag_strategy": "Use #CheapSmiles and post on TikTok daily."})
    )
    generator = ReportGenerator(memory=FakeMemory(), spool=FakeQueue(), llm=writer)
    events = list(generator.generate(GenerationRequest(brief=DENTAL, package=QUICK, use_learning=False),
                                     time.monotonic() + 30))  # fmt: skip
    done = events[-1]
    assert isinstance(done, Completed)
    modes = {s.spec.id: s.mode for s in done.report.sections}
    assert modes["hashtag_strategy"] == "offline" and modes["overview"] == "llm"
    assert done.report.generation_mode == "mixed"
    assert any("hashtag_strategy" in w and "broke a brief rule" in w for w in done.report.warnings)
    assert "tiktok" not in done.report.markdown.lower()
    generator.close()


# ----- the client playbook on the LLM path ----------------------------------------------------------------

PLAYBOOK_DECISIONS = Decisions(
    big_idea="Smiles Without the Wait",
    standing=("Make email the lead channel",),
    approved=(("channel_plan", ("- Chairside reminders by text keep the second visit booked.",)),),
    avoid=(("channel_plan", ("- Blanket discounts for every new patient in the city.",)),),
)


def test_the_prompt_carries_the_playbook_and_never_the_clients_unrated_drafts() -> None:
    draft = Example("d-1", "Channel Plan — Dental", "- An unrated draft line about 1,200 bookings.", 0.9,
                    source=SAME_CLIENT)  # fmt: skip
    prompt = build_prompt(spec("channel_plan"), DENTAL, FLAGSHIP, [draft], Refinement(), PLAYBOOK_DECISIONS)
    assert "\u201cSmiles Without the Wait\u201d" in prompt
    assert "Standing instruction: Make email the lead channel" in prompt
    assert "Chairside reminders by text keep the second visit booked." in prompt
    assert "Blanket discounts for every new patient in the city." in prompt  # as a line never to write
    assert "1,200 bookings" not in prompt
    budget = next(line for line in prompt.splitlines() if line.startswith("- Budget split:"))
    assert budget.removeprefix("- Budget split: ").startswith(
        "Email & CRM"
    )  # the standing order, in the plan


def test_a_model_section_loses_weak_lines_and_figures_of_earlier_work() -> None:
    old = "- Last spring the reminders alone brought 1,870 extra bookings."
    decisions = Decisions(
        approved=(("channel_plan", (old,)),),
        avoid=(("channel_plan", ("- Blanket discounts for every new patient in the city.",)),),
    )
    written = (
        "Email leads the plan for the dental group.\n\n"
        "- Blanket discounts for every new patient in the city.\n"
        "- Reminders brought 1,870 extra bookings. Reminders stay in the plan."
    )
    writer = RuleCheckedWriter(ScriptedWriter(default=written))
    body = writer.write_section(spec("channel_plan"), DENTAL, FLAGSHIP, (), Refinement(), timeout=5,
                                decisions=decisions)  # fmt: skip
    assert "Blanket discounts" not in body and "1,870" not in body
    assert "Email leads the plan" in body and "Reminders stay in the plan." in body
