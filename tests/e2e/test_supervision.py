"""The launcher supervises the stack: kill -9 of any process (memory, generator, Envoy, the Postgres
postmaster) heals by itself under a write load with nothing acknowledged lost or duplicated; so does a
process that hangs (SIGSTOP), found by the watchdog; a crash loop is given up on; Postgres is stopped on
every way out; no child outlives the launcher, even a kill -9 of it, and the next start cleans what an
earlier launcher left. Each test starts a stack of its own.

Outcomes are waited for with generous bounds; no duration is asserted."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]
import pytest

from services.launcher import port_in_use
from services.memory.adapters.embedded_postgres import EmbeddedPostgres, pid_alive
from tests.e2e.stack import StackProcess, http
from tests.support import ROOT, health_status, new_data_dir, wait_until

HEAL = 60.0  # generous: a busy 2-core machine restarts a Python service in seconds


@pytest.fixture
def stack_dirs() -> Iterator[list[StackProcess]]:
    stacks: list[StackProcess] = []
    yield stacks
    for stack in stacks:
        stack.stop()
        shutil.rmtree(stack.data_dir, ignore_errors=True)


def current_pid(stack: StackProcess, name: str) -> int:
    found = re.findall(rf"launcher: {name} is (?:ready|serving again) \(pid (\d+)", stack.launcher_log())
    assert found, f"no pid for {name} in the launcher log"
    return int(found[-1])


def postmaster_pid(stack: StackProcess) -> int:
    return int((stack.data_dir / "postgres" / "postmaster.pid").read_text().split("\n", 1)[0])


def restart_counts(log: str, what: str = "restarts") -> dict[str, int]:
    lines = re.findall(rf"launcher: {what}: (.*)", log)
    assert lines, f"the launcher printed no counts of {what}"
    return {name: int(n) for name, n in (item.split("=") for item in lines[-1].split(", "))}


def launcher_state(stack: StackProcess) -> dict[str, Any]:
    """$AICMO_DATA_DIR/launcher.json: each child's pid, state, restarts and watchdog kills."""
    state: dict[str, Any] = json.loads((stack.data_dir / "launcher.json").read_text())
    return state


def check_writes(stack: StackProcess, writer: Writer) -> None:
    """Nothing the writer saw acknowledged is lost, nothing is stored twice."""
    texts = stored_texts(stack, writer.client)
    duplicates = [text for text, n in Counter(texts).items() if n > 1]
    assert not duplicates, duplicates
    missing = set(writer.acknowledged) - set(texts)
    assert not missing, f"{len(missing)} acknowledged writes lost"


class Writer(threading.Thread):
    """Records learning items through the gateway one after another, retrying each with its idempotency
    key until acknowledged, as a careful client would."""

    def __init__(self, stack: StackProcess) -> None:
        super().__init__(daemon=True)
        self.stack = stack
        self.client = f"supervision-{uuid.uuid4().hex[:8]}"
        self.acknowledged: list[str] = []
        self.failures = 0
        self.done = threading.Event()

    def run(self) -> None:
        i = 0
        while not self.done.is_set():
            text = f"Supervision write {i} for {self.client}: a loyalty offer for returning customers."
            body = {
                "item": {
                    "kind": "uploaded_example",
                    "title": f"w{i}",
                    "text": text,
                    "client_id": self.client,
                },
                "idempotency_key": f"{self.client}-{i}",
            }
            try:
                ok = self.stack.post("/api/learn/items", body, timeout=15).status == 200
            except OSError:
                ok = False
            if ok:
                self.acknowledged.append(text)
                i += 1
            else:
                self.failures += 1
            self.done.wait(0.05 if ok else 0.3)


def noticed(stack: StackProcess, name: str, pid: int) -> Callable[[], bool]:
    return lambda: f"{name} was killed by SIGKILL (pid {pid})" in stack.launcher_log()


def restarted(stack: StackProcess, name: str, pid: int) -> Callable[[], bool]:
    return lambda: current_pid(stack, name) != pid


def more_writes(writer: Writer, than: int) -> Callable[[], bool]:
    return lambda: len(writer.acknowledged) > than


def stored_texts(stack: StackProcess, client: str) -> list[str]:
    texts: list[str] = []
    token = ""
    while True:
        page = stack.get(f"/api/learn/items?client_id={client}&page_size=100&page_token={token}", timeout=30)
        assert page.status == 200, page.body
        texts += [item["text"] for item in page.json()["items"]]
        token = page.json()["next_page_token"]
        if not token:
            return texts


