"""Where and how we show up: channels, creators, offers, CRM, ads, PR and content."""

from __future__ import annotations

import re

from services.generator.composer.budget import allocate
from services.generator.composer.context import Ctx
from services.generator.composer.plans import budget_table
from services.generator.composer.text import (
    bare,
    bullets,
    cap,
    fmt_int,
    join_and,
    lower_first,
    no_parens,
    numbered,
    pick,
    section,
    sentence,
    table,
    trim,
)
from services.generator.composer.writers.core import big_idea_name

_CAPTURE = (
    "Google Search",
    "Local search & maps",
    "Retail media & marketplaces",
    "SEO & content",
    "Email & CRM",
)


def channel_plan(ctx: Ctx) -> list[str]:
    channels = ctx.channels
    lead = channels[0] if channels else None
    roles = [
        f"**{c.name}:** {c.role.rstrip('.')}; formats: {c.channel.formats if c.channel else ''}; owner: "
        f"{c.channel.owner if c.channel else 'Account director'}."
        for c in channels
    ]
    capture = next((c for c in ctx.channel_names if c in _CAPTURE), "owned channels and retargeting")
    excluded = list(ctx.constraint_drops) + [d for d in ctx.emphasis.drop if d not in ctx.constraint_drops]
    blocks = [
        f"{ctx.brand}'s mix puts {lead.name if lead else 'owned channels'} first and spreads the rest "
        f"where {ctx.audience_short} research and buy {ctx.in_geo}. {ctx.budget_note}",
        section("Budget split", budget_table(ctx)),
        section("Channel roles", bullets(roles)),
        section(
            "Sequencing",
            numbered(
                [
                    f"**Weeks 1-2:** launch bursts on {join_and(list(ctx.channel_names[:2]))}; capture the "
                    f"demand they create on {capture}.",
                    "**Weeks 3-6:** move 10-20% of spend from the weakest to the strongest line each "
                    f"week, judged on cost per {ctx.profile.conversion_one}.",
                    "**From week 4:** release the contingency reserve into proven winners only.",
                ]
            ),
        ),
    ]
    if excluded:
        blocks.append(
            section(
                "Excluded channels",
                bullets(
                    [f"{name}: left out because the brief or feedback rules it out." for name in excluded]
                ),
            )
        )
    return blocks


def influencer_strategy(ctx: Ctx) -> list[str]:
    line = next((c for c in ctx.lines if c.name == "Influencers & creators"), None)
    pot = line.amount if line else round(ctx.budget.amount * 0.08)
    source = "the creator line of the channel plan" if line else "8% of the total, drawn from paid social"
    tiers = [
        ("Macro (100k-1M followers)", 1, "Reach and credibility spike at launch", 35),
        ("Mid-tier (20k-100k)", 3, "Demonstrations and reviews", 35),
        ("Micro (2k-20k)", 10, "Authentic everyday use, community trust", 30),
    ]
    split = allocate(pot, [t[3] for t in tiers])
    rows = [
        [name, str(count), role, f"{pct}%", ctx.money(amount)]
        for (name, count, role, _w), (pct, amount) in zip(tiers, split, strict=True)
    ]
    rows.append(["**Total**", "14", "", "**100%**", f"**{ctx.money(pot)}**"])
    return [
        f"Creators give {ctx.brand} borrowed trust with {ctx.audience_short}. We work with "
        f"{ctx.profile.creators}, {ctx.in_geo}, on a budget of {ctx.money(pot)} ({source}).",
        section("Creator tiers", table(["Tier", "Creators", "Role", "Share", "Budget"], rows)),
        section(
            "Selection criteria",
            bullets(
                [
                    f"Audience at least 60% {ctx.geo if ctx.geo_given else 'in the target market'} and "
                    f"matching {ctx.audience_short}.",
                    "Engagement rate above 3% (micro) or 1.5% (macro), checked on the last 12 posts.",
                    f"No conflicting partnerships in {ctx.industry} in the last 6 months; brand-safety "
                    "review.",
                    "Has made content that converts (affiliate links, codes, saves) rather than reach alone.",
                ]
            ),
        ),
        section(
            "Creator brief",
            bullets(
                [
                    f"**Story:** \u201c{big_idea_name(ctx)}\u201d, told in the creator's own words.",
                    f"**Must show:** {trim(ctx.product, 80)} in real use; one proof point "
                    f"({ctx.profile.proof[0]}).",
                    f"**Call to action:** a personal code with {lower_first(ctx.profile.offers[0])}.",
                    "**Disclosure:** clear #ad / paid-partnership labels on every post.",
                ]
            ),
        ),
        section(
            "Measurement",
            "Track codes and UTM links per creator; renew the top third after week 4, judged on cost per "
            f"{ctx.profile.conversion_one} (target \u2264 {ctx.money(ctx.est.cpa)}).",
        ),
    ]


