"""The audience reader on briefs written for these tests (never the dev set's)."""

from __future__ import annotations

from services.generator.domain.brief import Brief
from services.generator.domain.readers import read_brief


def _audience(text: str) -> list[str]:
    brief = Brief(client_name="Test Client", brand_name="Testbrand", raw_brief_text=text)
    return [g.value for g in read_brief(brief, with_type=False).audience]


def test_an_audience_labelled_in_another_language_with_its_ages() -> None:
    found = _audience(
        "Zielgruppe: Pendler von 25 bis 40 Jahre in Köln.\nDoelgroep: studenten 18 tot 24 jaar."
    )
    assert found and "Pendler" in found[0]


def test_who_buys_named_by_the_role_that_buys() -> None:
    assert _audience("Most licences are bought by IT admins, then signed off by finance.")


def test_the_buying_committee_is_the_audience() -> None:
    assert _audience("Deals take six months; the buying committee is the CFO, the COO and procurement.")


def test_who_a_manufacturer_makes_for() -> None:
    assert _audience("We manufacture cold-room panels for breweries and hospitals.")


def test_nothing_is_read_when_the_brief_does_not_say() -> None:
    assert _audience("Budget EUR 40,000. Launch in May. No TikTok.") == []
