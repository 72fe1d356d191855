"""Where a percentage objective is measured (a survey, the booking system, the CRM...), by the words of its
metric: the KPI table and the objectives' plan both name it."""

from __future__ import annotations

import re

_PERCENT_SOURCES = (
    (
        ("awareness", "aware", "recall", "consideration"),
        "a brand-tracking survey (n=500) before launch and at the deadline",
    ),
    (
        ("occupancy", "utilisation", "utilization", "capacity", "slots"),
        "booking-system utilisation, reported weekly",
    ),
    (("churn", "cancellation", "cancellations", "retention"), "monthly cohort reports"),
    (("conversion", "rate", "win rate"), "stage conversion in the CRM, reported weekly"),
    (("share", "penetration"), "retail panel data, monthly"),
)


def percent_source(metric: str) -> str:
    """The source that measures a percentage metric; last year's figure when no words match."""
    low = metric.lower()
    for words, source in _PERCENT_SOURCES:
        if any(re.search(r"(?<![\w-])" + re.escape(w) + r"(?![\w-])", low) for w in words):
            return source
    return "the client's figure for the same period last year"
