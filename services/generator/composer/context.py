"""The plan every section is written from, derived once per report from the understood brief: names and
facts, the channel mix and exact budget lines, the business model's funnel (with the brief's prices), what
each objective needs, the events the calendar is built around, and the rules the text must obey.

Planning maths only: the copy lives in data files and templates.
"""

from __future__ import annotations

import datetime
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, fields, replace
from fractions import Fraction

from services.generator.composer.budget import allocate
from services.generator.composer.catalogue import ChannelCopy, Industry, Playbook, PlaybookCopy, catalogue
from services.generator.composer.feedback import (
    Emphasis,
    Instruction,
    Unapplied,
    apply_to_brief,
    read_feedback,
)
from services.generator.composer.models import LearnedSplit, Refinement
from services.generator.composer.text import clean, join_and, lower_first, nice, no_parens, trim
from services.generator.composer.timeline import calendar_start
from services.generator.domain.brief import Brief
from services.generator.domain.brief_parser import understand
from services.generator.domain.money import CURRENCIES, Budget, Currency, assumed_budget, format_amount
from services.generator.domain.packages import Package, SectionSpec
from services.generator.domain.readers.business_type import business_types, type_by_key
from services.generator.domain.timeline import Timeline, parse_timeline
from services.generator.domain.understanding import (
    BriefEvent,
    BusinessModel,
    Objective,
    Price,
    Rules,
    UnderstoodBrief,
)

# Share of the total for the channels themselves; the rest pays for making and measuring the work.
CHANNEL_SHARE = 78
MAX_CHANNELS = 9
_NEW_CHANNEL_WEIGHT = Fraction(10)
# Rough scale of local prices relative to USD, so benchmarks stay sensible in every currency.
_SCALE: dict[str, int] = {
    "INR": 80, "JPY": 150, "CNY": 7, "SEK": 10, "NOK": 10, "DKK": 7, "ZAR": 18, "BRL": 5, "MXN": 17,
    "PLN": 4, "AED": 4, "HKD": 8,
}  # fmt: skip
_PERIOD_WEEKS = {
    "month": Fraction(52, 12),
    "week": Fraction(1),
    "quarter": Fraction(13),
    "year": Fraction(52),
}


@dataclass(frozen=True)
class BudgetLine:
    name: str
    role: str  # the channel's role; for production, tools and the reserve a Jinja line (plans.line_role)
    pct: int
    amount: int
    channel: ChannelCopy | None  # None for production, tools, contingency


@dataclass(frozen=True)
class StageVolume:
    key: str
    name: str
    one: str
    count: int  # per budget period
    rate: float  # share of the stage before


@dataclass(frozen=True)
class Funnel:
    """What the paid media buys, stage by stage, at planning benchmarks (per budget period)."""

    media: int
    cpm: float  # blended
    ctr: float
    impressions: int
    reach: int
    clicks: int
    stages: tuple[StageVolume, ...]
    primary: StageVolume
    value_stage: StageVolume
    value: float  # per value-stage conversion
    value_basis: str  # where the value comes from, in words
    value_from_brief: bool
    revenue: int
    roas: float
    cpa: int  # media per primary conversion
    units: int  # CPG: units sold by the value stage (0 elsewhere)

    def stage(self, key: str) -> StageVolume | None:
        return next((s for s in self.stages if s.key == key), None)


@dataclass(frozen=True)
class ObjectivePlan:
    """What one objective (as stated) needs from the plan."""

    objective: Objective
    kind: str  # "count", "money", "percent", "other"
    stage: StageVolume | None  # the funnel stage it is counted in, when it maps to one
    planned: float | None  # what the plan delivers by the deadline at benchmark rates (count or money)
    cost_per: float | None  # programme budget / target, for count targets
    channels: tuple[str, ...]  # channels in the mix that serve it

    @property
    def coverage(self) -> float | None:
        n = self.objective.target_number
        if self.planned is None or not n:
            return None
        return self.planned / n


@dataclass(frozen=True)
class Estimates:
    """The old summary figures (kept for sections that quote them)."""

    media: int
    cpm: float
    ctr: float
    cvr: float
    impressions: int
    clicks: int
    conversions: int
    cpa: int
    value: int
    revenue: int
    roas: float


