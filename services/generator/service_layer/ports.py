"""What the report use case needs from the outside world, as Protocols.

The adapters (adapters/memory_client.py, adapters/spool.py, adapters/llm.py) satisfy them over gRPC, the
file system and the OpenAI SDK; tests/unit/generator/fakes.py satisfies them in memory, so the use case is
tested alone. Nothing here imports grpc.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from aicmo.memory.v1 import memory_service_pb2 as mpb

from services.generator.composer.decisions import NO_DECISIONS, Decisions
from services.generator.composer.models import Example, Refinement
from services.generator.domain.brief import Brief
from services.generator.domain.client_playbook import ClientPlaybook
from services.generator.domain.learned import ArchivedVersion, PastWorkQuery, SearchHit
from services.generator.domain.learning_queue import SpooledBatch
from services.generator.domain.packages import Package, SectionSpec


class RetrievalTooSlow(Exception):
    """Memory did not answer within the time given."""


class RetrievalUnavailable(Exception):
    """Memory could not be reached, or failed."""


class WriterFailed(RuntimeError):
    """The section writer (the language model) produced no usable section."""


class ReaderFailed(RuntimeError):
    """The brief reader (a language model) gave no usable reading."""


class BriefReader(Protocol):
    def read(self, brief: Brief, *, timeout: float) -> dict[str, Any]:
        """The model's reading of the brief, shaped by domain/readers/model_reading.SCHEMA; raises
        ReaderFailed. Nothing it says is used before it is grounded in the brief's words."""
        ...


class MemoryPort(Protocol):
    def search(self, query: PastWorkQuery, *, timeout: float) -> Sequence[SearchHit]:
        """The best matches, best first; raises RetrievalTooSlow or RetrievalUnavailable."""
        ...

    def playbook(self, client_id: str, *, timeout: float) -> ClientPlaybook:
        """The client's active playbook entries and the agency-wide ones; raises RetrievalTooSlow or
        RetrievalUnavailable."""
        ...

    def report_version(self, history_id: str, version: int, *, timeout: float) -> ArchivedVersion:
        """One archived version (0: the latest); raises NotFound, RetrievalTooSlow or RetrievalUnavailable."""
        ...


class LearningQueue(Protocol):
    def enqueue(self, batch: mpb.BatchRecordItemsRequest, name: str) -> Path:
        """Persists the batch durably; returns its handle."""
        ...

    def deliver(self, path: Path, timeout: float) -> bool:
        """Tries to deliver one queued batch now; True once memory acknowledged it."""
        ...

    def nudge(self) -> None:
        """Asks the background delivery to try again now."""
        ...


class SectionWriter(Protocol):
    def write_section(
        self,
        section: SectionSpec,
        brief: Brief,
        package: Package,
        examples: Sequence[Example],
        refinement: Refinement,
        *,
        timeout: float,
        decisions: Decisions = NO_DECISIONS,
    ) -> str:
        """One section's markdown, written with the report's learned decisions; raises WriterFailed."""
        ...


class MemoryHealth(Protocol):
    """Whether memory (and through it the database) serves."""

    target: str  # where memory is reached, for saying where no answer came from

    def health(self, *, timeout: float) -> str:
        """SERVING (memory and its database are up), NOT_SERVING (database down) or UNREACHABLE."""
        ...


class LearningQueueAdmin(Protocol):
    """The learning queue as an operator sees it: what waits, and replaying or dropping a batch."""

    def pending(self) -> int:
        """How many batches are queued for delivery."""
        ...

    def set_aside_count(self) -> int:
        """How many batches were set aside after repeated failures."""
        ...

    def list(self) -> list[SpooledBatch]:
        """The queued and set-aside batches."""
        ...

    def replay(self, name: str, timeout: float) -> tuple[str, SpooledBatch | None]:
        """Re-queues a batch and tries to deliver it now: the Outcome and the batch as it stands afterwards
        (None once delivered); raises UnknownBatch."""
        ...

    def drop(self, name: str) -> None:
        """Deletes a batch: its report will not be learned; raises UnknownBatch."""
        ...
