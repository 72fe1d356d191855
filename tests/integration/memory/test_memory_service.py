"""The memory service over a real gRPC channel and a real Postgres: learning, dedup, curation, errors."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from aicmo.memory.v1 import memory_service_pb2 as pb
from google.protobuf import struct_pb2
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from tests.integration.memory.conftest import MemoryHarness

T = 10.0  # deadline for every call


def item(text: str, kind: str = "report_section", client: str = "acme", **extra: Any) -> pb.LearningItem:
    return pb.LearningItem(kind=kind, text=text, client_id=client, **extra)


def record(memory: MemoryHarness, text: str, key: str = "", **kw: Any) -> pb.RecordItemResponse:
    response: pb.RecordItemResponse = memory.stub.RecordItem(
        pb.RecordItemRequest(item=item(text, **kw), idempotency_key=key), timeout=T
    )
    return response


def bad_field(err: grpc.RpcError) -> str:
    status = rpc_status.from_call(err)
    assert status is not None, "INVALID_ARGUMENT must carry rich details"
    details = error_details_pb2.BadRequest()
    assert status.details[0].Unpack(details)
    return str(details.field_violations[0].field)


def test_record_then_search_then_summary(memory: MemoryHarness) -> None:
    created = record(
        memory, "Spring espresso launch: Instagram reels and a loyalty giveaway", industry="coffee"
    )
    assert created.created
    assert created.item.id and created.item.embedding_model == "fake-hash-384"
    assert created.item.create_time.seconds > 0

    found = memory.stub.SearchItems(pb.SearchItemsRequest(query="espresso launch reels", top_k=3), timeout=T)
    assert [r.item.id for r in found.results][:1] == [created.item.id]
    assert 0 < found.results[0].similarity <= 1.0
    assert any("FAKE EMBEDDINGS" in w for w in found.warnings)

    summary = memory.stub.GetSummary(pb.GetSummaryRequest(), timeout=T)
    assert summary.total_items == 1
    assert dict(summary.per_kind) == {"report_section": 1}
    assert summary.fake_embeddings and summary.embedding_dimensions == 384
    assert summary.storage.startswith("postgresql+psycopg2://aicmo@127.0.0.1:")
    assert [d.count for d in summary.learned_per_day] == [1]


def test_batch_record_keeps_order_and_reports_created(memory: MemoryHarness) -> None:
    texts = [f"Section {i}: email nurture flow number {i} for churned trial users" for i in range(20)]
    response = memory.stub.BatchRecordItems(
        pb.BatchRecordItemsRequest(
            requests=[pb.RecordItemRequest(item=item(t, section_id=f"s{i}")) for i, t in enumerate(texts)]
        ),
        timeout=T,
    )
    assert response.created_count == 20
    assert [r.item.text for r in response.results] == texts
    assert all(r.created for r in response.results)
    again = memory.stub.BatchRecordItems(
        pb.BatchRecordItemsRequest(requests=[pb.RecordItemRequest(item=item(t)) for t in texts[:5]]),
        timeout=T,
    )
    assert again.created_count == 0
    assert [r.item.id for r in again.results] == [r.item.id for r in response.results[:5]]


def test_same_idempotency_key_twice_gives_one_row(memory: MemoryHarness) -> None:
    first = record(memory, "Report for Acme, version one", key="report-123")
    second = record(memory, "Report for Acme, retried with different text", key="report-123")
    assert first.created and not second.created
    assert second.item.id == first.item.id
    assert memory.stub.GetSummary(pb.GetSummaryRequest(), timeout=T).total_items == 1


def test_same_content_twice_gives_one_row(memory: MemoryHarness) -> None:
    first = record(memory, "Identical text about TikTok creators")
    second = record(memory, "Identical text about TikTok creators")
    other_client = record(memory, "Identical text about TikTok creators", client="globex")
    other_kind = record(memory, "Identical text about TikTok creators", kind="uploaded_example")
    assert first.created and not second.created and second.item.id == first.item.id
    assert other_client.created and other_kind.created
    # Duplicates inside one batch also collapse to one row.
    batch = memory.stub.BatchRecordItems(
        pb.BatchRecordItemsRequest(requests=[pb.RecordItemRequest(item=item("dup in batch"))] * 3), timeout=T
    )
    assert batch.created_count == 1
    assert len({r.item.id for r in batch.results}) == 1
    assert memory.stub.GetSummary(pb.GetSummaryRequest(), timeout=T).total_items == 4


def test_metadata_with_dates_and_numbers_is_kept_as_json(memory: MemoryHarness) -> None:
    metadata = struct_pb2.Struct()
    metadata.update({"launch_date": "2026-03-01", "budget": 1200.5, "nested": {"ok": True}, "list": [1, "a"]})
    created = record(memory, "Brief with metadata", metadata=metadata, tags=["launch", "q1", "launch"])
    got = memory.stub.GetItem(pb.GetItemRequest(id=created.item.id), timeout=T).item
    assert dict(got.metadata)["launch_date"] == "2026-03-01"
    assert got.metadata["nested"]["ok"] is True
    assert list(got.tags) == ["launch", "q1"]


def test_python_dates_in_metadata_are_stored_as_iso_strings(memory: MemoryHarness) -> None:
    import datetime as dt
    import decimal
    import uuid

    from services.memory.domain.model import validate_new_item

    new = validate_new_item(
        kind="full_report",
        text="Report with Python-typed metadata",
        metadata={
            "day": dt.date(2026, 5, 1),
            "at": dt.datetime(2026, 5, 1, 9, 30),
            "money": decimal.Decimal("9.90"),
            "ref": uuid.UUID(int=7),
        },
    )
    outcome = memory.runtime.service.record([new])[0]
    assert outcome.item is not None
    got = memory.stub.GetItem(pb.GetItemRequest(id=str(outcome.item.id)), timeout=T).item
    assert dict(got.metadata) == {
        "day": "2026-05-01",
        "at": "2026-05-01T09:30:00",
        "money": "9.90",
        "ref": str(uuid.UUID(int=7)),
    }


def test_list_pages_filter_and_tokens(memory: MemoryHarness) -> None:
    for i in range(7):
        record(memory, f"section text {i}", kind="report_section")
    for i in range(3):
        record(memory, f"uploaded example {i}", kind="uploaded_example")
    seen: list[str] = []
    token = ""
    while True:
        page = memory.stub.ListItems(
            pb.ListItemsRequest(kind="report_section", page_size=3, page_token=token), timeout=T
        )
        assert page.total_size == 7
        seen.extend(i.text for i in page.items)
        token = page.next_page_token
        if not token:
            break
    assert sorted(seen) == sorted(f"section text {i}" for i in range(7))
    assert seen[0] == "section text 6"  # newest first
    everything = memory.stub.ListItems(pb.ListItemsRequest(page_size=100), timeout=T)
    assert everything.total_size == 10 and not everything.next_page_token

    first = memory.stub.ListItems(pb.ListItemsRequest(kind="report_section", page_size=2), timeout=T)
    with pytest.raises(grpc.RpcError) as err:
        memory.stub.ListItems(
            pb.ListItemsRequest(kind="uploaded_example", page_token=first.next_page_token), timeout=T
        )
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT and bad_field(err.value) == "page_token"


def test_rate_delete_and_forget_client(memory: MemoryHarness) -> None:
    a = record(memory, "Gold-worthy channel plan", client="initech").item
    b = record(memory, "Weak persona cards", client="initech").item
    keep = record(memory, "Another client's item", client="umbrella").item

    rated = memory.stub.RateItem(
        pb.RateItemRequest(id=a.id, rating="gold", note="client loved it"), timeout=T
    )
    assert rated.item.rating == "gold" and rated.item.rating_note == "client loved it"
    memory.stub.RateItem(pb.RateItemRequest(id=b.id, rating="weak"), timeout=T)
    summary = memory.stub.GetSummary(pb.GetSummaryRequest(), timeout=T)
    assert dict(summary.per_rating) == {"gold": 1, "weak": 1}
    cleared = memory.stub.RateItem(pb.RateItemRequest(id=b.id, rating=""), timeout=T)
    assert cleared.item.rating == ""

    assert memory.stub.DeleteItem(pb.DeleteItemRequest(id=b.id), timeout=T).id == b.id
    with pytest.raises(grpc.RpcError) as err:
        memory.stub.GetItem(pb.GetItemRequest(id=b.id), timeout=T)
    assert err.value.code() == grpc.StatusCode.NOT_FOUND

    forgotten = memory.stub.ForgetClient(pb.ForgetClientRequest(client_id="initech"), timeout=T)
    assert forgotten.deleted_count == 1 and list(forgotten.deleted_ids) == [a.id]
    assert dict(forgotten.per_kind) == {"report_section": 1}
    remaining = memory.stub.ListItems(pb.ListItemsRequest(), timeout=T)
    assert [i.id for i in remaining.items] == [keep.id]


def test_search_filters(memory: MemoryHarness) -> None:
    record(memory, "Loyalty program for pet food subscribers", client="c1", industry="pet food")
    record(
        memory,
        "Loyalty program for skincare subscribers",
        client="c2",
        industry="beauty",
        kind="uploaded_example",
    )
    by_industry = memory.stub.SearchItems(
        pb.SearchItemsRequest(query="loyalty program", industry="beauty", top_k=5), timeout=T
    )
    assert [r.item.industry for r in by_industry.results] == ["beauty"]
    by_kind = memory.stub.SearchItems(
        pb.SearchItemsRequest(query="loyalty program", kinds=["report_section"], top_k=5), timeout=T
    )
    assert [r.item.client_id for r in by_kind.results] == ["c1"]
    high_bar = memory.stub.SearchItems(
        pb.SearchItemsRequest(query="loyalty program", min_score=0.99), timeout=T
    )
    assert list(high_bar.results) == []


# The validation rules themselves are unit-tested (tests/unit/memory): here only that the edge maps them to
# INVALID_ARGUMENT with a BadRequest naming the field, for a message, a batch entry and a filter.
@pytest.mark.parametrize(
    ("call", "request_", "field"),
    [
        ("RecordItem", pb.RecordItemRequest(), "item"),
        (
            "BatchRecordItems",
            pb.BatchRecordItemsRequest(
                requests=[
                    pb.RecordItemRequest(item=pb.LearningItem(kind="k", text="ok")),
                    pb.RecordItemRequest(item=pb.LearningItem(kind="k", text="")),
                ]
            ),
            "requests[1].item.text",
        ),
        ("SearchItems", pb.SearchItemsRequest(query="x", top_k=51), "top_k"),
    ],
)
def test_bad_input_is_invalid_argument_naming_the_field(
    memory: MemoryHarness, call: str, request_: object, field: str
) -> None:
    with pytest.raises(grpc.RpcError) as err:
        getattr(memory.stub, call)(request_, timeout=T)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert bad_field(err.value) == field
    assert "Traceback" not in (err.value.details() or "")


def test_batch_over_the_limit_is_rejected(memory: MemoryHarness) -> None:
    requests = [pb.RecordItemRequest(item=item(f"t{i}")) for i in range(501)]
    with pytest.raises(grpc.RpcError) as err:
        memory.stub.BatchRecordItems(pb.BatchRecordItemsRequest(requests=requests), timeout=T)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT and bad_field(err.value) == "requests"


@pytest.mark.parametrize("call", ["GetItem", "DeleteItem"])
def test_unknown_id_is_not_found(memory: MemoryHarness, call: str) -> None:
    request_cls = pb.GetItemRequest if call == "GetItem" else pb.DeleteItemRequest
    with pytest.raises(grpc.RpcError) as err:
        getattr(memory.stub, call)(request_cls(id="2b7e1f6c-0000-4000-8000-000000000000"), timeout=T)
    assert err.value.code() == grpc.StatusCode.NOT_FOUND


def test_rate_unknown_id_is_not_found(memory: MemoryHarness) -> None:
    with pytest.raises(grpc.RpcError) as err:
        memory.stub.RateItem(
            pb.RateItemRequest(id="2b7e1f6c-0000-4000-8000-000000000000", rating="gold"), timeout=T
        )
    assert err.value.code() == grpc.StatusCode.NOT_FOUND


def test_reflection_and_health(memory: MemoryHarness) -> None:
    from tests.support import health_status

    assert health_status(memory.target) == "SERVING"
    assert health_status(memory.target, "aicmo.memory.v1.MemoryService") == "SERVING"
