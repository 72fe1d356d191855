"""Requests that do not parse (a `string` field that is not UTF-8, a corrupt message) as the caller's error.

gRPC Python deserializes a request before any interceptor or handler runs; a deserializer that raises makes
it answer INTERNAL ("Exception deserializing request!"). `tolerant` wraps a deserializer so that it never
raises: a request that does not parse becomes an `Undecodable` carrying the INVALID_ARGUMENT to answer with
(naming the field that is not UTF-8 when there is one), which `GrpcErrorInterceptor` (services/common/
errors.py) turns into the call's status before the handler sees it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import DecodeError

from services.common.domain_errors import InvalidArgument, MalformedRequest, ServiceError

Deserializer = Callable[[bytes], Any]


@dataclass(frozen=True)
class Undecodable:
    """Stands in for a request that did not parse; `error` is what the call answers."""

    error: ServiceError


def tolerant(deserializer: Deserializer | None) -> Deserializer | None:
    """`deserializer`, but a request that does not parse becomes an `Undecodable` instead of raising."""
    if deserializer is None:
        return None
    descriptor: Descriptor | None = getattr(getattr(deserializer, "__self__", None), "DESCRIPTOR", None)

    def deserialize(data: bytes) -> Any:
        try:
            return deserializer(data)
        except DecodeError:
            return Undecodable(undecodable_error(descriptor, data))

    return deserialize


def undecodable_error(descriptor: Descriptor | None, data: bytes) -> ServiceError:
    """The INVALID_ARGUMENT for a request of type `descriptor` whose bytes `data` did not parse."""
    field = invalid_utf8_field(descriptor, data) if descriptor is not None else None
    if field is not None:
        return InvalidArgument(field, "is not valid UTF-8")
    kind = descriptor.full_name if descriptor is not None else "request"
    return MalformedRequest(f"the request is not a valid {kind} message")


def invalid_utf8_field(descriptor: Descriptor, data: bytes, prefix: str = "") -> str | None:
    """The path ("requests[1].item.text") of the first `string` field in `data` that is not UTF-8, or None.

    Reads the wire format against the descriptor. A map or a well-known type (Struct, ...) is named as the
    field that holds it; anything the reader does not follow (a group, corrupt bytes) gives None."""
    seen: dict[int, int] = {}
    pos = 0
    try:
        while pos < len(data):
            key, pos = _varint(data, pos)
            number, wire_type = key >> 3, key & 7
            if wire_type == 0:
                _, pos = _varint(data, pos)
                continue
            if wire_type in (1, 5):
                pos += 8 if wire_type == 1 else 4
                continue
            if wire_type != 2:
                return None
            length, pos = _varint(data, pos)
            chunk, pos = data[pos : pos + length], pos + length
            if len(chunk) != length:
                return None
            field = descriptor.fields_by_number.get(number)
            if field is None:
                continue
            name = prefix + field.name
            index = seen.get(number, 0)
            seen[number] = index + 1
            if field.type == FieldDescriptor.TYPE_STRING:
                try:
                    chunk.decode("utf-8")
                except UnicodeDecodeError:
                    return f"{name}[{index}]" if _is_repeated(field) else name
            elif field.type == FieldDescriptor.TYPE_MESSAGE and field.message_type is not None:
                inner = field.message_type
                whole = inner.GetOptions().map_entry or inner.full_name.startswith("google.protobuf.")
                path = name if whole or not _is_repeated(field) else f"{name}[{index}]"
                found = invalid_utf8_field(inner, chunk, path + ".")
                if found is not None:
                    return path if whole else found
    except IndexError:
        return None
    return None


def _is_repeated(field: FieldDescriptor) -> bool:
    return bool(field.is_repeated)


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7
        if shift > 63:
            raise IndexError("varint too long")
