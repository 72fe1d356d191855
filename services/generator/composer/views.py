"""Rows and lists the section templates lay out, computed from the plan (planning maths, not copy).

Each function takes the plan and returns plain strings, lists or table rows; the wording around them is the
templates' and the data files'.
"""

from __future__ import annotations

import datetime
import functools
import re
from dataclasses import dataclass
from importlib import resources

import yaml

from services.generator.composer.budget import allocate, split_amount, split_percentages
from services.generator.composer.catalogue import catalogue
from services.generator.composer.context import _SCALE, Ctx, ObjectivePlan, short_phrase
from services.generator.composer.kind_words import in_kind_words
from services.generator.composer.kpi_sources import percent_source
from services.generator.composer.plans import (
    Day,
    day_label,
    line_aim,
    line_role,
    phases,
    review_phase,
    rollup,
    week_span,
)
from services.generator.composer.render import compiled
from services.generator.composer.rules import excluded_patterns, violations
from services.generator.composer.text import (
    cap,
    fmt_date,
    fmt_date_short,
    fmt_int,
    hashtag,
    join_and,
    lower_first,
    pct1,
    pick,
    stable_index,
)
from services.generator.composer.wording import render_line, say, words
from services.generator.domain.money import CURRENCIES, format_amount
from services.generator.domain.packages import ALTERNATE_TITLES
from services.generator.domain.readers.business_type import type_by_key
from services.generator.domain.vocabulary import vocabulary

# ----- the brief --------------------------------------------------------------------------------------------


def overview_rows(plan: Ctx) -> list[list[str]]:
    """The brief at a glance, as understood: what every section is written from."""
    f = plan.facts
    label = words("glance_labels")
    rows = [[label["client"], plan.client], [label["brand"], plan.brand]]
    rows.append(
        [
            label["product"],
            plan.product if plan.product_given else say("glance.product_missing", plan=plan),
        ]
    )
    rows.append(
        [label["industry"], f.industry if plan.industry_given else say("glance.industry_inferred", plan=plan)]
    )
    kind = type_by_key(f.business_type) if f.business_type else None
    if kind is not None and kind.label.casefold() != plan.playbook.label.casefold():
        # The kind read from the brief, and the playbook family it is written from.
        rows.append([label["model"], say("glance.model_of_kind", plan=plan, kind=kind)])
    else:
        rows.append([label["model"], say("glance.model", plan=plan)])
    rows.append([label["markets"], plan.geo if plan.geo_given else say("glance.markets_missing")])
    audience = join_and([s.name for s in f.segments]) if f.segments else plan.audience
    rows.append(
        [label["audience"], audience if plan.audience_given else say("glance.audience_assumed", plan=plan)]
    )
    rows.append([label["budget"], plan.budget_phrase])
    rows.append([label["timeline"], f.timeline or plan.timeline.label])
    if plan.launch:
        rows.append([label["launch"], fmt_date(plan.launch)])
    if f.competitors:
        rows.append([label["competitors"], join_and(list(f.competitor_names))])
    if f.events:
        rows.append(
            [
                label["dates"],
                "; ".join(f"{e.name} ({e.date_text})" if e.date_text else e.name for e in f.events),
            ]
        )
    if f.prices:
        rows.append([label["prices"], "; ".join(f"{p.label}: {plan.price_text(p)}" for p in f.prices)])
    if f.retail_partners:
        rows.append([label["retail"], join_and(list(f.retail_partners))])
    if f.offers:
        rows.append([label["offers"], "; ".join(f.offers)])
    if f.language:
        rows.append([label["language"], f"{f.language} ({f.locale})" if f.locale else f.language])
    if f.tone:
        rows.append([label["tone"], f.tone])
    if plan.constraints:
        rows.append([label["rules"], "; ".join(plan.constraints)])
    return rows


def audience_phrase(plan: Ctx) -> str:
    """Who the plan is for, as a phrase: the brief's segments, or its audience."""
    if plan.facts.segments:
        return join_and([lower_first(s.name) for s in plan.facts.segments])
    return plan.audience_short


# ----- objectives -------------------------------------------------------------------------------------------


