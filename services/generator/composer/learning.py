"""Using learned examples: pick the strongest one and weave its key lines into the new section.

Preference: "gold" first, then higher similarity; weak examples are avoided. The report text never says
where a line came from: provenance goes to the operator through the response's learned_from.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from services.generator.composer.context import Ctx
from services.generator.composer.models import SAME_CLIENT, Example
from services.generator.composer.text import clean, section, trim
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