@pytest.mark.integration
def test_kill_9_of_each_process_heals_by_itself(stack_dirs: list[StackProcess]) -> None:
    stack = StackProcess(new_data_dir("supervision"))
    stack_dirs.append(stack)
    stack.start()
    assert stack.get("/api/health").status == 200
    writer = Writer(stack)
    writer.start()
    try:
        wait_until(lambda: len(writer.acknowledged) >= 5, HEAL, what="writes before the kills")
        for name in ("memory", "generator", "gateway", "postgres"):
            pid = current_pid(stack, name)
            if name == "postgres":
                assert postmaster_pid(stack) == pid  # the launcher's child is the postmaster itself
            acknowledged_before = len(writer.acknowledged)
            os.kill(pid, signal.SIGKILL)
            wait_until(noticed(stack, name, pid), HEAL, what=f"the launcher to notice {name} died")
            wait_until(restarted(stack, name, pid), HEAL, what=f"{name} to be restarted")
            wait_until(lambda: stack.get("/api/health", timeout=10).status == 200, HEAL, what="health again")
            # Writes go through again after each heal.
            wait_until(
                more_writes(writer, acknowledged_before + 2), HEAL, what=f"writes after killing {name}"
            )
    finally:
        writer.done.set()
        writer.join(30)

    check_writes(stack, writer)

    pg_pid = postmaster_pid(stack)
    assert stack.stop() == 0
    log = stack.launcher_log()
    counts = restart_counts(log)
    assert set(counts) == {"postgres", "memory", "generator", "gateway"}
    assert all(n >= 1 for n in counts.values()), counts  # a restart may take more than one attempt
    assert "giving up" not in log
    assert not pid_alive(pg_pid), "Postgres must stop with the launcher"


@pytest.mark.integration
def test_a_child_given_up_on_leaves_the_others_serving_and_ctrl_c_stops_postgres(
    stack_dirs: list[StackProcess],
) -> None:
    stack = StackProcess(new_data_dir("give-up"), extra_env={"AICMO_RESTART_LIMIT": "0"})
    stack_dirs.append(stack)
    stack.start()
    os.kill(current_pid(stack, "memory"), signal.SIGKILL)
    wait_until(lambda: "giving up on it" in stack.launcher_log(), HEAL, what="the launcher to give up")
    assert "the other services keep serving" in stack.launcher_log()

    def memory_named_down() -> bool:
        health = stack.get("/api/health", timeout=10)
        return health.status == 503 and "memory" in health.json()["message"]

    wait_until(memory_named_down, HEAL, what="health to name memory")
    # The generator still writes reports (their learning waits in its spool), through the same gateway.
    report = stack.post(
        "/api/aicmo/generate_report",
        {"client_brief": {"client_name": "c", "brand_name": "b"}, "package_key": "quick_social_basic"},
    )
    assert report.status == 200 and report.json()["learning_status"] == "pending"
    assert health_status(stack.generator_target) != "UNREACHABLE"
    assert stack.proc is not None and stack.proc.poll() is None  # the launcher keeps running

    pg_pid = postmaster_pid(stack)
    stack.proc.send_signal(signal.SIGINT)  # Ctrl-C
    assert stack.proc.wait(60) == 0
    log = stack.launcher_log()
    assert restart_counts(log) == {"postgres": 0, "memory": 0, "generator": 0, "gateway": 0}
    assert "gave up on: memory" in log
    assert not pid_alive(pg_pid)


HUNG = ("memory", "generator", "gateway", "ui", "postgres")


def hung_and_killed(stack: StackProcess, name: str, pid: int) -> Callable[[], bool]:
    pattern = re.compile(rf"launcher: {name} is stopped \(process state T.*: it is hung; .*\(pid {pid}\)")
    return lambda: pattern.search(stack.launcher_log()) is not None


@pytest.mark.integration
def test_a_stopped_process_is_found_hung_and_restarted(stack_dirs: list[StackProcess]) -> None:
    """SIGSTOP (what a deadlock looks like from outside) of each process in turn, under a writer: the
    watchdog kills it and it is restarted; writes go through again, nothing acknowledged is lost."""
    stack = StackProcess(new_data_dir("watchdog"), with_ui=True)
    stack_dirs.append(stack)
    stack.start()
    writer = Writer(stack)
    writer.start()
    stopped: list[int] = []
    try:
        wait_until(lambda: len(writer.acknowledged) >= 5, HEAL, what="writes before the first stop")
        for name in HUNG:
            pid = current_pid(stack, name)
            acknowledged_before = len(writer.acknowledged)
            os.kill(pid, signal.SIGSTOP)
            stopped.append(pid)
            wait_until(hung_and_killed(stack, name, pid), HEAL, what=f"the watchdog to find {name} hung")
            wait_until(restarted(stack, name, pid), HEAL, what=f"{name} to be restarted")
            assert not pid_alive(pid), f"the stopped {name} must be gone"
            wait_until(lambda: stack.get("/api/health", timeout=10).status == 200, HEAL, what="health again")
            wait_until(
                more_writes(writer, acknowledged_before + 2), HEAL, what=f"writes after stopping {name}"
            )
        assert http("GET", f"{stack.ui_url}/_stcore/health", timeout=10).status == 200
        state = launcher_state(stack)["children"]
        assert {name: state[name]["hung_kills"] for name in HUNG} == dict.fromkeys(HUNG, 1), state
    finally:
        writer.done.set()
        writer.join(30)
        for pid in stopped:  # never leave a stopped process behind, whatever failed
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)

    check_writes(stack, writer)
    assert stack.stop() == 0
    log = stack.launcher_log()
    assert restart_counts(log, "killed as hung") == dict.fromkeys(HUNG, 1)
    assert all(restart_counts(log)[name] >= 1 for name in HUNG)
    assert "giving up" not in log


