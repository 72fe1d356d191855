"""Reading a brief: form fields and free text (an uploaded brief) into one `UnderstoodBrief`.

Deterministic rules, no model: the same brief always gives the same facts. The free text is read in two
passes: labelled parts ("Budget: £45,000", "## Competitors", "Objectives:" followed by a list) are read
exactly as the matching form field would be, so a brief given only as text yields the same facts as the
form; then the remaining prose is scanned sentence by sentence for facts written in passing ("we compete
with Wiz and Orca", "all creative in German", "no paid social on TikTok").

A form field (or a metadata key with the same name) always wins over the text for the same fact, so an
operator corrects a misread fact by filling in the field. Rules are the exception: every rule found in the
form or the text is kept, because a plan must obey them all.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from services.generator.domain.brief import Brief
from services.generator.domain.dates import find_dates, first_year
from services.generator.domain.money import (
    CURRENCIES,
    MULTIPLIERS,
    Budget,
    Currency,
    currency_of,
    find_amounts,
    parse_budget,
)
from services.generator.domain.readers import read_brief
from services.generator.domain.readers.goals import Goal
from services.generator.domain.readers.money import CORRECTION
from services.generator.domain.readers.money import GOAL_MOVE as _GOAL_MOVE
from services.generator.domain.readers.places import (
    country_currency,
    country_name,
    language_code,
    market_language,
)
from services.generator.domain.readers.source import Sentence, Span
from services.generator.domain.text import clean, dedupe, split_list
from services.generator.domain.timeline import parse_timeline
from services.generator.domain.typos import mend
from services.generator.domain.understanding import (
    BriefEvent,
    BusinessModel,
    Competitor,
    Objective,
    Origin,
    Price,
    PriceKind,
    Rules,
    Segment,
    UnderstoodBrief,
)
from services.generator.domain.vocabulary import Vocabulary, vocabulary

# ----- labels: how a brief names each fact (form metadata keys and headings in the text) -------------------

# The labels themselves are vocabulary (vocabulary.yaml, `labels`).


@functools.cache
def _label_of() -> dict[str, str]:
    """Every label in lower case without spaces or punctuation -> the fact it names."""
    return {
        re.sub(r"[^a-z0-9]", "", label): fact
        for fact, labels in vocabulary().labels.items()
        for label in labels
    }


# The form's own fields, by fact.
_FORM_FIELDS = {
    "product": "product_service",
    "industry": "industry",
    "geography": "geography",
    "audience": "audience",
    "objectives": "objectives",
    "budget": "budget",
    "timeline": "timeline",
    "constraints": "constraints",
}

_HEADING = re.compile(
    r"^\s*(?:#{1,6}\s*)?(?:\*\*|__)?(?P<label>[A-Za-z][A-Za-z /&'_-]{1,40}?)(?:\*\*|__)?\s*"
    r"(?:(?P<sep>[:\u2013\u2014]|\s-\s)\s*(?P<rest>.*))?$"
)
_MD_HEADING = re.compile(r"^\s*#{1,6}\s+\S")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+\u2022]|\d+[.)])\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'\u201c(])|\n+")
_QUOTED = re.compile(
    r"[\"\u201c\u201e\u00ab]([^\"\u201c\u201d\u201e\u00ab\u00bb]{1,60})[\"\u201d\u00bb]|(?<![\w])['\u2018]([^'\u2018\u2019]{1,60})['\u2019](?![\w])"
)


@dataclass
class _Text:
    """The free text split into labelled parts (fact -> text) and the prose left over."""

    parts: dict[str, str] = field(default_factory=dict)
    prose: list[str] = field(default_factory=list)


def _label(raw: str) -> str | None:
    return _label_of().get(re.sub(r"[^a-z0-9]", "", raw.lower()))


def _split_text(text: str) -> _Text:
    """Labelled parts and prose.

    A heading line alone ("## Objectives", "Objectives:") opens a part that runs to the next heading, or,
    when the part is a list, to the first paragraph of prose after a blank line. "Budget: £45,000 over 12
    weeks. We compete with..." is a one-line part holding its first sentence (the rest of the line is prose),
    continued only by list items under it.
    """
    out = _Text()
    current: str | None = None
    inline = False
    listy = False  # the open part holds list items
    after_blank = False
    buffer: list[str] = []

    def flush() -> None:
        body = "\n".join(buffer).strip()
        if body:
            if current is None:
                out.prose.append(body)
            else:
                out.parts[current] = (out.parts.get(current, "") + "\n" + body).strip()
        buffer.clear()

    for line in text.splitlines():
        stripped = line.strip()
        m = _HEADING.match(stripped) if stripped else None
        fact = _label(m.group("label")) if m else None
        is_heading_line = bool(
            m
            and fact
            and (
                m.group("sep")
                or _MD_HEADING.match(stripped)
                or stripped.endswith(":")
                or stripped.startswith("**")
            )
        )
        if (
            m
            and fact
            and not m.group("sep")
            and not _MD_HEADING.match(stripped)
            and len(stripped.split()) <= 4
        ):
            is_heading_line = True  # a short line that is just a label ("Objectives")
        if is_heading_line and m is not None:
            flush()
            current, listy, after_blank = fact, False, False
            rest = (m.group("rest") or "").strip()
            inline = bool(rest)
            if rest:
                first, *more = _SENTENCE_END.split(rest, maxsplit=1)
                buffer.append(first)
                if more and more[0].strip():
                    flush()
                    out.prose.append(more[0].strip())
            continue
        if _MD_HEADING.match(stripped):  # a heading we do not know: what follows is prose
            flush()
            current, inline = None, False
            continue
        is_item = bool(_LIST_ITEM.match(line))
        if current is not None and stripped and not is_item and (inline or (listy and after_blank)):
            flush()  # a one-line part, or a list part, ends where the prose resumes
            current, inline = None, False
        if current is not None and inline and not stripped:
            flush()
            current, inline = None, False
            continue
        if current is not None and is_item:
            listy = True
        after_blank = not stripped
        buffer.append(line)
    flush()
    return out


_ABBREVIATION = re.compile(
    r"(?:\b(?:co|ltd|inc|corp|st|dr|mr|mrs|ms|no|approx|vs|etc|e\.g|i\.e)\.|\b[A-Z]\.)$", re.I
)


def _sentences(text: str) -> list[str]:
    """Sentences and lines; a full stop after an abbreviation ("Co. Ltd", "Inc.") does not end one."""
    pieces = [clean(s) for s in _SENTENCE_END.split(text) if clean(s)]
    out: list[str] = []
    for piece in pieces:
        if out and _ABBREVIATION.search(out[-1]) and "\n" not in out[-1]:
            out[-1] = f"{out[-1]} {piece}"
        else:
            out.append(piece)
    return out


# ----- channels -------------------------------------------------------------------------------------------

_NEGATE = re.compile(
    r"\b(no|not|without|drop|remove|exclude|excluding|avoid|stop|never|skip|ban|banned|don'?t|do not|cut|"
    r"kill|lose|ditch|zero|nothing on|nothing in|none on|none in|out of scope|off-limits|rule out|ruled out|"
    r"rules out|doesn'?t|does not|won'?t|will not|wouldn'?t|didn'?t|must not|mustn'?t|can'?t|cannot|no more|"
    r"nunca|nada de|sem|sin|kein|keine|nie|geen|niet|pas de|jamais|pull)\b"
    r"(?:\W+\w+){0,3}\W*$",
    re.I,
)
_REDUCE = re.compile(
    r"\b(less|fewer|reduce|lower|smaller|scale back|decrease|trim)\b(?:\W+\w+){0,2}\W*$", re.I
)


_CONTENT_OF = re.compile(
    r"\s+(?:videos?|posts?|content|ads?|photos?|images?|clips?|reels?)\s+(?:of|showing|that show|where|in which|with)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ChannelMention:
    name: str  # catalogue channel name, or a format
    verdict: str  # "boost" | "reduce" | "drop"
    is_format: bool = False
    text: str = ""  # as written


def _alias_pattern(words: Iterable[str]) -> re.Pattern[str]:
    """Any of the words, longest first, as a whole word (compiled once per set of words)."""
    return _compiled_alternation(tuple(sorted(set(words), key=lambda w: (-len(w), w))))


@functools.cache
def _compiled_alternation(ordered: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])(" + "|".join(re.escape(w) for w in ordered) + r")(?![\w-])", re.I)


_SINGLE_WORDS: dict[int, tuple[str, ...]] = {}


def _single_words(v: Vocabulary) -> tuple[str, ...]:
    """The vocabulary's one-word channel names, lower case and sorted (worked out once per vocabulary)."""
    words = _SINGLE_WORDS.get(id(v))
    if words is None:
        words = tuple(
            sorted({a.casefold() for c in v.channels for a in (c.name, *c.aliases) if " " not in a})
        )
        _SINGLE_WORDS[id(v)] = words
    return words


def _bracketed_after(before: str) -> str:
    """For a name inside brackets, the clause the brackets follow ("No consumer social (Instagram etc)" gives
    "No consumer social"), so the examples share its verdict; "" outside brackets."""
    opened = before.rfind("(")
    if (
        opened < 0
        or ")" in before[opened:]
        or re.search(r"\b(but|except|only|apart from)\b", before[opened:], re.I)
    ):
        return ""
    return re.split(r"[,.;:!?\n\u2013\u2014]|\s-\s|\bbut\b", before[:opened])[-1]


