"""Events on briefs written for these tests (never the dev set's)."""

from __future__ import annotations

import datetime

from services.generator.domain.brief import Brief
from services.generator.domain.readers import read_brief


def _events(text: str) -> dict[datetime.date, str]:
    reading = read_brief(
        Brief(client_name="Test Client", brand_name="Testbrand", raw_brief_text=text), with_type=False
    )
    return {g.value.start: g.value.name for g in reading.events}


def test_something_that_starts_in_a_month_starts_on_the_first() -> None:
    found = _events("Campaign runs July 2026 to June 2027. We roll out to 40 Boots stores in October.")
    assert datetime.date(2026, 10, 1) in found


def test_a_month_in_another_language() -> None:
    found = _events("Plan: July 2026 to March 2027. Empezamos en septiembre con la tienda nueva.")
    assert datetime.date(2026, 9, 1) in found
    assert "Empezamos" not in found[datetime.date(2026, 9, 1)]


def test_a_lowercase_thing_that_starts_keeps_its_name() -> None:
    found = _events("We want to fill the spring bootcamp starting 12 April 2027. Goals to follow.")
    assert "spring bootcamp" in found[datetime.date(2027, 4, 12)]


def test_a_month_named_without_a_start_is_no_event() -> None:
    assert _events("Sales were weak in October 2025 and November 2025.") == {}
