"""All readers run once over one brief: the grounded facts `understand` builds the understood brief from."""

from __future__ import annotations

import re
from dataclasses import dataclass

from services.generator.domain.brief import Brief
from services.generator.domain.readers.business_type import Embed, TypeReading, read_business_type
from services.generator.domain.readers.goals import Goal, read_goals
from services.generator.domain.readers.money import Money, find_money, read_budget, read_prices
from services.generator.domain.readers.names import read_competitors
from services.generator.domain.readers.places import Places, read_places
from services.generator.domain.readers.source import Grounded, Source


@dataclass(frozen=True)
class Reading:
    source: Source
    places: Places
    budget: Grounded[Money] | None
    prices: tuple[Grounded[Money], ...]
    goals: tuple[Grounded[Goal], ...]
    competitors: tuple[Grounded[str], ...]
    business_type: TypeReading

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
    prices = read_prices(source, money, {s for s, _ in taken})
    taken += [(p.value.start, p.value.end) for p in prices]
    goals = read_goals(source, taken)
    competitors = read_competitors(source)
    type_reading = read_business_type(source, embed) if with_type else TypeReading(None, 0.0, "")
    # A competitor's price is never the client's.
    names = [re.escape(c.value) for c in competitors]
    if names:
        rival = re.compile("|".join(names), re.IGNORECASE)
        prices = [p for p in prices if not rival.search(source.text[max(0, p.value.start - 40) : p.value.end + 10])]
    return Reading(source, places, budget, tuple(prices), tuple(goals), tuple(competitors), type_reading)