def objective_rows(plan: Ctx) -> list[list[str]]:
    """Objective (as stated) | Target | Deadline | At planning benchmarks | What it takes."""
    rows: list[list[str]] = []
    for op in plan.objective_plans:
        o = op.objective
        rows.append(
            [
                o.text,
                o.target or say("objectives.as_stated"),
                o.deadline or say("objectives.not_stated"),
                planned_text(plan, op),
                takes_text(plan, op),
            ]
        )
    return rows


def planned_text(plan: Ctx, op: ObjectivePlan) -> str:
    if op.planned is None:
        if op.kind == "percent":
            return say("objectives.planned.percent", source=percent_source(op.objective.metric))
        return say("objectives.planned.tracked")
    if op.kind == "money":
        return say("objectives.planned.money", plan=plan, op=op)
    if op.stage is not None:
        return say("objectives.planned.stage", n=fmt_int(op.planned), stage=op.stage.name)
    unit = re.sub(r"\s+(?:sold|won|booked)$", "", op.objective.metric)
    return say("objectives.planned.units", n=fmt_int(op.planned), unit=unit)


def takes_text(plan: Ctx, op: ObjectivePlan) -> str:
    coverage = op.coverage
    cost = (
        say("objectives.takes.cost", cost=plan.money(op.cost_per), target=op.objective.target)
        if op.cost_per and op.cost_per >= 1
        else ""
    )
    ros = rate_of_sale(plan, op)
    if ros:
        cost += f"; {ros}"
    baseline = re.search(r"\bfrom\s+(\S+)\s+to\s+(\S+)", op.objective.text)
    channels = list(op.channels[:3])
    if op.kind == "percent" and baseline:
        return say("objectives.takes.rise", from_=baseline.group(1), to=baseline.group(2), channels=channels)
    if coverage is None:
        if op.channels:
            return say("objectives.takes.weighted", channels=channels)
        if op.kind == "percent" and re.search(r"\bby\s+\d+(?:\.\d+)?\s*%", op.objective.text):
            return say("objectives.takes.baseline")
        return in_kind_words(plan, plan.playbook_copy.objective_without_channels)
    share = round(coverage * 100)
    if coverage >= 1:
        return say("objectives.takes.in_reach", cost=cost)
    if coverage >= 0.6:
        return say("objectives.takes.mostly", share=share, cost=cost)
    gaps = in_kind_words(plan, plan.playbook_copy.gap_sources)
    return say("objectives.takes.partly", share=share, cost=cost, gaps=gaps)


# ----- the idea and creative --------------------------------------------------------------------------------


def big_idea(plan: Ctx) -> str:
    if plan.learned_idea:
        return plan.learned_idea
    return in_kind_words(
        plan,
        pick(
            plan.playbook_copy.ideas, plan.brand, "idea", *([plan.idea_variant] if plan.idea_variant else [])
        ),
    )


def lead_channel(plan: Ctx, kinds: tuple[str, ...], fallback: int = 0) -> str:
    """The biggest channel in the mix of one of these kinds (social, search, owned...), else the nth channel."""
    vocab = vocabulary()
    for kind in kinds:  # the kinds are in order of preference
        for name in plan.channel_names:
            if vocab.channel(name).kind == kind:
                return name
    names = plan.channel_names
    return names[min(fallback, len(names) - 1)] if names else "Email & CRM"


# ----- audience ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SegmentRow:
    name: str
    who: str
    need: str


def segments(plan: Ctx) -> list[SegmentRow]:
    """Three segments: the brief's (with the category's needs), else the category's."""
    ind = plan.profile.segments
    named = plan.facts.segments
    if not named:
        return [SegmentRow(s.name, s.who, s.need) for s in ind]
    out = []
    for i, seg in enumerate(named[:3]):
        who = seg.description or ind[min(i, 2)].who
        out.append(SegmentRow(cap(seg.name), cap(who), ind[min(i, 2)].need))
    return out


@dataclass(frozen=True)
class PersonaCard:
    name: str
    role: str
    age: str
    segment: str
    goal: str
    pain: str
    hangouts: str
    convinced_by: str
    who: str = ""  # the brief's description of the segment, when it gives one


def _singular(name: str) -> str:
    """'Busy professionals' -> 'busy professional', 'CISOs' -> 'CISO', 'Parents' -> 'parent'."""
    words = name.split()
    last = words[-1]
    if last.endswith("ies") and len(last) > 4:
        last = last[:-3] + "y"
    elif last.endswith("s") and not last.endswith("ss") and len(last) > 3:
        last = last[:-1]
    return lower_first(" ".join([*words[:-1], last]))


