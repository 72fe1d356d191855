"""The client playbook as plain Python: what an entry is, what may be stored, and how a rating becomes one.

A playbook holds what the agency and a client decided (see protos/aicmo/memory/v1/playbook.proto). Each
entry's current state is one row; every change adds a version, and earlier versions are never rewritten.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from dataclasses import dataclass, field

from services.common.domain_errors import InvalidArgument
from services.common.playbook_terms import EntryKind as EntryKind
from services.common.playbook_terms import EntryOrigin as EntryOrigin
from services.common.text_rules import check_storable
from services.memory.domain.model import MAX_FIELD_CHARS, parse_item_id

MAX_ENTRY_TEXT_CHARS = 20_000
MAX_NOTE_CHARS = 2_000
MAX_LIST = 500
# The learning item kinds a rating turns into entries (a whole report rates its sections).
SECTION_KIND = "report_section"
REPORT_KIND = "full_report"
# Derived entries' ids: uuid5(this namespace, "<item id>/<kind>"), one entry per rated item and kind.
_DERIVED_NAMESPACE = uuid.UUID("6f1d3c0e-6a43-4b7e-9a57-2f0c1c5b9e19")


class EntryState(enum.StrEnum):
    ACTIVE = "active"
    REMOVED = "removed"


class RemovedBy(enum.StrEnum):
    """Who removed an entry: an operator's removal is final for derivation; a rating's is undone by the
    opposite rating."""

    NOBODY = ""
    OPERATOR = "operator"
    RATING = "rating"


@dataclass(frozen=True)
class EntrySource:
    """The report, version, section and learning item an entry was derived from (all optional)."""

    history_id: str = ""
    report_id: str = ""
    report_version: int = 0
    section_id: str = ""
    item_id: str = ""


@dataclass(frozen=True)
class NewEntry:
    """An entry to add, validated."""

    client_id: str
    kind: EntryKind
    text: str
    section_id: str = ""
    pinned: bool = False
    state: EntryState = EntryState.ACTIVE
    origin: EntryOrigin = EntryOrigin.OPERATOR
    source: EntrySource = field(default_factory=EntrySource)
    note: str = ""
    author: str = ""
    # A caller-chosen id (adding it twice is a no-op); None lets the server choose.
    entry_id: uuid.UUID | None = None
    # When the work that decided it started; None means now (see predates_forget).
    work_start_time: dt.datetime | None = None


@dataclass(frozen=True)
class Entry:
    """An entry as stored: its current version (or, in a version list, one version as it was)."""

    id: uuid.UUID
    client_id: str
    kind: EntryKind
    section_id: str
    text: str
    pinned: bool
    state: EntryState
    origin: EntryOrigin
    source: EntrySource
    author: str
    version: int
    create_time: dt.datetime
    update_time: dt.datetime
    note: str = ""
    removed_by: RemovedBy = RemovedBy.NOBODY


@dataclass(frozen=True)
class EntryChange:
    """A change to one entry; None leaves a field as it is."""

    text: str | None = None
    pinned: bool | None = None
    state: EntryState | None = None
    note: str = ""
    author: str = ""
    # The version the caller saw (0: no check).
    expected_version: int = 0

    def applied_to(self, entry: Entry, removed_by: RemovedBy) -> Entry | None:
        """The entry with this change as its next version, or None when it changes nothing."""
        text = entry.text if self.text is None else self.text
        pinned = entry.pinned if self.pinned is None else self.pinned
        state = entry.state if self.state is None else self.state
        if (text, pinned, state) == (entry.text, entry.pinned, entry.state):
            return None
        return _next_version(
            entry,
            text=text,
            pinned=pinned,
            state=state,
            note=self.note,
            author=self.author,
            removed_by=removed_by if state is EntryState.REMOVED else RemovedBy.NOBODY,
        )


def _next_version(
    entry: Entry,
    *,
    text: str,
    pinned: bool,
    state: EntryState,
    note: str,
    author: str,
    removed_by: RemovedBy,
) -> Entry:
    return Entry(
        id=entry.id,
        client_id=entry.client_id,
        kind=entry.kind,
        section_id=entry.section_id,
        text=text,
        pinned=pinned,
        state=state,
        origin=entry.origin,
        source=entry.source,
        author=author,
        version=entry.version + 1,
        create_time=entry.create_time,
        update_time=entry.update_time,  # the store stamps the new version's time
        note=note,
        removed_by=removed_by,
    )


def _short(field_name: str, value: str, limit: int = MAX_FIELD_CHARS) -> str:
    value = check_storable(field_name, value).strip()
    if len(value) > limit:
        raise InvalidArgument(field_name, f"must be at most {limit} characters (got {len(value)})")
    return value


def validate_text(field_name: str, text: str) -> str:
    """An entry's text: 1 to MAX_ENTRY_TEXT_CHARS characters Postgres can store (kept as written)."""
    check_storable(field_name, text)
    if not text.strip():
        raise InvalidArgument(field_name, "must not be empty")
    if len(text) > MAX_ENTRY_TEXT_CHARS:
        raise InvalidArgument(
            field_name, f"must be at most {MAX_ENTRY_TEXT_CHARS} characters (got {len(text)})"
        )
    return text


