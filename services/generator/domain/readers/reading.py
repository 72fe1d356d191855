"""All readers run once over one brief: the grounded facts `understand` builds the understood brief from."""

from __future__ import annotations

import re
from dataclasses import dataclass

from services.generator.domain.brief import Brief
from services.generator.domain.dates import find_dates
from services.generator.domain.readers.audience import read_audience
from services.generator.domain.readers.business_type import TypeReading, read_business_type
from services.generator.domain.readers.events import Moment, read_events, reference_year
from services.generator.domain.readers.goals import Goal, read_goals
from services.generator.domain.readers.money import Money, find_money, read_budget, read_prices
from services.generator.domain.readers.names import read_competitors
from services.generator.domain.readers.places import Places, read_places
from services.generator.domain.readers.rules import RuledOut, read_ruled_out
from services.generator.domain.readers.source import Grounded, Source
from services.generator.domain.sentence_model import Embed

# A sentence that states a rule or a mandatory line, and one that names a date.
_RULE = re.compile(
    r"\b(never|don't|do not|must|mustn't|not allowed|no\s+\w+|only|always|mandatory|required|disclaimer|legal|"
    r"lawyer|compliance|regulat\w*|approved|banned|avoid|can't|cannot)\b",
    re.IGNORECASE,
)
_DATED = re.compile(
    r"\b\d{1,2}(?:st|nd|rd|th)?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b|"
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\s+\d{1,2}\b|\b\d{1,2}[./]\d{1,2}\.",
    re.IGNORECASE,
)


_FIGURE = re.compile(r"\d[\d,.]*\s?(?:%|k\b|m\b|lakh|crore|mil\b|million|x\b)?|[€£$₹¥₩₦]\s?\d")
_CHANNELISH = re.compile(
    r"\b(channels?|platforms?|ads?|radio|tv|blog|groups?|newsletter|email|sms|whatsapp|search|social|creators?|"
    r"influencers?|events?|partners?|partnerships?|stores?|portal|app store|marketplace|website|site)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Reading:
    source: Source
    places: Places
    budget: Grounded[Money] | None
    prices: tuple[Grounded[Money], ...]
    goals: tuple[Grounded[Goal], ...]
    competitors: tuple[Grounded[str], ...]
    business_type: TypeReading
    ruled_out: RuledOut
    audience: tuple[Grounded[str], ...]
    events: tuple[Grounded[Moment], ...]

    def statements(self, limit: int = 20) -> tuple[str, ...]:
        """The brief's own sentences that carry its facts, in the order written: the strategist's recap of what
        the client said, quoted, never paraphrased. Sentences are ranked by what they carry (a value a reader
        grounded, a rule, a figure, a date, a channel, the brand) and the best `limit` are kept."""
        spans = [
            g.span
            for g in (self.budget, *self.prices, *self.goals, *self.competitors, *self.audience, *self.events)
            if g and g.span
        ]
        spans += [g.span for g in (*self.places.cities, *self.places.languages) if g.span]
        brand = re.compile(r"\b" + re.escape(self.source.brand) + r"\b", re.I) if self.source.brand else None
        scored: list[tuple[int, int, str]] = []
        for n, sentence in enumerate(self.source.sentences):
            if sentence.field not in ("", "constraints") and not sentence.field.startswith("metadata"):
                continue
            text = sentence.text.strip(" -*\u2022\t")
            if not 4 <= len(text.split()) <= 60 or any(text == t for _, _, t in scored):
                continue
            score = 3 * any(sentence.start <= sp.start < sentence.end for sp in spans)
            score += 2 * (_RULE.search(text) is not None) + 2 * (_DATED.search(text) is not None)
            score += 2 * (_FIGURE.search(text) is not None) + (_CHANNELISH.search(text) is not None)
            score += brand is not None and brand.search(text) is not None
            if score >= 2:
                scored.append((score, n, text))
        best = sorted(scored, key=lambda x: (-x[0], x[1]))[:limit]
        return tuple(t for _, _, t in sorted(best, key=lambda x: x[1]))

    @property
    def market(self) -> str:
        return self.places.countries[0].value if self.places.countries else ""


def read_brief(brief: Brief, embed: Embed | None = None, with_type: bool = True) -> Reading:
    source = Source(brief)
    places = read_places(source)
    market = places.countries[0].value if places.countries else ""
    money = find_money(source, market, places.currency.value if places.currency else "")
    budget = read_budget(source, money)
    taken = [(budget.value.start, budget.value.end)] if budget else []
    if budget is not None:
        # The figures the budget's sentence corrects ("we said R$ 1,5 milhão, but the CFO approved R$ 2
        # milhões") are budgets too, never goals.
        sentence = next((s for s in source.sentences if s.start <= budget.value.start < s.end), None)
        if sentence is not None:
            taken += [(m.start, m.end) for m in money if sentence.start <= m.start < sentence.end]
    # The budget restated ("we have $50k ... let's plan on $50k") is the budget again, never a price.
    again = {m.start for m in money if budget is not None and m.value == budget.value.value}
    prices = read_prices(source, money, {s for s, _ in taken} | again)
    taken += [(p.value.start, p.value.end) for p in prices]
    goals = read_goals(source, taken)
    competitors = read_competitors(source)
    type_reading = read_business_type(source, embed) if with_type else TypeReading(None, 0.0, "")
    # A competitor's price is never the client's.
    names = [re.escape(c.value) for c in competitors]
    if names:
        rival = re.compile("|".join(names), re.IGNORECASE)
        prices = [
            p for p in prices if not rival.search(source.text[max(0, p.value.start - 40) : p.value.end + 10])
        ]
    return Reading(
        source,
        places,
        budget,
        tuple(prices),
        tuple(goals),
        tuple(competitors),
        type_reading,
        read_ruled_out(source),
        tuple(read_audience(source)),
        tuple(_events(source)),
    )


def _events(source: Source) -> list[Grounded[Moment]]:
    year = reference_year(source.text)
    # The plan starts at the first day or month the brief dates in or around its year; a named moment
    # (Christmas, Diwali) is the first one on or after that start, even when the brief names the next year more.
    dated = [
        d.start
        for d in find_dates(source.text, year)
        if d.precision in ("day", "month") and (year is None or d.start.year >= year - 1)
    ]
    starts = min(dated) if dated else None
    if starts is not None and year is not None and starts.year < year:
        year = starts.year
    return read_events(source, year, starts)
