"""Using learned examples: pick the strongest one and weave its key lines into the new section.

Preference: "gold" first, then higher similarity; weak examples are avoided. The report text never says
where a line came from: provenance goes to the operator through the response's learned_from.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from fractions import Fraction

from services.generator.composer.context import Ctx
from services.generator.composer.models import SAME_CLIENT, Example, LearnedSplit
from services.generator.composer.text import clean, section, trim
from services.generator.domain.brief_parser import channel_mentions
from services.generator.domain.packages import PACKAGES, SECTION_TITLES

_MAX_LINES = 3
_MAX_LINES_GOLD = 6
_MAX_CHARS = 180
_OWN_BLOCKS = (
    "proven approach",
    "building on past work",
    "lessons from past work",
    "revisions for this draft",
    "sign-off",
    "further detail",
    "budget lens",
    "measurement detail",
)
# Learned examples (uploads especially) may hold unfinished text; such lines are never quoted into a report.
_UNFINISHED_TEXT = re.compile(r"\b(tbd|todo|lorem ipsum|n/a)\b|\[insert|not yet implemented|\{[^{}]*\}", re.I)
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_NOT_NAMES = {t.casefold() for t in SECTION_TITLES.values()} | {p.label.casefold() for p in PACKAGES.values()}


def _rating(e: Example) -> str:
    return e.rating.strip().lower()


def _score(e: Example) -> float:
    return e.score if math.isfinite(e.score) else 0.0


def choose_example(examples: Sequence[Example]) -> Example | None:
    """The example to build on, or None. Never prefers a weak example over a non-weak one."""
    usable = [e for e in examples if clean(e.text) or clean(e.title)]
    if not usable:
        return None
    strong = [e for e in usable if _rating(e) != "weak"]
    pool = strong or usable
    return min(pool, key=lambda e: (0 if _rating(e) == "gold" else 1, -_score(e), e.item_id))


def _section_part(text: str, title: str) -> str:
    """The part of a whole-report example under this section's heading, if it has one."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = _HEADING.match(line.strip())
        if m and clean(m.group(2)).casefold() == title.casefold():
            level = len(m.group(1))
            out: list[str] = []
            for later in lines[i + 1 :]:
                h = _HEADING.match(later.strip())
                if h and len(h.group(1)) <= level:
                    break
                out.append(later)
            if any(o.strip() for o in out):
                return "\n".join(out)
    return text


def key_lines(text: str, limit: int = _MAX_LINES) -> list[str]:
    """The first meaningful bullet points or sentences of markdown, trimmed; skips our own notes."""
    found: list[str] = []
    skipping = False
    in_code = False
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("```"):
            in_code = not in_code
            continue
        if in_code or not line:
            continue
        heading = _HEADING.match(line)
        if heading:
            skipping = clean(heading.group(2)).casefold() in _OWN_BLOCKS
            continue
        if skipping or line.startswith("|") or re.fullmatch(r"[-*_=\s]{3,}", line):
            continue
        line = re.sub(r"^(?:[>*+\-]+|\d+[.)])\s*", "", line)
        line = re.sub(r"[*_`]{1,3}", "", line).strip()
        for sentence in re.split(r"(?<=[.!?])\s+(?=[A-Z0-9\"'])", line):
            sentence = clean(sentence).strip("\"'")
            if len(sentence.split()) < 5 or _UNFINISHED_TEXT.search(sentence):
                continue
            found.append(trim(sentence, _MAX_CHARS))
            if len(found) >= limit:
                return found
    return found


def _old_names(example: Example, pattern: str) -> list[str]:
    names: list[str] = []
    for m in re.finditer(pattern, example.text):
        names.append(clean(re.split(r"[·|;]", m.group(1))[0]).strip(" .,*"))
    return names


def _name_like(text: str) -> bool:
    words = text.split()
    return 0 < len(words) <= 5 and not re.search(r"\d", text) and all(w[:1].isupper() for w in words)


def _title_brand(title: str) -> str:
    """The brand a title names: "Channel Plan — Beanery Co" (how reports file their sections),
    "Beanery Co — Strategy + Campaign Pack (Standard)" (whole reports) or "Beanery Co: launch plan"."""
    parts = re.split(r"\s+[—\u2013|:-]\s+|:\s+", clean(title), maxsplit=1)
    if len(parts) != 2:
        return ""
    first, second = parts
    if first.casefold() in _NOT_NAMES:
        return second
    if second.casefold() in _NOT_NAMES or _name_like(first):
        return first
    return ""