def channel_mentions(text: str, vocab: Vocabulary | None = None) -> list[ChannelMention]:
    """Channels (and channel-only formats) a text mentions, each judged boost, reduce or drop by the words
    before it in the same clause ("no paid social on TikTok" drops TikTok; "more LinkedIn" boosts it)."""
    v = vocab or vocabulary()
    text = mend(text, _single_words(v))
    found: dict[tuple[str, bool], ChannelMention] = {}
    order: list[tuple[str, bool]] = []
    targets: list[tuple[str, bool, re.Pattern[str]]] = []
    for c in v.channels:
        targets.append((c.name, False, _alias_pattern([c.name.lower(), *c.aliases])))
        if c.formats:
            targets.append(("", True, _alias_pattern([f.lower() for f in c.formats])))
    group_hits: list[tuple[int, str, str]] = []
    for group in v.channel_groups:
        for m in _alias_pattern([group]).finditer(text):
            group_hits.append((m.start(), group, m.group(0)))
    candidates: list[tuple[int, int, str, bool, str]] = []  # start, end, label, is_format, as written
    for name, is_format, pattern in targets:
        for m in pattern.finditer(text):
            label = name or next(f for c in v.channels for f in c.formats if f.lower() == m.group(1).lower())
            candidates.append((m.start(), m.end(), label, is_format, m.group(0)))
    # The longest words win where two names overlap ("Google Business Profile" over "Google").
    hits: list[tuple[int, int, str, bool, str]] = []
    for hit in sorted(candidates, key=lambda h: (h[0] - h[1], h[0])):
        if not any(hit[0] < e and s < hit[1] for s, e, _l, _f, _w in hits):
            hits.append(hit)
    hits.sort()
    last: tuple[int, str] | None = None  # end and verdict of the previous mention
    for start, end, label, is_format, written in hits:
        before = text[max(0, start - 60) : start]
        clause = re.split(
            r"[,.;:!?\n(\u2013\u2014]|\s-\s|\band\b(?!\s+(?:no|not)\b)|\bbut\b|\bor\b(?=\s+(?:more|add))",
            before,
        )[-1]
        if (
            last is not None
            and last[1] == "drop"
            and re.fullmatch(r"\s*(?:,|or|and|nor|/|&)?\s*", text[last[0] : start])
        ):
            verdict = "drop"  # "no TikTok or Reels", "remove TikTok/Reels"
        elif _NEGATE.search(clause) or _NEGATE.search(_bracketed_after(before)):
            verdict = "drop"
        elif _REDUCE.search(clause):
            verdict = "reduce"
        else:
            verdict = "boost"
        if verdict == "drop" and _CONTENT_OF.match(text, end):
            # "No creator videos of dogs on the worktop": a rule about what content shows, not a channel ban.
            last = (end, "boost")
            continue
        last = (end, verdict)
        key = (label, is_format)
        previous = found.get(key)
        if previous is None:
            order.append(key)
        if previous is None or verdict == "drop" or (verdict == "reduce" and previous.verdict == "boost"):
            found[key] = ChannelMention(label, verdict, is_format, written)
        # A format asked for ("neighbourhood Facebook groups", "Reels") asks for its channel too.
        parent = next((c.name for c in v.channels if label in c.formats), "") if is_format else ""
        if parent and verdict != "drop" and (parent, False) not in found:
            order.append((parent, False))
            found[(parent, False)] = ChannelMention(parent, verdict, False, written)
    # "no paid social" with no platform named in the same sentence rules out every social platform.
    for pos, group, written in group_hits:
        sentence_start = max(text.rfind(".", 0, pos), text.rfind("\n", 0, pos), text.rfind(";", 0, pos)) + 1
        sentence_end = min(
            [i for i in (text.find(".", pos), text.find("\n", pos), text.find(";", pos)) if i >= 0]
            or [len(text)]
        )
        sentence = text[sentence_start:sentence_end]
        if any(_alias_pattern([c.name.lower(), *c.aliases]).search(sentence) for c in v.channels):
            continue
        before = text[max(0, pos - 60) : pos]
        clause = re.split(r"[,.;:!?\n(]|\band\b|\bbut\b", before)[-1]
        if _NEGATE.search(clause):
            for member in v.channel_groups[group]:
                key = (member, False)
                if key not in found:
                    order.append(key)
                found[key] = ChannelMention(member, "drop", False, written)
    return [found[k] for k in order]


# ----- rules ----------------------------------------------------------------------------------------------

_FORBID_LEAD = re.compile(
    r"\b(?:never|don'?t|do not|must not|mustn'?t|should not|shouldn'?t|cannot|can'?t|no one may|not)\s+"
    r"(?:ever\s+)?(?:use|say|write|mention|promise|claim|call\s+(?:it|us|the\s+\w+|our\s+\w+)|describe\s+(?:it|us|the\s+\w+)\s+as|refer\s+to\s+(?:it|us|the\s+\w+)\s+as)\b",
    re.I,
)
_FORBID_LIST = re.compile(
    r"\b(?:avoid(?:ing)?|ban(?:ned)?|forbidden|prohibited|no|never|exclude[ds]?|not allowed)\s+(?:the\s+|using\s+the\s+|using\s+)?"
    r"(?:words?|terms?|phrases?|language|claims? such as|expressions?)\b\s*(?:like|such as|:)?",
    re.I,
)
_FORBID_HEADER = re.compile(
    r"\b(?:forbidden|banned|prohibited|blocked)\s+(?:words?|terms?|phrases?)\s*:\s*(.+)$", re.I
)
_MANDATE = re.compile(
    r"\b(?:always|must|should|to be)\s+(?:be\s+)?(?:say|use|write|include|called|call\s+(?:it|us|the\s+\w+)|"
    r"refer\s+to\s+(?:it|us|the\s+\w+)\s+as|described\s+as|use\s+the\s+(?:term|hashtag|word|phrase|name))\b",
    re.I,
)
_MANDATE_HEADER = re.compile(
    r"\b(?:mandatory|mandated|required|approved)\s+(?:words?|terms?|phrases?|hashtags?)\s*:\s*(.+)$", re.I
)
_HASHTAG = re.compile(r"#[^\W_][\w]*")
_CLAIMS = re.compile(
    r"\bclaims?\b.*\b(substantiat\w*|approv\w*|review\w*|sign[- ]?off|signed off|check\w*|compliance|legal|"
    r"evidence|verif\w*|clearance|cleared)\b|\b(substantiat\w*|approv\w*|review\w*|sign[- ]?off|cleared)\b.*\bclaims?\b",
    re.I,
)


def _quoted(text: str) -> list[str]:
    return [clean(a or b) for a, b in _QUOTED.findall(text) if clean(a or b)]


def _list_after(text: str) -> list[str]:
    """The items of a short list: quoted words if any, else comma/and-separated words."""
    quoted = _quoted(text)
    if quoted:
        return quoted
    head = re.split(r"[.;(]|\b(?:because|as|since|unless|except|in any|anywhere|in copy|in ads)\b", text)[0]
    items = re.split(r",|\bor\b|\band\b|/", head)
    return [clean(i).strip("'\"") for i in items if 0 < len(clean(i).split()) <= 3]


def _rules_from(items: Iterable[str], vocab: Vocabulary) -> Rules:
    """Rules from constraint items (each a sentence or a list item)."""
    excluded: list[str] = []
    formats: list[str] = []
    forbidden: list[str] = []
    mandated: list[str] = []
    replacements: list[tuple[str, str]] = []
    claims: list[str] = []
    other: list[str] = []
    for item in items:
        item = clean(item)
        if not item:
            continue
        used = False
        for mention in channel_mentions(item, vocab):
            if mention.verdict == "drop":
                (formats if mention.is_format else excluded).append(mention.name)
                used = True
        header = _FORBID_HEADER.search(item)
        if header:
            forbidden += _list_after(header.group(1))
            used = True
        header = _MANDATE_HEADER.search(item)
        if header:
            mandated += _list_after(header.group(1)) or _HASHTAG.findall(header.group(1))
            used = True
        m = _MANDATE.search(item)
        if m and not header:
            rest = item[m.end() :]
            quoted = _QUOTED.search(rest)
            tags = _HASHTAG.findall(rest)
            if quoted:
                term = clean(quoted.group(1) or quoted.group(2))
                mandated.append(term)
                after = rest[quoted.end() :]
                instead = re.match(
                    r"\s*[,;(]?\s*(?:not|never|instead of|rather than)\s*[\"\u201c'\u2018]([^\"\u201d'\u2019]{1,60})[\"\u201d'\u2019]",
                    after,
                    re.I,
                )
                if instead:
                    forbidden.append(clean(instead.group(1)))
                    replacements.append((clean(instead.group(1)), term))
                used = True
            elif tags:
                mandated += tags
                used = True
        # "not 'oat milk'" before the mandated term: "say 'oat drink', never 'oat milk'" handled above;
        # "never 'oat milk' but 'oat drink'" here.
        lead = _FORBID_LEAD.search(item)
        if lead:
            words = _list_after(item[lead.end() :])
            if words:
                forbidden += words
                used = True
        lst = _FORBID_LIST.search(item)
        if lst and not lead:
            words = _list_after(item[lst.end() :])
            if words:
                forbidden += words
                used = True
        if _CLAIMS.search(item):
            claims.append(item.rstrip("."))
            used = True
        if _LANGUAGE.search(item) and _language(item, vocab):
            used = True  # the creative's language is its own fact (UnderstoodBrief.language)
        if not used:
            other.append(item.rstrip("."))
    forbidden = [w for w in dedupe(forbidden) if w.casefold() not in {m.casefold() for m in mandated}]
    return Rules(
        excluded_channels=tuple(dedupe(excluded)),
        excluded_formats=tuple(dedupe(formats)),
        forbidden_words=tuple(forbidden),
        mandated_terms=tuple(dedupe(mandated)),
        replacements=tuple(dict.fromkeys(replacements)),
        claims_needing_review=tuple(dedupe(claims)),
        other=tuple(dedupe(other)),
    )


def _rule_sentences(prose: Iterable[str]) -> list[str]:
    """Prose sentences that state a rule."""
    rule_words = re.compile(
        r"\b(never|don'?t|do not|must not|mustn'?t|avoid|banned|forbidden|prohibited|not allowed|no paid|"
        r"always (?:say|use|write|include|call|refer)|must (?:use|say|include|be called|be|follow|comply|carry)|"
        r"claims?|(?:needs?|requires?)\s+(?:written\s+)?(?:consent|approval|sign-off|review)|"
        r"(?:use|say) the (?:term|word|hashtag))\b|^no\s",
        re.I,
    )
    out: list[str] = []
    for block in prose:
        for sentence in _sentences(block):
            if rule_words.search(sentence):
                out.append(sentence)
    return out


# ----- objectives -----------------------------------------------------------------------------------------

# The verbs an objective starts with, and what each verb's result is called, are vocabulary (vocabulary.yaml).


