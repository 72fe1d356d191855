"""Refine does what it is told: feedback becomes plan changes, reported as applied or not applied, and the
feedback's words never reach the report."""

from __future__ import annotations

import time

from services.generator.composer.feedback import read_feedback, split_instructions
from services.generator.composer.offline import Refinement, compose_section_with_notes, report_outcome
from services.generator.composer.rules import violations
from services.generator.domain.brief_parser import understand
from services.generator.domain.packages import get_package
from services.generator.service_layer.generation import Completed, GenerationRequest, ReportGenerator
from tests.labelled_briefs import by_id
from tests.unit.generator.fakes import FakeMemory, FakeQueue

FLAGSHIP = get_package("strategy_campaign_standard")
IDENTITY = by_id("identity-saas").form
ISSUE_FEEDBACK = (
    "Remove TikTok/Reels, position against Wiz and Orca, make Infosecurity Europe (2-4 June 2026) the "
    "centrepiece"
)


def report(feedback: str) -> tuple[str, list[str]]:
    refinement = Refinement("refine", feedback, "")
    parts, notes = [], []
    for spec in FLAGSHIP.sections:
        body, section_notes = compose_section_with_notes(spec, IDENTITY, FLAGSHIP, (), refinement)
        parts.append(body)
        notes += section_notes
    return "\n\n".join(parts), notes


def test_feedback_is_split_into_instructions() -> None:
    assert split_instructions(ISSUE_FEEDBACK) == [
        "Remove TikTok/Reels",
        "position against Wiz and Orca",
        "make Infosecurity Europe (2-4 June 2026) the centrepiece",
    ]
    emphasis = read_feedback(ISSUE_FEEDBACK, understand(IDENTITY), {}, ("LinkedIn",))
    assert [(i.kind, i.value) for i in emphasis.instructions] == [
        ("drop", "TikTok"),
        ("drop_format", "Reels"),
        ("against", "Wiz, Orca"),
        ("centre", "Infosecurity Europe"),
    ]


def test_the_issue_feedback_changes_the_plan_and_nothing_is_pasted() -> None:
    text, _notes = report(ISSUE_FEEDBACK)
    assert "tiktok" not in text.lower() and "reels" not in text.lower()
    assert "Wiz and Orca" in text  # leads the positioning
    assert "Infosecurity Europe day 1" in text  # the calendar is centred on it, on its dates
    assert ISSUE_FEEDBACK not in text and "position against" not in text.lower()
    assert "Revisions" not in text
    outcome = report_outcome(IDENTITY, FLAGSHIP, Refinement("refine", ISSUE_FEEDBACK))
    assert any(line.startswith("**Positioned against Wiz and Orca:**") for line in outcome.applied)
    assert any(
        line.startswith("**Centrepiece: Infosecurity Europe (2-4 June 2026).**") for line in outcome.applied
    )
    assert outcome.unapplied == ()
    assert violations(text, outcome.understood.rules) == []


def test_instructions_the_plan_cannot_apply_are_reported_with_the_reason() -> None:
    outcome = report_outcome(
        IDENTITY,
        FLAGSHIP,
        Refinement(
            "refine", "Make it pop; make the budget leaner; centre everything on Black Hat; tweak the tone"
        ),
    )
    assert outcome.applied == ()
    reasons = " ".join(outcome.unapplied)
    assert "Make it pop" in reasons and "not a change the plan can make" in reasons
    assert "give the new total" in reasons
    assert "Black Hat has no date" in reasons
    assert "say which tone" in reasons


def test_channels_targets_tone_language_and_budget() -> None:
    feedback = (
        "Add podcasts. Less Google Search. Base the targets on opportunities. Make the tone more formal. "
        "Write the creative in French. Cut the budget to $200,000."
    )
    outcome = report_outcome(IDENTITY, FLAGSHIP, Refinement("refine", feedback))
    applied = " ".join(outcome.applied)
    assert "**Added Podcasts & audio:**" in applied and "**Less Google Search:**" in applied
    assert "**Targets counted as opportunities:**" in applied
    assert "**Tone more formal:**" in applied and "**Creative in French (fr-US):**" in applied
    assert "**Budget re-planned at $200,000:**" in applied
    text, _notes = report(feedback)
    assert "Cost per opportunity" in text and "$200,000" in text and "(in French)" in text


def test_a_channel_the_brief_rules_out_cannot_be_added_back_by_feedback() -> None:
    outcome = report_outcome(IDENTITY, FLAGSHIP, Refinement("refine", "More TikTok please"))
    assert outcome.applied == ()
    assert "the brief rules TikTok out" in outcome.unapplied[0]


def test_the_report_lists_what_was_applied_and_what_was_not() -> None:
    generator = ReportGenerator(memory=FakeMemory(), spool=FakeQueue())
    request = GenerationRequest(
        brief=IDENTITY, package=get_package("quick_social_basic"), stage="refine",
        feedback="Drop LinkedIn. Make it sing.", use_learning=False,
    )  # fmt: skip
    events = list(generator.generate(request, time.monotonic() + 30))
    done = events[-1]
    assert isinstance(done, Completed)
    result = done.report
    assert any(line.startswith("**Dropped LinkedIn:**") for line in result.refine_applied)
    assert any("Make it sing" in line for line in result.refine_unapplied)
    assert "linkedin" not in result.markdown.lower()
    assert result.understood is not None and result.understood.brand == "Halberd ID"
    assert "LinkedIn" in result.understood.rules.excluded_channels
