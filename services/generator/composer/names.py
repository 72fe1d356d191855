"""What a section template sees: the plan, the playbook and its copy, the industry profile, the creative
lines, and the view helpers (tables and lists computed from the plan)."""

from __future__ import annotations

import re
from typing import Any

from services.generator.composer import plans, views
from services.generator.composer.context import Ctx
from services.generator.composer.creative import Creative, creative_lines
from services.generator.composer.kind_words import words_for
from services.generator.composer.render import compiled

_VIEWS = (
    "overview_rows", "audience_phrase", "objective_rows", "big_idea", "lead_channel", "segments", "personas",
    "offer_rows", "price_lines", "event_when", "deadline_of", "pillar_rows", "mandated_lines", "segment_rows",
    "platform_format_lines", "mandatories", "influencer_rows", "calendar_start_note", "calendar_rows",
    "channel_mix_line", "flow_rows", "budget_header", "rollup_rows", "phase_header", "phase_rows", "funnel_line",
    "objective_need_lines", "roadmap_rows", "review_due", "next_steps", "decisions", "social_platforms",
    "planned_text", "takes_text", "split_rows", "weekly_rows", "share_rows", "hashtag_rows", "platform_rows",
    "milestone_rows", "ice_rows", "efficiency_rows", "reallocation_rows", "stamp", "funnel_rows", "platform_hashtags", "objection_rows", "section_titles", "channels_of",
    "client_questions", "objectives_question",
)  # fmt: skip
_PLANS = (
    "kpi_rows",
    "budget_table",
    "line_role",
    "rollup",
    "phases",
    "week_span",
    "day_plan",
    "day_label",
    "kind_of",
)


def _creative(plan: Ctx, base: dict[str, Any]) -> Creative:
    def fill(text: str) -> str:
        return compiled(text).render(**base).strip()

    copy = plan.playbook.copydeck
    names = {
        "brand": plan.brand,
        "event": plan.centrepiece.name if plan.centrepiece else plan.brand,
        "term": plan.facts.rules.mandated_terms[0] if plan.facts.rules.mandated_terms else "",
        "retailer": plan.facts.retail_partners[0] if plan.facts.retail_partners else "",
    }
    if names["term"].startswith("#"):
        names["term"] = ""  # a hashtag is not a product term
    return creative_lines(
        language=plan.language,
        locale=plan.locale,
        model=plan.model,
        names=names,
        english_taglines=tuple(fill(t) for t in copy.taglines),
        english_subjects=tuple(fill(t) for t in copy.subject_lines),
        english_cta=fill(copy.cta),
    )


def template_names(plan: Ctx) -> dict[str, Any]:
    names: dict[str, Any] = {
        "plan": plan,
        "pb": plan.playbook,
        "copy": plan.playbook.copydeck,
        "ind": plan.profile,
        "facts": plan.facts,
        "section": plan.section,
        "w": words_for(plan.playbook.key, plan.facts.business_type),
    }
    names.update({n: getattr(views, n) for n in _VIEWS})
    names.update({n: getattr(plans, n) for n in _PLANS})
    names["creators_ok"] = "Influencers & creators" not in plan.facts.rules.excluded_channels
    names["creative"] = _creative(plan, names)
    return names


def split_parts(markdown: str) -> list[str]:
    """The opening (everything before the first '### ') and then one block per '### ' sub-part."""
    parts = re.split(r"\n(?=### )", markdown)
    return [p.strip() for p in parts if p.strip()]
