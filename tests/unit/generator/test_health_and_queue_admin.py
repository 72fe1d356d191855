"""The generator's health check and the learning-queue administration, over fakes of their ports."""

from __future__ import annotations

import pytest

from services.common.domain_errors import InvalidArgument, NotFound
from services.generator.service_layer.health import HEALTH_TIMEOUT, HealthCheck
from services.generator.service_layer.learning_queue_admin import REPLAY_TIMEOUT, QueueAdmin
from tests.unit.generator.fakes import FakeMemoryHealth, FakeQueueAdmin, spooled


def _statuses(check: HealthCheck) -> dict[str, tuple[str, str]]:
    return {c.name: (c.status, c.detail) for c in check.check().components}


def test_all_serving_when_memory_serves() -> None:
    queue = FakeQueueAdmin({"a": spooled("a"), "b": spooled("b", set_aside=True)})
    health = HealthCheck(FakeMemoryHealth("SERVING"), queue).check()
    assert health.serving and health.problem() == ""
    assert [(c.name, c.status) for c in health.components] == [
        ("generator", "SERVING"),
        ("memory", "SERVING"),
        ("database", "SERVING"),
    ]
    assert (health.pending_learning, health.set_aside_learning) == (1, 1)


def test_memory_not_serving_means_its_database_is_unreachable() -> None:
    check = HealthCheck(FakeMemoryHealth("NOT_SERVING"), FakeQueueAdmin())
    assert _statuses(check)["database"] == ("UNREACHABLE", "the memory service cannot reach its database")
    health = check.check()
    assert not health.serving
    assert health.problem() == (
        "memory NOT_SERVING; database UNREACHABLE (the memory service cannot reach its database)"
    )


def test_unreachable_memory_names_where_it_was_asked_and_leaves_the_database_unknown() -> None:
    statuses = _statuses(HealthCheck(FakeMemoryHealth("UNREACHABLE", "mem:1"), FakeQueueAdmin()))
    assert statuses["memory"] == ("UNREACHABLE", "no answer from mem:1")
    assert statuses["database"][0] == "UNKNOWN"
    assert statuses["generator"] == ("SERVING", "")


def test_a_status_memory_should_not_give_counts_as_unknown() -> None:
    statuses = _statuses(HealthCheck(FakeMemoryHealth("SERVICE_UNKNOWN"), FakeQueueAdmin()))
    assert statuses["memory"] == ("UNKNOWN", "")
    assert statuses["database"][0] == "UNKNOWN"


def test_health_asks_memory_within_its_timeout() -> None:
    seen: list[float] = []

    class Timed(FakeMemoryHealth):
        def health(self, *, timeout: float) -> str:
            seen.append(timeout)
            return "SERVING"

    HealthCheck(Timed(), FakeQueueAdmin()).check()
    assert seen == [HEALTH_TIMEOUT]


def test_view_lists_batches_with_their_counts() -> None:
    queue = FakeQueueAdmin({"a": spooled("a"), "b": spooled("b", set_aside=True), "c": spooled("c")})
    view = QueueAdmin(queue).view()
    assert [b.name for b in view.batches] == ["a", "b", "c"]
    assert (view.queued, view.set_aside) == (2, 1)


def test_replay_delivers_a_set_aside_batch() -> None:
    queue = FakeQueueAdmin({"b": spooled("b", set_aside=True)})
    replayed = QueueAdmin(queue).replay("  b ")
    assert replayed.delivered and replayed.batch is None
    assert queue.batches == {} and queue.replay_timeouts == [REPLAY_TIMEOUT]


def test_replay_not_delivered_returns_the_batch_as_it_stands() -> None:
    queue = FakeQueueAdmin({"b": spooled("b", set_aside=True)}, accept=False)
    replayed = QueueAdmin(queue).replay("b")
    assert not replayed.delivered
    assert replayed.batch is not None and not replayed.batch.set_aside


def test_drop_removes_the_batch_and_returns_its_name() -> None:
    queue = FakeQueueAdmin({"a": spooled("a")})
    assert QueueAdmin(queue).drop(" a") == "a"
    assert queue.batches == {}


@pytest.mark.parametrize("action", ["replay", "drop"])
def test_an_unknown_batch_is_not_found(action: str) -> None:
    admin = QueueAdmin(FakeQueueAdmin({"a": spooled("a")}))
    with pytest.raises(NotFound, match="no learning batch named 'zz' in this generator's queue"):
        getattr(admin, action)("zz")


@pytest.mark.parametrize(("name", "says"), [("   ", "is required"), ("x" * 121, "is not a learning batch")])
@pytest.mark.parametrize("action", ["replay", "drop"])
def test_a_name_that_cannot_be_a_batch_is_an_invalid_argument(action: str, name: str, says: str) -> None:
    queue = FakeQueueAdmin({"a": spooled("a")})
    with pytest.raises(InvalidArgument, match=says):
        getattr(QueueAdmin(queue), action)(name)
    assert list(queue.batches) == ["a"]
