"""Reading learned text (sections, uploads, approved texts) and carrying it into a new section.

Preference: "gold" first, then higher similarity; weak examples are avoided. What a section carries is
re-bound to the new brief's facts (rebinding.py) and never names where it came from: provenance goes to
the operator through the response's learned_from and learning detail. Text rated weak is taken out.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from fractions import Fraction

from services.generator.composer.context import Ctx
from services.generator.composer.models import Example
from services.generator.composer.rebinding import brief_text, rebind
from services.generator.composer.render import render_block
from services.generator.composer.text import clean, trim
from services.generator.domain.brief_parser import channel_mentions
from services.generator.domain.packages import PACKAGES, SECTION_TITLES

_MAX_LINES = 3
_MAX_APPROVED = 8
_MAX_CHARS = 180
_MAX_WHOLE = 400
_OWN_BLOCKS = (
    "agreed direction",
    "tactics to apply",
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


def section_part(text: str, title: str) -> str:
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


def key_lines(text: str, limit: int = _MAX_LINES, *, whole: bool = False) -> list[str]:
    """The first meaningful bullet points or sentences of markdown; skips our own notes and unfinished text.
    By default a long sentence is trimmed; with `whole` it is kept whole, or left out past _MAX_WHOLE
    characters (an approved idea is never cut off mid-sentence)."""
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
            if whole and len(sentence) > _MAX_WHOLE:
                continue
            found.append(sentence if whole else trim(sentence, _MAX_CHARS))
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


def brand_swaps(example: Example, brand: str, client: str) -> list[tuple[str, str]]:
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
    for olds, new in ((old_brands, brand), (old_clients, client)):
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


def swap_names(text: str, swaps: list[tuple[str, str]]) -> str:
    for old, new in swaps:
        text = re.sub(r"(?<!\w)" + re.escape(old) + r"(?!\w)", new.replace("\\", "\\\\"), text, flags=re.I)
    return text


# ----- learning that shapes the plan itself ---------------------------------------------------------------

_PERCENT = re.compile(r"^\W*(\d{1,3}(?:\.\d+)?)\s*%\W*$")
_SEPARATOR = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?$")
# Partial learning: an agency-library or unrated example moves the split half way towards its own.
_BLEND = Fraction(1, 2)
IDEA_SECTION = "core_campaign_idea"
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


def idea_in(text: str, swaps: Sequence[tuple[str, str]] = ()) -> str:
    """The big idea a core-campaign-idea text sets (its first quoted "big idea", else its first bolded line,
    else its first heading that is not ours), names swapped, or ""."""
    part = section_part(text, SECTION_TITLES[IDEA_SECTION])
    for candidate in _idea_candidates(part):
        idea = clean(re.sub(r"[*_`]", "", candidate)).strip(" \"'\u201c\u201d.:")
        if (
            not idea
            or idea.casefold() in _NOT_IDEAS
            or not 1 <= len(idea.split()) <= 12
            or _UNFINISHED_TEXT.search(idea)
            or re.search(r"[:|]$|^\W|\d", idea)
        ):
            continue
        return trim(swap_names(idea, list(swaps)), 90)
    return ""


# ----- carrying learned text into a section --------------------------------------------------------------


def _plain(text: str) -> str:
    text = re.sub(r"[*_`>#|]", " ", text)
    text = re.sub(r"^\s*(?:[-+]|\d+[.)])\s+", "", text)
    return re.sub(r"\s+", " ", text).strip(" .,:;!?\"'\u201c\u201d").casefold()


def carried_block(ctx: Ctx, approved: Sequence[str], adapted: Sequence[Example], body: str) -> str:
    """The section's "Agreed direction": the client's approved texts, whole sentences re-bound to this
    brief (a sentence whose facts cannot be re-bound is dropped); without any, "Tactics to apply": the best
    agency-library example, its names replaced with this client's. Lines the section already says, and the
    idea that already leads it, are not repeated. "" when nothing is carried."""
    known = brief_text(ctx)
    said = _plain(body)
    from_library = False  # "Tactics to apply" (an adapted agency example) rather than "Agreed direction"
    candidates = [s for text in approved for s in key_lines(text, _MAX_APPROVED * 2, whole=True)]
    swaps: list[tuple[str, str]] = []
    if not candidates:
        chosen = choose_example([e for e in adapted if _rating(e) != "weak"])
        if chosen is not None:
            swaps = brand_swaps(chosen, ctx.brand, ctx.client)
            candidates = key_lines(section_part(chosen.text, ctx.section.title), _MAX_APPROVED, whole=True)
            from_library = True
    limit = _MAX_LINES if from_library else _MAX_APPROVED
    lines: list[str] = []
    seen: set[str] = set()
    for sentence in candidates:
        bound = rebind(swap_names(sentence, swaps), ctx, known)
        key = _plain(bound or "")
        if not bound or not key or key in seen or key in said:
            continue
        if ctx.learned_idea and ctx.learned_idea.casefold() in bound.casefold():
            continue
        seen.add(key)
        lines.append(bound)
        if len(lines) >= limit:
            break
    if not lines:
        return ""
    return render_block("carried", plan=ctx, lines=lines, adapted=from_library)


def _sentences(text: str) -> set[str]:
    out: set[str] = set()
    for raw in text.splitlines():
        line = raw.strip()
        if not line or _HEADING.match(line) or _SEPARATOR.match(line):
            continue
        out.add(_plain(line))
        if not line.startswith("|"):
            out.update(_plain(s) for s in re.split(r"(?<=[.!?])\s+", line))
    return {s for s in out if len(s.split()) >= 4}


def drop_avoided(body: str, avoid: Sequence[str]) -> tuple[str, int]:
    """The section without the lines and sentences of texts rated weak (headings, table headers and short
    labels stay), and how many were taken out."""
    if not avoid:
        return body, 0
    weak = set().union(*(_sentences(t) for t in avoid))
    kept: list[str] = []
    dropped = 0
    rows = body.splitlines()
    for i, raw in enumerate(rows):
        line = raw.strip()
        header = line.startswith("|") and i + 1 < len(rows) and bool(_SEPARATOR.match(rows[i + 1].strip()))
        if (
            not line
            or header
            or _HEADING.match(line)
            or _SEPARATOR.match(line)
            or len(_plain(line).split()) < 4
        ):
            kept.append(raw)
            continue
        if _plain(line) in weak:
            dropped += 1
            continue
        if line.startswith("|"):
            kept.append(raw)
            continue
        parts = re.split(r"(?<=[.!?])\s+", raw)
        remaining = [p for p in parts if _plain(p) not in weak or len(_plain(p).split()) < 4]
        dropped += len(parts) - len(remaining)
        if remaining and any(_plain(p) for p in remaining):
            kept.append(" ".join(remaining))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip(), dropped


_FIGURE = re.compile(r"\d[\d,.]*\d")  # two digits or more: "Step 1" is nobody's fact


def drop_stale(body: str, ctx: Ctx, learned: Sequence[str]) -> tuple[str, int]:
    """The text without its sentences that hold a figure of a learned text which is not this brief's (the
    figure cannot be re-bound), and how many went. Figures no learned text has are the writer's own."""
    learned_figures = {f.replace(",", "") for text in learned for f in _FIGURE.findall(text)}
    if not learned_figures:
        return body, 0
    known = brief_text(ctx)
    dropped = 0
    kept: list[str] = []
    for raw in body.splitlines():
        if raw.lstrip().startswith("|") or _HEADING.match(raw.strip()):
            kept.append(raw)
            continue
        parts = re.split(r"(?<=[.!?])\s+", raw)
        remaining = []
        for part in parts:
            figures = {f.replace(",", "") for f in _FIGURE.findall(part)}
            if figures & learned_figures and rebind(part, ctx, known) is None:
                dropped += 1
                continue
            remaining.append(part)
        if remaining or not raw.strip():
            kept.append(" ".join(remaining) if remaining else raw)
    return "\n".join(kept), dropped
