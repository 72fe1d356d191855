"""Brand turnaround sections: audit, perception gaps, repositioning, reputation, crisis, community."""

from __future__ import annotations

from services.generator.composer.context import Ctx
from services.generator.composer.text import (
    bullets,
    cap,
    join_and,
    lower_first,
    numbered,
    section,
    table,
    trim,
)


def brand_audit(ctx: Ctx) -> list[str]:
    rows = [
        [
            "Awareness",
            f"Do {ctx.audience_short} know {ctx.brand}?",
            "Aided/unaided recall survey (n=400)",
            "Search volume trend",
        ],
        [
            "Associations",
            "What comes to mind first?",
            "Open-ended survey, social listening",
            "Top-5 word cloud",
        ],
        [
            "Reputation",
            "What do reviews and press say?",
            "Last 12 months of reviews and coverage",
            "Rating and sentiment",
        ],
        [
            "Identity",
            "Is the look and voice consistent?",
            "Audit of 50 recent assets across channels",
            "Consistency score",
        ],
        [
            "Experience",
            "Does the product live up to the promise?",
            "Customer interviews (n=12), support tickets",
            "Top complaints",
        ],
        [
            "Competitive standing",
            "How does it compare?",
            "Share of search and voice vs. alternatives",
            "Rank in category",
        ],
    ]
    return [
        f"The audit establishes where {ctx.brand} really stands with {ctx.audience_short} {ctx.in_geo}, so "
        "the turnaround fixes causes rather than symptoms. It runs in the first three weeks.",
        section("Audit dimensions", table(["Dimension", "Question", "Evidence", "Output"], rows)),
        section(
            "Starting hypotheses",
            bullets(
                [
                    f"Awareness is not the main problem; relevance is: {ctx.brand} is known but not chosen.",
                    f"The brand is judged against {ctx.profile.alternatives}, and loses on proof rather "
                    "than price.",
                    "Visual and verbal identity has drifted across channels, blurring what the brand "
                    "stands for.",
                    *[f"The brief flags: {trim(c, 100)}" for c in ctx.constraints[:1]],
                ]
            ),
        ),
        section(
            "Deliverable",
            "A scorecard per dimension (strong / mixed / weak, with evidence), the three root causes of "
            f"the brand's position, and the priority fixes, presented to {ctx.client}.",
        ),
    ]


def perception_gap_analysis(ctx: Ctx) -> list[str]:
    rows = [
        ["Quality", "Best in class", "Good but unremarkable", "Show proof, not claims"],
        [
            "Relevance",
            f"Made for {ctx.audience_short}",
            "For someone else",
            "Lead with their needs and faces",
        ],
        ["Trust", "Reliable and honest", "Uncertain; mixed reviews", "Respond to every review; guarantees"],
        ["Value", "Worth paying for", "Expensive for what it is", f"Reframe value: {ctx.profile.proof[0]}"],
        [
            "Personality",
            cap(ctx.tone),
            "Generic, corporate",
            "Consistent voice; real people on camera",
        ],
    ]
    return [
        f"The gap between how {ctx.brand} wants to be seen and how it is seen is the turnaround's to-do "
        "list. The \u201cseen today\u201d column is our working hypothesis until the audit data is in.",
        section(
            "Perception gaps",
            table(
                ["Attribute", "Desired perception", "Seen today (hypothesis)", "Action to close the gap"],
                rows,
            ),
        ),
        section(
            "How we measure the gap",
            bullets(
                [
                    f"Survey of 400 people from {ctx.audience_short} rating {ctx.brand} on each attribute "
                    "(1-7).",
                    "Repeat after 12 weeks; target a one-point improvement on the two weakest attributes.",
                    "Track review sentiment monthly as an early indicator.",
                ]
            ),
        ),
    ]


def brand_repositioning(ctx: Ctx) -> list[str]:
    rows = [
        ["Who it's for", "Everyone", cap(ctx.audience)],
        ["What it stands for", "Features and price", f"{cap(ctx.profile.segments[0][2])}"],
        ["How it proves it", "Claims", join_and(list(ctx.profile.proof))],
        ["How it sounds", "Corporate, cautious", ctx.tone],
    ]
    return [
        f"Repositioning moves {ctx.brand} from where it is stuck to a place it can own {ctx.in_geo}.",
        section("From / to", table(["Dimension", "From", "To"], rows)),
        section(
            "New positioning statement",
            f"> For {ctx.audience}, {ctx.brand} is the {ctx.category_brand} that delivers "
            f"{lower_first(ctx.profile.segments[0][2])}, because {ctx.profile.insight}.",
        ),
        section(
            "Proof roadmap",
            numbered(
                [
                    "Weeks 1-4: fix the visible gaps (reviews answered, identity made consistent, website "
                    "updated).",
                    "Weeks 5-8: publish proof: customer stories, data, third-party validation.",
                    "Weeks 9-12: campaign the new positioning at scale once proof is in place.",
                ]
            ),
        ),
    ]