@dataclass(frozen=True)
class Ctx:
    brief: Brief
    facts: UnderstoodBrief
    package: Package
    section: SectionSpec
    profile: Industry
    playbook: Playbook
    model: BusinessModel
    brand: str
    client: str
    product: str
    product_given: bool
    industry: str
    industry_given: bool
    geo: str
    geo_given: bool
    audience: str
    audience_given: bool
    objectives: tuple[str, ...]  # verbatim when given
    objectives_given: bool
    objective_plans: tuple[ObjectivePlan, ...]
    constraints: tuple[
        str, ...
    ]  # the rules as client-safe statements (never naming excluded channels or banned words)
    budget: Budget
    timeline: Timeline
    launch: datetime.date | None
    start: datetime.date | None
    start_reason: str  # "launch", "timeline", "event", ""
    calendar_from: (
        datetime.date | None
    )  # day 1 of the day-by-day plan (the start, or the run-up to a centrepiece)
    metadata: tuple[tuple[str, str], ...]
    emphasis: Emphasis
    lines: tuple[BudgetLine, ...]
    base_lines: tuple[BudgetLine, ...]  # the split before feedback changed the mix
    funnel: Funnel
    est: Estimates
    events: tuple[BriefEvent, ...]
    centrepiece: BriefEvent | None
    competitor_list: tuple[str, ...]
    offers: tuple[str, ...]  # the brief's offers first, then the playbook's
    language: str
    locale: str
    stage: str
    learned_idea: str = ""  # a big idea kept from a gold learned example (already adapted to this brand)
    # Salt for the composer's stable choices (persona names, the idea): set when the section's earlier text
    # was rated weak, so the same choices do not come back; "" keeps the brand's own.
    variant: str = ""
    idea_variant: str = ""  # the same for the report's idea, in every section, when the idea was rated weak

    # ----- names and phrases -------------------------------------------------------------------------

    @property
    def in_geo(self) -> str:
        return f"in {self.geo}" if self.geo_given else "in its core market"

    @property
    def topic(self) -> str:
        if self.industry_given or self.profile.key != "general":
            return self.industry
        return "choosing the right option"

    @property
    def category_brand(self) -> str:
        if self.industry_given or self.profile.key != "general":
            return f"{self.industry} brand"
        return "brand"

    @property
    def client_lead(self) -> str:
        return f"{self.client} marketing lead"

    @property
    def conversion(self) -> str:
        return self.funnel.primary.name

    @property
    def conversion_one(self) -> str:
        return self.funnel.primary.one

    @property
    def audience_short(self) -> str:
        return short_phrase(self.audience, 60)

    @property
    def main_objective(self) -> str:
        return self.objectives[0]

    @property
    def channels(self) -> tuple[BudgetLine, ...]:
        return tuple(line for line in self.lines if line.channel is not None)

    @property
    def channel_names(self) -> tuple[str, ...]:
        return tuple(line.name for line in self.channels)

    @property
    def channel_total(self) -> int:
        return sum(line.amount for line in self.channels)

    @property
    def playbook_copy(self) -> PlaybookCopy:
        return self.playbook.copydeck

    @property
    def competitors(self) -> tuple[str, ...]:
        return self.competitor_list

    @property
    def rules(self) -> Rules:
        return self.facts.rules

    def money(self, amount: float) -> str:
        """An amount in the budget's currency; small amounts keep their cents (a €1.89 price is not "€2")."""
        if abs(amount) < 20 and abs(amount - round(amount)) >= 0.005:
            return format_amount(round(amount, 2), self.budget.currency)
        return self.budget.money(amount)

    def price_text(self, price: Price) -> str:
        currency = CURRENCIES.get(price.currency, self.budget.currency)
        per = {"month": " per month", "year": " a year"}.get(price.period, "")
        return f"{format_amount(price.amount, currency)}{per}"

    def meta(self, *names: str) -> str:
        """A metadata value by any of several key spellings ("brand_voice", "Brand voice", "tone")."""
        wanted = {re.sub(r"[^a-z0-9]", "", n.lower()) for n in names}
        for key, value in self.metadata:
            if re.sub(r"[^a-z0-9]", "", key.lower()) in wanted and value:
                return value
        return ""

    def formats(self, line: BudgetLine) -> str:
        """The channel's formats without any the brief rules out."""
        if line.channel is None:
            return ""
        banned = {f.casefold() for f in self.facts.rules.excluded_formats}
        return ", ".join(f for f in line.channel.formats if f.casefold() not in banned)

    @property
    def tone(self) -> str:
        return self.facts.tone or self.profile.tone

    @property
    def budget_phrase(self) -> str:
        b = self.budget
        if b.stated:
            text = f"{b.total_text} {b.period_label}"
            if b.period != "total" and self.timeline.weeks_stated:
                text += f" (about {self.money(self.programme_total)} over {self.timeline.weeks} weeks)"
            return text
        return f"{b.total_text} for the {self.timeline.weeks}-week programme (working assumption)"

    @property
    def programme_total(self) -> int:
        """The budget over the whole programme: the stated total, or a periodic budget times its length."""
        b = self.budget
        if b.period == "total":
            return b.amount
        return nice(float(b.amount * Fraction(self.timeline.weeks) / _PERIOD_WEEKS[b.period]))

    @property
    def budget_note(self) -> str:
        b = self.budget
        if not b.stated:
            why = (
                f"typical {self.profile.noun} programmes"
                if self.profile.key != "general"
                else "typical mid-market programmes"
            )
            return (
                "No budget could be read from the brief, so we plan against a working budget of "
                f"{b.total_text} for {self.timeline.weeks} weeks, an assumption based on {why}; every "
                f"split below scales in proportion once {self.client} confirms the real figure."
            )
        parts = [f"Budget as briefed: {b.total_text} {b.period_label}"]
        if b.currency_assumed:
            parts.append(f"the brief names no currency, so we read it as {b.currency.code}")
        if b.note:
            parts.append(b.note)
        return "; ".join(parts) + "."

    @property
    def period_word(self) -> str:
        return "" if self.budget.period == "total" else f" {self.budget.period_label}"

    @property
    def weeks(self) -> int:
        return self.timeline.weeks