@functools.cache
def _verbs() -> str:
    """The objective verbs as one alternation, in their order."""
    return "|".join(re.escape(v) for v in vocabulary().objective_verbs)


@functools.cache
def _lead_verb() -> re.Pattern[str]:
    return re.compile(rf"^(?:to\s+)?(?:{_verbs()})\b\s*", re.I)


_TARGET = re.compile(
    r"(?<![\w.-])(?:[$€£₹¥]\s?)?\d[\d,]*(?:\.\d+)?\s?(?:%|k\b|m\b|mn\b|bn\b|x\b|million\b|thousand\b|"
    r"lakhs?\b|crores?\b|cr\b|millones\b|milh(?:ões|ão)\b|mln\b|mio\b)?"
    r"(?:\s?(?:percentage points|points|pts|pp)\b)?",
    re.I,
)
_DEADLINE_LEAD = re.compile(
    r"\b(by|before|until|no later than|within|in|during|over|ahead of|for|through|across|from)\s+(?:the\s+)?$",
    re.I,
)
_RELATIVE_DEADLINE = re.compile(
    r"\b(?:by|before|within|in|over|during|ahead of|for)\s+(?:the\s+)?(?:end\s+of\s+(?:the\s+)?)?"
    r"(?:first\s+)?(?:(?:\d+|one|two|three|four|five|six|eight|ten|twelve)\s+(?:days?|weeks?|months?|quarters?|years?)"
    r"|week\s+\d+|month\s+\d+|launch(?:\s+day|\s+week)?|year[- ]end|year one|the (?:campaign|programme|program|"
    r"launch|flight)|(?:this|next) (?:year|quarter|financial year|fiscal year)|fy\d{2,4})\b",
    re.I,
)


def parse_objective(text: str, default_year: int | None = None) -> Objective:
    """One objective: its target, deadline and metric, each as written."""
    text = clean(text).rstrip(".")
    # "Direct bookings 18% → 35%": an arrow reads as "from … to …".
    text = re.sub(r"(\S+)\s*(?:→|->|=>)\s*(\S+)", r"from \1 to \2", text)
    deadline = ""
    deadline_date = None
    deadline_span: tuple[int, int] | None = None
    dates = find_dates(text, default_year)
    if dates:
        d = dates[-1]
        lead = _DEADLINE_LEAD.search(text[: d.pos])
        start = lead.start() if lead else d.pos
        deadline = text[start : d.pos_end].strip()
        deadline_date = d.end
        deadline_span = (start, d.pos_end)
    if not deadline:
        rel = list(_RELATIVE_DEADLINE.finditer(text))
        if rel:
            m = rel[-1]
            deadline, deadline_span = m.group(0).strip(), (m.start(), m.end())
    body = text if deadline_span is None else (text[: deadline_span[0]] + " " + text[deadline_span[1] :])
    # "from 3.1% to 4.5%" and "to 10k followers": the target is what it should reach.
    target = ""
    target_span: tuple[int, int] | None = None
    to_target = re.search(r"\bto\s+(" + _TARGET.pattern + r")", body, re.I)
    candidates = [m for m in _TARGET.finditer(body) if m.group(0).strip() and not _is_age_or_size(body, m)]
    from_m = (
        re.search(r"\bfrom\s+" + _TARGET.pattern + r"\s*$", body[: to_target.start()], re.I)
        if to_target
        else None
    )
    if to_target and from_m:
        target, target_span = to_target.group(1).strip(), (from_m.start(), to_target.end(1))
    elif to_target and not re.search(r"\b(?:up|down)\s*$", body[: to_target.start()], re.I):
        target, target_span = to_target.group(1).strip(), (to_target.start(), to_target.end(1))
    elif candidates:
        first = candidates[0]
        target, target_span = first.group(0).strip(), first.span()
    metric = body
    if target_span is not None:
        metric = body[: target_span[0]] + " " + body[target_span[1] :]
    metric = re.sub(r"\bfrom\s*(?=\s|$)", " ", metric)
    verb = _lead_verb().match(clean(metric))
    metric = clean(_lead_verb().sub("", clean(metric)))
    done = vocabulary().objective_verb_results.get(
        verb.group(0).strip().lower().removeprefix("to ").strip() if verb else "", ""
    )
    metric = re.sub(r"^(?:by|to|of|at|with|a|an|the|our|its|their)\s+", "", metric, flags=re.I)
    metric = re.sub(r"\s+(?:by|to|of|at|from|with|in)$", "", metric, flags=re.I).strip(" ,;:-")
    if done and metric and len(metric.split()) <= 5:
        metric = f"{metric} {done}"
    number, percent = _number(target)
    return Objective(
        text=text,
        metric=metric or text,
        target=target,
        deadline=deadline,
        deadline_date=deadline_date,
        target_number=number,
        target_is_percent=percent,
    )


def _is_age_or_size(text: str, m: re.Match[str]) -> bool:
    """ "aged 25-40", "500-5,000 employees": ranges that describe who, not a target."""
    after = text[m.end() : m.end() + 14]
    before = text[max(0, m.start() - 8) : m.start()]
    return (
        bool(re.match(r"\s*[-\u2013]\s*\d", after))
        or bool(re.search(r"\d\s*[-\u2013]\s*$", before))
        or bool(re.match(r"\s*(?:year|yr)s?[- ]old", after))
    )


def _number(target: str) -> tuple[float | None, bool]:
    m = re.search(
        r"(\d[\d,]*(?:\.\d+)?)\s?(%|k|mn|m|bn|million|thousand|lakhs?|crores?|cr|millones|milhões|milhão|mln|mio)?",
        target,
        re.I,
    )
    if not m:
        return None, False
    value = float(m.group(1).replace(",", ""))
    suffix = (m.group(2) or "").lower()
    value *= MULTIPLIERS.get(suffix, 1)
    return value, suffix == "%"


def _objective_items(text: str) -> list[str]:
    items = split_list(text)
    verbs = _verbs()
    if len(items) == 1 and re.search(r",\s*(?:and\s+)?(?:" + verbs + r")\b", items[0], re.I):
        # "Generate 400 SQLs by March, grow pipeline to $3M and win 12 logos": verbs start each objective.
        parts = re.split(
            r",\s*(?:and\s+)?(?=(?:" + verbs + r")\b)|\s+and\s+(?=(?:" + verbs + r")\b)",
            items[0],
            flags=re.I,
        )
        items = [clean(p) for p in parts if clean(p)]
    # "Goal: 5,000 members by December 31, 2026. Budget $50k.": the budget written on the goal's line is no goal.
    return [i for i in items if not _BUDGET_ITEM.match(i)]


_BUDGET_ITEM = re.compile(
    r"^\W*(?:budget|media budget|spend|verba|presupuesto|orçamento|budżet)\b", re.IGNORECASE
)


# ----- names: competitors, events, partners ---------------------------------------------------------------

_NAME = r"[A-Z0-9][\w&'.+-]*(?:\s+(?:[A-Z0-9][\w&'.+-]*|&|of|and|de|la|the|for|on))*"


def _names(text: str) -> list[tuple[str, str]]:
    """(name, note) pairs from a list such as "Oatly (category leader), Alpro and Minor Figures"."""
    out: list[tuple[str, str]] = []
    for raw in re.split(
        r";|\n|,(?![^()]*\))|\s+and\s+|\s+&\s+(?=[A-Z][a-z]+\b(?!\s+[A-Z]))|\s+vs\.?\s+|/", text
    ):
        item = clean(raw).strip(" .")
        if not item:
            continue
        note = ""
        m = re.match(r"^(.*?)\s*\((.*)\)\s*$", item)
        if m:
            item, note = m.group(1).strip(), m.group(2).strip()
        else:
            m = re.match(r"^(.*?)\s+[\u2013\u2014-]\s+(.*)$", item) or re.match(
                r"^([^:]{1,40}):\s+(.*)$", item
            )
            if m:
                item, note = m.group(1).strip(), m.group(2).strip()
        item = re.sub(r"^(?:and|or|the|also|plus)\s+", "", item, flags=re.I).strip(" .")
        words = item.split()
        if words and len(words) <= 5 and (item[:1].isupper() or item[:1].isdigit() or len(words) == 1):
            out.append((item, note))
    return out


_COMPETITOR_PROSE = re.compile(
    r"\b(?:compet(?:e|es|ing)\s+(?:with|against)|competitors?\s+(?:are|is|include|including)|"
    r"competition\s+(?:is|are|includes?|comes from)|rivals?\s+(?:are|is|include)|up against|"
    r"(?:position(?:ed|ing)?|win)\s+against|alternatives?\s+(?:are|include)|main\s+competitors?(?:\s+are)?)\s*:?\s+(.+)$",
    re.I,
)
_EVENT_NOUN = re.compile(
    r"\b(conference|summit|expo|show|festival|fair|week|forum|congress|awards|convention|symposium|"
    r"world|europe|live|days?|month|meetup|roadshow|trade show|exhibition|messe|open day|launch event|webinar|"
    r"championship|cup|marathon|olympics|games|sale|black friday|cyber monday|christmas|ramadan|diwali|"
    r"valentine'?s day|mother'?s day|father'?s day|easter|back to school|prime day|veganuary)\b",
    re.I,
)
_EVENT_LEAD = re.compile(
    r"\b(?:at|during|attend(?:ing)?|exhibit(?:ing)?\s+at|sponsor(?:ing)?|host(?:ing)?|around|for|ahead of|"
    r"centrepiece|centerpiece|stand\s+at|booth\s+at|speak(?:ing)?\s+at|launch(?:ing)?\s+at)\s*$",
    re.I,
)
_RETAIL_CONTEXT = re.compile(
    r"\b(stocked|listed|listing|listings|available|sold|ranged|shelves?|stores?|retail(?:er|ers)?|"
    r"partners?|distribution|in-store|supermarkets?|grocer)\b",
    re.I,
)


