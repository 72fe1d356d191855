"""The client brief: what an operator tells AICMO about the client, the brand and the job."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Brief:
    """One client brief. Only `client_name` and `brand_name` are required; everything else is free text.

    `budget` and `timeline` are kept exactly as the operator typed them ("$50,000", "€20k/month",
    "8 weeks", "Q3 2026"); the composer parses them where it can and says so when it cannot.
    `metadata` holds any further fields, already stringified.
    """

    client_name: str
    brand_name: str
    product_service: str = ""
    industry: str = ""
    geography: str = ""
    audience: str = ""
    objectives: str = ""
    budget: str = ""
    timeline: str = ""
    constraints: str = ""
    raw_brief_text: str = ""
    launch_date: datetime.date | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)
