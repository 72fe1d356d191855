"""Memory's side of learning trust: scoped search, chosen ids and their aliases, durable forgets."""

from __future__ import annotations

import datetime as dt
import uuid

import grpc
import pytest
from aicmo.memory.v1 import memory_service_pb2 as pb
from google.protobuf import timestamp_pb2

from tests.integration.memory.conftest import MemoryHarness

T = 10.0


def _record(memory: MemoryHarness, text: str, client: str = "", **kw: object) -> pb.RecordItemResponse:
    item_fields: dict[str, object] = {"kind": "report_section", "text": text, "client_id": client}
    item_fields.update({k: v for k, v in kw.items() if k in pb.LearningItem.DESCRIPTOR.fields_by_name})
    request_fields = {k: v for k, v in kw.items() if k not in item_fields}
    response: pb.RecordItemResponse = memory.stub.RecordItem(
        pb.RecordItemRequest(item=pb.LearningItem(**item_fields), **request_fields),  # type: ignore[arg-type]
        timeout=T,
    )
    return response


def test_scope_defaults_and_scoped_search(memory: MemoryHarness) -> None:
    own = _record(memory, "Loyalty programme for pet food subscribers", client="c1")
    other = _record(memory, "Loyalty programme for pet food buyers with points", client="c2")
    library = _record(memory, "Loyalty programme playbook for subscription brands")
    assert own.item.scope == pb.SCOPE_CLIENT and library.item.scope == pb.SCOPE_AGENCY
    assert own.result == pb.RECORD_RESULT_CREATED and own.created

    found = memory.stub.SearchItems(
        pb.SearchItemsRequest(query="loyalty programme", for_client_id="c1", top_k=10), timeout=T
    )
    assert {r.item.id for r in found.results} == {own.item.id, library.item.id}
    everything = memory.stub.SearchItems(
        pb.SearchItemsRequest(query="loyalty programme", top_k=10), timeout=T
    )
    assert other.item.id in {r.item.id for r in everything.results}  # curation still sees everything

    shared = memory.stub.SetItemScope(
        pb.SetItemScopeRequest(id=other.item.id, scope=pb.SCOPE_AGENCY), timeout=T
    )
    assert shared.item.scope == pb.SCOPE_AGENCY
    found = memory.stub.SearchItems(
        pb.SearchItemsRequest(query="loyalty programme", for_client_id="c1", top_k=10), timeout=T
    )
    assert other.item.id in {r.item.id for r in found.results}


def test_a_library_item_cannot_be_made_a_client_item_without_a_client(memory: MemoryHarness) -> None:
    library = _record(memory, "A playbook that names no client")
    with pytest.raises(grpc.RpcError) as err:
        memory.stub.SetItemScope(pb.SetItemScopeRequest(id=library.item.id, scope=pb.SCOPE_CLIENT), timeout=T)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(grpc.RpcError) as err:
        _record(memory, "client scope without client", scope=pb.SCOPE_CLIENT)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_a_chosen_id_that_duplicates_content_becomes_an_alias(memory: MemoryHarness) -> None:
    first_report, second_report = str(uuid.uuid4()), str(uuid.uuid4())
    first_section, second_section = str(uuid.uuid4()), str(uuid.uuid4())
    _record(memory, "report one", client="c1", kind="full_report", item_id=first_report)
    a = _record(memory, "the same section text", client="c1", item_id=first_section, parent_id=first_report)
    _record(memory, "report two", client="c1", kind="full_report", item_id=second_report)
    b = _record(memory, "the same section text", client="c1", item_id=second_section, parent_id=second_report)
    assert a.item.id == first_section and a.result == pb.RECORD_RESULT_CREATED
    assert b.item.id == first_section and b.result == pb.RECORD_RESULT_EXISTING and not b.created
    # The promised id works everywhere an id is taken.
    assert memory.stub.GetItem(pb.GetItemRequest(id=second_section), timeout=T).item.id == first_section
    rated = memory.stub.RateItem(pb.RateItemRequest(id=second_report, rating="gold", note="n"), timeout=T)
    assert rated.rated_count == 2  # the report and its (deduplicated) section
    assert memory.stub.GetItem(pb.GetItemRequest(id=first_section), timeout=T).item.rating == "gold"
    # Recording again under the same chosen id is idempotent.
    again = _record(memory, "the same section text", client="c1", item_id=second_section)
    assert again.result == pb.RECORD_RESULT_EXISTING and again.item.id == first_section
    assert memory.stub.DeleteItem(pb.DeleteItemRequest(id=second_section), timeout=T).id == first_section
    with pytest.raises(grpc.RpcError) as err:
        memory.stub.GetItem(pb.GetItemRequest(id=second_section), timeout=T)
    assert err.value.code() == grpc.StatusCode.NOT_FOUND


def _stamp(when: dt.datetime) -> timestamp_pb2.Timestamp:
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(when)
    return stamp


def test_writes_of_work_started_before_a_forget_are_discarded(memory: MemoryHarness) -> None:
    before = _stamp(dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5))
    _record(memory, "kept until the forget", client="gone")
    _record(memory, "library item survives", client="")
    forgot = memory.stub.ForgetClient(pb.ForgetClientRequest(client_id="gone"), timeout=T)
    assert forgot.deleted_count == 1 and dict(forgot.per_kind) == {"report_section": 1}

    chosen = str(uuid.uuid4())
    late = memory.stub.BatchRecordItems(
        pb.BatchRecordItemsRequest(
            requests=[
                pb.RecordItemRequest(
                    item=pb.LearningItem(kind="report_section", text="late section", client_id="gone"),
                    item_id=chosen,
                    work_start_time=before,
                ),
                pb.RecordItemRequest(
                    item=pb.LearningItem(kind="report_section", text="another client's", client_id="kept"),
                    work_start_time=before,
                ),
            ]
        ),
        timeout=T,
    )
    assert [r.result for r in late.results] == [
        pb.RECORD_RESULT_DISCARDED_CLIENT_FORGOTTEN,
        pb.RECORD_RESULT_CREATED,
    ]
    assert late.results[0].item.id == chosen and late.discarded_count == 1 and late.created_count == 1
    assert memory.stub.ListItems(pb.ListItemsRequest(client_id="gone"), timeout=T).total_size == 0

    # Work that starts after the forget (or says nothing about when) is learned normally.
    assert _record(memory, "new work after the forget", client="gone").result == pb.RECORD_RESULT_CREATED
    listed = memory.stub.ListForgottenClients(pb.ListForgottenClientsRequest(), timeout=T).clients
    assert [(c.client_id, c.deleted_count, c.discarded_count) for c in listed] == [("gone", 1, 1)]
