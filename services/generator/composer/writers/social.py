"""Social-first sections: buckets, weekly calendar, creative direction, hashtags, platform rules and
light KPIs."""

from __future__ import annotations

import datetime

from services.generator.composer.budget import allocate
from services.generator.composer.context import Ctx
from services.generator.composer.plans import kpi_rows
from services.generator.composer.profiles import CHANNELS
from services.generator.composer.text import (
    bullets,
    cap,
    fmt_date,
    fmt_date_short,
    hashtag,
    join_and,
    section,
    sentence,
    table,
    trim,
)
from services.generator.composer.writers.core import big_idea_name

_SOCIAL = ("Instagram", "TikTok", "Facebook", "LinkedIn", "YouTube", "Pinterest")


def social_platforms(ctx: Ctx) -> list[str]:
    """The social platforms in the mix, best first; two where the brief allows, and never none (when the
    brief rules out every social platform, the channels it does allow stand in)."""
    found = [n for n in ctx.channel_names if n in _SOCIAL]
    dropped = set(ctx.constraint_drops) | set(ctx.emphasis.drop)
    for fallback in ("Instagram", "Facebook", "LinkedIn", "TikTok", "YouTube"):
        if len(found) >= 2:
            break
        if fallback not in found and fallback not in dropped:
            found.append(fallback)
    return found[:4] or list(ctx.channel_names[:2]) or ["Email & CRM"]


def content_buckets(ctx: Ctx) -> list[str]:
    p = ctx.profile
    buckets = [
        (
            "Hero product",
            "Show why the product matters",
            f"{cap(trim(ctx.product, 40))} hero shots, 15s demos",
            30,
        ),
        ("Education & tips", "Teach something useful", "Tips, how-tos, myth-busting carousels", 25),
        ("Social proof & UGC", "Let customers do the talking", "UGC reposts, reviews, creator collabs", 20),
        ("Behind the brand", "Make the brand human", "Team, process, behind the scenes", 15),
        ("Offers & drops", "Convert attention", f"Offer posts: {trim(p.offers[0], 40)}", 10),
    ]
    split = allocate(100, [b[3] for b in buckets])
    rows = [
        [name, goal, examples, f"{pct}%"]
        for (name, goal, examples, _w), (pct, _a) in zip(buckets, split, strict=True)
    ]
    rows.append(["**Total**", "", "", "**100%**"])
    return [
        f"Five content buckets keep {ctx.brand}'s feed varied but consistent. Roughly 90% of posts earn "
        "attention and trust; 10% ask for the sale.",
        section("Buckets and mix", table(["Bucket", "Goal", "Examples", "Share of posts"], rows)),
        section(
            "How to use the buckets",
            bullets(
                [
                    "Plan each week with at least three buckets represented; never two offer posts in a row.",
                    "Every post tags its bucket in the planning sheet, so results can be compared by "
                    "bucket after four weeks.",
                    f"Write for {ctx.audience_short}: their words, their questions, their moments.",
                ]
            ),
        ),
        section(
            "Sample post ideas",
            bullets(
                [
                    f"{buckets[0][0]}: \u201cThe 10-second reason people switch to {ctx.brand}.\u201d",
                    f"{buckets[1][0]}: \u201c3 mistakes {ctx.audience_short} make (and the fix).\u201d",
                    f"{buckets[2][0]}: repost of a customer video with a thank-you caption.",
                    f"{buckets[3][0]}: \u201cMeet the team behind {ctx.brand}.\u201d",
                ]
            ),
        ),
    ]


def weekly_social_calendar(ctx: Ctx) -> list[str]:
    platforms = social_platforms(ctx)
    themes = [
        ("Introduce", f"Who {ctx.brand} is for and why now", "Teaser reel + intro carousel"),
        (
            "Educate",
            f"{cap(trim(ctx.product, 40))}: how it works, top questions answered",
            "How-to video + FAQ carousel",
        ),
        ("Prove", "Reviews, creators and customer stories", "Creator collab + UGC repost"),
        ("Convert", f"Offer: {trim(ctx.profile.offers[0], 50)}", "Offer reel + countdown stories"),
    ]
    rows = []
    for i, (name, focus, hero) in enumerate(themes):
        if ctx.start:
            a = ctx.start + datetime.timedelta(weeks=i)
            b = a + datetime.timedelta(days=6)
            dates = f"{fmt_date_short(a)} - {fmt_date_short(b)}"
        else:
            dates = f"Days {7 * i + 1}-{7 * i + 7}"
        rows.append(
            [
                f"Week {i + 1}: {name}",
                dates,
                focus,
                hero,
                ", ".join(f"{name} {count}" for name, count in zip(platforms, (4, 3), strict=False)),
                "Reply to every comment within 24h",
                ("Reach", "Saves & shares", "Engagement rate", "Clicks & conversions")[i],
            ]
        )
    start_note = (
        f"Week 1 starts {fmt_date(ctx.start)}."
        if ctx.start
        else "No go-live date is set yet, so weeks are counted from kickoff."
    )
    return [
        f"A four-week rhythm for {join_and(platforms)} that moves {ctx.audience_short} from first "
        f"impression to action. {start_note}",
        section(
            "Week by week",
            table(["Week", "Dates", "Focus", "Hero content", "Posts", "Community", "KPI focus"], rows),
        ),
        section(
            "Weekly routine",
            bullets(
                [
                    "Monday: publish the hero post; brief stories for the week.",
                    "Wednesday: educational post; answer questions in stories.",
                    "Friday: proof or community post; review the week's numbers.",
                    "Weekend: light-touch stories and community replies only.",
                ]
            ),
        ),
    ]


