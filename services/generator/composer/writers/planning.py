"""Time, money and measurement: the 30-day calendar, roadmap, launch timeline, risks, KPI & budget plan,
post-campaign analysis."""

from __future__ import annotations

import datetime

from services.generator.composer.budget import allocate
from services.generator.composer.context import Ctx
from services.generator.composer.plans import day_label, day_plan, kpi_rows, phases, rollup, week_span
from services.generator.composer.text import (
    bullets,
    cap,
    fmt_date,
    fmt_int,
    join_and,
    numbered,
    section,
    sentence,
    table,
    trim,
)


def detailed_30_day_calendar(ctx: Ctx) -> list[str]:
    days = day_plan(ctx, 30)
    if ctx.start and ctx.launch:
        start_note = f"Day 1 is the launch date, {fmt_date(ctx.start)}."
    elif ctx.start:
        start_note = f"Day 1 is {fmt_date(ctx.start)}, the first Monday of the period named in the timeline."
    else:
        start_note = (
            "No launch date is set, so days are counted from kickoff, which we schedule on a Monday; "
            "dates drop in as soon as go-live is fixed."
        )
    rows = [[str(d.n), day_label(d), d.theme, d.channel, d.action, d.owner, d.goal] for d in days]
    per_channel: dict[str, int] = {}
    for d in days:
        per_channel[d.channel] = per_channel.get(d.channel, 0) + 1
    mix = ", ".join(
        f"{name} {count}" for name, count in sorted(per_channel.items(), key=lambda kv: (-kv[1], kv[0]))
    )
    return [
        f"Thirty consecutive days of activity for {ctx.brand}, moving {ctx.audience_short} from first "
        f"impression to action and then to advocacy. {start_note}",
        section(
            "Day by day",
            table(["Day", "Date", "Theme", "Channel", "Content / action", "Owner", "Goal"], rows),
        ),
        section(
            "How to run it",
            bullets(
                [
                    f"Activities by channel over the 30 days: {mix}.",
                    "Content for each week is approved by the Thursday before; paid support is added to "
                    "the two best organic posts each week.",
                    "Daily 10-minute check of spend pacing and comments; weekly review against cost per "
                    f"{ctx.profile.conversion_one} \u2264 {ctx.money(ctx.est.cpa)}.",
                ]
            ),
        ),
    ]


def execution_roadmap(ctx: Ctx) -> list[str]:
    ph = phases(ctx)
    rows = [[p.name, week_span(ctx, p.first_week, p.last_week), p.activities, p.owner, p.exit] for p in ph]
    post = week_span(ctx, ctx.weeks + 1, ctx.weeks + 2)
    rows.append(
        [
            "Post-campaign review",
            post,
            "Results analysis, learning log, recommendations for the next cycle",
            "Strategy lead",
            f"Review presented to {ctx.client}",
        ]
    )
    start = (
        f"Go-live is {fmt_date(ctx.start)}."
        if ctx.start
        else "Go-live is not yet dated; weeks count from go-live."
    )
    return [
        f"The roadmap turns {ctx.brand}'s plan into {ctx.weeks} live weeks plus mobilisation and review. "
        f"{start}",
        section("Phases", table(["Phase", "When", "Key activities", "Owner", "Exit criteria"], rows)),
        section(
            "Governance",
            table(
                ["Meeting", "Who", "Cadence", "Output"],
                [
                    ["Stand-up", "Agency delivery team", "Daily, 15 min", "Blockers cleared"],
                    ["Performance review", f"Agency + {ctx.client_lead}", "Weekly", "Budget moves agreed"],
                    [
                        "Steering",
                        f"{ctx.client} leadership + account director",
                        "Monthly",
                        "Decisions and sign-offs",
                    ],
                ],
            ),
        ),
        section(
            "Dependencies",
            bullets(
                [
                    "Ad accounts, analytics and CRM access granted before mobilisation starts.",
                    "Creative approvals within 48 hours to protect the launch date.",
                    "Offer terms and any regulated claims signed off by legal.",
                    *[f"Brief constraint: {sentence(trim(c, 100))}" for c in ctx.constraints[:2]],
                ]
            ),
        ),
    ]


