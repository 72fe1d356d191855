"""The spine of every report: overview, objective, big idea, messaging, summary (and a fallback)."""

from __future__ import annotations

import datetime

from services.generator.composer.context import Ctx
from services.generator.composer.plans import kpi_rows, phases, week_span
from services.generator.composer.profiles import KINDS
from services.generator.composer.text import (
    bullets,
    cap,
    fmt_date,
    fmt_int,
    hashtag,
    join_and,
    lower_first,
    numbered,
    pick,
    section,
    sentence,
    table,
    trim,
)


def _objectives_md(ctx: Ctx) -> str:
    if ctx.objectives_given:
        return bullets([sentence(o) for o in ctx.objectives])
    return (
        bullets([sentence(o) for o in ctx.objectives])
        + "\n\n*The brief lists no objectives; these are the standard goals we recommend for this kind of "
        "programme. Confirm or replace them at kickoff.*"
    )


def big_idea_name(ctx: Ctx) -> str:
    options = (
        f"Better Days with {ctx.brand}",
        f"The {ctx.brand} Difference",
        f"Find Your {ctx.brand}",
        f"{ctx.brand}, Without Compromise",
        f"Life, Upgraded by {ctx.brand}",
    )
    name = pick(options, ctx.brand, "idea")
    return name


def overview(ctx: Ctx) -> list[str]:
    b = ctx.brief
    intro = (
        f"This {ctx.package.label} sets out how {ctx.brand} "
        f"{'(for ' + ctx.client + ') ' if ctx.client != ctx.brand else ''}will win {ctx.audience_short} "
        f"{ctx.in_geo}. It covers {len(ctx.package.sections)} sections, from strategy to measurement, all "
        f"written against the brief below and the budget of {ctx.budget_phrase}."
    )
    rows = [
        ["Client", ctx.client],
        ["Brand", ctx.brand],
        [
            "Product / service",
            ctx.product if ctx.product_given else f"{ctx.brand}'s core offer (not specified)",
        ],
        ["Industry", b.industry if ctx.industry_given else f"{ctx.industry} (inferred)"],
        ["Geography", ctx.geo if ctx.geo_given else "Not specified: we plan for the brand's core market"],
        ["Audience", ctx.audience if ctx.audience_given else f"{ctx.audience} (our working definition)"],
        ["Budget", ctx.budget_phrase],
        ["Timeline", b.timeline if b.timeline.strip() else ctx.timeline.label],
    ]
    if ctx.launch:
        rows.append(["Launch date", fmt_date(ctx.launch)])
    if ctx.constraints:
        rows.append(["Constraints", "; ".join(ctx.constraints)])
    rows += [[cap(k.replace("_", " ")), trim(v, 160)] for k, v in ctx.metadata[:12]]
    pov = bullets(
        [
            f"**The opportunity:** {ctx.profile.trends[0].rstrip('.')}; {ctx.brand} can own that shift "
            f"{ctx.in_geo}.",
            f"**The insight:** {ctx.profile.insight}.",
            f"**The plan:** lead with {join_and(list(ctx.channel_names[:3]))}, convert with "
            f"{lower_first(ctx.profile.offers[0])}, and measure everything against "
            f"{fmt_int(ctx.est.conversions)} {ctx.conversion}{ctx.period_word}.",
        ]
    )
    titles = [s.title for s in ctx.package.sections if s.id != "overview"]
    return [
        intro,
        section("Brief at a glance", table(["Field", "Detail"], rows)),
        section("Objectives", _objectives_md(ctx)),
        section("Our point of view", pov),
        section("What this report covers", ", ".join(titles) + "."),
    ]


