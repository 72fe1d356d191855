"""Performance audit sections: account audit, channel efficiency, budget reallocation, bidding & structure."""

from __future__ import annotations

from services.generator.composer.budget import split_amount, split_percentages
from services.generator.composer.context import Ctx
from services.generator.composer.profiles import KINDS
from services.generator.composer.text import bullets, fmt_int, numbered, pct1, section, slug, table


def account_audit(ctx: Ctx) -> list[str]:
    rows = [
        [
            "Tracking",
            "Conversions fire once, with value; consent mode set",
            "Double-counted or missing events",
            "Critical",
        ],
        ["Structure", "Campaigns map to goals and funnel stages", "Dozens of overlapping campaigns", "High"],
        [
            "Audiences",
            "Exclusions, lookalikes, retargeting windows",
            "Customers in acquisition audiences",
            "High",
        ],
        ["Creative", "Variety, freshness, message match", "Same ads running 8+ weeks", "High"],
        ["Bidding", "Strategy fits data volume", "Target CPA set with < 30 conversions a month", "Medium"],
        [
            "Search terms",
            "Negative keywords, brand vs. non-brand split",
            "Spend on irrelevant queries",
            "Medium",
        ],
        ["Landing pages", "Speed, relevance, conversion rate", "All traffic to the home page", "Medium"],
    ]
    return [
        f"The audit checks every ad account and the tracking behind it, so {ctx.brand}'s budget of "
        f"{ctx.budget_phrase} stops leaking before we scale anything. It takes two weeks and covers "
        f"{', '.join(c for c in ctx.channel_names if c not in ('SEO & content', 'PR & media relations'))}.",
        section(
            "Audit checklist", table(["Area", "What we check", "Typical issue", "Severity if found"], rows)
        ),
        section(
            "Deliverables",
            bullets(
                [
                    "A findings log: issue, evidence (screenshot or query), estimated waste, fix, owner.",
                    "Quick wins fixed in week one (tracking, exclusions, negatives).",
                    f"A revamp plan with targets: cost per {ctx.profile.conversion_one} \u2264 "
                    f"{ctx.money(ctx.est.cpa)}.",
                ]
            ),
        ),
        section(
            "Access needed",
            bullets(
                [
                    "Admin or standard access to each ad platform, analytics and tag manager.",
                    "Last 12 months of spend, conversions and revenue by channel.",
                    f"A contact on {ctx.client}'s side for website changes.",
                ]
            ),
        ),
    ]


# How channels that are not bought by the thousand impressions are priced and judged.
_PRICING = {
    "search": "Auction CPC; judged on cost per result",
    "owned": "Platform fee; judged on revenue per send",
    "content": "Production cost; judged on organic visits",
    "local": "Mostly unpaid; judged on calls and directions",
    "pr": "Retainer; judged on coverage and referrals",
    "event": "Per event; judged on cost per attendee",
    "partner": "Commission; judged on cost per result",
}


def channel_efficiency_review(ctx: Ctx) -> list[str]:
    est = ctx.est
    scale = ctx.budget.scale
    rows = []
    for line in ctx.channels:
        kind = KINDS.get(line.name, "social")
        if kind in ("social", "creator", "media"):
            factor = {"LinkedIn": 2.2, "TikTok": 0.7, "Programmatic display": 0.5, "YouTube": 0.9}
            benchmark = f"CPM about {ctx.money(est.cpm * factor.get(line.name, 1.0))}"
        else:
            benchmark = _PRICING.get(kind, "Judged on cost per result")
        rows.append(
            [
                line.name,
                line.channel.role if line.channel else "",
                benchmark,
                f"{line.pct}% / {ctx.money(line.amount)}",
                "Cost per result vs. blended target; incremental reach",
            ]
        )
    return [
        f"Not every channel earns its share. We compare {ctx.brand}'s channels on cost per "
        f"{ctx.profile.conversion_one} and incremental contribution, starting from planning benchmarks for "
        f"{ctx.industry} (replaced with account data after the audit).",
        section(
            "Channels under review",
            table(
                ["Channel", "Role", "Cost benchmark", "Planned share / budget", "What we judge it on"], rows
            ),
        ),
        section(
            "Blended targets",
            bullets(
                [
                    f"Blended CPM {ctx.money(est.cpm)}, CTR {pct1(est.ctr)}, conversion rate "
                    f"{pct1(est.cvr)}.",
                    f"Cost per {ctx.profile.conversion_one} \u2264 {ctx.money(est.cpa)}; return on spend "
                    f"\u2265 {est.roas:.1f}x.",
                    f"Benchmark currency: {ctx.budget.currency.code}"
                    + (f" (scaled for local prices \u00d7{scale})" if scale != 1 else "")
                    + ".",
                ]
            ),
        ),
        section(
            "Decision rules",
            numbered(
                [
                    "A channel above 1.3x the blended cost per result for three weeks loses 20% of its "
                    "budget.",
                    "A channel below 0.8x gets the freed budget until its cost per result rises to 1.0x.",
                    "Brand and awareness lines are judged on reach and branded-search lift, not last-click.",
                ]
            ),
        ),
    ]


