"""Text that Postgres can store: one rule, checked at every edge before anything is queued or written.

Postgres `text` and `jsonb` refuse the NUL character, and UTF-8 has no encoding for lone surrogates (which
JSON's `\\ud800` escapes can still smuggle in). Either would fail deep inside a write — after a report was
acknowledged and queued — so they are rejected up front with INVALID_ARGUMENT naming the field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from services.common.domain_errors import InvalidArgument

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable_reason(value: str) -> str | None:
    """Why `value` cannot be stored, or None when it can."""
    m = _UNSTORABLE.search(value)
    if m is None:
        return None
    char = m.group(0)
    what = "the NUL character (\\u0000)" if char == "\x00" else f"an invalid code point (\\u{ord(char):04x})"
    return f"contains {what} at position {m.start()}, which cannot be stored"


def check_storable(field: str, value: str) -> str:
    """Returns `value`, or raises InvalidArgument naming `field`."""
    reason = unstorable_reason(value)
    if reason is not None:
        raise InvalidArgument(field, reason)
    return value


def check_storable_json(field: str, value: Any) -> None:
    """Checks every key and string inside a JSON-like value; the field path names the offending entry."""
    if isinstance(value, str):
        check_storable(field, value)
    elif isinstance(value, Mapping):
        for key, inner in value.items():
            check_storable(field, str(key))  # a bad key is named by its parent: the key itself is unprintable
            check_storable_json(f"{field}.{str(key)[:40]}", inner)
    elif isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        for i, inner in enumerate(value):
            check_storable_json(f"{field}[{i}]", inner)
