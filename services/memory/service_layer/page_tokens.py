"""Page tokens: an opaque, URL-safe form of where the next page starts (and which filter it belongs to)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from services.common.domain_errors import InvalidArgument

T = TypeVar("T")


def encode(payload: Mapping[str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(dict(payload)).encode()).decode().rstrip("=")


def decode(token: str, read: Callable[[dict[str, Any]], T]) -> T:
    """`read` applied to the token's payload; a token this service did not issue is an InvalidArgument."""
    try:
        payload = json.loads(base64.urlsafe_b64decode((token + "=" * (-len(token) % 4)).encode()))
        return read(payload)
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise InvalidArgument("page_token", "is not a token this service issued") from None
