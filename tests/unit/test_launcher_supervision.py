"""The launcher's restart rules (backoff, crash-loop limit, giving up) on fake children and a fake clock.
The real thing (kill -9 of each process of a running stack) is tests/e2e/test_supervision.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.launcher import Child, Stack, StackSettings, Supervision, describe_exit


class FakeChild(Child):
    def __init__(self, name: str, log_path: Path) -> None:
        self.name = name
        self.log_path = log_path
        self.running = True
        self.up = True
        self.starts = 0
        self.stops = 0
        self.fail_start = False

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
