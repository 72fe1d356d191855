"""The client playbook on the real embedded Postgres through a real gRPC channel: curation with versions,
ordering, idempotent creates, bad input codes, entries carried by a learning batch, entries derived from
ratings, and the forget."""

from __future__ import annotations

import datetime as dt
import uuid

import grpc
import pytest
from aicmo.memory.v1 import memory_service_pb2 as pb
from aicmo.memory.v1 import playbook_pb2 as ppb
from google.protobuf import timestamp_pb2

from tests.integration.memory.conftest import MemoryHarness
from tests.integration.memory.test_memory_service import bad_field

T = 10.0


def _create(memory: MemoryHarness, text: str, client: str = "acme", **kw: object) -> ppb.PlaybookEntry:
    kw.setdefault("kind", ppb.PLAYBOOK_ENTRY_KIND_MESSAGE)
    response = memory.playbook.CreatePlaybookEntry(
        ppb.CreatePlaybookEntryRequest(entry=ppb.PlaybookEntry(client_id=client, text=text, **kw)),  # type: ignore[arg-type]
        timeout=T,
    )
    assert response.created
    entry: ppb.PlaybookEntry = response.entry
    return entry


def _list(memory: MemoryHarness, client: str = "acme", **kw: bool) -> list[ppb.PlaybookEntry]:
    return list(
        memory.playbook.ListPlaybookEntries(
            ppb.ListPlaybookEntriesRequest(client_id=client, **kw), timeout=T
        ).entries
    )


def _stamp(when: dt.datetime) -> timestamp_pb2.Timestamp:
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(when)
    return stamp


def test_curate_an_entry_with_versions_and_pinned_first(memory: MemoryHarness) -> None:
    first = _create(memory, "Google Search leads", kind=ppb.PLAYBOOK_ENTRY_KIND_CHANNEL_MIX)
    second = _create(memory, "Warm, plain-spoken", kind=ppb.PLAYBOOK_ENTRY_KIND_TONE)
    agency = _create(memory, "Referral loops work for subscriptions", client="")
    assert (first.version, first.state, first.origin) == (
        1,
        ppb.PLAYBOOK_ENTRY_STATE_ACTIVE,
        ppb.PLAYBOOK_ENTRY_ORIGIN_OPERATOR,
    )
    assert [e.id for e in _list(memory)] == [second.id, first.id]

    edited = memory.playbook.UpdatePlaybookEntry(
        ppb.UpdatePlaybookEntryRequest(
            entry_id=first.id, text="WhatsApp leads at 40%", note="client asked", expected_version=1
        ),
        timeout=T,
    ).entry
    assert (edited.version, edited.text, edited.note) == (2, "WhatsApp leads at 40%", "client asked")
    pinned = memory.playbook.UpdatePlaybookEntry(
        ppb.UpdatePlaybookEntryRequest(entry_id=first.id, pinned=True), timeout=T
    ).entry
    assert pinned.pinned and pinned.version == 3
    assert [e.id for e in _list(memory, include_agency=True)] == [first.id, agency.id, second.id]

    with pytest.raises(grpc.RpcError) as err:
        memory.playbook.UpdatePlaybookEntry(
            ppb.UpdatePlaybookEntryRequest(entry_id=first.id, text="stale", expected_version=2), timeout=T
        )
    assert err.value.code() == grpc.StatusCode.ABORTED

    memory.playbook.UpdatePlaybookEntry(
        ppb.UpdatePlaybookEntryRequest(entry_id=second.id, state=ppb.PLAYBOOK_ENTRY_STATE_REMOVED), timeout=T
    )
    assert [e.id for e in _list(memory)] == [first.id]
    removed = _list(memory, include_removed=True)
    assert [e.state for e in removed] == [ppb.PLAYBOOK_ENTRY_STATE_ACTIVE, ppb.PLAYBOOK_ENTRY_STATE_REMOVED]
    restored = memory.playbook.UpdatePlaybookEntry(
        ppb.UpdatePlaybookEntryRequest(entry_id=second.id, state=ppb.PLAYBOOK_ENTRY_STATE_ACTIVE), timeout=T
    ).entry
    assert restored.state == ppb.PLAYBOOK_ENTRY_STATE_ACTIVE and restored.version == 3

    versions = memory.playbook.ListPlaybookEntryVersions(
        ppb.ListPlaybookEntryVersionsRequest(entry_id=first.id), timeout=T
    ).versions
    assert [(v.version, v.text, v.pinned) for v in versions] == [
        (3, "WhatsApp leads at 40%", True),
        (2, "WhatsApp leads at 40%", False),
        (1, "Google Search leads", False),
    ]
    assert all(v.create_time == first.create_time for v in versions)
    assert versions[0].update_time.ToDatetime() >= versions[2].update_time.ToDatetime()


