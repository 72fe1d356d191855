"""Text primitives shared by the brief parser and the composer: tidy one-line text, split lists, numbers."""

from __future__ import annotations

import re

_WS = re.compile(r"\s+")
_LEAD_MARKUP = re.compile(r"^(?:[#>*+\-\u2022]+|\d+[.)])\s+")


def clean(text: str) -> str:
    """Operator text as one tidy line: whitespace collapsed, leading list/heading markers removed."""
    line = _WS.sub(" ", text).strip()
    while True:
        stripped = _LEAD_MARKUP.sub("", line)
        if stripped == line:
            return line
        line = stripped


def split_list(text: str) -> list[str]:
    """Split free text listing several items (lines, bullets, semicolons) into clean items."""
    raw = re.split(r"[\n;•]+|(?:^|\s)\d+[.)]\s", text)
    items = [clean(r).rstrip(".") for r in raw]
    if len(items) <= 1 and text.count(",") >= 2 and len(text) < 300:
        # A comma inside a number ("2,000 reviews") separates nothing.
        pieces = [clean(r).rstrip(".") for r in re.split(r",(?!\d{3}\b)", text)]
        if all(len(p.split()) >= 2 for p in pieces):  # "grow sales, awareness, and loyalty" stays whole
            items = pieces
    return [i for i in items if i]


def fmt_int(n: int | float) -> str:
    """12345 -> '12,345'."""
    return f"{round(n):,}"


def dedupe(items: list[str]) -> list[str]:
    """Items in first-seen order without case-insensitive repeats."""
    seen: set[str] = set()
    out: list[str] = []
    for item in items:
        key = item.casefold()
        if item and key not in seen:
            seen.add(key)
            out.append(item)
    return out
