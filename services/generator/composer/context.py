"""Everything a section writer needs, derived once from the brief: tidy names with sensible defaults,
the parsed budget and timeline, the channel mix and budget lines (exact splits), and KPI estimates.
"""

from __future__ import annotations

import datetime
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, fields, replace
from fractions import Fraction

from services.generator.composer.budget import Budget, allocate, assumed_budget, parse_budget
from services.generator.composer.feedback import Emphasis, analyse_feedback, channel_mentions
from services.generator.composer.models import Refinement
from services.generator.composer.profiles import CHANNELS, Channel, Profile, profile_for
from services.generator.composer.text import clean, lower_first, nice, split_list, trim
from services.generator.composer.timeline import Timeline, calendar_start, parse_timeline
from services.generator.domain.brief import Brief
from services.generator.domain.packages import Package, SectionSpec

# Share of the total for the channels themselves; the rest pays for making and measuring the work.
CHANNEL_SHARE = 78
OTHER_LINES: tuple[tuple[str, str, int], ...] = (
    ("Creative & content production", "Shoots, design, editing, copy and localisation", 12),
    ("Measurement & tools", "Tracking set-up, dashboards, social listening and testing tools", 4),
    ("Contingency & testing reserve", "Held back for winning tests and surprises; released from week 4", 6),
)
# Channels whose spend buys media at a CPM (used for reach and conversion estimates).
_NON_MEDIA = (
    "Email & CRM",
    "SEO & content",
    "PR & media relations",
    "Events & experiential",
    "SMS & messaging",
    "Local search & maps",
)
# Channel weights are integers scaled by 4, so boosting (x1.5) and reducing (x0.5) stay exact.
_SCALE = 4
_NEW_CHANNEL_WEIGHT = 10 * _SCALE


@dataclass(frozen=True)
class BudgetLine:
    name: str
    role: str
    pct: int
    amount: int
    channel: Channel | None  # None for production, tools, contingency


@dataclass(frozen=True)
class Estimates:
    """Planning estimates for one budget period, from the profile's media benchmarks."""

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
    package: Package
    section: SectionSpec
    profile: Profile
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
    objectives: tuple[str, ...]
    objectives_given: bool
    constraints: tuple[str, ...]
    budget: Budget
    timeline: Timeline
    launch: datetime.date | None
    start: datetime.date | None
    metadata: tuple[tuple[str, str], ...]
    emphasis: Emphasis
    constraint_drops: tuple[str, ...]
    lines: tuple[BudgetLine, ...]
    base_lines: tuple[BudgetLine, ...]  # the split before feedback changed the mix
    est: Estimates
    stage: str

    # ----- names and phrases -------------------------------------------------------------------------

    @property
    def in_geo(self) -> str:
        return f"in {self.geo}" if self.geo_given else "in its core market"

    @property
    def topic(self) -> str:
        """What the category is about, for phrases like "a top question about ..."."""
        if self.industry_given or self.profile.key != "general":
            return self.industry
        return "choosing the right option"

    @property
    def category_brand(self) -> str:
        """ "specialty coffee brand", or just "brand" when the category is unknown."""
        if self.industry_given or self.profile.key != "general":
            return f"{self.industry} brand"
        return "brand"

    @property
    def offering(self) -> str:
        """The product as a noun phrase: "the AP automation software" or "the <industry> choice"."""
        if self.product_given:
            return self.product
        if self.industry_given or self.profile.key != "general":
            return f"{self.industry} choice"
        return "choice"

    @property
    def client_lead(self) -> str:
        return f"{self.client} marketing lead"

    @property
    def conversion(self) -> str:
        return self.profile.conversion

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

    def money(self, amount: float) -> str:
        return self.budget.money(amount)

    def meta(self, *names: str) -> str:
        """A metadata value by any of several key spellings ("brand_voice", "Brand voice", "tone")."""
        wanted = {re.sub(r"[^a-z0-9]", "", n.lower()) for n in names}
        for key, value in self.metadata:
            if re.sub(r"[^a-z0-9]", "", key.lower()) in wanted and value:
                return value
        return ""

    @property
    def competitors(self) -> tuple[str, ...]:
        named = self.meta("competitors", "competitor", "main_competitors", "competition", "rivals")
        return tuple(trim(c, 40) for c in split_list(named.replace(",", ";")))[:4] if named else ()

    @property
    def tone(self) -> str:
        return self.meta("tone", "brand_voice", "voice", "tone_of_voice") or self.profile.tone

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
        per_week = {
            "month": Fraction(12, 52),
            "week": Fraction(1),
            "quarter": Fraction(4, 52),
            "year": Fraction(1, 52),
        }[b.period]
        return nice(float(b.amount * per_week * self.timeline.weeks))

    @property
    def budget_note(self) -> str:
        """One sentence saying where the budget figure comes from."""
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
        """'per month' style qualifier for estimates, or '' for a total budget."""
        return "" if self.budget.period == "total" else f" {self.budget.period_label}"

    @property
    def weeks(self) -> int:
        return self.timeline.weeks


