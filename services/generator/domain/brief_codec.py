"""A brief as plain JSON (the ClientBrief contract's field names), for the report archive and back."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Mapping
from typing import Any

from services.generator.domain.brief import Brief

_TEXT_FIELDS = ("client_name", "brand_name", "product_service", "industry", "geography", "audience",
                "objectives", "budget", "timeline", "constraints", "raw_brief_text")  # fmt: skip


def brief_to_dict(brief: Brief) -> dict[str, Any]:
    out: dict[str, Any] = {name: getattr(brief, name) for name in _TEXT_FIELDS}
    out["launch_date"] = brief.launch_date.isoformat() if brief.launch_date else ""
    out["metadata"] = dict(brief.metadata)
    return out


def brief_from_dict(data: Mapping[str, Any]) -> Brief:
    """The inverse of brief_to_dict (unknown keys are ignored; fields the Brief grew since keep defaults)."""
    known = {f.name for f in dataclasses.fields(Brief)}
    values: dict[str, Any] = {name: str(data.get(name) or "") for name in _TEXT_FIELDS if name in known}
    launch = str(data.get("launch_date") or "")
    values["launch_date"] = datetime.date.fromisoformat(launch) if launch else None
    metadata = data.get("metadata") or {}
    values["metadata"] = {str(k): str(v) for k, v in dict(metadata).items()}
    return Brief(**values)
