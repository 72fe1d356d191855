"""A request that does not parse names the `string` field that is not UTF-8 (services/common/request_decoding.py).
The same through real channels and the real Envoy: tests/e2e/test_non_utf8_input.py."""

from __future__ import annotations

from typing import cast

import pytest
from aicmo.generator.v1 import generator_service_pb2 as gen
from aicmo.memory.v1 import memory_service_pb2 as mem
from google.protobuf import struct_pb2
from google.protobuf.descriptor import Descriptor
from google.protobuf.message import Message

from services.common.domain_errors import ErrorKind, InvalidArgument, MalformedRequest
from services.common.request_decoding import Undecodable, invalid_utf8_field, tolerant

BAD = b"\xff\xfe"


def field(number: int, payload: bytes) -> bytes:
    """One length-delimited field (numbers and lengths below 128)."""
    return bytes([number << 3 | 2, len(payload)]) + payload


def test_valid_requests_parse_as_before() -> None:
    request = mem.GetItemRequest(id="caf\u00e9")
    deserialize = tolerant(mem.GetItemRequest.FromString)
    assert deserialize is not None
    assert deserialize(request.SerializeToString()) == request
    assert tolerant(None) is None


@pytest.mark.parametrize(
    ("message", "data", "expected"),
    [
        (mem.GetItemRequest, field(1, BAD), "id"),
        (mem.RecordItemRequest, field(1, mem.LearningItem(kind="k").SerializeToString() + field(3, BAD)), "item.title"),
        (
            mem.BatchRecordItemsRequest,
            field(1, mem.RecordItemRequest(item=mem.LearningItem(kind="k")).SerializeToString())
            + field(1, field(1, field(2, BAD))),
            "requests[1].item.kind",
        ),
        (mem.SearchItemsRequest, field(4, b"ok") + field(4, BAD), "kinds[1]"),
        (gen.StreamGenerateReportRequest, field(1, field(2, BAD)), "request.package_key"),
        # A Struct is named as the field that holds it.
        (mem.LearningItem, field(10, field(1, field(1, BAD) + field(2, struct_pb2.Value(string_value="v").SerializeToString()))), "metadata"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)  # fmt: skip
def test_the_field_that_is_not_utf8_is_named(message: type[Message], data: bytes, expected: str) -> None:
    assert invalid_utf8_field(cast(Descriptor, message.DESCRIPTOR), data) == expected
    deserialize = tolerant(message.FromString)
    assert deserialize is not None
    outcome = deserialize(data)
    assert isinstance(outcome, Undecodable) and isinstance(outcome.error, InvalidArgument)
    assert outcome.error.field == expected


def test_a_corrupt_request_is_invalid_argument_without_a_field() -> None:
    deserialize = tolerant(mem.GetItemRequest.FromString)
    assert deserialize is not None
    outcome = deserialize(b"\x0a\x32short")  # says 50 bytes follow
    assert isinstance(outcome, Undecodable) and isinstance(outcome.error, MalformedRequest)
    assert outcome.error.kind is ErrorKind.INVALID_ARGUMENT
    assert invalid_utf8_field(mem.GetItemRequest.DESCRIPTOR, b"\x0a\x32short") is None
