"""Our own labelled briefs (tests/data/own_briefs.jsonl: pasted emails, chats, call notes and forms from 28
businesses in 28 markets, written for these tests in the dev set's format, never copied from it) are read as
well as the dev set is: a guard against readers that fit one set of briefs and lose the others."""

from __future__ import annotations

from pathlib import Path

from bench.dev_eval import FIELDS, load, score_understanding
from services.generator.domain.brief_parser import understand

OWN = Path(__file__).resolve().parents[2] / "data" / "own_briefs.jsonl"


def test_our_own_briefs_are_understood_field_by_field() -> None:
    items = load(OWN)
    verdicts = [v for item in items for v in score_understanding(item.row, understand(item.brief())).values()]
    assert len(verdicts) == len(items) * len(FIELDS)
    assert verdicts.count("right") / len(verdicts) >= 0.9
