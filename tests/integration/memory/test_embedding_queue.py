"""Writes acknowledged on commit, embedded in the background: the queue in Postgres, shared by replicas,
surviving a crash, emptied by forgets; the backlog in the summary; bulk import; hybrid search."""

from __future__ import annotations

import io
import json
import threading
from pathlib import Path
from typing import Any

import grpc
import pytest
from aicmo.memory.v1 import memory_service_pb2 as pb
from aicmo.memory.v1 import memory_service_pb2_grpc as pb_grpc

from services.memory.bootstrap import build_service, open_storage
from services.memory.entrypoints.bulk_import import Defaults, run_import
from services.memory.service_layer.embedding_worker import EmbeddingWorker
from services.memory.settings import MemorySettings
from tests.integration.memory.conftest import MemoryHarness
from tests.support import wait_until

T = 10.0
WAIT = 60.0  # generous: a busy machine may take a while to schedule the background embedder


def _start(database_url: str, data_dir: Path, **settings: Any) -> Any:
    from services.memory.bootstrap import create_runtime

    config = MemorySettings(
        memory_db=database_url,  # type: ignore[arg-type]
        data_dir=data_dir,
        memory_port=0,
        fake_embeddings=True,
        db_health_interval_seconds=0.5,
        **settings,
    )
    runtime = create_runtime(config)
    runtime.app.start()
    return runtime


def _committed(text: str, client: str = "acme", **item: Any) -> pb.RecordItemRequest:
    return pb.RecordItemRequest(
        item=pb.LearningItem(kind="report_section", text=text, client_id=client, **item),
        acknowledge=pb.ACKNOWLEDGE_COMMITTED,
    )


def _summary(stub: pb_grpc.MemoryServiceStub) -> pb.GetSummaryResponse:
    response: pb.GetSummaryResponse = stub.GetSummary(pb.GetSummaryRequest(), timeout=T)
    return response


def _found(stub: pb_grpc.MemoryServiceStub, query: str, item_id: str, **kw: Any) -> bool:
    hits = stub.SearchItems(pb.SearchItemsRequest(query=query, top_k=10, min_score=-1, **kw), timeout=T)
    return item_id in {h.item.id for h in hits.results}


def test_acknowledged_on_commit_then_searchable_by_itself(memory: MemoryHarness) -> None:
    response = memory.stub.BatchRecordItems(
        pb.BatchRecordItemsRequest(
            requests=[_committed(f"Section {i}: referral push for Zentrixa") for i in range(18)]
        ),
        timeout=T,
    )
    assert response.created_count == 18
    assert all(r.result == pb.RECORD_RESULT_CREATED for r in response.results)
    last = response.results[-1].item
    # Durable at once: listed and fetched even before its embedding exists.
    assert memory.stub.GetItem(pb.GetItemRequest(id=last.id), timeout=T).item.text == last.text
    wait_until(
        lambda: _found(memory.stub, last.text, last.id), WAIT, what="the recorded items to be searchable"
    )
    wait_until(lambda: _summary(memory.stub).embedding_backlog == 0, WAIT, what="the backlog to drain")
    got = memory.stub.GetItem(pb.GetItemRequest(id=last.id), timeout=T).item
    assert got.embedding_model == "fake-hash-384"


def test_the_default_still_waits_for_the_embedding(memory: MemoryHarness) -> None:
    created = memory.stub.RecordItem(
        pb.RecordItemRequest(item=pb.LearningItem(kind="report_section", text="searchable at once")),
        timeout=T,
    )
    assert created.item.embedding_model == "fake-hash-384"
    assert _found(memory.stub, "searchable at once", created.item.id)


def test_queue_survives_a_stop_and_is_shared_by_replicas(database_url: str, data_dir: Path) -> None:
    # A replica that does not embed (as after a crash before its worker ran): items wait, durably.
    writer = _start(database_url, data_dir, embedding_workers=0)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{writer.app.port}") as channel:
            stub = pb_grpc.MemoryServiceStub(channel)
            requests = [_committed(f"queued item {i} about loyalty") for i in range(40)]
            ids = [
                r.item.id
                for r in stub.BatchRecordItems(
                    pb.BatchRecordItemsRequest(requests=requests), timeout=T
                ).results
            ]
            summary = _summary(stub)
            assert summary.embedding_backlog == 40 and summary.total_items == 40
            assert not _found(stub, "queued item 0 about loyalty", ids[0])
    finally:
        writer.stop()

    # Two workers on the same queue (two replicas' worth) take disjoint batches and leave nothing behind.
    settings = MemorySettings(memory_db=database_url, data_dir=data_dir, fake_embeddings=True)  # type: ignore[arg-type]
    storage = open_storage(settings)
    try:
        service = build_service(settings, storage)
        workers = [
            EmbeddingWorker(service.repository, service.embedder.embed, batch_size=4) for _ in range(2)
        ]
        counts: list[int] = []
        threads = [threading.Thread(target=lambda w=w: counts.append(w.drain())) for w in workers]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=WAIT)
        assert sum(counts) == 40
        assert service.repository.backlog().pending == 0
    finally:
        storage.close()

    reader = _start(database_url, data_dir)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{reader.app.port}") as channel:
            stub = pb_grpc.MemoryServiceStub(channel)
            assert _found(stub, "queued item 0 about loyalty", ids[0])
    finally:
        reader.stop()