def campaign_objective(ctx: Ctx) -> list[str]:
    est = ctx.est
    deadline = f"end of week {ctx.weeks}"
    if ctx.start:
        deadline = fmt_date(ctx.start + datetime.timedelta(weeks=ctx.weeks, days=-1))
    rows = [
        [
            f"Reach {ctx.audience_short}",
            f"{fmt_int(est.impressions)} paid impressions{ctx.period_word}",
            deadline,
            "Ad platform reporting",
        ],
        [
            f"Drive {ctx.conversion}",
            f"{fmt_int(est.conversions)}{ctx.period_word}",
            deadline,
            "Analytics + CRM",
        ],
        [
            "Stay efficient",
            f"Cost per {ctx.profile.conversion_one} \u2264 {ctx.money(est.cpa)}",
            "Weekly from week 3",
            "Spend / results",
        ],
        [
            "Build owned audience",
            f"+{fmt_int(max(50, est.conversions * 2))} opted-in contacts{ctx.period_word}",
            deadline,
            "Email/SMS platform",
        ],
    ]
    business = ctx.main_objective.rstrip(".")
    guardrails = [sentence(c) for c in ctx.constraints] or [
        "Brand safety: no placements next to sensitive content; all claims substantiated.",
        "Spend pacing within \u00b110% of the weekly plan; no channel above its share without sign-off.",
    ]
    return [
        f"The campaign exists to deliver one business result for {ctx.brand}: **{lower_first(business)}**. "
        "Everything else in this plan (idea, channels, budget) is chosen because it moves that number for "
        f"{ctx.audience_short} {ctx.in_geo}.",
        section("SMART objectives", table(["Objective", "Target", "By", "Measured in"], rows)),
        section("Brief objectives", _objectives_md(ctx)),
        section(
            "What success looks like",
            bullets(
                [
                    f"{cap(ctx.audience_short)} can say in one line what {ctx.brand} stands for.",
                    f"{fmt_int(est.conversions)} {ctx.conversion}{ctx.period_word} at or under "
                    f"{ctx.money(est.cpa)} each, with return on spend of {est.roas:.1f}x or better.",
                    "A learning log that tells the next campaign which message, offer and channel won.",
                ]
            ),
        ),
        section("Guardrails", bullets(guardrails)),
    ]


def core_campaign_idea(ctx: Ctx) -> list[str]:
    idea = big_idea_name(ctx)
    p = ctx.profile
    ch = ctx.channel_names or ("Instagram",)
    social = [c for c in ch if KINDS.get(c) == "social"] or list(ch)
    closers = [c for c in ch if KINDS.get(c) in ("owned", "search", "local")] or list(ch)
    prover = "Influencers & creators" if "Influencers & creators" in ch else social[-1]
    rows = [
        ["Tease", f"Intrigue content that names the tension: {p.insight.split(';')[0]}", social[0]],
        [
            "Reveal",
            f"Hero film and launch post introducing {trim(ctx.product, 60)} as the answer",
            social[1] if len(social) > 1 else social[0],
        ],
        ["Prove", f"Creators and customers show it working: {p.proof[0]}, {p.proof[1]}", prover],
        ["Convert", f"Time-bound offer: {p.offers[0]}", closers[0]],
    ]
    taglines = [
        f"{ctx.brand}. {pick(('Made to matter.', 'Worth choosing.', 'Better, by design.'), ctx.brand, 't1')}",
        f"{idea}.",
        f"The smarter choice for {ctx.audience_short}.",
    ]
    return [
        f"**The big idea: \u201c{idea}\u201d** {hashtag(idea)}. It turns {ctx.brand}'s promise into "
        f"something {ctx.audience_short} can see, share and act on {ctx.in_geo}, and it is built around "
        f"one goal: \u201c{trim(lower_first(ctx.main_objective.rstrip('.')), 90)}\u201d.",
        section(
            "Why it works",
            bullets(
                [
                    f"**Insight:** {p.insight}.",
                    f"**Tension:** the usual alternatives ({p.alternatives}) ask people to compromise.",
                    f"**Resolution:** {cap(trim(ctx.product, 80))} removes the compromise, and {ctx.brand} "
                    f"says so with proof ({join_and(list(p.proof[:2]))}).",
                    f"**Fit:** it works in every channel we plan to use ({join_and(list(ch[:4]))}) and at "
                    f"the budget of {ctx.budget_phrase}.",
                ]
            ),
        ),
        section("How it comes to life", table(["Stage", "Execution", "Lead channel"], rows)),
        section("Taglines to test", numbered(taglines)),
    ]


