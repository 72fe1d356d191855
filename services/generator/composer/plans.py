"""Plan pieces several sections share, so the report agrees with itself: phases, KPI targets, the
budget tables, the day-by-day plan."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, replace

from services.generator.composer.catalogue import catalogue
from services.generator.composer.context import BudgetLine, Ctx, ObjectivePlan, short_phrase
from services.generator.composer.kind_words import in_kind_words
from services.generator.composer.kpi_sources import percent_source
from services.generator.composer.render import compiled
from services.generator.composer.text import (
    WEEKDAYS,
    bare,
    cap,
    fmt_date,
    fmt_date_short,
    fmt_int,
    pct1,
    table,
    trim,
)
from services.generator.composer.wording import render_line, say, words
from services.generator.domain.readers.business_type import type_by_key
from services.generator.domain.understanding import BriefEvent
from services.generator.domain.vocabulary import vocabulary


def kind_of(name: str) -> str:
    """What kind of activity a channel is (social, search, owned, event...), for calendars and sequencing."""
    return vocabulary().channel(name).kind if name in vocabulary().channel_names else "social"


@dataclass(frozen=True)
class Phase:
    key: str  # mobilise, launch, optimise, scale, review (data/wording.yaml `phases`)
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
        label = say("weeks.before", n=-first + 1)
    elif first == last:
        label = say("weeks.one", first=first)
    else:
        label = say("weeks.span", first=first, last=last)
    if ctx.start is None:
        return label
    a = ctx.start + datetime.timedelta(weeks=first - 1)
    b = ctx.start + datetime.timedelta(weeks=last, days=-1)
    return say("weeks.dated", label=label, a=fmt_date_short(a), b=fmt_date_short(b))


def _phase(ctx: Ctx, key: str, first: int, last: int, **names: object) -> Phase:
    """A phase in the words of data/wording.yaml `phases.<key>`."""
    words_of = words(f"phases.{key}")
    line = {k: render_line(str(v), plan=ctx, **names) for k, v in words_of.items()}
    return Phase(
        key, line["name"], first, last, line.get("focus", ""), line["activities"], line["owner"], line["exit"]
    )


def phases(ctx: Ctx) -> list[Phase]:
    w = ctx.weeks
    launch_len = 1 if w <= 4 else 2
    review_len = 1 if w <= 5 else 2
    opt_first, opt_last = launch_len + 1, w - review_len
    paid = [c for c in ctx.channel_names if kind_of(c) in ("social", "search", "media")][:2]
    creators = "Influencers & creators" in ctx.channel_names
    out = [
        _phase(ctx, "mobilise", -1, 0, paid=paid),
        _phase(ctx, "launch", 1, launch_len, creators=creators),
    ]
    if opt_last >= opt_first:
        out.append(_phase(ctx, "optimise", opt_first, opt_last))
    out.append(_phase(ctx, "scale", w - review_len + 1, w))
    event = ctx.centrepiece
    if event is not None and event.start is not None and ctx.start is not None:
        week = (event.start - ctx.start).days // 7 + 1
        for i, phase in enumerate(out):
            if phase.first_week <= week <= phase.last_week or (i == len(out) - 1 and week > phase.last_week):
                when = event.date_text or fmt_date(event.start)
                activities = say(
                    "phases.centrepiece", activities=phase.activities, event=event.name, when=when
                )
                out[i] = replace(phase, activities=activities)
                break
    return out


def review_phase(ctx: Ctx) -> Phase:
    """The post-campaign review, the two weeks after the programme."""
    return _phase(ctx, "review", ctx.weeks + 1, ctx.weeks + 2)


def objective_rows(ctx: Ctx) -> list[list[str]]:
    """One KPI row per objective with a target: the metric, and the target and deadline exactly as stated."""
    rows: list[list[str]] = []
    for plan in ctx.objective_plans:
        o = plan.objective
        if not o.target:
            continue
        target = o.target + (f" {o.deadline}" if o.deadline else "")
        rows.append(
            [
                cap(o.metric),
                target,
                ctx.client_lead,
                words("kpi.rows.objective_cadence")["stage" if plan.stage else "other"],
                _source(ctx, plan),
            ]
        )
    return rows


def _source(ctx: Ctx, plan: ObjectivePlan) -> str:
    source = in_kind_words(ctx, ctx.playbook_copy.kpi_source)
    if plan.stage is not None:
        return say("kpi.objective_source", source=source, stage=plan.stage.name)
    if plan.kind == "percent":
        return cap(percent_source(plan.objective.metric))
    return source


def _bought(ctx: Ctx) -> list[str]:
    """The mix's channels bought by the impression, biggest first."""
    return [line.name for line in ctx.channels if line.channel is not None and line.channel.media]


