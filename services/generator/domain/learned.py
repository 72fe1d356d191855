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


@dataclass(frozen=True)
class ArchivedSection:
    section_id: str
    markdown: str
    author: str  # "offline", "llm" or "operator"


@dataclass(frozen=True)
class ArchivedVersion:
    """One version of a report as the archive keeps it, for reworking a section of it."""

    history_id: str
    version: int
    package_key: str
    stage: str  # "draft", "refine" or "final"
    brief: dict[str, object] | None  # the brief as the operator gave it (brief_codec's dict), if archived
    sections: tuple[ArchivedSection, ...]


__all__ = ["ArchivedSection", "ArchivedVersion", "LearnedItem", "PastWorkQuery", "SearchHit"]
