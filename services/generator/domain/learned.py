"""What the generator reads from memory's learning, in its own types (the memory client adapter maps the
protobuf): a search for past work and what it finds."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LearnedItem:
    """One learned thing as a report may use it."""

    id: str
    kind: str  # "report_section", "uploaded_example", ...
    title: str
    text: str
    client_id: str = ""
    section_id: str = ""
    tags: tuple[str, ...] = ()
    rating: str = ""  # "gold", "weak" or ""
    agency: bool = False  # in the agency library (may shape any client's report)


@dataclass(frozen=True)
class SearchHit:
    item: LearnedItem
    score: float  # ranking score: similarity adjusted by the rating
    similarity: float


@dataclass(frozen=True)
class PastWorkQuery:
    """Past work near a brief, for one client: only its own items and the agency library."""

    text: str
    for_client_id: str
    top_k: int
    min_score: float
    kinds: tuple[str, ...]


__all__ = ["LearnedItem", "PastWorkQuery", "SearchHit"]
