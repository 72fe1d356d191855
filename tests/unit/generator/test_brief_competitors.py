"""Competitors in labelled lists, on briefs written for these tests (never the dev set's)."""

from __future__ import annotations

from services.generator.domain.brief import Brief
from services.generator.domain.brief_parser import understand


def _rivals(text: str) -> list[str]:
    u = understand(Brief(client_name="Test Client", brand_name="Testbrand", raw_brief_text=text))
    return [name.casefold() for name in u.competitor_names]


def test_a_group_named_only_by_a_channel_is_kept_as_written() -> None:
    rivals = _rivals(
        "Testbrand cleans offices in Porto.\nCompetitors: Limpa Mais, loads of Facebook cleaners."
    )
    assert "limpa mais" in rivals
    assert any("facebook cleaners" in r for r in rivals)


def test_a_quoted_rival_and_a_name_that_starts_with_a_digit() -> None:
    rivals = _rivals("Competitors: 3Dprint Hub, and the real rival is 'the cousin with a printer'.")
    assert "3dprint hub" in rivals and "the cousin with a printer" in rivals


def test_a_rival_taken_back_in_brackets_is_dropped() -> None:
    rivals = _rivals("Rivals: Brightway? (no, that's the Leeds one), Kettle & Co, Norther Bikes.")
    assert "brightway" not in rivals
    assert {"kettle & co", "norther bikes"} <= set(rivals)


def test_a_bracket_that_describes_a_rival_keeps_it() -> None:
    assert "ovo pay" in _rivals("Competitors: Ovo Pay (no card reader), Zento.")


def test_a_name_compared_right_after_the_list() -> None:
    rivals = _rivals("Competitors: Harlow Homes, Pinecrest Living. Marlowe Estates is more upmarket.")
    assert "marlowe estates" in rivals


def test_competitors_are_written_without_a_colon() -> None:
    assert "quayside ferries" in _rivals("Our competitors are Quayside Ferries and the bus.")


def test_a_group_the_brief_calls_a_competitor() -> None:
    rivals = _rivals(
        "Rivals: Papyra, Docsy. Also freelance bookkeepers are both partners and competitors, careful."
    )
    assert "freelance bookkeepers" in rivals
