"""The one launcher for local runs (`make run`): the embedded Postgres, the memory service, the generator, the
Envoy REST gateway and the Streamlit UI, each its own process.

It waits until each is healthy before starting the next, prints the URLs and writes every log under
$AICMO_DATA_DIR/logs. Then it supervises: a child that exits (a crash, a kill -9, an OOM kill) is logged
with its exit code or signal and started again after an exponential backoff while the others keep serving;
a child that needs more than AICMO_RESTART_LIMIT restarts within AICMO_RESTART_WINDOW_SECONDS is given up
on, loudly (and with AICMO_EXIT_ON_GIVE_UP=1 the whole stack stops). On Ctrl-C, SIGTERM or SIGHUP, on a
startup failure and after giving up, it stops everything in reverse order (Postgres last) and logs how
often each child was restarted. A second run afterwards finds the same learned data.

The launcher owns the embedded Postgres (the postmaster is its child, so its exit status is known and a
killed postmaster is restarted like any other child); it tells the memory service so with
AICMO_EMBEDDED_PG_SUPERVISED=1, and the memory service then waits for the server instead of starting one.
"""

from __future__ import annotations

import abc
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from pydantic import Field, SecretStr

from services.common import ports
from services.common.logging import configure_logging
from services.common.settings import CommonSettings, load_settings
from services.memory.adapters.embedded_postgres import (
    SUPERVISED_ENV,
    EmbeddedPostgres,
    EmbeddedPostgresError,
    pid_alive,
)

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger("launcher")


class StackSettings(CommonSettings):
    """The ports of the whole stack (each overridable: AICMO_MEMORY_PORT, AICMO_GENERATOR_PORT, ...)."""

    memory_port: int = ports.MEMORY_GRPC
    generator_port: int = ports.GENERATOR_GRPC
    gateway_port: int = ports.GATEWAY_HTTP
    ui_port: int = ports.UI_HTTP
    embedded_pg_port: int = ports.EMBEDDED_POSTGRES
    gateway_admin_port: int = ports.GATEWAY_ADMIN
    memory_db: SecretStr | None = None
    start_ui: bool = True
    startup_timeout_seconds: float = Field(default=180.0, gt=0)
    # Supervision: a crashed child is restarted after a backoff that starts here and doubles per crash
    # (capped), back to the start once the child has run for a whole window; more than `restart_limit`
    # restarts within the window is a crash loop, and the launcher gives up on that child.
    restart_limit: int = Field(default=5, ge=0)
    restart_window_seconds: float = Field(default=60.0, gt=0)
    restart_backoff_seconds: float = Field(default=0.5, gt=0)
    restart_backoff_max_seconds: float = Field(default=30.0, gt=0)
    # Stop the whole stack (exit 1) when giving up on a child, e.g. for an outer supervisor to act on.
    exit_on_give_up: bool = False
    # How long a child gets to stop on SIGTERM before it is killed.
    stop_timeout_seconds: float = Field(default=30.0, gt=0)


class StartupError(RuntimeError):
    pass


def describe_exit(returncode: int) -> str:
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"was killed by {name}"
    return f"exited with code {returncode}"


class Child(abc.ABC):
    """What the launcher starts, watches and stops (ProcessChild, PostgresChild)."""

    name: str
    log_path: Path

    @abc.abstractmethod
    def start(self) -> None: ...

    @abc.abstractmethod
    def alive(self) -> bool: ...

    @abc.abstractmethod
    def ready(self) -> bool:
        """Healthy, checked once at start-up (before the next child starts)."""

    def answering(self) -> bool:
        """Up again after a restart: answering its health check, whatever the state of what it depends on
        (a restarted memory service may be NOT_SERVING while Postgres is down, and still be up)."""
        return self.ready()

    @abc.abstractmethod
    def stop(self, timeout: float = 30.0) -> None: ...

    @abc.abstractmethod
    def pid(self) -> int | None: ...

    @abc.abstractmethod
    def exit_reason(self) -> str: ...

    def log_tail(self, lines: int = 25) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


