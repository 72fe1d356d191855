"""Each kind of business reads in its own words where several share one playbook's copy."""

from __future__ import annotations

from services.generator.composer.kind_words import kind_words, words_for
from services.generator.domain.readers.business_type import type_by_key


def test_kinds_sharing_a_playbook_get_different_words() -> None:
    school = words_for("consumer_services", "education")
    dealer = words_for("consumer_services", "automotive")
    assert school["conversions"] != dealer["conversions"]
    assert set(school) == set(dealer) == set(kind_words().plans["consumer_services"])


def test_a_kind_written_from_another_playbook_keeps_that_playbooks_words() -> None:
    """A school brief that names its industry may be planned from another playbook: its words stay that one's."""
    assert words_for("local_services", "education") == kind_words().plans["local_services"]


def test_every_kind_with_words_exists_and_shares_its_playbook() -> None:
    for key in kind_words().types:
        kind = type_by_key(key)
        assert kind is not None and kind.plan in kind_words().plans


def test_no_words_for_an_unknown_playbook() -> None:
    assert words_for("no_such_plan", "") == {}


def test_a_kind_profile_keeps_its_base_numbers_and_speaks_of_its_own_people() -> None:
    from services.generator.composer.catalogue import catalogue

    cat = catalogue()
    base = cat.industry("general")
    for key in ("kind_marketplace", "kind_events", "kind_app"):
        kind = cat.industry(key)
        assert (kind.cpm, kind.cvr, kind.value) == (base.cpm, base.cvr, base.value)
        assert kind.personas != base.personas and kind.insight != base.insight
        assert kind not in cat.industries  # never chosen by an industry's words


def test_every_kind_profile_a_business_type_names_exists() -> None:
    from services.generator.composer.catalogue import catalogue
    from services.generator.domain.readers.business_type import business_types

    for kind in business_types():
        if kind.profile:
            assert catalogue().industry(kind.profile).key == kind.profile
