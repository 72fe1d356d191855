"""Statuses when parts are down or slow (503, 504), access control (401), and no secret in any log."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import psycopg2
import pytest
from aicmo.memory.v1 import memory_service_pb2 as mpb
from aicmo.memory.v1 import memory_service_pb2_grpc as mpb_grpc

from tests.e2e.stack import StackProcess, http
from tests.integration.generator.conftest import start_generator
from tests.integration.generator.test_degradation import SlowProxy
from tests.integration.memory.conftest import start_memory
from tests.support import ROOT, free_port, new_data_dir, start_gateway


@pytest.fixture
def gateway_without_memory(data_dir: Path) -> Iterator[str]:
    dead_memory = f"127.0.0.1:{free_port()}"
    generator = start_generator(data_dir, dead_memory)
    gateway, url = start_gateway(data_dir, generator=f"127.0.0.1:{generator.app.port}", memory=dead_memory)
    yield url
    gateway.stop()
    generator.stop()


def test_memory_down_gives_503_naming_it(gateway_without_memory: str) -> None:
    health = http("GET", gateway_without_memory + "/api/health")
    assert health.status == 503
    assert "memory UNREACHABLE" in health.json()["message"]
    report = next(d for d in health.json()["details"] if d["@type"].endswith("CheckHealthResponse"))
    assert {c["name"]: c["state"] for c in report["components"]}["memory"] == "SERVING_STATE_UNREACHABLE"
    summary = http("GET", gateway_without_memory + "/api/learn/debug/summary")
    assert summary.status == 503 and "message" in summary.json()
    # Generation still works, learning is queued.
    report = http(
        "POST",
        gateway_without_memory + "/api/aicmo/generate_report",
        {"client_brief": {"client_name": "c", "brand_name": "b"}, "package_key": "quick_social_basic"},
    )
    assert report.status == 200 and report.json()["learning_status"] == "pending"


def test_slow_memory_past_the_route_timeout_gives_504(database_url: str, data_dir: Path) -> None:
    memory, _ = start_memory(database_url, data_dir, fake=True)
    proxy = SlowProxy(f"127.0.0.1:{memory.app.port}", delay=3.0)
    gateway, url = start_gateway(
        data_dir,
        generator=f"127.0.0.1:{free_port()}",
        memory=f"127.0.0.1:{proxy.port}",
        AICMO_GATEWAY_DEFAULT_TIMEOUT_SECONDS="1",
    )
    try:
        # Memory answers after 3 s, the route gives up after 1 s: a 504 (not the 200 that waiting would
        # give) is the timeout at work.
        response = http("GET", url + "/api/learn/debug/summary")
        assert response.status == 504 and "message" in response.json()
    finally:
        gateway.stop()
        proxy.stop()
        memory.stop()


@pytest.fixture
def password_db_url(embedded_pg: object) -> str:
    """A URL with a password (the embedded server trusts loopback, so any password is accepted)."""
    from services.memory.adapters.embedded_postgres import EmbeddedPostgres

    assert isinstance(embedded_pg, EmbeddedPostgres)
    name = f"auth_{int(time.time() * 1000)}"
    conn = psycopg2.connect(host=embedded_pg.host, port=embedded_pg.port, user="aicmo", dbname="postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    return f"postgresql://aicmo:Sup3r-Secret-DB-pw@{embedded_pg.host}:{embedded_pg.port}/{name}"


def test_sign_in_required_everywhere_but_health_and_never_logged(password_db_url: str) -> None:
    stack = StackProcess(new_data_dir("auth-stack"), extra_env={"AICMO_MEMORY_DB": password_db_url})
    try:
        stack.start()
        token = stack.admin_token()
        assert stack.get("/api/health", token=None).status == 200  # health stays open
        for path in ("/api/learn/debug/summary", "/api/aicmo/packages", "/api/learn/items"):
            missing = stack.get(path, token=None)
            assert missing.status == 401, path
            assert stack.get(path, token="wrong").status == 401
            assert stack.get(path, token=token).status == 200
        report = stack.post(
            "/api/aicmo/generate_report",
            {
                "client_brief": {"client_name": "Secretive", "brand_name": "Hush"},
                "package_key": "quick_social_basic",
            },
        )
        assert (
            report.status == 200 and report.json()["learning_status"] == "recorded"
        )  # generator → memory carries its own identity
        summary = stack.get("/api/learn/debug/summary").json()
        assert "Sup3r-Secret-DB-pw" not in summary["storage"] and "***" in summary["storage"]

        # Direct gRPC callers are held to it too.
        with grpc.insecure_channel(stack.memory_target) as channel:
            stub = mpb_grpc.MemoryServiceStub(channel)
            with pytest.raises(grpc.RpcError) as err:
                stub.GetSummary(mpb.GetSummaryRequest(), timeout=5)
            assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
            ok = stub.GetSummary(mpb.GetSummaryRequest(), timeout=5, metadata=stack.metadata(token))
            assert ok.total_items == 11
    finally:
        assert stack.stop() == 0
    logs = stack.all_logs()
    assert "Phase L: Using Postgres memory engine for learning" in logs
    assert "Sup3r-Secret-DB-pw" not in logs and token not in logs
    assert stack.env["AICMO_ADMIN_PASSWORD"] not in logs
    shutil.rmtree(stack.data_dir, ignore_errors=True)


def test_sign_in_is_on_by_default(running_stack: StackProcess) -> None:
    assert "AICMO_AUTH=off" not in running_stack.all_logs()
    assert running_stack.get("/api/learn/debug/summary", token=None).status == 401


def test_port_in_use_is_named(fresh_stack: StackProcess) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", fresh_stack.ports["gateway"]))
        taken.listen()
        result = subprocess.run(
            [sys.executable, "-m", "services.launcher"], cwd=ROOT, env=fresh_stack.env, capture_output=True,
            text=True, timeout=60,
        )  # fmt: skip
    assert result.returncode == 1
    output = result.stdout + result.stderr
    assert f"port {fresh_stack.ports['gateway']} (gateway) is already in use" in output
    assert "AICMO_GATEWAY_PORT" in output and "Traceback" not in output
