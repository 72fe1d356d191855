"""Dates as briefs write them: "31 March 2027", "2-4 June 2026", "28 Apr - 1 May 2026", "Q2 2026",
"end of June 2026", "2026-05-01". Deterministic: never reads the clock (a date without a year takes the
year the caller passes, or is left undated)."""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass

_MONTH_NAMES = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
    "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_M = r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_D = r"(\d{1,2})(?:st|nd|rd|th)?"
_Y = r"(\d{4})"
_DASH = r"\s*(?:-|\u2013|\u2014|to|until|through)\s*"

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("iso_range", re.compile(rf"\b{_Y}-(\d{{2}})-(\d{{2}}){_DASH}{_Y}-(\d{{2}})-(\d{{2}})\b")),
    ("iso", re.compile(rf"\b{_Y}-(\d{{2}})-(\d{{2}})\b")),
    ("cross_range", re.compile(rf"\b{_D}\s+{_M}{_DASH}{_D}\s+{_M},?(?:\s+{_Y})?", re.I)),
    ("day_range", re.compile(rf"\b{_D}{_DASH}{_D}\s+{_M},?(?:\s+{_Y})?", re.I)),
    ("us_cross_range", re.compile(rf"\b{_M}\s+{_D}{_DASH}{_M}\s+{_D},?(?:\s+{_Y})?", re.I)),
    ("us_day_range", re.compile(rf"\b{_M}\s+{_D}{_DASH}{_D},?(?:\s+{_Y})?", re.I)),
    ("day", re.compile(rf"\b{_D}\s+(?:of\s+)?{_M},?(?:\s+{_Y})?", re.I)),
    ("us_day", re.compile(rf"\b{_M}\s+{_D}(?:,\s*|\s+){_Y}", re.I)),
    # "Giving Tuesday is December 1st", "Election day Nov 3 is": without a year, an ordinal or a capitalised
    # month says it is a day.
    ("us_day", re.compile(rf"\b{_M}\s+(\d{{1,2}})(?:st|nd|rd|th)\b()", re.I)),
    (
        "us_day",
        re.compile(
            r"\b(Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|June?|July?|Aug(?:ust)?|"
            r"Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?\s+(\d{1,2})\b(?![\d%]|[.,:/-]\d)()"
        ),
    ),
    ("end_of_month", re.compile(rf"\bend\s+of\s+{_M},?\s+{_Y}", re.I)),
    ("quarter", re.compile(r"\b(?:end\s+of\s+)?q([1-4])\s*(?:fy)?\s*'?(\d{4}|\d{2})\b", re.I)),
    ("half", re.compile(rf"\bh([12])\s*{_Y}\b", re.I)),
    ("month", re.compile(rf"\b{_M},?\s+{_Y}", re.I)),
    ("end_of_year", re.compile(rf"\b(?:end\s+of|by\s+the\s+end\s+of)\s+{_Y}\b", re.I)),
)


@dataclass(frozen=True)
class DateSpan:
    """A date (or span of dates) found in text; `end` is the last day (same as start for one day)."""

    start: datetime.date
    end: datetime.date
    text: str  # as written
    pos: int
    pos_end: int
    precision: str  # "day", "month", "quarter", "half", "year"


def month_number(name: str) -> int:
    return _MONTH_NAMES[name.lower().rstrip(".")[:4] if name.lower().startswith("sept") else name.lower()[:3]]


def _last_day(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def _year(text: str | None, default: int | None) -> int | None:
    if text:
        y = int(text)
        return y + 2000 if y < 100 else y
    return default


def _span(
    kind: str, g: tuple[str | None, ...], default_year: int | None
) -> tuple[datetime.date, datetime.date, str] | None:
    """(start, end, precision) for one match."""

    def day(d: str | None, m: str | None, y: int | None) -> datetime.date:
        assert d is not None and m is not None and y is not None
        return datetime.date(y, month_number(m), int(d))

    if kind == "iso_range":
        a = datetime.date(int(g[0] or 0), int(g[1] or 0), int(g[2] or 0))
        b = datetime.date(int(g[3] or 0), int(g[4] or 0), int(g[5] or 0))
        return a, b, "day"
    if kind == "iso":
        a = datetime.date(int(g[0] or 0), int(g[1] or 0), int(g[2] or 0))
        return a, a, "day"
    if kind == "cross_range":
        y = _year(g[4], default_year)
        if y is None:
            return None
        a, b = day(g[0], g[1], y), day(g[2], g[3], y)
        if b < a:  # "28 Dec - 3 Jan 2027": the start is in the year before
            a = day(g[0], g[1], y - 1)
        return a, b, "day"
    if kind == "day_range":
        y = _year(g[3], default_year)
        if y is None:
            return None
        return day(g[0], g[2], y), day(g[1], g[2], y), "day"
    if kind == "us_cross_range":
        y = _year(g[4], default_year)
        if y is None:
            return None
        return day(g[1], g[0], y), day(g[3], g[2], y), "day"
    if kind == "us_day_range":
        y = _year(g[3], default_year)
        if y is None:
            return None
        return day(g[1], g[0], y), day(g[2], g[0], y), "day"
    if kind == "day":
        y = _year(g[2], default_year)
        if y is None:
            return None
        a = day(g[0], g[1], y)
        return a, a, "day"
    if kind == "us_day":
        a = day(g[1], g[0], _year(g[2], default_year))
        return a, a, "day"
    if kind == "end_of_month":
        y = _year(g[1], default_year)
        assert y is not None and g[0] is not None
        last = _last_day(y, month_number(g[0]))
        return last, last, "day"
    if kind == "quarter":
        y = _year(g[1], default_year)
        assert y is not None
        q = int(g[0] or 1)
        return datetime.date(y, 3 * q - 2, 1), _last_day(y, 3 * q), "quarter"
    if kind == "half":
        y = _year(g[1], default_year)
        assert y is not None
        return (
            (datetime.date(y, 1, 1), datetime.date(y, 6, 30), "half")
            if g[0] == "1"
            else (
                datetime.date(y, 7, 1),
                datetime.date(y, 12, 31),
                "half",
            )
        )
    if kind == "month":
        y = _year(g[1], default_year)
        assert y is not None and g[0] is not None
        m = month_number(g[0])
        return datetime.date(y, m, 1), _last_day(y, m), "month"
    if kind == "end_of_year":
        y = int(g[0] or 0)
        return datetime.date(y, 12, 31), datetime.date(y, 12, 31), "year"
    return None


def find_dates(text: str, default_year: int | None = None) -> list[DateSpan]:
    """Every date or span of dates in the text, in order; overlapping readings keep the most specific."""
    found: list[DateSpan] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            if any(m.start() < end and start < m.end() for start, end in taken):
                continue
            try:
                span = _span(kind, m.groups(), default_year)
            except (ValueError, KeyError, AssertionError):
                span = None
            if span is None:
                continue
            taken.append((m.start(), m.end()))
            found.append(
                DateSpan(span[0], span[1], m.group(0).strip().rstrip(","), m.start(), m.end(), span[2])
            )
    return sorted(found, key=lambda d: d.pos)


def first_year(text: str) -> int | None:
    """The first four-digit year (1990-2100) in the text, to date "2-4 June" when the year is implied."""
    for m in re.finditer(r"(?<!\d)(19[9]\d|20\d\d|2100)(?!\d)", text):
        return int(m.group(1))
    return None
