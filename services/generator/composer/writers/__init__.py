"""Section writers: one function per section id, each returning the section's markdown blocks.

A writer takes the composer context and returns a list of blocks (an opening paragraph first, then
'### ' sub-parts); the composer joins them and adds learning and revision notes.
"""

from __future__ import annotations

from collections.abc import Callable

from services.generator.composer.context import Ctx
from services.generator.composer.writers import (
    audience,
    brand,
    channels,
    core,
    growth,
    performance,
    planning,
    retention,
    social,
)

Writer = Callable[[Ctx], list[str]]

WRITERS: dict[str, Writer] = {
    "overview": core.overview,
    "campaign_objective": core.campaign_objective,
    "core_campaign_idea": core.core_campaign_idea,
    "messaging_framework": core.messaging_framework,
    "final_summary": core.final_summary,
    "audience_segments": audience.audience_segments,
    "persona_cards": audience.persona_cards,
    "channel_plan": channels.channel_plan,
    "influencer_strategy": channels.influencer_strategy,
    "promotions_and_offers": channels.promotions_and_offers,
    "email_and_crm_flows": channels.email_and_crm_flows,
    "ad_concepts": channels.ad_concepts,
    "pr_and_media_plan": channels.pr_and_media_plan,
    "content_strategy": channels.content_strategy,
    "content_buckets": social.content_buckets,
    "weekly_social_calendar": social.weekly_social_calendar,
    "creative_direction": social.creative_direction,
    "creative_direction_light": social.creative_direction_light,
    "hashtag_strategy": social.hashtag_strategy,
    "platform_guidelines": social.platform_guidelines,
    "kpi_plan_light": social.kpi_plan_light,
    "detailed_30_day_calendar": planning.detailed_30_day_calendar,
    "execution_roadmap": planning.execution_roadmap,
    "launch_timeline": planning.launch_timeline,
    "risk_and_mitigation": planning.risk_and_mitigation,
    "kpi_and_budget_plan": planning.kpi_and_budget_plan,
    "post_campaign_analysis": planning.post_campaign_analysis,
    "market_landscape": growth.market_landscape,
    "competitor_analysis": growth.competitor_analysis,
    "funnel_architecture": growth.funnel_architecture,
    "landing_page_blueprint": growth.landing_page_blueprint,
    "conversion_rate_optimization": growth.conversion_rate_optimization,
    "lifecycle_journeys": growth.lifecycle_journeys,
    "tracking_and_attribution": growth.tracking_and_attribution,
    "experiment_backlog": growth.experiment_backlog,
    "pricing_and_positioning": growth.pricing_and_positioning,
    "sales_enablement": growth.sales_enablement,
    "brand_audit": brand.brand_audit,
    "perception_gap_analysis": brand.perception_gap_analysis,
    "brand_repositioning": brand.brand_repositioning,
    "reputation_recovery_plan": brand.reputation_recovery_plan,
    "crisis_communication_protocol": brand.crisis_communication_protocol,
    "community_and_advocacy": brand.community_and_advocacy,
    "churn_diagnosis": retention.churn_diagnosis,
    "loyalty_program": retention.loyalty_program,
    "personalization_playbook": retention.personalization_playbook,
    "win_back_campaigns": retention.win_back_campaigns,
    "account_audit": performance.account_audit,
    "channel_efficiency_review": performance.channel_efficiency_review,
    "budget_reallocation": performance.budget_reallocation,
    "bidding_and_structure": performance.bidding_and_structure,
}


def writer_for(section_id: str) -> Writer:
    """The writer for a section id; unknown ids get a brief-specific generic section."""
    return WRITERS.get(section_id, core.generic)