def short_phrase(text: str, limit: int) -> str:
    """The head of a long description ("busy parents aged 30-45 who ..." -> "busy parents aged 30-45"),
    cut at a clause boundary, never with an ellipsis mid-sentence."""
    text = clean(text)
    if len(text) <= limit:
        return text
    head = re.split(
        r",|;|:|\(|\s(?:who|that|which|with|looking|interested|especially|mainly|mostly)\s|\s[-\u2013\u2014]\s",
        text,
        maxsplit=1,
    )[0].strip()
    if 3 <= len(head) <= limit:
        return head
    cut = head[:limit].rsplit(" ", 1)[0]
    while cut and cut.split(" ")[-1].lower() in (
        "and",
        "or",
        "of",
        "in",
        "at",
        "for",
        "the",
        "a",
        "an",
        "to",
    ):
        cut = cut.rsplit(" ", 1)[0]
    return cut or head[:limit]


_THE = re.compile(
    r"^(united |uk\b|us\b|usa\b|u\.s\.|u\.k\.|uae\b|netherlands|philippines|middle east|nordics|gulf|bay "
    r"area|midwest|czech republic|dominican republic|emirates|caribbean|balkans|baltics|benelux)",
    re.IGNORECASE,
)


def _with_article(geo: str) -> str:
    """'United States' -> 'the United States', so "in the United States" reads right."""
    return f"the {geo}" if _THE.match(geo) else geo


def _metadata(brief: Brief) -> tuple[tuple[str, str], ...]:
    # Sorted: the caller's map may come from protobuf, whose iteration order is not guaranteed.
    items = [(clean(str(k)), clean(str(v))) for k, v in dict(brief.metadata).items()]
    return tuple(sorted((k, v) for k, v in items if k and v))


# ----- profile and playbook -------------------------------------------------------------------------------


_REFUSAL = re.compile(r"\b(?:no|not|never|without|avoid)\b((?:\W+\w[\w-]*){1,3})", re.IGNORECASE)


_GLUE = frozenset(
    {"more", "than", "less", "with", "that", "this", "from", "over", "under", "only", "your", "their"}
)


def _refused(offer: str, rules: Rules) -> bool:
    """A stock offer the brief's rules refuse ("benefits ..., not discounts"): one of its words is ruled out."""
    words = {w.rstrip("s") for w in re.findall(r"[a-z][a-z-]{3,}", offer.lower())} - _GLUE
    if any(f.lower() in offer.lower() for f in rules.forbidden_words if f.strip()):
        return True
    for text in rules.other:
        for m in _REFUSAL.finditer(text):
            if words & {w.rstrip("s") for w in re.findall(r"[a-z][a-z-]{3,}", m.group(1).lower())}:
                return True
    return False


def _stock_offers(business_type: str, profile: Industry, playbook: Playbook) -> tuple[str, ...]:
    """The offers a brief that names none is planned with: the playbook's, unless the playbook is shared by
    several kinds of business and this kind has its own profile (a hotel's book-direct perk, not the
    considered-purchase playbook's application-fee waiver)."""
    kind = type_by_key(business_type) if business_type else None
    shared = kind is not None and sum(1 for t in business_types() if t.plan == kind.plan) > 1
    if (
        kind is not None
        and shared
        and kind.profile == profile.key
        and profile.key != "general"
        and profile.offers
    ):
        return profile.offers
    return playbook.offers or profile.offers


def _profile(facts: UnderstoodBrief, brief: Brief) -> Industry:
    """The industry profile whose words best match the industry (weighted), product and other text."""
    cat = catalogue()
    # The kind of business read from the brief decides the profile unless the industry it names matches one.
    kind = type_by_key(facts.business_type) if facts.business_type else None
    named = facts.industry.lower()
    if (
        kind is not None
        and kind.profile
        and not any(_match_pattern(i.key).search(named) for i in cat.industries[:-1])
    ):
        return cat.industry(kind.profile)
    best, best_score = cat.industries[-1], 0
    fields = (
        (facts.industry.lower(), 4),
        (facts.product.lower(), 2),
        (f"{facts.audience} {brief.raw_brief_text}".lower()[:2000], 1),
    )
    for industry in cat.industries[:-1]:
        pattern = _match_pattern(industry.key)
        score = sum(weight * len(pattern.findall(text)) for text, weight in fields if text)
        if score > best_score:
            best, best_score = industry, score
    return best


_PATTERNS: dict[str, re.Pattern[str]] = {}