@dataclass
class ProcessChild(Child):
    """A service run as its own process (`python -m ...`)."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log_path: Path
    ready_check: Callable[[], bool]
    answer_check: Callable[[], bool] | None = None
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

    def ready(self) -> bool:
        return self.ready_check()

    def answering(self) -> bool:
        return (self.answer_check or self.ready_check)()

    def pid(self) -> int | None:
        return None if self.proc is None else self.proc.pid

    def exit_reason(self) -> str:
        if self.proc is None or self.proc.returncode is None:
            return "is not running"
        return describe_exit(self.proc.returncode)

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


class PostgresChild(Child):
    """The embedded Postgres: the postmaster runs as the launcher's own child (as the service user when
    the launcher is root). One already running on the data directory (say, left by a launcher that was
    killed) is adopted: watched by its pid, stopped with pg_ctl."""

    name = "postgres"

    def __init__(self, server: EmbeddedPostgres) -> None:
        self.server = server
        self.log_path = server.log_file
        self.proc: subprocess.Popen[bytes] | None = None
        self.adopted: int | None = None

    def start(self) -> None:
        self.server.prepare()
        running = self.server.postmaster_pid()
        if running is not None:
            log.info("adopting the embedded Postgres already running on its data directory (pid %d)", running)
            self.proc, self.adopted = None, running
            return
        self.adopted = None
        self.proc = self.server.spawn_postmaster()

    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else self.adopted

    def alive(self) -> bool:
        if self.proc is not None:
            return self.proc.poll() is None
        return self.adopted is not None and pid_alive(self.adopted)

    def ready(self) -> bool:
        if not self.server.accepting(timeout=1):
            return False
        self.server.ensure_database()
        return True

    def exit_reason(self) -> str:
        if self.proc is not None and self.proc.returncode is not None:
            return describe_exit(self.proc.returncode)
        return "exited (it was running before this launcher started, so its exit status is unknown)"

    def stop(self, timeout: float = 30.0) -> None:
        if not self.alive():
            return
        if self.proc is None:
            self.server.stop()  # pg_ctl, fast shutdown
            return
        # SIGINT: fast shutdown (transactions in flight roll back, committed data is safe); then
        # SIGQUIT: immediate shutdown (crash recovery on the next start); then SIGKILL.
        for sig, wait in ((signal.SIGINT, timeout), (signal.SIGQUIT, 10.0)):
            self.proc.send_signal(sig)
            try:
                self.proc.wait(wait)
                log.info("embedded Postgres stopped")
                return
            except subprocess.TimeoutExpired:
                log.warning("embedded Postgres did not stop within %.0fs after %s", wait, sig.name)
        self.proc.kill()
        self.proc.wait()


@dataclass
class Supervision:
    """Restart bookkeeping for one child."""

    backoff: float
    restarts: int = 0
    recent: deque[float] = field(default_factory=deque)  # monotonic times of restarts within the window
    state: str = "running"  # running | waiting (to restart) | starting | given_up
    due: float = 0.0  # waiting: when to restart; starting: when to stop waiting for readiness
    since: float = field(default_factory=time.monotonic)  # running since


def grpc_serving(target: str, *, any_status: bool = False) -> Callable[[], bool]:
    """SERVING on the gRPC health check (or, with any_status, any answer at all)."""

    def check() -> bool:
        with grpc.insecure_channel(target) as channel:
            try:
                response = health_pb2_grpc.HealthStub(channel).Check(
                    health_pb2.HealthCheckRequest(), timeout=1.0
                )
            except grpc.RpcError:
                return False
        return any_status or bool(response.status == health_pb2.HealthCheckResponse.SERVING)

    return check


def http_ok(url: str, *, any_status: bool = False) -> Callable[[], bool]:
    """200 from `url` (or, with any_status, any HTTP answer at all, e.g. a 503 naming what is down)."""

    def check() -> bool:
        try:
            with urllib.request.urlopen(url, timeout=2.0) as response:
                return any_status or bool(response.status == 200)
        except urllib.error.HTTPError:
            return any_status
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
        self.supervision: dict[str, Supervision] = {}
        self._stop_event = threading.Event()
        self.gave_up_exit = False

    @property
    def stop_requested(self) -> bool:
        return self._stop_event.is_set()

    def request_stop(self) -> None:
        self._stop_event.set()

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
            "AICMO_MEMORY_METRICS_PORT": str(s.memory_metrics_port),
            "AICMO_GENERATOR_METRICS_PORT": str(s.generator_metrics_port),
            "AICMO_GATEWAY_ADMIN_PORT": str(s.gateway_admin_port),
            "AICMO_MEMORY_TARGET": f"127.0.0.1:{s.memory_port}",
            "AICMO_GENERATOR_TARGET": f"127.0.0.1:{s.generator_port}",
            "AICMO_GATEWAY_URL": f"http://127.0.0.1:{s.gateway_port}",
        }
        children: list[Child] = []
        if not s.memory_db:
            env[SUPERVISED_ENV] = "1"
            children.append(PostgresChild(EmbeddedPostgres(s.data_dir, s.embedded_pg_port, supervised=False)))
        else:
            env.pop(SUPERVISED_ENV, None)
        children += [
            ProcessChild("memory", [py, "-m", "services.memory"], env, logs / "memory.log",
                         grpc_serving(f"127.0.0.1:{s.memory_port}"),
                         grpc_serving(f"127.0.0.1:{s.memory_port}", any_status=True)),
            ProcessChild("generator", [py, "-m", "services.generator"], env, logs / "generator.log",
                         grpc_serving(f"127.0.0.1:{s.generator_port}"),
                         grpc_serving(f"127.0.0.1:{s.generator_port}", any_status=True)),
            ProcessChild("gateway", [py, "-m", "gateway"], env, logs / "gateway.log",
                         http_ok(f"http://127.0.0.1:{s.gateway_port}/api/health"),
                         http_ok(f"http://127.0.0.1:{s.gateway_port}/api/health", any_status=True)),
        ]  # fmt: skip
        if s.start_ui and (ROOT / "ui" / "app.py").exists():
            children.append(
                ProcessChild(
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
            "memory": [
                ("AICMO_MEMORY_PORT", s.memory_port),
                ("AICMO_MEMORY_METRICS_PORT", s.memory_metrics_port),
            ],
            "generator": [
                ("AICMO_GENERATOR_PORT", s.generator_port),
                ("AICMO_GENERATOR_METRICS_PORT", s.generator_metrics_port),
            ],
            "gateway": [
                ("AICMO_GATEWAY_PORT", s.gateway_port),
                ("AICMO_GATEWAY_ADMIN_PORT", s.gateway_admin_port),
            ],
            "ui": [("AICMO_UI_PORT", s.ui_port)],
        }
        for child in children:
            for variable, port in wanted.get(child.name, []):
                host = "127.0.0.1" if variable == "AICMO_GATEWAY_ADMIN_PORT" else s.bind_host
                if port and port_in_use(host, port):
                    raise StartupError(
                        f"port {port} ({child.name}) is already in use on {host}. Stop whatever holds it "
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
            try:
                child.start()
            except (EmbeddedPostgresError, OSError) as exc:
                raise StartupError(f"{child.name} could not start: {exc}") from None
            self.children.append(child)
            self.supervision[child.name] = Supervision(backoff=self.settings.restart_backoff_seconds)
            self._wait_ready(child)
            log.info("%s is ready (pid %s)", child.name, child.pid())

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
        """Stops every child in reverse order of starting (Postgres last); safe to call more than once."""
        for child in reversed(self.children):
            if child.alive():
                log.info("stopping %s", child.name)
                try:
                    child.stop(self.settings.stop_timeout_seconds)
                except Exception:
                    log.exception("stopping %s failed", child.name)
        if self.supervision:
            log.info("restarts: %s", self.restart_summary())
        gave_up = [name for name, sup in self.supervision.items() if sup.state == "given_up"]
        if gave_up:
            log.error("gave up on: %s", ", ".join(gave_up))
        self.children.clear()

    def restart_summary(self) -> str:
        return ", ".join(f"{name}={sup.restarts}" for name, sup in self.supervision.items())

    # -- supervision -----------------------------------------------------------------------------------
    def watch(self, interval: float = 0.25) -> int:
        """Supervises the children until a stop is requested: 0, or 1 after giving up with exit_on_give_up."""
        while not self.stop_requested:
            for child in self.children:
                if self.stop_requested:
                    break
                self.supervise(child, time.monotonic())
            if self.gave_up_exit:
                return 1
            self._stop_event.wait(interval)
        return 0

    def supervise(self, child: Child, now: float) -> None:
        sup = self.supervision[child.name]
        s = self.settings
        if sup.state == "running":
            if not child.alive():
                self._crashed(child, sup, f"{child.exit_reason()} (pid {child.pid()})", now)
            elif now - sup.since >= s.restart_window_seconds:
                sup.backoff = s.restart_backoff_seconds  # a whole window without a crash: forgiven
        elif sup.state == "waiting":
            if now < sup.due:
                return
            sup.restarts += 1
            sup.recent.append(now)
            log.warning("restarting %s (restart %d)", child.name, sup.restarts)
            try:
                child.start()
            except Exception as exc:
                self._crashed(child, sup, f"could not be started: {exc}", now)
                return
            sup.state, sup.due = "starting", now + s.startup_timeout_seconds
        elif sup.state == "starting":
            if not child.alive():
                self._crashed(child, sup, f"{child.exit_reason()} while starting (pid {child.pid()})", now)
            elif child.answering():
                sup.state, sup.since = "running", now
                log.warning("%s is serving again (pid %s, restart %d)", child.name, child.pid(), sup.restarts)
            elif now >= sup.due:
                child.stop(s.stop_timeout_seconds)
                self._crashed(
                    child, sup, f"was not ready {s.startup_timeout_seconds:.0f}s after a restart", now
                )

    def _crashed(self, child: Child, sup: Supervision, reason: str, now: float) -> None:
        s = self.settings
        while sup.recent and now - sup.recent[0] > s.restart_window_seconds:
            sup.recent.popleft()
        tail = child.log_tail(10)
        if len(sup.recent) >= s.restart_limit:
            sup.state = "given_up"
            log.error(
                "%s %s. It was restarted %d times within %.0fs: giving up on it (a crash loop); %s. "
                "Fix the cause (log: %s) and start the stack again. Last log lines:\n%s",
                child.name, reason, len(sup.recent), s.restart_window_seconds,
                "stopping the whole stack (AICMO_EXIT_ON_GIVE_UP)" if s.exit_on_give_up
                else "the other services keep serving",
                child.log_path, tail,
            )  # fmt: skip
            if s.exit_on_give_up:
                self.gave_up_exit = True
            return
        delay = sup.backoff
        sup.backoff = min(sup.backoff * 2, s.restart_backoff_max_seconds)
        sup.state, sup.due = "waiting", now + delay
        log.error(
            "%s %s; restarting it in %.1fs (the other services keep serving). Last log lines:\n%s",
            child.name, reason, delay, tail,
        )  # fmt: skip

    def banner(self) -> str:
        s = self.settings
        lines = ["", "AICMO is running:"]
        if any(c.name == "ui" for c in self.children):
            lines.append(f"  Operator UI     http://127.0.0.1:{s.ui_port}")
        lines += [
            f"  REST gateway    http://127.0.0.1:{s.gateway_port}   (try: curl http://127.0.0.1:{s.gateway_port}/api/health)",
            f"  generator gRPC  127.0.0.1:{s.generator_port}   (grpcurl -plaintext 127.0.0.1:{s.generator_port} list)",
            f"  memory gRPC     127.0.0.1:{s.memory_port}   (grpcurl -plaintext 127.0.0.1:{s.memory_port} list)",
        ]
        if any(c.name == "postgres" for c in self.children):
            lines.append(f"  Postgres        127.0.0.1:{s.embedded_pg_port}   (make psql)")
        lines += [
            f"  data and logs   {s.data_dir}",
            "Press Ctrl-C to stop everything.",
            "",
        ]
        return "\n".join(lines)


def main() -> int:
    settings = load_settings(StackSettings, "make run")
    configure_logging(settings.log_level, "text", service="launcher")
    if settings.api_token is None:
        log.warning(
            "AICMO_API_TOKEN is not set: the API is open to anyone who can reach it; binding to %s only",
            settings.bind_host,
        )
    stack = Stack(settings)

    def on_signal(signum: int, _frame: object) -> None:
        if not stack.stop_requested:
            log.info("received %s: stopping", signal.Signals(signum).name)
        stack.request_stop()

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
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
