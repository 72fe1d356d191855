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
