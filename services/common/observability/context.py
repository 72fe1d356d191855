"""The request id of the call being served, for logs, outgoing calls and error responses."""

from __future__ import annotations

import contextvars
import logging
import re
import uuid

from opentelemetry import trace

REQUEST_ID_HEADER = "x-request-id"
_VALID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("aicmo_request_id", default="")


def accept_request_id(candidate: str | None) -> str:
    """The caller's id when it is a sane token (it ends up in logs), else a new one."""
    return candidate if candidate and _VALID.match(candidate) else uuid.uuid4().hex


def current_request_id() -> str:
    return _request_id.get()


def set_request_id(value: str) -> contextvars.Token[str]:
    return _request_id.set(value)


def reset_request_id(token: contextvars.Token[str]) -> None:
    _request_id.reset(token)


def outgoing_metadata() -> tuple[tuple[str, str], ...]:
    """Metadata that carries the current request id to the next service."""
    request_id = current_request_id()
    return ((REQUEST_ID_HEADER, request_id),) if request_id else ()


class RequestContextFilter(logging.Filter):
    """Adds `request_id` and `trace_id` (when there is one) to every log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = current_request_id()
        if request_id and not hasattr(record, "request_id"):
            record.request_id = request_id
        span = trace.get_current_span().get_span_context()
        if span.is_valid and not hasattr(record, "trace_id"):
            record.trace_id = format(span.trace_id, "032x")
            record.span_id = format(span.span_id, "016x")
        return True