def personas(plan: Ctx) -> list[PersonaCard]:
    pool = words("persona_names")
    start = stable_index(len(pool), plan.brand, "personas", *([plan.variant] if plan.variant else []))
    names = [str(pool[(start + 7 * i) % len(pool)]) for i in range(3)]
    segs = segments(plan)

    banned = excluded_patterns(plan.facts.rules)
    out = []
    for i, (name, persona) in enumerate(zip(names, plan.profile.personas, strict=True)):
        seg = segs[min(i, len(segs) - 1)]
        places = [p.strip() for p in persona.hangouts.split(",") if not any(b.search(p) for _l, b in banned)]
        convinced = persona.convinced_by
        if any(b.search(convinced) for _l, b in banned):
            convinced = plan.profile.proof[i % 3]
        hangouts = ", ".join(places) or words("no_hangouts")
        if plan.facts.segments:
            # The brief's own segment decides who the persona is; the category fills in where they are.
            brief_seg = plan.facts.segments[min(i, len(plan.facts.segments) - 1)]
            role = _singular(brief_seg.name)
            card = PersonaCard(
                name,
                role,
                persona.age,
                seg.name,
                seg.need,
                persona.pain,
                hangouts,
                convinced,
                brief_seg.description,
            )
        else:
            card = PersonaCard(
                name, persona.role, persona.age, seg.name, persona.goal, persona.pain, hangouts, convinced
            )
        out.append(card)
    return out


# ----- offers and money -------------------------------------------------------------------------------------


def offer_rows(plan: Ctx) -> list[list[str]]:
    """Offer | When | For whom | Guardrail, the brief's offers first."""
    windows = plan.playbook_copy.offer_windows
    out = []
    for i, offer in enumerate(plan.offers[:4]):
        when, who, guard = (in_kind_words(plan, cell) for cell in windows[min(i, len(windows) - 1)])
        if plan.centrepiece is not None and i == 2 and plan.centrepiece.date_text:
            when = say("offers.around_event", event=plan.centrepiece)
        out.append([cap(offer), when, who, guard])
    return out


def price_lines(plan: Ctx) -> list[str]:
    out = []
    for p in plan.facts.prices:
        currency = CURRENCIES.get(p.currency, plan.budget.currency)
        out.append(
            say("price_line", label=p.label, amount=format_amount(p.amount, currency), period=p.period)
        )
    return out


def split_rows(plan: Ctx, pot: int, tiers: list[tuple[str, int, str, int]]) -> list[list[str]]:
    """Tier | Count | Role | Share | Budget, splitting `pot` exactly by the tiers' weights."""
    split = allocate(pot, [t[3] for t in tiers])
    rows = [
        [name, str(count), role, f"{pct}%", plan.money(amount)]
        for (name, count, role, _w), (pct, amount) in zip(tiers, split, strict=True)
    ]
    rows.append(["**Total**", str(sum(t[1] for t in tiers)), "", "**100%**", f"**{plan.money(pot)}**"])
    return rows


# ----- time -------------------------------------------------------------------------------------------------


def event_when(plan: Ctx) -> str:
    e = plan.centrepiece
    if e is None:
        return ""
    return f"{e.name} ({e.date_text})" if e.date_text else e.name


def deadline_of(plan: Ctx) -> str:
    if plan.start is None:
        return say("deadline_undated", plan=plan)
    return fmt_date(plan.start + datetime.timedelta(weeks=plan.weeks, days=-1))


# ----- more rows the templates lay out ----------------------------------------------------------------------


def pillar_rows(plan: Ctx) -> list[list[str]]:
    """Pillar | Key message | Proof point: the category's first three pillars, with its proof."""
    p = plan.profile
    names = {
        "plan": plan,
        "audience": audience_phrase(plan),
        "need": segments(plan)[0].need,
        "offer": plan.offers[0] if plan.offers else p.offers[0],
    }
    messages = words("pillars")
    return [[p.pillars[i], render_line(messages[i], **names), p.proof[i]] for i in range(3)]


def mandated_lines(plan: Ctx) -> list[str]:
    return [say("mandated", term=t) for t in plan.facts.rules.mandated_terms]


