"""The forget ledger: an append-only JSON-lines file, outside the database, of every forget and import.

A backup restored later brings back the database as it was, including clients forgotten since. The
ledger is what survives the restore: `restore` (adapters/backup.py) re-applies every forget it holds that
the restored database does not (a client whose recorded forget there is older, or missing), with its
original forget time, so work started before that forget is still discarded. Imports are written too: a
client brought back by an import after its forget is forgotten again by such a restore, and the restore
names the import file (by checksum) to run again.

Each line is one JSON object, written with O_APPEND and fsynced before the database commits the forget:
a forget that is in the database is always in the ledger (a line whose commit then failed only makes a
restore forget a client an operator asked to forget).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

FORGET = "forget"
IMPORT = "import"


@dataclass(frozen=True)
class LedgerEntry:
    event: str  # FORGET or IMPORT
    client_id: str
    time: dt.datetime
    file_sha256: str = ""  # IMPORT: the checksum of the imported file's body


class LedgerError(RuntimeError):
    """The ledger cannot be written or read."""


class ForgetLedger:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def record_forget(self, client_id: str, forget_time: dt.datetime) -> None:
        self._append(LedgerEntry(FORGET, client_id, forget_time))

    def record_import(self, client_id: str, time: dt.datetime, file_sha256: str) -> None:
        self._append(LedgerEntry(IMPORT, client_id, time, file_sha256))

    def _append(self, entry: LedgerEntry) -> None:
        line = json.dumps(
            {
                "event": entry.event,
                "client_id": entry.client_id,
                "time": entry.time.isoformat(),
                **({"file_sha256": entry.file_sha256} if entry.file_sha256 else {}),
            },
            ensure_ascii=False,
        )
        with self._lock:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                try:
                    os.write(fd, (line + "\n").encode("utf-8"))
                    os.fsync(fd)
                finally:
                    os.close(fd)
            except OSError as exc:
                raise LedgerError(f"cannot write the forget ledger {self.path}: {exc.strerror}") from None

    def entries(self) -> Iterator[LedgerEntry]:
        """Every entry in the order written; a torn last line (a crash mid-write) is skipped with a warning."""
        try:
            handle = self.path.open(encoding="utf-8")
        except FileNotFoundError:
            return
        except OSError as exc:
            raise LedgerError(f"cannot read the forget ledger {self.path}: {exc.strerror}") from None
        with handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    raw = json.loads(line)
                    yield LedgerEntry(
                        event=str(raw["event"]),
                        client_id=str(raw["client_id"]),
                        time=dt.datetime.fromisoformat(raw["time"]),
                        file_sha256=str(raw.get("file_sha256", "")),
                    )
                except (ValueError, KeyError, TypeError):
                    log.warning("forget ledger %s: line %d is not an entry; skipped", self.path, number)