def _event_name_before(sentence: str, pos: int) -> str:
    """The event name right before a date: "RSA Conference (28 April ...)" or "at Anuga, 4-8 October"."""
    before = sentence[:pos].rstrip(" (,:-\u2013\u2014").rstrip()
    before = re.sub(
        r"\s+(?:on|from|in|held|taking place|which runs|runs|running|is|dates?)$", "", before, flags=re.I
    )
    m = re.search(r"(" + _NAME + r")$", before)
    if not m:
        return ""
    name = m.group(1).strip()
    # Drop leading words that start the sentence rather than the name ("We exhibit at RSA Conference").
    words = name.split()
    while words and words[0].lower() in (
        "we",
        "our",
        "the",
        "and",
        "at",
        "it",
        "this",
        "they",
        "in",
        "on",
        "a",
    ):
        words = words[1:]
    return " ".join(words)


_EVENT_PHRASE = re.compile(
    r"((?:[A-Z][\w'&-]*\s+)*(?:[a-z][\w'-]*\s+){0,2}(?:festival|conference|summit|expo|trade show|show|fair|event|"
    r"party|pop-up|open day|roadshow|tasting|push|week|month|sale|launch))$"
)


def _event_phrase_before(sentence: str, pos: int) -> str:
    """A lower-case event phrase right before a date: "the Berlin launch festival on 12 September"."""
    before = sentence[:pos].rstrip(" (,:-\u2013\u2014").rstrip()
    before = re.sub(r"\s+(?:on|from|in|held|taking place|runs|running|is|dates?)$", "", before, flags=re.I)
    m = _EVENT_PHRASE.search(before)
    if not m:
        return ""
    words = m.group(1).split()
    while words and words[0].lower() in ("the", "our", "a", "an", "we", "this", "their", "at", "and"):
        words = words[1:]
    return " ".join(words) if len(words) >= 2 else ""


def _events_from(text: str, default_year: int | None, *, listed: bool) -> list[BriefEvent]:
    """Events with dates. Under an events heading every dated item is an event; in prose a dated name
    must look like an event (an event word, or "at"/"exhibiting at" before it), and deadlines ("by 31
    March") and launch dates are not events."""
    events: list[BriefEvent] = []
    chunks = split_list(text) if listed else _sentences(text)
    for chunk in chunks:
        for d in find_dates(chunk, default_year):
            lead = chunk[: d.pos]
            if re.search(
                r"\b(by|before|until|no later than|deadline|due)\s+(?:the\s+)?(?:end\s+of\s+)?$", lead, re.I
            ):
                continue
            name = _event_name_before(chunk, d.pos)
            phrase = _event_phrase_before(chunk, d.pos)
            if phrase and (
                not name
                or (len(phrase) > len(name) and phrase.endswith(name))
                or not _EVENT_NOUN.search(name)
            ):
                name = phrase
            if not name and listed:
                name = clean(re.split(r"[,(:\u2013\u2014]", chunk)[0])
                if find_dates(name, default_year):
                    name = clean(chunk[: d.pos]).rstrip(" ,:(-")
            if not name:
                continue
            if not listed:
                name_start = lead.rfind(name)
                in_brackets = (
                    re.match(r"\s*\($", lead[name_start + len(name) :]) is not None and len(name.split()) >= 2
                )
                looks = (
                    _EVENT_NOUN.search(name) or _EVENT_LEAD.search(lead[: max(0, name_start)]) or in_brackets
                )
                launchy = re.search(
                    r"\blaunch(?:es|ing)?\b|\bgo(?:es)?[- ]live\b", lead, re.I
                ) and not _EVENT_NOUN.search(name)
                if not looks or launchy:
                    continue
            note = ""
            rest = clean(chunk[d.pos_end :].strip(" ),;:-\u2013\u2014"))
            if listed and rest and len(rest) < 120:
                note = rest.rstrip(".")
            events.append(BriefEvent(name=name, date_text=d.text, start=d.start, end=d.end, note=note))
    # The same event named twice keeps its first reading.
    seen: set[str] = set()
    out: list[BriefEvent] = []
    for e in events:
        if e.name.casefold() not in seen:
            seen.add(e.name.casefold())
            out.append(e)
    return out


# ----- prices ---------------------------------------------------------------------------------------------

_PRICE_WORDS: tuple[tuple[PriceKind, re.Pattern[str]], ...] = (
    (
        PriceKind.DEAL_VALUE,
        re.compile(
            r"\b(acv|annual contract value|average contract value|contract value|deal size|average deal(?: size| value)?|deal value|arr per (?:customer|account))\b",
            re.I,
        ),
    ),
    (
        PriceKind.CUSTOMER_VALUE,
        re.compile(
            r"\b(lifetime value|ltv|clv|cltv|customer value|patient value|value per (?:new\s+)?(?:patient|customer|client|member)|(?:patient|customer|client|member)(?: lifetime)? value|worth)\b",
            re.I,
        ),
    ),
    (
        PriceKind.ORDER_VALUE,
        re.compile(r"\b(aov|average order value|average basket(?: value)?|basket value|order value)\b", re.I),
    ),
    (
        PriceKind.PRICE,
        re.compile(
            r"\b(rrp|retail price|price[ds]?|pricing|costs?|subscription(?: price| fee)?|fee|sells? for|retails? (?:at|for)|per (?:carton|bottle|can|pack|unit|box|month|year|seat|user)|membership|plan)\b",
            re.I,
        ),
    ),
)


def _prices_from(text: str, *, listed: bool, skip: Iterable[str] = ()) -> list[Price]:
    out: list[Price] = []
    skip_set = {s for s in skip if s}
    chunks = split_list(text) if listed else _sentences(text)
    for chunk in chunks:
        if not listed and re.search(r"\bbudget\b|\bspend\b|\binvest", chunk, re.I):
            continue
        for amount in find_amounts(chunk):
            if amount.text in skip_set or re.search(
                r"\b(?:cost[- ]per|cpa|cpl|cac|cpc|cpm|cost of acquisition)\b[^.;]{0,25}$",
                chunk[: amount.start],
                re.I,
            ):
                continue
            window_before = chunk[max(0, amount.start - 45) : amount.start]
            window_after = chunk[amount.end : amount.end + 45]
            best: tuple[int, PriceKind, str] | None = None
            for kind, pattern in _PRICE_WORDS:
                for m in pattern.finditer(window_before):
                    dist = len(window_before) - m.end()
                    if best is None or dist < best[0]:
                        best = (dist, kind, m.group(0))
                for m in pattern.finditer(window_after):
                    dist = m.start()
                    if best is None or dist < best[0]:
                        best = (dist, kind, m.group(0))
            if best is None:
                if not listed:
                    continue
                label_text = clean(re.split(r"[:\u2013\u2014=]", chunk)[0])
                best = (0, PriceKind.PRICE, label_text if label_text != chunk else "price")
            _d, kind, word = best
            label = _price_label(chunk, amount.start, amount.end, word, listed)
            tail = chunk[amount.end : amount.end + 25].lower()
            period = ""
            if re.match(r"\s*(?:/|per|a|each)\s*(?:month|mo)\b|\s*monthly", tail):
                period = "month"
            elif re.match(
                r"\s*(?:/|per|a|each)\s*(?:year|yr|annum)\b|\s*(?:annually|yearly|p\.?a\.?)", tail
            ) or (kind is PriceKind.DEAL_VALUE and re.search(r"\bannual|\bacv\b", chunk, re.I)):
                period = "year"
            out.append(
                Price(
                    label=label,
                    amount=amount.value,
                    currency=amount.currency.code,
                    kind=kind,
                    period=period,
                    text=amount.text,
                )
            )
    return out


def _price_label(chunk: str, start: int, end: int, word: str, listed: bool) -> str:
    if word.lower() == "worth":
        m = re.search(r"([\w -]{2,30}?)\s+(?:is|are)\s+worth\b", chunk, re.I)
        if m:
            subject = re.sub(r"^(?:a|an|the|each|every|one)\s+", "", clean(m.group(1)), flags=re.I)
            return f"value per {subject}"
    if listed:
        m = re.match(r"^\s*([^:\u2013\u2014=]{2,50}?)\s*[:\u2013\u2014=]", chunk)
        if m and not find_amounts(m.group(1)):
            return clean(m.group(1))
    # In prose, name it by the noun ("The subscription costs $22 a month" is the subscription's price).
    noun = _PRICE_NOUN.search(chunk)
    label = clean(noun.group(0)) if noun and not _PRICE_NOUN.fullmatch(clean(word)) else clean(word)
    first = label.split(" ", 1)[0]
    if not first.isupper():  # "Membership is €45" starts a sentence; the label is "membership"
        label = label[:1].lower() + label[1:]
    unit = re.match(r"\s*per\s+(carton|can|bottle|pack|unit|box|seat|user)\b", chunk[end:], re.I)
    if unit and unit.group(0).strip().lower() not in label.lower():
        label = f"{label} per {unit.group(1).lower()}"
    return label


_PRICE_NOUN = re.compile(
    r"\b(rrp|retail price|subscription|membership|tuition|licen[cs]e fee|fee|price|acv|annual contract value|"
    r"average contract value|average order value|aov|patient value|customer value|lifetime value)\b",
    re.I,
)


# ----- places and language --------------------------------------------------------------------------------

_MARKET_LEAD = re.compile(
    r"(?:\(|\b(?:in|into|across|throughout|covering|targeting|serving|for|to|launch(?:ing|es)?\s+in|expand(?:ing)?\s+(?:in)?to|"
    r"markets?\s*(?:are|is|:)?|clinics\s+in|stores\s+in|and|&|,))\s*(?:the\s+)?$",
    re.I,
)
_NOT_MARKET_LEAD = re.compile(
    r"\b(?:based|headquartered|founded|hq|made|brewed|produced|from|born|registered)\s+(?:in\s+)?(?:the\s+)?$",
    re.I,
)


def _places(text: str, vocab: Vocabulary, *, listed: bool) -> list[tuple[str, str]]:
    """(place as written, country code) for places named as markets."""
    hits: list[tuple[int, int, str, str]] = []
    for _name, code, pattern in vocab.places:
        for m in pattern.finditer(text):
            if any(m.start() < e and s < m.end() for s, e, _w, _c in hits):
                continue
            before = text[max(0, m.start() - 40) : m.start()]
            if not listed:
                if _NOT_MARKET_LEAD.search(before) or not _MARKET_LEAD.search(before):
                    continue
                after = text[m.end() : m.end() + 3]
                if re.match(r"[-\u2010]", after):  # "UK-based"
                    continue
            written = re.sub(r"^the\s+", "", m.group(0), flags=re.I)
            hits.append((m.start(), m.end(), written, code))
    hits.sort()
    # Places people come from ("guests from Taiwan and Hong Kong", "export distributors in ...") are not the
    # market.
    home = [h for h in hits if not _ORIGIN.search(text[: h[0]].rsplit(";", 1)[-1].rsplit(".", 1)[-1])]
    return [(written, code) for _s, _e, written, code in home]


