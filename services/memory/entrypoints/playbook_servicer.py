"""The gRPC face of the client playbook, and the translation of its messages."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import TypeVar

import grpc
from aicmo.memory.v1 import playbook_pb2 as ppb
from aicmo.memory.v1 import playbook_pb2_grpc as ppb_grpc

from services.common.auth import current_identity
from services.common.domain_errors import InvalidArgument
from services.memory.domain.playbook import (
    Entry,
    EntryChange,
    EntryKind,
    EntryOrigin,
    EntrySource,
    EntryState,
    NewEntry,
    validate_new_entry,
)
from services.memory.entrypoints.report_servicer import work_start
from services.memory.service_layer.playbook import AddResult, Playbook

_KIND_TO_PROTO = {
    EntryKind.BIG_IDEA: ppb.PLAYBOOK_ENTRY_KIND_BIG_IDEA,
    EntryKind.POSITIONING: ppb.PLAYBOOK_ENTRY_KIND_POSITIONING,
    EntryKind.MESSAGE: ppb.PLAYBOOK_ENTRY_KIND_MESSAGE,
    EntryKind.CHANNEL_MIX: ppb.PLAYBOOK_ENTRY_KIND_CHANNEL_MIX,
    EntryKind.OFFER: ppb.PLAYBOOK_ENTRY_KIND_OFFER,
    EntryKind.TONE: ppb.PLAYBOOK_ENTRY_KIND_TONE,
    EntryKind.DO: ppb.PLAYBOOK_ENTRY_KIND_DO,
    EntryKind.DONT: ppb.PLAYBOOK_ENTRY_KIND_DONT,
    EntryKind.APPROVED_TEXT: ppb.PLAYBOOK_ENTRY_KIND_APPROVED_TEXT,
    EntryKind.AVOID_TEXT: ppb.PLAYBOOK_ENTRY_KIND_AVOID_TEXT,
    EntryKind.STANDING_INSTRUCTION: ppb.PLAYBOOK_ENTRY_KIND_STANDING_INSTRUCTION,
}
_KIND_FROM_PROTO: dict[int, EntryKind] = {v: k for k, v in _KIND_TO_PROTO.items()}
_ORIGIN_TO_PROTO = {
    EntryOrigin.UNSPECIFIED: ppb.PLAYBOOK_ENTRY_ORIGIN_UNSPECIFIED,
    EntryOrigin.OPERATOR: ppb.PLAYBOOK_ENTRY_ORIGIN_OPERATOR,
    EntryOrigin.GOLD_RATING: ppb.PLAYBOOK_ENTRY_ORIGIN_GOLD_RATING,
    EntryOrigin.WEAK_RATING: ppb.PLAYBOOK_ENTRY_ORIGIN_WEAK_RATING,
    EntryOrigin.EDIT: ppb.PLAYBOOK_ENTRY_ORIGIN_EDIT,
    EntryOrigin.INSTRUCTION: ppb.PLAYBOOK_ENTRY_ORIGIN_INSTRUCTION,
    EntryOrigin.REFINE_FEEDBACK: ppb.PLAYBOOK_ENTRY_ORIGIN_REFINE_FEEDBACK,
}
_ORIGIN_FROM_PROTO: dict[int, EntryOrigin] = {v: k for k, v in _ORIGIN_TO_PROTO.items()}
_STATE_TO_PROTO = {
    EntryState.ACTIVE: ppb.PLAYBOOK_ENTRY_STATE_ACTIVE,
    EntryState.REMOVED: ppb.PLAYBOOK_ENTRY_STATE_REMOVED,
}
_STATE_FROM_PROTO: dict[int, EntryState] = {v: k for k, v in _STATE_TO_PROTO.items()}


_T = TypeVar("_T")


def _enum(value: int, table: dict[int, _T], field: str, allowed: str) -> _T | None:
    """None for 0 (unset); an unknown number is INVALID_ARGUMENT naming the field."""
    if value == 0:
        return None
    if value not in table:
        raise InvalidArgument(field, f"must be one of {allowed}")
    return table[value]


def new_entry_from_proto(
    message: ppb.PlaybookEntry, *, work_start_time: dt.datetime | None, prefix: str = "entry."
) -> NewEntry:
    """An entry to add, validated; its output-only fields are ignored."""
    kind = _enum(message.kind, _KIND_FROM_PROTO, f"{prefix}kind", "the PLAYBOOK_ENTRY_KIND_* values")
    origin = _enum(
        message.origin, _ORIGIN_FROM_PROTO, f"{prefix}origin", "the PLAYBOOK_ENTRY_ORIGIN_* values"
    )
    state = _enum(message.state, _STATE_FROM_PROTO, f"{prefix}state", "the PLAYBOOK_ENTRY_STATE_* values")
    source = message.source
    return validate_new_entry(
        client_id=message.client_id,
        kind=kind,
        text=message.text,
        section_id=message.section_id,
        pinned=message.pinned,
        state=state,
        origin=origin,
        source=EntrySource(
            history_id=source.history_id,
            report_id=source.report_id,
            report_version=source.report_version,
            section_id=source.section_id,
            item_id=source.item_id,
        ),
        note=message.note,
        entry_id=message.id,
        work_start_time=work_start_time,
        prefix=prefix,
    )


def entry_to_proto(entry: Entry) -> ppb.PlaybookEntry:
    message = ppb.PlaybookEntry(
        id=str(entry.id),
        client_id=entry.client_id,
        kind=_KIND_TO_PROTO[entry.kind],
        section_id=entry.section_id,
        text=entry.text,
        pinned=entry.pinned,
        state=_STATE_TO_PROTO[entry.state],
        origin=_ORIGIN_TO_PROTO[entry.origin],
        source=ppb.PlaybookSource(
            history_id=entry.source.history_id,
            report_id=entry.source.report_id,
            report_version=entry.source.report_version,
            section_id=entry.source.section_id,
            item_id=entry.source.item_id,
        ),
        author=entry.author,
        version=entry.version,
        note=entry.note,
    )
    message.create_time.FromDatetime(entry.create_time)
    message.update_time.FromDatetime(entry.update_time)
    return message


def add_result_to_proto(result: AddResult) -> ppb.CreatePlaybookEntryResponse:
    if result.entry is None:
        entry = ppb.PlaybookEntry(id=str(result.requested_id) if result.requested_id else "")
        return ppb.CreatePlaybookEntryResponse(entry=entry, created=False, discarded=True)
    return ppb.CreatePlaybookEntryResponse(entry=entry_to_proto(result.entry), created=result.created)


class PlaybookServicer(ppb_grpc.PlaybookServiceServicer):
    """aicmo.memory.v1.PlaybookService: thin handlers over Playbook."""

    def __init__(self, playbook: Playbook) -> None:
        self._playbook = playbook

    def ListPlaybookEntries(
        self, request: ppb.ListPlaybookEntriesRequest, context: grpc.ServicerContext
    ) -> ppb.ListPlaybookEntriesResponse:
        entries = self._playbook.entries(
            request.client_id, include_agency=request.include_agency, include_removed=request.include_removed
        )
        return ppb.ListPlaybookEntriesResponse(entries=[entry_to_proto(e) for e in entries])

    def CreatePlaybookEntry(
        self, request: ppb.CreatePlaybookEntryRequest, context: grpc.ServicerContext
    ) -> ppb.CreatePlaybookEntryResponse:
        if not request.HasField("entry"):
            raise InvalidArgument("entry", "is required")
        new = new_entry_from_proto(request.entry, work_start_time=work_start(request.work_start_time))
        new = replace(new, author=current_identity().person)  # who signed in, never what the caller claims
        return add_result_to_proto(self._playbook.add([new])[0])

    def UpdatePlaybookEntry(
        self, request: ppb.UpdatePlaybookEntryRequest, context: grpc.ServicerContext
    ) -> ppb.UpdatePlaybookEntryResponse:
        state = _enum(request.state, _STATE_FROM_PROTO, "state", "the PLAYBOOK_ENTRY_STATE_* values")
        change = EntryChange(
            text=request.text if request.HasField("text") else None,
            pinned=request.pinned if request.HasField("pinned") else None,
            state=state,
            note=request.note,
            author=current_identity().person,
            expected_version=request.expected_version,
        )
        return ppb.UpdatePlaybookEntryResponse(
            entry=entry_to_proto(self._playbook.update(request.entry_id, change))
        )

    def ListPlaybookEntryVersions(
        self, request: ppb.ListPlaybookEntryVersionsRequest, context: grpc.ServicerContext
    ) -> ppb.ListPlaybookEntryVersionsResponse:
        return ppb.ListPlaybookEntryVersionsResponse(
            versions=[entry_to_proto(v) for v in self._playbook.versions(request.entry_id)]
        )


__all__ = ["PlaybookServicer", "add_result_to_proto", "entry_to_proto", "new_entry_from_proto"]