def _creative_core(ctx: Ctx) -> list[str]:
    mood = {
        "b2b_tech": "clean, bright, product UI on real screens, people at work",
        "consumer_retail": "natural light, real bodies and homes, product close-ups with texture",
        "food_beverage": "warm, close, steam and texture, hands and tables, golden-hour light",
        "health_wellness": "calm, airy, real people mid-movement, no clinical stock imagery",
        "financial_services": "confident, uncluttered, real customers, simple data visuals",
        "education": "energetic, candid, learners in action, diverse faces",
        "travel_hospitality": "sweeping place shots, then intimate detail; people enjoying, not posing",
    }
    return [
        f"**Mood:** {mood.get(ctx.profile.key, 'confident, human and uncluttered; real people, real use')}.",
        f"**Visual hook:** the first second shows {trim(ctx.product, 60)} or the problem it solves.",
        f"**Brand codes:** {ctx.brand} logo and colours in frame by second two; consistent end card.",
        f"**Copy:** {ctx.tone}; headlines under eight words.",
    ]


def creative_direction(ctx: Ctx) -> list[str]:
    mandatories = [sentence(trim(c, 120)) for c in ctx.constraints] or [
        "Accessibility: captions on all video, alt text on all images, 4.5:1 contrast.",
        "Claims substantiated and approved before use.",
    ]
    return [
        f"The creative expresses \u201c{big_idea_name(ctx)}\u201d so consistently that "
        f"{ctx.audience_short} recognise {ctx.brand} before they see the logo.",
        section("Look and feel", bullets(_creative_core(ctx))),
        section(
            "Formats and production",
            bullets(
                [
                    "Vertical 9:16 first (Reels, TikTok, Stories), then 1:1 and 16:9 cut-downs.",
                    "One hero film (30s) produces 6-8 cut-downs of 6-15s; a stills library of 40 images.",
                    "Creator content briefed with the same opening hook for consistency.",
                    f"Localised for {ctx.geo}: language, places and faces that feel local."
                    if ctx.geo_given
                    else "Localisation kept light: real places and faces, no generic stock.",
                ]
            ),
        ),
        section("Mandatories", bullets(mandatories)),
        section(
            "Do / don't",
            table(
                ["Do", "Don't"],
                [
                    ["Show the product in real use", "Use generic stock photography"],
                    ["Lead with the customer's point of view", "Open with the logo"],
                    ["One message per asset", "Stack several offers in one frame"],
                ],
            ),
        ),
    ]


def creative_direction_light(ctx: Ctx) -> list[str]:
    return [
        f"A lightweight creative guide so anyone posting for {ctx.brand} keeps the feed recognisable and "
        f"on-brand for {ctx.audience_short}.",
        section("Essentials", bullets(_creative_core(ctx))),
        section(
            "Templates to build once",
            bullets(
                [
                    "Quote / review card in brand colours.",
                    "Three-slide carousel: hook, value, call to action.",
                    "Reel opener (1s brand sting) and end card with the handle.",
                    "Offer badge in one consistent corner.",
                ]
            ),
        ),
        section(
            "Quick checks before posting",
            bullets(
                [
                    "Would it stop the scroll in the first second, sound off?",
                    f"Is {ctx.brand} visible and is the message single-minded?",
                    "Captions, alt text and the right aspect ratio?",
                    *[f"Brief constraint: {sentence(trim(c, 100))}" for c in ctx.constraints[:2]],
                ]
            ),
        ),
    ]