_ORIGIN = re.compile(
    r"\b(?:guests|visitors|tourists|travell?ers|inbound|students|buyers|customers|people|expats|migrants)\s+"
    r"(?:\w+\s+)?from\b",
    re.IGNORECASE,
)


_LANGUAGE = re.compile(
    r"\b(?:(?:all|the)\s+)?(?:creative|copy|ads?|advertising|content|assets|comms|communications|campaign|messaging|materials?)"
    r"(?:\s+(?:is|are|must be|should be|will be|has to be|needs to be))?(?:\s+(?:written|produced|delivered|run))?\s+in\s+"
    r"(?P<lang>[A-Z][a-z]+)\b(?:\s+only)?|\b(?P<lang2>[A-Z][a-z]+)[- ]language\s+(?:creative|copy|ads|content)|"
    r"\b(?:in|only in)\s+(?P<lang3>[A-Z][a-z]+)\s+only\b",
)


def _language(text: str, vocab: Vocabulary) -> str:
    for m in _LANGUAGE.finditer(text):
        name = m.group("lang") or m.group("lang2") or m.group("lang3") or ""
        if name.casefold() in vocab.language_by_name:
            return vocab.language_by_name[name.casefold()].name
    return ""


def _locale(language: str, countries: list[str], vocab: Vocabulary) -> str:
    if not language:
        return ""
    known = vocab.language_by_name.get(language.casefold())
    code = known.code if known is not None else language_code(language)
    if not code:
        return ""
    for country in countries:
        if country in vocab.country_by_code and vocab.country_by_code[country].language == language:
            return f"{code}-{country}"
    return f"{code}-{countries[0]}" if countries else code


# ----- the business model ---------------------------------------------------------------------------------


@functools.cache
def _model_names() -> dict[str, BusinessModel]:
    """What a brief calls each business model when it names it outright (vocabulary.yaml) -> the model."""
    return {
        name: BusinessModel(model)
        for model, names in vocabulary().business_model_names.items()
        for name in names
    }


def _model_named(text: str) -> BusinessModel | None:
    key = clean(text).lower().rstrip(".")
    names = _model_names()
    if key in names:
        return names[key]
    for value in BusinessModel:
        if key in (value.value, value.value.replace("_", " ")):
            return value
    for name, model in sorted(names.items(), key=lambda kv: -len(kv[0])):
        if re.search(r"(?<![\w-])" + re.escape(name) + r"(?![\w-])", key):
            return model
    return None


def _infer_model(text: str, vocab: Vocabulary) -> tuple[BusinessModel, str]:
    low = text.lower()
    scores: list[tuple[int, str, list[str]]] = []
    for key, words in vocab.business_models.items():
        score = 0
        clues: list[str] = []
        for signal, weight in words.signals.items():
            n = len(re.findall(r"(?<![\w-])" + re.escape(signal) + r"(?![\w-])", low))
            if n:
                score += weight * min(n, 2)
                clues.append(signal)
        scores.append((score, key, clues))
    scores.sort(key=lambda s: (-s[0], s[1]))
    best_score, best_key, clues = scores[0]
    runner_up = scores[1][0] if len(scores) > 1 else 0
    if best_score < 4 or best_score - runner_up < 2:
        return BusinessModel.GENERAL, ""
    return BusinessModel(best_key), ", ".join(clues[:4])


# ----- the whole brief ------------------------------------------------------------------------------------


def _meta(brief: Brief) -> dict[str, str]:
    """Metadata keys read as facts ("competitors", "Brand voice", "events"...), by fact name."""
    out: dict[str, str] = {}
    for key, value in sorted(dict(brief.metadata).items()):
        fact = _label(str(key))
        if fact and str(value).strip() and fact not in out:
            out[fact] = str(value)
    return out


class _Facts:
    """Collects each fact from the form first, then the text's labelled parts, then its prose."""

    def __init__(self, brief: Brief) -> None:
        self.brief = brief
        self.meta = _meta(brief)
        self.text = _split_text(brief.raw_brief_text)
        self.origins: dict[str, Origin] = {}

    def get(self, fact: str) -> tuple[str, Origin | None]:
        form_field = _FORM_FIELDS.get(fact)
        value = getattr(self.brief, form_field).strip() if form_field else ""
        if value:
            return value, Origin.FORM
        if self.meta.get(fact, "").strip():
            return self.meta[fact], Origin.FORM
        if self.text.parts.get(fact, "").strip():
            return self.text.parts[fact], Origin.TEXT
        return "", None

    def note(self, fact: str, origin: Origin | None, present: bool = True) -> None:
        if origin is not None and present and fact not in self.origins:
            self.origins[fact] = origin

    @property
    def prose(self) -> list[str]:
        return self.text.prose


