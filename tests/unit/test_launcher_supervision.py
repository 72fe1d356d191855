"""The launcher's restart rules (backoff, crash-loop limit, giving up) on fake children and a fake clock.
The real thing (kill -9 of each process of a running stack) is tests/e2e/test_supervision.py."""

from __future__ import annotations

import json
import logging
import os
import re
import threading
from pathlib import Path

import pytest

from services.launcher import Child, Stack, StackSettings, StartupError, Supervision, describe_exit


class FakeChild(Child):
    def __init__(self, name: str, log_path: Path) -> None:
        self.name = name
        self.log_path = log_path
        self.running = True
        self.up = True
        self.starts = 0
        self.stops = 0
        self.fail_start = False
        self.kills = 0
        self.answers = True
        self.frozen = False

    def start(self) -> None:
        if self.fail_start:
            raise OSError("no such file")
        self.starts += 1
        self.running = True

    def alive(self) -> bool:
        return self.running

    def ready(self) -> bool:
        return self.up

    def stop(self, timeout: float = 30.0) -> None:
        self.stops += 1
        self.running = False

    def kill(self) -> str:
        self.kills += 1
        self.running = False
        return "killed it with SIGKILL"

    def probe(self) -> bool:
        return self.answers

    def stopped(self) -> bool:
        return self.frozen

    def pid(self) -> int | None:
        return 4242

    def exit_reason(self) -> str:
        return describe_exit(-9)


def make_stack(tmp_path: Path, **overrides: object) -> tuple[Stack, FakeChild]:
    values: dict[str, object] = {
        "data_dir": tmp_path,
        "restart_limit": 3,
        "restart_window_seconds": 60.0,
        "restart_backoff_seconds": 1.0,
        "restart_backoff_max_seconds": 4.0,
        "startup_timeout_seconds": 30.0,
        **overrides,
    }
    stack = Stack(StackSettings(**values))  # type: ignore[arg-type]
    stack.lock_data_dir()
    child = FakeChild("memory", tmp_path / "memory.log")
    stack.children.append(child)
    stack.supervision["memory"] = Supervision(backoff=stack.settings.restart_backoff_seconds, since=0.0)
    return stack, child


def crash_and_restart(stack: Stack, child: FakeChild, at: float) -> float:
    """Kills the child at `at`; returns when it was restarted."""
    sup = stack.supervision[child.name]
    child.running = False
    stack.supervise(child, at)
    assert sup.state == "waiting"
    due = sup.due
    stack.supervise(child, due - 0.01)
    assert sup.state == "waiting"  # not before the backoff
    stack.supervise(child, due)
    assert sup.state == "starting"
    stack.supervise(child, due)
    assert sup.state == "running"
    return due


def test_exit_reasons_name_the_signal_or_code() -> None:
    assert describe_exit(-9) == "was killed by SIGKILL"
    assert describe_exit(-15) == "was killed by SIGTERM"
    assert describe_exit(2) == "exited with code 2"


