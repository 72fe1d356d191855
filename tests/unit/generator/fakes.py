"""In-memory stand-ins for the report use case's ports (services/generator/service_layer/ports.py)."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from aicmo.memory.v1 import memory_service_pb2 as mpb
from aicmo.memory.v1 import report_archive_pb2 as rpb

from services.common.domain_errors import NotFound
from services.generator.adapters.memory_client import version_from_proto
from services.generator.composer.decisions import NO_DECISIONS, Decisions
from services.generator.composer.models import Example, Refinement
from services.generator.domain.brief import Brief
from services.generator.domain.client_playbook import ClientPlaybook, PlaybookEntry
from services.generator.domain.learned import ArchivedVersion, LearnedItem, PastWorkQuery, SearchHit
from services.generator.domain.learning_queue import Outcome, SpooledBatch, UnknownBatch
from services.generator.domain.packages import Package, SectionSpec
from services.generator.service_layer.playbook_records import entry_from_proto
from services.generator.service_layer.ports import RetrievalTooSlow, RetrievalUnavailable, WriterFailed


@dataclass
class FakeMemory:
    """Answers searches from a fixed list of results, honouring for_client_id the way memory does."""

    results: list[SearchHit] = field(default_factory=list)
    failure: Exception | None = None
    searches: list[PastWorkQuery] = field(default_factory=list)
    scope_in_query: bool = True  # False: return everything, as a broken memory would

    def add(self, text: str, *, client_id: str = "", section_id: str = "", rating: str = "",
            similarity: float = 0.8) -> str:  # fmt: skip
        item_id = f"item-{len(self.results) + 1}"
        item = LearnedItem(id=item_id, kind="report_section", title=f"{section_id} example", text=text,
                           client_id=client_id, section_id=section_id, rating=rating, agency=not client_id)  # fmt: skip
        self.results.append(SearchHit(item=item, similarity=similarity, score=similarity))
        return item_id

    versions: dict[str, list[rpb.ReportVersion]] = field(default_factory=dict)

    def report_version(self, history_id: str, version: int, *, timeout: float) -> ArchivedVersion:
        if self.failure is not None:
            raise self.failure
        found = self.versions.get(history_id, [])
        if not found or version > len(found):
            raise NotFound(f"no version {version} of {history_id}")
        return version_from_proto(found[version - 1] if version else found[-1])

    entries: dict[str, PlaybookEntry] = field(default_factory=dict)

    def playbook(self, client_id: str, *, timeout: float) -> ClientPlaybook:
        if self.failure is not None:
            raise self.failure
        found = [e for e in reversed(self.entries.values()) if e.client_id in (client_id, "")]  # newest first
        return ClientPlaybook.of_entries(found)

    def archive(self, batch: mpb.BatchRecordItemsRequest) -> None:
        """What memory does with a delivered batch: number and keep its report version, and add its
        playbook entries (idempotently, by id)."""
        for proto in batch.playbook_entries:
            entry = entry_from_proto(proto)
            if entry is not None and entry.id not in self.entries:
                self.entries[entry.id] = entry
        if batch.HasField("report_version"):
            version = rpb.ReportVersion()
            version.CopyFrom(batch.report_version)
            history = self.versions.setdefault(version.history_id, [])
            version.version = len(history) + 1
            history.append(version)

    def search(self, request: PastWorkQuery, *, timeout: float) -> Sequence[SearchHit]:
        self.searches.append(request)
        if self.failure is not None:
            raise self.failure
        return [
            r
            for r in self.results
            if not self.scope_in_query or r.item.agency or r.item.client_id == request.for_client_id
        ]


@dataclass
class FakeQueue:
    """A learning queue that keeps batches in a list; `accept` says whether memory takes them now."""

    accept: bool = True
    memory: FakeMemory | None = None  # delivered batches' report versions are archived there
    queued: list[mpb.BatchRecordItemsRequest] = field(default_factory=list)
    delivered: list[mpb.BatchRecordItemsRequest] = field(default_factory=list)
    nudges: int = 0

    def enqueue(self, batch: mpb.BatchRecordItemsRequest, name: str) -> Path:
        self.queued.append(batch)
        return Path(f"{len(self.queued) - 1}-{name}.pb")

    def deliver(self, path: Path, timeout: float) -> bool:
        if not self.accept:
            return False
        batch = self.queued[int(path.name.split("-", 1)[0])]
        self.delivered.append(batch)
        if self.memory is not None:
            self.memory.archive(batch)
        return True

    def nudge(self) -> None:
        self.nudges += 1


@dataclass
class FakeMemoryHealth:
    """Memory's health as it answers: SERVING, NOT_SERVING, UNREACHABLE or anything else it may say."""

    status: str = "SERVING"
    target: str = "memory.test:50052"

    def health(self, *, timeout: float) -> str:
        return self.status


def spooled(name: str, *, set_aside: bool = False, client_id: str = "acme") -> SpooledBatch:
    return SpooledBatch(
        name=name,
        set_aside=set_aside,
        report_id="r-1",
        client_id=client_id,
        title="A report",
        item_count=3,
        enqueue_time=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        reason="memory refused it" if set_aside else "",
        attempts=5 if set_aside else 0,
    )


@dataclass
class FakeQueueAdmin:
    """The learning queue an operator administers: batches by name; `accept` says whether a replay lands."""

    batches: dict[str, SpooledBatch] = field(default_factory=dict)
    accept: bool = True
    replay_timeouts: list[float] = field(default_factory=list)

    def pending(self) -> int:
        return sum(not b.set_aside for b in self.batches.values())

    def set_aside_count(self) -> int:
        return sum(b.set_aside for b in self.batches.values())

    def list(self) -> list[SpooledBatch]:
        return list(self.batches.values())

    def replay(self, name: str, timeout: float) -> tuple[str, SpooledBatch | None]:
        if name not in self.batches:
            raise UnknownBatch(name)
        self.replay_timeouts.append(timeout)
        if self.accept:
            del self.batches[name]
            return Outcome.DELIVERED, None
        self.batches[name] = spooled(name)  # queued again, to be retried
        return Outcome.DEFERRED, self.batches[name]

    def drop(self, name: str) -> None:
        if self.batches.pop(name, None) is None:
            raise UnknownBatch(name)


@dataclass
class FakeWriter:
    """A section writer: fails for the section ids in `failing`, sleeps `delay` seconds per section."""

    failing: set[str] = field(default_factory=set)
    delay: float = 0.0
    calls: list[str] = field(default_factory=list)
    prompts_examples: dict[str, list[str]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def write_section(self, section: SectionSpec, brief: Brief, package: Package, examples: Sequence[Example],
                      refinement: Refinement, *, timeout: float,
                      decisions: Decisions = NO_DECISIONS) -> str:  # fmt: skip
        with self._lock:
            self.calls.append(section.id)
            self.prompts_examples[section.id] = [e.item_id for e in examples]
        if self.delay:
            time.sleep(min(self.delay, timeout))
        if section.id in self.failing:
            raise WriterFailed("injected failure")
        return f"Model-written {section.title} for {brief.brand_name}."


TOO_SLOW = RetrievalTooSlow("too slow")
UNAVAILABLE = RetrievalUnavailable("unreachable")