def understand(brief: Brief) -> UnderstoodBrief:
    """Everything the brief says, from its form fields and its free text."""
    vocab = vocabulary()
    f = _Facts(brief)
    everything = "\n".join(
        [*(getattr(brief, n) for n in _FORM_FIELDS.values()), *f.meta.values(), brief.raw_brief_text]
    )
    year = brief.launch_date.year if brief.launch_date else first_year(everything)
    prose_text = "\n".join(f.prose)

    # product, industry, tone, business model
    product, o = f.get("product")
    if not product:
        product = _product_from_prose(f.prose, clean(brief.brand_name), clean(brief.client_name))
        o = Origin.TEXT if product else None
    f.note("product", o, bool(product))
    industry, o = f.get("industry")
    if not industry:
        m = re.search(r"(?:^|[.!?]\s+)(?:industry|sector|category)\s*:\s*([^.\n]+)", prose_text, re.I | re.M)
        industry, o = (clean(m.group(1)), Origin.TEXT) if m else ("", None)
    f.note("industry", o, bool(industry))
    tone, o = f.get("tone")
    if not tone:
        m = re.search(
            r"\b(?:tone(?: of voice)?|brand voice|voice)\s+(?:is|should be|must be|:)\s+([^.;\n]+)",
            prose_text,
            re.I,
        )
        tone, o = (clean(m.group(1)), Origin.TEXT) if m else ("", None)
    f.note("tone", o, bool(tone))

    # geography and markets
    geography, o = f.get("geography")
    geography_typed = o is Origin.FORM
    if geography:
        places = _places(geography, vocab, listed=True)
        markets = [w for w, _c in places] or [
            clean(p) for p in re.split(r",|;|\band\b|&|/", geography) if clean(p)
        ]
    else:
        places = _places(prose_text, vocab, listed=False)
        markets = [w for w, _c in places]
        o = Origin.TEXT if markets else None
        geography = _geography_as_written(prose_text, markets) or _join(markets)
    f.note("geography", o, bool(markets))
    countries = dedupe([c for _w, c in places if c])

    # audience and segments
    audience, o = f.get("audience")
    if not audience:
        m = re.search(
            r"\b(?:our\s+(?:target\s+)?audience\s+(?:is|are)|we\s+(?:are\s+)?target(?:ing)?|aimed\s+at|for\s+people\s+who)\s+([^.;\n]+)",
            prose_text,
            re.I,
        )
        audience, o = (clean(m.group(1)), Origin.TEXT) if m else ("", None)
    segments = _segments(audience)
    f.note("audience", o, bool(audience))
    if segments:
        audience = "; ".join(s.name + (f": {s.description}" if s.description else "") for s in segments)

    # objectives
    objectives_text, o = f.get("objectives")
    o_obj = o
    if not objectives_text:
        m = re.search(
            r"\b(?:objectives?|goals?|aims?)(?:\s+(?:are|is)\s*:?|\s*:)\s*(.+?)(?:\n|$)", prose_text, re.I
        )
        objectives_text, o = (m.group(1), Origin.TEXT) if m else ("", None)
    objectives = tuple(parse_objective(item, year) for item in _objective_items(objectives_text))[:8]
    f.note("objectives", o, bool(objectives))

    # budget and timeline
    budget_text, o = f.get("budget")
    o_budget = o
    budget: Budget | None = None
    default_currency = _currency_for(countries, vocab)
    if budget_text:
        budget = parse_budget(budget_text, geography, default_currency)
    else:
        for sentence in _sentences(prose_text):
            if re.search(r"\b(budget|spend|invest(?:ment|ing)?)\b", sentence, re.I):
                budget = parse_budget(sentence, geography, default_currency)
                if budget is not None:
                    budget_text, o = _budget_phrase(sentence), Origin.TEXT
                    break
    f.note("budget", o, budget is not None)
    # Durations and start dates are often written inside the budget line ("£60,000 over 10 weeks, from 4 May").
    loose_text = "\n".join([f.text.parts.get("timeline", ""), f.text.parts.get("budget", ""), prose_text])
    timeline_text, o = f.get("timeline")
    if not timeline_text:
        for sentence in _sentences(loose_text):
            m = re.search(
                r"\b(?:over|across|for|runs?|running|lasting|a|an)\s+((?:\d+|one|two|three|four|five|six|eight|ten|twelve)[- ](?:weeks?|months?))\b",
                sentence,
                re.I,
            ) or re.search(r"\b(Q[1-4]\s*\d{4}|H[12]\s*\d{4})\b", sentence)
            if m and re.search(
                r"\b(campaign|programme|program|flight|plan|runs?|launch|over|across|for|spend|budget)\b",
                sentence,
                re.I,
            ):
                timeline_text, o = re.sub(r"^(\d+)-(week|month)$", r"\1 \2s", m.group(1)), Origin.TEXT
                break
    timeline = parse_timeline(timeline_text) if timeline_text else None
    f.note("timeline", o, bool(timeline_text))
    launch = brief.launch_date
    o = Origin.FORM if launch else None
    if launch is None:
        launch_text, lo = f.get("launch_date")
        found = find_dates(launch_text, year) if launch_text else []
        if found:
            launch, o = found[0].start, lo
        else:
            m = re.search(
                r"\b(?:launch(?:es|ing)?|go(?:es)?[- ]live|goes on sale|hits? shelves|on shelf|in stores?|available|start(?:s|ing)?|kick(?:s|ing)? off)\b[^.\n]{0,40}?\b(?:on|from)?\s*(\d{1,2}(?:st|nd|rd|th)?\s+[A-Z][a-z]+\.?\s+\d{4}|[A-Z][a-z]+\.?\s+\d{1,2},?\s+\d{4}|\d{4}-\d{2}-\d{2})",
                loose_text,
                re.I,
            ) or re.search(
                r"\b(?:from|starting|beginning)\s+(\d{1,2}(?:st|nd|rd|th)?\s+[A-Z][a-z]+\.?\s+\d{4})",
                "\n".join([f.text.parts.get("timeline", ""), f.text.parts.get("budget", "")])
                + "\n"
                + "\n".join(
                    s
                    for s in _sentences(prose_text)
                    if re.search(r"\b(budget|spend|weeks?|months?)\b", s, re.I)
                ),
                re.I,
            )
            dates = find_dates(m.group(1), year) if m else []
            if dates and dates[0].precision == "day":
                launch, o = dates[0].start, Origin.TEXT
    f.note("launch_date", o, launch is not None)

    # competitors
    comp_text, o = f.get("competitors")
    o_comp = o
    pairs = _names(comp_text) if comp_text else []
    if not pairs:
        for sentence in _sentences(prose_text):
            m = _COMPETITOR_PROSE.search(sentence)
            if m:
                pairs = _names(re.split(r"\.\s|\s+(?:who|which|that|because|as they|but)\s+", m.group(1))[0])
                if pairs:
                    o = Origin.TEXT
                    break
    competitors = tuple(Competitor(n, note) for n, note in _dedupe_pairs(pairs))[:8]
    f.note("competitors", o, bool(competitors))

    # events
    events_text, o = f.get("events")
    o_events = o
    events = _events_from(events_text, year, listed=True) if events_text else []
    if not events:
        events = _events_from(prose_text, year, listed=False)
        o = Origin.TEXT if events else None
    f.note("events", o, bool(events))

    # prices
    prices_text, o = f.get("prices")
    o_prices = o
    skip = [budget_text] + [obj.target for obj in objectives]
    prices = _prices_from(prices_text, listed=True, skip=skip) if prices_text else []
    if not prices:
        prices = _prices_from(prose_text + "\n" + product, listed=False, skip=skip)
        o = Origin.TEXT if prices else None
    f.note("prices", o, bool(prices))

    # channels named, retail partners, offers, proof points, language
    channels_text, o = f.get("channels")
    o_channels = o
    wanted = [
        c.name for c in channel_mentions(channels_text, vocab) if c.verdict != "drop" and not c.is_format
    ]
    if not wanted:
        sources = [obj.text for obj in objectives]
        sources += [
            s
            for s in _sentences(prose_text)
            if re.search(r"\b(channels?|lead with|focus on|prioriti[sz]e|use|through|via|run)\b", s, re.I)
        ]
        wanted = [
            c.name
            for s in sources
            for c in channel_mentions(s, vocab)
            if c.verdict == "boost" and not c.is_format
        ]
        o = Origin.TEXT if wanted else None
    f.note("channels", o, bool(wanted))
    partners_text, o = f.get("retail_partners")
    partners = _retailers(partners_text, vocab, listed=True) if partners_text else []
    if not partners:
        partners = _retailers(prose_text + "\n" + product, vocab, listed=False)
        o = Origin.TEXT if partners else None
    f.note("retail_partners", o, bool(partners))
    offers_text, o = f.get("offers")
    offers = split_list(offers_text) if offers_text else []
    if not offers:
        offers = _offers_from(prose_text)
        o = Origin.TEXT if offers else None
    f.note("offers", o, bool(offers))
    proof_text, o = f.get("proof_points")
    proof = split_list(proof_text) if proof_text else []
    f.note("proof_points", o, bool(proof))
    language_text, o = f.get("language")
    o_lang = o
    language = ""
    if language_text:
        language = next(
            (lang.name for lang in vocab.languages if re.search(rf"\b{lang.name}\b", language_text, re.I)), ""
        )
    if not language:
        constraints_text = f.get("constraints")[0]
        language = _language(constraints_text, vocab)
        o = Origin.FORM if language else None
        if not language:
            language = _language(prose_text, vocab)
            o = Origin.TEXT if language else None
    f.note("language", o, bool(language))

    # rules: from the form's constraints, the text's constraints part and rule sentences in the prose
    rule_items: list[str] = []
    if brief.constraints.strip():
        rule_items += split_list(brief.constraints)
        f.note("rules", Origin.FORM)
    if f.meta.get("constraints"):
        rule_items += split_list(f.meta["constraints"])
        f.note("rules", Origin.FORM)
    if f.text.parts.get("constraints"):
        rule_items += split_list(f.text.parts["constraints"])
        f.note("rules", Origin.TEXT)
    prose_rules = _rule_sentences(f.prose)
    if prose_rules:
        rule_items += prose_rules
        f.note("rules", Origin.TEXT)
    # Each sentence of a constraint is its own rule ("Never say X. No TikTok." is two).
    rules = _rules_from(dedupe([clean(s) for i in rule_items for s in _sentences(i)]), vocab)
    # A channel ruled out is never also "asked for".
    wanted = [w for w in dedupe(wanted) if w not in rules.excluded_channels]

    # business model
    model_text, o = f.get("business_model")
    model = _model_named(model_text) if model_text else None
    basis = "stated in the brief" if model else ""
    if model is None:
        model, clues = _infer_model(everything, vocab)
        basis = f"read from {clues}" if clues else ""
        o = Origin.INFERRED if clues else None
    f.note("business_model", o, model is not BusinessModel.GENERAL)

    # The grounded readers (services/generator/domain/readers): what the form does not give, they read from
    # the whole text, wherever it is written; every value they give points at the words it came from.
    reading = read_brief(brief, with_type=model_text == "")
    src = reading.source
    evidence: dict[str, list[str]] = {}

    def said(fact: str, *spans: Span | None) -> None:
        evidence.setdefault(fact, []).extend(w for w in (src.sentence_of(s) for s in spans) if w)

    if not countries and reading.places.countries:
        codes = [c.value for c in reading.places.countries]
        top = reading.places.money_country
        if top and top in codes:
            codes = dedupe(
                [top, *codes]
            )  # the country the money points at leads ("¥" over "guests from Taiwan")
        countries = codes[:3]
        markets = dedupe(markets + [country_name(countries[0])] + [c.value for c in reading.places.cities])
        geography = geography or _join(markets[:4])
        f.note("geography", Origin.TEXT)
        said("geography", reading.places.countries[0].span, *(c.span for c in reading.places.cities[:2]))
    elif countries and reading.places.countries and not geography_typed:
        # The country the whole text points at (its currency, its name) leads over one city name that happens
        # to match ("London, Ontario" in a Canadian brief); the places named stay as written.
        top = reading.places.money_country
        if top and top != countries[0]:
            countries = dedupe([top, *countries])
    languages = [g.value for g in reading.places.languages if g.span is not None]
    if any(g.span is None for g in reading.places.languages):
        # The market's own language, implied: the market as this brief reads it, not the readers' guess.
        home = market_language(countries[0]) if countries else ""
        home = home or next(g.value for g in reading.places.languages if g.span is None)
        if home not in languages:
            languages = [home, *languages] if home != "English" else [*languages, home]
    named = [g.value for g in reading.places.languages if g.span is not None]
    if language:
        languages = dedupe([language, *languages])
    elif named and o_lang is not Origin.FORM:
        language = named[0]
        f.note("language", Origin.TEXT)
        said("language", *(g.span for g in reading.places.languages if g.span))
    currency_code = country_currency(countries[0]) if countries else ""
    if not currency_code and budget is not None and not budget.currency_assumed:
        currency_code = budget.currency.code  # no market named: the money the brief is written in
    if o_budget is not Origin.FORM and reading.budget is not None:
        read_budget_value = reading.budget.value
        span_text = reading.budget.span.text if reading.budget.span else ""
        corrected = (
            budget is None
            or (
                round(read_budget_value.value) != budget.amount
                and _corrects(span_text, src.text, read_budget_value.text)
            )
            or budget.currency_assumed
            or budget.currency.code != read_budget_value.currency
        )
        if corrected:
            budget = Budget(amount=round(read_budget_value.value), currency=currency_of(read_budget_value.currency), period=_period(
                reading.budget.span.text if reading.budget.span else "", budget))  # fmt: skip
            budget_text = read_budget_value.text
            f.origins["budget"] = Origin.TEXT
            said("budget", reading.budget.span)
    # The readers' goals (each in the client's words) win when they find at least as many.
    if (
        o_obj is not Origin.FORM
        and reading.goals
        and (len(reading.goals) >= len(objectives) or _stray(objectives))
    ):
        objectives = tuple(_objective(g.value, year) for g in reading.goals)
        f.origins["objectives"] = Origin.TEXT
        said("objectives", *(g.span for g in reading.goals))
    # The reader's list wins when it holds at least what the older rules found (it reads labelled lists in
    # any language and names in prose after a comparison, without the sentence's commentary).
    if o_comp is not Origin.FORM and len(reading.competitors) >= len(competitors) and reading.competitors:
        notes = {c.name.casefold(): c.note for c in competitors}
        competitors = tuple(
            Competitor(g.value, notes.get(g.value.casefold(), "")) for g in reading.competitors
        )
        f.origins["competitors"] = Origin.TEXT
        said("competitors", *(g.span for g in reading.competitors))
    if o_prices is not Origin.FORM:
        # What it costs to run the organisation, or what it earns, is no price a customer pays.
        prices = [
            p
            for p in prices
            if not (
                p.text
                and (
                    _NOT_A_PRICE.search(src.sentence_of(src.ground(p.text)))
                    or _GOAL_MOVE.search(src.sentence_of(src.ground(p.text)))
                )
            )
        ]
    if o_prices is not Origin.FORM and reading.prices and len(reading.prices) > len(prices):
        prices = [
            Price(
                label="price",
                amount=g.value.value,
                currency=g.value.currency,
                kind=PriceKind.PRICE,
                period=_price_period(src.text[g.value.end : g.value.end + 24]),
                text=g.value.text,
            )
            for g in reading.prices
        ]
        f.note("prices", Origin.TEXT)
        said("prices", *(g.span for g in reading.prices))
    if not audience and reading.audience:
        audience = "; ".join(g.value for g in reading.audience)
        segments = _segments(audience)
        f.note("audience", Origin.TEXT)
        said("audience", *(g.span for g in reading.audience))
    # Moments the older rules missed join the events (each date once); a campaign start is the launch date.
    known_days = {e.start for e in events if e.start is not None}
    for g in reading.events:
        moment = g.value
        if moment.name == "Campaign start":
            if launch is not None:
                continue  # the launch date already says it
            # A start the older rules missed is the launch date and a day on the calendar.
            launch = moment.start
            f.note("launch_date", Origin.TEXT)
        written = (g.span.text if g.span else moment.name).casefold()
        if any(written in e.name.casefold() or e.name.casefold() in written for e in events):
            continue
        if o_events is not Origin.FORM and moment.start not in known_days and "(" not in moment.name:
            events = [*events, BriefEvent(name=moment.name, date_text=moment.date_text, start=moment.start,
                                          end=moment.start)]  # fmt: skip
            known_days.add(moment.start)
            f.note("events", Origin.TEXT)
            said("events", g.span)
    rules = _with_ruled_out(rules, reading.ruled_out.phrases, vocab)
    rules = _with_channels_refused(rules, src.sentences, vocab)
    # Channels the client asks for anywhere in the text ("We'd love Pinterest and Meta", "they read Naver
    # blog and KakaoTalk"), never one it tried and gave up on, one ruled out, or a rival's channel.
    if o_channels is not Origin.FORM:
        asked: list[str] = []
        asked_in: list[Span] = []
        itself = (
            re.compile(rf"^\W*{re.escape(brief.brand_name)}\s+is\s+(?:an?|the)\b", re.I)
            if brief.brand_name
            else None
        )
        previous_asked = False
        for line in src.sentences:
            named = [
                c.name for c in channel_mentions(line.text, vocab) if c.verdict != "drop" and not c.is_format
            ]
            # "performance heavy: Meta, Google UAC, Apple Search Ads": a list of channels after a colon asks;
            # so does the rest of an asking sentence after a semicolon ("...; email flows for retention").
            listed = len(set(named)) >= 2 and re.search(r":\s*[^:]*$", line.text) is not None
            goes_on = previous_asked and src.text[: line.start].rstrip().endswith(";")
            previous_asked = False
            if _TRIED.search(line.text) or not (listed or goes_on or _ASKS_FOR.search(line.text)):
                continue
            if not _ASKS_OUTRIGHT.search(line.text) and (
                _STATES_A_RULE.search(line.text)
                or _DESCRIBES_ITSELF.search(line.text)
                or (itself is not None and itself.search(line.text))
            ):
                continue
            if named:
                asked += named
                asked_in.append(src.span(line.start, line.end))
                previous_asked = True
        more = [c for c in dedupe(asked) if c not in wanted]
        if more:
            wanted = dedupe([*wanted, *more])
            f.note("channels", Origin.TEXT)
            said("channels", *asked_in)
    if reading.ruled_out.sentences:
        evidence.setdefault("rules", []).extend(reading.ruled_out.sentences)
    wanted = [w for w in wanted if w not in rules.excluded_channels]
    business_type = ""
    if model_text == "" and reading.business_type.type is not None:
        kind = reading.business_type.type
        business_type = kind.key
        # A brief that names an industry keeps its industry-led plan, unless its kind is one no industry
        # profile covers (a charity, a council, a marketplace: `industry_leads: false`); a pasted brief gets
        # the kind's plan.
        if (not industry or not kind.industry_leads) and BusinessModel(kind.plan) is not model:
            model = BusinessModel(kind.plan)
            clue = reading.business_type.evidence.lstrip("-*\u2022 ")
            basis = f"read from the brief's meaning: \u201c{trim_words(clue, 24)}\u201d"
            f.origins["business_model"] = Origin.INFERRED
            said("business_model", src.ground(reading.business_type.evidence))

    locale = _locale(language, countries, vocab)
    gaps = _gaps(
        budget=budget, objectives=objectives, audience=audience, markets=markets, timeline=timeline_text,
        launch=launch, competitors=competitors, language=language, countries=countries, model=model, vocab=vocab,
    )  # fmt: skip
    return UnderstoodBrief(
        client=clean(brief.client_name),
        brand=clean(brief.brand_name),
        product=clean(product),
        industry=clean(industry),
        business_model=model,
        business_model_basis=basis,
        geography=clean(geography),
        markets=tuple(dedupe(markets)),
        countries=tuple(countries),
        audience=clean(audience),
        segments=tuple(segments),
        objectives=objectives,
        budget=budget,
        budget_text=clean(budget_text),
        timeline=clean(timeline_text),
        weeks=timeline.weeks if timeline is not None and timeline.weeks_stated else None,
        launch_date=launch,
        competitors=competitors,
        events=tuple(events),
        prices=tuple(_dedupe_prices(prices)),
        channels=tuple(wanted),
        retail_partners=tuple(dedupe(partners)),
        language=language,
        languages=tuple(languages),
        currency=currency_code,
        business_type=business_type,
        evidence=tuple((fact, tuple(dict.fromkeys(words))[:4]) for fact, words in evidence.items() if words),
        statements=tuple(s for s in reading.statements() if _quotable(s, rules, vocab))
        if brief.raw_brief_text.strip()
        else (),
        locale=locale,
        tone=clean(tone),
        offers=tuple(dedupe([clean(x) for x in offers])),
        proof_points=tuple(dedupe([clean(x) for x in proof])),
        rules=rules,
        origins=tuple(sorted(f.origins.items())),
        gaps=tuple(gaps),
    )