def _brand_swaps(example: Example, ctx: Ctx) -> list[tuple[str, str]]:
    """(old, new) names to replace: the example's brand and client as it labels them (our own reports say
    "**Brand:** X" or "| Brand | X |"), the brand its title names, and its client id read as a name."""
    old_brands = (
        _old_names(example, r"\*\*Brand:?\*\*:?\s*([^\n]+)")
        + _old_names(example, r"(?m)^\s*[-*]?\s*Brand:\s*([^\n]+)")
        + _old_names(example, r"(?m)^\|\s*Brand\s*\|\s*([^|\n]+)\|")
    )
    title_brand = _title_brand(example.title)
    if title_brand:
        old_brands.append(title_brand)
    old_clients = _old_names(example, r"\*\*Client:?\*\*:?\s*([^\n]+)") + _old_names(
        example, r"(?m)^\|\s*Client\s*\|\s*([^|\n]+)\|"
    )
    # Client ids are slugs of the client name ("northwind-foods-ltd"); UUID-like ids name nobody.
    if example.client_id and not re.fullmatch(r"[0-9a-fA-F-]{16,}", example.client_id):
        old_clients.append(clean(example.client_id.replace("-", " ").replace("_", " ")))
    swaps: list[tuple[str, str]] = []
    for olds, new in ((old_brands, ctx.brand), (old_clients, ctx.client)):
        for old in olds:
            if (
                len(old) >= 2
                and old.casefold() != new.casefold()
                and old.casefold() not in _NOT_NAMES
                and old.casefold() in example.text.casefold()
                and all(old.casefold() != o.casefold() for o, _n in swaps)
            ):
                swaps.append((old, new))
    swaps.sort(key=lambda s: -len(s[0]))  # longest first, so "Acme Coffee Co" wins over "Acme"
    return swaps


def _swap(text: str, swaps: list[tuple[str, str]]) -> str:
    for old, new in swaps:
        text = re.sub(r"(?<!\w)" + re.escape(old) + r"(?!\w)", new.replace("\\", "\\\\"), text, flags=re.I)
    return text


def learned_block(examples: Sequence[Example], ctx: Ctx) -> str:
    """What past work adds to this section, written as part of the plan.

    The client-facing text names no source, score or rating (that provenance is the operator's, in the
    response's learned_from). A gold example of the same client is kept and built on (more of its lines);
    an agency-library example is adapted (its names replaced with this brief's); weak examples are avoided.
    Only the client's own items and the agency library ever reach here (memory scopes the search).
    """
    chosen = choose_example([e for e in examples if _rating(e) != "weak"])
    if chosen is None:
        return ""
    own = chosen.source == SAME_CLIENT
    gold = _rating(chosen) == "gold"
    swaps = [] if own else _brand_swaps(chosen, ctx)
    limit = _MAX_LINES_GOLD if gold else _MAX_LINES
    lines = [_swap(line, swaps) for line in key_lines(_section_part(chosen.text, ctx.section.title), limit)]
    if ctx.learned_idea:  # the idea it keeps already leads the section
        lines = [line for line in lines if ctx.learned_idea.casefold() not in line.casefold()]
    if not lines:
        return ""
    goal = trim(ctx.main_objective.rstrip("."), 90)
    if own:
        heading = f"What already works for {ctx.brand}"
        intro = f"These proven elements of {ctx.brand}'s plan stay at its core:"
    else:
        heading = "Proven approach"
        intro = f"An approach that has worked in comparable campaigns, applied to {ctx.brand}:"
    apply = (
        f"**How we apply it here:** the same structure and level of specificity, re-anchored on "
        f"\u201c{goal}\u201d, {ctx.audience_short} and {ctx.budget_phrase}."
    )
    return section(heading, intro, "\n".join(f"- {line}" for line in lines), apply)


# ----- learning that shapes the plan itself ---------------------------------------------------------------

_PERCENT = re.compile(r"^\W*(\d{1,3}(?:\.\d+)?)\s*%\W*$")
_SEPARATOR = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?$")
# Partial learning: an agency-library or unrated example moves the split half way towards its own.
_BLEND = Fraction(1, 2)
_IDEA_SECTION = "core_campaign_idea"
_NOT_IDEAS = {
    "why it works",
    "how it comes to life",
    "lines to test",
    "the idea",
    "big idea",
    "the big idea",
    "core idea",
    "campaign idea",
    *_OWN_BLOCKS,
    *_NOT_NAMES,
}
_QUOTED_IDEA = re.compile(r"\bbig idea\b[^\n\"\u201c]{0,12}[\"\u201c]([^\"\u201d\n]{3,90})[\"\u201d]", re.I)
_BOLD_LINE = re.compile(r"^\s*(?:[-*]\s+)?\*\*([^*\n]{3,120})\*\*")


