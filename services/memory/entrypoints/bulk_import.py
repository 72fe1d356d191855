"""`python -m services.memory import PATH`: bulk-load learning items from JSONL files or Markdown folders.

PATH is a .jsonl file, a .md file, or a folder (searched recursively for *.jsonl and *.md). A JSONL line is
a JSON object with LearningItem's fields: `text` (required), `kind` (default uploaded_example), `title`,
`client_id`, `industry`, `package_key`, `section_id`, `tags`, `metadata`, `source` (default import),
`scope` ("client" or "agency") and `idempotency_key`. A Markdown file is one item: its first `# heading`
is the title (else the file name), the whole file the text; --kind, --client-id, --industry and --scope
apply to it.

Items are validated like RecordItem and stored in multi-row batches, acknowledged on commit (deduplicated
and idempotent as always: importing the same files twice stores nothing new). Then this process embeds the
queue itself, in batches sorted by length, while any running memory service helps (the queue is shared).
Two progress bars show both steps. Invalid entries are reported with their file and line and skipped.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from services.common.domain_errors import InvalidArgument
from services.memory.domain.model import Acknowledge, NewItem, RecordResult, Scope, validate_new_item
from services.memory.service_layer.learning import LearningService

BATCH = 256
_SCOPES = {"client": Scope.CLIENT, "agency": Scope.AGENCY, "": None}


@dataclass
class ImportReport:
    created: int = 0
    existing: int = 0
    discarded: int = 0
    invalid: int = 0
    embedded: int = 0


@dataclass(frozen=True)
class Defaults:
    kind: str = "uploaded_example"
    client_id: str = ""
    industry: str = ""
    scope: str = ""
    source: str = "import"


class ProgressBar:
    """One line on stderr redrawn in place (or a line per tenth when stderr is not a terminal)."""

    def __init__(self, label: str, total: int, stream: TextIO = sys.stderr) -> None:
        self.label, self.total, self.stream = label, max(total, 0), stream
        self.done = 0
        self.started = time.monotonic()
        self._tty = stream.isatty()
        self._last_tenth = -1

    def advance(self, n: int) -> None:
        self.done += n
        tenth = self.done * 10 // self.total if self.total else 10
        if self._tty or tenth != self._last_tenth or self.done >= self.total:
            self._last_tenth = tenth
            self._draw()

    def _draw(self) -> None:
        width = 30
        filled = width * self.done // self.total if self.total else width
        rate = self.done / max(time.monotonic() - self.started, 1e-9)
        line = (
            f"{self.label:<9} [{'#' * filled}{'.' * (width - filled)}] {self.done:,}/{self.total:,} "
            f"({rate:,.0f}/s)"
        )
        self.stream.write(("\r" + line) if self._tty else line + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self._tty:
            self.stream.write("\n")
            self.stream.flush()


def files_under(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise FileNotFoundError(f"no such file or folder: {path}")
    return sorted(p for p in path.rglob("*") if p.suffix.lower() in (".jsonl", ".md") and p.is_file())


def count_entries(files: list[Path]) -> int:
    """How many entries `entries` yields (for the progress bar), without parsing them: a Markdown file is
    one, a JSONL file one per non-blank line."""
    total = 0
    for path in files:
        if path.suffix.lower() == ".md":
            total += 1
            continue
        with path.open(encoding="utf-8", errors="replace") as handle:
            total += sum(1 for line in handle if line.strip())
    return total


def entries(files: list[Path]) -> Iterator[tuple[str, dict[str, Any] | str]]:
    """(where, fields) per item, or (where, error) for an unreadable entry."""
    for path in files:
        if path.suffix.lower() == ".md":
            text = path.read_text(encoding="utf-8", errors="replace")
            title = next((ln[2:].strip() for ln in text.splitlines() if ln.startswith("# ")), path.stem)
            yield str(path), {"title": title, "text": text}
            continue
        with path.open(encoding="utf-8", errors="replace") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    fields = json.loads(line)
                except json.JSONDecodeError as exc:
                    yield f"{path}:{number}", f"not JSON ({exc.msg})"
                    continue
                if not isinstance(fields, dict):
                    yield f"{path}:{number}", "not a JSON object"
                    continue
                yield f"{path}:{number}", fields


def to_item(fields: dict[str, Any], defaults: Defaults) -> NewItem:
    scope_name = str(fields.get("scope", defaults.scope) or "").lower()
    if scope_name not in _SCOPES:
        raise InvalidArgument("scope", "must be 'client' or 'agency'")
    return validate_new_item(
        kind=str(fields.get("kind") or defaults.kind),
        text=str(fields.get("text", "")),
        title=str(fields.get("title", "")),
        client_id=str(fields.get("client_id", defaults.client_id)),
        industry=str(fields.get("industry", defaults.industry)),
        package_key=str(fields.get("package_key", "")),
        section_id=str(fields.get("section_id", "")),
        tags=[str(t) for t in fields.get("tags", [])],
        metadata=fields.get("metadata") if isinstance(fields.get("metadata"), dict) else {},
        source=str(fields.get("source") or defaults.source),
        idempotency_key=str(fields.get("idempotency_key", "")),
        scope=_SCOPES[scope_name],
        acknowledge=Acknowledge.COMMITTED,
        field_prefix="",
    )


def run_import(
    service: LearningService,
    path: Path,
    defaults: Defaults,
    *,
    embed: bool = True,
    errors: TextIO = sys.stderr,
) -> ImportReport:
    """Stores every valid entry under `path`, then (unless embed=False) embeds the queue."""
    files = files_under(path)
    total = count_entries(files)
    report = ImportReport()
    stored = ProgressBar("stored", total, errors)
    batch: list[NewItem] = []

    def flush() -> None:
        for outcome in service.record(batch):
            if outcome.result is RecordResult.CREATED:
                report.created += 1
            elif outcome.result is RecordResult.EXISTING:
                report.existing += 1
            else:
                report.discarded += 1
        stored.advance(len(batch))
        batch.clear()

    for where, fields in entries(files):
        if isinstance(fields, str):
            report.invalid += 1
            errors.write(f"\nskipped {where}: {fields}\n")
            stored.advance(1)
            continue
        try:
            batch.append(to_item(fields, defaults))
        except InvalidArgument as exc:
            report.invalid += 1
            errors.write(f"\nskipped {where}: {exc.message}\n")
            stored.advance(1)
            continue
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()
    stored.close()
    if embed:
        pending = service.repository.backlog().pending
        bar = ProgressBar("embedded", pending, errors)
        while done := service.embed_queued(64):
            report.embedded += done
            bar.advance(done)
        bar.close()
    return report
