"""Dated moments: events the brief dates ("Start 1 March", "Hannover Messe, 20-24 April") and marketing moments
it names without a date ("Black Week", "Diwali", "Canada Day"), dated from moments.yaml for the brief's year.
Deadlines ("by 31 May") are goals, not events."""

from __future__ import annotations

import datetime
import functools
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from services.generator.domain.dates import find_dates
from services.generator.domain.readers.source import Grounded, Source

_DATA = Path(__file__).resolve().parent.parent / "moments.yaml"
_DEADLINE = re.compile(
    r"\b(by|before|until|till|no later than|deadline|due|through)\s+(?:the\s+)?(?:end\s+of\s+)?$", re.I
)
_START = re.compile(r"\b(start(?:s|ing)?|kick(?:s|ing)?[- ]off|launch(?:es|ing)?|go(?:es)?[- ]live|opens?|opening|"
                    r"begins?|from)\b", re.I)  # fmt: skip
_FILLER = re.compile(r"^(?:(?:the|a|an|our|is|are|on|at|in|and|with|from|around|about|which|should|start|be|"
                     r"it's|its|falls?|huge|big|biggest|key|dates?|main)\s+)+", re.I)  # fmt: skip


_TRAILING = re.compile(
    r"(?i)is|are|on|at|in|falls?|starts?|opens?|begins?|ends?|runs?|from|the|a|of|for|"
    r"was|will|be|which|should|around|approx\.?|\(|\(the|first|early|late|mid"
)


# Lines about money, goals or timing date the plan, not an event.
_NOT_EVENTS = re.compile(r"^\s*(?:\W\s*)?(?:budget|spend|timeline|timing|dates|duration|objectives?|goals?|kpis?|"
                         r"targets?|success)\b", re.I)  # fmt: skip


_STARTS_IN = re.compile(
    r"\b(?:start(?:s|ing)?|begin(?:s|ning)?|kick(?:s|ing)? off|launch(?:es|ing)?|roll(?:s|ing)? out|join(?:s|ing)?|"
    r"go(?:es|ing)? into|open(?:s|ing)?|empez\w*|comenz\w*|come\u00e7\w*|beginnen|starten)\b[^.;]{0,40}"
    r"\b(?:from|in|en|em|im|ab|vanaf|w|od)\s*$",
    re.IGNORECASE,
)
_IS_ON = re.compile(
    r"\b(?:is|are|falls?|takes? place|happens?|will be|runs?)\s+(?:on|in)?\s*$", re.IGNORECASE
)
_LEAD_WORDS = re.compile(r"^(?:want|wants|we|to|fill|would|like|should|the|a|an|our|also|and|then|so)$", re.I)


_LOCALES = ("en", "es", "pt", "de", "fr", "nl", "it", "pl")


@functools.cache
def _month_names() -> dict[str, int]:
    """Month names in the languages briefs are written in, from CLDR (babel)."""
    from babel import Locale

    out: dict[str, int] = {}
    for code in _LOCALES:
        for number, name in Locale(code).months["format"]["wide"].items():
            out.setdefault(str(name).casefold(), int(number))
    return out


_MONTH_NUMBER: dict[str, int] = {}


@functools.cache
def _month_pattern() -> re.Pattern[str]:
    _MONTH_NUMBER.update(_month_names())
    names = sorted(_MONTH_NUMBER, key=len, reverse=True)
    return re.compile(r"(?<![\w])(" + "|".join(re.escape(n) for n in names) + r")(?![\w])", re.IGNORECASE)


def _what_starts(clause: str) -> str:
    """The thing that starts, in the client's lowercase words ("the winter intensive starting" gives "winter
    intensive starts"), or "" when the words before the verb name nothing."""
    verb = _START.search(clause)
    if verb is not None and verb.group(0).casefold() == "from" and not _STARTS_IN.search(clause + " from"):
        return ""  # "drops to £12,000 from 6 April": a change, not something that starts
    head = _START.split(re.sub(r"\([^)]*\)", " ", clause), maxsplit=1)[0]
    head = re.split(
        r"\b(?:join(?:s|ing)?|go(?:es|ing)? into|roll(?:s|ing)? out|open(?:s|ing)?|empez\w*|comenz\w*|"
        r"come\u00e7\w*|beginn\w*|starten)\b",
        head,
        flags=re.IGNORECASE,
    )[0]
    words = [w for w in re.findall(r"[^\W\d_][\w'-]*", head)][-4:]
    while words and _LEAD_WORDS.match(words[0]):
        words.pop(0)
    if not words or all(_LEAD_WORDS.match(w) for w in words):
        return ""
    if re.search(
        r"\b(?:campaign|programme|program|plan|flight|communication|activity|marketing)s?\b",
        " ".join(words),
        re.I,
    ):
        return ""  # the campaign itself starting: its start, not an event of its own
    return " ".join(words) + " starts"


