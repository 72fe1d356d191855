"""Prices on briefs written for these tests (never the dev set's)."""

from __future__ import annotations

from services.generator.domain.brief import Brief
from services.generator.domain.brief_parser import understand


def _prices(text: str) -> list[float]:
    u = understand(Brief(client_name="Test Client", brand_name="Testbrand", raw_brief_text=text))
    return sorted(p.amount for p in u.prices)


def test_a_price_list_labels_every_amount_in_it() -> None:
    assert _prices("Passes: Day 45 EUR, Weekend 80 EUR, VIP 150 EUR. Budget EUR 20,000.") == [45, 80, 150]


def test_typical_sale_values_and_installed_prices() -> None:
    found = _prices(
        "Typical boiler service ~£95 per hour; a new boiler is about £2,400 fitted. Budget £9,000."
    )
    assert 95 in found and 2400 in found


def test_an_amount_in_brackets_after_what_it_buys() -> None:
    assert _prices("We make oat bars (pack of 6, $7.50) and granola (500g, $9.95). Budget $30,000.") == [
        7.5,
        9.95,
    ]


def test_a_figure_the_client_wants_to_move_is_a_goal_not_a_price() -> None:
    assert _prices("We want to lift the average order from $52 to $60 by December. Budget $40k.") == []


def test_something_stated_free_is_a_price_of_nothing() -> None:
    assert 0 in _prices("Membership is EUR 19 a month and the first class is free. Budget EUR 5,000.")
