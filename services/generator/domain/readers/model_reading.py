"""Understanding asked of a language model, then grounded: the model fills in the brief like an assistant
filling in the form, and every value it gives must be found in the brief's own words.

`SCHEMA` is the JSON schema the model answers with (structured output). Each value comes with `quote`, the
exact words of the brief it was read from; `ground` keeps a value only when its quote is in the brief and
the value itself is in its quote (a name, an amount's digits), and drops the rest, saying which. What is
kept fills the form fields the operator left empty (and the metadata keys that work like fields), so the
deterministic pipeline then reads it as it reads a form: a field typed by the operator always wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from services.generator.domain.brief import Brief
from services.generator.domain.readers.business_type import type_by_key
from services.generator.domain.readers.source import Source


def _item(value: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {**value, "quote": {"type": "string", "description": "the exact words of the brief"}},
        "required": [*value, "quote"],
        "additionalProperties": False,
    }


_TEXT = {"value": {"type": "string"}}
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "product": {"anyOf": [_item(_TEXT), {"type": "null"}]},
        "market": {"anyOf": [_item(_TEXT), {"type": "null"}]},
        "audience": {"anyOf": [_item(_TEXT), {"type": "null"}]},
        "budget": {
            "anyOf": [
                _item({"amount": {"type": "string", "description": "as written, the corrected figure"}}),
                {"type": "null"},
            ],
        },
        "objectives": {
            "type": "array",
            "items": _item({"target": {"type": "string"}, "metric": {"type": "string"}}),
        },
        "competitors": {"type": "array", "items": _item({"name": {"type": "string"}})},
        "languages": {"type": "array", "items": _item({"name": {"type": "string"}})},
        "channels_ruled_out": {"type": "array", "items": _item({"name": {"type": "string"}})},
        "business_type": {"type": ["string", "null"], "description": "one of the listed kinds, or null"},
    },
    "required": [
        "product",
        "market",
        "audience",
        "budget",
        "objectives",
        "competitors",
        "languages",
        "channels_ruled_out",
        "business_type",
    ],
    "additionalProperties": False,
}


@dataclass(frozen=True)
class Grounding:
    brief: Brief  # the brief with the grounded values in the fields the operator left empty
    kept: tuple[str, ...]  # "competitors: Disana"
    dropped: tuple[str, ...]  # values whose words are not in the brief


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _in_quote(value: str, quote: str) -> bool:
    if not value.strip():
        return False
    if re.search(r"\d", value):
        return _digits(value) != "" and _digits(value) in _digits(quote)
    return value.strip().casefold() in quote.casefold()


def ground(brief: Brief, answer: dict[str, Any]) -> Grounding:
    """The model's answer, each value checked against the brief's words; see the module docstring."""
    source = Source(brief)
    kept: list[str] = []
    dropped: list[str] = []

    def check(field_name: str, item: Any, key: str) -> str:
        if not isinstance(item, dict):
            return ""
        value, quote = str(item.get(key) or "").strip(), str(item.get("quote") or "").strip()
        if not value:
            return ""
        if source.ground(quote) is None or not _in_quote(value, quote):
            dropped.append(f"{field_name}: {value}")
            return ""
        kept.append(f"{field_name}: {value}")
        return value

    def quote_of(item: Any) -> str:
        return str(item.get("quote") or "").strip() if isinstance(item, dict) else ""

    fields: dict[str, str] = {}
    meta: dict[str, str] = dict(brief.metadata or {})
    if check("product", answer.get("product"), "value"):
        fields["product_service"] = str(answer["product"]["value"])
    if check("market", answer.get("market"), "value"):
        fields["geography"] = str(answer["market"]["value"])
    if check("audience", answer.get("audience"), "value"):
        fields["audience"] = str(answer["audience"]["value"])
    if check("budget", answer.get("budget"), "amount"):
        fields["budget"] = quote_of(answer["budget"])
    goals = [quote_of(o) for o in answer.get("objectives") or [] if check("objective", o, "target")]
    if goals:
        fields["objectives"] = "; ".join(dict.fromkeys(goals))
    names = [check("competitor", c, "name") for c in answer.get("competitors") or []]
    if any(names):
        meta.setdefault("competitors", "; ".join(n for n in names if n))
    languages = [check("language", x, "name") for x in answer.get("languages") or []]
    if any(languages):
        meta.setdefault("language", ", ".join(x for x in languages if x))
    ruled_out = [check("channel ruled out", c, "name") for c in answer.get("channels_ruled_out") or []]
    rules = [f"No {c}." for c in ruled_out if c]
    kind = type_by_key(str(answer.get("business_type") or ""))
    if kind is not None:
        meta.setdefault("business_model", kind.plan)
        kept.append(f"business type: {kind.key}")
    updates = {k: v for k, v in fields.items() if not str(getattr(brief, k) or "").strip()}
    if rules:
        updates["constraints"] = " ".join([brief.constraints.strip(), *rules]).strip()
    changes: dict[str, Any] = {**updates, "metadata": meta}
    return Grounding(replace(brief, **changes), tuple(kept), tuple(dropped))


def instructions() -> str:
    """What the model is asked to do (the system prompt of the structured-output call)."""
    from services.generator.domain.readers.business_type import business_types

    kinds = "; ".join(f"{t.key} ({t.label})" for t in business_types())
    return (
        "You read a marketing client's brief (often a pasted email or call notes) and fill in a form. "
        "For every value give `quote`: the exact words of the brief it comes from, copied character for "
        "character. Where the brief corrects itself, give the corrected value. Never guess: a value the brief "
        "does not state is null or left out. Prices of competitors are never the client's. business_type is "
        f"one of: {kinds}."
    )
