"""When day-by-day plans start (the timeline itself is read in services/generator/domain/timeline.py)."""

from __future__ import annotations

import datetime

from services.generator.domain.timeline import Timeline, first_monday_on_or_after


def calendar_start(launch_date: datetime.date | None, timeline: Timeline) -> datetime.date | None:
    """Day 1 of day-by-day plans: the launch date, else the date (or first Monday of the month/quarter)
    the timeline names, else None (plans then count days from kickoff)."""
    if launch_date is not None:
        return launch_date
    if timeline.anchor is None:
        return None
    return timeline.anchor if timeline.anchor_exact else first_monday_on_or_after(timeline.anchor)
