"""Growth and go-to-market sections: market, competitors, funnel, landing page, CRO, journeys,
tracking, experiments, pricing and sales enablement."""

from __future__ import annotations

from services.generator.composer.context import Ctx
from services.generator.composer.text import (
    bullets,
    cap,
    fmt_int,
    join_and,
    lower_first,
    numbered,
    pct1,
    section,
    slug,
    table,
    trim,
)
from services.generator.composer.writers.core import big_idea_name


def market_landscape(ctx: Ctx) -> list[str]:
    p = ctx.profile
    return [
        f"{ctx.brand} operates in {ctx.industry} {ctx.in_geo}. The market is shaped by three forces that "
        f"decide where {ctx.audience_short} spend their attention and money.",
        section("Forces shaping the market", numbered([f"{t}." for t in p.trends])),
        section(
            "What it means for " + ctx.brand,
            bullets(
                [
                    f"Win the research phase: be present where {ctx.audience_short} compare options "
                    f"({join_and(list(ctx.channel_names[:3]))}).",
                    f"Make proof the headline: {join_and(list(p.proof))}.",
                    "Defend margin with owned channels: email, community and referrals lower the cost of "
                    f"each {p.conversion_one} over time.",
                ]
            ),
        ),
        section(
            "Opportunity sizing (hypothesis to validate)",
            table(
                ["Layer", "Definition", "How we size it"],
                [
                    [
                        "Total market",
                        f"Everyone {ctx.in_geo} who buys in {ctx.industry}",
                        "Industry reports, census data",
                    ],
                    [
                        "Serviceable market",
                        f"{cap(ctx.audience)}",
                        "Platform audience estimates, search volumes",
                    ],
                    [
                        "Year-one target",
                        f"The share {ctx.brand} can reach with {ctx.budget_phrase}",
                        f"{fmt_int(ctx.est.impressions)} paid impressions{ctx.period_word} and owned reach",
                    ],
                ],
            ),
        ),
    ]


def competitor_analysis(ctx: Ctx) -> list[str]:
    named = list(ctx.competitors)
    archetypes = [
        (
            "The category leader",
            "Safe, familiar choice with big budgets",
            "Scale, awareness, distribution",
            "Generic, slow to change, impersonal",
            f"Specific to {ctx.audience_short}; faster and more personal",
        ),
        (
            "Low-cost challengers",
            "Competes on price and promotions",
            "Price, frequent deals",
            "Thin proof, weak service, churn",
            f"Value beyond price: {ctx.profile.proof[0]}",
        ),
        (
            "Status quo / do it yourself",
            cap(ctx.profile.alternatives),
            "Zero switching effort",
            "Hidden costs in time and results",
            f"Make switching easy: {ctx.profile.offers[0]}",
        ),
    ]
    if named:
        rows = [
            [
                n,
                "Named in the brief; positioning to verify in the audit",
                "To document: pricing, channels, top messages",
                "To document: review complaints, gaps",
                f"{ctx.brand}'s clearest difference vs. {n}",
            ]
            for n in named
        ]
        rows += [[a[0], a[1], a[2], a[3], a[4]] for a in archetypes[2:]]
        lead = (
            f"The brief names {join_and(named)} as competitors. We profile each, plus the do-nothing "
            "option, which often wins by default."
        )
    else:
        rows = [list(a) for a in archetypes]
        lead = (
            "No competitors are named in the brief, so we map the three kinds of alternative "
            f"{ctx.audience_short} weigh {ctx.brand} against {ctx.in_geo}; the audit fills in names."
        )
    return [
        lead,
        section(
            "Competitive map",
            table(["Competitor", "Positioning", "Strengths", "Weaknesses", "Our angle"], rows),
        ),
        section(
            "Where " + ctx.brand + " wins",
            bullets(
                [
                    f"**Relevance:** built for {ctx.audience_short}, not everyone.",
                    f"**Proof:** {join_and(list(ctx.profile.proof[:2]))}, shown early and often.",
                    f"**Ease:** {lower_first(ctx.profile.offers[0])} removes the risk of trying.",
                ]
            ),
        ),
        section(
            "How we track competitors",
            bullets(
                [
                    "Monthly scan of their ads (platform ad libraries), pricing pages and offers.",
                    "Share of search: branded search volume for each competitor vs. " + ctx.brand + ".",
                    "Review mining: the top three complaints about each alternative become our messages.",
                ]
            ),
        ),
    ]