def launch_timeline(ctx: Ctx) -> list[str]:
    milestones = [
        (-42, "Positioning, pricing and offer locked", "Strategy lead", "Signed-off one-page positioning"),
        (-35, "Creative concepts approved; production booked", "Creative director", "Shoot plan and budget"),
        (-28, "Landing page and tracking built", "Performance marketer", "Test conversions recorded"),
        (-21, "Creators contracted; press list and kit ready", "PR lead", "Contracts and embargo agreed"),
        (
            -14,
            "Assets delivered; ads built in platforms",
            "Performance marketer",
            "Ads approved by platforms",
        ),
        (-7, "Teasers live; sales and support briefed", "Social lead", "Teaser reach on plan; FAQ live"),
        (0, f"Launch day: {ctx.brand} goes live", "Account director", "All channels live by 10:00"),
        (7, "First optimisation: budgets moved to winners", "Performance marketer", "CPA trend on target"),
        (28, "30-day launch review", "Strategy lead", f"Review with {ctx.client}"),
    ]
    rows = []
    for offset, what, owner, done in milestones:
        when = f"T{offset:+d} days" if offset else "T-0"
        if ctx.start:  # the launch date, or the go-live the timeline names
            rows.append([when, fmt_date(ctx.start + datetime.timedelta(days=offset)), what, owner, done])
        else:
            rows.append([when, what, owner, done])
    anchor = (
        f"counting back from the launch date, {fmt_date(ctx.launch)}"
        if ctx.launch
        else f"counting back from go-live on {fmt_date(ctx.start)}"
        if ctx.start
        else "relative to a launch date still to be fixed (T-0)"
    )
    return [
        f"Six weeks of preparation and four weeks of launch for {ctx.brand}, {anchor}.",
        section(
            "Milestones",
            table(["When", *(["Date"] if ctx.start else []), "Milestone", "Owner", "Done when"], rows),
        ),
        section(
            "Launch-day run sheet",
            numbered(
                [
                    "08:00 final checks on landing page, tracking and offer codes.",
                    "09:00 press release and founder post; email to subscribers.",
                    "10:00 paid campaigns switched on; creators begin posting.",
                    "14:00 first performance read; fix delivery issues.",
                    "17:00 end-of-day note to the client team with early numbers.",
                ]
            ),
        ),
        section(
            "Go / no-go criteria",
            bullets(
                [
                    "Tracking fires on every conversion path (tested on mobile and desktop).",
                    "Offer terms, pricing and stock or capacity confirmed.",
                    "Support team briefed with the FAQ and escalation path.",
                ]
            ),
        ),
    ]


def risk_and_mitigation(ctx: Ctx) -> list[str]:
    rows = [
        [
            "Launch slips because approvals run late",
            "Medium",
            "High",
            "48-hour approval SLA; buffer week in mobilisation",
            "Account director",
        ],
        [
            f"Cost per {ctx.profile.conversion_one} above {ctx.money(ctx.est.cpa)}",
            "Medium",
            "High",
            "Weekly reallocation; contingency reserve; landing-page tests",
            "Performance marketer",
        ],
        [
            "Creative fatigue after 3-4 weeks",
            "High",
            "Medium",
            "Two new variants a week; rotate concepts",
            "Creative director",
        ],
        [
            "Negative comments or a reputational issue",
            "Low",
            "High",
            "Moderation rules; holding statements; escalation within 1 hour",
            "PR lead",
        ],
        [
            "Tracking gaps distort results",
            "Medium",
            "Medium",
            "Pre-launch QA; server-side events; weekly reconciliation with CRM",
            "Data analyst",
        ],
    ]
    for c in ctx.constraints[:3]:
        rows.append(
            [
                f"Breaching a brief constraint: {trim(c, 70)}",
                "Low",
                "High",
                "Constraint checklist in every creative and media approval",
                ctx.client_lead,
            ]
        )
    if not ctx.budget.stated:
        rows.append(
            [
                "Real budget differs from the working assumption",
                "Medium",
                "Medium",
                "All splits are proportional; re-plan within 48 hours of confirmation",
                "Strategy lead",
            ]
        )
    return [
        f"The main risks to {ctx.brand}'s plan, how likely they are, and what we do about them. The "
        "register is reviewed every week in the performance meeting.",
        section("Risk register", table(["Risk", "Likelihood", "Impact", "Mitigation", "Owner"], rows)),
        section(
            "Early-warning signals",
            bullets(
                [
                    "CTR down 25% week on week: creative fatigue.",
                    "Spend pacing more than 10% off plan for three days: delivery or budget issue.",
                    "Sentiment: share of negative comments above 10%: escalate to the PR lead.",
                ]
            ),
        ),
    ]


