"""Refinement passes: act on operator feedback, keep continuity with the previous draft, sign off finals."""

from __future__ import annotations

import re

from services.generator.composer.context import BudgetLine, Ctx
from services.generator.composer.text import (
    bullets,
    cap,
    fmt_date,
    fmt_int,
    join_and,
    pct1,
    section,
    table,
    trim,
    words,
)

_TONE_LINES = {
    "more formal": "{brand} delivers {benefit}, with measurable results for {audience}.",
    "more playful": "Plot twist: {benefit} was this easy all along. Say hi to {brand}.",
    "bolder": "Stop settling. {brand} is built for {benefit}. Full stop.",
    "warmer": "We made {brand} for people like you, so {benefit} feels easy from day one.",
    "more premium": "{brand}. Considered in every detail, for those who expect {benefit}.",
    "adjusted": "{brand}: {benefit}, said the way {audience} would say it.",
}


def _headings(markdown: str) -> list[str]:
    return [h.strip() for h in re.findall(r"(?m)^#{2,4}\s+(.+?)\s*$", markdown)]


def condense(blocks: list[str]) -> list[str]:
    """The opening paragraph plus the section's key sub-part (its first table, else its first sub-part)."""
    if len(blocks) <= 2:
        return blocks
    key = next((i for i, b in enumerate(blocks[1:], 1) if "\n|" in b or b.startswith("|")), 1)
    return [blocks[0], blocks[key]]


def _share_changes(ctx: Ctx) -> list[str]:
    before: dict[str, BudgetLine] = {line.name: line for line in ctx.base_lines if line.channel is not None}
    after: dict[str, BudgetLine] = {line.name: line for line in ctx.channels}
    out: list[str] = []
    for name in (*ctx.emphasis.boost, *ctx.emphasis.reduce, *ctx.emphasis.drop):
        old = before.get(name)
        new = after.get(name)
        if old and new:
            out.append(
                f"{name}: {old.pct}% \u2192 {new.pct}% of the budget ({ctx.money(old.amount)} \u2192 "
                f"{ctx.money(new.amount)})"
            )
        elif new:
            out.append(f"{name}: added to the mix at {new.pct}% ({ctx.money(new.amount)})")
        elif old:
            out.append(
                f"{name}: removed; its {ctx.money(old.amount)} is redistributed across the other channels"
            )
    return out


def extra_blocks(ctx: Ctx) -> list[str]:
    """Sub-parts that feedback themes add to any section."""
    e, est = ctx.emphasis, ctx.est
    out: list[str] = []
    if e.has("detail"):
        out.append(
            section(
                "Further detail",
                f"How the {ctx.section.title.lower()} work runs week to week for {ctx.brand}:",
                bullets(
                    [
                        f"**Owner:** the {ctx.profile.noun if ctx.profile.key != 'general' else 'account'} "
                        f"team's account director, with {ctx.client_lead} as approver.",
                        "**Inputs needed:** brand assets, last 90 days of channel and sales data, product "
                        "and pricing sheet, legal guidance on claims.",
                        "**Cadence:** working session every Monday, async review by Wednesday, changes "
                        "live by Friday.",
                        "**Acceptance criteria:** each recommendation has a metric, a target and a date; "
                        f"nothing ships that does not serve \u201c{trim(ctx.main_objective, 80)}\u201d.",
                        "**Dependencies:** tracking live before go-live; creative approved five working "
                        f"days before each flight; budget released in line with the {ctx.weeks}-week plan.",
                    ]
                ),
            )
        )
    if e.has("budget"):
        out.append(
            section(
                "Budget lens",
                f"{ctx.budget_note} At the planning benchmarks ({ctx.money(est.cpm)} CPM, {pct1(est.ctr)} "
                f"CTR, {pct1(est.cvr)} conversion), {ctx.money(est.media)} of paid media{ctx.period_word} "
                f"buys about {fmt_int(est.impressions)} impressions and {fmt_int(est.conversions)} "
                f"{ctx.conversion} at {ctx.money(est.cpa)} each. If the budget moves, the channel split "
                "scales in proportion and the contingency reserve is the first line to flex.",
            )
        )
    if e.has("numbers"):
        out.append(
            section(
                "Measurement detail",
                table(
                    ["Metric", "Target", "How measured"],
                    [
                        ["Impressions", fmt_int(est.impressions), "Platform reporting, deduplicated weekly"],
                        ["Click-through rate", pct1(est.ctr), "Clicks / impressions on paid placements"],
                        [cap(ctx.conversion), fmt_int(est.conversions), "Analytics goal, UTM-tagged"],
                        ["Cost per result", ctx.money(est.cpa), "Paid media spend / attributed results"],
                    ],
                ),
            )
        )
    return out


def revision_notes(ctx: Ctx, feedback: str, previous: str, current_body: str) -> list[str]:
    """What a refinement changed and why, one markdown line each, for the operator (not the client)."""
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
    if e.tone:
        template = _TONE_LINES.get(e.tone, _TONE_LINES["adjusted"])
        benefit = trim(ctx.main_objective.rstrip("."), 60).lower()
        line = template.format(brand=ctx.brand, benefit=benefit, audience=ctx.audience_short)
        actions.append(f"**Tone ({e.tone}):** copy rewritten in that register, e.g. \u201c{line}\u201d")
    changes = _share_changes(ctx)
    if changes:
        actions.append("**Channel emphasis:** " + "; ".join(changes) + ".")
    if not actions:
        actions.append(
            "**Addressed directly:** we reworked the recommendations this note touches and checked each "
            f"one against {ctx.brand}'s brief (\u201c{trim(ctx.main_objective, 80)}\u201d, "
            f"{ctx.audience_short} {ctx.in_geo})."
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
    return section(
        "Sign-off",
        f"Final version for {ctx.client}'s approval. Figures are locked to the brief as supplied "
        f"({ctx.budget_phrase}; {ctx.timeline.label}); any change to those inputs re-opens this section. "
        f"Approvers: {ctx.client_lead} and the agency account director.",
    )
