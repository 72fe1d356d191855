"""Plan pieces several sections share, so the report agrees with itself: phases, KPI targets, the
budget tables, the day-by-day plan."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from services.generator.composer.context import BudgetLine, Ctx
from services.generator.composer.profiles import CHANNELS, KINDS
from services.generator.composer.text import (
    WEEKDAYS,
    bare,
    cap,
    fmt_date,
    fmt_date_short,
    fmt_int,
    pct1,
    pick,
    table,
    trim,
)


@dataclass(frozen=True)
class Phase:
    name: str
    first_week: int  # 1-based weeks from go-live; <= 0 before go-live
    last_week: int
    focus: str
    activities: str
    owner: str
    exit: str


def week_span(ctx: Ctx, first: int, last: int) -> str:
    """'Weeks 3-10 (28 Sep - 6 Dec)' with dates when the plan has a start date."""
    if first <= 0:
        label = f"{-first + 1} week{'s' if first < 0 else ''} before go-live"
    elif first == last:
        label = f"Week {first}"
    else:
        label = f"Weeks {first}-{last}"
    if ctx.start is None:
        return label
    a = ctx.start + datetime.timedelta(weeks=first - 1)
    b = ctx.start + datetime.timedelta(weeks=last, days=-1)
    return f"{label} ({fmt_date_short(a)} - {fmt_date_short(b)})"


def phases(ctx: Ctx) -> list[Phase]:
    w = ctx.weeks
    launch_len = 1 if w <= 4 else 2
    review_len = 1 if w <= 5 else 2
    opt_first, opt_last = launch_len + 1, w - review_len
    paid = [c for c in ctx.channel_names if KINDS.get(c) in ("social", "search", "media")][:2]
    built = (
        f"campaigns and audiences built on {' and '.join(paid)}" if paid else "owned-channel journeys built"
    )
    out = [
        Phase(
            "Mobilise",
            -1,
            0,
            "Set-up and approvals",
            f"Tracking and dashboards, creative production, {built}, offer mechanics signed off",
            "Account director",
            "Tracking tested; assets approved",
        ),
        Phase(
            "Launch",
            1,
            launch_len,
            "Go live and learn fast",
            "Hero content and ads live, creators posting, launch email sent, daily checks on delivery",
            "Performance marketer",
            "All channels delivering; first read on CTR and CPA",
        ),
    ]
    if opt_last >= opt_first:
        out.append(
            Phase(
                "Optimise",
                opt_first,
                opt_last,
                "Shift spend to what works",
                "Weekly creative refresh, budget moved to best CPA, A/B tests on offer and landing page",
                "Performance marketer",
                f"CPA at or under {ctx.money(ctx.est.cpa)}",
            )
        )
    out.append(
        Phase(
            "Scale & review",
            w - review_len + 1,
            w,
            "Double down and capture learning",
            "Scale winning ads and audiences, retargeting and retention push, learning log completed",
            "Strategy lead",
            f"{fmt_int(ctx.est.conversions)} {ctx.conversion}{ctx.period_word} reached",
        )
    )
    return out


# A number in a brief goal with its unit ("20%", "50 stores", "300 qualified demos"), stopping before
# linking words ("1m people by June" -> "1m people").
_GOAL_NUMBER = re.compile(
    r"\d[\d,.]*\s*%|\d[\d,.]*(?:k|m|x)?\b(?:\s+(?!(?:by|in|on|at|per|for|to|within|before|after|and|or|"
    r"from|of|the|a|an|this|next|each|every)\b)[A-Za-z][\w-]*){0,2}"
)


def _objective_targets(ctx: Ctx) -> list[list[str]]:
    rows: list[list[str]] = []
    if not ctx.objectives_given:
        return rows
    for obj in ctx.objectives:
        m = _GOAL_NUMBER.search(obj)
        if m:
            rows.append(
                [
                    f"Brief goal: {trim(obj, 70)}",
                    m.group(0).strip() + " (as briefed)",
                    ctx.client_lead,
                    "Monthly",
                    "Client sales / CRM data",
                ]
            )
    return rows[:3]


def kpi_rows(ctx: Ctx, light: bool = False) -> list[list[str]]:
    """KPI | Target | Owner | Cadence | Source, from the budget estimates and any numeric brief goals."""
    est = ctx.est
    p = ctx.period_word
    rows = [
        [
            "Paid reach (impressions)",
            f"{fmt_int(est.impressions)}{p}",
            "Performance marketer",
            "Weekly",
            "Ad platform reporting",
        ],
        ["Click-through rate", f"\u2265 {pct1(est.ctr)}", "Performance marketer", "Weekly", "Ad platforms"],
        [
            cap(ctx.conversion),
            f"{fmt_int(est.conversions)}{p}",
            "Strategy lead",
            "Weekly",
            "Analytics + CRM",
        ],
        [
            "Cost per " + ctx.profile.conversion_one,
            f"\u2264 {ctx.money(est.cpa)}",
            "Performance marketer",
            "Weekly",
            "Spend / attributed results",
        ],
    ]
    if not light:
        rows += [
            [
                "Landing-page conversion rate",
                f"\u2265 {pct1(est.cvr)}",
                "Performance marketer",
                "Weekly",
                "Analytics",
            ],
            [
                "Return on spend",
                f"\u2265 {est.roas:.1f}x ({ctx.profile.value_label} {ctx.money(est.value)})",
                "Strategy lead",
                "Monthly",
                "Revenue or pipeline / total budget",
            ],
            [
                "Owned audience growth",
                f"+{fmt_int(max(50, est.conversions * 2))} opted-in contacts{p}",
                "CRM lead",
                "Weekly",
                "Email/SMS platform",
            ],
            [
                f"Branded search for {ctx.brand}",
                "+15% vs. the 4 weeks before launch",
                "Data analyst",
                "Monthly",
                "Search console / Google Trends",
            ],
        ]
    else:
        rows += [
            [
                "Engagement rate (organic)",
                "\u2265 3.5% per post",
                "Social lead",
                "Weekly",
                "Native analytics",
            ],
            [
                "Follower growth",
                f"+{fmt_int(max(100, est.clicks // 20))}{p}",
                "Social lead",
                "Weekly",
                "Native analytics",
            ],
        ]
    return rows + _objective_targets(ctx)


def budget_table(ctx: Ctx, lines: tuple[BudgetLine, ...] | None = None) -> str:
    """Every budget line with share and amount; shares add to 100% and amounts to the total exactly."""
    lines = lines if lines is not None else ctx.lines
    header = f"Budget ({ctx.budget.period_label})" if ctx.budget.period != "total" else "Budget"
    rows = [[line.name, line.role, f"{line.pct}%", ctx.money(line.amount)] for line in lines]
    rows.append(["**Total**", "", "**100%**", f"**{ctx.budget.total_text}**"])
    return table(["Line", "Role", "Share", header], rows)


def rollup(ctx: Ctx) -> list[tuple[str, int, int]]:
    """(category, pct, amount): channels summed into one line, then the non-channel lines."""
    channels = ctx.channels
    out = [
        (
            "Channels & media (detail in the channel plan)",
            sum(c.pct for c in channels),
            sum(c.amount for c in channels),
        )
    ]
    out += [(line.name, line.pct, line.amount) for line in ctx.lines if line.channel is None]
    return out


# ----- the day-by-day plan ------------------------------------------------------------------------------

_WEEK_THEMES = (
    ("Launch & awareness", "awareness"),
    ("Explain & educate", "consideration"),
    ("Proof & social validation", "consideration"),
    ("Convert & reward", "conversion"),
    ("Recap & retain", "retention"),
)
_ACTIONS: dict[tuple[str, str], tuple[str, ...]] = {
    ("social", "awareness"): (
        "Launch post: {brand} is here, {hook}",
        "Behind-the-scenes look at {product}",
        "Founder or team intro: why {brand} exists",
        "Poll: what matters most to you about {topic}?",
        "Launch-week story series: first reactions",
    ),
    ("social", "consideration"): (
        "Hero video: {product} in 30 seconds",
        "Carousel: 3 reasons {audience} choose {brand}",
        "How-to / demo: getting started with {product}",
        "FAQ post answering the top objection",
        "Customer story with a quote card",
    ),
    ("social", "conversion"): (
        "Offer announcement: {offer}",
        "Retargeting ad to site visitors with the offer",
        "Customer story with a clear call to action",
        "Last-chance story and pinned post",
    ),
    ("social", "retention"): (
        "Thank-you post featuring customer content",
        "Recap of launch month favourites",
        "Referral push: share {brand} with a friend",
        "Sneak peek of what comes next",
    ),
    ("creator", "awareness"): ("Creator launch posts go live", "Creator first-look stories"),
    ("creator", "consideration"): (
        "Creator demo: {product} in real life",
        "Creator Q&A answering top questions",
    ),
    ("creator", "conversion"): ("Creators share personal codes: {offer}",),
    ("creator", "retention"): ("Repost best creator content; renew top performers",),
    ("owned", "awareness"): ("Launch email to subscribers: {brand} is here",),
    ("owned", "consideration"): (
        "Email: the story of {brand} and how {product} helps",
        "Newsletter: tips and answers for {audience}",
    ),
    ("owned", "conversion"): ("Email/SMS: {offer}", "Reminder: the offer ends soon"),
    ("owned", "retention"): ("Email: thank you, and tips to get the most from {product}",),
    ("search", "awareness"): ("Search campaigns live on brand and category terms",),
    ("search", "consideration"): ("Add comparison and problem keywords; prune search terms",),
    ("search", "conversion"): ("Raise bids on high-intent terms; offer in ad copy",),
    ("search", "retention"): ("Brand-term defence; exclude recent converters",),
    ("content", "awareness"): ("Publish launch article: why {brand} exists",),
    ("content", "consideration"): ("Publish a guide answering a top question about {topic}",),
    ("content", "conversion"): ("Comparison page: {brand} vs. the usual option",),
    ("content", "retention"): ("Refresh top pages with campaign proof and reviews",),
    ("local", "awareness"): ("Update the business profile with launch photos and the offer",),
    ("local", "consideration"): ("Reply to every new review; post a local update",),
    ("local", "conversion"): ("Local ads around locations with the offer",),
    ("local", "retention"): ("Ask happy customers for reviews",),
    ("media", "awareness"): ("{channel} flight starts in priority areas",),
    ("media", "consideration"): ("Rotate {channel} creative to the proof message",),
    ("media", "conversion"): ("{channel} creative switches to the offer",),
    ("media", "retention"): ("{channel} flight ends; brand-lift read",),
    ("pr", "awareness"): ("Press release and exclusive interview go live",),
    ("pr", "consideration"): ("Pitch the data story to consumer media",),
    ("pr", "conversion"): ("Share coverage in ads and email",),
    ("pr", "retention"): ("Customer impact story to local media",),
    ("event", "awareness"): ("Launch event or webinar invitations out",),
    ("event", "consideration"): ("Host the event; capture content for social",),
    ("event", "conversion"): ("Follow up with attendees with the offer",),
    ("event", "retention"): ("Community meetup and recap",),
    ("partner", "awareness"): ("Partner announcement and co-branded post",),
    ("partner", "consideration"): ("Feature in partner newsletters",),
    ("partner", "conversion"): ("Affiliate offer push with unique codes",),
    ("partner", "retention"): ("Partner performance review; renew top partners",),
}
_GOALS = {
    "awareness": "Reach and saves",
    "consideration": "Engagement and site visits",
    "conversion": "Conversions at target CPA",
    "retention": "Repeat visits and referrals",
}


@dataclass(frozen=True)
class Day:
    n: int
    date: datetime.date | None
    weekday: str
    theme: str
    channel: str
    action: str
    owner: str
    goal: str


def _owner(channel: str) -> str:
    found = CHANNELS.get(channel)
    return found.owner if found else "Account director"


def day_plan(ctx: Ctx, days: int = 30) -> list[Day]:
    """A deterministic day-by-day plan: weekly themes, channels rotated by weekday and channel kind.

    Mon/Wed/Fri/Sat: social and creator channels; Tue: owned channels (email/SMS); Thu: search, local,
    media, PR and partner channels; Sun: community management on the lead social channel.
    """
    names = list(ctx.channel_names)
    social = [c for c in names if KINDS.get(c) in ("social", "creator")]
    owned = [c for c in names if KINDS.get(c) == "owned"]
    other = [c for c in names if KINDS.get(c) not in ("social", "creator", "owned")]
    social = social or other or owned or ["Instagram"]
    fields = {
        "brand": ctx.brand,
        "product": trim(ctx.product, 50),
        "audience": ctx.audience_short,
        "offer": bare(trim(ctx.profile.offers[0], 60)),
        "hook": pick(("something new to try", "a better way to start", "made for you"), ctx.brand, "hook"),
        "topic": trim(ctx.topic, 50),
    }
    out: list[Day] = []
    counters = {"social": 0, "owned": 0, "other": 0}
    used: dict[tuple[str, str], int] = {}  # so each action runs once before any repeats
    for i in range(days):
        week = min(i // 7, len(_WEEK_THEMES) - 1)
        theme, stage = _WEEK_THEMES[week]
        date = ctx.start + datetime.timedelta(days=i) if ctx.start else None
        wd = date.weekday() if date else i % 7  # without a date, kickoff is a Monday
        if wd == 6:
            channel = social[0]
            action = "Community: reply to comments and reshare customer posts"
        else:
            if wd == 1 and owned:
                pool, key = owned, "owned"
            elif wd == 3 and other:
                pool, key = other, "other"
            else:
                pool, key = social, "social"
            channel = pool[counters[key] % len(pool)]
            counters[key] += 1
            kind = KINDS.get(channel, "social")
            actions = _ACTIONS[(kind, stage)]
            n = used.get((kind, stage), 0)
            used[(kind, stage)] = n + 1
            action = actions[n % len(actions)].format(channel=channel, **fields)
        out.append(
            Day(
                i + 1,
                date,
                WEEKDAYS[wd],
                theme,
                channel,
                action,
                "CRM lead" if KINDS.get(channel) == "owned" else _owner(channel),
                _GOALS[stage],
            )
        )
    return out


def day_label(day: Day) -> str:
    return fmt_date(day.date) if day.date else f"{day.weekday} (kickoff + {day.n - 1})"