def kpi_and_budget_plan(ctx: Ctx) -> list[str]:
    rows = kpi_rows(ctx)
    roll = rollup(ctx)
    budget_rows = [[name, f"{pct}%", ctx.money(amount)] for name, pct, amount in roll]
    header = f"Budget ({ctx.budget.period_label})" if ctx.budget.period != "total" else "Budget"
    budget_rows.append(["**Total**", "**100%**", f"**{ctx.budget.total_text}**"])
    ph = [p for p in phases(ctx) if p.first_week > 0]
    # Spend intensity per week: launch weeks carry the burst, scale weeks a second push.
    intensity = {"Launch": 15, "Optimise": 10, "Scale & review": 12}
    total = ctx.programme_total
    phase_split = allocate(total, [intensity.get(p.name, 10) * (p.last_week - p.first_week + 1) for p in ph])
    phase_rows = [
        [p.name, week_span(ctx, p.first_week, p.last_week), f"{pct}%", ctx.money(amount)]
        for p, (pct, amount) in zip(ph, phase_split, strict=True)
    ]
    phase_rows.append(["**Total**", "", "**100%**", f"**{ctx.money(total)}**"])
    phase_header = "Budget" if ctx.budget.period == "total" else f"Budget (programme, {ctx.weeks} weeks)"
    est = ctx.est
    return [
        f"Targets and money in one place. {ctx.budget_note}",
        section("KPI targets", table(["KPI", "Target", "Owner", "Cadence", "Source"], rows)),
        section("Budget allocation", table(["Category", "Share", header], budget_rows)),
        section("Budget by phase", table(["Phase", "When", "Share", phase_header], phase_rows)),
        section(
            "How the targets were set",
            f"Paid media of {ctx.money(est.media)}{ctx.period_word} at a planning CPM of "
            f"{ctx.money(est.cpm)}, CTR of {est.ctr * 100:.1f}% and conversion rate of "
            f"{est.cvr * 100:.1f}% gives about {fmt_int(est.impressions)} impressions, "
            f"{fmt_int(est.clicks)} clicks and {fmt_int(est.conversions)} {ctx.conversion}. These are "
            f"planning benchmarks for {ctx.industry}; we replace them with {ctx.brand}'s own data after "
            "two weeks of delivery.",
        ),
    ]


def post_campaign_analysis(ctx: Ctx) -> list[str]:
    due = (
        f"{fmt_date(ctx.start + datetime.timedelta(weeks=ctx.weeks + 2))}"
        if ctx.start
        else f"two weeks after week {ctx.weeks}"
    )
    return [
        f"The post-campaign analysis tells {ctx.client} what "
        f"{ctx.brand if ctx.brand != ctx.client else 'it'} got for its money and what to do next. The "
        f"review is due {due}.",
        section(
            "What we will measure",
            table(
                ["Question", "Measure", "Source"],
                [
                    [
                        "Did we hit the goal?",
                        f"{cap(ctx.conversion)} vs. target of "
                        f"{fmt_int(ctx.est.conversions)}{ctx.period_word}",
                        "Analytics + CRM",
                    ],
                    [
                        "Was it efficient?",
                        f"Cost per {ctx.profile.conversion_one} vs. {ctx.money(ctx.est.cpa)}; return on "
                        f"spend vs. {ctx.est.roas:.1f}x",
                        "Spend and revenue data",
                    ],
                    [
                        "Did the brand move?",
                        "Branded search, follower growth, sentiment",
                        "Search console, social listening",
                    ],
                    [
                        "What drove it?",
                        "Results by channel, concept, offer and segment",
                        "Platform + UTM data",
                    ],
                ],
            ),
        ),
        section(
            "Analysis framework",
            numbered(
                [
                    "Results vs. targets, with a one-line verdict per KPI.",
                    "Channel contribution: spend, results and cost per result for "
                    f"{join_and(list(ctx.channel_names[:4]))}.",
                    "Creative and offer league tables: which concept and offer won, and by how much.",
                    "Incrementality check: compare exposed and holdout regions or periods where possible.",
                    "Learning log: keep / change / stop, each with the evidence.",
                ]
            ),
        ),
        section(
            "Learning agenda",
            bullets(
                [
                    f"Which message pillar moves {ctx.audience_short} most?",
                    f"Is {ctx.channel_names[0] if ctx.channel_names else 'the lead channel'} still the "
                    "most efficient channel at scale?",
                    "Does the offer create repeat customers or one-off bargain hunters?",
                ]
            ),
        ),
    ]
