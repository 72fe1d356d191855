"""Use cases of the client playbook: list, add, correct (a new version), list versions, derive from ratings."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from services.common.domain_errors import Aborted, InvalidArgument, NotFound
from services.memory.domain.model import StoredItem, parse_item_id
from services.memory.domain.playbook import (
    MAX_LIST,
    REPORT_KIND,
    SECTION_KIND,
    Entry,
    EntryChange,
    EntryState,
    NewEntry,
    RatedSection,
    RemovedBy,
    derive_from_rating,
    validate_client_id,
    validate_note,
    validate_text,
)
from services.memory.service_layer.ports import AddedEntry, PlaybookStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AddResult:
    # None only when the entry was discarded (its client was forgotten after its work started).
    entry: Entry | None
    created: bool
    requested_id: uuid.UUID | None = None

    @property
    def discarded(self) -> bool:
        return self.entry is None


class Playbook:
    """The playbook's behaviour, independent of gRPC."""

    def __init__(self, store: PlaybookStore) -> None:
        self.store = store

    def entries(self, client_id: str, *, include_agency: bool, include_removed: bool) -> list[Entry]:
        """One client's entries (with the agency-wide ones if asked), or the agency-wide ones for ""."""
        client = validate_client_id("client_id", client_id)
        clients = [client, ""] if client and include_agency else [client]
        return self.store.entries_of(clients, include_removed=include_removed, limit=MAX_LIST)

    def add(self, entries: Sequence[NewEntry]) -> list[AddResult]:
        """Adds validated entries (validate_new_entry); a caller-chosen id that exists changes nothing."""
        results = [_result(e, s) for e, s in zip(entries, self.store.add(entries), strict=True)]
        created = sum(r.created for r in results)
        discarded = sum(r.discarded for r in results)
        if created or discarded:
            log.info(
                "playbook: %d entr(ies) added of %d; %d discarded (client forgotten)",
                created,
                len(entries),
                discarded,
                extra={"playbook_created": created, "playbook_discarded": discarded},
            )
        return results

    def update(self, entry_id: str, change: EntryChange) -> Entry:
        """Applies the change as the entry's next version (a change that alters nothing returns the entry
        as it is). NotFound for an unknown entry; Aborted when expected_version is not the current one."""
        uid = parse_item_id(entry_id, "entry_id")
        if change.text is not None:
            validate_text("text", change.text)
        validate_note("note", change.note)
        if change.expected_version < 0:
            raise InvalidArgument("expected_version", "must be 0 (no check) or a version number")
        if change.text is None and change.pinned is None and change.state is None:
            raise InvalidArgument("text", "nothing to change: set text, pinned or state")
        current = self._get(uid)
        if change.expected_version and change.expected_version != current.version:
            raise Aborted(
                f"entry {uid} is at version {current.version}, not {change.expected_version}: "
                "read it again and repeat the change"
            )
        following = change.applied_to(current, RemovedBy.OPERATOR)
        if following is None:
            return current
        stored = self.store.save_version(following)
        if stored is None:
            if self.store.get(uid) is None:
                raise NotFound(f"no playbook entry with id {uid}")
            raise Aborted(f"entry {uid} changed meanwhile: read it again and repeat the change")
        return stored

    def versions(self, entry_id: str) -> list[Entry]:
        uid = parse_item_id(entry_id, "entry_id")
        found = self.store.versions(uid)
        if not found:
            raise NotFound(f"no playbook entry with id {uid}")
        return found

    def get(self, entry_id: str) -> Entry:
        return self._get(parse_item_id(entry_id, "entry_id"))

    def _get(self, uid: uuid.UUID) -> Entry:
        entry = self.store.get(uid)
        if entry is None:
            raise NotFound(f"no playbook entry with id {uid}")
        return entry

    def apply_rating(
        self, rated: Sequence[StoredItem], rating: str, work_start_time: dt.datetime
    ) -> list[AddResult]:
        """A rating's effect on the playbook: each rated report section (a rated report's sections) becomes
        an approved text (gold) or a text to avoid (weak), or loses both (no rating). Entries an operator
        removed are never brought back."""
        sections = tuple(rated_section(i) for i in rated if i.kind == SECTION_KIND)
        if not sections:
            return []
        derivation = derive_from_rating(sections, rating, work_start_time)
        stored = self.store.derive(derivation.ensure, derivation.retire, derivation.note)
        return [_result(e, s) for e, s in zip(derivation.ensure, stored, strict=True)]


def _result(entry: NewEntry, stored: AddedEntry) -> AddResult:
    if isinstance(stored, str):  # DISCARDED
        return AddResult(None, False, entry.entry_id)
    return AddResult(stored[0], stored[1], entry.entry_id)


def rated_items(item: StoredItem, others: Sequence[StoredItem]) -> list[StoredItem]:
    """The items a rating of `item` rated: a report's sections (others), or the item itself."""
    return [*others] if item.kind == REPORT_KIND else [item, *others]


def rated_section(item: StoredItem) -> RatedSection:
    """A section item as a rating source: its report's ids from its metadata when they are well formed."""
    metadata = item.metadata or {}

    def uuid_of(key: str) -> str:
        value = metadata.get(key)
        try:
            return str(uuid.UUID(str(value))) if value else ""
        except ValueError:
            return ""

    version = metadata.get("report_version")
    return RatedSection(
        item_id=item.id,
        client_id=item.client_id,
        section_id=item.section_id,
        text=item.text,
        history_id=uuid_of("history_id"),
        report_id=uuid_of("report_id"),
        # JSON numbers arrive as floats through protobuf's Struct.
        report_version=int(version) if isinstance(version, int | float) and version >= 1 else 0,
    )


__all__ = ["AddResult", "EntryState", "Playbook", "rated_items", "rated_section"]