def _match_pattern(key: str) -> re.Pattern[str]:
    if key not in _PATTERNS:
        words = catalogue().industry(key).match
        _PATTERNS[key] = re.compile(r"\b(" + "|".join(re.escape(w) for w in words) + r")\b")
    return _PATTERNS[key]


def _words_in(text: str, words: tuple[str, ...]) -> bool:
    low = text.lower()
    return any(re.search(r"(?<![\w-])" + re.escape(w) + r"(?![\w-])", low) for w in words)


# ----- the channel mix ------------------------------------------------------------------------------------


def _weights(
    facts: UnderstoodBrief, profile: Industry, playbook: Playbook, emphasis: Emphasis
) -> list[tuple[ChannelCopy, Fraction]]:
    """The channel mix as weights. Starts from the business model's mix (the
    industry's when the model is unclear), weights up what the brief asks for and what its objectives need,
    applies the feedback, and drops every channel the brief or the feedback rules out."""
    cat = catalogue()
    base = playbook.channels or profile.channels
    weights: dict[str, Fraction] = {name: Fraction(w) for name, w in base.items()}
    for name in facts.channels:
        weights[name] = weights[name] * Fraction(3, 2) if name in weights else _NEW_CHANNEL_WEIGHT
    for i, objective in enumerate(facts.objectives):
        factor = Fraction(13, 10) if i == 0 else Fraction(23, 20)
        boosted: set[str] = set()
        for rule in cat.objective_channels:
            if _words_in(objective.metric, rule.words):
                for name in rule.channels:
                    if name in weights and name not in boosted:
                        weights[name] *= factor
                        boosted.add(name)
    for name in emphasis.boost:
        weights[name] = weights[name] * Fraction(3, 2) if name in weights else _NEW_CHANNEL_WEIGHT
    for name in emphasis.reduce:
        if name in weights:
            weights[name] /= 2
    dropped = tuple(dict.fromkeys([*facts.rules.excluded_channels, *emphasis.drop]))
    kept = [(name, w) for name, w in weights.items() if name not in dropped and w > 0]
    order = {name: i for i, name in enumerate(base)}
    kept.sort(key=lambda kv: (-kv[1], order.get(kv[0], len(order)), kv[0]))
    kept = kept[:MAX_CHANNELS]
    if not kept:  # everything excluded: the owned and search channels the brief did not rule out
        fallback = ["Email & CRM", "Google Search", "SEO & content", "PR & media relations"]
        kept = [(n, Fraction(1)) for n in fallback if n not in dropped][:2]
    return [(cat.channels[name], w) for name, w in kept]


def _follow(
    weights: list[tuple[ChannelCopy, Fraction]],
    facts: UnderstoodBrief,
    emphasis: Emphasis,
    split: LearnedSplit | None,
) -> list[tuple[ChannelCopy, Fraction]]:
    """The mix moved towards a learned example's channel split, over the channels this brief allows: its
    shares renormalised (channels the brief or the feedback rule out get nothing); channels the brief asks
    for that the example lacks keep a place at its smallest share. With strength below 1 the example's
    split is blended with the plan's own. Without a usable split the mix is unchanged."""
    if split is None or not split.shares:
        return weights
    cat = catalogue()
    dropped = {*facts.rules.excluded_channels, *emphasis.drop}
    learned: dict[str, Fraction] = {}
    for name, share in split.shares:
        if name in cat.channels and name not in dropped and share > 0 and name not in learned:
            learned[name] = share
    if not learned:
        return weights
    for name in facts.channels:  # what the new brief asks for stays in the plan
        if name in cat.channels and name not in dropped and name not in learned:
            learned[name] = min(learned.values())
    total = sum(learned.values(), Fraction(0))
    target = {name: share / total for name, share in learned.items()}
    strength = min(max(split.strength, Fraction(0)), Fraction(1))
    if strength < 1:
        own_total = sum((w for _c, w in weights), Fraction(0)) or Fraction(1)
        own = {c.name: w / own_total for c, w in weights}
        names = list(dict.fromkeys([*own, *target]))
        target = {
            n: strength * target.get(n, Fraction(0)) + (1 - strength) * own.get(n, Fraction(0)) for n in names
        }
    for name in emphasis.boost:  # the feedback still moves the learned split
        if name in cat.channels and name not in dropped:
            target[name] = target[name] * Fraction(3, 2) if name in target else min(target.values())
    for name in emphasis.reduce:
        if name in target:
            target[name] /= 2
    kept = sorted(
        ((n, w) for n, w in target.items() if w > 0), key=lambda kv: (-kv[1], list(target).index(kv[0]))
    )[:MAX_CHANNELS]
    return [(cat.channels[n], w) for n, w in kept]


