"""A client's playbook as the generator reads it: what the agency and the client decided, entry by entry.

Memory stores the playbook (aicmo.memory.v1.PlaybookService); the memory client adapter maps it to these
types, so the generation use case and the composer never see protobuf. Entries carry decisions (a big idea,
a channel mix, a tone, approved texts, texts to avoid, standing instructions), never the facts of the brief
they were made for: each new report takes its numbers, dates, budget, targets, events and prices from its
own brief.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from services.common.playbook_terms import EntryKind as EntryKind
from services.common.playbook_terms import EntryOrigin as EntryOrigin


@dataclass(frozen=True)
class PlaybookEntry:
    """One decision. `client_id` is empty for the agency-wide playbook."""

    id: str
    kind: EntryKind
    text: str
    section_id: str = ""
    client_id: str = ""
    pinned: bool = False
    origin: EntryOrigin = EntryOrigin.UNSPECIFIED
    history_id: str = ""
    report_id: str = ""
    report_version: int = 0
    version: int = 1
    note: str = ""

    @property
    def agency_wide(self) -> bool:
        return not self.client_id


@dataclass(frozen=True)
class ClientPlaybook:
    """The active entries that apply to one client's report: its own, then the agency-wide ones, each group
    pinned first and then newest first (the order memory lists them in)."""

    entries: tuple[PlaybookEntry, ...] = ()

    @classmethod
    def of_entries(cls, entries: Sequence[PlaybookEntry]) -> ClientPlaybook:
        own = [e for e in entries if not e.agency_wide]
        agency = [e for e in entries if e.agency_wide]
        ordered = sorted(own, key=lambda e: not e.pinned) + sorted(agency, key=lambda e: not e.pinned)
        return cls(tuple(ordered))

    def __bool__(self) -> bool:
        return bool(self.entries)

    def of(self, kind: EntryKind, section_id: str | None = None) -> tuple[PlaybookEntry, ...]:
        """Entries of one kind (for one section, or for any section when `section_id` is None)."""
        return tuple(
            e for e in self.entries if e.kind == kind and (section_id is None or e.section_id == section_id)
        )


EMPTY_PLAYBOOK = ClientPlaybook()

__all__ = ["EMPTY_PLAYBOOK", "ClientPlaybook", "EntryKind", "EntryOrigin", "PlaybookEntry"]