def segment_rows(plan: Ctx) -> list[list[str]]:
    names = list(plan.channel_names)
    out = []
    for i, seg in enumerate(segments(plan)):
        best = join_and(names[i : i + 2] or names[:2])
        out.append([seg.name, seg.who, seg.need, words("priorities")[min(i, 2)], best])
    return out


def social_platforms(plan: Ctx) -> list[str]:
    channels = catalogue().channels
    return [n for n in plan.channel_names if channels[n].platform is not None]


def platform_format_lines(plan: Ctx) -> list[str]:
    channels = catalogue().channels
    banned = {f.casefold() for f in plan.facts.rules.excluded_formats}
    out = []
    for name in social_platforms(plan)[:3]:
        rules = channels[name].platform
        assert rules is not None
        formats = ", ".join(f.strip() for f in rules.formats.split(",") if f.strip().casefold() not in banned)
        line = next((c for c in plan.channels if c.name == name), None)
        aim = line_aim(plan, line) if line is not None else ""
        out.append(say("platform_line", name=name, formats=formats, specs=rules.specs, aim=aim))
    return out


def mandatories(plan: Ctx) -> list[str]:
    out = [f"{c.rstrip('.')}." for c in plan.constraints]
    out.append(say("mandatories.accessibility", languages=list(plan.facts.languages)))
    if not plan.facts.rules.claims_needing_review:
        out.append(say("mandatories.claims", plan=plan, product=short_phrase(plan.product, 50)))
    return out


def influencer_rows(plan: Ctx, pot: int) -> list[list[str]]:
    tiers = [(t.name, t.count, t.role, t.weight) for t in plan.playbook.copydeck.influence.tiers]
    return split_rows(plan, pot, tiers)


def calendar_start_note(plan: Ctx) -> str:
    event = plan.centrepiece.name if plan.centrepiece is not None else ""
    start = fmt_date(plan.start) if plan.start else ""
    if plan.calendar_from and plan.start and plan.calendar_from != plan.start and event:
        return say("calendar_start.run_up", day1=fmt_date(plan.calendar_from), start=start, event=event)
    if plan.start and plan.start_reason == "launch":
        return say("calendar_start.launch", start=start)
    if plan.start and plan.start_reason == "event" and event:
        return say("calendar_start.event", start=start, event=event)
    if plan.start:
        return say("calendar_start.timeline", start=start)
    return say("calendar_start.undated")


def calendar_rows(days: list[object]) -> list[list[str]]:
    rows = []
    for d in days:
        assert isinstance(d, Day)
        rows.append([str(d.n), day_label(d), d.theme, d.channel, d.action, d.owner, d.goal])
    return rows