def _steer(
    weights: list[tuple[ChannelCopy, Fraction]], facts: UnderstoodBrief, emphasis: Emphasis
) -> list[tuple[ChannelCopy, Fraction]]:
    """The operator's explicit orders on the mix, after everything else (the learned split included): a
    channel given a share of the whole budget gets it, and a channel named the lead gets the largest share.
    Channels the brief rules out are never added (the feedback reader already refused those)."""
    shares = {i.value: i.share for i in emphasis.of("share") if i.share is not None}
    leads = emphasis.values("lead")
    if not shares and not leads:
        return weights
    cat = catalogue()
    excluded = set(facts.rules.excluded_channels)
    current: dict[str, Fraction] = {c.name: w for c, w in weights}
    for name in [*shares, *leads]:
        if name not in current and name in cat.channels and name not in excluded:
            current[name] = min(current.values(), default=Fraction(1))
    if len(current) > MAX_CHANNELS:  # make room: the smallest channel nobody asked for goes
        asked = {*shares, *leads, *facts.channels}
        spare = sorted((w, n) for n, w in current.items() if n not in asked)
        for _w, n in spare[: len(current) - MAX_CHANNELS]:
            del current[n]
    channel_part = Fraction(CHANNEL_SHARE, 100)
    fixed = {n: s / channel_part for n, s in shares.items() if n in current}  # share of the channel points
    if sum(fixed.values(), Fraction(0)) < 1:
        rest = sum((w for n, w in current.items() if n not in fixed), Fraction(0))
        left = 1 - sum(fixed.values(), Fraction(0))
        if rest > 0:
            for n, share in fixed.items():
                current[n] = share * rest / left
    for name in leads:
        if name in current:
            others = max((w for n, w in current.items() if n != name), default=Fraction(0))
            if current[name] <= others and name not in fixed:
                current[name] = others * Fraction(5, 4)
    order = list(current)
    kept = sorted(current.items(), key=lambda kv: (-kv[1], order.index(kv[0])))
    return [(cat.channels[n], w) for n, w in kept if w > 0]


def _honest(emphasis: Emphasis, base: tuple[BudgetLine, ...], lines: tuple[BudgetLine, ...]) -> Emphasis:
    """The feedback with every channel instruction checked against the plan it produced: one whose change
    did not happen (a cap on the number of channels, a rule of the brief, a share that rounding or the
    other orders made impossible) moves to the unapplied ones with the reason, so the operator is never
    told that a change was made when it was not."""
    before = {line.name: line for line in base if line.channel is not None}
    after = {line.name: line for line in lines if line.channel is not None}
    first = next(iter(after), "")
    kept: list[Instruction] = []
    failed: list[Unapplied] = []
    for inst in emphasis.instructions:
        new, old = after.get(inst.value), before.get(inst.value)
        reason = ""
        if inst.kind in ("add", "boost", "lead", "share") and new is None:
            reason = (
                f"{inst.value} could not be fitted into the plan (it keeps at most {MAX_CHANNELS} channels)"
            )
        elif inst.kind == "drop" and new is not None:
            reason = f"{inst.value} could not be taken out of the plan"
        elif inst.kind == "lead" and new is not None and first != inst.value:
            reason = f"{first} keeps the largest share because of another instruction"
        elif inst.kind == "share" and new is not None and inst.share is not None:
            if abs(new.pct - float(inst.share * 100)) > 1:
                reason = f"{inst.value} could get {new.pct}% of the budget, not {float(inst.share * 100):g}%"
        elif inst.kind == "boost" and new is not None and old is not None and new.pct <= old.pct:
            reason = f"{inst.value} already had as large a share as the plan can give it"
        elif inst.kind == "reduce" and new is not None and old is not None and new.pct >= old.pct:
            reason = f"{inst.value} already had the smallest share the plan gives a channel"
        if reason:
            failed.append(Unapplied(inst.text, reason))
        else:
            kept.append(inst)
    if not failed:
        return emphasis
    return replace(emphasis, instructions=tuple(kept), unapplied=(*emphasis.unapplied, *failed))


def _with_notes(lines: tuple[BudgetLine, ...], emphasis: Emphasis) -> tuple[BudgetLine, ...]:
    """Lines an instruction added for someone in particular say so in their role ("… for chartered-accountant
    partners")."""
    notes = {i.value: i.note for i in (*emphasis.of("add"), *emphasis.of("boost")) if i.note}
    if not notes:
        return lines
    return tuple(
        replace(line, role=f"{line.role}; for {notes[line.name]} partners") if line.name in notes else line
        for line in lines
    )


def _budget_lines(total: int, weights: list[tuple[ChannelCopy, Fraction]]) -> tuple[BudgetLine, ...]:
    channel_sum = sum((w for _c, w in weights), Fraction(0))
    # Channels share CHANNEL_SHARE points in proportion to their weights; the other lines keep theirs.
    all_weights: list[int | Fraction] = [w * CHANNEL_SHARE for _c, w in weights]
    others = catalogue().other_lines  # production, measurement and the reserve (channels.yaml)
    all_weights += [other.weight * channel_sum for other in others]
    split = allocate(total, all_weights)
    lines: list[BudgetLine] = []
    for (channel, _w), (pct, amount) in zip(weights, split, strict=False):
        lines.append(BudgetLine(channel.name, channel.role, pct, amount, channel))
    for other, (pct, amount) in zip(others, split[len(weights) :], strict=True):
        lines.append(BudgetLine(other.name, other.role, pct, amount, None))
    return tuple(lines)


