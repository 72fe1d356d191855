"""The Kubernetes design at run time, on loopback with real gRPC: the generator's channel spreads calls over
every address a headless Service name resolves to (round_robin over DNS), and the preStop hooks
(deploy/kubernetes/prestop.py) wait for what they promise and never longer than their bound.
"""

from __future__ import annotations

import http.server
import json
import os
import socket
import struct
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import grpc
import pytest
from aicmo.memory.v1 import memory_service_pb2 as mpb
from aicmo.memory.v1 import memory_service_pb2_grpc as mpb_grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from gateway.settings import GatewaySettings
from services.generator.adapters.memory_client import MemoryClient
from services.generator.adapters.spool import LearningSpool
from services.generator.domain.learned import PastWorkQuery
from services.generator.settings import GeneratorSettings

ROOT = Path(__file__).resolve().parents[2]
HOOK = ROOT / "deploy" / "kubernetes" / "prestop.py"
# Outcomes are waited for with bounds of many seconds: a busy machine is slow, never wrong.
BOUND_SECONDS = 30.0


# --- a stand-in memory service: health, SearchItems and BatchRecordItems over real gRPC -----------------------


@dataclass
class FakeMemory(mpb_grpc.MemoryServiceServicer):
    """The two MemoryService methods the generator's client and spool call (the others: UNIMPLEMENTED)."""

    name: str
    searches: Counter[str] = field(default_factory=Counter)
    recorded: list[int] = field(default_factory=list)
    # BatchRecordItems waits for this (set: answers at once).
    accept: threading.Event = field(default_factory=threading.Event)

    def SearchItems(
        self, request: mpb.SearchItemsRequest, context: grpc.ServicerContext
    ) -> mpb.SearchItemsResponse:
        self.searches[self.name] += 1
        return mpb.SearchItemsResponse()

    def BatchRecordItems(
        self, request: mpb.BatchRecordItemsRequest, context: grpc.ServicerContext
    ) -> mpb.BatchRecordItemsResponse:
        self.accept.wait(BOUND_SECONDS)
        self.recorded.append(len(request.requests))
        return mpb.BatchRecordItemsResponse()


@dataclass
class Served:
    memory: FakeMemory
    health: health.HealthServicer
    server: grpc.Server
    address: str


