"""Vectors from different models are never mixed: a switch is refused until a re-embed; fakes are flagged."""

from __future__ import annotations

import logging
from pathlib import Path

import grpc
import pytest
from aicmo.memory.v1 import memory_service_pb2 as pb
from aicmo.memory.v1 import memory_service_pb2_grpc as pb_grpc

from services.memory.adapters.database import StorageError
from services.memory.bootstrap import build_service, open_storage
from services.memory.settings import MemorySettings
from tests.integration.memory.conftest import start_memory

T = 10.0


@pytest.mark.integration
def test_model_switch_is_refused_until_reembedded(database_url: str, data_dir: Path) -> None:
    runtime, _ = start_memory(database_url, data_dir, fake=True)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{runtime.app.port}") as channel:
            stub = pb_grpc.MemoryServiceStub(channel)
            for text in (
                "Referral program for a meal-kit startup",
                "Trade show plan for an industrial robot maker",
            ):
                stub.RecordItem(
                    pb.RecordItemRequest(item=pb.LearningItem(kind="report_section", text=text)), timeout=T
                )
    finally:
        runtime.stop()

    # Same database, real model now: refused, with the way out in the message.
    with pytest.raises(StorageError) as err:
        start_memory(database_url, data_dir, fake=False)
    message = str(err.value)
    assert "2 item(s) embedded with 'fake-hash-384'" in message
    assert "'all-MiniLM-L6-v2'" in message and "make reembed" in message

    # The documented re-embed command's code path, then the real model starts and finds things by meaning.
    settings = MemorySettings(memory_db=database_url, data_dir=data_dir)  # type: ignore[arg-type]
    storage = open_storage(settings)
    try:
        assert build_service(settings, storage).reembed_all() == 2
    finally:
        storage.close()
    runtime, _ = start_memory(database_url, data_dir, fake=False)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{runtime.app.port}") as channel:
            stub = pb_grpc.MemoryServiceStub(channel)
            summary = stub.GetSummary(pb.GetSummaryRequest(), timeout=T)
            assert summary.embedding_model == "all-MiniLM-L6-v2" and not summary.fake_embeddings
            hits = stub.SearchItems(
                pb.SearchItemsRequest(query="invite a friend discount for food boxes"), timeout=T
            )
            assert hits.results[0].item.text == "Referral program for a meal-kit startup"
            assert hits.results[0].item.embedding_model == "all-MiniLM-L6-v2"
    finally:
        runtime.stop()


@pytest.mark.integration
def test_fake_embeddings_are_flagged_loudly(
    database_url: str, data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    runtime, _ = start_memory(database_url, data_dir, fake=True)
    try:
        assert any("FAKE EMBEDDINGS IN USE" in r.getMessage() for r in caplog.records), "warned on start"
        caplog.clear()
        with grpc.insecure_channel(f"127.0.0.1:{runtime.app.port}") as channel:
            stub = pb_grpc.MemoryServiceStub(channel)
            summary = stub.GetSummary(pb.GetSummaryRequest(), timeout=T)
            assert summary.fake_embeddings and summary.embedding_model == "fake-hash-384"
            assert any("FAKE EMBEDDINGS" in w for w in summary.warnings)
            results = stub.SearchItems(pb.SearchItemsRequest(query="anything"), timeout=T)
            assert any("FAKE EMBEDDINGS" in w for w in results.warnings)
        assert any("FAKE EMBEDDINGS IN USE" in r.getMessage() for r in caplog.records), "warned on search"
    finally:
        runtime.stop()


@pytest.mark.integration
def test_openai_embeddings_through_the_real_sdk(database_url: str, data_dir: Path) -> None:
    from services.memory.bootstrap import create_runtime
    from tests.openai_stub_server import OpenAIStubServer

    server = OpenAIStubServer()
    settings = MemorySettings(
        memory_db=database_url,  # type: ignore[arg-type]
        data_dir=data_dir,
        memory_port=0,
        embedding_provider="openai",
        openai_api_key="sk-embed-test",  # type: ignore[arg-type]
        openai_base_url=server.base_url,
    )
    runtime = create_runtime(settings)
    runtime.app.start()
    try:
        with grpc.insecure_channel(f"127.0.0.1:{runtime.app.port}") as channel:
            stub = pb_grpc.MemoryServiceStub(channel)
            text = "Podcast sponsorship plan for a craft brewery"
            stub.RecordItem(
                pb.RecordItemRequest(item=pb.LearningItem(kind="report_section", text=text)), timeout=T
            )
            hits = stub.SearchItems(pb.SearchItemsRequest(query=text), timeout=T)
            assert hits.embedding_model == "openai/text-embedding-3-small"
            assert hits.results[0].item.text == text and hits.results[0].similarity > 0.99
            summary = stub.GetSummary(pb.GetSummaryRequest(), timeout=T)
            assert summary.embedding_dimensions == 1536 and not summary.fake_embeddings
        assert server.embedding_requests[0]["model"] == "text-embedding-3-small"
        assert set(server.auth_headers) == {"Bearer sk-embed-test"}
    finally:
        runtime.stop()
        server.stop()
