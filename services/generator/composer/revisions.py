"""Refinement passes: act on operator feedback, keep continuity with the previous draft, sign off finals."""

from __future__ import annotations

import re

from services.generator.composer import wording
from services.generator.composer.context import BudgetLine, Ctx
from services.generator.composer.render import render_block
from services.generator.composer.text import (
    fmt_int,
    trim,
    words,
)
from services.generator.composer.wording import say


def _headings(markdown: str) -> list[str]:
    return [h.strip() for h in re.findall(r"(?m)^#{2,4}\s+(.+?)\s*$", markdown)]


def condense(blocks: list[str]) -> list[str]:
    """The opening paragraph plus the section's key sub-part (its first table, else its first sub-part)."""
    if len(blocks) <= 2:
        return blocks
    key = next((i for i, b in enumerate(blocks[1:], 1) if "\n|" in b or b.startswith("|")), 1)
    return [blocks[0], blocks[key]]


# Which sections an applied instruction changes (None: every section).
_KIND_SECTIONS: dict[str, frozenset[str] | None] = {
    "drop": None,
    "drop_format": None,
    "budget": None,
    "add": frozenset({"overview", "channel_plan", "kpi_and_budget_plan", "detailed_30_day_calendar",
                      "budget_reallocation", "channel_efficiency_review", "platform_guidelines"}),
    "centre": frozenset({"overview", "core_campaign_idea", "channel_plan", "detailed_30_day_calendar",
                         "execution_roadmap", "launch_timeline", "pr_and_media_plan", "weekly_social_calendar",
                         "final_summary", "promotions_and_offers"}),
    "against": frozenset({"overview", "messaging_framework", "core_campaign_idea", "competitor_analysis",
                          "pricing_and_positioning", "brand_audit", "sales_enablement"}),
    "basis": frozenset({"campaign_objective", "kpi_and_budget_plan", "kpi_plan_light", "funnel_architecture",
                        "bidding_and_structure", "final_summary"}),
    "tone": frozenset({"messaging_framework", "creative_direction", "creative_direction_light", "ad_concepts",
                       "content_strategy", "core_campaign_idea"}),
    "language": frozenset({"creative_direction", "creative_direction_light", "core_campaign_idea", "ad_concepts",
                           "email_and_crm_flows", "messaging_framework", "content_buckets"}),
}  # fmt: skip
_KIND_SECTIONS["boost"] = _KIND_SECTIONS["add"]
_KIND_SECTIONS["reduce"] = _KIND_SECTIONS["add"]
_KIND_SECTIONS["lead"] = _KIND_SECTIONS["add"]
_KIND_SECTIONS["share"] = _KIND_SECTIONS["add"]


def applied_lines(ctx: Ctx, section_id: str = "") -> list[str]:
    """What the feedback changed in the plan, one line per instruction applied (for the operator). With a
    section id, only the instructions that change that section."""
    before: dict[str, BudgetLine] = {line.name: line for line in ctx.base_lines if line.channel is not None}
    after: dict[str, BudgetLine] = {line.name: line for line in ctx.channels}
    out: list[str] = []
    for inst in ctx.emphasis.instructions:
        sections = _KIND_SECTIONS.get(inst.kind)
        if section_id and sections is not None and section_id not in sections:
            continue
        old, new = before.get(inst.value), after.get(inst.value)
        names = {"plan": ctx, "value": inst.value, "old": old, "new": new}
        if inst.kind == "drop":
            out.append(say("applied.dropped" if old else "applied.ruled_out", **names))
        elif inst.kind == "drop_format":
            out.append(say("applied.format_ruled_out", **names))
        elif inst.kind in ("add", "boost", "reduce") and new is not None:
            change = say("applied.changed" if old else "applied.added_at", **names)
            label = wording.words("applied.labels")[inst.kind]
            out.append(say("applied.moved", label=label, change=change, **names))
        elif inst.kind in ("lead", "share") and new is not None:
            out.append(say(f"applied.{inst.kind}", **names))
        elif inst.kind == "centre" and ctx.centrepiece is not None:
            out.append(say("applied.centre", **names))
        elif inst.kind == "against":
            out.append(say("applied.against", names=list(inst.names)))
        elif inst.kind in ("basis", "tone", "language", "budget"):
            out.append(say(f"applied.{inst.kind}", **names))
    return list(dict.fromkeys(out))


def unapplied_lines(ctx: Ctx) -> list[str]:
    """Instructions from the feedback that could not be applied, each with the reason."""
    return [say("applied.unapplied", text=trim(u.text, 120), reason=u.reason) for u in ctx.emphasis.unapplied]


# Feedback themes that add a sub-part to any section, and its template (composer/templates/blocks).
_THEME_BLOCKS = (("detail", "further_detail"), ("budget", "budget_lens"), ("numbers", "measurement_detail"))


def extra_blocks(ctx: Ctx) -> list[str]:
    """Sub-parts that feedback themes add to any section."""
    return [render_block(block, plan=ctx) for theme, block in _THEME_BLOCKS if ctx.emphasis.has(theme)]


def theme_lines(ctx: Ctx) -> list[str]:
    """What the feedback's themes (shorter, more detail, budget, numbers, timing, audience, creative) changed,
    one line each, for the operator."""
    return [say(f"themes.{theme}", plan=ctx) for theme in _THEMES if ctx.emphasis.has(theme)]


_THEMES = ("shorter", "detail", "budget", "numbers", "timing", "audience", "creative")


def revision_notes(ctx: Ctx, feedback: str, previous: str, current_body: str) -> list[str]:
    """What a refinement changed and why, one markdown line each, for the operator (not the client)."""
    actions: list[str] = applied_lines(ctx, ctx.section.id)
    actions += theme_lines(ctx)
    if ctx.section.id == "overview":
        actions += [say("applied.not_applied", line=line) for line in unapplied_lines(ctx)]
    if feedback and not actions:
        actions.append(say("revision.elsewhere"))
    parts = []
    if not feedback:
        parts.append(say("revision.no_feedback"))
    parts.extend(actions)
    if previous.strip():
        own = wording.words("revision.own_headings")
        old_heads = [h for h in _headings(previous) if h.lower() not in own]
        new_heads = _headings(current_body)
        parts.append(
            say(
                "revision.compared",
                before=fmt_int(words(previous)),
                after=fmt_int(words(current_body)),
                kept=[h for h in new_heads if h in old_heads][:5],
                added=[h for h in new_heads if h not in old_heads][:5],
                dropped=[h for h in old_heads if h not in new_heads][:5],
            )
        )
    return parts


def signoff_block(ctx: Ctx) -> str:
    return render_block("signoff", plan=ctx)
