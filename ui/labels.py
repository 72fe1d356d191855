"""Operator words for the contract's values: item kinds, stages, ratings, scopes, learning and health
states, who wrote a report, times and short previews. The tabs show these; the raw values (enum names,
ids, kinds as stored) stay one click away in "Technical details"."""

from __future__ import annotations

import datetime
import re
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from ui.contract import gpb, mpb, rpb


def enum_name(enum_type: Any, value: int) -> str:
    """An enum value's name in the contract (for technical details); the number if this app predates it."""
    try:
        return str(enum_type.Name(value))
    except ValueError:
        return str(value)


# ---------------------------------------------------------------------------------------------------------
# Learned items.

# Kinds as stored → as operators say them. Kinds not listed read as their words ("brand_guide" → "Brand guide").
KIND_LABELS = {
    "full_report": "Whole report",
    "report_section": "Report section",
    "uploaded_example": "Uploaded example",
}
# What an operator may upload, and what each kind is for. Only these two are looked up when a report is
# written (whole reports are not: their sections are), so the picker offers only them.
UPLOAD_KINDS = {
    "uploaded_example": "a reference example (informs the section you pick, or the overview)",
    "report_section": "an example of one report section (pick the section)",
}


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind) or (kind.replace("_", " ").strip().capitalize() or "Item")


# The stage a generated report was written at (items carry it in metadata["stage"]).
STAGE_LABELS = {"draft": "Draft", "refine": "Refined", "final": "Final"}
REPORT_STAGE_LABELS = {
    gpb.REPORT_STAGE_UNSPECIFIED: "Draft",
    gpb.REPORT_STAGE_DRAFT: "Draft",
    gpb.REPORT_STAGE_REFINE: "Refined",
    gpb.REPORT_STAGE_FINAL: "Final",
}


def metadata_text(item: mpb.LearningItem, key: str) -> str:
    """A string from the item's metadata ("" when absent or not a string)."""
    if not item.HasField("metadata") or key not in item.metadata.fields:
        return ""
    value = item.metadata.fields[key]
    return value.string_value if value.WhichOneof("kind") == "string_value" else ""


def item_stage(item: mpb.LearningItem) -> str:
    """The stage a generated report or section was written at ("Draft", "Refined", "Final"); "" for uploads."""
    stage = metadata_text(item, "stage")
    return STAGE_LABELS.get(stage, stage.capitalize())


def item_client(item: mpb.LearningItem) -> str:
    """The client as the operator typed it when known, else its client id; "" for the agency library."""
    return metadata_text(item, "client_name") or item.client_id


VERDICT_BADGES = {mpb.RATING_GOLD: "★ gold", mpb.RATING_WEAK: "▽ weak", mpb.RATING_UNSPECIFIED: "unrated"}
VERDICT_WORDS = {mpb.RATING_GOLD: "gold", mpb.RATING_WEAK: "weak", mpb.RATING_UNSPECIFIED: "unrated"}
# The keys of GetSummaryResponse.per_rating.
PER_RATING_KEYS = {mpb.RATING_GOLD: "gold", mpb.RATING_WEAK: "weak"}


def rating_badge(verdict: mpb.Rating.ValueType) -> str:
    return VERDICT_BADGES.get(verdict, "unrated")


def is_shared(item: mpb.LearningItem) -> bool:
    """In the agency library: any client's report may learn from it. An unspecified scope follows the memory
    service's default (the agency library exactly when the item has no client)."""
    if item.scope == mpb.SCOPE_AGENCY:
        return True
    return item.scope == mpb.SCOPE_UNSPECIFIED and not item.client_id


def scope_label(item: mpb.LearningItem) -> str:
    """Who may learn from an item, in words: "agency library" or "this client only"."""
    return "agency library" if is_shared(item) else "this client only"


