"""The offline composer: AICMO's default writer when no LLM is configured.

`compose_section` writes one section of a package from the brief, deterministically (same inputs give
byte-identical output: no clock, no randomness, variety only from a SHA-256 of the brand). Learned
examples shape the body without naming their source; refinement feedback is acted on, and what changed is
returned as revision notes for the operator (`compose_section_with_notes`), never written into the
client's text. The markdown never contains placeholders, and operator text is made safe for tables.
"""

from __future__ import annotations

from collections.abc import Sequence

from services.generator.composer.context import build_context
from services.generator.composer.learning import choose_example, learned_block
from services.generator.composer.models import Example, Refinement
from services.generator.composer.revisions import condense, extra_blocks, revision_notes, signoff_block
from services.generator.composer.writers import writer_for
from services.generator.domain.brief import Brief
from services.generator.domain.packages import Package, SectionSpec

__all__ = ["Example", "Refinement", "choose_example", "compose_section", "compose_section_with_notes"]

_DEFAULT_REFINEMENT = Refinement()


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
    ctx = build_context(brief, package, section, refinement)
    blocks = [b for b in writer_for(section.id)(ctx) if b.strip()]
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
    return body, notes
