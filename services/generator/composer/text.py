"""Small markdown and formatting helpers shared by every section writer.

Everything that puts operator text into markdown goes through `clean` (one line, no stray markup at the
start) or `cell` (additionally no pipe), so any brief renders safely.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import unicodedata
from collections.abc import Sequence

from services.generator.domain.text import clean, fmt_int, split_list

__all__ = ["clean", "fmt_int", "split_list"]  # re-exported: writers take every text helper from here


WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def cell(text: str) -> str:
    """Text safe inside a markdown table cell (no newline, no pipe)."""
    return clean(text).replace("|", "/")


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub-flavoured markdown table; every cell is made safe."""
    head = "| " + " | ".join(cell(h) for h in headers) + " |"
    rule = "|" + "|".join("---" for _ in headers) + "|"
    body = ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join([head, rule, *body])


def bullets(items: Sequence[str]) -> str:
    return "\n".join(f"- {i}" for i in items)


def numbered(items: Sequence[str]) -> str:
    return "\n".join(f"{n}. {i}" for n, i in enumerate(items, 1))


def section(heading: str, *parts: str) -> str:
    """A '### heading' sub-part followed by its paragraphs/lists."""
    return "\n\n".join([f"### {heading}", *[p for p in parts if p]])


def join_and(items: Sequence[str]) -> str:
    items = [i for i in items if i]
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def trim(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word boundary with an ellipsis."""
    text = clean(text)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:-")
    return cut + "…"


def stable_digest(*parts: str) -> str:
    """A short deterministic digest of texts (never Python's salted hash())."""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


def stable_index(n: int, *parts: str) -> int:
    """A deterministic index in range(n) derived from text (never Python's salted hash())."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % n


def pick(options: Sequence[str], *parts: str) -> str:
    return options[stable_index(len(options), *parts)]


def nice(n: float) -> int:
    """Round to a planning-friendly figure (two significant digits, three above 100,000)."""
    if n <= 0:
        return 0
    if n < 100:
        return round(n)
    digits = len(str(int(n)))
    keep = 3 if n >= 100_000 else 2
    factor = 10 ** (digits - keep)
    return int(round(n / factor) * factor)


def pct1(ratio: float) -> str:
    """A ratio as a percentage with one decimal ("1.2%")."""
    return f"{ratio * 100:.1f}%"


def fmt_date(day: datetime.date) -> str:
    """'Mon 14 Sep 2026', independent of the process locale."""
    return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]} {day.year}"


def fmt_date_short(day: datetime.date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]}"


def slug(text: str) -> str:
    """ASCII kebab-case ("Café Olé" -> "cafe-ole"), for UTM values and campaign names."""
    ascii_text = unicodedata.normalize("NFKD", clean(text)).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "brand"


def hashtag(text: str) -> str:
    """'#CamelCase' from free text; letters (any script) and digits only."""
    words = re.findall(r"[^\W_]+", text)
    body = "".join(w[:1].upper() + w[1:] for w in words)
    return "#" + (body or "Brand")


def words(text: str) -> int:
    return len(text.split())


def sentence(text: str) -> str:
    """First letter upper-cased, ends with a full stop."""
    text = clean(text)
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?…" else text + "."


def lower_first(text: str) -> str:
    """Lower-case the first letter unless the first word looks like a name or acronym."""
    text = clean(text)
    if not text:
        return text
    first = text.split(" ", 1)[0]
    if len(first) > 1 and (first.isupper() or any(c.isupper() for c in first[1:])):
        return text
    return text[0].lower() + text[1:]


def bare(text: str) -> str:
    """Without a leading article: "a free trial" -> "free trial"."""
    return re.sub(r"^(?:a|an|the)\s+", "", clean(text), flags=re.I)


def cap(text: str) -> str:
    """First letter upper-cased, the rest untouched."""
    text = clean(text)
    return text[:1].upper() + text[1:]


def no_parens(text: str) -> str:
    """Without parenthetical asides: "a free trial (14 days)" -> "a free trial"."""
    return clean(re.sub(r"\s*\([^)]*\)", "", text))
