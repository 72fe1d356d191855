"""Playbook entries as aicmo.memory.v1 carries them, both ways: read from memory's PlaybookService (by
the memory client adapter) and written with a report's learning batch (by the generation use case, which
builds its batches as protobuf like the rest of its learning records)."""

from __future__ import annotations

from aicmo.memory.v1 import playbook_pb2 as ppb

from services.generator.domain.client_playbook import EntryKind, EntryOrigin, PlaybookEntry

_KINDS: dict[ppb.PlaybookEntryKind.ValueType, EntryKind] = {
    ppb.PLAYBOOK_ENTRY_KIND_BIG_IDEA: EntryKind.BIG_IDEA,
    ppb.PLAYBOOK_ENTRY_KIND_POSITIONING: EntryKind.POSITIONING,
    ppb.PLAYBOOK_ENTRY_KIND_MESSAGE: EntryKind.MESSAGE,
    ppb.PLAYBOOK_ENTRY_KIND_CHANNEL_MIX: EntryKind.CHANNEL_MIX,
    ppb.PLAYBOOK_ENTRY_KIND_OFFER: EntryKind.OFFER,
    ppb.PLAYBOOK_ENTRY_KIND_TONE: EntryKind.TONE,
    ppb.PLAYBOOK_ENTRY_KIND_DO: EntryKind.DO,
    ppb.PLAYBOOK_ENTRY_KIND_DONT: EntryKind.DONT,
    ppb.PLAYBOOK_ENTRY_KIND_APPROVED_TEXT: EntryKind.APPROVED_TEXT,
    ppb.PLAYBOOK_ENTRY_KIND_AVOID_TEXT: EntryKind.AVOID_TEXT,
    ppb.PLAYBOOK_ENTRY_KIND_STANDING_INSTRUCTION: EntryKind.STANDING_INSTRUCTION,
}
_KIND_CODES = {kind: code for code, kind in _KINDS.items()}
_ORIGINS: dict[ppb.PlaybookEntryOrigin.ValueType, EntryOrigin] = {
    ppb.PLAYBOOK_ENTRY_ORIGIN_OPERATOR: EntryOrigin.OPERATOR,
    ppb.PLAYBOOK_ENTRY_ORIGIN_GOLD_RATING: EntryOrigin.GOLD_RATING,
    ppb.PLAYBOOK_ENTRY_ORIGIN_WEAK_RATING: EntryOrigin.WEAK_RATING,
    ppb.PLAYBOOK_ENTRY_ORIGIN_EDIT: EntryOrigin.EDIT,
    ppb.PLAYBOOK_ENTRY_ORIGIN_INSTRUCTION: EntryOrigin.INSTRUCTION,
    ppb.PLAYBOOK_ENTRY_ORIGIN_REFINE_FEEDBACK: EntryOrigin.REFINE_FEEDBACK,
}
_ORIGIN_CODES = {origin: code for code, origin in _ORIGINS.items()}


def entry_from_proto(entry: ppb.PlaybookEntry) -> PlaybookEntry | None:
    """The domain entry, or None for a kind this generator does not know (a newer memory's)."""
    kind = _KINDS.get(entry.kind)
    if kind is None:
        return None
    return PlaybookEntry(
        id=entry.id,
        kind=kind,
        text=entry.text,
        section_id=entry.section_id,
        client_id=entry.client_id,
        pinned=entry.pinned,
        origin=_ORIGINS.get(entry.origin, EntryOrigin.UNSPECIFIED),
        history_id=entry.source.history_id,
        report_id=entry.source.report_id,
        report_version=entry.source.report_version,
        version=entry.version,
        note=entry.note,
    )


def entry_to_proto(entry: PlaybookEntry) -> ppb.PlaybookEntry:
    """An entry the generator derived, as memory stores it (with a learning batch)."""
    return ppb.PlaybookEntry(
        id=entry.id,
        client_id=entry.client_id,
        kind=_KIND_CODES[entry.kind],
        section_id=entry.section_id,
        text=entry.text,
        pinned=entry.pinned,
        origin=_ORIGIN_CODES.get(entry.origin, ppb.PLAYBOOK_ENTRY_ORIGIN_UNSPECIFIED),
        source=ppb.PlaybookSource(
            history_id=entry.history_id,
            report_id=entry.report_id,
            report_version=entry.report_version,
            section_id=entry.section_id,
        ),
        note=entry.note,
    )


__all__ = ["entry_from_proto", "entry_to_proto"]