def validate_note(field_name: str, note: str) -> str:
    return _short(field_name, note, MAX_NOTE_CHARS)


def validate_client_id(field_name: str, client_id: str) -> str:
    """Filed like a learning item's client id ("" is the agency-wide playbook)."""
    return _short(field_name, client_id)


def _optional_id(field_name: str, value: str) -> str:
    return str(parse_item_id(value, field_name)) if value.strip() else ""


def validate_new_entry(
    *,
    client_id: str,
    kind: EntryKind | None,
    text: str,
    section_id: str = "",
    pinned: bool = False,
    state: EntryState | None = None,
    origin: EntryOrigin | None = None,
    source: EntrySource | None = None,
    note: str = "",
    entry_id: str = "",
    work_start_time: dt.datetime | None = None,
    prefix: str = "entry.",
) -> NewEntry:
    """Builds a NewEntry or raises InvalidArgument naming the field (with `prefix`, e.g. "entry.")."""
    if kind is None:
        raise InvalidArgument(f"{prefix}kind", "is required (e.g. PLAYBOOK_ENTRY_KIND_BIG_IDEA)")
    given = source or EntrySource()
    if given.report_version < 0:
        raise InvalidArgument(f"{prefix}source.report_version", "must not be negative")
    clean_source = EntrySource(
        history_id=_optional_id(f"{prefix}source.history_id", given.history_id),
        report_id=_optional_id(f"{prefix}source.report_id", given.report_id),
        report_version=given.report_version,
        section_id=_short(f"{prefix}source.section_id", given.section_id),
        item_id=_optional_id(f"{prefix}source.item_id", given.item_id),
    )
    return NewEntry(
        client_id=validate_client_id(f"{prefix}client_id", client_id),
        kind=kind,
        text=validate_text(f"{prefix}text", text),
        section_id=_short(f"{prefix}section_id", section_id),
        pinned=pinned,
        state=state or EntryState.ACTIVE,
        origin=origin or EntryOrigin.OPERATOR,
        source=clean_source,
        note=validate_note(f"{prefix}note", note),
        entry_id=parse_item_id(entry_id, f"{prefix}id") if entry_id.strip() else None,
        work_start_time=work_start_time,
    )


def derived_entry_id(item_id: uuid.UUID, kind: EntryKind) -> uuid.UUID:
    """The one entry a rated item gives of a kind: re-rating finds it again."""
    return uuid.uuid5(_DERIVED_NAMESPACE, f"{item_id}/{kind.value}")


@dataclass(frozen=True)
class RatedSection:
    """A report section as rated: what a rating derives entries from."""

    item_id: uuid.UUID
    client_id: str
    section_id: str
    text: str
    history_id: str = ""
    report_id: str = ""
    report_version: int = 0


@dataclass(frozen=True)
class Derivation:
    """What one rating does to the playbook: entries to add or bring back, and derived entries to retire
    (removed by the rating, so the opposite rating restores them)."""

    ensure: tuple[NewEntry, ...] = ()
    retire: tuple[uuid.UUID, ...] = ()
    # Kept with each version the rating makes.
    note: str = ""


_BY_RATING = {
    "gold": (EntryKind.APPROVED_TEXT, EntryOrigin.GOLD_RATING),
    "weak": (EntryKind.AVOID_TEXT, EntryOrigin.WEAK_RATING),
}


def derive_from_rating(
    sections: tuple[RatedSection, ...], rating: str, work_start_time: dt.datetime
) -> Derivation:
    """Gold: each section an approved text (its avoid entry retired); weak: a text to avoid (its approved
    entry retired); no rating: both retired."""
    ensure: list[NewEntry] = []
    retire: list[uuid.UUID] = []
    note = f"rated {rating}" if rating else "rating cleared"
    for section in sections:
        wanted = _BY_RATING.get(rating)
        for kind in (EntryKind.APPROVED_TEXT, EntryKind.AVOID_TEXT):
            if wanted is None or kind is not wanted[0]:
                retire.append(derived_entry_id(section.item_id, kind))
        if wanted is None or not section.text.strip():
            continue
        kind, origin = wanted
        ensure.append(
            NewEntry(
                client_id=section.client_id,
                kind=kind,
                text=section.text[:MAX_ENTRY_TEXT_CHARS],
                section_id=section.section_id,
                origin=origin,
                source=EntrySource(
                    history_id=section.history_id,
                    report_id=section.report_id,
                    report_version=section.report_version,
                    section_id=section.section_id,
                    item_id=str(section.item_id),
                ),
                note=note,
                entry_id=derived_entry_id(section.item_id, kind),
                work_start_time=work_start_time,
            )
        )
    return Derivation(ensure=tuple(ensure), retire=tuple(retire), note=note)
