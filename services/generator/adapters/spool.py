"""A durable spool for learning records the memory service has not yet acknowledged.

Each report's records are one file under `$AICMO_DATA_DIR/generator/spool`, written atomically (temp file,
fsync, rename) before delivery is attempted. A file is removed only after memory acknowledged it; the
records carry idempotency keys and chosen ids, so a delivery repeated after a crash never creates a second
row. A background thread keeps delivering while memory is away, also after the generator restarts.

One bad batch never blocks the others. A batch memory rejects for good (INVALID_ARGUMENT and the like), a
file that cannot be read, or a batch that failed with an unexpected error `MAX_ATTEMPTS` times in a row is
*set aside*: moved to `spool/set-aside/` with a `.json` note saying why, counted in health, listed by
ListLearningQueue, and replayed or dropped by an operator (the app, the REST API, or
`python -m services.generator spool list|replay NAME|drop NAME`). Only outage-like failures (memory
unreachable, too slow, overloaded, not authorised) pause the whole queue.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import grpc
from aicmo.memory.v1 import memory_service_pb2 as mpb
from google.protobuf.message import DecodeError

from services.generator.domain.learning_queue import Outcome, SpooledBatch, UnknownBatch

log = logging.getLogger(__name__)

Deliver = Callable[[mpb.BatchRecordItemsRequest, float], object]

SET_ASIDE_DIR = "set-aside"
MAX_ATTEMPTS = 5
LIST_LIMIT = 200
# Retrying cannot change memory's answer to these: the batch itself is wrong.
PERMANENT_CODES = frozenset(
    {
        grpc.StatusCode.INVALID_ARGUMENT,
        grpc.StatusCode.FAILED_PRECONDITION,
        grpc.StatusCode.OUT_OF_RANGE,
        grpc.StatusCode.NOT_FOUND,
        grpc.StatusCode.ALREADY_EXISTS,
        grpc.StatusCode.UNIMPLEMENTED,
    }
)
# Memory is away or busy (or this generator is misconfigured): every batch would fail alike, so wait.
OUTAGE_CODES = frozenset(
    {
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        grpc.StatusCode.ABORTED,
        grpc.StatusCode.CANCELLED,
        grpc.StatusCode.UNAUTHENTICATED,
        grpc.StatusCode.PERMISSION_DENIED,
    }
)
_NAME = re.compile(r"^[0-9]{20}-[A-Za-z0-9_-]{1,80}\.pb$")


def is_valid_name(name: str) -> bool:
    return bool(_NAME.match(name))


class LearningSpool:
    def __init__(self, directory: Path, deliver: Deliver, *, retry_seconds: float = 2.0) -> None:
        self.directory = directory
        self.set_aside_dir = directory / SET_ASIDE_DIR
        self.set_aside_dir.mkdir(parents=True, exist_ok=True)
        self._deliver = deliver
        self._retry = retry_seconds
        self._in_flight: set[Path] = set()
        self._failures: dict[str, tuple[int, str]] = {}  # name -> (attempts, last error)
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="learning-spool", daemon=True)
        for leftover in self.directory.glob("*.tmp"):
            leftover.unlink(missing_ok=True)  # a write interrupted before its rename: never acknowledged
        # Older versions renamed rejected batches to *.rejected in place: move them where they are listed.
        for legacy in self.directory.glob("*.rejected"):
            self._move_aside(legacy, legacy.with_suffix(".pb").name, "rejected by memory (before upgrade)", 1)

    # -- writing ---------------------------------------------------------------------------------------
    def enqueue(self, batch: mpb.BatchRecordItemsRequest, name: str) -> Path:
        """Persists the batch; returns the spool file. Durable once this returns."""
        final = self.directory / f"{time.time_ns():020d}-{_safe(name)}.pb"
        tmp = final.with_suffix(f".{uuid.uuid4().hex[:6]}.tmp")
        with open(tmp, "wb") as f:
            f.write(batch.SerializeToString())
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, final)
        _fsync_dir(self.directory)
        return final

    def pending(self) -> int:
        return sum(1 for _ in self.directory.glob("*.pb"))

    def set_aside_count(self) -> int:
        return sum(1 for _ in self.set_aside_dir.glob("*.pb"))

    def oldest_age_seconds(self) -> float:
        """How long the oldest queued batch has waited (0 when none)."""
        names = sorted(p.name for p in self.directory.glob("*.pb"))
        stamp = names[0].split("-", 1)[0] if names else ""
        return max(0.0, time.time() - int(stamp) / 1e9) if stamp.isdigit() else 0.0

    # -- delivering ------------------------------------------------------------------------------------
    def deliver(self, path: Path, timeout: float) -> bool:
        """Tries to deliver one spooled batch now; True when memory acknowledged it (the file is gone)."""
        return self.attempt(path, timeout) == Outcome.DELIVERED

    def attempt(self, path: Path, timeout: float) -> str:
        """One delivery attempt; returns an Outcome."""
        with self._lock:
            if path in self._in_flight:
                return Outcome.DEFERRED
            self._in_flight.add(path)
        try:
            try:
                batch = mpb.BatchRecordItemsRequest.FromString(path.read_bytes())
            except FileNotFoundError:
                return Outcome.DELIVERED  # delivered (or dropped) by someone else meanwhile
            except DecodeError:
                self._move_aside(path, path.name, "the spool file is not a readable learning batch", 1)
                return Outcome.SET_ASIDE
            try:
                self._deliver(batch, timeout)
            except grpc.RpcError as exc:
                return self._failed(path, exc)
            path.unlink(missing_ok=True)
            self._failures.pop(path.name, None)
            return Outcome.DELIVERED
        finally:
            with self._lock:
                self._in_flight.discard(path)

    def _failed(self, path: Path, exc: grpc.RpcError) -> str:
        code = exc.code() if hasattr(exc, "code") else None
        details = (exc.details() if hasattr(exc, "details") else "") or ""
        reason = f"{code.name if code else 'UNKNOWN'}: {details}"[:1000]
        if code in OUTAGE_CODES:
            log.warning("learning delivery deferred (%s); it stays in the spool", code)
            return Outcome.DEFERRED
        attempts = self._failures.get(path.name, (0, ""))[0] + 1
        if code in PERMANENT_CODES or attempts >= MAX_ATTEMPTS:
            self._move_aside(path, path.name, reason, attempts)
            return Outcome.SET_ASIDE
        self._failures[path.name] = (attempts, reason)
        log.warning(
            "learning delivery of %s failed (%s), attempt %d of %d", path.name, reason, attempts, MAX_ATTEMPTS
        )
        return Outcome.FAILED

    def _move_aside(self, path: Path, name: str, reason: str, attempts: int) -> None:
        target = self.set_aside_dir / name
        note = {
            "reason": reason,
            "attempts": attempts,
            "set_aside_time": dt.datetime.now(dt.UTC).isoformat(),
        }
        note_path = target.with_suffix(".json")
        note_path.write_text(json.dumps(note))
        os.replace(path, target)
        _fsync_dir(self.set_aside_dir)
        _fsync_dir(self.directory)
        self._failures.pop(name, None)
        log.error("learning batch %s set aside: %s (replay or drop it from the Learn tab)", name, reason)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=5)

    def nudge(self) -> None:
        """Asks the background thread to try now (e.g. after an enqueue that could not be delivered)."""
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            files = sorted(self.directory.glob("*.pb"))
            all_done = True
            for path in files:
                if self._stop.is_set():
                    return
                outcome = self.attempt(path, timeout=10.0)
                if outcome == Outcome.DELIVERED:
                    log.info("delivered spooled learning %s", path.name)
                    continue
                all_done = False
                if outcome == Outcome.DEFERRED:
                    break  # memory is away: wait before trying the rest
                # FAILED or SET_ASIDE concern this batch only: the others go on.
            self._wake.wait(timeout=None if all_done and not files else self._retry)
            self._wake.clear()

    # -- operating -------------------------------------------------------------------------------------
    def list(self, limit: int = LIST_LIMIT) -> list[SpooledBatch]:
        """Queued batches, then set-aside ones, oldest first (at most `limit`)."""
        out: list[SpooledBatch] = []
        for path, aside in [
            *((p, False) for p in sorted(self.directory.glob("*.pb"))),
            *((p, True) for p in sorted(self.set_aside_dir.glob("*.pb"))),
        ]:
            if len(out) >= limit:
                break
            described = self._describe(path, aside)
            if described is not None:
                out.append(described)
        return out

    def _describe(self, path: Path, aside: bool) -> SpooledBatch | None:
        try:
            batch = mpb.BatchRecordItemsRequest.FromString(path.read_bytes())
        except FileNotFoundError:
            return None
        except DecodeError:
            batch = mpb.BatchRecordItemsRequest()
        first = batch.requests[0].item if batch.requests else mpb.LearningItem()
        report_id = ""
        if first.HasField("metadata") and "report_id" in first.metadata.fields:
            report_id = first.metadata.fields["report_id"].string_value
        if aside:
            try:
                note = json.loads(path.with_suffix(".json").read_text())
            except (OSError, ValueError):
                note = {}
            reason, attempts = str(note.get("reason", "")), int(note.get("attempts", 0))
        else:
            attempts, reason = self._failures.get(path.name, (0, ""))
        stamp = path.name.split("-", 1)[0]
        return SpooledBatch(
            name=path.name,
            set_aside=aside,
            report_id=report_id,
            client_id=first.client_id,
            title=first.title,
            item_count=len(batch.requests),
            enqueue_time=dt.datetime.fromtimestamp(int(stamp) / 1e9, dt.UTC) if stamp.isdigit() else _EPOCH,
            reason=reason,
            attempts=attempts,
        )

    def _find(self, name: str) -> Path:
        if not is_valid_name(name):
            raise UnknownBatch(name)
        for path in (self.directory / name, self.set_aside_dir / name):
            if path.exists():
                return path
        raise UnknownBatch(name)

    def replay(self, name: str, timeout: float) -> tuple[str, SpooledBatch | None]:
        """Puts a set-aside batch back in the queue and tries to deliver it now (a queued one is just
        tried now). Returns the outcome and the batch as it stands afterwards (None once delivered)."""
        path = self._find(name)
        if path.parent == self.set_aside_dir:
            queued = self.directory / name
            os.replace(path, queued)
            path.with_suffix(".json").unlink(missing_ok=True)
            _fsync_dir(self.directory)
            path = queued
        outcome = self.attempt(path, timeout)
        if outcome != Outcome.DELIVERED:
            self.nudge()
        for aside in (False, True):
            candidate = (self.set_aside_dir if aside else self.directory) / name
            if candidate.exists():
                return outcome, self._describe(candidate, aside)
        return outcome, None

    def drop(self, name: str) -> None:
        """Deletes a batch (queued or set aside): its report will not be learned."""
        path = self._find(name)
        path.unlink(missing_ok=True)
        path.with_suffix(".json").unlink(missing_ok=True)
        self._failures.pop(name, None)
        log.warning("learning batch %s dropped by an operator", name)


_EPOCH = dt.datetime.fromtimestamp(0, dt.UTC)


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)[:80]


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
