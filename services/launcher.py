"""The one launcher for local runs (`make run`): the embedded Postgres, the memory service, the generator, the
Envoy REST gateway and the Streamlit UI, each its own process.

It waits until each is healthy before starting the next (and runs the migrations, `python -m services.memory
migrate`, as a step of their own before memory starts), prints the URLs and writes every log under
$AICMO_DATA_DIR/logs. Then it supervises: a child that exits (a crash, a kill -9, an OOM kill) is logged
with its exit code or signal and started again after an exponential backoff while the others keep serving;
a child that needs more than AICMO_RESTART_LIMIT restarts within AICMO_RESTART_WINDOW_SECONDS is given up
on, loudly (and with AICMO_EXIT_ON_GIVE_UP=1 the whole stack stops). On Ctrl-C, SIGTERM or SIGHUP, on a
startup failure and after giving up, it stops everything in reverse order (Postgres last) and logs how
often each child was restarted. A second run afterwards finds the same learned data.

A watchdog probes every running child (gRPC health of memory and the generator, Envoy's admin /ready, the
UI's /_stcore/health, a query on Postgres); one that does not answer AICMO_WATCHDOG_FAILURES probes in a row,
or is stopped (SIGSTOP), is hung: it is killed and restarted like a crash, and counted.

Children never outlive the launcher, however it dies (kill -9 included): each is started with a parent-death
signal (SIGTERM for the services, SIGINT, a fast shutdown, for the postmaster). The launcher holds a lock on
its data directory, and a start cleans what an earlier launcher on it left behind: processes it started
(marked in their environment) and a postmaster still running on the data directory. Its state, with each
child's pid, restarts and watchdog kills, is in $AICMO_DATA_DIR/launcher.json.

The launcher owns the embedded Postgres (the postmaster is its child, so its exit status is known and a
killed postmaster is restarted like any other child); it tells the memory service so with
AICMO_EMBEDDED_PG_SUPERVISED=1, and the memory service then waits for the server instead of starting one.
"""

from __future__ import annotations

import abc
import contextlib
import fcntl
import json
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
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import grpc
import psutil  # type: ignore[import-untyped]
import psycopg2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from pydantic import Field, SecretStr

from services.common import ports
from services.common.logging import configure_logging, register_secret
from services.common.settings import CommonSettings, load_settings
from services.common.tls import open_channel
from services.memory.adapters.embedded_postgres import (
    ROLE,
    SUPERVISED_ENV,
    EmbeddedPostgres,
    EmbeddedPostgresError,
    pid_alive,
)

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger("launcher")

# Set in every child's environment: the data directory of the launcher that started it, and the child's name.
# A later launcher on the same data directory finds what an earlier one left running by these.
LAUNCHED_FOR_ENV = "AICMO_LAUNCHED_FOR"
LAUNCHED_AS_ENV = "AICMO_LAUNCHED_AS"
STATE_FILE = "launcher.json"
LOCK_FILE = "launcher.lock"


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
    # The watchdog: every `watchdog_interval_seconds` each running child is probed (gRPC health, Envoy's
    # admin /ready, the UI's health, a query on Postgres) and given `watchdog_probe_timeout_seconds` to
    # answer (any answer counts: a memory service that is NOT_SERVING because Postgres is down is alive).
    # `watchdog_failures` failed probes in a row, a stopped process (SIGSTOP) counting as one at once, and
    # the child is hung: killed (SIGKILL) and restarted like a crash. An interval of 0 turns it off.
    watchdog_interval_seconds: float = Field(default=2.0, ge=0)
    watchdog_probe_timeout_seconds: float = Field(default=5.0, gt=0)
    watchdog_failures: int = Field(default=3, ge=1)


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


PARENT_DEATH = ROOT / "services" / "common" / "parent_death.py"


