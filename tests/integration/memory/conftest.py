"""An in-process memory service on a free port, over a fresh database, reached through a real channel."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import grpc
import pytest
from aicmo.memory.v1 import memory_service_pb2_grpc as pb_grpc
from aicmo.memory.v1 import playbook_pb2_grpc as ppb_grpc

from services.memory.bootstrap import MemoryRuntime, create_runtime
from services.memory.settings import MemorySettings


@dataclass
class MemoryHarness:
    runtime: MemoryRuntime
    target: str
    stub: pb_grpc.MemoryServiceStub
    settings: MemorySettings
    # The client playbook (PlaybookService), on the same channel as `stub`.
    playbook: ppb_grpc.PlaybookServiceStub


def start_memory(database_url: str, data_dir: object, *, fake: bool) -> tuple[MemoryRuntime, MemorySettings]:
    settings = MemorySettings(
        memory_db=database_url,  # type: ignore[arg-type]
        data_dir=data_dir,  # type: ignore[arg-type]
        memory_port=0,
        fake_embeddings=fake,
        db_health_interval_seconds=0.2,
        auth="off",  # sign-in is tested through the whole stack
    )
    runtime = create_runtime(settings)
    runtime.app.start()
    runtime.health.start()
    return runtime, settings


@pytest.fixture(params=[True], ids=["fake-embeddings"])
def memory(request: pytest.FixtureRequest, database_url: str, data_dir: object) -> Iterator[MemoryHarness]:
    """Memory service with fast fake embeddings (real model tests ask for `real_memory`)."""
    yield from _harness(database_url, data_dir, fake=bool(request.param))


@pytest.fixture
def real_memory(database_url: str, data_dir: object) -> Iterator[MemoryHarness]:
    """Memory service with the real offline embedding model."""
    yield from _harness(database_url, data_dir, fake=False)


def _harness(database_url: str, data_dir: object, *, fake: bool) -> Iterator[MemoryHarness]:
    runtime, settings = start_memory(database_url, data_dir, fake=fake)
    target = f"127.0.0.1:{runtime.app.port}"
    channel = grpc.insecure_channel(target)
    try:
        yield MemoryHarness(
            runtime,
            target,
            pb_grpc.MemoryServiceStub(channel),
            settings,
            ppb_grpc.PlaybookServiceStub(channel),
        )
    finally:
        channel.close()
        runtime.stop()
