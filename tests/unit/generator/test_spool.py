"""The durable learning queue alone, with a fake delivery: no batch blocks another, nothing is lost."""

from __future__ import annotations

from pathlib import Path

import grpc
import pytest
from aicmo.memory.v1 import memory_service_pb2 as mpb

from services.generator.adapters.spool import MAX_ATTEMPTS, LearningSpool
from services.generator.domain.learning_queue import Outcome, UnknownBatch


class FakeRpcError(grpc.RpcError):  # type: ignore[misc]
    def __init__(self, code: grpc.StatusCode, details: str = "") -> None:
        self._code, self._details = code, details

    def code(self) -> grpc.StatusCode:
        return self._code

    def details(self) -> str:
        return self._details


class Memory:
    """Delivery target: fails batches whose first item's client is in `answers` with that code."""

    def __init__(self) -> None:
        self.answers: dict[str, grpc.StatusCode] = {}
        self.received: list[str] = []

    def __call__(self, batch: mpb.BatchRecordItemsRequest, timeout: float) -> None:
        client = batch.requests[0].item.client_id
        if client in self.answers:
            raise FakeRpcError(self.answers[client], f"refused {client}")
        self.received.append(client)


def batch(client: str) -> mpb.BatchRecordItemsRequest:
    return mpb.BatchRecordItemsRequest(
        requests=[
            mpb.RecordItemRequest(item=mpb.LearningItem(kind="report_section", text="t", client_id=client))
        ]
    )


@pytest.fixture
def memory() -> Memory:
    return Memory()


@pytest.fixture
def spool(tmp_path: Path, memory: Memory) -> LearningSpool:
    return LearningSpool(tmp_path / "spool", memory)


def test_delivered_batches_leave_the_queue(spool: LearningSpool, memory: Memory) -> None:
    path = spool.enqueue(batch("a"), "r1")
    assert spool.pending() == 1 and spool.deliver(path, 1.0)
    assert spool.pending() == 0 and memory.received == ["a"]


def test_a_rejected_batch_is_set_aside_and_the_next_one_still_delivers(
    spool: LearningSpool, memory: Memory
) -> None:
    memory.answers["poison"] = grpc.StatusCode.INVALID_ARGUMENT
    poison = spool.enqueue(batch("poison"), "r1")
    good = spool.enqueue(batch("good"), "r2")
    assert spool.attempt(poison, 1.0) == Outcome.SET_ASIDE
    assert spool.attempt(good, 1.0) == Outcome.DELIVERED
    assert (spool.pending(), spool.set_aside_count()) == (0, 1)
    (listed,) = spool.list()
    assert listed.set_aside and listed.client_id == "poison" and listed.reason.startswith("INVALID_ARGUMENT")


def test_an_outage_defers_without_setting_aside(spool: LearningSpool, memory: Memory) -> None:
    memory.answers["a"] = grpc.StatusCode.UNAVAILABLE
    path = spool.enqueue(batch("a"), "r1")
    for _ in range(MAX_ATTEMPTS + 2):
        assert spool.attempt(path, 1.0) == Outcome.DEFERRED
    assert (spool.pending(), spool.set_aside_count()) == (1, 0)


def test_unexpected_errors_are_retried_then_set_aside(spool: LearningSpool, memory: Memory) -> None:
    memory.answers["a"] = grpc.StatusCode.INTERNAL
    path = spool.enqueue(batch("a"), "r1")
    outcomes = [spool.attempt(path, 1.0) for _ in range(MAX_ATTEMPTS)]
    assert outcomes == [Outcome.FAILED] * (MAX_ATTEMPTS - 1) + [Outcome.SET_ASIDE]
    assert spool.list()[0].attempts == MAX_ATTEMPTS


def test_an_unreadable_file_is_set_aside(spool: LearningSpool) -> None:
    path = spool.directory / "00000000000000000001-garbage.pb"
    path.write_bytes(b"\xff\xfe not protobuf")
    assert spool.attempt(path, 1.0) == Outcome.SET_ASIDE
    assert spool.set_aside_count() == 1


def test_replay_and_drop(spool: LearningSpool, memory: Memory) -> None:
    memory.answers["a"] = grpc.StatusCode.FAILED_PRECONDITION
    path = spool.enqueue(batch("a"), "r1")
    spool.attempt(path, 1.0)
    del memory.answers["a"]  # the cause was fixed
    outcome, after = spool.replay(path.name, 1.0)
    assert outcome == Outcome.DELIVERED and after is None and memory.received == ["a"]
    other = spool.enqueue(batch("b"), "r2")
    spool.drop(other.name)
    assert spool.pending() == 0
    with pytest.raises(UnknownBatch):
        spool.drop("../../etc/passwd")
    with pytest.raises(UnknownBatch):
        spool.replay(other.name, 1.0)


def test_the_queue_survives_a_restart(tmp_path: Path, memory: Memory) -> None:
    first = LearningSpool(tmp_path / "spool", memory)
    first.enqueue(batch("a"), "r1")
    (tmp_path / "spool" / "interrupted.pb.abc123.tmp").write_bytes(b"half")
    again = LearningSpool(tmp_path / "spool", memory)
    assert again.pending() == 1 and not list((tmp_path / "spool").glob("*.tmp"))
