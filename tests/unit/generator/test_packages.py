"""The package catalogue: one consistent set of keys, the flagship exactly as the product brief fixes it."""

from __future__ import annotations

import pytest

from services.generator.domain.packages import (
    PACKAGES,
    SECTION_TITLES,
    UnknownPackageError,
    get_package,
    key_for_label,
)

FLAGSHIP = [
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
]
QUICK_SOCIAL = [
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
]
COUNTS = {
    "strategy_campaign_standard": 17,
    "quick_social_basic": 10,
    "full_funnel_growth_suite": 21,
    "launch_gtm_pack": 18,
    "brand_turnaround_lab": 18,
    "retention_crm_booster": 14,
    "performance_audit_revamp": 15,
}


def test_flagship_is_first_with_its_17_sections_in_order() -> None:
    flagship = next(iter(PACKAGES.values()))
    assert flagship.key == "strategy_campaign_standard"
    assert flagship.label == "Strategy + Campaign Pack (Standard)"
    assert [s.id for s in flagship.sections] == FLAGSHIP


def test_quick_social_has_its_10_sections_in_order() -> None:
    quick = get_package("quick_social_basic")
    assert quick.label == "Quick Social Pack (Basic)"
    assert [s.id for s in quick.sections] == QUICK_SOCIAL


def test_exactly_the_seven_packages_with_their_section_counts() -> None:
    assert {k: len(p.sections) for k, p in PACKAGES.items()} == COUNTS


@pytest.mark.parametrize("key", list(COUNTS))
def test_every_package_runs_from_overview_to_final_summary_without_repeats(key: str) -> None:
    ids = [s.id for s in get_package(key).sections]
    assert ids[0] == "overview"
    assert ids[-1] == "final_summary"
    assert len(set(ids)) == len(ids)


def test_keys_and_labels_are_unique_and_keys_match_their_entries() -> None:
    labels = [p.label for p in PACKAGES.values()]
    assert len(set(labels)) == len(labels) == 7
    assert len({label.casefold() for label in labels} | {k.casefold() for k in PACKAGES}) == 14
    for key, package in PACKAGES.items():
        assert package.key == key


@pytest.mark.parametrize("key", list(COUNTS))
def test_key_for_label_accepts_keys_and_labels_in_any_case(key: str) -> None:
    label = PACKAGES[key].label
    assert key_for_label(key) == key
    assert key_for_label(label) == key
    assert key_for_label(label.upper()) == key
    assert key_for_label(f"  {label.lower()}  ") == key
    assert key_for_label(key.upper()) == key


def test_unknown_package_key_raises_with_the_valid_keys() -> None:
    with pytest.raises(UnknownPackageError) as info:
        get_package("strategy_campaign_premium")
    assert info.value.valid_keys == tuple(PACKAGES)
    assert isinstance(info.value, KeyError)
    assert "strategy_campaign_standard" in str(info.value)


def test_unknown_label_raises_with_the_valid_keys() -> None:
    with pytest.raises(UnknownPackageError) as info:
        key_for_label("Strategy Pack (Deluxe)")
    assert set(info.value.valid_keys) == set(COUNTS)


def test_get_package_is_exact_about_keys() -> None:
    with pytest.raises(UnknownPackageError):
        get_package("Strategy + Campaign Pack (Standard)")


def test_every_section_id_has_a_title_and_specs_carry_it() -> None:
    for package in PACKAGES.values():
        for spec in package.sections:
            assert SECTION_TITLES[spec.id] == spec.title
            assert spec.title.strip()
    used = {s.id for p in PACKAGES.values() for s in p.sections}
    assert used <= set(SECTION_TITLES)


def test_catalogue_is_read_only() -> None:
    with pytest.raises(TypeError):
        PACKAGES["x"] = PACKAGES["quick_social_basic"]  # type: ignore[index]