def test_a_chosen_id_that_exists_changes_nothing(memory: MemoryHarness) -> None:
    chosen = str(uuid.uuid4())
    first = _create(memory, "Offer: first month free", id=chosen, kind=ppb.PLAYBOOK_ENTRY_KIND_OFFER)
    again = memory.playbook.CreatePlaybookEntry(
        ppb.CreatePlaybookEntryRequest(
            entry=ppb.PlaybookEntry(
                id=chosen, client_id="acme", text="other", kind=ppb.PLAYBOOK_ENTRY_KIND_DO
            )
        ),
        timeout=T,
    )
    assert not again.created and again.entry == first


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        (ppb.PlaybookEntry(client_id="acme", text="x"), "entry.kind"),
        (ppb.PlaybookEntry(client_id="acme", kind=ppb.PLAYBOOK_ENTRY_KIND_DO), "entry.text"),
        (
            ppb.PlaybookEntry(client_id="acme", kind=ppb.PLAYBOOK_ENTRY_KIND_DO, text="x" * 20_001),
            "entry.text",
        ),
        (ppb.PlaybookEntry(client_id="acme", kind=ppb.PLAYBOOK_ENTRY_KIND_DO, text="a\x00b"), "entry.text"),
        (
            ppb.PlaybookEntry(client_id="c" * 201, kind=ppb.PLAYBOOK_ENTRY_KIND_DO, text="x"),
            "entry.client_id",
        ),
        (ppb.PlaybookEntry(id="nope", kind=ppb.PLAYBOOK_ENTRY_KIND_DO, text="x"), "entry.id"),
        (ppb.PlaybookEntry(kind=99, text="x"), "entry.kind"),  # type: ignore[arg-type]
    ],
)
def test_bad_entries_are_invalid_argument_naming_the_field(
    memory: MemoryHarness, entry: ppb.PlaybookEntry, field: str
) -> None:
    with pytest.raises(grpc.RpcError) as err:
        memory.playbook.CreatePlaybookEntry(ppb.CreatePlaybookEntryRequest(entry=entry), timeout=T)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert bad_field(err.value) == field


def test_unknown_and_malformed_entry_ids(memory: MemoryHarness) -> None:
    unknown = str(uuid.uuid4())
    with pytest.raises(grpc.RpcError) as err:
        memory.playbook.UpdatePlaybookEntry(
            ppb.UpdatePlaybookEntryRequest(entry_id=unknown, text="x"), timeout=T
        )
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.RpcError) as err:
        memory.playbook.ListPlaybookEntryVersions(
            ppb.ListPlaybookEntryVersionsRequest(entry_id=unknown), timeout=T
        )
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.RpcError) as err:
        memory.playbook.UpdatePlaybookEntry(
            ppb.UpdatePlaybookEntryRequest(entry_id="nope", text="x"), timeout=T
        )
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT and bad_field(err.value) == "entry_id"


def _batch_entry(entry_id: str, text: str, client: str = "acme") -> ppb.PlaybookEntry:
    return ppb.PlaybookEntry(
        id=entry_id,
        client_id=client,
        kind=ppb.PLAYBOOK_ENTRY_KIND_APPROVED_TEXT,
        section_id="channel_plan",
        text=text,
        origin=ppb.PLAYBOOK_ENTRY_ORIGIN_EDIT,
        source=ppb.PlaybookSource(report_id=str(uuid.uuid4()), section_id="channel_plan"),
    )


def test_batch_entries_are_idempotent_and_discarded_after_a_forget(memory: MemoryHarness) -> None:
    chosen = str(uuid.uuid4())
    started = _stamp(dt.datetime.now(dt.UTC))
    batch = pb.BatchRecordItemsRequest(
        requests=[
            pb.RecordItemRequest(
                item=pb.LearningItem(kind="report_section", text="Edited channel plan", client_id="acme"),
                work_start_time=started,
            )
        ],
        playbook_entries=[_batch_entry(chosen, "WhatsApp first, then Search")],
        playbook_entries_work_start_time=started,
    )
    first = memory.stub.BatchRecordItems(batch, timeout=T)
    again = memory.stub.BatchRecordItems(batch, timeout=T)
    assert (first.playbook_entries_created_count, again.playbook_entries_created_count) == (1, 0)
    assert [e.id for e in _list(memory)] == [chosen]
    assert _list(memory)[0].origin == ppb.PLAYBOOK_ENTRY_ORIGIN_EDIT

    forgot = memory.stub.ForgetClient(pb.ForgetClientRequest(client_id="acme"), timeout=T)
    assert forgot.playbook_entries_deleted_count == 1
    assert _list(memory, include_removed=True) == []
    late = memory.stub.BatchRecordItems(
        pb.BatchRecordItemsRequest(
            playbook_entries=[_batch_entry(str(uuid.uuid4()), "late")],
            playbook_entries_work_start_time=started,
        ),
        timeout=T,
    )
    assert (late.playbook_entries_created_count, late.playbook_entries_discarded_count) == (0, 1)
    assert _list(memory, include_removed=True) == []
    late_create = memory.playbook.CreatePlaybookEntry(
        ppb.CreatePlaybookEntryRequest(
            entry=_batch_entry(str(uuid.uuid4()), "late"), work_start_time=started
        ),
        timeout=T,
    )
    assert late_create.discarded and not late_create.created


