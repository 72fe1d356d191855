"""Goals on briefs written for these tests (never the dev set's)."""

from __future__ import annotations

from services.generator.domain.brief import Brief
from services.generator.domain.readers import read_brief


def _targets(text: str) -> list[float]:
    reading = read_brief(
        Brief(client_name="Test Client", brand_name="Testbrand", raw_brief_text=text), with_type=False
    )
    return [g.value.number for g in reading.goals]


def test_a_goal_added_in_the_next_sentence() -> None:
    assert _targets("Target: 1,200 members by June 2027, vs 700 now. Also 400 corporate sign-ups.") == [
        1200,
        400,
    ]


def test_a_want_in_another_language_after_the_current_value() -> None:
    assert _targets("CPA actual 30 €, queremos bajar a 22 € antes de diciembre.") == [22]


def test_a_bare_ratio_at_the_end_of_a_goal_sentence() -> None:
    assert 3 in _targets("Target is 500 orders a week with a ROAS of 3.")


def test_numbered_goals_are_not_read_as_targets() -> None:
    found = _targets("Our goals are: 1. sell 900 passes 2. sign 12 sponsors.")
    assert 1 not in found and 2 not in found and {900, 12} <= set(found)
