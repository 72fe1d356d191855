"""The one place that maps failures (domain errors, database errors, anything unexpected) to gRPC statuses.

Handlers raise `ServiceError` subclasses (services/common/domain_errors.py); `GrpcErrorInterceptor` turns
their neutral kinds into canonical codes with rich details (`google.rpc.BadRequest` naming the field). Unexpected exceptions become INTERNAL with an error id
that points at the server log; no stack trace or secret ever reaches the caller. A request that does not
parse (a `string` field that is not UTF-8) is INVALID_ARGUMENT naming the field, not gRPC's own INTERNAL
(services/common/request_decoding.py).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from services.common.domain_errors import ErrorKind, InvalidArgument, ServiceError
from services.common.logging import redact
from services.common.observability.context import current_request_id
from services.common.request_decoding import Undecodable, tolerant

log = logging.getLogger(__name__)


_CODES = {
    ErrorKind.INVALID_ARGUMENT: code_pb2.INVALID_ARGUMENT,
    ErrorKind.NOT_FOUND: code_pb2.NOT_FOUND,
    ErrorKind.FAILED_PRECONDITION: code_pb2.FAILED_PRECONDITION,
    ErrorKind.ABORTED: code_pb2.ABORTED,
    ErrorKind.UNAVAILABLE: code_pb2.UNAVAILABLE,
    ErrorKind.DEADLINE_EXCEEDED: code_pb2.DEADLINE_EXCEEDED,
    ErrorKind.CANCELLED: code_pb2.CANCELLED,
    ErrorKind.INTERNAL: code_pb2.INTERNAL,
}


def _sqlstate(exc: BaseException) -> str:
    return str(getattr(getattr(exc, "orig", None), "pgcode", "") or "")


# SQLSTATEs that are the server refusing more work, not an outage: too many connections, out of resources.
_OVERLOADED = ("53300", "53000", "53100", "53200", "57P03")


def is_database_overloaded(exc: BaseException) -> bool:
    """The database answers but refuses work (e.g. 'too many clients'): RESOURCE_EXHAUSTED, not down."""
    text = str(getattr(exc, "orig", exc))
    return _sqlstate(exc) in _OVERLOADED or "too many clients" in text or "remaining connection slots" in text


def is_database_outage(exc: BaseException) -> bool:
    # Imported lazily: not every service has SQLAlchemy on its path.
    try:
        from sqlalchemy import exc as sa_exc
    except ImportError:  # pragma: no cover
        return False
    if is_database_overloaded(exc):
        return False
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError | sa_exc.TimeoutError)


def _database_error_status(exc: BaseException) -> status_pb2.Status | None:
    """Database errors that are not outages, as what they are (never INTERNAL with a traceback)."""
    try:
        from sqlalchemy import exc as sa_exc
    except ImportError:  # pragma: no cover
        return None
    if not isinstance(exc, sa_exc.DBAPIError):
        return None
    state = _sqlstate(exc)
    log.warning("database refused a statement (SQLSTATE %s): %s", state or "?", redact(str(exc.orig))[:500])
    if is_database_overloaded(exc):
        return status_pb2.Status(
            code=code_pb2.RESOURCE_EXHAUSTED,
            message="the learning database refuses more connections right now; try again shortly",
        )
    if isinstance(exc, sa_exc.DataError) or state.startswith("22"):
        return status_pb2.Status(
            code=code_pb2.INVALID_ARGUMENT,
            message=f"a value in the request cannot be stored (SQLSTATE {state or 'unknown'})",
        )
    if state == "23505":
        return status_pb2.Status(
            code=code_pb2.ABORTED, message="a concurrent write collided with this one; retry it"
        )
    if isinstance(exc, sa_exc.IntegrityError) or state.startswith("23"):
        return status_pb2.Status(
            code=code_pb2.FAILED_PRECONDITION,
            message=f"the request breaks a rule of the learning database (SQLSTATE {state or 'unknown'})",
        )
    if state == "42501":
        return status_pb2.Status(
            code=code_pb2.FAILED_PRECONDITION,
            message="the database role lacks a permission the memory service needs (see the memory log)",
        )
    return None


def to_status(exc: BaseException) -> status_pb2.Status:
    """The rich status for an exception raised by a handler, quoting the request id an operator can give."""
    status = _status_of(exc)
    request_id = current_request_id()
    if request_id:
        info = any_pb2.Any()
        info.Pack(error_details_pb2.RequestInfo(request_id=request_id))
        status.details.append(info)
    return status


def _status_of(exc: BaseException) -> status_pb2.Status:
    if isinstance(exc, InvalidArgument):
        details = error_details_pb2.BadRequest(
            field_violations=[
                error_details_pb2.BadRequest.FieldViolation(field=exc.field, description=exc.description)
            ]
        )
        packed = any_pb2.Any()
        packed.Pack(details)
        return status_pb2.Status(
            code=code_pb2.INVALID_ARGUMENT, message=redact(exc.message), details=[packed]
        )
    if isinstance(exc, ServiceError):
        packed_details = []
        for detail in exc.details:
            packed_detail = any_pb2.Any()
            packed_detail.Pack(detail)
            packed_details.append(packed_detail)
        return status_pb2.Status(code=_CODES[exc.kind], message=redact(exc.message), details=packed_details)
    if is_database_outage(exc):
        return status_pb2.Status(code=code_pb2.UNAVAILABLE, message="the learning database is unavailable")
    database_status = _database_error_status(exc)
    if database_status is not None:
        return database_status
    error_id = uuid.uuid4().hex[:12]
    log.error("unexpected error (error_id=%s)", error_id, exc_info=exc)
    return status_pb2.Status(code=code_pb2.INTERNAL, message=f"internal error (error_id={error_id})")


def abort(context: grpc.ServicerContext, exc: BaseException) -> None:
    """Ends the call with the status for `exc`."""
    context.abort_with_status(rpc_status.to_status(to_status(exc)))


OnError = Callable[[BaseException], None]


class GrpcErrorInterceptor(grpc.ServerInterceptor):  # type: ignore[misc]
    """Wraps every unary and server-streaming handler so raised exceptions become proper statuses, and a
    request that does not parse is INVALID_ARGUMENT before the handler runs.

    `on_error` sees each exception first (the memory service uses it to flip health on a database outage).
    """

    def __init__(self, on_error: OnError | None = None) -> None:
        self._on_error = on_error

    def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], grpc.RpcMethodHandler | None],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler | None:
        handler = continuation(handler_call_details)
        if handler is None:
            return None
        if handler.unary_unary:
            return grpc.unary_unary_rpc_method_handler(
                self._wrap_unary(handler.unary_unary),
                request_deserializer=tolerant(handler.request_deserializer),
                response_serializer=handler.response_serializer,
            )
        if handler.unary_stream:
            return grpc.unary_stream_rpc_method_handler(
                self._wrap_stream(handler.unary_stream),
                request_deserializer=tolerant(handler.request_deserializer),
                response_serializer=handler.response_serializer,
            )
        return handler

    def _handle(self, context: grpc.ServicerContext, exc: BaseException) -> None:
        if self._on_error is not None:
            self._on_error(exc)
        abort(context, exc)

    def _wrap_unary(self, behaviour: Callable[[Any, grpc.ServicerContext], Any]) -> Callable[..., Any]:
        def wrapped(request: Any, context: grpc.ServicerContext) -> Any:
            if isinstance(request, Undecodable):
                abort(context, request.error)
            try:
                return behaviour(request, context)
            except Exception as exc:
                if _is_abort(exc, context):
                    raise
                self._handle(context, exc)
                raise  # unreachable: abort raises

        return wrapped

    def _wrap_stream(
        self, behaviour: Callable[[Any, grpc.ServicerContext], Iterator[Any]]
    ) -> Callable[..., Iterator[Any]]:
        def wrapped(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
            if isinstance(request, Undecodable):
                abort(context, request.error)
            try:
                yield from behaviour(request, context)
            except Exception as exc:
                if _is_abort(exc, context):
                    raise
                self._handle(context, exc)

        return wrapped


def _is_abort(exc: BaseException, context: grpc.ServicerContext) -> bool:
    # A handler that ended the call itself (context.abort) has already set a status: leave it alone.
    return context.code() not in (None, grpc.StatusCode.OK)
