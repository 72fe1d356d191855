"""Failures the services' domain and use cases raise, free of any transport.

Each carries a neutral `kind`; only the edge (services/common/errors.py) turns a kind into a gRPC status
(and, through Envoy, an HTTP status), so use cases and their unit tests never import grpc.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Any


class ErrorKind(enum.Enum):
    INVALID_ARGUMENT = "invalid_argument"  # the caller sent something wrong: fix the request
    NOT_FOUND = "not_found"
    FAILED_PRECONDITION = "failed_precondition"  # the request is fine but the state does not allow it
    ABORTED = "aborted"  # a concurrent change came first (an optimistic check failed): re-read, retry
    UNAVAILABLE = "unavailable"  # a dependency is down: try again later
    DEADLINE_EXCEEDED = "deadline_exceeded"
    CANCELLED = "cancelled"  # the caller went away
    INTERNAL = "internal"


class ServiceError(Exception):
    """A failure the caller should hear about, with its kind and a message safe to show."""

    kind: ErrorKind = ErrorKind.INTERNAL

    def __init__(self, message: str, *, details: Sequence[Any] = ()) -> None:
        super().__init__(message)
        self.message = message
        # Messages the edge packs into the status's details (e.g. a health report that says what is down).
        self.details = tuple(details)


class InvalidArgument(ServiceError):
    """A request field is wrong; `field` names it (e.g. "item.text")."""

    kind = ErrorKind.INVALID_ARGUMENT

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.description = message


class MalformedRequest(ServiceError):
    """The request could not be read at all (not a valid message of its type); no one field to name."""

    kind = ErrorKind.INVALID_ARGUMENT


class NotFound(ServiceError):
    kind = ErrorKind.NOT_FOUND


class FailedPrecondition(ServiceError):
    kind = ErrorKind.FAILED_PRECONDITION


class Aborted(ServiceError):
    kind = ErrorKind.ABORTED


class Unavailable(ServiceError):
    kind = ErrorKind.UNAVAILABLE


class DeadlineExceeded(ServiceError):
    kind = ErrorKind.DEADLINE_EXCEEDED


class Cancelled(ServiceError):
    kind = ErrorKind.CANCELLED
