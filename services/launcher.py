"""The one launcher for local runs (`make run`): embedded Postgres (through the memory service), the memory
service, the generator, the Envoy REST gateway and the Streamlit UI, each its own process.

It waits until each is healthy before starting the next, prints the URLs, writes every log under
$AICMO_DATA_DIR/logs, and on Ctrl-C or SIGTERM stops everything it started in reverse order. A second run
afterwards finds the same learned data.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from pydantic import Field, SecretStr

from services.common.logging import configure_logging
from services.common.settings import CommonSettings

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger("launcher")


class StackSettings(CommonSettings):
    """The ports of the whole stack (each overridable: AICMO_MEMORY_PORT, AICMO_GENERATOR_PORT, ...)."""

    memory_port: int = 50052
    generator_port: int = 50051
    gateway_port: int = 8080
    ui_port: int = 8501
    embedded_pg_port: int = 54329
    memory_db: SecretStr | None = None
    start_ui: bool = True
    startup_timeout_seconds: float = Field(default=180.0, gt=0)


class StartupError(RuntimeError):
    pass


@dataclass
class Child:
    name: str
    argv: list[str]
    env: dict[str, str]
    log_path: Path
    ready: Callable[[], bool]
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as out:
            # Own session: a Ctrl-C at the terminal reaches only the launcher, which stops children in order.
            self.proc = subprocess.Popen(
                self.argv,
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = 30.0) -> None:
        if not self.alive():
            return
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            log.warning("%s did not stop within %.0fs; killing it", self.name, timeout)
            self.proc.kill()
            self.proc.wait()

    def log_tail(self, lines: int = 25) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def grpc_serving(target: str) -> Callable[[], bool]:
    def check() -> bool:
        with grpc.insecure_channel(target) as channel:
            try:
                response = health_pb2_grpc.HealthStub(channel).Check(
                    health_pb2.HealthCheckRequest(), timeout=1.0
                )
            except grpc.RpcError:
                return False
        return bool(response.status == health_pb2.HealthCheckResponse.SERVING)

    return check


def http_ok(url: str) -> Callable[[], bool]:
    def check() -> bool:
        try:
            with urllib.request.urlopen(url, timeout=2.0) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    return check


def port_in_use(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return True
    return False


class Stack:
    def __init__(self, settings: StackSettings) -> None:
        self.settings = settings
        self.children: list[Child] = []
        self.stop_requested = False

    def plan(self) -> list[Child]:
        s = self.settings
        logs = s.data_dir / "logs"
        py = sys.executable
        env = {
            **os.environ,
            "AICMO_DATA_DIR": str(s.data_dir),
            "AICMO_BIND_HOST": s.bind_host,
            "AICMO_MEMORY_PORT": str(s.memory_port),
            "AICMO_GENERATOR_PORT": str(s.generator_port),
            "AICMO_GATEWAY_PORT": str(s.gateway_port),
            "AICMO_UI_PORT": str(s.ui_port),
            "AICMO_EMBEDDED_PG_PORT": str(s.embedded_pg_port),
            "AICMO_MEMORY_TARGET": f"127.0.0.1:{s.memory_port}",
            "AICMO_GENERATOR_TARGET": f"127.0.0.1:{s.generator_port}",
            "AICMO_GATEWAY_URL": f"http://127.0.0.1:{s.gateway_port}",
        }
        children = [
            Child("memory", [py, "-m", "services.memory"], env, logs / "memory.log",
                  grpc_serving(f"127.0.0.1:{s.memory_port}")),
            Child("generator", [py, "-m", "services.generator"], env, logs / "generator.log",
                  grpc_serving(f"127.0.0.1:{s.generator_port}")),
            Child("gateway", [py, "-m", "gateway"], env, logs / "gateway.log",
                  http_ok(f"http://127.0.0.1:{s.gateway_port}/api/health")),
        ]  # fmt: skip
        if s.start_ui and (ROOT / "ui" / "app.py").exists():
            children.append(
                Child(
                    "ui",
                    [py, "-m", "streamlit", "run", "ui/app.py", "--server.port", str(s.ui_port),
                     "--server.address", s.bind_host, "--server.headless", "true",
                     "--browser.gatherUsageStats", "false", "--client.toolbarMode", "viewer"],
                    env,
                    logs / "ui.log",
                    http_ok(f"http://127.0.0.1:{s.ui_port}/_stcore/health"),
                )
            )  # fmt: skip
        return children

    def check_ports(self, children: list[Child]) -> None:
        s = self.settings
        wanted = {
            "memory": ("AICMO_MEMORY_PORT", s.memory_port),
            "generator": ("AICMO_GENERATOR_PORT", s.generator_port),
            "gateway": ("AICMO_GATEWAY_PORT", s.gateway_port),
            "ui": ("AICMO_UI_PORT", s.ui_port),
        }
        for child in children:
            variable, port = wanted[child.name]
            if port_in_use(s.bind_host, port):
                raise StartupError(
                    f"port {port} ({child.name}) is already in use on {s.bind_host}. Stop whatever holds it "
                    f"(is AICMO already running?) or choose another port with {variable}=..."
                )
        embedded_running = (s.data_dir / "postgres" / "postmaster.pid").exists()
        if not s.memory_db and not embedded_running and port_in_use("127.0.0.1", s.embedded_pg_port):
            raise StartupError(
                f"port {s.embedded_pg_port} (embedded Postgres) is already in use. "
                "Choose another with AICMO_EMBEDDED_PG_PORT=..."
            )

    def start(self) -> None:
        children = self.plan()
        self.check_ports(children)
        for child in children:
            log.info("starting %s (log: %s)", child.name, child.log_path)
            child.start()
            self.children.append(child)
            self._wait_ready(child)
            log.info("%s is ready", child.name)

    def _wait_ready(self, child: Child) -> None:
        deadline = time.monotonic() + self.settings.startup_timeout_seconds
        while time.monotonic() < deadline:
            if self.stop_requested:
                raise StartupError("interrupted")
            if not child.alive():
                raise StartupError(f"{child.name} exited during startup. Last log lines:\n{child.log_tail()}")
            if child.ready():
                return
            time.sleep(0.2)
        raise StartupError(f"{child.name} was not ready after {self.settings.startup_timeout_seconds:.0f}s")

    def stop(self) -> None:
        for child in reversed(self.children):
            if child.alive():
                log.info("stopping %s", child.name)
                child.stop()
        self.children.clear()

    def watch(self) -> int:
        while not self.stop_requested:
            for child in self.children:
                if not child.alive():
                    log.error("%s exited unexpectedly. Last log lines:\n%s", child.name, child.log_tail())
                    return 1
            time.sleep(0.5)
        return 0

    def banner(self) -> str:
        s = self.settings
        lines = ["", "AICMO is running:"]
        if any(c.name == "ui" for c in self.children):
            lines.append(f"  Operator UI     http://127.0.0.1:{s.ui_port}")
        lines += [
            f"  REST gateway    http://127.0.0.1:{s.gateway_port}   (try: curl http://127.0.0.1:{s.gateway_port}/api/health)",
            f"  generator gRPC  127.0.0.1:{s.generator_port}   (grpcurl -plaintext 127.0.0.1:{s.generator_port} list)",
            f"  memory gRPC     127.0.0.1:{s.memory_port}   (grpcurl -plaintext 127.0.0.1:{s.memory_port} list)",
            f"  data and logs   {s.data_dir}",
            "Press Ctrl-C to stop everything.",
            "",
        ]
        return "\n".join(lines)


def main() -> int:
    settings = StackSettings()
    configure_logging(settings.log_level, "text", service="launcher")
    if settings.api_token is None:
        log.warning(
            "AICMO_API_TOKEN is not set: the API is open to anyone who can reach it; binding to %s only",
            settings.bind_host,
        )
    stack = Stack(settings)

    def on_signal(signum: int, _frame: object) -> None:
        stack.stop_requested = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    started = time.monotonic()
    try:
        stack.start()
        print(stack.banner(), flush=True)
        log.info("healthy in %.1fs", time.monotonic() - started)
        code = stack.watch()
    except StartupError as exc:
        log.error("%s", exc)
        code = 1
    finally:
        stack.stop()
    log.info("stopped")
    return code


if __name__ == "__main__":
    sys.exit(main())