def hashtag_strategy(ctx: Ctx) -> list[str]:
    brand_tag = hashtag(ctx.brand)
    idea_tag = hashtag(big_idea_name(ctx))
    counts = {
        "Instagram": "3-5",
        "TikTok": "2-4",
        "LinkedIn": "1-3",
        "Facebook": "1-2",
        "YouTube": "2-3",
        "Pinterest": "2-5",
    }
    per_platform = join_and([f"{counts[p]} per post on {p}" for p in social_platforms(ctx) if p in counts])
    rows = [
        [brand_tag, "Brand", "Every post; bio", "Build a searchable brand archive"],
        [idea_tag, "Campaign", "All campaign posts and creator content", "Track campaign reach and UGC"],
        [
            hashtag(f"{ctx.brand} Community"),
            "Community",
            "UGC reposts and customer stories",
            "Encourage customers to share",
        ],
    ]
    rows += [
        [tag, "Category", "2-3 per post, rotated", "Discovery by interest"]
        for tag in ([hashtag(ctx.industry)] if ctx.industry_given else []) + list(ctx.profile.hashtags[:4])
    ]
    if ctx.geo_given:
        rows.append(
            [hashtag(ctx.geo.split(",")[0]), "Local", "Posts with local relevance", "Local discovery"]
        )
    return [
        f"Hashtags help {ctx.brand} get found and make campaign content measurable. Use {per_platform}; "
        "quality beats volume.",
        section("Hashtag set", table(["Hashtag", "Type", "Where", "Purpose"], rows)),
        section(
            "Rules",
            bullets(
                [
                    f"Always include {brand_tag}; add {idea_tag} during the campaign window.",
                    "Rotate category tags so posts are not flagged as repetitive.",
                    "Check every new tag for unrelated or unsafe content before use.",
                    "Review monthly: keep tags that bring reach from non-followers, drop the rest.",
                ]
            ),
        ),
    ]


_PLATFORM_RULES = {
    "Instagram": (
        "Reels, carousels, Stories",
        "9:16 video, 4:5 feed",
        "4-5 posts + daily Stories",
        "Lunch and 7-9pm local",
    ),
    "TikTok": ("Short video, Spark Ads", "9:16, 15-45s", "4-7 posts", "Evenings and weekends"),
    "Facebook": ("Video, carousels, groups", "1:1 or 4:5", "3 posts", "Mid-morning"),
    "LinkedIn": ("Document posts, short video, text", "1:1, PDF carousels", "3 posts", "Tue-Thu 8-10am"),
    "YouTube": ("Shorts, demos", "9:16 Shorts, 16:9 long-form", "1-2 uploads", "Thu-Sat afternoon"),
    "Pinterest": ("Idea and product pins", "2:3 vertical", "5-10 pins", "Evenings"),
}


def platform_guidelines(ctx: Ctx) -> list[str]:
    platforms = social_platforms(ctx)
    rows = [[p, *_PLATFORM_RULES[p], CHANNELS[p].role] for p in platforms if p in _PLATFORM_RULES]
    if not rows:  # the brief rules out every social platform: give the same guidance for what remains
        rows = [
            [
                p,
                CHANNELS[p].formats if p in CHANNELS else "Owned content",
                "Native specs",
                "2-3 posts",
                "When the audience is most active",
                CHANNELS[p].role if p in CHANNELS else "Stay in touch",
            ]
            for p in platforms
        ]
    return [
        f"Each platform has its own grammar. These guidelines tell {ctx.brand}'s team what to post where, "
        f"how often and when, for {ctx.audience_short}{' ' + ctx.in_geo if ctx.geo_given else ''}.",
        section(
            "By platform", table(["Platform", "Formats", "Specs", "Per week", "Best times", "Role"], rows)
        ),
        section(
            "Always",
            bullets(
                [
                    "Hook in the first second; captions on; brand visible early.",
                    "Reply to comments within 24 hours; escalate complaints to the client lead the same day.",
                    "Use platform-native features (polls, stickers, collabs) rather than cross-posting.",
                ]
            ),
        ),
        section(
            "Never",
            bullets(
                [
                    "Post the same asset unchanged on every platform.",
                    "Argue in comments or delete critical but fair comments.",
                    "Use trending audio without checking licensing for brand accounts.",
                ]
            ),
        ),
    ]


def kpi_plan_light(ctx: Ctx) -> list[str]:
    rows = kpi_rows(ctx, light=True)
    return [
        f"A handful of numbers tell {ctx.brand} whether social is working. Targets below are derived from "
        f"the budget of {ctx.budget_phrase} and planning benchmarks for {ctx.industry}.",
        section("KPIs and targets", table(["KPI", "Target", "Owner", "Cadence", "Source"], rows)),
        section(
            "Routine",
            bullets(
                [
                    "Weekly: 15-minute check of reach, engagement and clicks; move spend to the best post.",
                    "Monthly: one-page report with the top three posts and what to repeat.",
                    "After four weeks: compare buckets and platforms; cut the bottom one.",
                ]
            ),
        ),
    ]
