"""Refinement passes: act on operator feedback, keep continuity with the previous draft, sign off finals."""

from __future__ import annotations

import re

from services.generator.composer.context import BudgetLine, Ctx
from services.generator.composer.render import render_block
from services.generator.composer.text import (
    fmt_date,
    fmt_int,
    join_and,
    trim,
    words,
)


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
        if inst.kind == "drop":
            out.append(
                f"**Dropped {inst.value}:** its {ctx.money(old.amount)} ({old.pct}%) moved to the rest of the mix; "
                f"{inst.value} is not mentioned anywhere in the report."
                if old
                else f"**{inst.value} ruled out:** it was not in the plan and is not mentioned anywhere in the report."
            )
        elif inst.kind == "drop_format":
            out.append(
                f"**{inst.value} ruled out:** no {inst.value} in any format list, calendar or creative."
            )
        elif inst.kind in ("add", "boost", "reduce") and new is not None:
            change = (
                f"{old.pct}% \u2192 {new.pct}% ({ctx.money(old.amount)} \u2192 {ctx.money(new.amount)})"
                if old
                else (f"added at {new.pct}% ({ctx.money(new.amount)})")
            )
            label = {"add": "Added", "boost": "More", "reduce": "Less"}[inst.kind]
            out.append(f"**{label} {inst.value}:** {change} of the budget.")
        elif inst.kind == "lead" and new is not None:
            out.append(
                f"**{inst.value} leads the mix:** {new.pct}% ({ctx.money(new.amount)}), the largest share of the "
                "budget."
            )
        elif inst.kind == "share" and new is not None:
            was = f", was {old.pct}%" if old else ""
            out.append(f"**{inst.value} at {new.pct}%:** {ctx.money(new.amount)} of the budget{was}.")
        elif inst.kind == "centre" and ctx.centrepiece is not None:
            when = f" ({ctx.centrepiece.date_text})" if ctx.centrepiece.date_text else ""
            start = (
                f"; the calendar starts {fmt_date(ctx.start)}"
                if ctx.start and ctx.start_reason == "event"
                else ""
            )
            out.append(
                f"**Centrepiece: {ctx.centrepiece.name}{when}.** The idea, calendar and roadmap are built around it{start}."
            )
        elif inst.kind == "against":
            out.append(
                f"**Positioned against {join_and(list(inst.names))}:** they lead the positioning statement, the "
                "competitor table and the idea's tension."
            )
        elif inst.kind == "basis":
            out.append(
                f"**Targets counted as {ctx.funnel.primary.name}:** KPIs, cost per result and bidding targets now use "
                f"that stage ({fmt_int(ctx.funnel.primary.count)}{ctx.period_word} at \u2264 {ctx.money(ctx.funnel.cpa)} each)."
            )
        elif inst.kind == "tone":
            out.append(
                f"**Tone {inst.value}:** {ctx.tone} in the messaging framework and every creative line."
            )
        elif inst.kind == "language":
            out.append(
                f"**Creative in {ctx.language} ({ctx.locale}):** taglines, headlines, calls to action and subject "
                "lines, with English glosses."
            )
        elif inst.kind == "budget":
            out.append(
                f"**Budget re-planned at {ctx.budget.total_text}:** every split and target is recalculated."
            )
    return list(dict.fromkeys(out))


def unapplied_lines(ctx: Ctx) -> list[str]:
    """Instructions from the feedback that could not be applied, each with the reason."""
    return [f"\u201c{trim(u.text, 120)}\u201d: {u.reason}." for u in ctx.emphasis.unapplied]


# Feedback themes that add a sub-part to any section, and its template (composer/templates/blocks).
_THEME_BLOCKS = (("detail", "further_detail"), ("budget", "budget_lens"), ("numbers", "measurement_detail"))


def extra_blocks(ctx: Ctx) -> list[str]:
    """Sub-parts that feedback themes add to any section."""
    return [render_block(block, plan=ctx) for theme, block in _THEME_BLOCKS if ctx.emphasis.has(theme)]


def theme_lines(ctx: Ctx) -> list[str]:
    """What the feedback's themes (shorter, more detail, budget, numbers, timing, audience, creative) changed,
    one line each, for the operator."""
    e = ctx.emphasis
    actions: list[str] = []
    if e.has("shorter"):
        actions.append(
            "**Shorter:** cut to the essentials (the opening, the key table and the first "
            "recommendations); supporting detail moves to the appendix on request."
        )
    if e.has("detail"):
        actions.append(
            "**More detail:** added a *Further detail* sub-part with owners, inputs, cadence, acceptance "
            "criteria and dependencies."
        )
    if e.has("budget"):
        actions.append(
            f"**Budget:** every figure is tied to {ctx.budget_phrase}; see the *Budget lens* sub-part for "
            "what the money buys."
        )
    if e.has("numbers"):
        actions.append(
            "**Numbers:** added explicit targets and how each one is measured (*Measurement detail*)."
        )
    if e.has("timing"):
        start = f"starting {fmt_date(ctx.start)}" if ctx.start else "counted from kickoff"
        actions.append(
            f"**Timing:** dates re-checked against the {ctx.timeline.label} timeline, {start}; anything "
            "not critical to go-live moves to the optimisation phase."
        )
    if e.has("audience"):
        actions.append(
            f"**Audience:** recommendations re-focused on {ctx.audience_short}; generic mass-market "
            "wording removed."
        )
    if e.has("creative"):
        actions.append(
            f"**Creative:** ideas sharpened around one insight ({ctx.profile.insight}) and tied to "
            f"{ctx.brand}'s proof points."
        )
    return actions


def revision_notes(ctx: Ctx, feedback: str, previous: str, current_body: str) -> list[str]:
    """What a refinement changed and why, one markdown line each, for the operator (not the client)."""
    actions: list[str] = applied_lines(ctx, ctx.section.id)
    actions += theme_lines(ctx)
    if ctx.section.id == "overview":
        actions += [f"**Not applied:** {line}" for line in unapplied_lines(ctx)]
    if feedback and not actions:
        actions.append(
            "**No change to this section:** the feedback's instructions change other sections (see the report's "
            "list of changes applied and not applied)."
        )
    parts = []
    if not feedback:
        parts.append(
            "No written feedback came with this pass; it tightens wording and re-checks every figure "
            "against the brief."
        )
    parts.extend(actions)
    if previous.strip():
        old_heads = [
            h for h in _headings(previous) if h.lower() not in ("revisions for this draft", "sign-off")
        ]
        new_heads = _headings(current_body)
        added = [h for h in new_heads if h not in old_heads]
        dropped = [h for h in old_heads if h not in new_heads]
        kept = [h for h in new_heads if h in old_heads]
        note = (
            f"**Compared with the previous draft** ({fmt_int(words(previous))} words \u2192 "
            f"{fmt_int(words(current_body))} words):"
        )
        detail = []
        if kept:
            detail.append(f"kept {join_and(kept[:5])}")
        if added:
            detail.append(f"added {join_and(added[:5])}")
        if dropped:
            detail.append(f"removed or folded in {join_and(dropped[:5])}")
        if not detail:
            detail.append("same structure, with the content revised as listed above")
        parts.append(note + " " + "; ".join(detail) + ".")
    return parts


def signoff_block(ctx: Ctx) -> str:
    return render_block("signoff", plan=ctx)
