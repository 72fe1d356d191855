"""The composer's inputs besides the brief: learned examples and the refinement request."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

# Where a learned example comes from (memory never returns another client's items for a report).
SAME_CLIENT = "same_client"
AGENCY_LIBRARY = "agency_library"


@dataclass(frozen=True)
class Example:
    """A learned item retrieved from memory for this section."""

    item_id: str
    title: str
    text: str  # markdown of a past section/report or an uploaded example
    score: float  # ranking score: similarity adjusted by the rating
    rating: str = ""  # "gold", "weak" or ""
    section_id: str = ""  # the section it came from, if any
    client_id: str = ""
    kind: str = ""  # the learned item's kind, e.g. "report_section", "uploaded_example"
    source: str = AGENCY_LIBRARY  # SAME_CLIENT or AGENCY_LIBRARY
    similarity: float = 0.0  # raw cosine similarity (score is rating-adjusted)


@dataclass(frozen=True)
class Refinement:
    """Which pass this is. "refine" with feedback rewrites the section around the feedback."""

    stage: str = "draft"  # "draft" | "refine" | "final"
    feedback: str = ""
    previous_draft: str = ""  # previous markdown of this section (or whole report), may be ""


@dataclass(frozen=True)
class LearnedSplit:
    """A channel split read from a learned example, for the new plan to follow.

    `shares` are (catalogue channel name, share as written), in the example's order; `strength` is how far
    the new plan moves towards them: 1 follows them outright (a gold example of the same client), less
    blends them with the plan's own mix (an agency-library or unrated example)."""

    shares: tuple[tuple[str, Fraction], ...]
    strength: Fraction = Fraction(1)