def kpi_rows(ctx: Ctx, light: bool = False) -> list[list[str]]:
    """KPI | Target | Owner | Cadence | Source: the brief's objectives as stated first, then the funnel
    targets the budget buys at planning benchmarks."""
    f = ctx.funnel
    p = ctx.period_word
    rows = objective_rows(ctx)
    row = words("kpi.rows")
    bought = _bought(ctx)
    # Without objectives in the brief a count is an estimate of what the budget buys, never a target.

    def count(n: int) -> str:
        return f"{fmt_int(n)}{p}" if ctx.objectives_given else say("kpi.estimate", n=f"{fmt_int(n)}{p}")

    ctr_name, *ctr_rest = row["ctr"]
    ctr = [say("kpi.ctr_name", name=ctr_name, bought=bought), f"\u2265 {pct1(f.ctr)}", *ctr_rest]
    rows += [
        [say("kpi.paid_reach", bought=bought), f"{fmt_int(f.impressions)}{p}", *row["paid_reach"]],
        [cap(f.primary.name), count(f.primary.count), *row["primary"]],
        [say("kpi.cost_per", stage=f.primary.one), f"\u2264 {ctx.money(f.cpa)}", *row["cost"]],
    ]
    if light:
        return [*rows, list(row["engagement"]), ctr]
    for stage in f.stages:
        if stage.key != f.primary.key:
            rows.append([cap(stage.name), count(stage.count), *row["stage"]])
    rows.append(ctr)
    kind = type_by_key(ctx.facts.business_type)
    if kind is None or kind.commercial:
        name, *rest = row["roas"]
        rows.append([name, say("kpi.roas", plan=ctx, f=f), *rest])
    return rows


def line_aim(ctx: Ctx, line: BudgetLine) -> str:
    """What a channel is for in this kind of business (the copy deck's `channel_aims`, in the kind's words);
    the channels of one kind in the mix take the deck's aims in turn. "" for the lines that are not channels
    and for a channel past the aims its kind has."""
    if line.channel is None:
        return ""
    kind = line.channel.kind
    aims = ctx.playbook_copy.channel_aims.get(kind, ())
    same_kind = [c.name for c in ctx.channels if c.channel is not None and c.channel.kind == kind]
    index = same_kind.index(line.name) if line.name in same_kind else len(aims)
    # A channel past the deck's aims for its kind keeps its own role alone: an aim is never repeated in a
    # plan, nor given to a channel it was not written for.
    return in_kind_words(ctx, aims[index]) if index < len(aims) else ""


def line_role(ctx: Ctx, line: BudgetLine) -> str:
    """What a budget line does in this plan: a channel's role and its aim in this kind of business;
    production, tools and the reserve from their lines in channels.yaml. The channel's role is never
    rendered as a template (an operator's note may be in it)."""
    if line.channel is None:
        return in_kind_words(ctx, line.role)
    aim = line_aim(ctx, line)
    return f"{line.role}; {aim}" if aim else line.role


def budget_table(ctx: Ctx, lines: tuple[BudgetLine, ...] | None = None) -> str:
    """Every budget line with share and amount; shares add to 100% and amounts to the total exactly."""
    lines = lines if lines is not None else ctx.lines
    header = say("budget_headers.budget", plan=ctx)
    rows = [[line.name, line_role(ctx, line), f"{line.pct}%", ctx.money(line.amount)] for line in lines]
    rows.append(["**Total**", "", "**100%**", f"**{ctx.budget.total_text}**"])
    return table([*words("budget_headers.split"), header], rows)


def rollup(ctx: Ctx) -> list[tuple[str, str, int, int]]:
    """(category, what it pays for, pct, amount): channels summed into one line, then the non-channel lines."""
    channels = ctx.channels
    media = catalogue().media_line
    out = [
        (
            media.name,
            in_kind_words(ctx, media.role),
            sum(c.pct for c in channels),
            sum(c.amount for c in channels),
        )
    ]
    out += [
        (line.name, line_role(ctx, line), line.pct, line.amount) for line in ctx.lines if line.channel is None
    ]
    return out


# ----- the day-by-day plan ------------------------------------------------------------------------------


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
    found = catalogue().channels.get(channel)
    return found.owner if found else str(words("default_owner"))


def _actions(channel: str, stage: str) -> tuple[str, ...]:
    copy = catalogue().channels.get(channel)
    own = copy.actions.get(stage, ()) if copy else ()  # type: ignore[call-overload]
    return tuple(own) + tuple(catalogue().kind_actions[kind_of(channel)][stage])  # type: ignore[index]