def promotions_and_offers(ctx: Ctx) -> list[str]:
    offers = ctx.profile.offers
    value = ctx.est.value
    rows = [
        [cap(offers[0]), "Launch weeks 1-2", "New customers", "Capped per customer; not stackable"],
        [cap(offers[1]), "Weeks 3-6", "Undecided visitors (retargeting)", "Only via tracked links"],
        [
            cap(offers[2]),
            "Mid-campaign moment",
            "Engaged followers and subscribers",
            "Limited quantity or dates",
        ],
        [
            cap(offers[3]),
            "Final weeks",
            "Existing customers and referrers",
            "Both sides rewarded after purchase",
        ],
    ]
    max_discount = ctx.money(value * 0.15)
    return [
        f"Offers give {ctx.audience_short} a reason to choose {ctx.brand} now, without training them to "
        "wait for discounts. Each has a window, an audience and a guardrail, and all serve "
        f"\u201c{trim(lower_first(ctx.main_objective.rstrip('.')), 90)}\u201d.",
        section("Offer calendar", table(["Offer", "When", "For whom", "Guardrail"], rows)),
        section(
            "Offer economics",
            bullets(
                [
                    f"Planning value per {ctx.profile.conversion_one}: {ctx.money(value)} "
                    f"({ctx.profile.value_label}).",
                    f"Maximum incentive cost: {max_discount} per {ctx.profile.conversion_one} (15% of "
                    "value), so the offer never costs more than it earns.",
                    f"Target cost per {ctx.profile.conversion_one} including the offer: \u2264 "
                    f"{ctx.money(ctx.est.cpa)}.",
                ]
            ),
        ),
        section(
            "Rules",
            bullets(
                [
                    "One offer live per audience at a time; codes unique per channel for attribution.",
                    "Every offer has an end date stated in the creative.",
                    "Terms reviewed by legal before launch; the full terms page linked from every asset.",
                    *[f"Brief constraint: {sentence(trim(c, 100))}" for c in ctx.constraints[:2]],
                ]
            ),
        ),
    ]


def email_and_crm_flows(ctx: Ctx) -> list[str]:
    b = ctx.brand
    rows = [
        [
            "Welcome",
            "Sign-up or first opt-in",
            "3",
            "Day 0, 2, 5",
            f"Introduce {b}; first {ctx.profile.conversion_one}",
        ],
        [
            "Browse / cart abandonment",
            "Viewed or started without completing",
            "2",
            "1 hour, 24 hours",
            "Recover intent",
        ],
        [
            "Post-conversion onboarding",
            f"First {ctx.profile.conversion_one}",
            "3",
            "Day 0, 3, 10",
            "Activation and satisfaction",
        ],
        [
            "Nurture newsletter",
            "All opted-in contacts",
            "1 per fortnight",
            "Tuesdays 10:00 local",
            "Stay top of mind with useful content",
        ],
        ["Win-back", "No engagement for 60 days", "2", "Day 60, 75", "Re-engage or clean the list"],
    ]
    subjects = [
        f"Welcome to {b}: here is what happens next",
        f"The one thing {ctx.audience_short} ask us first",
        f"Your {trim(bare(ctx.profile.offers[0]), 60)} ends Friday",
    ]
    return [
        f"Owned channels turn campaign reach into relationships {b} does not have to pay for twice. Five "
        "flows cover the journey from first opt-in to repeat, with a target of "
        f"+{fmt_int(max(50, ctx.est.conversions * 2))} opted-in contacts{ctx.period_word}.",
        section("Core flows", table(["Flow", "Trigger", "Messages", "Timing", "Goal"], rows)),
        section("Welcome sequence: subject lines", numbered(subjects)),
        section(
            "Segmentation and personalisation",
            bullets(
                [
                    f"Split by segment ({join_and([s[0] for s in ctx.profile.segments])}) from the sign-up "
                    "form.",
                    "Dynamic blocks for product interest and location; send-time optimisation on.",
                    "Suppress anyone who converted in the last 7 days from acquisition offers.",
                ]
            ),
        ),
        section(
            "Benchmarks and hygiene",
            bullets(
                [
                    "Targets: open rate \u2265 35% (welcome) and \u2265 22% (newsletter); click rate "
                    "\u2265 3%.",
                    "Double opt-in where required; unsubscribe in one click; sunset after 120 days inactive.",
                    "SPF, DKIM and DMARC checked before the first send.",
                ]
            ),
        ),
    ]