def serve_memory(name: str, host: str = "127.0.0.1", port: int = 0) -> Served:
    # Through Any: the generated stubs declare every method abstract, the generated class does not.
    memory: FakeMemory = cast(Any, FakeMemory)(name)
    memory.accept.set()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    mpb_grpc.add_MemoryServiceServicer_to_server(memory, server)
    checker = health.HealthServicer()
    checker.set("", health_pb2.HealthCheckResponse.SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(checker, server)
    bound = server.add_insecure_port(f"{host}:{port}")
    server.start()
    return Served(memory, checker, server, f"{host}:{bound}")


@pytest.fixture
def memories() -> Iterator[list[Served]]:
    started: list[Served] = []
    yield started
    for served in started:
        served.server.stop(0)


def search_until_every_replica_answered(client: MemoryClient, replicas: list[Served]) -> Counter[str]:
    seen: Counter[str] = Counter()
    deadline = time.monotonic() + BOUND_SECONDS
    while time.monotonic() < deadline:
        query = PastWorkQuery(text="loyalty", for_client_id="", top_k=1, min_score=0.0, kinds=())
        client.search(query, timeout=5)
        seen = sum((served.memory.searches for served in replicas), Counter())
        if len(seen) == len(replicas) and min(seen.values()) >= 3:
            break
    return seen


def test_the_memory_client_spreads_calls_over_every_address(memories: list[Served]) -> None:
    memories += [serve_memory("a"), serve_memory("b"), serve_memory("c")]
    client = MemoryClient("ipv4:" + ",".join(served.address for served in memories))
    try:
        seen = search_until_every_replica_answered(client, memories)
    finally:
        client.close()
    assert set(seen) == {"a", "b", "c"}, f"calls went to {dict(seen)} only"


# A DNS server on loopback that answers every A query with several addresses, as cluster DNS answers for a
# headless Service with one address per ready pod.
class HeadlessDns:
    def __init__(self, addresses: list[str]) -> None:
        self.addresses = addresses
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = int(self.sock.getsockname()[1])
        self.queries = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                query, client = self.sock.recvfrom(512)
            except TimeoutError:
                continue
            self.queries += 1
            (ident,) = struct.unpack("!H", query[:2])
            end = 12
            while query[end] != 0:
                end += query[end] + 1
            question = query[12 : end + 5]
            qtype = struct.unpack("!H", query[end + 1 : end + 3])[0]
            answers = self.addresses if qtype == 1 else []  # A only; AAAA and others: no records
            header = struct.pack("!HHHHHH", ident, 0x8180, 1, len(answers), 0, 0)
            records = b"".join(
                struct.pack("!HHHIH", 0xC00C, 1, 1, 5, 4) + socket.inet_aton(address) for address in answers
            )
            self.sock.sendto(header + question + records, client)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()


def test_the_memory_client_balances_over_a_headless_service_name(memories: list[Served]) -> None:
    """dns:///NAME:PORT, as AICMO_MEMORY_TARGET is in Kubernetes: every A record becomes a backend."""
    first = serve_memory("pod-1", "127.0.0.1")
    memories.append(first)
    port = int(first.address.rpartition(":")[2])
    try:
        memories.append(serve_memory("pod-2", "127.0.0.2", port))
    except RuntimeError:
        pytest.skip("127.0.0.2 cannot be bound here")
    dns = HeadlessDns(["127.0.0.1", "127.0.0.2"])
    # The authority names the DNS server to ask (the pod's resolv.conf in a cluster).
    client = MemoryClient(f"dns://127.0.0.1:{dns.port}/memory-headless:{port}")
    try:
        seen = search_until_every_replica_answered(client, memories)
    finally:
        client.close()
        dns.close()
    assert dns.queries >= 1
    assert set(seen) == {"pod-1", "pod-2"}, f"calls went to {dict(seen)} only"


# --- the preStop hooks ----------------------------------------------------------------------------------------


@dataclass
class HookRun:
    process: subprocess.Popen[str]
    started: float

    def finish(self) -> tuple[int, float, list[dict[str, object]]]:
        out, err = self.process.communicate(timeout=BOUND_SECONDS + 30)
        elapsed = time.monotonic() - self.started
        lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
        assert self.process.returncode == 0, err[-2000:]
        return self.process.returncode, elapsed, lines


def start_hook(*args: str, env: dict[str, str]) -> HookRun:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("AICMO_")}
    full_env.update(env)
    full_env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "gen")])
    process = subprocess.Popen(
        [sys.executable, str(HOOK), *args],
        cwd=ROOT,
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return HookRun(process, time.monotonic())


def spool_for(data_dir: Path, target: str) -> tuple[LearningSpool, MemoryClient]:
    settings = GeneratorSettings(data_dir=data_dir, memory_target=target)
    client = MemoryClient(target)
    spool = LearningSpool(
        settings.spool_dir,
        client.deliver,
        retry_seconds=0.5,
    )
    return spool, client


def a_batch(title: str) -> mpb.BatchRecordItemsRequest:
    item = mpb.LearningItem(title=title, client_id="northwind")
    return mpb.BatchRecordItemsRequest(requests=[mpb.RecordItemRequest(item=item)])


def test_the_generator_hook_waits_until_the_spool_is_delivered(
    memories: list[Served], tmp_path: Path
) -> None:
    served = serve_memory("memory")
    memories.append(served)
    served.memory.accept.clear()  # memory is up but has not acknowledged anything yet
    spool, client = spool_for(tmp_path, served.address)
    for n in range(3):
        spool.enqueue(a_batch(f"report {n}"), f"report-{n}")
    spool.start()
    try:
        run = start_hook(
            "generator",
            "0.5",
            str(BOUND_SECONDS),
            env={"AICMO_DATA_DIR": str(tmp_path), "AICMO_MEMORY_TARGET": served.address},
        )
        time.sleep(3)
        assert run.process.poll() is None, "the hook returned while the spool still held batches"
        served.memory.accept.set()
        _, elapsed, lines = run.finish()
    finally:
        spool.stop()
        client.close()
    assert spool.pending() == 0
    assert len(served.memory.recorded) >= 3
    assert elapsed < BOUND_SECONDS, "the hook waited for its bound, not for the spool"
    assert lines[0]["queued"] == 3
    assert lines[-1]["message"] == "preStop: learning spool empty"
    assert all(line["service"] == "generator" and line["logger"] == "prestop" for line in lines)


def test_the_generator_hook_keeps_the_spool_when_memory_is_not_serving(
    memories: list[Served], tmp_path: Path
) -> None:
    served = serve_memory("memory")
    memories.append(served)
    served.health.set("", health_pb2.HealthCheckResponse.NOT_SERVING)  # e.g. its database is down
    spool = LearningSpool(GeneratorSettings(data_dir=tmp_path).spool_dir, lambda batch, timeout: None)
    for n in range(2):
        spool.enqueue(a_batch(f"report {n}"), f"report-{n}")
    run = start_hook(
        "generator",
        "0.5",
        str(BOUND_SECONDS),
        env={"AICMO_DATA_DIR": str(tmp_path), "AICMO_MEMORY_TARGET": served.address},
    )
    _, elapsed, lines = run.finish()
    assert elapsed < BOUND_SECONDS, "waiting cannot help while memory is not serving"
    assert spool.pending() == 2, "nothing is lost: the batches stay on the volume"
    assert lines[-1]["severity"] == "WARNING"
    assert "memory is not serving" in str(lines[-1]["message"])


def test_the_generator_hook_with_an_empty_spool_waits_only_to_leave_the_service(tmp_path: Path) -> None:
    run = start_hook(
        "generator",
        "1",
        str(BOUND_SECONDS),
        env={"AICMO_DATA_DIR": str(tmp_path), "AICMO_MEMORY_TARGET": "127.0.0.1:9"},
    )
    _, elapsed, lines = run.finish()
    assert 1 <= elapsed < BOUND_SECONDS
    assert lines[-1]["message"] == "preStop: learning spool empty"


class FakeEnvoyAdmin(http.server.ThreadingHTTPServer):
    """Envoy's admin /stats?format=json for the REST listener's requests in flight."""

    def __init__(self, active: list[int]) -> None:
        self.active = active  # successive answers; the last one repeats
        self.asked = 0
        super().__init__(("127.0.0.1", 0), self.Handler)

    class Handler(http.server.BaseHTTPRequestHandler):
        server: FakeEnvoyAdmin

        def do_GET(self) -> None:
            admin = self.server
            value = admin.active[min(admin.asked, len(admin.active) - 1)]
            admin.asked += 1
            assert "downstream_rq_active" in self.path
            body = json.dumps(
                {"stats": [{"name": "http.rest.downstream_rq_active", "value": value}]}
            ).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass


needs_admin_port = pytest.mark.skipif(
    "gateway_admin_port" not in GatewaySettings.model_fields,
    reason="the gateway's Envoy admin has no fixed port",
)


@needs_admin_port
def test_the_gateway_hook_waits_for_requests_in_flight() -> None:
    admin = FakeEnvoyAdmin([2, 1, 1, 0])
    thread = threading.Thread(target=admin.serve_forever, daemon=True)
    thread.start()
    try:
        run = start_hook(
            "gateway",
            "0.5",
            str(BOUND_SECONDS),
            env={"AICMO_GATEWAY_ADMIN_PORT": str(admin.server_address[1])},
        )
        _, elapsed, lines = run.finish()
    finally:
        admin.shutdown()
    assert admin.asked >= 4, "the hook returned before the last request finished"
    assert elapsed < BOUND_SECONDS
    assert lines[-1]["message"] == "preStop: no request in flight"


@needs_admin_port
def test_the_gateway_hook_gives_up_at_its_bound() -> None:
    admin = FakeEnvoyAdmin([1])  # a request that never finishes
    thread = threading.Thread(target=admin.serve_forever, daemon=True)
    thread.start()
    try:
        run = start_hook(
            "gateway", "0.5", "3", env={"AICMO_GATEWAY_ADMIN_PORT": str(admin.server_address[1])}
        )
        _, elapsed, lines = run.finish()
    finally:
        admin.shutdown()
    assert 2 <= elapsed < BOUND_SECONDS
    assert lines[-1]["severity"] == "WARNING" and lines[-1]["active"] == 1


def test_a_hook_never_keeps_a_pod_from_stopping(tmp_path: Path) -> None:
    # Without an Envoy admin to ask, the gateway hook waits only the minimum.
    run = start_hook("gateway", "0.5", str(BOUND_SECONDS), env={"AICMO_GATEWAY_ADMIN_PORT": "9"})
    _, elapsed, _ = run.finish()
    assert elapsed < BOUND_SECONDS
    # A broken setting: logged, and the pod stops normally (exit 0).
    run = start_hook(
        "generator", "0", "1", env={"AICMO_DATA_DIR": str(tmp_path), "AICMO_RETRIEVAL_BUDGET_MS": "nope"}
    )
    _, _, lines = run.finish()
    assert lines[-1]["severity"] == "ERROR"
    usage = subprocess.run(
        [sys.executable, str(HOOK), "ui"], capture_output=True, text=True, timeout=60, check=False
    )
    assert usage.returncode == 2 and "usage" in usage.stderr