def budget_reallocation(ctx: Ctx) -> list[str]:
    channels = ctx.channels
    total = sum(c.amount for c in channels)
    # "Current" is what unaudited accounts usually look like: spread evenly. The recommendation is the plan.
    current_pcts = split_percentages([1] * len(channels))
    current_amounts = split_amount(total, current_pcts)
    new_pcts = split_percentages([c.amount for c in channels]) if total else current_pcts
    new_amounts = split_amount(total, new_pcts)
    rows = []
    for c, cp, ca, np_, na in zip(
        channels, current_pcts, current_amounts, new_pcts, new_amounts, strict=True
    ):
        change = na - ca
        rows.append(
            [
                c.name,
                f"{cp}%",
                ctx.money(ca),
                f"{np_}%",
                ctx.money(na),
                ("+" if change >= 0 else "-") + ctx.money(abs(change)),
            ]
        )
    rows.append(
        [
            "**Total**",
            "**100%**",
            f"**{ctx.money(total)}**",
            "**100%**",
            f"**{ctx.money(total)}**",
            ctx.money(0),
        ]
    )
    return [
        f"The channel budget of {ctx.money(total)}{ctx.period_word} (the channel lines of the overall "
        f"{ctx.budget.total_text}) is reallocated from an even, unaudited spread to where {ctx.brand} buys "
        f"{ctx.conversion} most efficiently. The \u201ccurrent\u201d column is a baseline assumption until "
        "the audit supplies real spend.",
        section(
            "Reallocation",
            table(
                ["Channel", "Current share", "Current", "Recommended share", "Recommended", "Change"], rows
            ),
        ),
        section(
            "How we move money",
            bullets(
                [
                    "Shift in steps of 10-20% a week, never all at once, so learning phases are not reset.",
                    "Keep 10% of each platform's budget on tests.",
                    f"Review the split every fortnight against cost per {ctx.profile.conversion_one}.",
                ]
            ),
        ),
    ]


def bidding_and_structure(ctx: Ctx) -> list[str]:
    s = slug(ctx.brand)
    conv = ctx.est.conversions
    stamp = f"{ctx.start.year}{ctx.start.month:02d}" if ctx.start else "m01"
    rows = [
        [
            "Prospecting",
            "Broad + lookalike audiences",
            "Maximise conversions, then target CPA",
            "40-60% of paid budget",
        ],
        ["Consideration", "Engagers and site visitors (30 days)", "Target CPA", "20-30%"],
        ["Retargeting", "Cart / form abandoners (7-14 days)", "Target CPA or ROAS", "10-15%"],
        ["Brand search", f"Queries containing {ctx.brand}", "Target impression share 90%", "5-10%"],
    ]
    return [
        "A simpler account structure gives the platforms' bidding algorithms more data per campaign. With "
        f"about {fmt_int(conv)} {ctx.conversion}{ctx.period_word} planned, {ctx.brand} should run a few "
        "consolidated campaigns rather than many small ones.",
        section(
            "Campaign structure", table(["Campaign", "Audience", "Bidding", "Share of paid budget"], rows)
        ),
        section(
            "Naming convention",
            f"`{s}_<platform>_<funnel-stage>_<audience>_<period>`, where the period is the year and month "
            "(or m01, m02 until go-live is dated); for example "
            f"`{s}_meta_prospecting_lookalike-1pct_{stamp}`. One convention across every platform makes "
            "reporting automatic.",
        ),
        section(
            "Bidding rules",
            bullets(
                [
                    "Start with maximise conversions until a campaign has 30+ conversions in 30 days, "
                    f"then set a target CPA around {ctx.money(ctx.est.cpa)}.",
                    "Change targets by no more than 15% at a time, at most weekly.",
                    "Use value-based bidding once conversion values are passed reliably.",
                ]
            ),
        ),
    ]