def _shaping_example(examples: Sequence[Example]) -> Example | None:
    """The example learned_block builds on (weak examples never shape a plan)."""
    return choose_example([e for e in examples if _rating(e) != "weak"])


def _cells(line: str) -> list[str]:
    return [clean(c.strip().strip("*_`").strip()) for c in line.strip().strip("|").split("|")]


def _tables(text: str) -> list[list[list[str]]]:
    """Every markdown table of the text as rows of cells (header first, separator row left out)."""
    found: list[list[list[str]]] = []
    current: list[list[str]] = []
    for raw in [*text.splitlines(), ""]:
        line = raw.strip()
        if line.startswith("|"):
            if not _SEPARATOR.match(line):
                current.append(_cells(line))
            continue
        if len(current) > 1:
            found.append(current)
        current = []
    return found


def _channel_of(cell: str) -> str:
    """The catalogue channel a table cell names on its own ("Email" is Email & CRM), else ""."""
    named = [m.name for m in channel_mentions(cell) if not m.is_format and m.verdict != "drop"]
    return named[0] if len(set(named)) == 1 else ""


def channel_shares(text: str) -> tuple[tuple[str, Fraction], ...]:
    """(channel, share) from the first markdown table with a channel column and a percentage column: our own
    "| Line | Role | Share | Budget |" or any table of that kind. Rows that are not channels are left out."""
    for rows in _tables(text):
        header, body = rows[0], rows[1:]
        width = len(header)
        body = [r for r in body if len(r) == width and not r[0].casefold().startswith("total")]
        if not body:
            continue
        name_cols = [i for i in range(width) if sum(1 for r in body if _channel_of(r[i])) >= 2]
        pct_cols = [i for i in range(width) if sum(1 for r in body if _PERCENT.match(r[i])) >= 2]
        if not name_cols or not pct_cols:
            continue
        named = name_cols[0]
        preferred = [i for i in pct_cols if re.search(r"share|%|percent|split|mix", header[i], re.I)]
        pct = (preferred or pct_cols)[0]
        shares: dict[str, Fraction] = {}
        for r in body:
            channel, m = _channel_of(r[named]), _PERCENT.match(r[pct])
            if channel and m and channel not in shares:
                shares[channel] = Fraction(m.group(1))
        if len(shares) >= 2 and sum(shares.values()) > 0:
            return tuple(shares.items())
    return ()


def learned_split(examples: Sequence[Example], ctx: Ctx) -> LearnedSplit | None:
    """The channel split the chosen example's budget table sets out, for the new plan to follow: outright
    for a gold example of the same client, half way for any other usable example; None without one."""
    chosen = _shaping_example(examples)
    if chosen is None:
        return None
    shares = channel_shares(_section_part(chosen.text, ctx.section.title))
    if not shares:
        return None
    follow = chosen.source == SAME_CLIENT and _rating(chosen) == "gold"
    return LearnedSplit(shares, Fraction(1) if follow else _BLEND)


def _idea_candidates(text: str) -> list[str]:
    quoted = [m.group(1) for m in _QUOTED_IDEA.finditer(text)]
    bold: list[str] = []
    headings: list[str] = []
    for raw in text.splitlines():
        heading = _HEADING.match(raw.strip())
        if heading:
            headings.append(heading.group(2))
            continue
        m = _BOLD_LINE.match(raw)
        if m:
            bold.append(
                re.sub(r"^(?:the\s+)?(?:big\s+)?idea\s*[:\-\u2014\u2013]\s*", "", m.group(1), flags=re.I)
            )
    return [*quoted, *bold, *headings]


def learned_idea(examples: Sequence[Example], ctx: Ctx) -> str:
    """A gold example's big idea, kept as this report's (names swapped for an agency-library example), or "".
    Its first quoted "big idea", else its first bolded line, else its first heading that is not ours."""
    chosen = _shaping_example(examples)
    if chosen is None or _rating(chosen) != "gold":
        return ""
    own = chosen.source == SAME_CLIENT
    swaps = [] if own else _brand_swaps(chosen, ctx)
    part = _section_part(chosen.text, SECTION_TITLES.get(_IDEA_SECTION, ctx.section.title))
    for candidate in _idea_candidates(part):
        idea = clean(re.sub(r"[*_`]", "", candidate)).strip(" \"'\u201c\u201d.:")
        if (
            not idea
            or idea.casefold() in _NOT_IDEAS
            or not 1 <= len(idea.split()) <= 12
            or _UNFINISHED_TEXT.search(idea)
            or re.search(r"[:|]$|^\W|\d+%", idea)
        ):
            continue
        return trim(_swap(idea, swaps), 90)
    return ""
