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


def test_kinds_sharing_a_playbook_name_its_funnel_stages_in_their_own_words() -> None:
    from services.generator.composer.catalogue import catalogue

    stages = catalogue().playbooks["consumer_services"].funnel.stages
    primary = next(s for s in stages if s.key == "applications")
    assert primary.named_for("automotive") == ("test drives booked", "test drive booked")
    assert primary.named_for("education") == ("enrolment applications", "enrolment application")
    assert primary.named_for("") == (primary.name, primary.one)  # the playbook's own when the kind is unknown


def test_a_kinds_own_stage_words_decide_where_an_objective_is_counted() -> None:
    """A dealer's "test-drive bookings" are test drives booked, not the playbook's 'bookings' (customers)."""
    from services.generator.composer.catalogue import catalogue

    playbook = catalogue().playbooks["consumer_services"]
    dealer = dict(playbook.stage_words("automotive"))
    assert dealer["test-drive bookings"] == "applications"
    assert dealer["bookings"] == "customers"  # the playbook's words still apply
    assert "test-drive bookings" not in dict(playbook.stage_words("education"))


def _flagship(text: str) -> str:
    from bench.quality import write_report
    from services.generator.domain.brief import Brief

    return write_report(Brief(client_name="Client Ltd", brand_name="Brandly", raw_brief_text=text)).markdown


def test_channel_roles_carry_the_kinds_aims_in_its_words_and_never_repeat_one() -> None:
    import re

    clinic = _flagship(
        "We run three family dental practices in Leeds and want 400 new patients booked by June 2027. "
        "Budget £60,000. Channels: Google Search, Google Maps, Instagram, Facebook, email and SMS reminders."
    )
    split = clinic.split("### Budget split", 1)[1].split("### Channel roles", 1)[0]
    aims = [row.split("|")[2].split(";")[-1].strip() for row in split.splitlines() if row.startswith("| ")]
    assert any("patients" in a for a in aims)  # a clinic's people are patients, not clients
    channel_rows = [r for r in split.splitlines() if re.match(r"\| (Google Search|Instagram|Facebook) ", r)]
    assert len(channel_rows) == 3
    assert len(set(aims)) == len(aims)  # no aim said twice in one plan
