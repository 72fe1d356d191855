"""The product's promise: what was learned survives a full stop of the service and its Postgres."""

from __future__ import annotations

from pathlib import Path

import grpc
import pytest
from aicmo.memory.v1 import memory_service_pb2 as pb
from aicmo.memory.v1 import memory_service_pb2_grpc as pb_grpc

from tests.support import ServiceProcess, free_port, health_status, wait_until

T = 10.0


def memory_process(data_dir: Path, pg_port: int, grpc_port: int, *, fake: bool) -> ServiceProcess:
    env = {
        "AICMO_DATA_DIR": str(data_dir),
        "AICMO_EMBEDDED_PG_PORT": str(pg_port),
        "AICMO_MEMORY_PORT": str(grpc_port),
        "AICMO_FAKE_EMBEDDINGS": "1" if fake else "0",
        "AICMO_LOG_FORMAT": "json",
    }
    return ServiceProcess("services.memory", env, data_dir / "logs" / "memory.log")


def postgres_running(data_dir: Path) -> bool:
    pid_file = data_dir / "postgres" / "postmaster.pid"
    return pid_file.exists()


@pytest.mark.integration
def test_learning_survives_stopping_service_and_postgres(data_dir: Path) -> None:
    pg_port, grpc_port = free_port(), free_port()
    target = f"127.0.0.1:{grpc_port}"
    texts = [
        "Holiday gifting campaign for a specialty coffee roaster: bundles, gift cards, influencer unboxings",
        "B2B SaaS webinar funnel: LinkedIn ads to a live demo, then a 14-day trial nurture",
        "Gym membership relaunch with a 30-day challenge and referral rewards",
    ]

    first = memory_process(data_dir, pg_port, grpc_port, fake=False)
    first.start()
    try:
        first.wait_healthy(target)
        with grpc.insecure_channel(target) as channel:
            stub = pb_grpc.MemoryServiceStub(channel)
            response = stub.BatchRecordItems(
                pb.BatchRecordItemsRequest(
                    requests=[
                        pb.RecordItemRequest(
                            item=pb.LearningItem(kind="report_section", text=t, client_id="c")
                        )
                        for t in texts
                    ]
                ),
                timeout=T,
            )
            ids = [r.item.id for r in response.results]
    finally:
        assert first.stop() == 0, first.log()

    # The service stopped the embedded Postgres it started: nothing is left running.
    assert not postgres_running(data_dir)
    assert health_status(target) == "UNREACHABLE"
    log = first.log()
    assert "Phase L: Using Postgres memory engine for learning" in log
    assert "embedded Postgres stopped" in log

    second = memory_process(data_dir, pg_port, grpc_port, fake=False)
    second.start()
    try:
        second.wait_healthy(target)
        with grpc.insecure_channel(target) as channel:
            stub = pb_grpc.MemoryServiceStub(channel)
            summary = stub.GetSummary(pb.GetSummaryRequest(), timeout=T)
            assert summary.total_items == 3
            assert dict(summary.per_kind) == {"report_section": 3}
            assert summary.embedding_model == "all-MiniLM-L6-v2"
            for text, item_id in zip(texts, ids, strict=True):
                assert stub.GetItem(pb.GetItemRequest(id=item_id), timeout=T).item.text == text
            # Searchable by meaning after the restart (paraphrase, not the stored words).
            hits = stub.SearchItems(
                pb.SearchItemsRequest(query="christmas presents from a cafe that roasts beans", top_k=1),
                timeout=T,
            )
            assert [h.item.id for h in hits.results] == [ids[0]]
            hits = stub.SearchItems(
                pb.SearchItemsRequest(query="software company online seminar lead generation", top_k=1),
                timeout=T,
            )
            assert [h.item.id for h in hits.results] == [ids[1]]
    finally:
        assert second.stop() == 0, second.log()
    wait_until(lambda: not postgres_running(data_dir), 10, what="Postgres to stop")
