"""Retention sections: churn, loyalty, personalisation, win-back."""

from __future__ import annotations

from services.generator.composer.context import Ctx
from services.generator.composer.text import bullets, fmt_int, section, table


def churn_diagnosis(ctx: Ctx) -> list[str]:
    value = ctx.est.value
    rows = [
        [
            "Poor first experience",
            "No second action within 30 days",
            "30-40%",
            "Onboarding journey, first-week check-in",
        ],
        [
            "Value not seen",
            "Low usage or long gaps between purchases",
            "20-30%",
            "Usage tips, personalised recommendations",
        ],
        [
            "Price / competitor offer",
            "Visits to pricing or cancellation pages",
            "15-20%",
            "Loyalty benefits, save offers",
        ],
        [
            "Service issues",
            "Support tickets, low satisfaction scores",
            "10-15%",
            "Service recovery, follow-up",
        ],
        ["Natural end of need", "Life or business change", "5-10%", "Graceful exit, referral ask"],
    ]
    saved = 1000 * 0.05
    return [
        f"Before fixing churn we need to know why {ctx.brand}'s customers leave. The driver shares below "
        f"are typical for {ctx.industry} and are replaced with {ctx.client}'s data in week one.",
        section(
            "Churn drivers (hypotheses)",
            table(["Driver", "Signal in the data", "Typical share", "Fix"], rows),
        ),
        section(
            "Why it pays",
            f"For every 1,000 customers, cutting churn by five points keeps {fmt_int(saved)} customers "
            f"worth about {ctx.money(saved * value)} ({ctx.profile.value_label} {ctx.money(value)}). "
            "Retention spend is usually 3-5 times cheaper than replacing those customers through "
            "acquisition.",
        ),
        section(
            "Diagnosis steps",
            bullets(
                [
                    "Cohort analysis: retention curves by month of acquisition, channel and offer.",
                    "Exit survey and 10 interviews with recently lapsed customers.",
                    "Build a simple risk score (recency, frequency, support contacts) to trigger save "
                    "journeys.",
                ]
            ),
        ),
    ]


def loyalty_program(ctx: Ctx) -> list[str]:
    name = f"{ctx.brand} Circle"
    v = ctx.est.value
    rows = [
        [
            "Member",
            "Join free (sign-up)",
            "Welcome reward, birthday treat, member-only news",
            "\u2264 3% of revenue",
        ],
        [
            "Insider",
            f"Spend {ctx.money(v * 3)} or 3 purchases a year",
            "Early access, free extras, double points weeks",
            "\u2264 5% of revenue",
        ],
        [
            "Champion",
            f"Spend {ctx.money(v * 8)} or 8 purchases a year",
            "Exclusive events, personal service, referral bonuses",
            "\u2264 7% of revenue",
        ],
    ]
    return [
        f"**{name}** rewards the behaviour that matters most to {ctx.brand}: coming back, and bringing "
        f"friends. It is designed for {ctx.audience_short} and costs less than it earns at every tier.",
        section("Tiers", table(["Tier", "How to qualify", "Benefits", "Cost guardrail"], rows)),
        section(
            "Earn and burn",
            bullets(
                [
                    f"Earn 1 point per {ctx.money(1 * ctx.budget.scale)} spent; bonus points for reviews, "
                    "referrals and completing a profile.",
                    "Burn: 100 points = a reward worth 5% of typical spend; points expire after 12 months "
                    "of inactivity.",
                    "Surprise-and-delight moments beat bigger discounts: unexpected upgrades, handwritten "
                    "notes.",
                ]
            ),
        ),
        section(
            "Targets",
            bullets(
                [
                    "40% of active customers enrolled within 6 months.",
                    "Members buy 20% more often than non-members (measured with a holdout group).",
                    "Programme cost under 5% of member revenue.",
                ]
            ),
        ),
    ]


def personalization_playbook(ctx: Ctx) -> list[str]:
    rows = [
        [
            "Browsed but did not convert",
            "Dynamic retargeting and reminder email with the viewed item",
            "Email, paid social",
        ],
        ["First conversion", "Onboarding tailored to what they chose", "Email, SMS"],
        ["Category preference", "Recommendations and content from that category", "Email, site"],
        [
            "Location",
            f"Local events, stock and offers{' ' + ctx.in_geo if ctx.geo_given else ''}",
            "Email, social",
        ],
        ["Lifecycle stage", "Different message for new, active, at-risk and lapsed", "All owned channels"],
        ["Stated preferences", "Content frequency and topics chosen by the customer", "Preference centre"],
    ]
    return [
        f"Personalisation makes {ctx.brand}'s messages feel chosen, not broadcast. Start with the few "
        "signals that matter and are reliable; add more only when they prove their value.",
        section("Signals and actions", table(["Signal", "Personalised action", "Channel"], rows)),
        section(
            "Data foundations",
            bullets(
                [
                    "One customer profile in the CRM joining purchase, email and site behaviour.",
                    "Consent and preferences captured at sign-up and honoured everywhere.",
                    "A holdout group (10%) on every personalised journey to prove uplift.",
                ]
            ),
        ),
    ]


def win_back_campaigns(ctx: Ctx) -> list[str]:
    rows = [
        ["Day 45", "We miss you", "What's new since their last visit; no discount", "Email"],
        [
            "Day 60",
            "Here's something for you",
            f"Soft incentive: {ctx.profile.offers[0]}",
            "Email + paid social",
        ],
        ["Day 75", "Tell us what went wrong", "Two-question survey with a thank-you reward", "Email"],
        ["Day 90", "Last chance", "Strongest offer, clear end date", "Email + SMS"],
        ["Day 120", "Goodbye (for now)", "Preference update or unsubscribe; list cleaned", "Email"],
    ]
    return [
        f"Win-back brings lapsed {ctx.brand} customers back before they forget the brand, escalating the "
        "incentive only when softer messages fail.",
        section(
            "Sequence", table(["When (days since last activity)", "Message", "Content", "Channel"], rows)
        ),
        section(
            "Targets",
            bullets(
                [
                    "Reactivate 8-12% of lapsed customers within 90 days.",
                    f"Incentive cost per reactivated customer \u2264 {ctx.money(ctx.est.value * 0.15)}.",
                    "Survey response rate \u2265 10%; answers feed the churn diagnosis.",
                ]
            ),
        ),
    ]
