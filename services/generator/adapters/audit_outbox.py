"""The generator's audit entries, durable before they are sent: each is written to a file (fsynced) in
`$AICMO_DATA_DIR/generator/audit`, and a background thread appends them to memory's audit trail
(AuditService.AppendAuditEntries, idempotent by entry id) and removes each file once memory has it.

Why an outbox: a report is written (and a batch replayed or dropped) even while memory is down, and its
audit entry must not be lost with it; memory may also be slow, and a report must not wait for its audit
entry. The entry keeps the time of the change, not of its delivery.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import grpc
from aicmo.memory.v1 import audit_pb2 as aupb
from google.protobuf import json_format

from services.common.auth import AuditEvent

log = logging.getLogger(__name__)

Send = Callable[[Sequence[aupb.AuditEntry], float], int]
BATCH = 100
SEND_TIMEOUT_SECONDS = 5.0
STOP_FLUSH_SECONDS = 1.0
# Refusals that retrying cannot fix: such entries move to rejected/ (and are logged) so the rest go on.
_PERMANENT = (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.PERMISSION_DENIED)


def entry_from_event(event: AuditEvent) -> aupb.AuditEntry:
    entry = aupb.AuditEntry(
        entry_id=uuid.uuid4().hex,
        person=event.identity.person,
        role=event.identity.role,
        service=event.identity.service,
        action=event.action,
        client_id=event.client_id,
        target=event.target,
        request_id=event.request_id,
        outcome=event.outcome,
        method=event.method,
    )
    entry.at.FromDatetime(dt.datetime.now(dt.UTC))
    return entry


class AuditOutbox:
    def __init__(self, directory: Path, send: Send, *, retry_seconds: float = 1.0) -> None:
        self.directory = directory
        self.rejected_dir = directory / "rejected"
        self.directory.mkdir(parents=True, exist_ok=True)
        self._send = send
        self._retry = retry_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="audit-outbox", daemon=True)

    def append(self, entry: aupb.AuditEntry) -> None:
        """Durable on return (the file and its directory entry are fsynced)."""
        name = f"{time.time_ns():020d}-{entry.entry_id}.json"
        tmp = self.directory / f".{name}.tmp"
        with tmp.open("w") as out:
            out.write(json_format.MessageToJson(entry, indent=None))
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, self.directory / name)
        _fsync_dir(self.directory)
        self._wake.set()

    def pending(self) -> int:
        return sum(1 for _ in self.directory.glob("*.json"))

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(STOP_FLUSH_SECONDS)
        if not self._thread.is_alive():
            # What the last calls recorded, if memory answers at once; else it waits on disk for the next start
            # (a stop never waits long for the audit: the orchestrator's grace period is the spool's).
            self.flush_once(timeout=STOP_FLUSH_SECONDS)

    def flush_once(self, timeout: float = SEND_TIMEOUT_SECONDS) -> bool:
        """Sends up to one batch; True when the outbox is empty afterwards (or nothing could be sent)."""
        files = sorted(self.directory.glob("*.json"))[:BATCH]
        if not files:
            return True
        entries: list[aupb.AuditEntry] = []
        kept: list[Path] = []
        for path in files:
            try:
                entries.append(json_format.Parse(path.read_text(), aupb.AuditEntry()))
                kept.append(path)
            except (OSError, json_format.ParseError) as exc:
                log.error(
                    "audit outbox: %s cannot be read (%s); moved to %s", path.name, exc, self.rejected_dir
                )
                self._reject(path)
        if not entries:
            return False
        try:
            self._send(entries, timeout)
        except grpc.RpcError as exc:
            code = exc.code() if hasattr(exc, "code") else None
            if code in _PERMANENT and len(entries) == 1:
                log.error("audit outbox: memory refused %s (%s); moved aside", kept[0].name, code)
                self._reject(kept[0])
                return False
            if code in _PERMANENT:  # find the one refused: send one at a time next round
                for path in kept:
                    self._send_alone(path)
                return False
            log.info(
                "audit outbox: %d entr(ies) wait for memory (%s)", self.pending(), code.name if code else exc
            )
            return True
        for path in kept:
            path.unlink(missing_ok=True)
        return len(files) < BATCH

    def _send_alone(self, path: Path) -> None:
        try:
            self._send([json_format.Parse(path.read_text(), aupb.AuditEntry())], SEND_TIMEOUT_SECONDS)
            path.unlink(missing_ok=True)
        except grpc.RpcError as exc:
            if (exc.code() if hasattr(exc, "code") else None) in _PERMANENT:
                self._reject(path)

    def _reject(self, path: Path) -> None:
        self.rejected_dir.mkdir(exist_ok=True)
        os.replace(path, self.rejected_dir / path.name)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                done = self.flush_once()
            except Exception as exc:  # never let the thread die
                log.error("audit outbox: %s", exc)
                done = True
            if done:
                self._wake.wait(self._retry)
                self._wake.clear()


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class GeneratorAudit:
    """The generator's AuditSink: every audited call becomes an outbox entry."""

    def __init__(self, outbox: AuditOutbox, batch_client: Callable[[str], str]) -> None:
        self._outbox = outbox
        self._batch_client = batch_client

    def describe(self, method: str, request: Any, identity: Any) -> tuple[str, str]:
        from services.common.client_ids import client_key

        name = method.rsplit("/", 1)[-1]
        if name == "StreamGenerateReport":
            request = request.request
            name = "GenerateReport"
        if name == "GenerateReport":
            brief = request.client_brief
            return (client_key(brief.client_name) if brief.client_name.strip() else ""), ""
        if name in ("RegenerateSection", "EditSection"):
            # memory files the entry under the client of this report history
            return "", f"{request.history_id}/{request.section_id}"[:500]
        if name in ("ReplayLearningBatch", "DropLearningBatch"):
            batch = str(request.name)[:300]
            return self._batch_client(batch), batch
        return "", ""

    def record(self, event: AuditEvent) -> None:
        self._outbox.append(entry_from_event(event))
