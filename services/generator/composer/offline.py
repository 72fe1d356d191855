"""The offline composer: AICMO's default writer when no LLM is configured.

`compose_section` writes one section of a package from the brief, deterministically (same inputs give
byte-identical output: no clock, no randomness, variety only from a SHA-256 of the brand). Learned
examples shape the body without naming their source; refinement feedback is acted on, and what changed is
returned as revision notes for the operator (`compose_section_with_notes`), never written into the
client's text. The markdown never contains placeholders, and operator text is made safe for tables.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from services.generator.composer.context import Ctx, build_context
from services.generator.composer.decisions import Decisions, decide, decisions_without_playbook
from services.generator.composer.learning import IDEA_SECTION, carried_block, choose_example, drop_avoided
from services.generator.composer.models import Example, Refinement
from services.generator.composer.names import split_parts, template_names
from services.generator.composer.render import check_registry, render_section
from services.generator.composer.revisions import (
    applied_lines,
    condense,
    extra_blocks,
    revision_notes,
    signoff_block,
    theme_lines,
    unapplied_lines,
)
from services.generator.composer.rules import enforce, violations
from services.generator.composer.text import stable_digest
from services.generator.domain.brief import Brief
from services.generator.domain.client_playbook import ClientPlaybook
from services.generator.domain.packages import (
    ALTERNATE_TITLES,
    SECTION_TITLES,
    Package,
    SectionSpec,
    UnknownSectionError,
)
from services.generator.domain.understanding import UnderstoodBrief

__all__ = [
    "Decisions",
    "Example",
    "Refinement",
    "choose_example",
    "compose_section",
    "compose_section_with_notes",
    "decided_context",
    "report_decisions",
    "report_outcome",
    "shown_section",
    "standing_instructions",
]

_DEFAULT_REFINEMENT = Refinement()
check_registry()  # every registered section has a template, and every template a registered section


def shown_section(section: SectionSpec, brief: Brief, package: Package) -> SectionSpec:
    """The section as the client sees it: its registered title, or the alternate title when that title
    names a channel the brief rules out."""
    rules = build_context(brief, package, section).facts.rules
    if section.id in ALTERNATE_TITLES and violations(section.title, rules):
        return SectionSpec(section.id, ALTERNATE_TITLES[section.id])
    return section


@dataclass(frozen=True)
class Outcome:
    """A report's reading of its brief and feedback, for the operator: the brief as understood (with the
    feedback's changes), the refinement instructions applied and those that could not be."""

    understood: UnderstoodBrief
    applied: tuple[str, ...]
    unapplied: tuple[str, ...]


def report_outcome(
    brief: Brief,
    package: Package,
    refinement: Refinement = _DEFAULT_REFINEMENT,
    decisions: Decisions | None = None,
) -> Outcome:
    """What the refinement's feedback changed in the plan and what it could not change, judged on the plan
    as written: with the report's decisions, the playbook's standing instructions and learned split act
    too, and an instruction of the feedback that they undid is reported as not applied."""
    if decisions is None or not (decisions.standing or decisions.split):
        ctx = build_context(brief, package, package.sections[0], refinement)
        return Outcome(ctx.facts, (*applied_lines(ctx), *theme_lines(ctx)), tuple(unapplied_lines(ctx)))
    ctx = build_context(
        brief, package, package.sections[0], decisions.refinement(refinement), decisions.split
    )
    feedback = refinement.feedback
    own = replace(
        ctx.emphasis,
        instructions=tuple(i for i in ctx.emphasis.instructions if i.text in feedback),
        unapplied=tuple(u for u in ctx.emphasis.unapplied if u.text in feedback),
    )
    mine = replace(ctx, emphasis=own)
    return Outcome(ctx.facts, (*applied_lines(mine), *theme_lines(mine)), tuple(unapplied_lines(mine)))


# Instructions that change the plan's decisions, and so stand for the client's later reports; an event to
# centre on or a new budget are facts of this brief and stay with it.
_STANDING_KINDS = frozenset(
    {"drop", "drop_format", "add", "boost", "reduce", "lead", "share", "against", "tone", "language", "basis"}
)


def standing_instructions(brief: Brief, package: Package, feedback: str) -> tuple[str, ...]:
    """The parts of an operator's feedback that were applied and decide something about the plan."""
    ctx = build_context(brief, package, package.sections[0], Refinement(stage="refine", feedback=feedback))
    return tuple(dict.fromkeys(i.text for i in ctx.emphasis.instructions if i.kind in _STANDING_KINDS))