def _objective(goal: Goal, year: int | None) -> Objective:
    """A goal the readers found, as the understood brief's objective (its deadline dated where it can be)."""
    dates = find_dates(goal.deadline, year) if goal.deadline else []
    text = _clause_of(goal.sentence, goal.target) or f"{goal.metric}: {goal.target}" + (
        f" {goal.deadline}" if goal.deadline else ""
    )
    return Objective(
        text=text,
        metric=goal.metric or "target",
        target=goal.target,
        deadline=goal.deadline,
        deadline_date=dates[-1].end if dates else None,
        target_number=goal.number,
        target_is_percent=goal.is_percent,
    )


def _with_ruled_out(rules: Rules, phrases: Iterable[str], vocab: Vocabulary) -> Rules:
    """The rules with what the readers found ruled out anywhere in the text: channels and formats it names
    are excluded, any other phrase is a forbidden term (never one the brief mandates)."""
    excluded, formats, forbidden = (
        list(rules.excluded_channels),
        list(rules.excluded_formats),
        list(rules.forbidden_words),
    )
    mandated = {m.casefold() for m in rules.mandated_terms}
    for phrase in phrases:
        # "influencer videos of kids": what content may show, not a channel ruled out
        mentions = [] if _CONTENT_OF.search(phrase) else list(channel_mentions(phrase, vocab))
        if phrase.casefold() in vocab.channel_groups:
            continue  # "no paid social": the rules above read channel groups
        if mentions:
            for c in mentions:
                (formats if c.is_format else excluded).append(c.name)
        elif phrase.casefold() not in mandated and len(phrase.split()) <= 3:
            forbidden.append(phrase)
    return replace(
        rules,
        excluded_channels=tuple(dedupe(excluded)),
        excluded_formats=tuple(dedupe(formats)),
        forbidden_words=tuple(dedupe(forbidden)),
    )


# Portuguese, where "no" is "in the" ("mandou no WhatsApp"): its refusals say "não" or "nada de".
_NO_IS_A_PREPOSITION = re.compile(
    r"\b(?:n\u00e3o|voc\u00ea|tamb\u00e9m|s\u00e3o|est\u00e1|ent\u00e3o|quase|depois|tudo|uma|ela|ele|mandou|temos)\b",
    re.IGNORECASE,
)


def _with_channels_refused(rules: Rules, lines: Iterable[Sentence], vocab: Vocabulary) -> Rules:
    """Channels refused anywhere in the text, in any sentence ("Doesn't want Facebook ads", "Please no YouTube
    ads, we tried last year"), join the excluded ones; a format refused alone stays a format."""
    excluded = list(rules.excluded_channels)
    formats = list(rules.excluded_formats)
    for line in lines:
        if _NO_IS_A_PREPOSITION.search(line.text):
            continue
        for c in channel_mentions(line.text, vocab):
            if c.verdict == "drop":
                (formats if c.is_format else excluded).append(c.name)
    return replace(rules, excluded_channels=tuple(dedupe(excluded)), excluded_formats=tuple(dedupe(formats)))


def _price_period(after: str) -> str:
    """The period a price is for, from the words right after it ("€24 a month", "$79/mo")."""
    if re.match(
        r"\s*(?:a|per|/|each)\s*(?:month|mo|mth)\b|\s*monthly\b|\s*(?:\w+\s+)?(?:a|per|/)\s*month\b",
        after,
        re.I,
    ):
        return "month"
    if re.match(r"\s*(?:a|per|/|each)\s*(?:year|yr|annum)\b|\s*(?:yearly|annually)\b", after, re.I):
        return "year"
    return ""


_NOT_A_PRICE = re.compile(
    r"\b(to run|running costs?|operating|income|overheads?|turnover|revenue|raised|funding|valuation)\b", re.I
)
# How a sentence asks for channels, asks outright (even beside a rule: "No TV, but we want Instagram"), tells of
# a channel tried and given up on, or states a rule: word lists in vocabulary.yaml (`channel_asks`).
_ASKS_FOR = vocabulary().channel_ask_pattern("asks_for")
_ASKS_OUTRIGHT = vocabulary().channel_ask_pattern("asks_outright")
_TRIED = vocabulary().channel_ask_pattern("tried")
_STATES_A_RULE = vocabulary().channel_ask_pattern("states_a_rule")
# A sentence that says what the client is or already runs ("we're a newsroom with a daily newsletter").
_DESCRIBES_ITSELF = re.compile(
    r"\b(?:we(?:['\u2019]re| are)|it(?:['\u2019]s| is)) (?:an?|the)\b", re.IGNORECASE
)


