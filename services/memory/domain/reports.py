"""The report archive's domain types: a stored version of a report, and a report as the list shows it."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class StoredVersion:
    history_id: uuid.UUID
    version: int
    report_id: uuid.UUID
    client_id: str
    client_name: str = ""
    brand_name: str = ""
    package_key: str = ""
    package_label: str = ""
    stage: str = ""
    origin: str = ""
    note: str = ""
    markdown: str = ""
    sections: Sequence[Mapping[str, Any]] = ()
    brief: Mapping[str, Any] = field(default_factory=dict)
    create_time: dt.datetime | None = None


@dataclass(frozen=True)
class ReportRow:
    """A report's latest version, for the list."""

    latest: StoredVersion
    first_create_time: dt.datetime


__all__ = ["ReportRow", "StoredVersion"]
