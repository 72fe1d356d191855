"""The labelled brief set (tests/data/briefs.yaml): each brief as the operator's form and as free text
only, with the facts both must yield. Used by the parser and composer tests and by `make eval`."""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from services.generator.domain.brief import Brief

PATH = Path(__file__).resolve().parent / "data" / "briefs.yaml"


@dataclass(frozen=True)
class LabelledBrief:
    id: str
    form: Brief  # fields and metadata keys, no free text
    text: Brief  # client and brand names, and the whole brief as free text
    expected: dict[str, Any]


def _form(fields: dict[str, Any]) -> Brief:
    values = dict(fields)
    metadata = {str(k): str(v) for k, v in (values.pop("metadata", None) or {}).items()}
    launch = str(values.pop("launch_date", "") or "")
    return Brief(
        launch_date=datetime.date.fromisoformat(launch) if launch else None,
        metadata=metadata,
        **{k: str(v) for k, v in values.items()},
    )


@functools.cache
def labelled_briefs() -> tuple[LabelledBrief, ...]:
    data = yaml.safe_load(PATH.read_text("utf-8"))
    out = []
    for item in data["briefs"]:
        form = _form(item["form"])
        text = Brief(client_name=form.client_name, brand_name=form.brand_name, raw_brief_text=item["text"])
        out.append(LabelledBrief(item["id"], form, text, item["expected"]))
    return tuple(out)


def by_id(brief_id: str) -> LabelledBrief:
    return next(b for b in labelled_briefs() if b.id == brief_id)
