"""Re-binding learned text to a new brief.

Learning carries decisions, never the facts of the brief they were made for. A learned sentence keeps its
place in a new report only when every fact in it is this brief's: a number, percentage, amount, date,
month, quarter or named moment must appear in the new brief, except a budget amount in a sentence about
the budget, which takes the new budget. A sentence whose facts cannot be re-bound is dropped, never copied.
"""

from __future__ import annotations

import re
from dataclasses import fields

from services.generator.composer.context import Ctx
from services.generator.domain.readers.events import moment_names

# A number as text: "$45,000", "1,200", "20%", "3.5", "€80k", "2m".
_NUMBER = re.compile(
    r"(?P<cur>[$€£¥₹]\s?)?(?<![\w.])\d[\d,]*(?:\.\d+)?(?:\s?(?:%|per ?cent\b|k\b|m\b|bn\b|million\b|billion\b|"
    r"thousand\b))?",
    re.I,
)
_CURRENCY_WORD = re.compile(r"\b(?:usd|eur|gbp|inr|aud|cad|aed|dollars?|euros?|pounds?|rupees?)\b", re.I)
# Months (not "May", which is mostly a verb) and quarters: a date in words.
_WHEN = re.compile(
    r"\b(january|february|march|april|june|july|august|september|october|november|december|"
    r"jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec|q[1-4]|h[12])\b\.?",
    re.I,
)
_ABOUT_BUDGET = re.compile(r"\b(budget|spend|investment|media money)\b", re.I)


def brief_text(ctx: Ctx) -> str:
    """Everything the brief says, as one lower-case text with digit groups joined ("45,000" → "45000")."""
    brief = ctx.brief
    parts = [str(getattr(brief, f.name)) for f in fields(brief) if f.name != "metadata"]
    parts += [str(v) for v in dict(brief.metadata).values()]
    return _plain_digits(" ".join(parts)).casefold()


def _plain_digits(text: str) -> str:
    return re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)


_STOP = frozenset(
    {
        "a",
        "an",
        "the",
        "of",
        "for",
        "to",
        "in",
        "on",
        "at",
        "by",
        "and",
        "or",
        "with",
        "from",
        "per",
        "each",
        "this",
        "that",
        "these",
        "those",
        "our",
        "your",
        "their",
        "its",
    }
)


def _unit_after(text: str) -> str:
    """The first word after a number that says what it counts ("60 practices" → "practices"), or ""."""
    words: list[str] = re.findall(r"[^\W\d_][\w'-]*", text.casefold())
    return next((w for w in words[:3] if w not in _STOP), "")


def _digits_in(value: str, known: str, after: str = "") -> bool:
    """Whether the brief states this number: as a percentage when the value is one ("25%" is not the
    brief's "25-40 year olds"), and for a bare count with what it counts near it in the brief ("delivered
    20 for the client" is not the brief's "20 stores"). `after` is the sentence's text after the value."""
    digits = _plain_digits(re.sub(r"[^\d,.]", "", value)).strip(".,")
    if not digits:
        return False
    percent = re.search(r"%|per ?cent", value, re.I)
    unit = r"\s?(?:%|per ?cent)" if percent else r"(?![\d])"
    found = [m.end() for m in re.finditer(r"(?<![\d.])" + re.escape(digits) + unit, known)]
    if not found or percent or re.search(r"[$€£¥₹]|k\b|m\b|bn\b|million|billion|thousand", value, re.I):
        return bool(found)
    counted = _unit_after(after)
    if not counted:
        return False  # a bare number that counts nothing cannot be bound to the brief's
    return any(counted in re.findall(r"[^\W\d_][\w'-]*", known[end : end + 60])[:4] for end in found)


def rebind(sentence: str, ctx: Ctx, known: str | None = None) -> str | None:
    """The sentence with its facts bound to this brief, or None when one cannot be (see the module doc).
    `known` is brief_text(ctx), passed in when many sentences are checked."""
    known = brief_text(ctx) if known is None else known
    out = sentence
    for m in reversed(list(_NUMBER.finditer(sentence))):
        token = m.group(0)
        if _digits_in(token, known, sentence[m.end() : m.end() + 60]):
            continue
        money = bool(m.group("cur")) or bool(_CURRENCY_WORD.match(sentence[m.end() : m.end() + 9].strip()))
        if money and _ABOUT_BUDGET.search(sentence) and ctx.budget.stated:
            out = out[: m.start()] + ctx.budget.total_text + out[m.end() :]
            continue
        return None
    for m in _WHEN.finditer(sentence):
        if m.group(1).casefold() not in known:
            return None
    for name in moment_names(sentence):
        if name.casefold() not in known:
            return None
    return out


__all__ = ["brief_text", "rebind"]