# ----- the funnel -----------------------------------------------------------------------------------------


def _value(
    facts: UnderstoodBrief, playbook: Playbook, profile: Industry, currency: Currency, scale: int
) -> tuple[float, str, bool]:
    """Value per value-stage conversion: from the brief's prices (in the budget's currency), else the
    playbook's planning assumption."""
    f = playbook.funnel
    for kind in f.value_from:
        price = next((p for p in facts.prices if p.kind is kind and p.currency == currency.code), None)
        if price is None:
            continue
        months = f.monthly_price_months if price.period == "month" else 1
        value = price.amount * months * f.value_multiplier
        stated = format_amount(price.amount, currency) + {"month": " per month", "year": " a year"}.get(
            price.period, ""
        )
        parts = [f"the brief's {price.label} of {stated}"]
        if months > 1:
            parts.append(f"\u00d7 {months} months")
        if f.value_multiplier != 1:
            parts.append(
                f"\u00d7 {f.value_multiplier:g} {'units' if f.units_per_buyer else 'times'} per buyer"
            )
        return value, " ".join(parts), True
    fallback = (profile.value if playbook.key == "general" else f.fallback_value) * scale
    return float(fallback), f"a planning assumption of {currency.format(fallback)} ({f.value_label})", False


def _funnel(
    lines: tuple[BudgetLine, ...],
    budget: Budget,
    profile: Industry,
    playbook: Playbook,
    facts: UnderstoodBrief,
    primary_key: str = "",
) -> Funnel:
    """The funnel; `primary_key` (from feedback such as "base the targets on SQLs") overrides the playbook's
    primary stage."""
    scale = _SCALE.get(budget.currency.code, 1)
    media_lines = [line for line in lines if line.channel is not None and line.channel.media]
    if not media_lines:
        media_lines = [line for line in lines if line.channel is not None]
    media = sum(line.amount for line in media_lines)
    impressions = 0.0
    for line in media_lines:
        assert line.channel is not None
        cpm = profile.cpm * line.channel.cpm_factor * scale
        impressions += line.amount / cpm * 1000 if cpm else 0
    impressions_n = nice(impressions)
    blended = media / impressions_n * 1000 if impressions_n else profile.cpm * scale
    f = playbook.funnel
    reach = nice(impressions_n / f.frequency)
    clicks = nice(impressions_n * profile.ctr)
    count = float(clicks if f.base == "clicks" else reach)
    stages: list[StageVolume] = []
    for stage in f.stages:
        rate = stage.rate if stage.rate is not None else profile.cvr
        count *= rate
        name, one = stage.named_for(facts.business_type)
        if playbook.key == "general":
            name, one = profile.conversion, profile.conversion_one
        stages.append(StageVolume(stage.key, name, one, max(1, nice(count)), rate))
    by_key = {s.key: s for s in stages}
    primary, value_stage = by_key.get(primary_key, by_key[f.primary]), by_key[f.value_stage]
    value, basis, from_brief = _value(facts, playbook, profile, budget.currency, scale)
    revenue = round(value_stage.count * value)
    roas = round(revenue / budget.amount, 1) if budget.amount else 0.0
    units = round(value_stage.count * f.units_per_buyer) if f.units_per_buyer else 0
    return Funnel(
        media=media,
        cpm=blended,
        ctr=profile.ctr,
        impressions=impressions_n,
        reach=reach,
        clicks=clicks,
        stages=tuple(stages),
        primary=primary,
        value_stage=value_stage,
        value=value,
        value_basis=basis,
        value_from_brief=from_brief,
        revenue=revenue,
        roas=roas,
        cpa=round(media / primary.count) if primary.count else 0,
        units=units,
    )


_MONEY_TARGET = re.compile(r"[$€£₹¥]|\b(?:usd|eur|gbp|cad|aud|chf|dkk|sek|nok)\b", re.I)