def dies_with_launcher(
    argv: list[str], sig: signal.Signals, identity: tuple[int, int] | None = None
) -> list[str]:
    """`argv` run so that it gets `sig` when the launcher dies, however it dies (Linux's parent-death signal,
    armed by services/common/parent_death.py, which then execs `argv`: the pid stays, the signal survives
    exec, e.g. `python -m gateway` exec'ing Envoy). With `identity` (uid, gid) it runs as that user."""
    ids = [str(n) for n in identity] if identity is not None else []
    return [sys.executable, str(PARENT_DEATH), str(os.getpid()), str(int(sig)), *ids, "--", *argv]


def is_stopped(pid: int | None) -> bool:
    """The process is stopped (SIGSTOP, SIGTSTP) or stopped under a tracer: it answers nothing."""
    if pid is None:
        return False
    try:
        return psutil.Process(pid).status() in (psutil.STATUS_STOPPED, psutil.STATUS_TRACING_STOP)
    except psutil.Error:
        return False


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

    def probe(self) -> bool:
        """The watchdog's probe: answering within the watchdog's timeout."""
        return self.answering()

    def stopped(self) -> bool:
        return is_stopped(self.pid())

    @abc.abstractmethod
    def kill(self) -> str:
        """Ends a hung child at once (it is not expected to stop when asked); says how."""

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
    probe_check: Callable[[], bool] | None = None
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as out:
            # Own session: a Ctrl-C at the terminal reaches only the launcher, which stops children in order.
            self.proc = subprocess.Popen(
                dies_with_launcher(self.argv, signal.SIGTERM),
                cwd=ROOT,
                env={**self.env, LAUNCHED_AS_ENV: self.name},
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

    def probe(self) -> bool:
        return (self.probe_check or self.answering)()

    def kill(self) -> str:
        if self.proc is None:
            return "it was not running"
        self.proc.kill()  # SIGKILL ends a stopped process too
        self.proc.wait()
        return "killed it with SIGKILL"

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
        if self.stopped():
            self.proc.send_signal(signal.SIGCONT)  # else SIGTERM would wait until someone continues it
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            log.warning("%s did not stop within %.0fs; killing it", self.name, timeout)
            self.proc.kill()
            self.proc.wait()


def postmaster_on(server: EmbeddedPostgres) -> int | None:
    """The pid of a postmaster running on the server's data directory, else None. A postmaster.pid that
    names a live process which is not such a postmaster (its pid reused) is stale: it is removed, since
    Postgres would refuse to start over it."""
    pidfile = server.pgdata / "postmaster.pid"
    pid = server.postmaster_pid()
    if pid is None:
        return None
    try:
        proc = psutil.Process(pid)
        cwd = Path(proc.cwd()).resolve()  # a postmaster works in its data directory
        ours = cwd == server.pgdata.resolve() and "postgres" in proc.name()
    except psutil.NoSuchProcess:
        return None
    except psutil.Error:
        return pid  # not ours to inspect: leave it to Postgres
    if ours:
        return pid
    log.warning("%s names pid %d, which is not a Postgres on this data directory: removing it", pidfile, pid)
    pidfile.unlink(missing_ok=True)
    return None


def stop_leftover_postmaster(server: EmbeddedPostgres, pid: int) -> None:
    """Stops a postmaster this launcher did not start: continued if stopped, a fast shutdown (pg_ctl), then
    an immediate one (SIGQUIT), then SIGKILL."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGCONT)
    try:
        server.stop()
    except EmbeddedPostgresError as exc:
        log.warning("pg_ctl stop failed: %s", exc)
    for sig in (signal.SIGQUIT, signal.SIGKILL):
        if _wait_gone(pid, 10.0):
            return
        log.warning("the Postgres left running (pid %d) is still there: sending %s", pid, sig.name)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
    if not _wait_gone(pid, 10.0):
        raise StartupError(f"the Postgres left running on {server.pgdata} (pid {pid}) could not be stopped")


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while pid_alive(pid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)
    return True


class PostgresChild(Child):
    """The embedded Postgres: the postmaster runs as the launcher's own child (as the service user when
    the launcher is root), with SIGINT (a fast shutdown) as its parent-death signal. One already running on
    the data directory (left by a launcher that was killed, or started by `python -m services.memory db
    start`) is stopped first, so that the postmaster is always the launcher's child and never outlives it."""

    name = "postgres"

    def __init__(self, server: EmbeddedPostgres, probe_timeout: float = 5.0) -> None:
        self.server = server
        self.log_path = server.log_file
        self.proc: subprocess.Popen[bytes] | None = None
        self.probe_timeout = probe_timeout

    def start(self) -> None:
        self.server.prepare()
        leftover = postmaster_on(self.server)
        if leftover is not None:
            log.warning(
                "an embedded Postgres is already running on %s (pid %d), not started by this launcher: "
                "stopping it to start it as this launcher's child",
                self.server.pgdata, leftover,
            )  # fmt: skip
            stop_leftover_postmaster(self.server, leftover)
        self.proc = self.server.spawn_postmaster(
            lambda command, identity: dies_with_launcher(command, signal.SIGINT, identity)
        )

    def pid(self) -> int | None:
        return None if self.proc is None else self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def ready(self) -> bool:
        if not self.server.accepting(timeout=1):
            return False
        self.server.ensure_database()
        return True

    def probe(self) -> bool:
        """A query. A server that answers with an error (starting up, in crash recovery, too many
        connections) is alive; one that does not answer within the timeout is not."""
        try:
            conn = psycopg2.connect(
                host=self.server.host, port=self.server.port, user=ROLE, dbname="postgres",
                connect_timeout=max(2, round(self.probe_timeout)),
                options=f"-c statement_timeout={int(self.probe_timeout * 1000)}",
            )  # fmt: skip
        except psycopg2.OperationalError as exc:
            return "FATAL:" in str(exc)
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT 1")
            return True
        except psycopg2.Error:
            return False
        finally:
            conn.close()

    def kill(self) -> str:
        """SIGQUIT (continued first if stopped): Postgres's immediate shutdown, which also ends its backends
        (a postmaster killed outright leaves them holding the shared memory the next one needs); SIGKILL if
        it does not end within 5 s."""
        if self.proc is None or self.proc.poll() is not None:
            return "it was not running"
        self.proc.send_signal(signal.SIGCONT)
        self.proc.send_signal(signal.SIGQUIT)
        try:
            self.proc.wait(5.0)
            return "stopped it with SIGQUIT (immediate shutdown)"
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return "killed it with SIGKILL (it ignored SIGQUIT)"

    def exit_reason(self) -> str:
        if self.proc is not None and self.proc.returncode is not None:
            return describe_exit(self.proc.returncode)
        return "is not running"

    def stop(self, timeout: float = 30.0) -> None:
        if not self.alive():
            return
        assert self.proc is not None
        self.proc.send_signal(signal.SIGCONT)
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
    # The watchdog: kills of this child found hung, failed probes in a row, the probe in flight, the next one.
    hung: int = 0
    failures: int = 0
    probe: Future[str | None] | None = field(default=None, repr=False)
    next_probe: float = 0.0