@dataclass(frozen=True)
class Moment:
    name: str
    start: datetime.date
    date_text: str


@dataclass(frozen=True)
class _MomentRule:
    pattern: re.Pattern[str]
    name: str
    fixed: tuple[int, int] | None = None  # (month, day)
    rule: str = ""  # black_friday, cyber_monday, us_thanksgiving, easter
    dates: tuple[datetime.date, ...] = ()  # published dates of a moving moment

    def on(self, year: int) -> datetime.date | None:
        if self.fixed is not None:
            return datetime.date(year, *self.fixed)
        if self.dates:
            return next((d for d in self.dates if d.year == year), None)
        if self.rule == "easter":
            return _easter(year)
        if self.rule in _AFTER_THANKSGIVING:
            first = datetime.date(year, 11, 1)
            thanksgiving = first + datetime.timedelta(days=(3 - first.weekday()) % 7 + 21)
            return thanksgiving + datetime.timedelta(days=_AFTER_THANKSGIVING[self.rule])
        return None


_AFTER_THANKSGIVING = {"us_thanksgiving": 0, "black_friday": 1, "cyber_monday": 4, "giving_tuesday": 5}


def _easter(year: int) -> datetime.date:
    """Western Easter Sunday (the anonymous Gregorian computus)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 19 * l_) // 433
    month = (h + l_ - 7 * m + 90) // 25
    return datetime.date(year, month, (h + l_ - 7 * m + 33 * month + 19) % 32)


@functools.cache
def _moments() -> tuple[_MomentRule, ...]:
    raw = yaml.safe_load(_DATA.read_text(encoding="utf-8"))
    out = []
    for kind in ("fixed", "rules", "table"):
        for m in raw[kind]:
            names = [str(m["name"]), *(str(a) for a in m.get("aliases", []))]
            pattern = re.compile(r"(?<![\w])(?:" + "|".join(re.escape(n) for n in names) + r")(?![\w])", re.I)
            out.append(
                _MomentRule(
                    pattern,
                    str(m["name"]),
                    fixed=(int(m["month"]), int(m["day"])) if kind == "fixed" else None,
                    rule=str(m.get("rule", "")),
                    dates=tuple(datetime.date.fromisoformat(d) for d in m.get("dates", [])),
                )
            )
    return tuple(out)


def reference_year(text: str) -> int | None:
    """The year a brief plans for: the one it names most (ties: the later), never the clock."""
    years = [int(y) for y in re.findall(r"(?<!\d)(20\d\d)(?!\d)", text)]
    if not years:
        return None
    return max(set(years), key=lambda y: (years.count(y), y))


def read_events(
    source: Source, year: int | None, starts: datetime.date | None = None
) -> list[Grounded[Moment]]:
    """Dated events and named moments, each once, in the order the brief gives them. A moment that falls
    before `starts` (the plan's first day) is taken in the following year."""
    out: list[Grounded[Moment]] = []
    seen: set[str] = set()

    def add(name: str, day: datetime.date, text: str, start: int, end: int) -> None:
        key = name.casefold()
        if not name or key in seen or f"{key}@{day}" in seen:
            return
        seen.add(f"{key}@{day}")
        out.append(Grounded(Moment(name, day, text), source.span(start, end)))

    for sentence in source.sentences:
        if sentence.field in ("budget", "objectives", "timeline") or _NOT_EVENTS.match(sentence.text):
            continue
        previous: tuple[str, int] | None = (
            None  # the last event named in this sentence, and where its date ends
        )
        for d in find_dates(sentence.text, year):
            before = sentence.text[: d.pos]
            if previous is not None and re.fullmatch(
                r"\s*(?:,|and|&|or|y|et|und|e)\s*", before[previous[1] :]
            ):
                # "exams are on 14 March and 9 May": the second date is the same event's
                add(previous[0], d.start, d.text, sentence.start + d.pos, sentence.start + d.pos_end)
                previous = (previous[0], d.pos_end)
                continue
            # A month alone dates an event only when something starts then ("joins from October", "we go into
            # 60 stores in October"): it starts on the 1st.
            month_start = d.precision == "month" and _STARTS_IN.search(before[-60:]) is not None
            if (d.precision != "day" and not month_start) or _DEADLINE.search(before):
                continue
            clause = re.split(r"[.;!?]|\s[\u2013\u2014-]\s|,\s(?=[a-z])", before)[-1]
            words = _FILLER.sub("", clause.strip(" ,:(\u2013-")).strip(" ,:(").split()[-6:]
            while words and _TRAILING.fullmatch(words[-1]):
                words.pop()
            capital = next((i for i, w in enumerate(words) if w[:1].isupper()), None)
            name = " ".join(words[capital:]).strip(" ,:(") if capital is not None else ""
            if not name and words and len(words) <= 4 and _IS_ON.search(clause):
                # "the gala is on 12 June", "our entrance exams are on 14 March": the thing that is on then
                name = " ".join(words).strip(" ,:(")
                name = name[:1].upper() + name[1:]
            if source.brand and source.brand.casefold() in name.casefold():
                name = ""
            if not name and _START.search(before):
                name = _what_starts(clause) or "Campaign start"
            elif not name and month_start:
                name = _what_starts(clause) or "Start"
            if name:
                add(name, d.start, d.text, sentence.start + d.pos, sentence.start + d.pos_end)
                previous = (name, d.pos_end)
    if year is None:
        return out  # an undated brief: a named moment cannot be placed in a year
    for sentence in source.sentences:
        if sentence.field in ("budget", "objectives", "timeline") or _NOT_EVENTS.match(sentence.text):
            continue
        for hit in _month_pattern().finditer(sentence.text):
            before = sentence.text[: hit.start()]
            if _STARTS_IN.search(before[-60:]) is None or re.match(r"\s*\d", sentence.text[hit.end() :]):
                continue  # no start, or a full date the loop above read
            month = _MONTH_NUMBER[hit.group(0).casefold()]
            first_day = datetime.date(year, month, 1)
            # A month well before the plan's first dated day is next year's ("from January" in an autumn plan);
            # one just before it is the run-up (a branch joining the month before the first event).
            if starts is not None and (starts - first_day).days > 62:
                first_day = first_day.replace(year=year + 1)
            clause = re.split(r"[.;!?]|\s[\u2013\u2014-]\s|,\s(?=[a-z])", before)[-1]
            # Capitalised names before the month, never the verb that opens the sentence ("Empezamos en ...").
            capitals = re.findall(r"\b[A-Z][\w'-]+(?:\s+[A-Z][\w'-]+)*", clause)
            named = [c for c in capitals if not _STARTS_IN.match(c + " in")]
            name = (named[-1] + " starts") if named else (_what_starts(clause) or "Start")
            add(name, first_day, hit.group(0), sentence.start + hit.start(), sentence.start + hit.end())
    for moment in _moments():
        m = moment.pattern.search(source.text)
        if m is None:
            continue
        day = moment.on(year)
        if day is not None and starts is not None and day < starts:
            day = moment.on(year + 1) or day
        if day is not None:
            add(moment.name, day, f"{day.day} {day:%B %Y}", m.start(), m.end())
    return out


def moment_names(text: str) -> list[str]:
    """The named marketing moments a text mentions ("Black Friday", "Diwali"), by moments.yaml's names."""
    return [rule.name for rule in _moments() if rule.pattern.search(text)]


def moment_names_known() -> tuple[str, ...]:
    """Every name moments.yaml knows a moment by (its name and aliases)."""
    raw = yaml.safe_load(_DATA.read_text(encoding="utf-8"))
    return tuple(
        str(n)
        for kind in ("fixed", "rules", "table")
        for m in raw[kind]
        for n in (m["name"], *m.get("aliases", []))
    )
