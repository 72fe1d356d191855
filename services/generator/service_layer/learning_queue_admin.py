"""An operator's hands on this replica's learning queue: see what waits, replay a set-aside batch, or drop
one so its report is never learned."""

from __future__ import annotations

from dataclasses import dataclass

from services.common.domain_errors import InvalidArgument, NotFound
from services.common.text_rules import check_storable
from services.generator.domain.learning_queue import Outcome, SpooledBatch, UnknownBatch
from services.generator.service_layer.ports import LearningQueueAdmin

REPLAY_TIMEOUT = 10.0
MAX_NAME_CHARS = 120


@dataclass(frozen=True)
class QueueView:
    batches: list[SpooledBatch]
    queued: int
    set_aside: int


@dataclass(frozen=True)
class Replayed:
    delivered: bool
    batch: SpooledBatch | None  # as it stands afterwards; None once delivered


class QueueAdmin:
    def __init__(self, queue: LearningQueueAdmin) -> None:
        self._queue = queue

    def view(self) -> QueueView:
        """The queued and set-aside batches, with their counts."""
        return QueueView(self._queue.list(), self._queue.pending(), self._queue.set_aside_count())

    def replay(self, name: str) -> Replayed:
        """Re-queues a set-aside batch and tries to deliver it now; NotFound for a name the queue lacks."""
        name = batch_name(name)
        try:
            outcome, batch = self._queue.replay(name, timeout=REPLAY_TIMEOUT)
        except UnknownBatch:
            raise _not_found(name) from None
        return Replayed(outcome == Outcome.DELIVERED, batch)

    def drop(self, name: str) -> str:
        """Deletes a batch (its report will not be learned) and returns its name."""
        name = batch_name(name)
        try:
            self._queue.drop(name)
        except UnknownBatch:
            raise _not_found(name) from None
        return name


def batch_name(name: str) -> str:
    """The name as given, trimmed; InvalidArgument when it cannot be a batch's."""
    check_storable("name", name)
    name = name.strip()
    if not name:
        raise InvalidArgument("name", "is required (see ListLearningQueue)")
    if len(name) > MAX_NAME_CHARS:
        raise InvalidArgument("name", "is not a learning batch name (see ListLearningQueue)")
    return name


def _not_found(name: str) -> NotFound:
    return NotFound(f"no learning batch named {name!r} in this generator's queue")
