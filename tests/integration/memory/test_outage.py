"""The database going away: calls fail with UNAVAILABLE, health says NOT_SERVING, and both recover by
themselves when it returns (no restart of the memory service)."""

from __future__ import annotations

import shutil
from pathlib import Path

import grpc
import pytest
from aicmo.memory.v1 import memory_service_pb2 as pb
from aicmo.memory.v1 import memory_service_pb2_grpc as pb_grpc

from services.memory.adapters.embedded_postgres import EmbeddedPostgres
from tests.integration.memory.conftest import start_memory
from tests.support import free_port, health_status, new_data_dir, wait_until

T = 10.0


@pytest.mark.integration
def test_database_outage_gives_unavailable_then_recovers() -> None:
    pg = EmbeddedPostgres(new_data_dir("outage-pg"), free_port())
    pg.ensure_running()
    runtime, _ = start_memory(pg.url, pg.data_dir, fake=True)
    target = f"127.0.0.1:{runtime.app.port}"
    try:
        with grpc.insecure_channel(target) as channel:
            stub = pb_grpc.MemoryServiceStub(channel)
            stub.RecordItem(
                pb.RecordItemRequest(item=pb.LearningItem(kind="report_section", text="before the outage")),
                timeout=T,
            )
            assert health_status(target) == "SERVING"

            pg.stop()
            with pytest.raises(grpc.RpcError) as err:
                stub.GetSummary(pb.GetSummaryRequest(), timeout=T)
            assert err.value.code() == grpc.StatusCode.UNAVAILABLE
            assert "password" not in (err.value.details() or "").lower()
            with pytest.raises(grpc.RpcError) as err:
                stub.RecordItem(
                    pb.RecordItemRequest(item=pb.LearningItem(kind="report_section", text="during")),
                    timeout=T,
                )
            assert err.value.code() == grpc.StatusCode.UNAVAILABLE
            wait_until(lambda: health_status(target) == "NOT_SERVING", 5, what="NOT_SERVING")
            assert health_status(target, "aicmo.memory.v1.MemoryService") == "NOT_SERVING"

            pg.ensure_running()
            wait_until(lambda: health_status(target) == "SERVING", 10, what="SERVING again")
            summary = stub.GetSummary(pb.GetSummaryRequest(), timeout=T)
            assert summary.total_items == 1
            stub.RecordItem(
                pb.RecordItemRequest(item=pb.LearningItem(kind="report_section", text="after the outage")),
                timeout=T,
            )
            assert stub.GetSummary(pb.GetSummaryRequest(), timeout=T).total_items == 2
    finally:
        runtime.stop()
        pg.stop()
        shutil.rmtree(pg.data_dir, ignore_errors=True)


@pytest.mark.integration
def test_unreachable_database_at_start_is_a_clear_error(data_dir: Path) -> None:
    from services.memory.adapters.database import StorageError
    from services.memory.bootstrap import open_storage
    from services.memory.settings import MemorySettings

    port = free_port()  # nothing listens here
    settings = MemorySettings(
        memory_db=f"postgresql://aicmo:s3cret-pw@127.0.0.1:{port}/aicmo",  # type: ignore[arg-type]
        data_dir=data_dir,
        db_connect_timeout_seconds=1,
    )
    with pytest.raises(StorageError) as err:
        open_storage(settings, wait_seconds=1.5)
    message = str(err.value)
    assert f"127.0.0.1:{port}" in message and "cannot reach" in message
    assert "s3cret-pw" not in message


@pytest.mark.integration
def test_a_server_without_pgvector_is_refused_clearly(database_url: str) -> None:
    from services.memory.adapters.database import StorageError, check_pgvector, create_db_engine

    engine = create_db_engine(database_url)
    try:
        check_pgvector(engine, "db.example:5432")  # the embedded server has it
        # The same check for an extension this server lacks: what a server without pgvector looks like.
        with pytest.raises(StorageError) as err:
            check_pgvector(engine, "db.example:5432", extension="vector_missing_here")
    finally:
        engine.dispose()
    assert "does not provide the pgvector extension" in str(err.value)
    assert "AICMO_MEMORY_DB unset" in str(err.value)