def funnel_architecture(ctx: Ctx) -> list[str]:
    est = ctx.est
    ch = list(ctx.channel_names)
    owned = [c for c in ch if c in ("Email & CRM", "SMS & messaging")] or ["Email & CRM"]
    rows = [
        [
            "Awareness",
            f"Get noticed by {ctx.audience_short}",
            join_and(ch[:2]),
            "Short video, creator posts",
            "Impressions",
            f"{fmt_int(est.impressions)}{ctx.period_word}",
        ],
        [
            "Consideration",
            "Earn the click and the shortlist",
            join_and(ch[1:3] or ch[:1]),
            "Demos, comparisons, reviews",
            "Clicks / CTR",
            f"{fmt_int(est.clicks)} ({pct1(est.ctr)})",
        ],
        [
            "Conversion",
            f"Turn intent into {ctx.conversion}",
            join_and((ch[2:3] or ch[:1]) + owned[:1]),
            "Landing page, offer, retargeting",
            "Conversion rate",
            f"{fmt_int(est.conversions)} ({pct1(est.cvr)})",
        ],
        [
            "Retention",
            "Make the first purchase the first of many",
            join_and(owned),
            "Onboarding, loyalty",
            "Repeat rate",
            "\u2265 30% within 90 days",
        ],
        [
            "Advocacy",
            "Turn customers into recruiters",
            "Referral programme, community",
            "Reviews, UGC, referrals",
            "Referral share",
            "\u2265 10% of new customers",
        ],
    ]
    return [
        f"The funnel shows how {ctx.brand} moves {ctx.audience_short} from first impression to advocate, "
        f"and what each stage must deliver for the budget of {ctx.budget_phrase} to pay back.",
        section("Funnel stages", table(["Stage", "Job", "Channels", "Content", "KPI", "Target"], rows)),
        section(
            "Conversion math",
            f"{fmt_int(est.impressions)} impressions \u00d7 {pct1(est.ctr)} CTR = {fmt_int(est.clicks)} "
            f"visits; \u00d7 {pct1(est.cvr)} conversion = {fmt_int(est.conversions)} {ctx.conversion} at "
            f"about {ctx.money(est.cpa)} each. Lifting conversion by one point is worth more than a 20% "
            "CPM discount, so the landing page and offer get early attention.",
        ),
        section(
            "Stage hand-offs",
            bullets(
                [
                    "Everyone who engages with video 50%+ or visits the site joins a retargeting pool for "
                    "30 days.",
                    "Every conversion enters onboarding within one hour.",
                    "Customers who rate the experience 9-10 are invited to refer a friend.",
                ]
            ),
        ),
    ]


def landing_page_blueprint(ctx: Ctx) -> list[str]:
    site = ctx.meta("website", "url", "site", "landing_page")
    where = f" (current site: {site})" if site else ""
    blocks = [
        (
            "Hero",
            f"Headline: \u201c{big_idea_name(ctx)}\u201d. Sub-line: what {trim(ctx.product, 60)} does for "
            f"{ctx.audience_short}, in one sentence. Primary CTA above the fold.",
        ),
        ("Proof bar", f"Logos, ratings or numbers: {join_and(list(ctx.profile.proof))}."),
        (
            "Problem / solution",
            f"The tension ({ctx.profile.alternatives}) and how {ctx.brand} resolves it, in three short "
            "blocks with icons.",
        ),
        ("How it works", "Three steps with visuals; a 30-60s video."),
        ("Social proof", "Two or three testimonials with names, photos and specific outcomes."),
        ("Offer", f"{cap(ctx.profile.offers[0])}, with a clear end date and terms link."),
        ("FAQ", f"The top objections: {join_and([o[0] for o in ctx.profile.objections])}"),
        ("Final CTA", "Repeat the primary CTA with a reassurance line (guarantee, no commitment, support)."),
    ]
    return [
        f"One focused landing page per campaign{where}, built to convert {ctx.audience_short} arriving "
        f"from ads, creators and email. Target conversion rate: \u2265 {pct1(ctx.est.cvr)}.",
        section("Page structure, top to bottom", numbered([f"**{n}:** {d}" for n, d in blocks])),
        section(
            "Conversion essentials",
            bullets(
                [
                    "Loads in under 2.5 seconds on mobile (largest contentful paint).",
                    "One primary action; forms of three fields or fewer.",
                    "Message match: the headline repeats the ad promise that brought the visitor.",
                    "Tracking: page view, CTA click, form start, conversion, all with UTM parameters kept.",
                ]
            ),
        ),
    ]


