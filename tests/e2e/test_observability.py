"""Seeing inside the real stack: Prometheus metrics, one trace across gateway -> generator -> memory, and a
request id that follows a request through every log line and into its error response."""

from __future__ import annotations

import json
import threading
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent import futures
from pathlib import Path

import grpc
import pytest
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc

from tests.e2e.stack import StackProcess
from tests.support import new_data_dir, wait_until

BODY = {
    "client_brief": {"client_name": "Observed Client", "brand_name": "Observa", "industry": "Retail"},
    "package_key": "quick_social_basic",
}


class Collector(trace_service_pb2_grpc.TraceServiceServicer):
    """An OTLP/gRPC trace collector in the test process: keeps (service, trace id, span name) of each span."""

    def __init__(self) -> None:
        self.spans: list[tuple[str, str, str]] = []
        self._lock = threading.Lock()

    def Export(
        self, request: trace_service_pb2.ExportTraceServiceRequest, context: grpc.ServicerContext
    ) -> trace_service_pb2.ExportTraceServiceResponse:
        with self._lock:
            for resource_spans in request.resource_spans:
                service = next(
                    (
                        a.value.string_value
                        for a in resource_spans.resource.attributes
                        if a.key == "service.name"
                    ),
                    "",
                )
                for scope in resource_spans.scope_spans:
                    for span in scope.spans:
                        self.spans.append((service, span.trace_id.hex(), span.name))
        return trace_service_pb2.ExportTraceServiceResponse()

    def services_by_trace(self) -> dict[str, set[str]]:
        with self._lock:
            out: dict[str, set[str]] = {}
            for service, trace_id, _ in self.spans:
                out.setdefault(trace_id, set()).add(service)
            return out


@pytest.fixture(scope="module")
def collector() -> Iterator[tuple[Collector, int]]:
    server = grpc.server(futures.ThreadPoolExecutor(4))
    servicer = Collector()
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(servicer, server)  # type: ignore[no-untyped-call]
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield servicer, port
    server.stop(0)


@pytest.fixture(scope="module")
def traced_stack(collector: tuple[Collector, int]) -> Iterator[StackProcess]:
    _, port = collector
    stack = StackProcess(
        new_data_dir("observed"),
        extra_env={
            "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{port}",
            "OTEL_EXPORTER_OTLP_INSECURE": "true",
        },
    )
    stack.start()
    yield stack
    stack.stop()


def scrape(port: int, path: str = "/metrics") -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
        return str(response.read().decode())