def ad_concepts(ctx: Ctx) -> list[str]:
    p = ctx.profile
    ch = list(ctx.channel_names) or ["Paid social"]
    idea = big_idea_name(ctx)
    concepts = [
        (
            "A",
            "The Tension",
            f"Tired of {re.split(r',| and ', p.alternatives)[0]}?",
            f"{ctx.brand} is built for {ctx.audience_short}. {sentence_case(p.insight)}.",
            "Split screen: the old way vs. life with the product",
            "Learn more",
            ch[0],
        ),
        (
            "B",
            "The Proof",
            f"{idea}: see it for yourself",
            f"Real results, backed by {p.proof[0]}. {cap(trim(ctx.product, 70))} in action.",
            "Customer or creator testimonial, captioned, first 2 seconds show the product",
            "See how it works",
            ch[1] if len(ch) > 1 else ch[0],
        ),
        (
            "C",
            "The Offer",
            f"Start today: {no_parens(p.offers[0])}",
            f"The easiest way to try {ctx.brand}. Limited time.",
            "Product hero shot with offer badge, bold type",
            "Claim offer",
            ch[2] if len(ch) > 2 else ch[0],
        ),
    ]
    blocks = [
        f"Three concepts, each answering a different question {ctx.audience_short} ask before they act: "
        f"why change, why {ctx.brand}, why now. Every concept ships in feed, story and search-ready "
        "variants."
    ]
    for letter, name, headline, body, visual, cta, channel in concepts:
        blocks.append(
            section(
                f"Concept {letter}: {name}",
                bullets(
                    [
                        f"**Headline:** {headline}",
                        f"**Body:** {body}",
                        f"**Visual:** {visual}",
                        f"**CTA:** {cta}",
                        f"**Lead placement:** {channel}",
                    ]
                ),
            )
        )
    blocks.append(
        section(
            "Testing plan",
            "Run A, B and C against each other for 7 days with equal budgets, then keep the winner on "
            f"cost per {p.conversion_one} (target \u2264 {ctx.money(ctx.est.cpa)}) and iterate two new "
            "headlines a week.",
        )
    )
    return blocks


def sentence_case(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:]


def pr_and_media_plan(ctx: Ctx) -> list[str]:
    angles = [
        (
            f"The launch story: why {ctx.brand} is bringing {trim(ctx.product, 50)} to {ctx.geo}",
            "Trade and business press",
            "Exclusive to one title, then wide release",
        ),
        (
            f"Data story: what {ctx.audience_short} really think about {ctx.industry}",
            "National and consumer media",
            "Commissioned survey of 1,000 people",
        ),
        (
            f"Founder / expert profile: the insight that {ctx.profile.insight}",
            "Podcasts and interview slots",
            "Spokesperson briefing pack",
        ),
        ("Customer impact story", "Local and vertical media", "Case study with photos and quotes"),
    ]
    rows = [[trim(a, 90), m, f] for a, m, f in angles]
    return [
        f"Earned media gives {ctx.brand} the third-party credibility paid media cannot buy. The plan "
        f"targets {pick(('12', '15', '18'), ctx.brand, 'pr')} pieces of coverage across trade, consumer "
        f"and local media {ctx.in_geo} during the {ctx.timeline.label} programme.",
        section("Story angles", table(["Angle", "Target media", "Format"], rows)),
        section(
            "Timeline",
            numbered(
                [
                    "T-4 weeks: media list (40 journalists, 10 podcasts), spokesperson training, press kit.",
                    "T-2 weeks: embargoed briefings and the exclusive.",
                    "Launch day: press release, social amplification, founder posts.",
                    "Weeks 2-6: data story, guest articles and customer story, one every 10 days.",
                ]
            ),
        ),
        section(
            "Measures",
            bullets(
                [
                    "Pieces of coverage and share of voice against two named competitors.",
                    "Referral traffic and branded search uplift in the week after each hit.",
                    "Message pull-through: does coverage repeat the umbrella message?",
                ]
            ),
        ),
    ]


def content_strategy(ctx: Ctx) -> list[str]:
    pillars = ctx.profile.pillars
    split = allocate(100, [30, 25, 20, 15, 10])
    formats = (
        "Short video, carousels",
        "Guides, checklists, how-to video",
        "Testimonials, UGC, case stories",
        "Team, process, sourcing",
        "Launches, offers, news",
    )
    cadence = ("3 per week", "2 per week", "2 per week", "1 per week", "1 per week")
    rows = [
        [pillar, fmt, f"{pct}%", cad]
        for pillar, fmt, (pct, _a), cad in zip(pillars, formats, split, cadence, strict=True)
    ]
    return [
        f"Content is how {ctx.brand} earns attention between campaigns. Five pillars keep it varied yet "
        f"on-message for {ctx.audience_short}, with the mix weighted towards proof and usefulness.",
        section("Content pillars", table(["Pillar", "Formats", "Share of output", "Cadence"], rows)),
        section(
            "Editorial rules",
            bullets(
                [
                    f"Every piece answers a real question {ctx.audience_short} ask; sourced from search "
                    "data, sales calls and comments.",
                    f"Voice: {ctx.tone}.",
                    "One idea per piece; a clear next step at the end.",
                    "Repurpose each hero piece into at least five cut-downs across channels.",
                ]
            ),
        ),
        section(
            "Distribution",
            bullets([f"**{c.name}:** {c.channel.formats if c.channel else ''}." for c in ctx.channels[:4]]),
        ),
    ]