def grpc_serving(
    target: str, *, any_status: bool = False, timeout: float = 1.0, tls: CommonSettings | None = None
) -> Callable[[], bool]:
    """SERVING on the gRPC health check (or, with any_status, any answer at all); over TLS when `tls`
    (the stack's AICMO_TLS_* settings) names a CA."""

    def check() -> bool:
        with open_channel(target, tls) as channel:
            try:
                response = health_pb2_grpc.HealthStub(channel).Check(
                    health_pb2.HealthCheckRequest(), timeout=timeout
                )
            except grpc.RpcError:
                return False
        return any_status or bool(response.status == health_pb2.HealthCheckResponse.SERVING)

    return check


def http_ok(url: str, *, any_status: bool = False, timeout: float = 2.0) -> Callable[[], bool]:
    """200 from `url` (or, with any_status, any HTTP answer at all, e.g. a 503 naming what is down)."""

    def check() -> bool:
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
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
        # Probes run here, so that a hung child's probe never holds up the supervision of the others; every
        # decision (kill, restart) stays on the main thread, the one the children's parent-death signal
        # is tied to.
        self._probes = ThreadPoolExecutor(max_workers=6, thread_name_prefix="watchdog")
        self._lock: IO[str] | None = None
        self._env: dict[str, str] = {}
        self.first_admin_password = ""

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
            LAUNCHED_FOR_ENV: str(s.data_dir),
            # Migrations are a step of their own (run_migrations); memory only checks the schema.
            "AICMO_MIGRATE_ON_START": "false",
        }
        self._env = env
        t = s.watchdog_probe_timeout_seconds
        memory, generator = f"127.0.0.1:{s.memory_port}", f"127.0.0.1:{s.generator_port}"
        health = f"http://127.0.0.1:{s.gateway_port}/api/health"
        children: list[Child] = []
        if not s.memory_db:
            env[SUPERVISED_ENV] = "1"
            server = EmbeddedPostgres(s.data_dir, s.embedded_pg_port, supervised=False)
            children.append(PostgresChild(server, probe_timeout=t))
        else:
            env.pop(SUPERVISED_ENV, None)
        children += [
            ProcessChild("memory", [py, "-m", "services.memory"], env, logs / "memory.log",
                         grpc_serving(memory, tls=s), grpc_serving(memory, any_status=True, tls=s),
                         grpc_serving(memory, any_status=True, timeout=t, tls=s)),
            ProcessChild("generator", [py, "-m", "services.generator"], env, logs / "generator.log",
                         grpc_serving(generator, tls=s), grpc_serving(generator, any_status=True, tls=s),
                         grpc_serving(generator, any_status=True, timeout=t, tls=s)),
            # Envoy's own readiness (its admin /ready), not /api/health, which asks the services behind it.
            ProcessChild("gateway", [py, "-m", "gateway"], env, logs / "gateway.log",
                         http_ok(health), http_ok(health, any_status=True),
                         http_ok(f"http://127.0.0.1:{s.gateway_admin_port}/ready", any_status=True, timeout=t)),
        ]  # fmt: skip
        if s.start_ui and (ROOT / "ui" / "app.py").exists():
            ui_health = f"http://127.0.0.1:{s.ui_port}/_stcore/health"
            children.append(
                ProcessChild(
                    "ui",
                    [py, "-m", "streamlit", "run", "ui/app.py", "--server.port", str(s.ui_port),
                     "--server.address", s.bind_host, "--server.headless", "true",
                     "--browser.gatherUsageStats", "false", "--client.toolbarMode", "viewer"],
                    env,
                    logs / "ui.log",
                    http_ok(ui_health),
                    probe_check=http_ok(ui_health, any_status=True, timeout=t),
                )
            )  # fmt: skip
        return children

    # -- what an earlier launcher left -----------------------------------------------------------------
    def lock_data_dir(self) -> None:
        """One launcher per data directory: a second one is refused by name. The lock ends with the process
        (however it ends), so a lock that can be taken means any launcher before this one is gone."""
        s = self.settings
        s.data_dir.mkdir(parents=True, exist_ok=True)
        lock = (s.data_dir / LOCK_FILE).open("a+")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            holder = lock.read().strip() or "?"
            lock.close()
            raise StartupError(
                f"another launcher (pid {holder}) is running on {s.data_dir}: stop it first, or give this one "
                "its own AICMO_DATA_DIR"
            ) from None
        lock.truncate(0)
        lock.write(f"{os.getpid()}\n")
        lock.flush()
        self._lock = lock
        self.write_state()

    def clean_leftovers(self) -> None:
        """Stops what a launcher that is gone left running on this data directory: the processes it started
        (they carry its data directory in AICMO_LAUNCHED_FOR) and, for the embedded Postgres, a postmaster
        still running on the data directory (PostgresChild.start)."""
        mine = str(self.settings.data_dir)
        leftovers: list[psutil.Process] = []
        for proc in psutil.process_iter(["environ"]):
            if proc.pid == os.getpid():
                continue
            environ = proc.info.get("environ") or {}
            if environ.get(LAUNCHED_FOR_ENV) == mine:
                leftovers.append(proc)
                log.warning(
                    "%s (pid %d) is still running from a launcher that is gone: stopping it",
                    environ.get(LAUNCHED_AS_ENV, "a process"), proc.pid,
                )  # fmt: skip
        for sig, wait in ((signal.SIGTERM, self.settings.stop_timeout_seconds), (signal.SIGKILL, 10.0)):
            for proc in leftovers:
                with contextlib.suppress(psutil.Error):
                    proc.resume()  # a stopped process would not act on SIGTERM
                    proc.send_signal(sig)
            deadline = time.monotonic() + wait
            while leftovers and time.monotonic() < deadline:
                leftovers = [proc for proc in leftovers if proc.is_running() and pid_alive(proc.pid)]
                time.sleep(0.1)
        for proc in leftovers:
            log.error("pid %d, left by an earlier launcher, could not be stopped", proc.pid)

    def write_state(self) -> None:
        """$AICMO_DATA_DIR/launcher.json: the launcher's pid and each child's pid, state, restarts and
        watchdog kills (for an operator, a status script or a test); written only by the lock's holder."""
        if self._lock is None:
            return
        state = {
            "pid": os.getpid(),
            "children": {
                child.name: {
                    "pid": child.pid(),
                    "state": self.supervision[child.name].state,
                    "restarts": self.supervision[child.name].restarts,
                    "hung_kills": self.supervision[child.name].hung,
                }
                for child in self.children
                if child.name in self.supervision
            },
        }
        path = self.settings.data_dir / STATE_FILE
        tmp = path.with_suffix(".tmp")
        try:
            tmp.write_text(json.dumps(state, indent=2) + "\n")
            os.replace(tmp, path)
        except OSError as exc:
            log.warning("could not write %s: %s", path, exc)

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
        if not s.memory_db and port_in_use("127.0.0.1", s.embedded_pg_port):
            raise StartupError(
                f"port {s.embedded_pg_port} (embedded Postgres) is already in use. "
                "Choose another with AICMO_EMBEDDED_PG_PORT=..."
            )

    def start(self) -> None:
        self.lock_data_dir()
        self.clean_leftovers()
        children = self.plan()
        for child in children:
            if isinstance(child, PostgresChild):
                leftover = postmaster_on(child.server)
                if leftover is not None:
                    log.warning(
                        "an embedded Postgres is still running on %s (pid %d), left by a launcher that is "
                        "gone or started on its own: stopping it", child.server.pgdata, leftover,
                    )  # fmt: skip
                    stop_leftover_postmaster(child.server, leftover)
        self.check_ports(children)
        for child in children:
            if child.name == "memory":
                self.run_migrations()
            log.info("starting %s (log: %s)", child.name, child.log_path)
            try:
                child.start()
            except (EmbeddedPostgresError, OSError) as exc:
                raise StartupError(f"{child.name} could not start: {exc}") from None
            self.children.append(child)
            self.supervision[child.name] = Supervision(backoff=self.settings.restart_backoff_seconds)
            self.write_state()
            self._wait_ready(child)
            log.info("%s is ready (pid %s)", child.name, child.pid())

    def run_migrations(self) -> None:
        """`python -m services.memory migrate` before memory starts (online-safe: see database.migrate);
        restarts of memory later need none."""
        log_path = self.settings.data_dir / "logs" / "migrate.log"
        log.info("migrating the learning tables (log: %s)", log_path)
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("ab") as out:
            proc = subprocess.Popen(
                dies_with_launcher([sys.executable, "-m", "services.memory", "migrate"], signal.SIGTERM),
                cwd=ROOT,
                env={**self._env, LAUNCHED_AS_ENV: "migrate"},
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        while proc.poll() is None:
            if self.stop_requested:
                proc.terminate()
                proc.wait()
                raise StartupError("interrupted")
            time.sleep(0.2)
        if proc.returncode != 0:
            tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-15:])
            raise StartupError(f"the migrations {describe_exit(proc.returncode)}. Last log lines:\n{tail}")
        log.info("the learning tables are up to date")
        # A first admin made up by the migrate step: its password is shown once, in the banner.
        made_up = self.settings.data_dir / "auth" / "first-admin-password"
        if made_up.exists():
            self.first_admin_password = made_up.read_text().strip()
            register_secret(self.first_admin_password)
            made_up.unlink()

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
        self._probes.shutdown(wait=False, cancel_futures=True)
        if self.supervision:
            log.info("restarts: %s", self.restart_summary())
            log.info("killed as hung: %s", self.restart_summary(hung=True))
        gave_up = [name for name, sup in self.supervision.items() if sup.state == "given_up"]
        if gave_up:
            log.error("gave up on: %s", ", ".join(gave_up))
        self.write_state()
        self.children.clear()
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def restart_summary(self, *, hung: bool = False) -> str:
        return ", ".join(
            f"{name}={sup.hung if hung else sup.restarts}" for name, sup in self.supervision.items()
        )

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
                return
            if now - sup.since >= s.restart_window_seconds:
                sup.backoff = s.restart_backoff_seconds  # a whole window without a crash: forgiven
            self._watchdog(child, sup, now)
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
            self.write_state()
        elif sup.state == "starting":
            if not child.alive():
                self._crashed(child, sup, f"{child.exit_reason()} while starting (pid {child.pid()})", now)
            elif child.answering():
                sup.state, sup.since = "running", now
                sup.next_probe = now + s.watchdog_interval_seconds
                log.warning("%s is serving again (pid %s, restart %d)", child.name, child.pid(), sup.restarts)
                self.write_state()
            elif now >= sup.due:
                child.stop(s.stop_timeout_seconds)
                self._crashed(
                    child, sup, f"was not ready {s.startup_timeout_seconds:.0f}s after a restart", now
                )

    def _watchdog(self, child: Child, sup: Supervision, now: float) -> None:
        """Probes a running child every watchdog interval (in a thread) and kills it when hung."""
        s = self.settings
        if s.watchdog_interval_seconds <= 0:
            return
        if sup.probe is None:
            if now >= sup.next_probe:
                sup.probe = self._probes.submit(self._probe, child)
            return
        if not sup.probe.done():
            return
        failure = sup.probe.result()
        sup.probe, sup.next_probe = None, now + s.watchdog_interval_seconds
        if failure is None:
            if sup.failures:
                log.warning("%s answers its health check again", child.name)
            sup.failures = 0
            return
        sup.failures += 1
        if sup.failures < s.watchdog_failures:
            log.warning("%s %s (%d of %d in a row)", child.name, failure, sup.failures, s.watchdog_failures)
            return
        pid = child.pid()
        how = child.kill()
        sup.hung += 1
        self._crashed(
            child, sup, f"{failure}, {sup.failures} probes in a row: it is hung; {how} (pid {pid})", now
        )

    def _probe(self, child: Child) -> str | None:
        """None if the child answers; else what is wrong with it."""
        try:
            if child.stopped():
                return "is stopped (process state T: SIGSTOP, or a debugger)"
            if child.probe():
                return None
        except Exception as exc:  # a probe never takes the launcher down
            return f"health probe failed: {exc!r}"
        return f"did not answer its health check within {self.settings.watchdog_probe_timeout_seconds:.0f}s"

    def _crashed(self, child: Child, sup: Supervision, reason: str, now: float) -> None:
        sup.probe, sup.failures = None, 0
        try:
            self._report_crash(child, sup, reason, now)
        finally:
            self.write_state()

    def _report_crash(self, child: Child, sup: Supervision, reason: str, now: float) -> None:
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
        if self.first_admin_password:
            lines += [
                f"  First admin     sign in as admin with password {self.first_admin_password}",
                "                  (shown once; python -m services.memory accounts set-password admin)",
            ]
        lines += [
            f"  data and logs   {s.data_dir}",
            "Press Ctrl-C to stop everything.",
            "",
        ]
        return "\n".join(lines)


def main() -> int:
    settings = load_settings(StackSettings, "make run")
    configure_logging(settings.log_level, "text", service="launcher")
    if settings.auth == "off":
        log.warning(
            "AICMO_AUTH=off: no sign-in, the API is open to anyone who can reach it; binding to %s only",
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
