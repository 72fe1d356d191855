"""The interceptors that give every RPC a request id, metrics and (when on) a trace span."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

import grpc

from services.common.call_wrapping import around_calls
from services.common.observability import context, metrics

log = logging.getLogger("services.rpc")
# Polled every few seconds by load balancers and the launcher: counted, but not logged line by line.
_QUIET_SERVICES = ("grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection")


def _log_call(service: str, method: str, code: str, seconds: float) -> None:
    if service in _QUIET_SERVICES:
        return
    level = logging.WARNING if code in ("INTERNAL", "UNKNOWN", "DATA_LOSS") else logging.INFO
    log.log(
        level,
        "%s/%s %s in %.1f ms",
        service.rsplit(".", 1)[-1],
        method,
        code,
        seconds * 1000,
        extra={"grpc_method": method, "grpc_code": code, "duration_ms": round(seconds * 1000, 1)},
    )


def _names(method: str) -> tuple[str, str]:
    """("aicmo.memory.v1.MemoryService", "SearchItems") from "/aicmo.memory.v1.MemoryService/SearchItems"."""
    service, _, name = method.lstrip("/").partition("/")
    return service or "unknown", name or "unknown"


def _metadata_value(metadata: Any, key: str) -> str | None:
    for item in metadata or ():
        k, v = (item.key, item.value) if hasattr(item, "key") else item
        if k == key:
            return str(v)
    return None


def _code(context_: grpc.ServicerContext, failed: bool) -> str:
    code = context_.code()
    if code is None:
        return "UNKNOWN" if failed else "OK"
    return str(code.name)


class ServerObservability(grpc.ServerInterceptor):  # type: ignore[misc]
    """Outermost server interceptor: request id in context and logs, and the standard gRPC metrics."""

    def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], grpc.RpcMethodHandler | None],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler | None:
        service, method = _names(details.method)
        incoming = _metadata_value(details.invocation_metadata, context.REQUEST_ID_HEADER)

        @contextlib.contextmanager
        def observed(ctx: grpc.ServicerContext, kind: str) -> Iterator[None]:
            labels = (kind, service, method)
            token = context.set_request_id(context.accept_request_id(incoming))
            metrics.GRPC_SERVER_STARTED.labels(*labels).inc()
            started, failed, gone = time.perf_counter(), False, False
            try:
                yield
            except GeneratorExit:  # the caller stopped reading a stream (cancelled, or its deadline passed)
                gone = True
                raise
            except BaseException:
                failed = True
                raise
            finally:
                elapsed = time.perf_counter() - started
                code = "CANCELLED" if gone and ctx.code() is None else _code(ctx, failed)
                metrics.GRPC_SERVER_HANDLING_SECONDS.labels(*labels).observe(elapsed)
                metrics.GRPC_SERVER_HANDLED.labels(*labels, code).inc()
                _log_call(service, method, code, elapsed)
                context.reset_request_id(token)

        sent = metrics.GRPC_SERVER_MSG_SENT.labels("server_stream", service, method)
        return around_calls(continuation(details), observed, on_message=sent.inc)


class ClientObservability(grpc.UnaryUnaryClientInterceptor):  # type: ignore[misc]
    """Passes the current request id along and records the standard gRPC client metrics."""

    def intercept_unary_unary(
        self, continuation: Callable[[Any, Any], Any], call_details: Any, request: Any
    ) -> Any:
        metadata = list(call_details.metadata or ())
        if not any(k == context.REQUEST_ID_HEADER for k, _ in metadata):
            metadata.extend(context.outgoing_metadata())
        details = _ClientCallDetails(
            call_details.method, call_details.timeout, metadata, call_details.credentials,
            call_details.wait_for_ready, call_details.compression,
        )  # fmt: skip
        method = (
            call_details.method.decode() if isinstance(call_details.method, bytes) else call_details.method
        )
        service, name = _names(method)
        started = time.perf_counter()
        outcome = continuation(details, request)
        code = outcome.code() if hasattr(outcome, "code") else None
        metrics.GRPC_CLIENT_HANDLING_SECONDS.labels("unary", service, name).observe(
            time.perf_counter() - started
        )
        metrics.GRPC_CLIENT_HANDLED.labels("unary", service, name, code.name if code else "UNKNOWN").inc()
        return outcome


class _ClientCallDetails(grpc.ClientCallDetails):  # type: ignore[misc]
    def __init__(self, method: Any, timeout: Any, metadata: Any, credentials: Any, wait_for_ready: Any,
                 compression: Any) -> None:  # fmt: skip
        self.method = method
        self.timeout = timeout
        self.metadata = metadata
        self.credentials = credentials
        self.wait_for_ready = wait_for_ready
        self.compression = compression