def _quotable(sentence: str, rules: Rules, vocab: Vocabulary) -> bool:
    """A brief sentence the report may quote: one that names nothing the rules exclude, or states the rule."""
    terms = [*rules.forbidden_words, *rules.excluded_formats]
    for name in rules.excluded_channels:
        terms += [name, *vocab.channel(name).aliases]
    named = any(re.search(r"(?<![\w-])" + re.escape(t) + r"(?![\w-])", sentence, re.I) for t in terms if t)
    return not named or _STATES_A_RULE.search(sentence) is not None


def _stray(objectives: Iterable[Objective]) -> bool:
    """Whether the older rules read something that is no goal: a target without a word of what it counts
    ("R$ 1,5 milhão" read as "milhão", "2º semestre")."""
    return any(_counts_nothing(o) for o in objectives)


def _counts_nothing(o: Objective) -> bool:
    wordless = o.target_number is not None and not re.search(r"[^\W\d_]{3}", o.metric.replace(o.target, ""))
    return wordless or len(o.metric) <= 3 or o.metric.casefold() in MULTIPLIERS


def _corrects(budget_words: str, prose: str, amount_text: str) -> bool:
    """Whether the budget the readers found is a correction the text makes ("no wait, make it ₦5,000,000")."""
    at = prose.find(amount_text)
    before = prose[max(0, at - 120) : at] if at >= 0 else budget_words
    return bool(CORRECTION.search(before))


def _clause_of(sentence: str, target: str) -> str:
    """The client's own words for one goal: the clause of its sentence that holds the target."""
    for clause in re.split(r";|,\s+(?:and\s+)?(?=[^,]*\d)|\s+and\s+(?=[^,]*\d)", sentence):
        if target in clause and len(clause.split()) >= 3:
            return clean(clause).rstrip(".")
    return clean(sentence).rstrip(".") if len(sentence) <= 160 else ""


def _period(text: str, fallback: Budget | None) -> str:
    found = parse_budget(text) if text else None
    return found.period if found is not None else (fallback.period if fallback is not None else "total")


def trim_words(text: str, n: int) -> str:
    words = text.split()
    return " ".join(words[:n]) + ("…" if len(words) > n else "")


def _geography_as_written(text: str, markets: list[str]) -> str:
    """The markets as the text writes them ("Germany (Berlin, Hamburg, Munich)"), when they sit together."""
    if not markets:
        return ""
    for sentence in _sentences(text):
        if markets[0] not in sentence or not all(m in sentence for m in markets):
            continue
        start = sentence.index(markets[0])
        end = max(sentence.index(m) + len(m) for m in markets)
        if end < len(sentence) and sentence[end] == ")":
            end += 1
        span = sentence[start:end]
        if len(span) <= 80 and span.count("(") == span.count(")"):
            return span
    return ""


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _currency_for(countries: list[str], vocab: Vocabulary) -> Currency | None:
    for code in countries:
        currency = CURRENCIES.get(country_currency(code))
        if currency is not None:
            return currency
    return None


def _budget_phrase(sentence: str) -> str:
    """The part of a sentence that states the budget ("£45,000 over 12 weeks")."""
    amounts = find_amounts(sentence)
    if not amounts:
        return sentence
    a = amounts[0]
    tail = re.match(
        r"[^.;,]{0,40}?(?:per|a|/|each)\s*(?:month|week|quarter|year)\b|[^.;]{0,0}", sentence[a.end :], re.I
    )
    return clean(sentence[a.start : a.end + (tail.end() if tail else 0)])


def _segments(audience: str) -> list[Segment]:
    items = split_list(audience)
    if len(items) < 2:
        return []
    out: list[Segment] = []
    for item in items:
        m = re.match(r"^([^:\u2013\u2014(]{2,60}?)\s*(?::|\s[\u2013\u2014-]\s|\()\s*(.+?)\)?$", item)
        if m:
            out.append(Segment(clean(m.group(1)), clean(m.group(2))))
        else:
            out.append(Segment(clean(item)))
    return out[:6]


_VERB_SELLS = r"(?:is|are|makes?|sells?|offers?|provides?|runs?|operates?|builds?|brews?|produces?)"
_PRODUCT_END = re.compile(
    r"[;]|,\s+(?:launching|sold|stocked|available|launched|made|which|who|and we|based|with)\b|\s+(?:who|which is|and we)\s+",
    re.I,
)


def _product_from_prose(prose: list[str], brand: str, client: str = "") -> str:
    """What is sold, from the opening sentences: "Nordlys (Nordlys Foods ApS) is an organic oat drink...",
    "Halberd Security sells Halberd ID, a passwordless identity platform..."."""
    if not brand:
        return ""
    names = "|".join(re.escape(n) for n in (brand, client) if n)
    for block in prose:
        for sentence in _sentences(block)[:3]:
            m = re.match(
                rf"^(?:{names}|we|it)(?:\s*\([^)]*\))?\s+{_VERB_SELLS}\s+(?:{re.escape(brand)},\s+)?(.+?)[.]?$",
                sentence,
                re.I,
            )
            if m:
                product = _PRODUCT_END.split(m.group(1))[0]
                if client:  # "... subscription from Ember & Oak Coffee Co." names the seller, not the product
                    product = re.sub(rf"\s+(?:from|by)\s+{re.escape(client)}.*$", "", product, flags=re.I)
                product = _without_trailing_place(product)
                return clean(re.sub(r"^(?:a|an|the)\s+", "", product, flags=re.I))
    return ""


def _without_trailing_place(text: str) -> str:
    """ "gyms with coached classes in Dublin" -> "gyms with coached classes": where it is sold is the markets."""
    for _name, _code, pattern in vocabulary().places:
        m = re.search(
            r"\s+(?:in|across|throughout|for)\s+(?:the\s+)?" + pattern.pattern + r"(?:\s+and\s+\S+)?\s*$",
            text,
            pattern.flags,
        )
        if m:
            return text[: m.start()]
    return text


def _retailers(text: str, vocab: Vocabulary, *, listed: bool) -> list[str]:
    out: list[str] = []
    chunks = [text] if listed else _sentences(text)
    for chunk in chunks:
        if not listed and not _RETAIL_CONTEXT.search(chunk):
            continue
        hits: list[tuple[int, str]] = []
        for name in sorted(vocab.retailers, key=lambda n: -len(n)):
            for m in re.finditer(r"(?<![\w-])" + re.escape(name) + r"(?![\w-])", chunk):
                if not any(m.start() < p + len(n) and p < m.end() for p, n in hits):
                    hits.append((m.start(), name))
        out += [n for _p, n in sorted(hits)]
        if listed and not hits:
            out += [n for n, _note in _names(chunk)]
    return out


_OFFER_END = r"(?=\s+and\s+(?:an?\s+)?(?:free|\d+%|first|introductory)|\s+(?:in|across|for|to)\s+(?:the\s+)?[A-Z]|[.;,\n]|$)"
_OFFER = re.compile(
    r"(\b0%\s+(?:apr\s+)?finance[^.;,\n]*?"
    + _OFFER_END
    + r"|\b\d+%\s+off\b[^.;,\n]*?"
    + _OFFER_END
    + r"|\bfree\s+(?:[\w-]+\s+){0,2}"
    r"(?:consultation|trial|assessment|exam|check-?up|sample|month|delivery|shipping|pilot|workshop|audit|session)s?\b[^.;,\n]*?"
    + _OFFER_END
    + r"|\bfirst\s+(?:month|box|week|order|class)\s+(?:free|for\s+[$€£]\s?\d[\d.,]*)[^.;,\n]*?"
    + _OFFER_END
    + r"|\bbuy one,? get one[^.;,\n]*?"
    + _OFFER_END
    + r"|\bintroductory\s+(?:offer|price)[^.;,\n]*?"
    + _OFFER_END
    + r"|\bnew[- ]patient\s+(?:offer|exam|special)[^.;,\n]*?"
    + _OFFER_END
    + r")",
    re.I,
)


def _offers_from(text: str) -> list[str]:
    return [clean(m.group(1)).rstrip(" .") for m in _OFFER.finditer(text)]


def _dedupe_pairs(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    seen: set[str] = set()
    out: list[tuple[str, str]] = []
    for name, note in pairs:
        if name.casefold() not in seen:
            seen.add(name.casefold())
            out.append((name, note))
    return out


def _dedupe_prices(prices: list[Price]) -> list[Price]:
    seen: set[tuple[float, str, str]] = set()
    out: list[Price] = []
    for p in prices:
        key = (p.amount, p.currency, p.kind.value)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def _gaps(
    *,
    budget: Budget | None,
    objectives: tuple[Objective, ...],
    audience: str,
    markets: list[str],
    timeline: str,
    launch: object,
    competitors: tuple[Competitor, ...],
    language: str,
    countries: list[str],
    model: BusinessModel,
    vocab: Vocabulary,
) -> list[str]:
    gaps: list[str] = []
    if budget is None:
        gaps.append("budget: not stated; the plan uses a working budget, labelled as an assumption")
    if not objectives:
        gaps.append("objectives: none stated; the plan proposes standard goals to confirm")
    if not audience:
        gaps.append("audience: not defined; the plan uses a working definition")
    if not markets:
        gaps.append("geography: no market named")
    if not timeline and launch is None:
        gaps.append("timeline: no duration or launch date; 12 weeks from kickoff is assumed")
    if not competitors:
        gaps.append("competitors: none named")
    if not language and countries:
        local = [market_language(c) for c in countries if market_language(c)]
        if any(lang != "English" for lang in local):
            gaps.append(
                f"language: not stated although the markets speak {_join(dedupe(local))}; creative is written in "
                "English until confirmed"
            )
    if model is BusinessModel.GENERAL:
        gaps.append("business model: not clear from the brief; general tactics are used")
    return gaps