def conversion_rate_optimization(ctx: Ctx) -> list[str]:
    rows = [
        [
            "Mobile speed",
            "Largest contentful paint > 2.5s",
            "Compress media, lazy-load below the fold",
            "High",
        ],
        ["Message match", "Ad promise not repeated on page", "Dynamic headline per campaign", "High"],
        [
            "Form friction",
            "More than 3 fields or forced account",
            "Trim fields; guest checkout or one-step form",
            "High",
        ],
        ["Trust", "Proof below the fold", f"Move {ctx.profile.proof[0]} into the hero", "Medium"],
        [
            "Offer clarity",
            "Terms unclear or hidden",
            "State the offer and end date next to the CTA",
            "Medium",
        ],
        ["Follow-up", "No recovery for drop-offs", "Abandonment email/SMS within 1 hour", "Medium"],
    ]
    uplift = ctx.est.conversions * 0.2
    return [
        f"Conversion rate optimisation makes every visit {ctx.brand} pays for work harder. A 20% relative "
        f"lift on the planned rate is worth about {fmt_int(uplift)} extra "
        f"{ctx.conversion}{ctx.period_word} at no extra media cost.",
        section(
            "Audit checklist and fixes", table(["Area", "What usually goes wrong", "Fix", "Priority"], rows)
        ),
        section(
            "Testing cadence",
            bullets(
                [
                    "One A/B test live per key page at a time; run to 95% confidence or 2 full weeks.",
                    "Minimum 300 conversions per variant for purchase tests; use micro-conversions when "
                    "volume is low.",
                    "Log every test (hypothesis, result, decision) in the experiment backlog.",
                ]
            ),
        ),
    ]


def lifecycle_journeys(ctx: Ctx) -> list[str]:
    b = ctx.brand
    rows = [
        [
            "Subscriber",
            "Opt-in",
            "Welcome series, brand story",
            "Email & CRM",
            "First conversion within 14 days",
        ],
        [
            "New customer",
            f"First {ctx.profile.conversion_one}",
            "Onboarding tips, how to get value fast",
            "Email + SMS",
            "Second action within 30 days",
        ],
        [
            "Active",
            "Regular use / purchase",
            "Personalised recommendations, community invites",
            "Email, app, social",
            "Repeat rate \u2265 30% in 90 days",
        ],
        [
            "At risk",
            "Activity down 50% vs. own average",
            "Check-in, help content, soft incentive",
            "Email + retargeting",
            "Reactivation \u2265 15%",
        ],
        [
            "Lapsed",
            "No activity for 90 days",
            "Win-back offer, feedback survey",
            "Email, paid social",
            "Win-back \u2265 8%",
        ],
        [
            "Advocate",
            "High satisfaction score",
            "Referral programme, reviews, UGC",
            "Email, community",
            "\u2265 10% of new customers referred",
        ],
    ]
    return [
        f"Lifecycle journeys keep {b} relevant after the first {ctx.profile.conversion_one}, with the "
        f"right message at each stage of the relationship with {ctx.audience_short}.",
        section("Journeys by stage", table(["Stage", "Trigger", "Message", "Channel", "Goal"], rows)),
        section(
            "Principles",
            bullets(
                [
                    "Trigger-based beats calendar-based: every message responds to something the customer "
                    "did.",
                    "Frequency caps: no more than 3 marketing messages a week per person across channels.",
                    "Every journey has an exit: conversion, opt-out or move to the next stage.",
                ]
            ),
        ),
    ]


def tracking_and_attribution(ctx: Ctx) -> list[str]:
    campaign = slug(big_idea_name(ctx))
    events = [
        ["page_view", "Every page", "page_type, campaign"],
        ["cta_click", "Primary CTA clicked", "cta_id, placement"],
        ["form_start", "First field focused", "form_id"],
        [
            "lead / purchase",
            f"{cap(ctx.profile.conversion_one)} completed",
            "value, currency, offer_code",
        ],
        ["subscribe", "Email or SMS opt-in", "source, segment"],
    ]
    return [
        f"Reliable numbers come before optimisation. This is the tracking {ctx.brand} needs so every "
        f"{ctx.profile.conversion_one} can be traced to a channel, campaign and creative.",
        section(
            "Tracking stack",
            bullets(
                [
                    "Analytics with a consent-aware tag manager; server-side events for the main ad "
                    "platforms.",
                    "CRM as the source of truth for revenue; weekly reconciliation with analytics "
                    "(tolerance 10%).",
                    "One dashboard, refreshed daily: spend, results, cost per result, by channel and "
                    "campaign.",
                ]
            ),
        ),
        section(
            "UTM convention",
            "`utm_source=<platform>&utm_medium=<paid-social|cpc|email|creator>"
            f"&utm_campaign={campaign}&utm_content=<concept>-<variant>`. "
            "Lower case, hyphens, no spaces; a shared sheet generates every link.",
        ),
        section("Event taxonomy", table(["Event", "When it fires", "Parameters"], events)),
        section(
            "Attribution",
            bullets(
                [
                    "Day-to-day decisions: platform-reported results with 7-day click windows, "
                    "de-duplicated.",
                    "Budget decisions: data-driven or position-based model in analytics, compared monthly.",
                    "Truth check: a geo or time-based holdout test once spend exceeds "
                    f"{ctx.money(ctx.budget.amount * 0.5)}{ctx.period_word}.",
                ]
            ),
        ),
    ]