def running(processes: list[psutil.Process]) -> list[psutil.Process]:
    alive = []
    for proc in processes:
        with contextlib.suppress(psutil.Error):
            if proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE:
                alive.append(proc)
    return alive


@pytest.mark.integration
def test_no_child_outlives_a_kill_9_of_the_launcher_and_the_next_start_is_healthy(
    stack_dirs: list[StackProcess],
) -> None:
    stack = StackProcess(new_data_dir("launcher-kill"), with_ui=True)
    stack_dirs.append(stack)
    stack.start()
    assert stack.proc is not None
    # A second launcher on the same data directory is refused by name (and leaves the first alone).
    second = subprocess.run(
        [sys.executable, "-m", "services.launcher"], cwd=ROOT, env=stack.env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert second.returncode == 1
    assert f"another launcher (pid {stack.proc.pid}) is running on {stack.data_dir}" in second.stderr
    assert launcher_state(stack)["pid"] == stack.proc.pid

    writer = Writer(stack)
    writer.start()
    wait_until(lambda: len(writer.acknowledged) >= 5, HEAL, what="writes before the kill")
    tree = psutil.Process(stack.proc.pid).children(recursive=True)
    names = {proc.name() for proc in running(tree)}
    assert {"postgres", "envoy"} <= names and len(tree) >= 8, names  # the postmaster's workers included
    os.kill(stack.proc.pid, signal.SIGKILL)
    stack.proc.wait()
    try:
        wait_until(lambda: not running(tree), HEAL, what="every process of the killed launcher to exit")
    finally:
        writer.done.set()
        writer.join(30)
        for proc in running(tree):  # do not leave them to the next test
            proc.kill()

    stack.start()  # the same data directory and ports
    assert stack.get("/api/health").status == 200
    check_writes(stack, writer)
    assert stack.stop() == 0


@pytest.mark.integration
def test_a_start_stops_what_an_earlier_launcher_left_and_giving_up_can_stop_everything(
    stack_dirs: list[StackProcess],
) -> None:
    data_dir = new_data_dir("leftovers")
    stack = StackProcess(data_dir, extra_env={"AICMO_RESTART_LIMIT": "0", "AICMO_EXIT_ON_GIVE_UP": "true"})
    stack_dirs.append(stack)
    # A Postgres already running on the data directory (left by an earlier launcher, or `db start`) ...
    leftover = EmbeddedPostgres(data_dir, stack.ports["pg"], supervised=False)
    leftover.ensure_running()
    old_pg = leftover.postmaster_pid()
    assert old_pg is not None
    # ... and a process an earlier launcher started, stopped, holding the generator's port. It is not the
    # test's child (a shell started it and exited), as a real leftover would not be the launcher's.
    port = stack.ports["generator"]
    hold = f"import socket, time; s = socket.socket(); s.bind(('127.0.0.1', {port})); s.listen(); time.sleep(600)"
    shell = subprocess.run(
        ["sh", "-c", f"{shlex.quote(sys.executable)} -c {shlex.quote(hold)} >/dev/null 2>&1 & echo $!"],
        env={**os.environ, "AICMO_LAUNCHED_FOR": str(data_dir), "AICMO_LAUNCHED_AS": "generator"},
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    orphan = int(shell.stdout)
    wait_until(lambda: port_in_use("127.0.0.1", port), 30, what="the leftover to hold its port")
    os.kill(orphan, signal.SIGSTOP)
    try:
        stack.start()
        log = stack.launcher_log()
        assert f"generator (pid {orphan}) is still running from a launcher that is gone: stopping it" in log
        assert f"an embedded Postgres is still running on {data_dir / 'postgres'} (pid {old_pg})" in log
        assert not pid_alive(orphan) and not pid_alive(old_pg)
        pg_pid = postmaster_pid(stack)
        assert pg_pid == current_pid(stack, "postgres")  # the launcher's own child now

        os.kill(current_pid(stack, "generator"), signal.SIGKILL)
        assert stack.proc is not None
        assert stack.proc.wait(HEAL + 60) == 1  # stops by itself
        log = stack.launcher_log()
        assert "stopping the whole stack (AICMO_EXIT_ON_GIVE_UP)" in log and "gave up on: generator" in log
        assert not pid_alive(pg_pid)
        assert not (Path(data_dir) / "postgres" / "postmaster.pid").exists()
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(orphan, signal.SIGKILL)
        leftover.stop()