def test_forgetting_a_client_removes_what_waits_for_its_embedding(database_url: str, data_dir: Path) -> None:
    runtime = _start(database_url, data_dir, embedding_workers=0)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{runtime.app.port}") as channel:
            stub = pb_grpc.MemoryServiceStub(channel)
            stub.BatchRecordItems(
                pb.BatchRecordItemsRequest(
                    requests=[_committed("gone soon", "gone"), _committed("stays", "kept")]
                ),
                timeout=T,
            )
            forgot = stub.ForgetClient(pb.ForgetClientRequest(client_id="gone"), timeout=T)
            assert forgot.deleted_count == 1
            assert _summary(stub).embedding_backlog == 1
    finally:
        runtime.stop()


def test_bulk_import_of_jsonl_and_markdown(database_url: str, data_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "library"
    folder.mkdir()
    lines = [
        {"text": "Referral programme for a meal-kit startup", "client_id": "c1", "kind": "report_section"},
        {"text": "Agency playbook: trade show follow-up in 48 hours", "scope": "agency"},
        {"kind": "Bad Kind", "text": "rejected"},
    ]
    (folder / "items.jsonl").write_text(
        "\n".join(json.dumps(x) for x in lines) + "\nnot json\n", encoding="utf-8"
    )
    (folder / "playbook.md").write_text("# Launch checklist\n\nTease, launch, follow up.\n", encoding="utf-8")
    settings = MemorySettings(memory_db=database_url, data_dir=data_dir, fake_embeddings=True)  # type: ignore[arg-type]
    storage = open_storage(settings)
    try:
        service = build_service(settings, storage)
        errors = io.StringIO()
        report = run_import(service, folder, Defaults(), errors=errors)
        assert (report.created, report.invalid, report.embedded) == (3, 2, 3)
        assert "items.jsonl:3" in errors.getvalue() and "items.jsonl:4" in errors.getvalue()
        again = run_import(service, folder, Defaults(), errors=io.StringIO())
        assert (again.created, again.existing) == (0, 3)
        page = service.list(kind="uploaded_example", client_id="", page_size=10, page_token="")
        assert {i.title for i in page.items} == {"", "Launch checklist"}
        assert all(i.embedding_model == "fake-hash-384" for i in page.items)
    finally:
        storage.close()


@pytest.mark.integration
def test_hybrid_search_finds_brand_names_and_paraphrases(real_memory: MemoryHarness) -> None:
    texts = {
        "brand": "Quorvexa Lumaline serum: a double-points loyalty week for returning buyers",
        "para": "Holiday gifting campaign for a specialty coffee roaster: bundles, gift cards, unboxings",
        "noise1": "Loyalty week with double points for a skincare brand's returning customers",
        "noise2": "Double points for loyal buyers of a serum, one week only",
        "noise3": "Back-to-school promotion for a stationery chain with bundle discounts",
    }
    response = real_memory.stub.BatchRecordItems(
        pb.BatchRecordItemsRequest(
            requests=[
                pb.RecordItemRequest(item=pb.LearningItem(kind="report_section", text=t, client_id="c"))
                for t in texts.values()
            ]
        ),
        timeout=30,
    )
    ids = dict(zip(texts, (r.item.id for r in response.results), strict=True))

    def top(query: str) -> str:
        hits = real_memory.stub.SearchItems(
            pb.SearchItemsRequest(query=query, top_k=3, min_score=-1), timeout=30
        )
        return str(hits.results[0].item.id)

    assert top("Quorvexa") == ids["brand"]  # a made-up name: found by keyword
    assert (
        top("christmas presents from a cafe that roasts beans") == ids["para"]
    )  # no shared word: by meaning
    assert top('"bundle discounts"') == ids["noise3"]  # search syntax: an exact phrase