def sample(text: str, name: str, **labels: str) -> float:
    """The value of the metric line with that name and (at least) those labels; 0 when absent."""
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        if all(f'{k}="{v}"' in line for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_metrics_move_for_the_methods_called_with_their_status(traced_stack: StackProcess) -> None:
    generator_port = traced_stack.ports["generator_metrics"]
    memory_port = traced_stack.ports["memory_metrics"]
    generate = {"grpc_service": "aicmo.generator.v1.GeneratorService", "grpc_method": "GenerateReport"}
    search = {"grpc_service": "aicmo.memory.v1.MemoryService", "grpc_method": "SearchItems"}
    before_ok = sample(scrape(generator_port), "grpc_server_handled_total", **generate, grpc_code="OK")
    before_bad = sample(
        scrape(memory_port), "grpc_server_handled_total", **search, grpc_code="INVALID_ARGUMENT"
    )

    assert traced_stack.post("/api/aicmo/generate_report", BODY).status == 200
    assert traced_stack.post("/api/learn/search", {"query": "loyalty"}).status == 200
    assert traced_stack.post("/api/learn/search", {"query": ""}).status == 400

    generator = scrape(generator_port)
    memory = scrape(memory_port)
    assert sample(generator, "grpc_server_handled_total", **generate, grpc_code="OK") == before_ok + 1
    assert sample(generator, "grpc_server_handling_seconds_count", **generate) >= 1
    assert sample(generator, "grpc_client_handled_total", grpc_method="SearchItems", grpc_code="OK") >= 1
    assert sample(generator, "aicmo_generation_stage_seconds_count", stage="total") >= 1
    assert "aicmo_spool_queued" in generator
    assert sample(memory, "grpc_server_handled_total", **search, grpc_code="OK") >= 2
    assert (
        sample(memory, "grpc_server_handled_total", **search, grpc_code="INVALID_ARGUMENT") == before_bad + 1
    )
    assert sample(memory, "grpc_server_handling_seconds_bucket", **search) >= 1
    assert sample(memory, "aicmo_embedding_seconds_count") >= 1
    assert sample(memory, "aicmo_embedding_batch_size_count") >= 1
    assert sample(memory, "aicmo_sql_seconds_count", statement="select") >= 1
    assert sample(memory, "aicmo_search_results_count") >= 1
    assert "# TYPE aicmo_items gauge" in memory  # items per kind (read at most every 30 s, so maybe not yet)
    assert sample(memory, "aicmo_database_bytes") > 0
    envoy = scrape(traced_stack.ports["gateway_admin"], "/stats/prometheus")
    assert "envoy_http_downstream_rq_total" in envoy


def test_one_trace_spans_gateway_generator_and_memory(
    traced_stack: StackProcess, collector: tuple[Collector, int]
) -> None:
    spans, _ = collector
    assert traced_stack.post("/api/aicmo/generate_report", BODY).status == 200

    def joined() -> bool:
        return any(
            {"aicmo-gateway", "aicmo-generator", "aicmo-memory"} <= services
            for services in spans.services_by_trace().values()
        )

    wait_until(joined, 60, interval=0.5, what="one trace with spans of the gateway, generator and memory")


def test_a_request_id_follows_the_request_into_logs_and_errors(traced_stack: StackProcess) -> None:
    request_id = f"req-{uuid.uuid4().hex[:12]}"
    report = traced_stack.post("/api/aicmo/generate_report", BODY, headers={"x-request-id": request_id})
    assert report.status == 200
    assert report.headers.get("x-request-id") == request_id

    logs = Path(traced_stack.data_dir) / "logs"

    def logged_by(name: str) -> bool:
        return request_id in (logs / f"{name}.log").read_text(errors="replace")

    wait_until(lambda: logged_by("generator") and logged_by("memory"), 30, what="the request id in both logs")
    for name in ("generator", "memory"):
        lines = [
            json.loads(line) for line in (logs / f"{name}.log").read_text().splitlines() if request_id in line
        ]
        assert lines and all(line["request_id"] == request_id for line in lines)

    def access() -> list[dict[str, object]]:
        return [
            json.loads(line)
            for line in (logs / "gateway-access.log").read_text().splitlines()
            if line.strip()
        ]

    wait_until(lambda: any(a["request_id"] == request_id for a in access()), 30, what="the access log line")
    mine = [a for a in access() if a["request_id"] == request_id]
    assert mine[0]["method"] == "POST" and mine[0]["path"] == "/api/aicmo/generate_report"
    assert mine[0]["status"] == 200 and "authorization" not in json.dumps(access()).lower()

    error_id = f"req-{uuid.uuid4().hex[:12]}"
    bad = traced_stack.post(
        "/api/learn/search", {"query": "x", "top_k": 99}, headers={"x-request-id": error_id}
    )
    assert bad.status == 400
    infos = [d for d in bad.json()["details"] if d["@type"].endswith("RequestInfo")]
    assert infos and infos[0]["request_id"] == error_id

    summary = traced_stack.get("/api/learn/debug/summary")
    assert summary.status == 200
    wait_until(
        lambda: any(
            json.loads(line)["method"] == "GET"
            for line in (logs / "gateway-access.log").read_text().splitlines()
            if "/api/learn/debug/summary" in line
        ),
        30,
        what="the access log to show the real method of a GET",
    )