_THE = re.compile(
    r"^(united |uk\b|us\b|usa\b|u\.s\.|u\.k\.|uae\b|netherlands|philippines|middle east|nordics|gulf|bay "
    r"area|midwest|czech republic|dominican republic|emirates|caribbean|balkans|baltics|benelux)",
    re.IGNORECASE,
)


def _with_article(geo: str) -> str:
    """'United States' -> 'the United States', so "in the United States" reads right."""
    return f"the {geo}" if _THE.match(geo) else geo


def short_phrase(text: str, limit: int) -> str:
    """The head of a long description ("busy parents aged 30-45 who ..." -> "busy parents aged 30-45"),
    cut at a clause boundary, never with an ellipsis mid-sentence."""
    text = clean(text)
    if len(text) <= limit:
        return text
    head = re.split(
        r",|;|\(|\s(?:who|that|which|with|looking|interested|especially|mainly|mostly)\s|\s[-\u2013\u2014]\s",
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


def _metadata(brief: Brief) -> tuple[tuple[str, str], ...]:
    # Sorted: the caller's map may come from protobuf, whose iteration order is not guaranteed.
    items = [(clean(str(k)), clean(str(v))) for k, v in dict(brief.metadata).items()]
    return tuple(sorted((k, v) for k, v in items if k and v))


def _channel_weights(
    profile: Profile, emphasis: Emphasis, constraint_drops: tuple[str, ...]
) -> list[tuple[Channel, int]]:
    weights: dict[str, int] = {name: w * _SCALE for name, w in profile.channels}
    for name in emphasis.boost:
        weights[name] = weights[name] * 3 // 2 if name in weights else _NEW_CHANNEL_WEIGHT
    for name in emphasis.reduce:
        if name in weights:
            weights[name] //= 2
    dropped = set(emphasis.drop) | set(constraint_drops)
    kept = [(CHANNELS[n], w) for n, w in weights.items() if n not in dropped]
    if not kept:  # everything excluded: fall back to channels the brief did not rule out
        kept = [(c, 1) for c in CHANNELS.values() if c.name not in dropped][:2]
    return kept


def _budget_lines(total: int, weights: list[tuple[Channel, int]]) -> tuple[BudgetLine, ...]:
    channel_sum = sum(w for _c, w in weights)
    # Channels share CHANNEL_SHARE points in proportion to their weights; the other lines keep theirs.
    all_weights = [w * CHANNEL_SHARE for _c, w in weights]
    all_weights += [weight * channel_sum for _n, _r, weight in OTHER_LINES]
    split = allocate(total, all_weights)
    lines: list[BudgetLine] = []
    for (channel, _w), (pct, amount) in zip(weights, split, strict=False):
        lines.append(BudgetLine(channel.name, channel.role, pct, amount, channel))
    for (name, role, _weight), (pct, amount) in zip(OTHER_LINES, split[len(weights) :], strict=True):
        lines.append(BudgetLine(name, role, pct, amount, None))
    return tuple(lines)


def _estimates(profile: Profile, budget: Budget, lines: tuple[BudgetLine, ...]) -> Estimates:
    scale = budget.scale
    media = sum(line.amount for line in lines if line.channel is not None and line.name not in _NON_MEDIA)
    if media <= 0:
        media = sum(line.amount for line in lines if line.channel is not None)
    cpm = profile.cpm * scale
    impressions = nice(media / cpm * 1000) if cpm else 0
    clicks = nice(impressions * profile.ctr)
    conversions = max(1, nice(clicks * profile.cvr))
    cpa = round(media / conversions) if conversions else 0
    value = profile.value * scale
    revenue = conversions * value
    roas = round(revenue / budget.amount, 1) if budget.amount else 0.0
    return Estimates(
        media=media,
        cpm=cpm,
        ctr=profile.ctr,
        cvr=profile.cvr,
        impressions=impressions,
        clicks=clicks,
        conversions=conversions,
        cpa=cpa,
        value=value,
        revenue=revenue,
        roas=roas,
    )


_CACHE_SIZE = 64
_cache: OrderedDict[tuple[object, ...], Ctx] = OrderedDict()
_cache_lock = threading.Lock()


def build_context(
    brief: Brief, package: Package, section: SectionSpec, refinement: Refinement | None = None
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
    )
    with _cache_lock:
        base = _cache.get(key)
        if base is not None:
            _cache.move_to_end(key)
    if base is None:
        base = _build(brief, package, section, refinement)
        with _cache_lock:
            _cache[key] = base
            while len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
    return base if base.section == section else replace(base, section=section)


def _build(brief: Brief, package: Package, section: SectionSpec, refinement: Refinement) -> Ctx:
    brand = clean(brief.brand_name) or clean(brief.client_name) or "The brand"
    client = clean(brief.client_name) or brand
    industry_raw = clean(brief.industry)
    product_raw = clean(brief.product_service)
    profile = profile_for(industry_raw, product_raw, f"{brief.audience} {brief.raw_brief_text}")
    geo_raw = clean(brief.geography)
    audience_raw = clean(brief.audience)
    objectives = tuple(trim(o, 160) for o in split_list(brief.objectives))[:6]
    constraints = tuple(trim(c, 200) for c in split_list(brief.constraints))[:8]
    timeline = parse_timeline(brief.timeline)
    budget = parse_budget(brief.budget, brief.geography)
    if budget is None:
        budget = assumed_budget(nice(profile.working_budget * timeline.weeks / 12), brief.geography)
    emphasis = analyse_feedback(refinement.feedback)
    _b, _r, constraint_drops = channel_mentions(brief.constraints)
    base = _budget_lines(budget.amount, _channel_weights(profile, Emphasis(), constraint_drops))
    lines = _budget_lines(budget.amount, _channel_weights(profile, emphasis, constraint_drops))
    if industry_raw:
        industry = lower_first(industry_raw)
    elif profile.key != "general":
        industry = profile.noun
    else:
        industry = "its category"
    return Ctx(
        brief=brief,
        package=package,
        section=section,
        profile=profile,
        brand=brand,
        client=client,
        product=product_raw or f"{brand}'s core offer",
        product_given=bool(product_raw),
        industry=industry,
        industry_given=bool(industry_raw),
        geo=_with_article(geo_raw) or "its core market",
        geo_given=bool(geo_raw),
        audience=audience_raw or profile.audience,
        audience_given=bool(audience_raw),
        objectives=objectives or profile.objectives,
        objectives_given=bool(objectives),
        constraints=constraints,
        budget=budget,
        timeline=timeline,
        launch=brief.launch_date,
        start=calendar_start(brief.launch_date, timeline),
        metadata=_metadata(brief),
        emphasis=emphasis,
        constraint_drops=constraint_drops,
        lines=lines,
        base_lines=base,
        est=_estimates(profile, budget, lines),
        stage=(refinement.stage or "draft").strip().lower(),
    )
