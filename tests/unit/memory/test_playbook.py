"""The playbook's use cases against the in-memory stores: validation, versions, ordering, idempotent adds,
the forget rule, and entries derived from ratings."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest

from services.common.domain_errors import Aborted, InvalidArgument, NotFound
from services.memory.domain.model import validate_new_item
from services.memory.domain.playbook import (
    EntryChange,
    EntryKind,
    EntryOrigin,
    EntryState,
    NewEntry,
    derived_entry_id,
    validate_new_entry,
)
from services.memory.embeddings.fake import FakeHashEmbedder
from services.memory.service_layer.learning import LearningService
from services.memory.service_layer.playbook import Playbook
from services.memory.service_layer.ports import PlaybookStore
from tests.unit.memory.fakes import FakePlaybookStore, FakeStore


@pytest.fixture
def store() -> FakePlaybookStore:
    return FakePlaybookStore()


@pytest.fixture
def playbook(store: FakePlaybookStore) -> Playbook:
    return Playbook(store)


@pytest.fixture
def learning(store: FakePlaybookStore, playbook: Playbook) -> LearningService:
    items = FakeStore(model=FakeHashEmbedder.model_name)
    items.playbook = store
    return LearningService(items, FakeHashEmbedder(), storage="memory://fake", playbook=playbook)


def entry(text: str = "Lead with WhatsApp", client: str = "acme", **kw: Any) -> NewEntry:
    kw.setdefault("kind", EntryKind.CHANNEL_MIX)
    return validate_new_entry(client_id=client, text=text, **kw)


def test_the_fake_is_a_playbook_store(store: FakePlaybookStore) -> None:
    typed: PlaybookStore = store  # mypy checks the fake against the port
    assert typed.entries_of(["acme"], include_removed=False, limit=10) == []


def test_add_then_list_pinned_first_then_newest(playbook: Playbook) -> None:
    first, second, pinned = playbook.add([entry("one"), entry("two"), entry("pinned", pinned=True)])
    agency = playbook.add([entry("agency tactic", client="")])[0]
    assert first.created and first.entry is not None and first.entry.version == 1
    assert first.entry.state is EntryState.ACTIVE and first.entry.origin is EntryOrigin.OPERATOR
    listed = [e.text for e in playbook.entries("acme", include_agency=False, include_removed=False)]
    assert listed == ["pinned", "two", "one"]
    with_agency = playbook.entries("acme", include_agency=True, include_removed=False)
    assert agency.entry in with_agency and len(with_agency) == 4
    assert [e.text for e in playbook.entries("", include_agency=True, include_removed=False)] == [
        "agency tactic"
    ]
    assert second.entry and pinned.entry and pinned.entry.pinned


def test_a_chosen_id_that_exists_changes_nothing(playbook: Playbook) -> None:
    chosen = str(uuid.uuid4())
    first = playbook.add([entry("original", entry_id=chosen)])[0]
    again = playbook.add([entry("something else", entry_id=chosen, client="globex")])[0]
    assert first.created and not again.created
    assert again.entry == first.entry
    assert len(playbook.versions(chosen)) == 1


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: validate_new_entry(client_id="acme", kind=None, text="x"), "entry.kind"),
        (lambda: entry(""), "entry.text"),
        (lambda: entry("   "), "entry.text"),
        (lambda: entry("x" * 20_001), "entry.text"),
        (lambda: entry("a\x00b"), "entry.text"),
        (lambda: entry(client="c" * 201), "entry.client_id"),
        (lambda: entry(client="a\x00"), "entry.client_id"),
        (lambda: entry(entry_id="not-a-uuid"), "entry.id"),
        (lambda: entry(section_id="s" * 201), "entry.section_id"),
    ],
)
def test_bad_entries_name_the_field(build: Any, field: str) -> None:
    with pytest.raises(InvalidArgument) as err:
        build()
    assert err.value.field == field


def test_text_of_the_maximum_length_is_kept() -> None:
    assert len(entry("x" * 20_000).text) == 20_000


def test_update_makes_versions_and_checks_the_expected_one(playbook: Playbook) -> None:
    stored = playbook.add([entry("Google first")])[0].entry
    assert stored is not None
    edited = playbook.update(str(stored.id), EntryChange(text="WhatsApp first", note="client asked"))
    assert (edited.version, edited.text, edited.note) == (2, "WhatsApp first", "client asked")
    pinned = playbook.update(str(stored.id), EntryChange(pinned=True, expected_version=2))
    assert pinned.version == 3 and pinned.pinned and pinned.text == "WhatsApp first"
    with pytest.raises(Aborted):
        playbook.update(str(stored.id), EntryChange(text="stale", expected_version=2))
    removed = playbook.update(str(stored.id), EntryChange(state=EntryState.REMOVED))
    assert removed.state is EntryState.REMOVED
    assert playbook.entries("acme", include_agency=False, include_removed=False) == []
    assert playbook.entries("acme", include_agency=False, include_removed=True) == [removed]
    restored = playbook.update(str(stored.id), EntryChange(state=EntryState.ACTIVE))
    assert restored.state is EntryState.ACTIVE and restored.version == 5
    versions = playbook.versions(str(stored.id))
    assert [v.version for v in versions] == [5, 4, 3, 2, 1]
    assert [v.text for v in versions][-2:] == ["WhatsApp first", "Google first"]
    # A change that changes nothing makes no version.
    assert playbook.update(str(stored.id), EntryChange(pinned=True)).version == 5


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (EntryChange(), "text"),
        (EntryChange(text=""), "text"),
        (EntryChange(text="x" * 20_001), "text"),
        (EntryChange(text="ok", note="a\x00"), "note"),
        (EntryChange(text="ok", expected_version=-1), "expected_version"),
    ],
)
def test_bad_updates_name_the_field(playbook: Playbook, change: EntryChange, field: str) -> None:
    stored = playbook.add([entry()])[0].entry
    assert stored is not None
    with pytest.raises(InvalidArgument) as err:
        playbook.update(str(stored.id), change)
    assert err.value.field == field


def test_unknown_entries_are_not_found(playbook: Playbook) -> None:
    unknown = str(uuid.uuid4())
    with pytest.raises(NotFound):
        playbook.update(unknown, EntryChange(text="x"))
    with pytest.raises(NotFound):
        playbook.versions(unknown)
    with pytest.raises(InvalidArgument) as err:
        playbook.versions("nope")
    assert err.value.field == "entry_id"


def test_entries_of_work_before_a_forget_are_discarded_and_forget_removes_all(
    learning: LearningService, playbook: Playbook
) -> None:
    kept = playbook.add([entry("decided"), entry("agency", client="")])
    forgot = learning.forget_client("acme")
    assert forgot.playbook_entries_deleted == 1
    assert kept[0].entry is not None and playbook.store.versions(kept[0].entry.id) == []
    before = forgot.forget_time - dt.timedelta(seconds=5)
    late = playbook.add([entry("late", work_start_time=before), entry("new work")])
    assert late[0].discarded and late[1].created
    assert [e.text for e in playbook.entries("acme", include_agency=True, include_removed=False)] == [
        "new work",
        "agency",
    ]


def _report(learning: LearningService, client: str = "acme") -> tuple[uuid.UUID, list[uuid.UUID]]:
    report_id = str(uuid.uuid4())
    report = learning.record(
        [validate_new_item(kind="full_report", text=f"report of {client}", client_id=client)]
    )[0].item
    assert report is not None
    sections = learning.record(
        [
            validate_new_item(
                kind="report_section",
                text=f"{section} text of {client}",
                client_id=client,
                section_id=section,
                parent_id=str(report.id),
                metadata={"report_id": report_id},
            )
            for section in ("channel_plan", "persona_cards")
        ]
    )
    return report.id, [s.item.id for s in sections if s.item is not None]


def test_gold_and_weak_ratings_derive_entries(learning: LearningService, playbook: Playbook) -> None:
    report, (channel, personas) = _report(learning)
    assert learning.rate(str(report), "gold", "").rated_count == 3
    approved = playbook.entries("acme", include_agency=False, include_removed=False)
    assert {(e.kind, e.section_id, e.origin) for e in approved} == {
        (EntryKind.APPROVED_TEXT, "channel_plan", EntryOrigin.GOLD_RATING),
        (EntryKind.APPROVED_TEXT, "persona_cards", EntryOrigin.GOLD_RATING),
    }
    channel_entry = playbook.get(str(derived_entry_id(channel, EntryKind.APPROVED_TEXT)))
    assert channel_entry.text == "channel_plan text of acme" and channel_entry.source.item_id == str(channel)
    assert channel_entry.source.report_id  # from the item's metadata
    # Gold twice changes nothing.
    learning.rate(str(channel), "gold", "")
    assert channel_entry.version == playbook.get(str(channel_entry.id)).version
    # Weak: a text to avoid, and its approved text retired.
    learning.rate(str(personas), "weak", "")
    avoid = playbook.get(str(derived_entry_id(personas, EntryKind.AVOID_TEXT)))
    assert (avoid.state, avoid.origin) == (EntryState.ACTIVE, EntryOrigin.WEAK_RATING)
    retired = playbook.get(str(derived_entry_id(personas, EntryKind.APPROVED_TEXT)))
    assert retired.state is EntryState.REMOVED
    # Gold again restores it and retires the avoid entry; clearing the rating retires both.
    learning.rate(str(personas), "gold", "")
    assert playbook.get(str(retired.id)).state is EntryState.ACTIVE
    assert playbook.get(str(avoid.id)).state is EntryState.REMOVED
    learning.rate(str(personas), "", "")
    assert playbook.get(str(retired.id)).state is EntryState.REMOVED


def test_an_entry_an_operator_removed_is_never_derived_again(
    learning: LearningService, playbook: Playbook
) -> None:
    _, (channel, _) = _report(learning)
    learning.rate(str(channel), "gold", "")
    derived = str(derived_entry_id(channel, EntryKind.APPROVED_TEXT))
    playbook.update(derived, EntryChange(state=EntryState.REMOVED, note="not our voice"))
    learning.rate(str(channel), "weak", "")
    learning.rate(str(channel), "gold", "")
    assert playbook.get(derived).state is EntryState.REMOVED


def test_agency_library_sections_give_agency_wide_entries(
    learning: LearningService, playbook: Playbook
) -> None:
    library = learning.record(
        [validate_new_item(kind="report_section", text="A referral loop tactic", section_id="channel_plan")]
    )[0].item
    assert library is not None
    learning.rate(str(library.id), "gold", "")
    assert [e.client_id for e in playbook.entries("", include_agency=False, include_removed=False)] == [""]


def test_ratings_of_other_kinds_derive_nothing(learning: LearningService, playbook: Playbook) -> None:
    upload = learning.record([validate_new_item(kind="uploaded_example", text="x", client_id="acme")])[0].item
    assert upload is not None
    learning.rate(str(upload.id), "gold", "")
    assert playbook.entries("acme", include_agency=True, include_removed=True) == []
