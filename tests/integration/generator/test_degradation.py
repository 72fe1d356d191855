"""A slow or absent memory service degrades a report; it never hangs or loses it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent import futures
from pathlib import Path

import grpc
import pytest
from aicmo.generator.v1 import generator_service_pb2 as pb
from aicmo.generator.v1 import generator_service_pb2_grpc as pb_grpc
from aicmo.memory.v1 import memory_service_pb2 as mpb
from aicmo.memory.v1 import memory_service_pb2_grpc as mpb_grpc
from grpc_status import rpc_status

from tests.integration.generator.conftest import T, brief, generate_request, start_generator
from tests.integration.memory.conftest import start_memory
from tests.support import free_port, wait_until

SLOW_DELAY = 30.0  # seconds a slow memory takes to answer


class SlowProxy:
    """A real gRPC server that forwards every unary call to `upstream` after `delay` seconds."""

    def __init__(self, upstream: str, delay: float) -> None:
        self.delay = delay
        self._stopped = threading.Event()
        self._channel = grpc.insecure_channel(upstream)
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
        self.server.add_generic_rpc_handlers(
            [grpc.method_handlers_generic_handler("aicmo.memory.v1.MemoryService", {})]
        )
        self.server.add_generic_rpc_handlers([_Forward(self)])
        self.port = self.server.add_insecure_port("127.0.0.1:0")
        self.server.start()

    def forward(self, method: str, request: bytes, context: grpc.ServicerContext) -> bytes:
        if self._stopped.wait(self.delay):  # stopping: do not hold a thread for the rest of the delay
            context.abort(grpc.StatusCode.UNAVAILABLE, "proxy stopped")
        call = self._channel.unary_unary(method)
        response: bytes = call(request, timeout=30)
        return response

    def stop(self) -> None:
        self._stopped.set()
        self.server.stop(0)
        self._channel.close()


class _Forward(grpc.GenericRpcHandler):  # type: ignore[misc]
    def __init__(self, proxy: SlowProxy) -> None:
        self._proxy = proxy

    def service(self, details: grpc.HandlerCallDetails) -> grpc.RpcMethodHandler | None:
        method = details.method
        return grpc.unary_unary_rpc_method_handler(lambda req, ctx: self._proxy.forward(method, req, ctx))


@pytest.fixture
def memory_port() -> int:
    return free_port()


def run_memory(database_url: str, data_dir: Path, port: int) -> object:
    from services.memory.bootstrap import create_runtime
    from services.memory.settings import MemorySettings

    settings = MemorySettings(
        memory_db=database_url,  # type: ignore[arg-type]
        data_dir=data_dir,
        memory_port=port,
        db_health_interval_seconds=0.2,
    )
    runtime = create_runtime(settings)
    runtime.app.start()
    runtime.health.start()
    return runtime


def memory_summary(target: str) -> mpb.GetSummaryResponse:
    with grpc.insecure_channel(target) as channel:
        response: mpb.GetSummaryResponse = mpb_grpc.MemoryServiceStub(channel).GetSummary(
            mpb.GetSummaryRequest(), timeout=T
        )
    return response


def test_memory_down_then_back_delivers_exactly_once(
    database_url: str, data_dir: Path, memory_port: int
) -> None:
    target = f"127.0.0.1:{memory_port}"
    generator = start_generator(data_dir, target)  # memory is not running yet
    try:
        with grpc.insecure_channel(f"127.0.0.1:{generator.app.port}") as channel:
            stub = pb_grpc.GeneratorServiceStub(channel)
            report = stub.GenerateReport(generate_request(), timeout=T)  # degraded, not hung
            assert len(report.sections) == 17
            assert report.learning_status == "pending"
            assert report.retrieval_state == pb.RETRIEVAL_STATE_SKIPPED_UNAVAILABLE
            assert report.learning_state == pb.LEARNING_STATE_QUEUED
            assert generator.spool.pending() == 1
            with pytest.raises(grpc.RpcError) as err:
                stub.CheckHealth(pb.CheckHealthRequest(), timeout=T)
            assert err.value.code() == grpc.StatusCode.UNAVAILABLE
            # The failure still says what is up and what is down, component by component.
            status = rpc_status.from_call(err.value)
            assert status is not None
            health = pb.CheckHealthResponse()
            assert status.details[0].Unpack(health)
            assert [(c.name, c.state) for c in health.components] == [
                ("generator", pb.SERVING_STATE_SERVING),
                ("memory", pb.SERVING_STATE_UNREACHABLE),
                ("database", pb.SERVING_STATE_UNKNOWN),
            ]
            assert health.state == pb.SERVING_STATE_NOT_SERVING and health.pending_learning == 1

            memory = run_memory(database_url, data_dir, memory_port)
            try:
                wait_until(lambda: generator.spool.pending() == 0, 20, what="the spool to drain")
                summary = memory_summary(target)
                assert dict(summary.per_kind) == {"full_report": 1, "report_section": 17}
                time.sleep(1.0)  # further retries must not add rows
                assert memory_summary(target).total_items == 18
                assert stub.CheckHealth(pb.CheckHealthRequest(), timeout=T).state == pb.SERVING_STATE_SERVING
            finally:
                memory.stop()  # type: ignore[attr-defined]
    finally:
        generator.stop()


def test_spool_survives_a_generator_restart(database_url: str, data_dir: Path, memory_port: int) -> None:
    target = f"127.0.0.1:{memory_port}"
    generator = start_generator(data_dir, target)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{generator.app.port}") as channel:
            stub = pb_grpc.GeneratorServiceStub(channel)
            for brand in ("Northwind Roasters", "Northwind Cold Brew"):
                request = generate_request(client_brief=brief(client_name=f"{brand} Ltd", brand_name=brand))
                assert stub.GenerateReport(request, timeout=T).learning_status == "pending"
    finally:
        generator.stop()
    assert len(list((data_dir / "generator" / "spool").glob("*.pb"))) == 2

    memory = run_memory(database_url, data_dir, memory_port)
    try:
        restarted = start_generator(data_dir, target)
        try:
            wait_until(lambda: restarted.spool.pending() == 0, 20, what="the spool to drain after restart")
            assert dict(memory_summary(target).per_kind) == {"full_report": 2, "report_section": 34}
        finally:
            restarted.stop()
    finally:
        memory.stop()  # type: ignore[attr-defined]


@pytest.fixture
def slow_memory(database_url: str, data_dir: Path) -> Iterator[SlowProxy]:
    runtime, _ = start_memory(database_url, data_dir, fake=False)
    proxy = SlowProxy(f"127.0.0.1:{runtime.app.port}", delay=SLOW_DELAY)
    yield proxy
    proxy.stop()
    runtime.stop()


def test_slow_memory_costs_the_retrieval_budget_not_the_delay(slow_memory: SlowProxy, data_dir: Path) -> None:
    generator = start_generator(
        data_dir, f"127.0.0.1:{slow_memory.port}", retrieval_budget_ms=200, record_budget_ms=200
    )
    try:
        with grpc.insecure_channel(f"127.0.0.1:{generator.app.port}") as channel:
            stub = pb_grpc.GeneratorServiceStub(channel)
            started = time.monotonic()
            report = stub.GenerateReport(generate_request(), timeout=T)
            elapsed = time.monotonic() - started
    finally:
        generator.stop()
    assert len(report.sections) == 17
    # Memory answers only after SLOW_DELAY, far longer than any busy machine needs for a report.
    assert elapsed < SLOW_DELAY / 2, f"took {elapsed:.2f}s: waited on the slow memory"
    assert report.timings["retrieve_ms"] < SLOW_DELAY * 1000 / 4
    assert report.retrieval_state == pb.RETRIEVAL_STATE_SKIPPED_SLOW
    assert report.learning_status == "pending"


def test_caller_deadline_shorter_than_default_is_honoured(slow_memory: SlowProxy, data_dir: Path) -> None:
    # Budgets larger than the caller's deadline: the caller's deadline must win.
    generator = start_generator(
        data_dir, f"127.0.0.1:{slow_memory.port}", retrieval_budget_ms=10_000, record_budget_ms=10_000
    )
    try:
        with grpc.insecure_channel(f"127.0.0.1:{generator.app.port}") as channel:
            stub = pb_grpc.GeneratorServiceStub(channel)
            # Had the generator waited on memory (budgets of 10 s, memory answering after SLOW_DELAY), this
            # call would end in DEADLINE_EXCEEDED: a report coming back is the caller's deadline honoured.
            report = stub.GenerateReport(generate_request(), timeout=8.0)
    finally:
        generator.stop()
    assert len(report.sections) == 17
    assert report.learning_status == "pending"
