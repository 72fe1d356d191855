"""The report packages: ordered lists of sections, under one consistent set of keys.

The old system had two mismatched key sets; this module is the only place keys, labels and section ids
are defined. The flagship (`strategy_campaign_standard`) and `quick_social_basic` follow the product
brief exactly; the other five are designed here with the section counts the brief fixes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class SectionSpec:
    """One section of a report: a stable id and the heading shown to the reader."""

    id: str
    title: str


@dataclass(frozen=True)
class Package:
    """A report package: its key, its label as operators see it, and its ordered sections."""

    key: str
    label: str
    sections: tuple[SectionSpec, ...]

    @property
    def section_ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.sections)


class UnknownPackageError(KeyError):
    """Raised for a package key or label that does not exist; `valid_keys` lists the ones that do."""

    def __init__(self, key: str, valid_keys: tuple[str, ...] | None = None) -> None:
        super().__init__(key)
        self.key = key
        self.valid_keys: tuple[str, ...] = valid_keys if valid_keys is not None else tuple(PACKAGES)

    def __str__(self) -> str:
        return f"unknown package {self.key!r}; valid keys: {', '.join(self.valid_keys)}"


class UnknownSectionError(KeyError):
    """A section id the registry below does not know (there is no fallback section)."""

    def __init__(self, section_id: str) -> None:
        super().__init__(section_id)
        self.section_id = section_id

    def __str__(self) -> str:
        return f"unknown section {self.section_id!r}; sections are registered in services/generator/domain/packages.py"


# The one registry of sections: id -> title. Every id here has a template in
# services/generator/composer/templates/sections/<id>.md.j2 (checked when the composer loads), and a
# section id not listed here is an error, never a generic stand-in.
_TITLES: dict[str, str] = {
    # shared
    "overview": "Overview",
    "audience_segments": "Audience Segments",
    "persona_cards": "Persona Cards",
    "messaging_framework": "Messaging Framework",
    "channel_plan": "Channel Plan",
    "kpi_and_budget_plan": "KPI & Budget Plan",
    "execution_roadmap": "Execution Roadmap",
    "final_summary": "Final Summary",
    # strategy + campaign
    "campaign_objective": "Campaign Objective",
    "core_campaign_idea": "Core Campaign Idea",
    "creative_direction": "Creative Direction",
    "influencer_strategy": "Influencer Strategy",
    "promotions_and_offers": "Promotions & Offers",
    "detailed_30_day_calendar": "Detailed 30-Day Calendar",
    "email_and_crm_flows": "Email & CRM Flows",
    "ad_concepts": "Ad Concepts",
    "post_campaign_analysis": "Post-Campaign Analysis",
    # quick social
    "content_buckets": "Content Buckets",
    "weekly_social_calendar": "Weekly Social Calendar",
    "creative_direction_light": "Creative Direction (Light)",
    "hashtag_strategy": "Hashtag Strategy",
    "platform_guidelines": "Platform Guidelines",
    "kpi_plan_light": "KPI Plan (Light)",
    # growth
    "market_landscape": "Market Landscape",
    "competitor_analysis": "Competitor Analysis",
    "funnel_architecture": "Funnel Architecture",
    "content_strategy": "Content Strategy",
    "landing_page_blueprint": "Landing Page Blueprint",
    "conversion_rate_optimization": "Conversion Rate Optimization",
    "lifecycle_journeys": "Lifecycle Journeys",
    "tracking_and_attribution": "Tracking & Attribution",
    "experiment_backlog": "Experiment Backlog",
    # launch
    "pricing_and_positioning": "Pricing & Positioning",
    "launch_timeline": "Launch Timeline",
    "pr_and_media_plan": "PR & Media Plan",
    "sales_enablement": "Sales Enablement",
    "risk_and_mitigation": "Risks & Mitigation",
    # brand turnaround
    "brand_audit": "Brand Audit",
    "perception_gap_analysis": "Perception Gap Analysis",
    "brand_repositioning": "Brand Repositioning",
    "reputation_recovery_plan": "Reputation Recovery Plan",
    "crisis_communication_protocol": "Crisis Communication Protocol",
    "community_and_advocacy": "Community & Advocacy",
    # retention
    "churn_diagnosis": "Churn Diagnosis",
    "loyalty_program": "Loyalty Program",
    "personalization_playbook": "Personalization Playbook",
    "win_back_campaigns": "Win-Back Campaigns",
    # performance
    "account_audit": "Account Audit",
    "channel_efficiency_review": "Channel Efficiency Review",
    "budget_reallocation": "Budget Reallocation",
    "bidding_and_structure": "Bidding & Campaign Structure",
}

SECTION_TITLES: Mapping[str, str] = MappingProxyType(_TITLES)

# Titles that name a channel, and what the section is called when the brief rules that channel out (an
# excluded channel is never mentioned, not even in a heading).
ALTERNATE_TITLES: Mapping[str, str] = MappingProxyType(
    {
        "influencer_strategy": "Advocacy Strategy",
        "email_and_crm_flows": "Lifecycle Flows",
        "pr_and_media_plan": "Reputation & Coverage Plan",
    }
)

_PACKAGE_SECTIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "strategy_campaign_standard",
        "Strategy + Campaign Pack (Standard)",
        (
            "overview",
            "campaign_objective",
            "core_campaign_idea",
            "messaging_framework",
            "channel_plan",
            "audience_segments",
            "persona_cards",
            "creative_direction",
            "influencer_strategy",
            "promotions_and_offers",
            "detailed_30_day_calendar",
            "email_and_crm_flows",
            "ad_concepts",
            "kpi_and_budget_plan",
            "execution_roadmap",
            "post_campaign_analysis",
            "final_summary",
        ),
    ),
    (
        "quick_social_basic",
        "Quick Social Pack (Basic)",
        (
            "overview",
            "audience_segments",
            "messaging_framework",
            "content_buckets",
            "weekly_social_calendar",
            "creative_direction_light",
            "hashtag_strategy",
            "platform_guidelines",
            "kpi_plan_light",
            "final_summary",
        ),
    ),
    (
        "full_funnel_growth_suite",
        "Full-Funnel Growth Suite (Premium)",
        (
            "overview",
            "market_landscape",
            "competitor_analysis",
            "audience_segments",
            "persona_cards",
            "messaging_framework",
            "funnel_architecture",
            "channel_plan",
            "content_strategy",
            "landing_page_blueprint",
            "ad_concepts",
            "email_and_crm_flows",
            "conversion_rate_optimization",
            "lifecycle_journeys",
            "detailed_30_day_calendar",
            "tracking_and_attribution",
            "experiment_backlog",
            "kpi_and_budget_plan",
            "execution_roadmap",
            "post_campaign_analysis",
            "final_summary",
        ),
    ),
    (
        "launch_gtm_pack",
        "Launch & GTM Pack",
        (
            "overview",
            "market_landscape",
            "competitor_analysis",
            "pricing_and_positioning",
            "audience_segments",
            "persona_cards",
            "messaging_framework",
            "core_campaign_idea",
            "channel_plan",
            "launch_timeline",
            "landing_page_blueprint",
            "pr_and_media_plan",
            "influencer_strategy",
            "detailed_30_day_calendar",
            "sales_enablement",
            "kpi_and_budget_plan",
            "risk_and_mitigation",
            "final_summary",
        ),
    ),
    (
        "brand_turnaround_lab",
        "Brand Turnaround Lab",
        (
            "overview",
            "brand_audit",
            "perception_gap_analysis",
            "competitor_analysis",
            "audience_segments",
            "brand_repositioning",
            "messaging_framework",
            "reputation_recovery_plan",
            "crisis_communication_protocol",
            "creative_direction",
            "channel_plan",
            "content_strategy",
            "community_and_advocacy",
            "detailed_30_day_calendar",
            "kpi_and_budget_plan",
            "execution_roadmap",
            "risk_and_mitigation",
            "final_summary",
        ),
    ),
    (
        "retention_crm_booster",
        "Retention & CRM Booster",
        (
            "overview",
            "churn_diagnosis",
            "audience_segments",
            "persona_cards",
            "lifecycle_journeys",
            "email_and_crm_flows",
            "loyalty_program",
            "personalization_playbook",
            "win_back_campaigns",
            "promotions_and_offers",
            "experiment_backlog",
            "kpi_and_budget_plan",
            "execution_roadmap",
            "final_summary",
        ),
    ),
    (
        "performance_audit_revamp",
        "Performance Audit & Revamp",
        (
            "overview",
            "account_audit",
            "tracking_and_attribution",
            "channel_efficiency_review",
            "audience_segments",
            "competitor_analysis",
            "bidding_and_structure",
            "budget_reallocation",
            "ad_concepts",
            "landing_page_blueprint",
            "conversion_rate_optimization",
            "experiment_backlog",
            "kpi_and_budget_plan",
            "execution_roadmap",
            "final_summary",
        ),
    ),
)


def _build() -> Mapping[str, Package]:
    packages: dict[str, Package] = {}
    for key, label, ids in _PACKAGE_SECTIONS:
        packages[key] = Package(key=key, label=label, sections=tuple(SectionSpec(i, _TITLES[i]) for i in ids))
    return MappingProxyType(packages)


PACKAGES: Mapping[str, Package] = _build()
"""All packages by key, in the order operators see them (the flagship first)."""

DEFAULT_PACKAGE_KEY = "strategy_campaign_standard"

_BY_NAME: Mapping[str, str] = MappingProxyType(
    {name.casefold(): p.key for p in PACKAGES.values() for name in (p.key, p.label)}
)


def get_package(key: str) -> Package:
    """The package with this exact key; raises `UnknownPackageError` (a `KeyError`) otherwise."""
    try:
        return PACKAGES[key]
    except KeyError:
        raise UnknownPackageError(key, tuple(PACKAGES)) from None


def key_for_label(label_or_key: str) -> str:
    """The key for a package key or label, case-insensitive and ignoring surrounding whitespace."""
    found = _BY_NAME.get(" ".join(label_or_key.split()).casefold())
    if found is None:
        raise UnknownPackageError(label_or_key, tuple(PACKAGES))
    return found
