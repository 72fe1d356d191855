"""The brief as one text with offsets, its sentences, and grounding: every value points at its words."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Generic, TypeVar

from services.generator.domain.brief import Brief

T = TypeVar("T")

# Form fields in the order they are written into the source text, each as "Label: value".
_FORM_FIELDS = (
    ("product_service", "Product"),
    ("industry", "Industry"),
    ("geography", "Geography"),
    ("audience", "Audience"),
    ("objectives", "Objectives"),
    ("budget", "Budget"),
    ("timeline", "Timeline"),
    ("constraints", "Constraints"),
)
_SENTENCE_BREAK = re.compile(r"(?<=[.!?;])\s+(?=[^\s])|\n+")


@dataclass(frozen=True)
class Span:
    """Where a value was read: offsets into `Source.text` and the words there."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Grounded(Generic[T]):
    """A value and the words of the brief it came from; `span` None means inferred, not read."""

    value: T
    span: Span | None = None

    @property
    def inferred(self) -> bool:
        return self.span is None


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str
    field: str  # the form field it came from, or "" for the pasted brief


class Source:
    """The whole brief as one text: the form fields first (labelled), then the pasted text."""

    def __init__(self, brief: Brief) -> None:
        parts: list[tuple[str, str]] = []
        for name, label in _FORM_FIELDS:
            value = str(getattr(brief, name) or "").strip()
            if value:
                parts.append((name, f"{label}: {value}"))
        for key, value in (brief.metadata or {}).items():
            if str(value).strip():
                parts.append((f"metadata.{key}", f"{key.replace('_', ' ').capitalize()}: {value}"))
        if brief.raw_brief_text.strip():
            parts.append(("", brief.raw_brief_text))
        self.brand = brief.brand_name.strip()
        self.client = brief.client_name.strip()
        text = ""
        self.sentences: list[Sentence] = []
        for field_name, part in parts:
            offset = len(text)
            text += part + "\n\n"
            self.sentences += _split(part, offset, field_name)
        self.text = text

    def span(self, start: int, end: int) -> Span:
        return Span(start, end, self.text[start:end])

    def sentence_span(self, sentence: Sentence) -> Span:
        return Span(sentence.start, sentence.end, sentence.text)

    def sentence_of(self, span: Span | None) -> str:
        """The sentence a span sits in (the words an operator checks a reading against)."""
        if span is None:
            return ""
        return next((s.text for s in self.sentences if s.start <= span.start < s.end), span.text)

    def ground(self, words: str) -> Span | None:
        """The span of `words` in the brief (case and spacing ignored), or None: a value nobody wrote."""
        words = words.strip()
        if not words:
            return None
        pattern = r"\s+".join(re.escape(w) for w in words.split())
        m = re.search(pattern, self.text, re.IGNORECASE)
        return self.span(m.start(), m.end()) if m else None


def _split(part: str, offset: int, field_name: str) -> list[Sentence]:
    out: list[Sentence] = []
    pos = 0
    for m in _SENTENCE_BREAK.finditer(part + "\n"):
        chunk = part[pos : m.start()]
        stripped = chunk.strip()
        if stripped:
            lead = len(chunk) - len(chunk.lstrip())
            start = offset + pos + lead
            out.append(Sentence(start, start + len(stripped), stripped, field_name))
        pos = m.end()
    return out