def test_backoff_doubles_up_to_the_cap(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    stack, child = make_stack(tmp_path, restart_limit=10)
    delays = []
    at = 100.0
    for _ in range(4):
        restarted = crash_and_restart(stack, child, at)
        delays.append(restarted - at)
        at = restarted + 1
    assert delays == [1.0, 2.0, 4.0, 4.0]
    assert stack.supervision["memory"].restarts == 4 and child.starts == 4
    assert "memory was killed by SIGKILL (pid 4242); restarting it in 1.0s" in caplog.text
    assert stack.restart_summary() == "memory=4"


def test_a_whole_window_without_a_crash_resets_the_backoff(tmp_path: Path) -> None:
    stack, child = make_stack(tmp_path)
    restarted = crash_and_restart(stack, child, 100.0)
    restarted = crash_and_restart(stack, child, restarted + 1)
    assert stack.supervision["memory"].backoff == 4.0
    stack.supervise(child, restarted + 60)  # ran a whole window
    assert stack.supervision["memory"].backoff == 1.0


def test_a_crash_loop_is_given_up_on_and_the_others_are_left_alone(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    stack, child = make_stack(tmp_path)
    other = FakeChild("generator", tmp_path / "generator.log")
    stack.children.append(other)
    stack.supervision["generator"] = Supervision(backoff=1.0, since=0.0)
    at = 100.0
    for _ in range(3):
        at = crash_and_restart(stack, child, at) + 1
    child.running = False
    stack.supervise(child, at)
    sup = stack.supervision["memory"]
    assert sup.state == "given_up" and sup.restarts == 3
    assert "giving up on it" in caplog.text and "the other services keep serving" in caplog.text
    assert not stack.gave_up_exit
    stack.supervise(child, at + 1000)  # never started again
    assert child.starts == 3 and sup.state == "given_up"
    stack.supervise(other, at)
    assert other.alive() and stack.supervision["generator"].state == "running"


def test_crashes_spread_wider_than_the_window_never_give_up(tmp_path: Path) -> None:
    stack, child = make_stack(tmp_path, restart_limit=2)
    at = 100.0
    for _ in range(6):
        at = crash_and_restart(stack, child, at) + 61
    assert stack.supervision["memory"].restarts == 6


def test_giving_up_can_stop_the_whole_stack(tmp_path: Path) -> None:
    stack, child = make_stack(tmp_path, restart_limit=0, exit_on_give_up=True)
    child.running = False
    stack.supervise(child, 100.0)
    assert stack.supervision["memory"].state == "given_up"
    assert stack.gave_up_exit
    assert stack.watch(interval=0) == 1


def test_a_failed_start_and_a_start_that_never_gets_ready_count_as_crashes(tmp_path: Path) -> None:
    stack, child = make_stack(tmp_path)
    sup = stack.supervision["memory"]
    child.running = False
    stack.supervise(child, 100.0)
    child.fail_start = True
    stack.supervise(child, sup.due)
    assert sup.state == "waiting" and sup.restarts == 1  # tried, failed, waits again (longer)
    assert sup.due == 101.0 + 2.0
    child.fail_start = False
    child.up = False
    stack.supervise(child, sup.due)
    assert sup.state == "starting"
    stack.supervise(child, sup.due)  # startup timeout passed without an answer
    assert child.stops == 1 and sup.state == "waiting"


# --- the watchdog ------------------------------------------------------------------------------------------


def probe_round(stack: Stack, child: FakeChild, at: float) -> None:
    """One watchdog round at `at`: the probe is sent, answered (in the probe thread), and read."""
    sup = stack.supervision[child.name]
    stack.supervise(child, at)
    assert sup.probe is not None, "a probe is due"
    sup.probe.result(timeout=10)
    stack.supervise(child, at)
    assert sup.probe is None


def test_a_child_that_stops_answering_is_killed_and_restarted_like_a_crash(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    stack, child = make_stack(tmp_path, watchdog_interval_seconds=2.0, watchdog_failures=3)
    sup = stack.supervision["memory"]
    probe_round(stack, child, 100.0)
    assert sup.failures == 0 and child.kills == 0
    child.answers = False
    probe_round(stack, child, 102.0)
    stack.supervise(child, 103.0)  # not due yet: no probe in flight, nothing decided
    assert sup.probe is None and sup.failures == 1
    probe_round(stack, child, 104.0)
    assert sup.failures == 2 and child.kills == 0 and sup.state == "running"
    probe_round(stack, child, 106.0)
    assert child.kills == 1 and sup.hung == 1 and sup.state == "waiting"
    assert "memory did not answer its health check within 5s, 3 probes in a row: it is hung" in caplog.text
    assert "killed it with SIGKILL (pid 4242); restarting it in 1.0s" in caplog.text
    child.answers = True
    stack.supervise(child, sup.due)
    stack.supervise(child, sup.due)
    assert sup.state == "running" and sup.restarts == 1 and child.starts == 1
    caplog.set_level(logging.INFO, "launcher")
    stack.stop()
    assert "killed as hung: memory=1" in caplog.text and "restarts: memory=1" in caplog.text
    state = json.loads((tmp_path / "launcher.json").read_text())
    assert state["children"]["memory"] == {"pid": 4242, "state": "running", "restarts": 1, "hung_kills": 1}


def test_a_stopped_child_is_hung_without_waiting_for_a_probe_timeout(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    stack, child = make_stack(tmp_path, watchdog_failures=2)
    child.frozen = True  # answers would not matter: a stopped process answers nothing
    probe_round(stack, child, 100.0)
    probe_round(stack, child, 102.0)
    assert child.kills == 1 and stack.supervision["memory"].hung == 1
    assert "memory is stopped (process state T: SIGSTOP, or a debugger), 2 probes in a row" in caplog.text


def test_a_failed_probe_followed_by_an_answer_starts_the_count_again(tmp_path: Path) -> None:
    stack, child = make_stack(tmp_path, watchdog_failures=2)
    sup = stack.supervision["memory"]
    for at in range(100, 120, 4):
        child.answers = False
        probe_round(stack, child, float(at))
        child.answers = True
        probe_round(stack, child, at + 2.0)
    assert child.kills == 0 and sup.failures == 0 and sup.state == "running"


def test_a_probe_that_raises_counts_as_failed_and_the_watchdog_can_be_turned_off(tmp_path: Path) -> None:
    stack, child = make_stack(tmp_path, watchdog_failures=1)

    def broken() -> bool:
        raise RuntimeError("boom")

    child.probe = broken  # type: ignore[method-assign]
    probe_round(stack, child, 100.0)
    assert child.kills == 1
    off, other = make_stack(tmp_path / "off", watchdog_interval_seconds=0)
    other.answers = False
    for at in (100.0, 110.0, 120.0):
        off.supervise(other, at)
    assert off.supervision["memory"].probe is None and other.kills == 0


def test_a_slow_probe_holds_up_no_other_child(tmp_path: Path) -> None:
    stack, child = make_stack(tmp_path)
    release = threading.Event()
    child.probe = lambda: release.wait(10)  # type: ignore[method-assign]
    other = FakeChild("generator", tmp_path / "generator.log")
    stack.children.append(other)
    stack.supervision["generator"] = Supervision(backoff=1.0, since=0.0)
    stack.supervise(child, 100.0)
    other.running = False
    stack.supervise(other, 100.1)  # at once, while memory's probe hangs
    assert stack.supervision["generator"].state == "waiting"
    release.set()


def test_one_launcher_per_data_directory(tmp_path: Path) -> None:
    first, _ = make_stack(tmp_path)
    second = Stack(StackSettings(data_dir=tmp_path))
    with pytest.raises(
        StartupError,
        match=rf"another launcher \(pid {os.getpid()}\) is running on {re.escape(str(tmp_path))}",
    ):
        second.lock_data_dir()
    second.write_state()  # refused: never overwrites the running launcher's state
    assert json.loads((tmp_path / "launcher.json").read_text())["pid"] == os.getpid()
    first.stop()  # releases the lock
    second.lock_data_dir()
    second.stop()
