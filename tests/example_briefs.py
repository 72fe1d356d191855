"""Example briefs the tests share by name (tests/data/example_briefs.yaml), as the generator's Brief or as
the form's fields (for the wire's ClientBrief)."""

from __future__ import annotations

import datetime
import functools
from pathlib import Path
from typing import Any

import yaml

from services.generator.domain.brief import Brief

PATH = Path(__file__).resolve().parent / "data" / "example_briefs.yaml"


@functools.cache
def _examples() -> dict[str, dict[str, Any]]:
    data: dict[str, dict[str, Any]] = yaml.safe_load(PATH.read_text("utf-8"))
    return data


def example_fields(name: str) -> dict[str, Any]:
    """The example's fields, text as written (a launch date as an ISO date, metadata as a dict)."""
    fields = dict(_examples()[name])
    launch = fields.get("launch_date")
    if isinstance(launch, datetime.date):
        fields["launch_date"] = launch.isoformat()
    if "metadata" in fields:
        fields["metadata"] = {str(k): str(v) for k, v in fields["metadata"].items()}
    return fields


def example_brief(name: str) -> Brief:
    """The example as the generator's Brief."""
    fields = example_fields(name)
    launch = fields.pop("launch_date", "")
    return Brief(launch_date=datetime.date.fromisoformat(launch) if launch else None, **fields)