def experiment_backlog(ctx: Ctx) -> list[str]:
    p = ctx.profile
    ideas = [
        (f"Leading with {p.proof[0]} lifts CTR", "Ad creative A/B", "CTR", 8, 8, 9),
        (
            f"\u201c{cap(p.offers[0])}\u201d beats a plain CTA",
            "Offer split test",
            "Conversion rate",
            9,
            7,
            8,
        ),
        ("Short (3-field) form lifts completion", "Landing page A/B", "Form completion", 7, 8, 9),
        (
            "Creator content beats brand content in paid",
            "Whitelisted vs. brand ads",
            "Cost per result",
            8,
            7,
            7,
        ),
        ("Send-time optimisation lifts email clicks", "Email A/B", "Click rate", 5, 7, 9),
        ("Lookalikes of top customers beat interest targeting", "Audience split", "Cost per result", 7, 6, 8),
    ]
    scored = sorted(ideas, key=lambda i: (-(i[3] * i[4] * i[5]), i[0]))
    rows = [
        [str(n), h, t, m, f"{i} / {c} / {e}", str(i * c * e)]
        for n, (h, t, m, i, c, e) in enumerate(scored, 1)
    ]
    return [
        f"A ranked backlog of tests for {ctx.brand}. Each has one hypothesis, one metric and an ICE score "
        "(impact \u00d7 confidence \u00d7 ease, each 1-10); we run the top two at any time.",
        section("Backlog", table(["#", "Hypothesis", "Test", "Primary metric", "I / C / E", "ICE"], rows)),
        section(
            "Rules of the road",
            bullets(
                [
                    "Write the hypothesis and the decision rule before the test starts.",
                    "Run for at least one full week and to 95% confidence; no peeking-based stops.",
                    "Winners roll out within 3 working days; results go into the learning log for "
                    f"{ctx.client}.",
                ]
            ),
        ),
    ]


def pricing_and_positioning(ctx: Ctx) -> list[str]:
    price = ctx.meta("price", "price_point", "pricing")
    price_note = f" The brief gives a price point of {price}." if price else ""
    rows = [
        [
            "Premium",
            "Priced above the leader, justified by proof and service",
            "Margin, brand halo",
            "Needs strong proof from day one",
        ],
        [
            "Parity plus",
            "Priced at the leader with a clear extra",
            "Easy comparison, low friction",
            "Extra must be visible and valued",
        ],
        [
            "Penetration",
            "Intro price for a limited period, then standard",
            "Fast trial",
            "Anchors a low price if not time-boxed",
        ],
    ]
    rec = "Parity plus" if ctx.profile.key in ("consumer_retail", "food_beverage", "general") else "Premium"
    return [
        f"How {ctx.brand} is positioned and priced decides who it attracts {ctx.in_geo}.{price_note} We "
        f"position {trim(ctx.product, 70)} against {ctx.profile.alternatives}.",
        section(
            "Positioning",
            bullets(
                [
                    f"**For:** {ctx.audience}.",
                    f"**Category frame:** {ctx.industry}, seen through the need for "
                    f"{ctx.profile.segments[0][2]}.",
                    f"**Difference:** {ctx.profile.insight}; {ctx.brand} answers with "
                    f"{ctx.profile.proof[0]}.",
                    f"**Reason to believe:** {join_and(list(ctx.profile.proof[1:]))}.",
                ]
            ),
        ),
        section("Pricing options", table(["Strategy", "How it works", "Pros", "Risks"], rows)),
        section(
            "Recommendation",
            f"**{rec}**, with {lower_first(ctx.profile.offers[0])} as a time-boxed launch incentive. "
            f"Validate with a price-sensitivity survey of 300 people from {ctx.audience_short} and a "
            "two-week price test before locking list prices.",
        ),
    ]


def sales_enablement(ctx: Ctx) -> list[str]:
    rows = [[o, r] for o, r in ctx.profile.objections]
    return [
        f"Sales, support and partners need to tell the {ctx.brand} story the same way the campaign does. "
        "This kit is ready two weeks before launch.",
        section(
            "The kit",
            bullets(
                [
                    "One-page pitch: the positioning, three pillars and proof "
                    f"({join_and(list(ctx.profile.proof))}).",
                    f"Launch FAQ covering pricing, the offer ({ctx.profile.offers[0]}) and availability.",
                    "Two-minute demo video and a slide for partner presentations.",
                    "Email templates for follow-up after a campaign-driven enquiry.",
                ]
            ),
        ),
        section("Objection handling", table(["Objection", "Response"], rows)),
        section(
            "Hand-off rules",
            bullets(
                [
                    f"Every {ctx.profile.conversion_one} reaches the right person within 1 business hour.",
                    "Lead source and campaign carried into the CRM record for closed-loop reporting.",
                    "Weekly 15-minute sync between marketing and sales on lead quality.",
                ]
            ),
        ),
    ]