def test_batch_entries_need_a_chosen_id_and_valid_fields(memory: MemoryHarness) -> None:
    for entry, field in (
        (_batch_entry("", "x"), "playbook_entries[0].id"),
        (_batch_entry(str(uuid.uuid4()), ""), "playbook_entries[0].text"),
    ):
        with pytest.raises(grpc.RpcError) as err:
            memory.stub.BatchRecordItems(pb.BatchRecordItemsRequest(playbook_entries=[entry]), timeout=T)
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT and bad_field(err.value) == field


def _report(memory: MemoryHarness, client: str) -> tuple[str, dict[str, str]]:
    report = str(uuid.uuid4())
    history = str(uuid.uuid4())
    metadata = {"report_id": str(uuid.uuid4()), "history_id": history}
    batch = pb.BatchRecordItemsRequest(
        requests=[
            pb.RecordItemRequest(
                item=pb.LearningItem(kind="full_report", text=f"whole report {client}", client_id=client),
                item_id=report,
            ),
            *(
                pb.RecordItemRequest(
                    item=pb.LearningItem(
                        kind="report_section",
                        text=f"{section} of {client}",
                        client_id=client,
                        section_id=section,
                        parent_id=report,
                    ),
                    item_id=str(uuid.uuid4()),
                )
                for section in ("channel_plan", "persona_cards")
            ),
        ]
    )
    for request in batch.requests[1:]:
        request.item.metadata.update(metadata)
    results = memory.stub.BatchRecordItems(batch, timeout=T).results
    return report, {r.item.section_id: r.item.id for r in results[1:]}


def test_ratings_derive_approved_and_avoided_texts(memory: MemoryHarness) -> None:
    report, sections = _report(memory, "acme")
    memory.stub.RateItem(pb.RateItemRequest(id=report, verdict=pb.RATING_GOLD), timeout=T)
    approved = _list(memory)
    assert {(e.kind, e.origin, e.section_id) for e in approved} == {
        (ppb.PLAYBOOK_ENTRY_KIND_APPROVED_TEXT, ppb.PLAYBOOK_ENTRY_ORIGIN_GOLD_RATING, s) for s in sections
    }
    channel = next(e for e in approved if e.section_id == "channel_plan")
    assert channel.text == "channel_plan of acme" and channel.source.item_id == sections["channel_plan"]
    assert channel.source.history_id and channel.source.report_id

    memory.stub.RateItem(pb.RateItemRequest(id=sections["persona_cards"], verdict=pb.RATING_WEAK), timeout=T)
    active = {(e.kind, e.section_id) for e in _list(memory)}
    assert active == {
        (ppb.PLAYBOOK_ENTRY_KIND_APPROVED_TEXT, "channel_plan"),
        (ppb.PLAYBOOK_ENTRY_KIND_AVOID_TEXT, "persona_cards"),
    }

    # An operator removes the approved channel plan: no rating brings it back.
    memory.playbook.UpdatePlaybookEntry(
        ppb.UpdatePlaybookEntryRequest(entry_id=channel.id, state=ppb.PLAYBOOK_ENTRY_STATE_REMOVED), timeout=T
    )
    memory.stub.RateItem(pb.RateItemRequest(id=report, verdict=pb.RATING_WEAK), timeout=T)
    memory.stub.RateItem(pb.RateItemRequest(id=report, verdict=pb.RATING_GOLD), timeout=T)
    states = {(e.kind, e.section_id): e.state for e in _list(memory, include_removed=True)}
    assert states[(ppb.PLAYBOOK_ENTRY_KIND_APPROVED_TEXT, "channel_plan")] == ppb.PLAYBOOK_ENTRY_STATE_REMOVED
    assert states[(ppb.PLAYBOOK_ENTRY_KIND_APPROVED_TEXT, "persona_cards")] == ppb.PLAYBOOK_ENTRY_STATE_ACTIVE
    assert states[(ppb.PLAYBOOK_ENTRY_KIND_AVOID_TEXT, "persona_cards")] == ppb.PLAYBOOK_ENTRY_STATE_REMOVED
    assert len(states) == 4  # one entry per item and kind, however often it is rated

    forgot = memory.stub.ForgetClient(pb.ForgetClientRequest(client_id="acme"), timeout=T)
    assert forgot.playbook_entries_deleted_count == 4
    assert _list(memory, include_removed=True) == []
    with pytest.raises(grpc.RpcError) as err:
        memory.playbook.ListPlaybookEntryVersions(
            ppb.ListPlaybookEntryVersionsRequest(entry_id=channel.id), timeout=T
        )
    assert err.value.code() == grpc.StatusCode.NOT_FOUND


def test_agency_library_sections_give_agency_wide_entries(memory: MemoryHarness) -> None:
    section = memory.stub.RecordItem(
        pb.RecordItemRequest(
            item=pb.LearningItem(kind="report_section", text="A referral loop", section_id="channel_plan")
        ),
        timeout=T,
    ).item
    memory.stub.RateItem(pb.RateItemRequest(id=section.id, verdict=pb.RATING_GOLD), timeout=T)
    assert [(e.client_id, e.text) for e in _list(memory, client="")] == [("", "A referral loop")]
    assert len(_list(memory, client="acme", include_agency=True)) == 1
    assert _list(memory, client="acme") == []
