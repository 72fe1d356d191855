"""Reading the free-text timeline ("8 weeks", "Q3 2026", "Sept-Nov 2026", "2026-09-01") into a programme
length and, where the text names one, an anchor date. Never reads the clock: output must be deterministic.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

DEFAULT_WEEKS = 12

_NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "a": 1,
    "an": 1,
}
_UNIT_DAYS = {
    "day": 1,
    "week": 7,
    "wk": 7,
    "month": 30.44,
    "mo": 30.44,
    "mth": 30.44,
    "quarter": 91.3,
    "year": 365.25,
    "yr": 365.25,
}
_DURATION = re.compile(
    r"\b(\d+(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|an?)\s*-?\s*(days?|weeks?|wks?|months?|mos?|mths?|quarters?|years?|yrs?)\b",
    re.IGNORECASE,
)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH_RE = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_MONTH_RANGE = re.compile(
    _MONTH_RE + r"\s*(?:-|\u2013|—|to|through|until)\s*" + _MONTH_RE + r",?\s+(\d{4})", re.IGNORECASE
)
_MONTH_YEAR = re.compile(r"\b" + _MONTH_RE + r",?\s+(\d{4})\b", re.IGNORECASE)
_QUARTER = re.compile(r"\bq([1-4])\s*(?:fy)?\s*'?(\d{4}|\d{2})\b|\b(\d{4})\s*-?\s*q([1-4])\b", re.IGNORECASE)
_HALF = re.compile(r"\bh([12])\s*(\d{4})\b", re.IGNORECASE)
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


@dataclass(frozen=True)
class Timeline:
    weeks: int  # programme length in weeks
    weeks_stated: bool  # False when we fell back to DEFAULT_WEEKS
    anchor: datetime.date | None  # a date the timeline names, if any
    anchor_exact: bool  # True for an explicit date, False for "start of a month/quarter"
    label: str  # how to say the timeline in a sentence


def _year(text: str) -> int:
    y = int(text)
    return y + 2000 if y < 100 else y


def first_monday_on_or_after(day: datetime.date) -> datetime.date:
    return day + datetime.timedelta(days=(7 - day.weekday()) % 7)


def parse_timeline(text: str) -> Timeline:
    """The programme length and anchor the timeline text names; defaults to 12 weeks, no anchor."""
    weeks: float | None = None
    anchor: datetime.date | None = None
    exact = False
    m_dur = _DURATION.search(text)
    if m_dur:
        n_text = m_dur.group(1).lower()
        n = float(_NUMBER_WORDS.get(n_text, 0)) if n_text in _NUMBER_WORDS else float(n_text)
        unit = m_dur.group(2).lower().rstrip("s")
        weeks = n * _UNIT_DAYS.get(unit, 7) / 7
    m_iso = _ISO.search(text)
    m_range = _MONTH_RANGE.search(text)
    m_q = _QUARTER.search(text)
    m_h = _HALF.search(text)
    m_month = _MONTH_YEAR.search(text)
    try:
        if m_iso:
            anchor = datetime.date(int(m_iso.group(1)), int(m_iso.group(2)), int(m_iso.group(3)))
            exact = True
        elif m_range:
            first = _MONTHS.index(m_range.group(1).lower()[:3]) + 1
            last = _MONTHS.index(m_range.group(2).lower()[:3]) + 1
            anchor = datetime.date(int(m_range.group(3)), first, 1)
            if weeks is None:
                weeks = ((last - first) % 12 + 1) * 30.44 / 7
        elif m_q:
            q = int(m_q.group(1) or m_q.group(4))
            year = _year(m_q.group(2) or m_q.group(3))
            anchor = datetime.date(year, 3 * (q - 1) + 1, 1)
            if weeks is None:
                weeks = 13
        elif m_h:
            anchor = datetime.date(int(m_h.group(2)), 1 if m_h.group(1) == "1" else 7, 1)
            if weeks is None:
                weeks = 26
        elif m_month:
            anchor = datetime.date(int(m_month.group(2)), _MONTHS.index(m_month.group(1).lower()[:3]) + 1, 1)
    except ValueError:  # e.g. 2026-02-31
        anchor, exact = None, False
    stated = weeks is not None
    n_weeks = max(2, min(104, round(weeks))) if weeks is not None else DEFAULT_WEEKS
    label = f"{n_weeks} weeks" if stated else f"{DEFAULT_WEEKS} weeks (working assumption)"
    return Timeline(weeks=n_weeks, weeks_stated=stated, anchor=anchor, anchor_exact=exact, label=label)