def messaging_framework(ctx: Ctx) -> list[str]:
    p = ctx.profile
    need = ctx.profile.segments[0][2]
    through = f", through {trim(ctx.product, 80)}" if ctx.product_given else ""
    positioning = (
        f"For {ctx.audience} {ctx.in_geo} who want {need}, {ctx.brand} is the {ctx.category_brand} that "
        f"delivers it without compromise{through}. Unlike {p.alternatives}, {ctx.brand} backs every "
        f"promise with {p.proof[0]}."
    )
    pillars = p.pillars[:3]
    rows = [
        [pillars[0], f"{ctx.brand} delivers what {ctx.audience_short} actually need: {need}.", p.proof[0]],
        [pillars[1], f"Choosing {ctx.brand} is easy and low-risk: {p.offers[0]}.", p.proof[1]],
        [pillars[2], f"People like you already rely on {ctx.brand} {ctx.in_geo}.", p.proof[2]],
    ]
    use = [
        "Specific outcomes and numbers",
        f"The customer's words ({ctx.audience_short})",
        "Active verbs, short sentences",
        f"{ctx.brand} named early in every asset",
    ]
    avoid = [
        "Superlatives we cannot prove (\u201cbest\u201d, \u201c#1\u201d)",
        "Jargon and internal product names",
        "Discount-first messages outside offer windows",
    ]
    avoid += [
        f"Anything that conflicts with the brief: {lower_first(trim(c, 80))}" for c in ctx.constraints[:2]
    ]
    return [
        "One positioning, three pillars and a consistent voice, so every asset from a six-second ad to a "
        f"sales email sounds like {ctx.brand}.",
        section("Positioning statement", f"> {positioning}"),
        section(
            "Message house",
            f"**Umbrella message:** {ctx.brand} makes {lower_first(need)} simple.",
            table(["Pillar", "Key message", "Proof point"], rows),
        ),
        section(
            "Tone of voice",
            f"{cap(ctx.tone)}. Write the way a trusted expert talks to {ctx.audience_short}: direct, "
            "specific, never hype.",
        ),
        section(
            "Words we use / avoid", "**Use:**\n\n" + bullets(use) + "\n\n**Avoid:**\n\n" + bullets(avoid)
        ),
    ]


def final_summary(ctx: Ctx) -> list[str]:
    est = ctx.est
    top = ", ".join(f"{c.name} ({c.pct}%)" for c in ctx.channels[:3])
    ph = phases(ctx)
    decisions = [
        f"Confirm the budget of {ctx.budget_phrase}" + ("." if ctx.budget.stated else ", currently assumed."),
        "Approve the positioning statement and the three message pillars.",
        f"Approve the offer ({ctx.profile.offers[0]}) and its legal terms.",
        "Grant access to analytics, ad accounts and CRM so tracking can be set up.",
    ]
    if not ctx.start:
        decisions.append("Fix a go-live date so the day-by-day plan can be dated.")
    steps = [
        f"**{p.name}**, {lower_first(week_span(ctx, p.first_week, p.last_week))}: "
        f"{lower_first(p.activities.rstrip('.'))}; owner: {p.owner}."
        for p in ph[:3]
    ]
    kpis = kpi_rows(ctx, light=True)[:4]
    return [
        f"{ctx.brand} has a clear path to "
        f"\u201c{trim(lower_first(ctx.main_objective.rstrip('.')), 100)}\u201d {ctx.in_geo}: a single "
        f"idea, a focused channel mix and targets that the budget of {ctx.budget_phrase} can actually buy.",
        section(
            "Key decisions in this plan",
            bullets(
                [
                    f"**Audience:** {ctx.audience}.",
                    f"**Idea:** \u201c{big_idea_name(ctx)}\u201d, built on the insight that "
                    f"{ctx.profile.insight}.",
                    f"**Channels:** {top} lead the mix.",
                    f"**Targets:** {fmt_int(est.conversions)} {ctx.conversion}{ctx.period_word} at \u2264 "
                    f"{ctx.money(est.cpa)} each; {', '.join(f'{r[0].lower()} {r[1]}' for r in kpis[:2])}.",
                ]
            ),
        ),
        section("Next steps", numbered(steps)),
        section(f"Decisions needed from {ctx.client}", bullets(decisions)),
    ]


def generic(ctx: Ctx) -> list[str]:
    """For a section id without a dedicated writer: a brief-specific plan for that topic."""
    topic = ctx.section.title
    est = ctx.est
    return [
        f"{topic} for {ctx.brand}, written for {ctx.audience_short} {ctx.in_geo} and the goal "
        f"\u201c{trim(lower_first(ctx.main_objective.rstrip('.')), 100)}\u201d.",
        section(
            "Recommendations",
            numbered(
                [
                    f"Anchor the {topic.lower()} work on one measurable result: {fmt_int(est.conversions)} "
                    f"{ctx.conversion}{ctx.period_word} at \u2264 {ctx.money(est.cpa)}.",
                    f"Prioritise {join_and(list(ctx.channel_names[:3]))}, where {ctx.audience_short} "
                    "already spend time.",
                    f"Use {ctx.brand}'s strongest proof ({ctx.profile.proof[0]}) in every asset.",
                    f"Review progress weekly and reallocate within the budget of {ctx.budget_phrase}.",
                ]
            ),
        ),
        section(
            "Owners and cadence",
            table(
                ["Workstream", "Owner", "Cadence"],
                [
                    ["Plan and priorities", "Strategy lead", "Weekly"],
                    ["Execution", "Account director", "Daily stand-up"],
                    ["Measurement", "Data analyst", "Weekly report"],
                    ["Approval", ctx.client_lead, "Fortnightly"],
                ],
            ),
        ),
    ]