def _objective_plans(
    facts: UnderstoodBrief,
    playbook: Playbook,
    funnel: Funnel,
    periods: float,
    programme_total: int,
    names: tuple[str, ...],
) -> tuple[ObjectivePlan, ...]:
    cat = catalogue()
    out: list[ObjectivePlan] = []
    words = playbook.stage_words(facts.business_type)
    for objective in facts.objectives:
        # The objective's own metric decides the stage; its sentence too when the sentence holds only this
        # objective ("2,200 paid tickets plus 25 sponsors": the sponsors are not tickets).
        texts = [objective.metric.lower()]
        if sum(1 for o in facts.objectives if o.text == objective.text) == 1:
            texts.append(f"{objective.metric} {objective.text}".lower())
        stage_key = next(
            (
                k
                for text in texts
                for w, k in words
                if re.search(r"(?<![\w-])" + re.escape(w) + r"(?![\w-])", text)
            ),
            "",
        )
        serving = tuple(
            dict.fromkeys(
                name
                for rule in cat.objective_channels
                if _words_in(objective.metric, rule.words)
                for name in rule.channels
                if name in names
            )
        )
        stage = funnel.stage(stage_key) if stage_key not in ("units", "value") else None
        kind = "other"
        planned: float | None = None
        cost_per: float | None = None
        if objective.target_is_percent:
            kind = "percent"
        elif objective.target_number is not None and _MONEY_TARGET.search(objective.target):
            kind = "money"
            if stage_key == "opportunity" and stage is not None:
                planned = stage.count * periods * funnel.value  # pipeline: opportunities at full deal value
            elif (
                stage_key in ("won", "value", "paid", "orders", "subscribers", "customers", "conversions")
                or stage_key == ""
            ):
                planned = funnel.revenue * periods
        elif objective.target_number is not None:
            kind = "count"
            cost_per = programme_total / objective.target_number if objective.target_number else None
            if stage is not None:
                planned = stage.count * periods
            elif stage_key == "units" and funnel.units:
                planned = funnel.units * periods
        out.append(ObjectivePlan(objective, kind, stage, planned, cost_per, serving))
    return tuple(out)


# ----- events and dates -----------------------------------------------------------------------------------


def _centrepiece(
    events: tuple[BriefEvent, ...], start: datetime.date | None, weeks: int, chosen: str = ""
) -> BriefEvent | None:
    if not events:
        return None
    if chosen:
        named = next((e for e in events if e.name.casefold() == chosen.casefold()), None)
        if named is not None:
            return named
    dated = [e for e in events if e.start is not None]
    if start is not None:
        end = start + datetime.timedelta(weeks=weeks)
        inside = [e for e in dated if e.start is not None and start <= e.start <= end]
        if inside:
            return inside[0]
        later = [e for e in dated if e.start is not None and e.start >= start]
        if later:
            return later[0]
    return dated[0] if dated else events[0]


def _start(
    launch: datetime.date | None, timeline: Timeline, events: tuple[BriefEvent, ...], chosen: str = ""
) -> tuple[datetime.date | None, str]:
    start = calendar_start(launch, timeline)
    if start is not None:
        return start, "launch" if launch is not None else "timeline"
    dated = [e for e in events if e.start is not None and (not chosen or e.name == chosen)] or [
        e for e in events if e.start is not None
    ]
    if dated:
        first = dated[0].start
        assert first is not None
        # Two weeks of build-up before the centrepiece, from a Monday.
        monday = first - datetime.timedelta(days=14)
        return monday - datetime.timedelta(days=monday.weekday()), "event"
    return None, ""


# ----- rules as client-safe statements --------------------------------------------------------------------


def _rule_statements(facts: UnderstoodBrief) -> tuple[str, ...]:
    """The brief's rules written for the report: claims reviews and other rules verbatim; mandated terms as
    an instruction. Excluded channels and banned words are obeyed, never named."""
    rules = facts.rules
    out = [trim(c, 200) for c in rules.claims_needing_review]
    out += [trim(c, 200) for c in rules.other]
    if rules.mandated_terms:
        out.append(
            "Always use "
            + ", ".join(f"\u201c{t}\u201d" for t in rules.mandated_terms)
            + " as the brief prescribes"
        )
    if facts.language:
        out.append(f"All creative in {facts.language}" + (f" ({facts.locale})" if facts.locale else ""))
    return tuple(dict.fromkeys(out))


# ----- building it ----------------------------------------------------------------------------------------

_CACHE_SIZE = 64
_cache: OrderedDict[tuple[object, ...], Ctx] = OrderedDict()
_cache_lock = threading.Lock()


def build_context(
    brief: Brief,
    package: Package,
    section: SectionSpec,
    refinement: Refinement | None = None,
    split: LearnedSplit | None = None,
) -> Ctx:
    """The context for one section. Everything but the section depends only on the brief, the package and
    the feedback, so it is built once per report and reused for its sections (a small LRU cache)."""
    refinement = refinement or Refinement()
    key = (
        tuple(str(getattr(brief, f.name)) for f in fields(brief) if f.name != "metadata"),
        tuple(sorted((str(k), str(v)) for k, v in dict(brief.metadata).items())),
        package,
        refinement.stage,
        refinement.feedback,
        split,
    )  # fmt: skip
    with _cache_lock:
        base = _cache.get(key)
        if base is not None:
            _cache.move_to_end(key)
    if base is None:
        base = _build(brief, package, section, refinement, split)
        with _cache_lock:
            _cache[key] = base
            while len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
    return base if base.section == section else replace(base, section=section)


