"""Translation between protobuf messages and the memory domain (no behaviour here)."""

from __future__ import annotations

from aicmo.memory.v1 import memory_service_pb2 as pb
from google.protobuf import json_format, struct_pb2, timestamp_pb2

from services.memory.domain.model import NewItem, StoredItem, validate_new_item


def new_item_from_request(request: pb.RecordItemRequest, prefix: str = "") -> NewItem:
    """Validates a RecordItemRequest; field names in errors carry `prefix` (e.g. "requests[2].")."""
    item = request.item
    metadata = json_format.MessageToDict(item.metadata) if item.HasField("metadata") else {}
    return validate_new_item(
        kind=item.kind,
        text=item.text,
        title=item.title,
        client_id=item.client_id,
        industry=item.industry,
        package_key=item.package_key,
        section_id=item.section_id,
        tags=list(item.tags),
        metadata=metadata,
        source=item.source,
        idempotency_key=request.idempotency_key,
        field_prefix=f"{prefix}item",
        key_field=f"{prefix}idempotency_key",
    )


def item_to_proto(item: StoredItem) -> pb.LearningItem:
    metadata = struct_pb2.Struct()
    metadata.update(dict(item.metadata))
    create_time = timestamp_pb2.Timestamp()
    create_time.FromDatetime(item.create_time)
    return pb.LearningItem(
        id=str(item.id),
        kind=item.kind,
        title=item.title,
        text=item.text,
        client_id=item.client_id,
        industry=item.industry,
        package_key=item.package_key,
        section_id=item.section_id,
        tags=list(item.tags),
        metadata=metadata,
        source=item.source,
        rating=item.rating,
        rating_note=item.rating_note,
        create_time=create_time,
        embedding_model=item.embedding_model,
    )
