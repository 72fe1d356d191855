"""A real memory service (real Postgres, real model) and a generator in front of it, over real channels."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
from aicmo.generator.v1 import generator_service_pb2 as pb
from aicmo.generator.v1 import generator_service_pb2_grpc as pb_grpc
from aicmo.memory.v1 import memory_service_pb2 as mpb
from aicmo.memory.v1 import memory_service_pb2_grpc as mpb_grpc

from services.generator.bootstrap import GeneratorRuntime, create_runtime
from services.generator.settings import GeneratorSettings
from services.memory.bootstrap import MemoryRuntime
from tests.integration.memory.conftest import start_memory
from tests.support import wait_until_embedded

T = 30.0


def brief(**overrides: Any) -> pb.ClientBrief:
    fields: dict[str, Any] = {
        "client_name": "Northwind Coffee Co.",
        "brand_name": "Northwind Roasters",
        "product_service": "single-origin coffee subscriptions",
        "industry": "Food & Beverage",
        "geography": "Pacific Northwest, USA",
        "audience": "urban professionals aged 25-40 who brew at home",
        "objectives": "grow subscriptions by 30% and launch a seasonal blend",
        "budget": "$60,000",
        "timeline": "8 weeks",
        "constraints": "no discounting beyond 15%",
        "raw_brief_text": "Northwind wants to own the home-brewing ritual for busy professionals.",
        "launch_date": "2026-03-02",
    }
    fields.update(overrides)
    return pb.ClientBrief(**fields)


def generate_request(package_key: str = "strategy_campaign_standard", **kw: Any) -> pb.GenerateReportRequest:
    b = kw.pop("client_brief", None) or brief()
    return pb.GenerateReportRequest(client_brief=b, package_key=package_key, **kw)


@dataclass
class Stack:
    memory_runtime: MemoryRuntime
    memory_target: str
    memory: mpb_grpc.MemoryServiceStub
    generator_runtime: GeneratorRuntime
    generator_target: str
    generator: pb_grpc.GeneratorServiceStub
    data_dir: Path


def start_generator(data_dir: Path, memory_target: str, **settings: Any) -> GeneratorRuntime:
    # Tests that expect "recorded" must hold on a busy machine too: wait for learning up to a minute unless
    # a test sets its own budget (tests of queued learning do).
    settings.setdefault("record_budget_ms", 60_000)
    settings.setdefault("retrieval_budget_ms", 10_000)  # a busy machine must not skip retrieval
    settings.setdefault("auth", "off")  # sign-in is tested through the whole stack
    config = GeneratorSettings(
        data_dir=data_dir,
        generator_port=0,
        memory_target=memory_target,
        spool_retry_seconds=0.2,
        **settings,
    )
    runtime = create_runtime(config)
    runtime.start()
    return runtime


StackFactory = Callable[..., Stack]


@pytest.fixture
def make_stack(database_url: str, data_dir: Path) -> Iterator[StackFactory]:
    """Builds memory + generator; generator settings can be overridden per test."""
    cleanups: list[Callable[[], None]] = []

    def build(**generator_settings: Any) -> Stack:
        memory_runtime, _ = start_memory(database_url, data_dir, fake=False)
        cleanups.append(memory_runtime.stop)
        memory_target = f"127.0.0.1:{memory_runtime.app.port}"
        generator_runtime = start_generator(data_dir, memory_target, **generator_settings)
        cleanups.append(generator_runtime.stop)
        memory_channel = grpc.insecure_channel(memory_target)
        generator_target = f"127.0.0.1:{generator_runtime.app.port}"
        generator_channel = grpc.insecure_channel(generator_target)
        cleanups.extend([memory_channel.close, generator_channel.close])
        return Stack(
            memory_runtime=memory_runtime,
            memory_target=memory_target,
            memory=mpb_grpc.MemoryServiceStub(memory_channel),
            generator_runtime=generator_runtime,
            generator_target=generator_target,
            generator=pb_grpc.GeneratorServiceStub(generator_channel),
            data_dir=data_dir,
        )

    yield build
    for cleanup in reversed(cleanups):
        cleanup()


@pytest.fixture
def stack(make_stack: StackFactory) -> Stack:
    return make_stack()


def embedded(stack: Stack) -> None:
    """Waits until memory has embedded every report recorded so far (searchable from then on)."""
    wait_until_embedded(
        lambda: int(stack.memory.GetSummary(mpb.GetSummaryRequest(), timeout=T).embedding_backlog)
    )