def channel_mix_line(days: list[object]) -> str:
    counts: dict[str, int] = {}
    for d in days:
        assert isinstance(d, Day)
        counts[d.channel] = counts.get(d.channel, 0) + 1
    return ", ".join(f"{name} {n}" for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def flow_rows(plan: Ctx) -> list[list[str]]:
    return [
        [in_kind_words(plan, cell) for cell in (f.name, f.trigger, f.messages, f.timing, f.goal)]
        for f in plan.playbook.crm_flows
    ]


def budget_header(plan: Ctx) -> str:
    return say("budget_headers.budget", plan=plan)


def rollup_rows(plan: Ctx) -> list[list[str]]:
    rows = [[name, what, f"{pct}%", plan.money(amount)] for name, what, pct, amount in rollup(plan)]
    rows.append(["**Total**", "", "**100%**", f"**{plan.budget.total_text}**"])
    return rows


def phase_header(plan: Ctx) -> str:
    return say("budget_headers.programme", plan=plan)


def phase_rows(plan: Ctx) -> list[list[str]]:
    live = [p for p in phases(plan) if p.first_week > 0]
    intensity = {"launch": 15, "optimise": 10, "scale": 12}
    total = plan.programme_total
    split = allocate(total, [intensity.get(p.key, 10) * (p.last_week - p.first_week + 1) for p in live])
    rows = [
        [p.name, week_span(plan, p.first_week, p.last_week), f"{pct}%", plan.money(amount)]
        for p, (pct, amount) in zip(live, split, strict=True)
    ]
    rows.append(["**Total**", "", "**100%**", f"**{plan.money(total)}**"])
    return rows


def funnel_line(plan: Ctx) -> str:
    """The funnel maths in one paragraph: media, reach, the stages, the value and where it comes from."""
    f = plan.funnel
    pb = plan.playbook.funnel
    base = say("funnel.base_clicks" if pb.base == "clicks" else "funnel.base_reach", f=f, pb=pb)
    chain = [say("funnel.stage", s=s) for s in f.stages]
    return say("funnel.line", plan=plan, f=f, base=base, chain=chain)


def objectives_question(plan: Ctx) -> str:
    """The analysis's first question: the first objective with a target, in its own words."""
    first = next((op for op in plan.objective_plans if op.objective.target), None)
    if first is None:
        return say("objectives.question", o=None, percent=False)
    return say("objectives.question", o=first.objective, percent=first.kind == "percent")


def objective_need_lines(plan: Ctx) -> list[str]:
    out = []
    for op in plan.objective_plans:
        out.append(
            say("objectives.need_line", op=op, planned=planned_text(plan, op), takes=takes_text(plan, op))
        )
    return out


def roadmap_rows(plan: Ctx) -> list[list[str]]:
    return [
        [p.name, week_span(plan, p.first_week, p.last_week), p.activities, p.owner, p.exit]
        for p in (*phases(plan), review_phase(plan))
    ]


def review_due(plan: Ctx) -> str:
    if plan.start:
        return fmt_date(plan.start + datetime.timedelta(weeks=plan.weeks + 2))
    return say("review_undated", plan=plan)


def next_steps(plan: Ctx) -> list[str]:
    return [
        say("phases.next_step", phase=p, when=week_span(plan, p.first_week, p.last_week))
        for p in phases(plan)[:3]
    ]


def decisions(plan: Ctx) -> list[str]:
    out = [say("decisions.budget", plan=plan)]
    for op in plan.objective_plans:
        if op.kind == "percent" and re.search(r"\bby\s+\d+(?:\.\d+)?\s*%", op.objective.text):
            out.append(say("decisions.baseline", objective=op.objective.text))
    if not plan.start:
        out.append(say("decisions.go_live"))
    gaps = [g for g in plan.facts.gaps if g.startswith("language")]
    out += [say("decisions.language", language=g.split(": ", 1)[1]) for g in gaps]
    return out


@functools.cache
def _questions() -> dict[str, str]:
    text = (
        resources.files("services.generator.composer").joinpath("data", "questions.yaml").read_text("utf-8")
    )
    loaded = yaml.safe_load(text)
    return {str(k): str(v) for k, v in loaded.items()}


def client_questions(plan: Ctx) -> list[str]:
    """One question for each fact the brief does not give (data/questions.yaml), in a fixed order."""
    gaps = {g.split(":", 1)[0] for g in plan.facts.gaps}
    return [compiled(q).render(plan=plan).strip() for key, q in _questions().items() if key in gaps]


# ----- rows for the other packages' sections ----------------------------------------------------------------


def weekly_rows(plan: Ctx, themes: list[tuple[str, str, str]]) -> list[list[str]]:
    """Week | Dates | Focus | Hero content | Posts | Community | KPI focus, four weeks from the start."""

    platforms = social_platforms(plan) or list(plan.channel_names[:2])
    w = words("weekly")
    rows = []
    for i, (name, focus, hero) in enumerate(themes[:4]):
        if plan.start:
            a = plan.start + datetime.timedelta(weeks=i)
            dates = render_line(
                w["dated"], a=fmt_date_short(a), b=fmt_date_short(a + datetime.timedelta(days=6))
            )
        else:
            dates = render_line(w["undated"], first=7 * i + 1, last=7 * i + 7)
        posts = ", ".join(
            render_line(w["posts"], platform=p, count=n) for p, n in zip(platforms, (4, 3), strict=False)
        )
        week = render_line(w["week"], n=i + 1, name=name)
        rows.append([week, dates, focus, hero, posts, w["community"], w["kpis"][i]])
    return rows


def share_rows(
    items: list[tuple[str, ...]], weights: list[int], total_label: str = "**Total**"
) -> list[list[str]]:
    """Rows with an exact percentage share per item (adding up to 100%), then a total row."""
    split = allocate(100, weights)
    rows = [[*item, f"{pct}%"] for item, (pct, _a) in zip(items, split, strict=True)]
    width = len(items[0]) if items else 1
    rows.append([total_label, *([""] * (width - 1)), "**100%**"])
    return rows


def hashtag_rows(plan: Ctx, idea: str) -> list[list[str]]:
    h = words("hashtags")
    rows = [[hashtag(plan.brand), *h["brand"]], [hashtag(idea), *h["campaign"]]]
    rows += [[t, *h["prescribed"]] for t in plan.facts.rules.mandated_terms if t.startswith("#")]
    rows.append([hashtag(render_line(h["community_tag"], brand=plan.brand)), *h["community"]])
    category = ([hashtag(plan.industry)] if plan.industry_given else []) + list(plan.profile.hashtags[:3])
    rows += [[t, *h["category"]] for t in category]
    rows += [[hashtag(market), *h["local"]] for market in plan.facts.markets[:2]]
    if plan.centrepiece is not None:
        event = plan.centrepiece.name
        rows.append([hashtag(event), *(render_line(cell, event=event) for cell in h["event"])])
    return rows


def platform_rows(plan: Ctx) -> list[list[str]]:
    channels = catalogue().channels
    banned = {f.casefold() for f in plan.facts.rules.excluded_formats}
    rows = []
    for name in social_platforms(plan):
        rules = channels[name].platform
        assert rules is not None
        formats = ", ".join(f.strip() for f in rules.formats.split(",") if f.strip().casefold() not in banned)
        rows.append([name, formats, rules.specs, rules.per_week, rules.best_times, channels[name].role])
    if not rows:  # no social platform in the mix: the channels that are
        for line in plan.channels[:4]:
            assert line.channel is not None
            formats, *rest = words("platform_fallback")
            rows.append([line.name, plan.formats(line) or formats, *rest, line_role(plan, line)])
    return rows


def milestone_rows(plan: Ctx) -> tuple[list[str], list[list[str]]]:
    """The launch milestones counting back from go-live, with dates when there is one."""
    m = words("milestones")
    milestones = [(int(o), [render_line(str(c), plan=plan) for c in cells]) for o, *cells in m["rows"]]
    header: list[str] = [h for i, h in enumerate(m["header"]) if plan.start or i != 1]  # 1: the date column
    rows: list[list[str]] = []
    for offset, (what, owner, done) in milestones:
        when = f"T{offset:+d} days" if offset else "T-0"
        if plan.start:
            rows.append([when, fmt_date(plan.start + datetime.timedelta(days=offset)), what, owner, done])
        else:
            rows.append([when, what, owner, done])
    e = plan.centrepiece
    if e is not None and e.start is not None and plan.start is not None:
        offset = (e.start - plan.start).days
        rows.append([f"T{offset:+d} days", fmt_date(e.start), *(render_line(c, event=e) for c in m["event"])])
        rows.sort(key=lambda r: int(r[0][1:].split()[0]) if r[0] != "T-0" else 0)
    return header, rows


def ice_rows(plan: Ctx) -> list[list[str]]:
    f = plan.funnel
    x = words("experiments")
    names = {
        "plan": plan,
        "f": f,
        "offer": plan.offers[0] if plan.offers else words("calendar.no_offer"),
        "event": plan.centrepiece.name if plan.centrepiece is not None else "",
    }
    rows = [*x["rows"], *(x["event"] if plan.centrepiece is not None else [])]
    ideas = [
        (render_line(h, **names), render_line(t, **names), render_line(m, **names), int(i), int(c), int(e))
        for h, t, m, i, c, e in rows
    ]
    scored = sorted(ideas, key=lambda i: (-(i[3] * i[4] * i[5]), i[0]))
    return [
        [str(n), h, t, m, f"{i} / {c} / {e}", str(i * c * e)]
        for n, (h, t, m, i, c, e) in enumerate(scored, 1)
    ]


def efficiency_rows(plan: Ctx) -> list[list[str]]:
    rows = []
    for line in plan.channels:
        assert line.channel is not None
        if line.channel.media:
            cpm = plan.money(
                plan.profile.cpm * line.channel.cpm_factor * (plan.budget.amount and 1) * _scale(plan)
            )
            benchmark = say("efficiency.cpm", cpm=cpm)
        else:
            benchmark = line.channel.pricing
        rows.append(
            [
                line.name,
                line_role(plan, line),
                benchmark,
                f"{line.pct}% / {plan.money(line.amount)}",
                say("efficiency.judged", plan=plan),
            ]
        )
    return rows


def _scale(plan: Ctx) -> int:
    return _SCALE.get(plan.budget.currency.code, 1)


def reallocation_rows(plan: Ctx) -> list[list[str]]:
    channels = plan.channels
    total = sum(c.amount for c in channels)
    current_pcts = split_percentages([1] * len(channels))
    current = split_amount(total, current_pcts)
    new_pcts = split_percentages([c.amount for c in channels]) if total else current_pcts
    new = split_amount(total, new_pcts)
    rows = []
    for c, cp, ca, np_, na in zip(channels, current_pcts, current, new_pcts, new, strict=True):
        change = na - ca
        rows.append(
            [
                c.name,
                f"{cp}%",
                plan.money(ca),
                f"{np_}%",
                plan.money(na),
                ("+" if change >= 0 else "-") + plan.money(abs(change)),
            ]
        )
    rows.append(
        [
            "**Total**",
            "**100%**",
            f"**{plan.money(total)}**",
            "**100%**",
            f"**{plan.money(total)}**",
            plan.money(0),
        ]
    )
    return rows


def stamp(plan: Ctx) -> str:
    return f"{plan.start.year}{plan.start.month:02d}" if plan.start else "m01"


def funnel_rows(plan: Ctx) -> list[list[str]]:
    """Stage | Job | Channels | KPI | Target, from the business model's funnel."""

    f = plan.funnel
    names = list(plan.channel_names)
    owned = [c for c in names if vocabulary().channel(c).kind == "owned"] or ["Email & CRM"]
    fr = words("funnel_rows")
    by_clicks = plan.playbook.funnel.base == "clicks"
    base = fr["base"]["clicks" if by_clicks else "reach"]
    base_n = f.clicks if by_clicks else f.reach
    stage, job, kpi = (render_line(c, audience=audience_phrase(plan)) for c in fr["awareness"])
    rows = [
        [stage, job, join_and(names[:2]), kpi, f"{fmt_int(f.impressions)}{plan.period_word}"],
        [
            *fr["consideration"],
            join_and(names[1:3] or names[:1]),
            base,
            render_line(fr["ctr"], n=fmt_int(base_n), ctr=pct1(f.ctr)) if by_clicks else fmt_int(base_n),
        ],
    ]
    for s in f.stages:
        rows.append(
            [
                cap(s.name),
                render_line(fr["stage_job"], s=s),
                join_and(owned[:1] + names[:1]),
                render_line(fr["stage_kpi"], s=s),
                f"{fmt_int(s.count)}{plan.period_word}",
            ]
        )
    return rows


def platform_hashtags(name: str) -> str:
    rules = catalogue().channels[name].platform
    return rules.hashtags if rules is not None else "2-3"


def objection_rows(plan: Ctx) -> list[list[str]]:
    return [[o.objection, o.answer] for o in plan.profile.objections]


def section_titles(plan: Ctx) -> list[str]:
    """The report's other section titles as the client sees them (an alternate title when a registered one
    names a channel the brief rules out)."""

    out = []
    for spec in plan.package.sections:
        if spec.id == "overview":
            continue
        bad = spec.id in ALTERNATE_TITLES and violations(spec.title, plan.facts.rules)
        out.append(ALTERNATE_TITLES[spec.id] if bad else spec.title)
    return out


def rate_of_sale(plan: Ctx, op: ObjectivePlan) -> str:
    """For a units target with a store count elsewhere in the brief: the rate of sale the target implies."""
    o = op.objective
    if op.stage is not None or op.kind != "count" or not o.target_number or o.deadline_date is None:
        return ""
    stores = next(
        (
            other.objective.target_number
            for other in plan.objective_plans
            if other is not op
            and other.objective.target_number
            and re.search(r"\bstores?\b", other.objective.metric, re.I)
        ),
        None,
    )
    start = plan.launch or plan.start
    if not stores or start is None or o.deadline_date <= start:
        return ""
    weeks = max(1.0, (o.deadline_date - start).days / 7)
    per_store_week = o.target_number / stores / weeks
    return say("objectives.rate_of_sale", per_week=f"{per_store_week:.0f}", stores=fmt_int(stores))


def channels_of(plan: Ctx, kinds: list[str]) -> list[str]:
    """The mix's channels of these kinds (social, media, search...), biggest first; the mix if none."""
    found = [n for n in plan.channel_names if vocabulary().channel(n).kind in kinds]
    return found or list(plan.channel_names)
