"""Whether the whole path a report takes serves: the generator, memory, and memory's database (seen through
memory's health), with how much learning waits in this replica's queue."""

from __future__ import annotations

from dataclasses import dataclass

from services.generator.service_layer.ports import LearningQueueAdmin, MemoryHealth

HEALTH_TIMEOUT = 2.0  # generous: a busy machine must not report a healthy memory as unreachable
SERVING = "SERVING"
STATUSES = frozenset({SERVING, "NOT_SERVING", "UNREACHABLE", "UNKNOWN"})


@dataclass(frozen=True)
class Component:
    name: str
    status: str  # SERVING, NOT_SERVING, UNREACHABLE or UNKNOWN
    detail: str = ""

    def describe(self) -> str:
        return f"{self.name} {self.status}" + (f" ({self.detail})" if self.detail else "")


@dataclass(frozen=True)
class Health:
    components: tuple[Component, ...]
    pending_learning: int
    set_aside_learning: int

    @property
    def down(self) -> tuple[Component, ...]:
        return tuple(c for c in self.components if c.status != SERVING)

    @property
    def serving(self) -> bool:
        return not self.down

    def problem(self) -> str:
        """What is down, in one line ("" when all serve)."""
        return "; ".join(c.describe() for c in self.down)


class HealthCheck:
    def __init__(self, memory: MemoryHealth, queue: LearningQueueAdmin) -> None:
        self._memory = memory
        self._queue = queue

    def check(self) -> Health:
        """The generator serves (it answers); memory as it says; the database as memory's answer implies."""
        memory = self._memory.health(timeout=HEALTH_TIMEOUT)
        memory = memory if memory in STATUSES else "UNKNOWN"  # e.g. SERVICE_UNKNOWN from a wrong server
        if memory == SERVING:
            database = Component("database", SERVING)
        elif memory == "NOT_SERVING":
            database = Component("database", "UNREACHABLE", "the memory service cannot reach its database")
        else:
            database = Component(
                "database", "UNKNOWN", "the memory service is unreachable, so the database cannot be checked"
            )
        memory_detail = f"no answer from {self._memory.target}" if memory == "UNREACHABLE" else ""
        return Health(
            components=(
                Component("generator", SERVING),
                Component("memory", memory, memory_detail),
                database,
            ),
            pending_learning=self._queue.pending(),
            set_aside_learning=self._queue.set_aside_count(),
        )
