"""A durable spool for learning records the memory service has not yet acknowledged.

Each report's records are one file under `$AICMO_DATA_DIR/generator/spool`, written atomically (temp file,
fsync, rename) before delivery is attempted. A file is removed only after memory acknowledged it; the
records carry idempotency keys, so a delivery repeated after a crash never creates a second row. A
background thread keeps delivering while memory is away, also after the generator restarts.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import grpc
from aicmo.memory.v1 import memory_service_pb2 as mpb

log = logging.getLogger(__name__)

Deliver = Callable[[mpb.BatchRecordItemsRequest, float], None]


class LearningSpool:
    def __init__(self, directory: Path, deliver: Deliver, *, retry_seconds: float = 2.0) -> None:
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self._deliver = deliver
        self._retry = retry_seconds
        self._in_flight: set[Path] = set()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="learning-spool", daemon=True)
        for leftover in self.directory.glob("*.tmp"):
            leftover.unlink(missing_ok=True)  # a write interrupted before its rename: never acknowledged

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

    # -- delivering ------------------------------------------------------------------------------------
    def deliver(self, path: Path, timeout: float) -> bool:
        """Tries to deliver one spooled batch now; True when memory acknowledged it (the file is gone)."""
        with self._lock:
            if path in self._in_flight:
                return False
            self._in_flight.add(path)
        try:
            try:
                batch = mpb.BatchRecordItemsRequest.FromString(path.read_bytes())
            except FileNotFoundError:
                return True  # delivered by someone else meanwhile
            try:
                self._deliver(batch, timeout)
            except grpc.RpcError as exc:
                code = exc.code() if hasattr(exc, "code") else None
                if code == grpc.StatusCode.INVALID_ARGUMENT:
                    # Retrying cannot fix a rejected batch: keep it aside for an operator, never loop on it.
                    path.rename(path.with_suffix(".rejected"))
                    log.error("memory rejected spooled learning %s: %s", path.name, exc.details())
                    return False
                log.warning("learning delivery deferred (%s); it stays in the spool", code)
                return False
            path.unlink(missing_ok=True)
            return True
        finally:
            with self._lock:
                self._in_flight.discard(path)

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
            delivered_all = True
            for path in files:
                if self._stop.is_set():
                    return
                if not self.deliver(path, timeout=10.0):
                    delivered_all = False
                    break  # memory is away: wait before trying the rest
                log.info("delivered spooled learning %s", path.name)
            self._wake.wait(timeout=None if delivered_all and not files else self._retry)
            self._wake.clear()


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)[:80]


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
