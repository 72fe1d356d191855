"""Use cases of the report archive: save a version (from the generator), list reports, list and get versions."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, replace

from services.common.domain_errors import InvalidArgument, NotFound
from services.common.text_rules import check_storable, check_storable_json
from services.memory.domain.model import parse_item_id, validate_page_size
from services.memory.domain.reports import ReportRow, StoredVersion
from services.memory.service_layer import page_tokens
from services.memory.service_layer.ports import ReportArchiveStore

MAX_MARKDOWN_CHARS = 400_000
MAX_SECTIONS = 64
STAGES = ("draft", "refine", "final")
ORIGINS = ("generated", "section_edited", "section_regenerated")


@dataclass(frozen=True)
class ReportPage:
    reports: list[ReportRow]
    next_page_token: str


class ReportArchive:
    def __init__(self, repository: ReportArchiveStore) -> None:
        self.repository = repository

    @staticmethod
    def validate(version: StoredVersion) -> StoredVersion:
        """The version checked and cleaned for storing (InvalidArgument naming the field otherwise)."""
        return validate_version(version)

    def save(self, validated: StoredVersion, work_start_time: dt.datetime | None) -> StoredVersion | None:
        """Stores a version `validate` returned (None: its client was forgotten meanwhile, nothing stored).
        Validating comes first and apart, so a batch fails before any of its items are recorded."""
        return self.repository.save(validated, work_start_time)

    def versions(self, history_id: str) -> list[StoredVersion]:
        found = self.repository.versions(parse_item_id(history_id, "history_id"))
        if not found:
            raise NotFound(f"no report with history id {history_id.strip()[:64]}")
        return found

    def get(self, history_id: str, version: int) -> StoredVersion:
        if version < 0:
            raise InvalidArgument("version", "must be 0 (the latest) or a version number")
        found = self.repository.get(parse_item_id(history_id, "history_id"), version)
        if found is None:
            raise NotFound(f"no version {version or 'at all'} of report {history_id.strip()[:64]}")
        return found

    def reports(self, *, client_id: str, page_size: int, page_token: str) -> ReportPage:
        check_storable("client_id", client_id)
        size = validate_page_size(page_size)
        after = _decode(page_token, client_id.strip()) if page_token else None
        rows = self.repository.reports(client_id=client_id.strip(), size=size, after=after)
        token = ""
        if len(rows) == size:
            last = rows[-1].latest
            assert last.create_time is not None
            token = _encode(last.create_time, last.history_id, client_id.strip())
        return ReportPage(reports=rows, next_page_token=token)


def validate_version(version: StoredVersion, prefix: str = "report_version.") -> StoredVersion:
    """Checks a version from the generator; errors name the field."""
    for name in (
        "client_id",
        "client_name",
        "brand_name",
        "package_key",
        "package_label",
        "note",
        "markdown",
    ):
        check_storable(f"{prefix}{name}", getattr(version, name))
    if not version.client_id.strip():
        raise InvalidArgument(f"{prefix}client_id", "is required")
    if version.stage not in STAGES:
        raise InvalidArgument(f"{prefix}stage", "must be DRAFT, REFINE or FINAL")
    if version.origin not in ORIGINS:
        raise InvalidArgument(f"{prefix}origin", "must be GENERATED, SECTION_EDITED or SECTION_REGENERATED")
    if len(version.markdown) > MAX_MARKDOWN_CHARS:
        raise InvalidArgument(f"{prefix}markdown", f"must be at most {MAX_MARKDOWN_CHARS} characters")
    if len(version.sections) > MAX_SECTIONS:
        raise InvalidArgument(f"{prefix}sections", f"at most {MAX_SECTIONS} sections")
    check_storable_json(f"{prefix}sections", list(version.sections))
    check_storable_json(f"{prefix}brief", dict(version.brief))
    return replace(version, client_id=version.client_id.strip())


def _encode(create_time: dt.datetime, history_id: uuid.UUID, client_id: str) -> str:
    return page_tokens.encode({"t": create_time.isoformat(), "h": str(history_id), "c": client_id})


def _decode(token: str, client_id: str) -> tuple[dt.datetime, uuid.UUID]:
    position, same = page_tokens.decode(
        token, lambda p: ((dt.datetime.fromisoformat(p["t"]), uuid.UUID(p["h"])), p["c"] == client_id)
    )
    if not same:
        raise InvalidArgument("page_token", "was issued for a different client_id filter")
    return position
