"""Competitors: the names a brief compares the client with, wherever they are written.

From a labelled line ("Competitors: Dream11 (also went free), My11Circle") each listed item; from prose,
the proper names in a sentence that compares ("People compare us with Engel Natur, Disana and Hessnatur",
"Oatly and Alpro dominate German shelves"). Never the brand itself, a place, a month or a channel.
"""

from __future__ import annotations

import functools
import re

from services.generator.domain.readers.events import moment_names_known
from services.generator.domain.readers.source import Grounded, Source
from services.generator.domain.vocabulary import vocabulary

_LABEL = re.compile(
    r"^\s*(?:main |key |our |the |direct )?(?:competitors?|competition|competitive set|rivals?|alternatives|comps?|"
    r"competitive landscape|other venues|other (?:brands|players|chains|apps|providers|shops|schools|clinics|agencies)|"
    r"concorrentes|concorr\u00eancia|competencia|competidores|konkurencja|wettbewerber|"
    r"wettbewerb|konkurrenz|konkurrenten|concurrenten|concurrentie|concurrence|concurrents)\b"
    r"(?:\s+(?:in|for|on|at)\s+[^:\n]{1,30})?\s*(?:(?:are|is|include)?\s*[:\u2013\u2014-]|\s(?:are|include))\s*(.+)$"
    r"|^\s*(?:we|they)\s+compete\s+(?:with|against)\s+(.+)$",
    re.IGNORECASE,
)
_CUE = re.compile(
    r"\b(compet\w*|rivals?|vs\.?|versus|compare[sd]?|comparison|alternatives?|instead of|switch(?:ing|ed)? from|"
    r"up against|dominat\w*|market leaders?|leaders?|players?|incumbents?|go(?:es)? up against|lose (?:to|deals to)|"
    r"losing to|benchmark|bigger|cheaper than|undercut\w*|same street|(?:brands|apps|companies|chains|"
    r"franchises|players|providers|firms|shops|stores) like|confus\w* (?:us )?with|mistak\w* (?:us )?for|"
    r"big (?:names|ones|players|guys|boys|brands|chains))\b",
    re.IGNORECASE,
)
_NAME = re.compile(
    r"(?<![\w'])((?:[A-Z0-9][\w'\u2019.&+-]*|[a-z]+[A-Z][\w'.-]*|[\uac00-\ud7af\u3040-\u30ff\u4e00-\u9fff]+)"
    r"(?:\s+(?:&\s+)?(?:[A-Z0-9][\w'\u2019.&+-]*|[dl]['\u2019][A-Z][\w-]*|(?:de|da|do|of|the)\b|"
    r"[\uac00-\ud7af]+))*)"
)
_COMMON = {
    "i", "we", "our", "us", "they", "the", "a", "an", "also", "and", "but", "or", "people", "competitors",
    "competition", "competitor", "rivals", "main", "key", "big", "biggest", "very", "honestly", "plus", "then",
    "most", "some", "many", "both", "all", "other", "others", "sorry", "ok", "note", "notes", "pls", "btw", "re",
    "it", "this", "that", "these", "those", "there", "he", "she", "his", "her", "who", "what", "which", "when",
    "where", "why", "how", "yes", "no", "not", "never", "budget", "audience", "target", "goal", "goals", "vs",
    "ceo", "cmo", "cfo", "coo", "cto", "founder", "md", "hq", "b2b", "b2c", "smb", "smbs", "seo", "sem", "ppc",
    "crm", "kpi", "kpis", "roas", "cac", "ltv", "aov", "mau", "dau", "gmv", "q1", "q2", "q3", "q4", "h1", "h2",
    "fy", "eu", "uk", "usa", "dtc", "d2c", "ugc", "ai", "app", "apps", "online", "offline", "ads", "ad",
}  # fmt: skip
_COMMON |= {
    "we're",
    "we\u2019re",
    "they're",
    "it's",
    "we've",
    "i'm",
    "we'll",
    "that's",
    "there's",
    "let's",
    "please",
}
_MONTHS = {m.lower() for m in (
    ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"])}  # fmt: skip


# A group the brief itself calls a competitor: "<who> (...) are also / both ... competitors".
_CALLED_A_RIVAL = re.compile(
    r"^\s*(?:also|and|plus|but)?\s*(?P<what>[^\W\d][\w'-]*(?:\s+[^\W\d][\w'-]*){0,3}?)\s*(?:\([^)]*\)\s*)?"
    r"(?:is|are)\s+(?:also\s+|both\s+|really\s+|the\s+real\s+)?[^.]{0,30}?\b(?:an?\s+)?(?:competitors?|rivals?|competition)\b",
    re.IGNORECASE,
)
_COMPARED_NEXT = re.compile(
    r"^\s*([A-Z][\w'.&-]*(?:\s+[A-Z][\w'.&-]*)*)\s+(?:is|are)\s+(?:(?:much|far|a bit|even)\s+)?"
    r"(?:more|less|cheaper|bigger|smaller|pricier|newer|older|stronger|the (?:leader|biggest|cheapest))\b"
)


# Who speaks in a pasted chat or transcript ("[09:12] Rafael: ...", "Sophie: ..."): a person, not a rival.
_SPEAKER = re.compile(r"^\s*(?:\[[^\]]{1,20}\]\s*)?([A-Z][\w'-]+(?:\s[A-Z][\w'-]+)?)\s*:", re.MULTILINE)


def _excluded(source: Source) -> set[str]:
    speakers = {m.group(1).casefold() for m in _SPEAKER.finditer(source.text)}
    speakers = {s for s in speakers if len(_SPEAKER.findall(source.text)) >= 2}
    return {source.brand.casefold(), source.client.casefold()} | speakers | _known_words()


@functools.cache
def _known_words() -> frozenset[str]:
    """Words that are never a competitor: common words, months, and the vocabulary's channels and places."""
    v = vocabulary()
    out = set(_COMMON | _MONTHS)
    for c in v.channels:
        out.add(c.name.casefold())
        out |= {a.casefold() for a in c.aliases}
    for country in v.countries:
        out.add(country.name.casefold())
        out |= {a.casefold() for a in country.aliases}
    for cities in v.cities.values():
        out |= {c.casefold() for c in cities}
    out |= {name.casefold() for name in moment_names_known()}  # "cinema at Christmas" names no rival
    return frozenset(out)


def _is_date_or_figure(name: str) -> bool:
    """ "31 December 2026", "650 EV", "Avg": a date, a figure with its unit or an abbreviation, not a rival."""
    if re.match(r"^\d", name):
        return not re.match(r"^\d+[A-Za-z]*[A-Z][a-z]+", name)  # "4Developers", "7Eleven" are names
    return bool(
        re.fullmatch(r"(?:Avg|Approx|Ca|Est|Min|Max|Total|Per|Plus|Channels?\s+\w+|Please\s+\w+)", name)
    )


def _clean_name(name: str) -> str:
    name = re.sub(r"\s+", " ", name).strip(" .,'\u2019&-")
    return re.sub(r"^(?:The|And|Also|Plus|Like|Or|But|Then|Honestly)\s+", "", name)


_CLAUSE = re.compile(
    r"\b(we|they|us|them|it|is|are|was|were|can|can't|cannot|don't|won't|will|would|have|has)\b", re.I
)
_MONTH_IN = re.compile(
    r"\b(?:January|February|March|April|May|June|July|August|September|October|November|December)\b"
)


def _listed(body: str, excluded: set[str] = frozenset()) -> list[str]:  # type: ignore[assignment]
    """Items of a labelled list, each as its name: "Dream11 (also went free), My11Circle, and honestly the
    JioHotstar app" gives Dream11, My11Circle, JioHotstar. An item that names no one but a channel ("loads of
    Instagram handymen") is kept short as written, a quoted one ("the real rival is 'my guy'") as quoted, and
    an item the writer takes back in brackets ("Acme (no, that's another city)") is dropped."""
    out = []
    body = re.split(r"\s[\u2013\u2014-]\s|:\s", body)[0]  # commentary after a dash is not a name
    body = re.sub(
        r"[^,;()]*\(\s*(?:no|nope|not|wrong|scratch that)\s*[,\u2013\u2014-][^)]*\)", "", body, flags=re.I
    )
    for raw in re.split(
        r"\s*(?:[,;]|\band\b|\bor\b|\be\b|\by\b|\bi\b|\bund\b|\ben\b|\bet\b)\s*",
        re.sub(r"\([^)]*\)", "", body),
    ):
        raw = re.sub(r"^(?:(?:also|plus|honestly|and|but|mostly|mainly|especially|the)\s+)+", "", raw.strip(" .!?"),
                     flags=re.I)  # fmt: skip
        described = raw
        raw = re.sub(r"^(?:(?:the|big|many|some|loads of|lots of|other|"
                     r"(?:\w+\s+)?(?:brands|franchises|chains|apps|players) like)\s+)+", "", raw, flags=re.I)  # fmt: skip
        names = [
            m.group(1)
            for m in _NAME.finditer(raw)
            if not all(w.casefold() in excluded for w in _clean_name(m.group(1)).split())
        ]
        quoted = re.search(r"['\u2018\"\u201c]([^'\u2019\"\u201d]{2,40})['\u2019\"\u201d]", raw)
        if names:
            out.append(names[0])
        elif quoted:
            out.append(quoted.group(1))
        elif described and len(described.split()) <= 6 and not _CLAUSE.search(described):
            out.append(described)
    return out


def read_competitors(source: Source) -> list[Grounded[str]]:
    excluded = _excluded(source)
    brand_words = {w.casefold() for w in re.findall(r"\w+", source.brand)}
    out: list[Grounded[str]] = []

    def add(name: str, start: int) -> None:
        name = _clean_name(name)
        key = name.casefold()
        if not name or len(name) < 2 or key in excluded or key in brand_words:
            return
        if all(w.casefold() in excluded for w in name.split()):
            return
        if not re.search(r"[^\W\d_]{2}", name) or _is_date_or_figure(name):
            return
        if any(g.value.casefold() == key for g in out):
            return
        span = source.ground(name)
        out.append(Grounded(name, span or source.span(start, start + len(name))))

    after_list = False
    for sentence in source.sentences:
        label = _LABEL.match(sentence.text) if sentence.field in ("", "competitors") else None
        follows, after_list = after_list, label is not None
        if label is None and follows:
            # "Competitors: A, B. C is more premium.": a name compared right after the list is one more.
            more = _COMPARED_NEXT.match(sentence.text)
            if more:
                add(more.group(1), sentence.start)
                continue
        if label is None and sentence.field == "" and not _CUE.search(sentence.text):
            continue
        group = (1 if label.group(1) is not None else 2) if label else 0
        body = label.group(group) if label else sentence.text
        offset = sentence.start + (label.start(group) if label else 0)
        strong = re.search(r"\b(compet\w*|rivals?|vs\.?|versus|compare[sd]?|alternatives?|dominat\w*|"
                           r"up against|lose|losing|incumbents?|players?|confus\w* (?:us )?with|"
                           r"mistak\w* (?:us )?for|big (?:names|ones|guys|boys|brands|chains))\b",
                           sentence.text, re.I)  # fmt: skip
        # A weaker cue ("brands like", "bigger") needs a list of names after it.
        weak = re.search(r"\b(bigger|cheaper than|same street|(?:brands|apps|companies|chains|franchises|"
                         r"players|providers|firms|shops|stores) like)\b", sentence.text, re.I)  # fmt: skip
        if label is None and not strong and not weak:
            continue
        if label is not None:
            # The list runs to the end of its line, past a "?" or "!" inside it ("Acme? (no, that's Leeds)").
            line_end = source.text.find("\n", offset)
            line_end = len(source.text) if line_end < 0 else line_end
            if sentence.text.rstrip().endswith(("?", "!")) and line_end > offset + len(body):
                body = source.text[offset:line_end]
            for item in _listed(body, excluded):
                add(item, offset + max(0, body.find(item)))
            continue
        called = _CALLED_A_RIVAL.match(body)
        if called:  # "Also accounting offices (biura rachunkowe) are both a channel and a competitor."
            add(called.group("what"), offset + called.start("what"))
        cue = _CUE.search(body)
        after = cue.start() if cue else 0
        for m in _NAME.finditer(body):
            if m.start() < after - 90:
                continue
            if re.fullmatch(r"[A-Z0-9]{1,4}", m.group(1)) or _MONTH_IN.search(m.group(1)):
                continue  # an acronym in passing ("FX", "CPO") or a date is not a rival named in prose
            start = offset + m.start()
            # A capitalised word opening the sentence is a name only if it is not a common word: one of the
            # list, or one the brief also writes in lower case ("Engineers download..." beside "design
            # engineers").
            first = m.group(1).split()[0]
            if (
                m.start() == 0
                and label is None
                and (
                    first.casefold() in _COMMON
                    or re.search(rf"(?<![\w'])\b{re.escape(first.lower())}\b", source.text)
                )
            ):
                rest = m.group(1).split(" ", 1)
                if len(rest) == 2:
                    add(rest[1], start)
                continue
            add(m.group(1), start)
    return out[:8]
