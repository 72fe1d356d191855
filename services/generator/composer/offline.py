"""The offline composer: AICMO's default writer when no LLM is configured.

`compose_section` writes one section of a package from the brief, deterministically (same inputs give
byte-identical output: no clock, no randomness, variety only from a SHA-256 of the brand). Learned
examples shape the body without naming their source; refinement feedback is acted on, and what changed is
returned as revision notes for the operator (`compose_section_with_notes`), never written into the
client's text. The markdown never contains placeholders, and operator text is made safe for tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from services.generator.composer.context import build_context
from services.generator.composer.learning import choose_example, learned_block, learned_idea, learned_split
from services.generator.composer.models import Example, Refinement
from services.generator.composer.names import split_parts, template_names
from services.generator.composer.render import check_registry, render_section
from services.generator.composer.revisions import (
    applied_lines,
    condense,
    extra_blocks,
    revision_notes,
    signoff_block,
    unapplied_lines,
)
from services.generator.composer.rules import enforce, violations
from services.generator.domain.brief import Brief
from services.generator.domain.packages import (
    ALTERNATE_TITLES,
    SECTION_TITLES,
    Package,
    SectionSpec,
    UnknownSectionError,
)
from services.generator.domain.understanding import UnderstoodBrief

__all__ = [
    "Example",
    "Refinement",
    "choose_example",
    "compose_section",
    "compose_section_with_notes",
    "report_outcome",
    "shown_section",
]

_DEFAULT_REFINEMENT = Refinement()
# Sections whose budget split a learned example's channel shares shape; the section whose idea a gold one sets.
_SPLIT_SECTIONS = frozenset({"channel_plan", "kpi_and_budget_plan"})
_IDEA_SECTION = "core_campaign_idea"
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


def report_outcome(brief: Brief, package: Package, refinement: Refinement = _DEFAULT_REFINEMENT) -> Outcome:
    ctx = build_context(brief, package, package.sections[0], refinement)
    return Outcome(ctx.facts, tuple(applied_lines(ctx)), tuple(unapplied_lines(ctx)))


def compose_section(
    section: SectionSpec,
    brief: Brief,
    package: Package,
    examples: Sequence[Example] = (),
    refinement: Refinement = _DEFAULT_REFINEMENT,
) -> str:
    """Markdown body for one section (no leading '## Title' heading; the caller adds it).

    The body has no trailing newline. Sub-parts use '###' headings.
    """
    return compose_section_with_notes(section, brief, package, examples, refinement)[0]


def compose_section_with_notes(
    section: SectionSpec,
    brief: Brief,
    package: Package,
    examples: Sequence[Example] = (),
    refinement: Refinement = _DEFAULT_REFINEMENT,
) -> tuple[str, list[str]]:
    """The section's client-facing markdown, and the revision notes of a refinement (for the operator)."""
    if section.id not in SECTION_TITLES:
        raise UnknownSectionError(section.id)
    ctx = build_context(brief, package, section, refinement)
    # Learning shapes the plan, not only the prose: a learned channel split moves the budget lines (the
    # maths is redone from them), and a gold example's big idea is kept. Neither names its source.
    split = learned_split(examples, ctx) if section.id in _SPLIT_SECTIONS else None
    if split is not None:
        ctx = build_context(brief, package, section, refinement, split)
    idea = learned_idea(examples, ctx) if section.id == _IDEA_SECTION else ""
    if idea:
        ctx = replace(ctx, learned_idea=idea)
    blocks = split_parts(render_section(section.id, template_names(ctx)))
    if ctx.emphasis.has("shorter"):
        blocks = condense(blocks)
    blocks += extra_blocks(ctx)
    learned = learned_block(examples, ctx)
    if learned:
        blocks.insert(1, learned)  # right after the opening paragraph, where a reader sees it
    body = "\n\n".join(blocks)
    notes: list[str] = []
    feedback = refinement.feedback.strip()
    if feedback or (ctx.stage == "refine" and refinement.previous_draft.strip()):
        notes = revision_notes(ctx, feedback, refinement.previous_draft, body)
    if ctx.stage == "final":
        body += "\n\n" + signoff_block(ctx)
    body, changes = enforce(body, ctx.facts.rules, keep=ctx.facts.statements)
    notes += [f"**Brief rules:** {change}." for change in changes]
    return body, notes