def report_decisions(
    brief: Brief, package: Package, playbook: ClientPlaybook, examples: Mapping[str, Sequence[Example]]
) -> Decisions:
    """The report's learned decisions, decided once before any section is written (see decisions.py)."""
    ctx = build_context(brief, package, package.sections[0])
    return decide(playbook, examples, package, ctx.brand, ctx.client)


def compose_section(
    section: SectionSpec,
    brief: Brief,
    package: Package,
    examples: Sequence[Example] = (),
    refinement: Refinement = _DEFAULT_REFINEMENT,
    decisions: Decisions | None = None,
) -> str:
    """Markdown body for one section (no leading '## Title' heading; the caller adds it).

    The body has no trailing newline. Sub-parts use '###' headings.
    """
    return compose_section_with_notes(section, brief, package, examples, refinement, decisions)[0]


def decided_context(
    section: SectionSpec, brief: Brief, package: Package, refinement: Refinement, decisions: Decisions
) -> Ctx:
    """The plan for one section with the report's learned decisions applied: the split and the standing
    instructions shape the mix, the big idea leads, the playbook's tone (when the brief sets none) and
    offers join, and a section or idea rated weak picks new names. The offline composer writes from it, and
    the LLM path is told it."""
    ctx = build_context(brief, package, section, decisions.refinement(refinement), decisions.split)
    facts = ctx.facts
    if decisions.tone and not facts.tone:
        facts = replace(facts, tone=decisions.tone)
    avoid = decisions.avoid_for(section.id)
    weak_idea = decisions.avoid_for(IDEA_SECTION)
    return replace(
        ctx,
        facts=facts,
        learned_idea=decisions.big_idea,
        variant=stable_digest(*avoid) if avoid else "",
        idea_variant=stable_digest(*weak_idea) if weak_idea else "",
        offers=tuple(dict.fromkeys([*ctx.facts.offers, *decisions.offers, *ctx.offers])),
    )


def compose_section_with_notes(
    section: SectionSpec,
    brief: Brief,
    package: Package,
    examples: Sequence[Example] = (),
    refinement: Refinement = _DEFAULT_REFINEMENT,
    decisions: Decisions | None = None,
) -> tuple[str, list[str]]:
    """The section's client-facing markdown, and the notes for the operator (revisions, brief rules,
    learning left out).

    `decisions` are the report's learned decisions (decide(), once per report); without them they are
    decided from this section's `examples` alone. Learning shapes the plan, not only the prose: the split
    moves every budget line (the maths is redone from it), the big idea leads, standing instructions act
    like feedback, approved texts are carried re-bound to this brief, and text rated weak is taken out.
    Nothing in the text names its source."""
    if section.id not in SECTION_TITLES:
        raise UnknownSectionError(section.id)
    if decisions is None:
        first = build_context(brief, package, section, refinement)
        decisions = decisions_without_playbook(examples, section.id, package, first.brand, first.client)
    ctx = decided_context(section, brief, package, refinement, decisions)
    avoid = decisions.avoid_for(section.id)
    blocks = split_parts(render_section(section.id, template_names(ctx)))
    if ctx.emphasis.has("shorter"):
        blocks = condense(blocks)
    blocks += extra_blocks(ctx)
    carried = carried_block(
        ctx, decisions.approved_for(section.id), decisions.adapted_for(section.id), "\n\n".join(blocks)
    )
    if carried:
        blocks.insert(1, carried)  # right after the opening paragraph, where a reader sees it
    body, avoided = drop_avoided("\n\n".join(blocks), avoid)
    notes: list[str] = []
    feedback = refinement.feedback.strip()
    if feedback or (ctx.stage == "refine" and refinement.previous_draft.strip()):
        notes = revision_notes(ctx, feedback, refinement.previous_draft, body)
    if avoided:
        notes.append(f"**Learning:** {avoided} line(s) rated weak before were left out of this section.")
    if ctx.stage == "final":
        body += "\n\n" + signoff_block(ctx)
    body, changes = enforce(body, ctx.facts.rules, keep=ctx.facts.statements)
    notes += [f"**Brief rules:** {change}." for change in changes]
    return body, notes