def reputation_recovery_plan(ctx: Ctx) -> list[str]:
    rows = [
        [
            "Stabilise",
            "Weeks 1-2",
            "Listen and respond: answer every review and comment; publish a clear statement of what is "
            "changing",
            "PR lead",
            "Response rate 100%; no unanswered complaints",
        ],
        [
            "Repair",
            "Weeks 3-8",
            "Fix root causes; show the fixes with evidence; invite critics to try again",
            "Account director",
            "Negative share of voice down 30%",
        ],
        [
            "Rebuild",
            "Weeks 9-12+",
            f"Positive stories, advocates and creators retell {ctx.brand}'s new story",
            "Strategy lead",
            "Average rating up 0.3 stars",
        ],
    ]
    return [
        f"A three-phase plan to restore trust in {ctx.brand}. Actions come before advertising: people "
        "forgive mistakes they see being fixed, not ones that are advertised over.",
        section("Phases", table(["Phase", "When", "What we do", "Owner", "Success measure"], rows)),
        section(
            "Response principles",
            bullets(
                [
                    "Reply fast (within 4 business hours), in public, then move detail to private channels.",
                    "Acknowledge, explain what is changing, and by when; never argue.",
                    f"Speak as people from {ctx.brand}, not as a press office.",
                ]
            ),
        ),
        section(
            "Reputation dashboard",
            bullets(
                [
                    "Average review rating and volume by platform, weekly.",
                    "Share of negative mentions in social listening, weekly.",
                    "Branded search sentiment (autocomplete and top results), monthly.",
                ]
            ),
        ),
    ]


def crisis_communication_protocol(ctx: Ctx) -> list[str]:
    rows = [
        [
            "1: Watch",
            "Isolated complaints, no media interest",
            "Within 24 hours",
            "Social lead",
            "Direct replies",
        ],
        [
            "2: Issue",
            "Growing negative conversation or one media enquiry",
            "Within 4 hours",
            "PR lead + client lead",
            "Holding statement, FAQ",
        ],
        [
            "3: Crisis",
            "Safety, legal or national-media story",
            "Within 1 hour",
            f"{ctx.client} leadership + PR lead",
            "Statement, spokesperson, paid media paused",
        ],
    ]
    statement = (
        f"\u201cWe are aware of the concerns raised about {ctx.brand} and are looking into them as a "
        "matter of urgency. The people we serve come first; we will share what we find and what we are "
        "doing about it within 24 hours.\u201d"
    )
    return [
        f"When something goes wrong, speed and consistency protect {ctx.brand}. This protocol says who "
        "decides, how fast, and what is said first.",
        section(
            "Severity levels", table(["Level", "Example", "Response time", "Decision owner", "Actions"], rows)
        ),
        section("Holding statement (approved in advance)", f"> {statement}"),
        section(
            "First-hour checklist",
            numbered(
                [
                    "Pause scheduled posts and paid campaigns that could look tone-deaf.",
                    "Gather facts: what happened, who is affected, what is being said, where.",
                    "Agree the holding statement and spokesperson; brief support teams.",
                    "Publish on the channel where the conversation is happening; log every action.",
                ]
            ),
        ),
    ]


def community_and_advocacy(ctx: Ctx) -> list[str]:
    return [
        f"Advocates rebuild a brand faster than ads. This programme turns {ctx.brand}'s happiest customers "
        f"into visible champions with {ctx.audience_short}.",
        section(
            "Programme",
            table(
                ["Element", "How it works", "Goal"],
                [
                    [
                        "Ambassadors",
                        "20 customers with early access, a private group and quarterly thank-yous",
                        "Authentic content and feedback",
                    ],
                    ["Review drive", "Post-purchase ask at the moment of delight", "+50 new reviews a month"],
                    [
                        "Referral",
                        f"Both sides rewarded; {ctx.profile.offers[-1]}",
                        "10% of new customers from referral",
                    ],
                    [
                        "UGC",
                        "Campaign hashtag and monthly feature of the best customer content",
                        "4 pieces a week",
                    ],
                ],
            ),
        ),
        section(
            "Community management",
            bullets(
                [
                    "Reply to every comment and mention within 24 hours.",
                    "Monthly community moment: live Q&A, event or co-creation vote.",
                    "Share what changed because of customer feedback; credit the people behind it.",
                ]
            ),
        ),
    ]
