"""The launcher supervises the stack: kill -9 of any process (memory, generator, Envoy, the Postgres
postmaster) heals by itself under a write load with nothing acknowledged lost or duplicated; a crash loop is
given up on; Postgres is stopped on every way out. Each test starts a stack of its own.

Outcomes are waited for with generous bounds; no duration is asserted."""

from __future__ import annotations

import os
import re
import shutil
import signal
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from services.memory.adapters.embedded_postgres import EmbeddedPostgres, pid_alive
from tests.e2e.stack import StackProcess
from tests.support import health_status, new_data_dir, wait_until

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


def restart_counts(log: str) -> dict[str, int]:
    lines = re.findall(r"launcher: restarts: (.*)", log)
    assert lines, "the launcher printed no restart counts"
    return {name: int(n) for name, n in (item.split("=") for item in lines[-1].split(", "))}


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

    texts = stored_texts(stack, writer.client)
    duplicates = [text for text, n in Counter(texts).items() if n > 1]
    assert not duplicates, duplicates
    missing = set(writer.acknowledged) - set(texts)
    assert not missing, f"{len(missing)} acknowledged writes lost"

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


@pytest.mark.integration
def test_giving_up_can_stop_everything_including_an_adopted_postgres(stack_dirs: list[StackProcess]) -> None:
    data_dir = new_data_dir("give-up-exit")
    stack = StackProcess(data_dir, extra_env={"AICMO_RESTART_LIMIT": "0", "AICMO_EXIT_ON_GIVE_UP": "true"})
    stack_dirs.append(stack)
    # A Postgres already running on the data directory (say, left by a launcher that was killed).
    leftover = EmbeddedPostgres(data_dir, stack.ports["pg"], supervised=False)
    leftover.ensure_running()
    pg_pid = leftover.postmaster_pid()
    assert pg_pid is not None
    try:
        stack.start()
        assert f"adopting the embedded Postgres already running on its data directory (pid {pg_pid})" in (
            stack.launcher_log()
        )
        os.kill(current_pid(stack, "generator"), signal.SIGKILL)
        assert stack.proc is not None
        assert stack.proc.wait(HEAL + 60) == 1  # stops by itself
        log = stack.launcher_log()
        assert "stopping the whole stack (AICMO_EXIT_ON_GIVE_UP)" in log and "gave up on: generator" in log
        assert not pid_alive(pg_pid)
        assert not (Path(data_dir) / "postgres" / "postmaster.pid").exists()
    finally:
        leftover.stop()
