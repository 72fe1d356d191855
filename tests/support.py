"""Helpers the tests share: free ports, an embedded Postgres for the session, service processes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

ROOT = Path(__file__).resolve().parent.parent
# Test data lives in the repo's git-ignored var/ (never in /tmp: the embedded server runs as another user
# when tests run as root, and must be able to reach it).
TEST_DATA_ROOT = ROOT / "var" / "test-runs"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# Directories this test session made (another session may be running beside it: leave its alone).
CREATED_DATA_DIRS: list[Path] = []


def new_data_dir(label: str) -> Path:
    path = TEST_DATA_ROOT / f"{label}-{uuid.uuid4().hex[:8]}"
    path.mkdir(parents=True)
    CREATED_DATA_DIRS.append(path)
    return path


def wait_until(
    predicate: Callable[[], bool], timeout: float, interval: float = 0.1, what: str = "condition"
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}")


def health_status(target: str, service: str = "", timeout: float = 1.0) -> str:
    """SERVING / NOT_SERVING / UNREACHABLE for a gRPC health check."""
    with grpc.insecure_channel(target) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        try:
            response = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=timeout)
        except grpc.RpcError:
            return "UNREACHABLE"
    return str(health_pb2.HealthCheckResponse.ServingStatus.Name(response.status))


class ServiceProcess:
    """A service run as `python -m MODULE` in its own process, as in production. Without sign-in
    (AICMO_AUTH=off) unless `env` says otherwise: sign-in is tested through the whole stack."""

    def __init__(self, module: str, env: Mapping[str, str], log_path: Path) -> None:
        self.module = module
        self.env = {**os.environ, "AICMO_AUTH": "off", **env}
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", self.module], cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()

    def wait_healthy(self, target: str, timeout: float = 60.0) -> None:
        def ready() -> bool:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"{self.module} exited with {self.proc.returncode}:\n{self.log()}")
            return health_status(target) == "SERVING"

        wait_until(ready, timeout, what=f"{self.module} to serve")

    def stop(self, timeout: float = 30.0) -> int:
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return int(self.proc.returncode)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def wait_until_embedded(summary: Callable[[], int], timeout: float = 60.0) -> None:
    """Waits until memory has embedded everything written so far (writes are acknowledged on commit and
    embedded in the background): `summary` returns GetSummary's embedding_backlog."""
    wait_until(lambda: summary() == 0, timeout, interval=0.1, what="memory to embed what was recorded")


def start_gateway(data_dir: Path, *, generator: str, memory: str, **env: str) -> tuple[ServiceProcess, str]:
    """Envoy (the real gateway) on a free port in front of `generator` and `memory` (host:port targets)."""
    port = free_port()
    process = ServiceProcess(
        "gateway",
        {
            "AICMO_DATA_DIR": str(data_dir),
            "AICMO_GATEWAY_PORT": str(port),
            # Envoy's admin port too: the default (9901) may be a running `make run`'s.
            "AICMO_GATEWAY_ADMIN_PORT": str(free_port()),
            "AICMO_GENERATOR_TARGET": generator,
            "AICMO_MEMORY_TARGET": memory,
            **env,
        },
        data_dir / "logs" / "gateway-process.log",
    )
    process.start()

    def listening() -> bool:
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", port)) == 0

    wait_until(listening, 30, what="envoy to listen")
    return process, f"http://127.0.0.1:{port}"
