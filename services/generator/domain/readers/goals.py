"""Objectives: the numbers a client wants to reach, with their metric and deadline, never the current ones.

"Target 15,000 paying by 31 Dec 2026, and trial→paid conversion from 18% to 25%" gives 15,000 (paying, by
31 Dec 2026) and 25% (trial→paid conversion). "D7 retention is 14%, want 20%" gives 20%, not 14%. A brief
that states no goal gives none: nothing here invents a target.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from services.generator.domain.money import MULTIPLIERS, to_number
from services.generator.domain.readers.source import Grounded, Source

_CUE = re.compile(
    r"\b(targets?|goals?|aims?|objectives?|kpis?|want(?:s|ed)?|(?:we|i|they) (?:really |still )?need|what we need|need(?:s)? to|fill|wish|hoping|hope|would like|"
    r"to reach|reach|get to|hit|grow(?:ing)?|double|triple|increase|lift|achieve|success(?: is| =| means)?|"
    # "Sell the panto: 38,000 tickets, up from 31,500 last year": a sale with last year's figure beside it
    r"sell(?=[^.]{0,80}\b(?:up|down) from\b)|"
    r"by (?:the )?end|by \d|by (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w*|"
    r"meta|metas|objetivo|objetivos|cel|cele|ziel|ziele|doel|doelen|queremos|quer|quiere|wollen|m\u00f6chten|"
    r"willen|chcemy|voulons|souhaitons)\b|→|->|=>",
    re.IGNORECASE,
)
_NUMBER = re.compile(
    r"(?<![\w.,/])(?<!\d:)(?:(?:[€£$₹¥₩₦]|R\$|[A-Z]{3})\s?)?(\d{1,3}(?:[,.\u00a0]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?)"
    r"(\s?(?:%|x\b|k\b|K\b|M\b|m\b|mn\b|million|billion|lakh|crore|mil\b|milhões|millones|bn\b|thousand|tys\.?))?",
)
_CURRENT = re.compile(
    r"\b(now|currently|today|right now|at the moment|we have|we had|have|was|were|is|are|at|from|last year|"
    r"this year|so far|peak|base(?:line)?|vs\.?|compared|atual|actual|actualmente|hoje|hoy|aktuell|derzeit|"
    r"obecnie|actuellement|huidig)\s*(?:about|around|roughly|approx\.?|~)?\s*$",
    re.IGNORECASE,
)
_NOT_GOAL_AFTER = re.compile(
    r"^\s*(?:[-\u2013]?(?:years?|yrs?|y/o|yo|days?|weeks?|wks?|months?|hours?|hrs?|minutes?|mins?|am|pm|st|nd|rd|th|km|"
    r"kilos?|kg|kcal|cal|calories|ml|mg|g|cm|mm|m2|sqm|m²)\b|[º°ª]|[-\u2013]\s?\d|/\s?\d|:\d\d)",
    re.IGNORECASE,
)
_MONTHS = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DATE_NEAR = re.compile(rf"^\s*{_MONTHS}|{_MONTHS}\s*$", re.IGNORECASE)
_DEADLINE = re.compile(
    rf"\b(?:by|before|until|till|in|within|for)\s+((?:the\s+)?(?:end of\s+)?(?:\d{{1,2}}\s+)?{_MONTHS}(?:\s+\d{{1,2}}(?!\d))?,?\s*(?:\d{{4}})?|"
    r"(?:end of |the end of )?(?:q[1-4]|h[12]|fy)\s?'?\d{2,4}|(?:end of |the end of )?\d{4}|"
    r"(?:the )?(?:end of (?:the )?)?(?:year|campaign|season|quarter)|\d{4}-\d{2}-\d{2})",
    re.IGNORECASE,
)
_METRIC_STOP = re.compile(
    r"[,.;:()!?\n]|\b(by|before|and|but|with|from|to|in|within|per|vs|which|that|we|so)\b", re.I
)


@dataclass(frozen=True)
class Goal:
    metric: str
    target: str  # as written, e.g. "12 lakh", "25%", "€900,000"
    number: float
    is_percent: bool
    deadline: str
    sentence: str


def _value(digits: str, unit: str) -> float:
    return to_number(digits) * MULTIPLIERS.get(unit.strip().lower(), 1)


def read_goals(source: Source, taken: list[tuple[int, int]]) -> list[Grounded[Goal]]:
    """Targets in sentences that state a goal; `taken` are spans already read as something else (the budget,
    prices), which are never targets."""
    out: list[Grounded[Goal]] = []
    after_goal = False  # the sentence before stated a goal
    in_list = False  # the sentence before ended with the number of the next item in a list of goals
    for sentence in source.sentences:
        text = sentence.text
        cue = _CUE.search(text)
        if sentence.field == "objectives" or (after_goal and _ALSO.match(text)) or in_list:
            # "Goal: 650 units. Also 3,000 test-drive bookings."; "Our goals are: 1. sell 900 passes 2. ..."
            cue = cue or re.match(r"", text)
        in_list = cue is not None and bool(re.search(r"(?:^|\s)\d{1,2}[.)]\s*$", text))
        found_before = len(out)
        if cue is None or not re.search(r"\d", text):
            continue
        candidates = []
        for m in _NUMBER.finditer(text):
            start = sentence.start + m.start()
            if any(s <= start < e for s, e in taken):
                continue
            digits, unit = m.group(1), (m.group(2) or "")
            after = text[m.end() :]
            before = text[: m.start()]
            if _NOT_GOAL_AFTER.match(after) or _DATE_NEAR.search(before[-12:]) or _DATE_NEAR.match(after[:6]):
                continue
            if re.fullmatch(r"(19|20)\d\d", digits) and not unit:
                continue
            if (
                (
                    re.match(r"[.)]\s+\S", after)
                    # at a sentence's end, a list number unless the words before ask for a value ("MER of 4.")
                    or (re.match(r"[.)]\s*$", after) and not re.search(r"\b(?:of|is|at|to|be|=)\s*$", before))
                )
                and not unit
                and re.fullmatch(r"\d{1,2}", digits)
                and int(digits) <= 20
            ):
                continue  # a list number: "Our goals are: 1. grow …", "2) …"
            if re.search(r"[A-Za-z]-?$", before) or (re.match(r"[A-Za-z]", after[:1]) and not unit):
                continue  # part of a name: "D7", "day-30", "4Developers", "Q3"
            if re.search(r"\d\s?[-\u2013]\s?$", before):
                continue  # the end of a range ("startups of 5-30 people") is a size, not a target
            if _CURRENT.search(before[-30:]) and not re.search(
                r"\b(to|want|target|goal|reach|hit)(?:\s+\S+){0,2}\s*$", before[-24:], re.I
            ):
                continue
            if re.search(r"\(\s*(?:we have|we had|they have|they had|had|has|now|currently|today|was|from|vs|"
                         r"compared|up from|down from)\b[^)]*$", before, re.I):  # fmt: skip
                continue
            if before.count("(") > before.count(")") and not re.search(
                r"\b(target|goal|want)", before[before.rfind("(") :], re.I
            ):
                continue  # an aside in brackets ("(EOI + 10% booking)") is not a goal
            price_like = re.search(r"\b(per (?:month|year|unit|item|night|person|class|lesson)|each|a month|a year|"
                                   r"/\s?(?:month|mo|year|yr)|price[ds]?|costs? (?!per)|pack|tickets?|fee|subscription|"
                                   r"plan)\b", text[max(0, m.start() - 25) : m.end() + 25], re.I)  # fmt: skip
            if price_like and re.match(r"[€£$₹¥₩₦]|R\$|[A-Z]{3}\s", m.group(0)):
                continue
            # A number before the cue word is the current value unless the cue names it as the target.
            if (
                m.start() < cue.start()
                and not re.search(r"\b(target|goal|objective|kpi)", text[m.end() : cue.end() + 1], re.I)
                and re.search(r"\b(want|need|target|goal|→|->|to reach|get to)", text[cue.start() :], re.I)
            ):
                continue
            candidates.append((m, digits, unit))
        for m, digits, unit in candidates:
            target = (m.group(0)).strip()
            metric = _metric(text, m)
            deadline_m = _DEADLINE.search(text, m.end())
            deadline = deadline_m.group(0).strip() if deadline_m else ""
            goal = Goal(metric, target, _value(digits, unit), "%" in unit, deadline, text)
            out.append(Grounded(goal, source.span(sentence.start + m.start(), sentence.start + m.end())))
        after_goal = len(out) > found_before
    return out[:8]


_ALSO = re.compile(
    r"^\s*(?:also|plus|and|additionally|as well|alem disso|al\u00e9m disso|adem\u00e1s|au\u00dferdem|ook)\b",
    re.I,
)


_FILLER = re.compile(
    r"(?<![\w-])(?:is|are|was|were|be|have|has|had|want|wants|wanted|we|our|us|they|i|it|them|target(?:ing)?|goal|aim|need|needs|to|from|by|"
    r"of|at|now|currently|right now|about|around|approx|roughly|last year|this year|next year|today|so far|"
    r"reach|get|hit|grow|increase|the|a|an|and|also|plus|min(?:imum)?|max(?:imum)?|under|over|above|below|"
    r"without|going|less than|more than|at least)(?![\w-])|[~≈]",
    re.IGNORECASE,
)


def _metric(text: str, m: re.Match[str]) -> str:
    """What the number measures: the words after it ("15,000 paying accounts"), else the phrase before it
    in its clause or the clause before ("D7 retention is 14%, want 20%": D7 retention)."""
    after = text[m.end() :]
    stop = _METRIC_STOP.search(after)
    words = [w for w in (after[: stop.start()] if stop else after).split() if not _FILLER.fullmatch(w)]
    if words and re.search(r"[^\W\d_]{2}", " ".join(words)):
        return " ".join(words[:6])
    clauses = re.split(r"[,.;:()!?\n]|\s[\u2013\u2014-]\s|\band\b", text[: m.start()])
    for clause in reversed(clauses):
        cleaned = _FILLER.sub(" ", clause)
        tokens = [
            t for t in cleaned.split() if re.search(r"[^\W\d_]", t) and not re.fullmatch(r"[\W\d]+%?", t)
        ]
        if tokens:
            return " ".join(tokens[-5:])
    return ""
