"""Languages of the creative, on briefs written for these tests (never the dev set's)."""

from __future__ import annotations

from services.generator.domain.brief import Brief
from services.generator.domain.brief_parser import understand


def _languages(text: str, geography: str = "") -> set[str]:
    brief = Brief(client_name="Test Client", brand_name="Testbrand", raw_brief_text=text, geography=geography)
    return set(understand(brief).languages)


def test_a_nationality_before_people_is_not_a_language() -> None:
    found = _languages("Audience: Polish builders and Romanian drivers in Dublin. Ads in English and Polish.")
    assert "Romanian" not in found and "Polish" in found


def test_print_pieces_and_pages_carry_languages_and_bengali_is_read() -> None:
    found = _languages(
        "Flyers also in Bengali and Somali; the website pages in Traditional Chinese.", "London"
    )
    assert {"Bengali", "Somali", "Traditional Chinese"} <= found


def test_the_language_of_the_notes_is_not_the_creatives() -> None:
    found = _languages("German summary by me. Content must be in French and Italian.", "Switzerland")
    assert {"French", "Italian"} <= found


def test_the_market_language_follows_the_market_the_form_gives() -> None:
    found = _languages(
        "Languages: Czech first, English for the distributors in Austria and Austria again.", "Czechia"
    )
    assert "German" not in found
