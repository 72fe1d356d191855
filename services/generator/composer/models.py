"""The composer's inputs besides the brief: learned examples and the refinement request."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Example:
    """A learned item retrieved from memory for this section."""

    item_id: str
    title: str
    text: str  # markdown of a past section/report or an uploaded example
    score: float  # similarity 0..1
    rating: str = ""  # "gold", "weak" or ""
    section_id: str = ""  # the section it came from, if any
    client_id: str = ""
    kind: str = ""  # the learned item's kind, e.g. "report_section", "uploaded_example"


@dataclass(frozen=True)
class Refinement:
    """Which pass this is. "refine" with feedback rewrites the section around the feedback."""

    stage: str = "draft"  # "draft" | "refine" | "final"
    feedback: str = ""
    previous_draft: str = ""  # previous markdown of this section (or whole report), may be ""