def plain_preview(markdown: str, limit: int = 90) -> str:
    """The first words a reader sees in an item's text: headings, the "Prepared for" line and markdown marks
    left out, cut at a word boundary."""
    lines = []
    for raw in markdown.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or re.fullmatch(r"[-*_|: ]+", line):
            continue
        line = re.sub(r"^([-*+>]|\d+[.)])\s+", "", line)
        line = re.sub(r"[*_`~]+", "", line)
        line = " · ".join(cell.strip() for cell in line.strip("|").split("|") if cell.strip())
        if not line or line.lower().startswith("prepared for"):
            continue
        lines.append(line)
        if sum(len(x) for x in lines) > limit:
            break
    text = " ".join(" ".join(lines).split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:—- ")
    return cut + " …"


def short_text(text: str, limit: int) -> str:
    """The text on one line (runs of whitespace as one space), cut at a word boundary past `limit`."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit].rsplit(" ", 1)[0] + " …"


def item_labels(items: list[mpb.LearningItem]) -> dict[str, str]:
    """A label per item id for pickers: title, kind, then stage, when and client, so that reports with the
    same title ("Aegis — Strategy + Campaign Pack") are told apart; a short id only if they still tie (the
    same second)."""
    labels: dict[str, str] = {}
    for item in items:
        facts = [kind_label(item.kind), item_stage(item), format_time(item.create_time), item_client(item)]
        labels[item.id] = f"{item.title or '(untitled)'} · " + " · ".join(f for f in facts if f)
    seen: dict[str, int] = {}
    for label in labels.values():
        seen[label] = seen.get(label, 0) + 1
    return {
        item_id: f"{label} · #{item_id[:6]}" if seen[label] > 1 else label
        for item_id, label in labels.items()
    }


# ---------------------------------------------------------------------------------------------------------
# Reports.

MODE_WORDS = {
    gpb.GENERATION_MODE_OFFLINE: "AICMO's built-in writer",
    gpb.GENERATION_MODE_LLM: "the language model",
    gpb.GENERATION_MODE_MIXED: "the language model (some sections by AICMO's built-in writer)",
    gpb.GENERATION_MODE_OPERATOR: "you (edited by hand)",
}
# Who wrote one section, for "Written by …" when the sections of a report were written by different hands.
WRITER_WORDS: dict[int, str] = {
    gpb.GENERATION_MODE_OFFLINE: "AICMO's built-in writer",
    gpb.GENERATION_MODE_LLM: "the language model",
    gpb.GENERATION_MODE_OPERATOR: "you",
}


def mode_words(mode: gpb.GenerationMode.ValueType) -> str:
    return MODE_WORDS.get(mode, "AICMO")


def writers_words(result: gpb.GenerateReportResponse) -> str:
    """Who wrote the report, from its sections: "AICMO's built-in writer", or, when hands differ (a section
    edited by the operator), "AICMO's built-in writer (16 sections) and you (1 section)"."""
    counts: dict[int, int] = {}
    for section in result.sections:
        if section.written_by in WRITER_WORDS:
            counts[section.written_by] = counts.get(section.written_by, 0) + 1
    if len(counts) <= 1:
        return mode_words(result.mode)
    parts = [
        f"{WRITER_WORDS[mode]} ({n} section{'s' if n != 1 else ''})"
        for mode, n in sorted(counts.items(), key=lambda kv: -kv[1])
    ]
    return ", ".join(parts[:-1]) + " and " + parts[-1]


LEARNING_STATE_WORDS = {
    gpb.LEARNING_STATE_RECORDED: "learned",
    gpb.LEARNING_STATE_QUEUED: "waiting to be learned",
    gpb.LEARNING_STATE_OFF: "off for this report",
}

SOURCE_WORDS = {
    gpb.LEARNING_SOURCE_SAME_CLIENT: "this client's past work",
    gpb.LEARNING_SOURCE_AGENCY_LIBRARY: "the agency library",
}

# The states in which the report was written without past learning although learning was on.
RETRIEVAL_SKIPPED = frozenset(
    {
        gpb.RETRIEVAL_STATE_SKIPPED_SLOW,
        gpb.RETRIEVAL_STATE_SKIPPED_UNAVAILABLE,
        gpb.RETRIEVAL_STATE_SKIPPED_NO_TIME,
    }
)
RETRIEVAL_SKIPPED_WORDS = {
    gpb.RETRIEVAL_STATE_SKIPPED_SLOW: "the memory service did not answer in time",
    gpb.RETRIEVAL_STATE_SKIPPED_UNAVAILABLE: "the memory service could not be reached",
    gpb.RETRIEVAL_STATE_SKIPPED_NO_TIME: "there was no time left to look up past work",
}


def retrieval_skipped(result: gpb.GenerateReportResponse) -> bool:
    """Learning was on, but the report was written without past learning (memory slow, down, no time)."""
    return result.retrieval_state in RETRIEVAL_SKIPPED


# ---------------------------------------------------------------------------------------------------------
# The brief as understood (UnderstandBrief, and `understood_brief` with a report).

BUSINESS_MODEL_WORDS = {
    gpb.BUSINESS_MODEL_UNSPECIFIED: "not clear from the brief, so general tactics are used",
    gpb.BUSINESS_MODEL_B2B_ENTERPRISE: "B2B sales to enterprises and the mid-market",
    gpb.BUSINESS_MODEL_B2B_SMB: "B2B sales to small businesses, often self-serve",
    gpb.BUSINESS_MODEL_LOCAL_SERVICES: "local services (clinics, gyms, salons, branches)",
    gpb.BUSINESS_MODEL_CPG_RETAIL: "consumer goods sold through retailers",
    gpb.BUSINESS_MODEL_DTC_ECOMMERCE: "direct-to-consumer online store",
    gpb.BUSINESS_MODEL_DTC_SUBSCRIPTION: "direct-to-consumer subscription",
    gpb.BUSINESS_MODEL_CONSUMER_SERVICES: "a considered consumer purchase (education, finance, travel)",
    gpb.BUSINESS_MODEL_NONPROFIT: "charity fundraising (donors, regular givers, appeals)",
    gpb.BUSINESS_MODEL_PUBLIC_SECTOR: "a public service (residents, take-up, applications)",
}
# What a correction writes into the brief's `business_model` field for each model: words the generator reads
# as that model.
BUSINESS_MODEL_NAMES = {
    gpb.BUSINESS_MODEL_B2B_ENTERPRISE: "B2B enterprise",
    gpb.BUSINESS_MODEL_B2B_SMB: "B2B SMB",
    gpb.BUSINESS_MODEL_LOCAL_SERVICES: "local services",
    gpb.BUSINESS_MODEL_CPG_RETAIL: "CPG retail",
    gpb.BUSINESS_MODEL_DTC_ECOMMERCE: "DTC ecommerce",
    gpb.BUSINESS_MODEL_DTC_SUBSCRIPTION: "DTC subscription",
    gpb.BUSINESS_MODEL_CONSUMER_SERVICES: "consumer services",
    gpb.BUSINESS_MODEL_NONPROFIT: "charity fundraising",
    gpb.BUSINESS_MODEL_PUBLIC_SECTOR: "public service",
}
FACT_ORIGIN_WORDS = {
    gpb.FACT_ORIGIN_FORM: "from the form",
    gpb.FACT_ORIGIN_TEXT: "from the brief text",
    gpb.FACT_ORIGIN_INFERRED: "inferred",
}
PERIOD_WORDS = {
    gpb.BUDGET_PERIOD_TOTAL: "for the whole programme",
    gpb.BUDGET_PERIOD_MONTH: "a month",
    gpb.BUDGET_PERIOD_WEEK: "a week",
    gpb.BUDGET_PERIOD_QUARTER: "a quarter",
    gpb.BUDGET_PERIOD_YEAR: "a year",
}
PRICE_KIND_WORDS = {
    gpb.PRICE_KIND_PRICE: "price",
    gpb.PRICE_KIND_DEAL_VALUE: "deal value",
    gpb.PRICE_KIND_CUSTOMER_VALUE: "value of a customer",
    gpb.PRICE_KIND_ORDER_VALUE: "order value",
}


def money(amount: float, currency_code: str) -> str:
    """An amount with its ISO currency code: "USD 250,000", "GBP 12.50"."""
    figure = f"{amount:,.0f}" if float(amount).is_integer() else f"{amount:,.2f}"
    return f"{currency_code} {figure}".strip()


# How the generator says a model-written section was refused for breaking a rule of the brief (a warning).
_REFUSED = re.compile(
    r"^section '(?P<section>[^']+)' fell back to the offline composer: it broke a brief rule \((?P<rules>.*)\)\.?$",
    re.DOTALL,
)
_RULE_WORDS = {
    "forbidden_word": "used the forbidden word “{}”",
    "excluded_channel": "mentioned {}, a channel the brief rules out",
    "objective": "did not state an objective as briefed ({})",
    "feedback": "pasted your feedback into the section",
}


def refused_section(warning: str) -> tuple[str, list[str]] | None:
    """(section id, each broken rule in words) when a warning says the language model's text for a section
    was refused for breaking a rule of the brief; None for any other warning."""
    found = _REFUSED.match(warning.strip())
    if found is None:
        return None
    broken: list[str] = []
    for part in found.group("rules").split("; "):
        rule, _, detail = part.partition(": ")
        template = _RULE_WORDS.get(rule.strip())
        broken.append(template.format(detail.strip()) if template and detail else part.strip())
    return found.group("section"), [b for b in broken if b]


# ---------------------------------------------------------------------------------------------------------
# Report history.

VERSION_STAGE_LABELS = {
    rpb.VERSION_STAGE_UNSPECIFIED: "",
    rpb.VERSION_STAGE_DRAFT: "Draft",
    rpb.VERSION_STAGE_REFINE: "Refined",
    rpb.VERSION_STAGE_FINAL: "Final",
}
AUTHOR_WORDS = {
    rpb.SECTION_AUTHOR_OFFLINE_COMPOSER: "AICMO's built-in writer",
    rpb.SECTION_AUTHOR_LANGUAGE_MODEL: "the language model",
    rpb.SECTION_AUTHOR_OPERATOR: "an operator (edited by hand)",
}


def changed_titles(version: rpb.ReportVersion) -> list[str]:
    """The titles of the sections this version changed (against the version before it)."""
    return [s.title or s.section_id for s in version.sections if s.changed]


def origin_words(version: rpb.ReportVersion) -> str:
    """How a version came about, in words: "Written by AICMO", "Refined with feedback", "Section “Channel
    Plan” edited by hand", "Section “Channel Plan” written again"."""
    titles = changed_titles(version)
    which = f"Section “{titles[0]}”" if len(titles) == 1 else "A section"
    if version.origin == rpb.VERSION_ORIGIN_SECTION_EDITED:
        return f"{which} edited by hand"
    if version.origin == rpb.VERSION_ORIGIN_SECTION_REGENERATED:
        return f"{which} written again"
    if version.stage == rpb.VERSION_STAGE_REFINE:
        return "Refined with feedback"
    if version.stage == rpb.VERSION_STAGE_FINAL:
        return "Final version written"
    return "Written by AICMO" if version.version <= 1 else "Written again by AICMO"


def version_label(version: rpb.ReportVersion) -> str:
    """A version for pickers: "Version 3 · Refined · Section “Overview” edited by hand · 2026-05-01 12:34 UTC"."""
    facts = [
        f"Version {version.version}",
        VERSION_STAGE_LABELS.get(version.stage, ""),
        origin_words(version),
        format_time(version.create_time, seconds=False),
    ]
    return " · ".join(f for f in facts if f)


# ---------------------------------------------------------------------------------------------------------
# Health.

COMPONENT_LABELS = {
    "generator": "Report writer",
    "memory": "Memory (what AICMO has learned)",
    "database": "Learning database",
}
SERVING_WORDS = {
    gpb.SERVING_STATE_SERVING: "working",
    gpb.SERVING_STATE_NOT_SERVING: "not working",
    gpb.SERVING_STATE_UNREACHABLE: "not answering",
    gpb.SERVING_STATE_UNKNOWN: "cannot be checked",
}
# What an operator can and cannot do while a component is down.
DOWN_MEANS = {
    "generator": "Reports cannot be written until it is back.",
    "memory": (
        "Reports are still written, but without past learning; what they teach waits in a queue and is "
        "learned when memory is back. The Learn tab cannot show or change what was learned meanwhile."
    ),
    "database": (
        "Reports are still written, but without past learning; what they teach waits in a queue and is "
        "learned when the database is back."
    ),
}


def component_label(name: str) -> str:
    return COMPONENT_LABELS.get(name, name.capitalize())


# ---------------------------------------------------------------------------------------------------------
# Times.

_TIMESTAMP = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?$")


def format_time(value: Timestamp | str, *, seconds: bool = True) -> str:
    """A Timestamp, or an RFC 3339 string, as "2026-05-01 12:34:56 UTC" ("" when unset); other strings
    unchanged."""
    pattern = "%Y-%m-%d %H:%M:%S UTC" if seconds else "%Y-%m-%d %H:%M UTC"
    if isinstance(value, Timestamp):
        if value.seconds == 0 and value.nanos == 0:
            return ""
        return value.ToDatetime(tzinfo=datetime.UTC).strftime(pattern)
    match = _TIMESTAMP.match(value.strip())
    if not match:
        return value
    offset = match.group(3)
    zone = "+00:00" if offset in (None, "Z") else offset
    try:
        moment = datetime.datetime.fromisoformat(f"{match.group(1)}T{match.group(2)}{zone}")
    except ValueError:
        return value
    return moment.astimezone(datetime.UTC).strftime(pattern)


def format_ms(ms: float) -> str:
    return f"{ms / 1000:.1f} s" if ms >= 1000 else f"{ms:.0f} ms"


def format_timings(timings: dict[str, float]) -> str:
    """e.g. "retrieve 11 ms · compose 4 ms · record 1.5 s · total 1.5 s" (stages in pipeline order)."""
    order = ["validate", "retrieve", "compose", "record", "total"]
    stages: dict[str, float] = {}
    for key, value in timings.items():
        name = key.removesuffix("_ms")
        if name == "deadline":
            continue
        stages[name] = value
    names = sorted(stages, key=lambda n: (order.index(n) if n in order else len(order) - 0.5, n))
    return " · ".join(f"{name} {format_ms(stages[name])}" for name in names)
