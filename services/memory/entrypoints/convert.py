"""Translation between protobuf messages and the memory domain (no behaviour here)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from aicmo.memory.v1 import memory_service_pb2 as pb
from google.protobuf import json_format, struct_pb2, timestamp_pb2

from services.common.domain_errors import InvalidArgument
from services.memory.domain.model import (
    Acknowledge,
    NewItem,
    RecordOutcome,
    RecordResult,
    Scope,
    StoredItem,
    validate_new_item,
)

_SCOPE_FROM_PROTO = {pb.SCOPE_CLIENT: Scope.CLIENT, pb.SCOPE_AGENCY: Scope.AGENCY}
_SCOPE_TO_PROTO = {v: k for k, v in _SCOPE_FROM_PROTO.items()}
_RATING_TO_PROTO = {"gold": pb.RATING_GOLD, "weak": pb.RATING_WEAK, "": pb.RATING_UNSPECIFIED}
_RATING_FROM_PROTO = {pb.RATING_GOLD: "gold", pb.RATING_WEAK: "weak"}
_ACKNOWLEDGE_FROM_PROTO = {
    pb.ACKNOWLEDGE_UNSPECIFIED: Acknowledge.EMBEDDED,
    pb.ACKNOWLEDGE_EMBEDDED: Acknowledge.EMBEDDED,
    pb.ACKNOWLEDGE_COMMITTED: Acknowledge.COMMITTED,
}
# The item's fields that travel between the message and the domain as they are (the others are converted).
_PLAIN_FIELDS = ("kind", "text", "title", "client_id", "industry", "package_key", "section_id", "source")
_RESULT_TO_PROTO = {
    RecordResult.CREATED: pb.RECORD_RESULT_CREATED,
    RecordResult.EXISTING: pb.RECORD_RESULT_EXISTING,
    RecordResult.DISCARDED_CLIENT_FORGOTTEN: pb.RECORD_RESULT_DISCARDED_CLIENT_FORGOTTEN,
}


def rating_from_request(verdict: int, rating: str) -> str:
    """The rating a RateItemRequest asks for: its verdict when set, else the older string spelling."""
    if verdict == pb.RATING_UNSPECIFIED:
        return rating
    if verdict not in _RATING_FROM_PROTO:
        raise InvalidArgument("verdict", "must be RATING_GOLD, RATING_WEAK or RATING_UNSPECIFIED")
    return _RATING_FROM_PROTO[verdict]  # type: ignore[index]


def scope_from_proto(value: int) -> Scope | None:
    """None for SCOPE_UNSPECIFIED (the default applies); unknown numbers are INVALID_ARGUMENT."""
    if value == pb.SCOPE_UNSPECIFIED:
        return None
    if value not in _SCOPE_FROM_PROTO:
        raise InvalidArgument("scope", "must be SCOPE_CLIENT or SCOPE_AGENCY")
    return _SCOPE_FROM_PROTO[value]  # type: ignore[index]


def new_item_from_request(request: pb.RecordItemRequest, prefix: str = "") -> NewItem:
    """Validates a RecordItemRequest; field names in errors carry `prefix` (e.g. "requests[2].")."""
    item = request.item
    metadata = json_format.MessageToDict(item.metadata) if item.HasField("metadata") else {}
    return validate_new_item(
        **_plain_fields(item),
        tags=list(item.tags),
        metadata=metadata,
        idempotency_key=request.idempotency_key,
        scope=_scope(item.scope, f"{prefix}item.scope"),
        item_id=request.item_id,
        parent_id=item.parent_id,
        work_start_time=request.work_start_time.ToDatetime(dt.UTC)
        if request.HasField("work_start_time")
        else None,
        acknowledge=_acknowledge(request.acknowledge, f"{prefix}acknowledge"),
        field_prefix=f"{prefix}item",
        key_field=f"{prefix}idempotency_key",
        item_id_field=f"{prefix}item_id",
    )


def _plain_fields(item: pb.LearningItem | StoredItem) -> dict[str, Any]:
    return {name: getattr(item, name) for name in _PLAIN_FIELDS}


def _acknowledge(value: int, field: str) -> Acknowledge:
    if value not in _ACKNOWLEDGE_FROM_PROTO:
        raise InvalidArgument(field, "must be ACKNOWLEDGE_COMMITTED or ACKNOWLEDGE_EMBEDDED")
    return _ACKNOWLEDGE_FROM_PROTO[value]  # type: ignore[index]


def _scope(value: int, field: str) -> Scope | None:
    try:
        return scope_from_proto(value)
    except InvalidArgument:
        raise InvalidArgument(field, "must be SCOPE_CLIENT or SCOPE_AGENCY") from None


def outcome_to_proto(outcome: RecordOutcome) -> pb.RecordItemResponse:
    if outcome.item is None:
        item = pb.LearningItem(id=str(outcome.requested_id) if outcome.requested_id else "")
    else:
        item = item_to_proto(outcome.item)
    return pb.RecordItemResponse(item=item, created=outcome.created, result=_RESULT_TO_PROTO[outcome.result])


def item_to_proto(item: StoredItem) -> pb.LearningItem:
    metadata = struct_pb2.Struct()
    metadata.update(dict(item.metadata))
    create_time = timestamp_pb2.Timestamp()
    create_time.FromDatetime(item.create_time)
    return pb.LearningItem(
        id=str(item.id),
        **_plain_fields(item),
        tags=list(item.tags),
        metadata=metadata,
        rating=item.rating,
        verdict=_RATING_TO_PROTO[item.rating],
        rating_note=item.rating_note,
        create_time=create_time,
        embedding_model=item.embedding_model,
        scope=_SCOPE_TO_PROTO[item.scope],
        parent_id=str(item.parent_id) if item.parent_id else "",
    )
