"""Who we talk to: segments and personas."""

from __future__ import annotations

from services.generator.composer.context import Ctx
from services.generator.composer.text import bullets, join_and, section, sentence, stable_index, table, trim

_NAMES = (
    "Maya",
    "Daniel",
    "Priya",
    "Lucas",
    "Amara",
    "Tom",
    "Sofia",
    "Kenji",
    "Leah",
    "Omar",
    "Chloe",
    "Mateo",
    "Hannah",
    "Ravi",
    "Grace",
    "Noah",
    "Elena",
    "Sam",
    "Aisha",
    "Ben",
)


def persona_names(ctx: Ctx) -> list[str]:
    start = stable_index(len(_NAMES), ctx.brand, "personas")
    return [_NAMES[(start + 7 * i) % len(_NAMES)] for i in range(3)]


def audience_segments(ctx: Ctx) -> list[str]:
    p = ctx.profile
    channels = list(ctx.channel_names)
    rows = []
    for i, (name, who, need) in enumerate(p.segments):
        best = join_and(channels[i : i + 2] or channels[:2])
        priority = ("Primary", "Secondary", "Tertiary")[i]
        rows.append([f"{name}", who, need, priority, best])
    described = (
        f"The brief defines the audience as **{ctx.audience}**."
        if ctx.audience_given
        else f"The brief does not define an audience, so we work from the most valuable group for "
        f"{ctx.industry}: **{ctx.audience}**."
    )
    weights = ("60%", "25%", "15%")
    return [
        f"{described} Within it, three segments behave differently and need different messages {ctx.in_geo}.",
        section(
            "Segments", table(["Segment", "Who they are", "Core need", "Priority", "Best channels"], rows)
        ),
        section(
            "Prioritisation",
            bullets(
                [
                    f"**{p.segments[0][0]}** get about {weights[0]} of effort: closest to "
                    f"\u201c{trim(ctx.main_objective, 80)}\u201d and cheapest to convert.",
                    f"**{p.segments[1][0]}** get {weights[1]}: larger pool, longer path; reached with "
                    f"proof ({p.proof[0]}) and retargeting.",
                    f"**{p.segments[2][0]}** get {weights[2]}: smaller but they amplify; reached through "
                    "owned channels and referral mechanics.",
                ]
            ),
        ),
        section(
            "Targeting notes",
            bullets(
                [
                    f"Geography: {ctx.geo if ctx.geo_given else 'the core market'}; exclude areas "
                    f"{ctx.brand} cannot serve.",
                    "Build lookalikes from the best 20% of existing customers; refresh monthly.",
                    "Exclude current customers from acquisition ads and move them into CRM journeys instead.",
                    *([f"Brief constraint: {sentence(trim(c, 100))}" for c in ctx.constraints[:2]]),
                ]
            ),
        ),
    ]


def persona_cards(ctx: Ctx) -> list[str]:
    names = persona_names(ctx)
    blocks = [
        f"Three personas bring {ctx.audience_short} to life. Use them to brief creative and to check every "
        f"asset: would {names[0]} stop scrolling for this?"
    ]
    for i, (name, persona) in enumerate(zip(names, ctx.profile.personas, strict=True), 1):
        segment = ctx.profile.segments[i - 1][0]
        blocks.append(
            section(
                f"Persona {i}: {name}, {persona.role.lower()} ({persona.age})",
                bullets(
                    [
                        f"**Segment:** {segment}{' ' + ctx.in_geo if ctx.geo_given else ''}.",
                        f"**Goal:** {persona.goal}.",
                        f"**Frustration:** {persona.pain}.",
                        f"**Where they spend time:** {persona.hangouts}.",
                        f"**What convinces them:** {persona.convinced_by}.",
                        f"**Message that lands:** \u201c{ctx.brand} helps you {persona.goal}, without "
                        f"{persona.pain.split(' and ')[0]}.\u201d",
                    ]
                ),
            )
        )
    return blocks