def _build(
    brief: Brief, package: Package, section: SectionSpec, refinement: Refinement, split: LearnedSplit | None
) -> Ctx:
    briefed = understand(brief)
    cat = catalogue()
    profile = _profile(briefed, brief)
    playbook = cat.playbook(briefed.business_model)
    timeline = parse_timeline(briefed.timeline)
    # The plan as briefed, then the feedback's changes applied to the brief itself, so every section (and
    # the rules check) sees them: a channel the operator drops is ruled out like one the brief excludes.
    briefed_budget = briefed.budget or assumed_budget(
        nice(profile.working_budget * timeline.weeks / 12), briefed.geography
    )
    base = _budget_lines(
        briefed_budget.amount,
        _follow(_weights(briefed, profile, playbook, Emphasis()), briefed, Emphasis(), split),
    )
    mix = tuple(line.name for line in base if line.channel is not None)
    emphasis = read_feedback(refinement.feedback, briefed, playbook.metric_words, mix)
    facts = apply_to_brief(briefed, emphasis)
    budget = facts.budget or briefed_budget
    brand = facts.brand or facts.client or "The brand"
    client = facts.client or brand
    industry_raw = facts.industry
    product_raw = facts.product
    objectives = tuple(trim(o.text, 160) for o in facts.objectives)[:6]
    lines = _budget_lines(
        budget.amount,
        _steer(
            _follow(_weights(facts, profile, playbook, emphasis), facts, emphasis, split), facts, emphasis
        ),
    )
    emphasis = _honest(emphasis, base, lines)
    lines = _with_notes(lines, emphasis)
    basis = emphasis.values("basis")
    funnel = _funnel(lines, budget, profile, playbook, facts, basis[0] if basis else "")
    if industry_raw:
        industry = lower_first(no_parens(industry_raw)) or lower_first(industry_raw)
    elif profile.key != "general":
        industry = profile.noun
    else:
        industry = "its category"
    chosen = emphasis.values("centre")
    start, start_reason = _start(facts.launch_date, timeline, facts.events, chosen[0] if chosen else "")
    centrepiece = _centrepiece(facts.events, start, timeline.weeks, chosen[0] if chosen else "")
    calendar_from = start
    event_start = centrepiece.start if centrepiece is not None else None
    if chosen and event_start and start and not start <= event_start <= start + datetime.timedelta(days=29):
        # Centred on the event as asked: the thirty days run up to it and through it.
        run_up = event_start - datetime.timedelta(days=21)
        calendar_from = max(start, run_up - datetime.timedelta(days=run_up.weekday()))
    periods = (
        1.0 if budget.period == "total" else float(Fraction(timeline.weeks) / _PERIOD_WEEKS[budget.period])
    )
    programme_total = budget.amount if budget.period == "total" else nice(budget.amount * periods)
    names = tuple(line.name for line in lines if line.channel is not None)
    objective_plans = _objective_plans(facts, playbook, funnel, periods, programme_total, names)
    primary = funnel.primary
    est = Estimates(
        media=funnel.media,
        cpm=funnel.cpm,
        ctr=funnel.ctr,
        cvr=(primary.count / funnel.clicks) if funnel.clicks else 0.0,
        impressions=funnel.impressions,
        clicks=funnel.clicks,
        conversions=primary.count,
        cpa=funnel.cpa,
        value=round(funnel.value),
        revenue=funnel.revenue,
        roas=funnel.roas,
    )
    stock = _stock_offers(facts.business_type, profile, playbook)
    offers = tuple(dict.fromkeys([*facts.offers, *(o for o in stock if not _refused(o, facts.rules))]))
    return Ctx(
        brief=brief,
        facts=facts,
        package=package,
        section=section,
        profile=profile,
        playbook=playbook,
        model=facts.business_model,
        brand=brand,
        client=client,
        product=product_raw or f"{brand}'s core offer",
        product_given=bool(product_raw),
        industry=industry,
        industry_given=bool(industry_raw),
        geo=_with_article(facts.geography) or "its core market",
        geo_given=bool(facts.geography),
        audience=join_and([lower_first(s.name) for s in facts.segments])
        if facts.segments
        else (facts.audience or profile.audience),
        audience_given=bool(facts.audience),
        objectives=objectives or profile.objectives,
        objectives_given=bool(objectives),
        objective_plans=objective_plans,
        constraints=_rule_statements(facts),
        budget=budget,
        timeline=timeline,
        launch=facts.launch_date,
        start=start,
        start_reason=start_reason,
        calendar_from=calendar_from,
        metadata=_metadata(brief),
        emphasis=emphasis,
        lines=lines,
        base_lines=base,
        funnel=funnel,
        est=est,
        events=facts.events,
        centrepiece=centrepiece,
        # Feedback naming who to position against focuses the positioning on them (the map keeps them all).
        competitor_list=next((i.names for i in emphasis.of("against")), facts.competitor_names),
        offers=offers,
        language=facts.language,
        locale=facts.locale,
        stage=(refinement.stage or "draft").strip().lower(),
    )


__all__ = ["BudgetLine", "Ctx", "Estimates", "Funnel", "ObjectivePlan", "StageVolume", "build_context"]
