"""Budget corrections on briefs written for these tests (never the dev set's)."""

from __future__ import annotations

import pytest

from services.generator.domain.brief import Brief
from services.generator.domain.brief_parser import understand


@pytest.mark.parametrize(
    ("text", "amount", "code"),
    [
        ("Orçamento: pensamos em R$ 300 mil, mas a diretoria aprovou R$ 450 mil para o ano.", 450_000, "BRL"),
        (
            "Budget is EUR 90,000... update: finance added the partner money, so EUR 120,000 in total.",
            120_000,
            "EUR",
        ),
        ("Budget £40k? Priya said on the phone afterwards: £55k, April to June.", 55_000, "GBP"),
        (
            "Budget \u2013 first we said \u20b925 lakh, but the founders approved \u20b935 lakh for the quarter.",
            3_500_000,
            "INR",
        ),
    ],
)
def test_the_corrected_budget_wins_in_any_wording(text: str, amount: int, code: str) -> None:
    u = understand(Brief(client_name="Test Client", brand_name="Testbrand", raw_brief_text=text))
    assert u.budget is not None and (u.budget.amount, u.budget.currency.code) == (amount, code)