def event_days(ctx: Ctx, event: BriefEvent) -> dict[datetime.date, str]:
    """The centrepiece's build-up, event days and follow-up, by date, in the playbook's words."""
    if event.start is None:
        return {}
    play = ctx.playbook.event
    end = event.end or event.start
    out: dict[datetime.date, tuple[str, int]] = {}  # the line and its event day (0 outside the event)
    for offset, line in zip((14, 7, 1), play.before, strict=True):
        out[event.start - datetime.timedelta(days=offset)] = (line, 0)
    n_days = (end - event.start).days + 1
    for i in range(n_days):
        out[event.start + datetime.timedelta(days=i)] = (play.during[min(i, len(play.during) - 1)], i + 1)
    out[end + datetime.timedelta(days=1)] = (play.after[0], 0)
    out[end + datetime.timedelta(days=7)] = (play.after[1], 0)
    return {d: compiled(line).render(event=event.name, brand=ctx.brand, n=n) for d, (line, n) in out.items()}


def _event_channel(ctx: Ctx) -> str:
    names = list(ctx.channel_names)
    for wanted in ("Events & experiential", "Shopper marketing & in-store", "PR & media relations"):
        if wanted in names:
            return wanted
    return names[0] if names else "Email & CRM"


def day_plan(ctx: Ctx, days: int = 30) -> list[Day]:
    """A deterministic day-by-day plan: weekly themes, channels rotated by weekday and channel kind, and
    the centrepiece event's build-up, days and follow-up on their dates.

    Mon/Wed/Fri/Sat: social and creator channels; Tue: owned channels (email/SMS); Thu: search, local,
    media, PR and partner channels; Sun: community management on the lead social channel.
    """
    names = list(ctx.channel_names)
    social = [c for c in names if kind_of(c) in ("social", "creator")]
    owned = [c for c in names if kind_of(c) == "owned"]
    other = [c for c in names if kind_of(c) not in ("social", "creator", "owned")]
    social = social or other or owned or ["Email & CRM"]
    cal = words("calendar")
    themes = [(str(name), str(stage)) for name, stage in cal["themes"]]
    fields = {
        "brand": ctx.brand,
        "product": short_phrase(ctx.product, 50),
        "audience": ctx.audience_short,
        "offer": bare(short_phrase(ctx.offers[0], 60)) if ctx.offers else cal["no_offer"],
        "topic": trim(ctx.topic, 50),
        "event": ctx.centrepiece.name if ctx.centrepiece else cal["no_event"],
        "competitor": ctx.competitors[0] if ctx.competitors else cal["no_competitor"],
    }
    events = event_days(ctx, ctx.centrepiece) if ctx.centrepiece is not None and ctx.calendar_from else {}
    event_channel = _event_channel(ctx)
    out: list[Day] = []
    counters = {"social": 0, "owned": 0, "other": 0}
    used: dict[tuple[str, str], int] = {}  # so each action runs once before any repeats
    for i in range(days):
        theme, stage = themes[min(i // 7, len(themes) - 1)]
        date = ctx.calendar_from + datetime.timedelta(days=i) if ctx.calendar_from else None
        wd = date.weekday() if date else i % 7  # without a date, kickoff is a Monday
        if date is not None and date in events:
            out.append(
                Day(i + 1, date, WEEKDAYS[wd], say("calendar.centrepiece", event=ctx.centrepiece.name) if ctx.centrepiece else theme,
                    event_channel, events[date], _owner(event_channel), ctx.playbook.event.goal)
            )  # fmt: skip
            continue
        if wd == 6:
            channel = social[0]
            action = say("calendar.community", plan=ctx, channel=channel)
        else:
            if wd == 1 and owned:
                pool, key = owned, "owned"
            elif wd == 3 and other:
                pool, key = other, "other"
            else:
                pool, key = social, "social"
            channel = pool[counters[key] % len(pool)]
            counters[key] += 1
            actions = _actions(channel, stage)
            n = used.get((channel, stage), 0)
            used[(channel, stage)] = n + 1
            action = compiled(actions[n % len(actions)]).render(channel=channel, **fields)
        out.append(
            Day(
                i + 1,
                date,
                WEEKDAYS[wd],
                theme,
                channel,
                action,
                "CRM lead" if kind_of(channel) == "owned" else _owner(channel),
                render_line(cal["goals"][stage], plan=ctx),
            )
        )
    return out


def day_label(day: Day) -> str:
    return fmt_date(day.date) if day.date else say("calendar.kickoff_day", weekday=day.weekday, n=day.n - 1)
