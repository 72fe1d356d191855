"""OpenTelemetry tracing: on when OTEL_EXPORTER_OTLP_ENDPOINT (or the traces variant) is set, else off.

The standard OTEL_* variables configure the exporter (endpoint, headers, protocol details) and
OTEL_SERVICE_NAME overrides the service name. gRPC server and client spans come from the OpenTelemetry
gRPC instrumentation's interceptors, SQL spans from its SQLAlchemy instrumentation.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from typing import Any

import grpc
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.trace import SpanKind, Status, StatusCode

from services.common.call_wrapping import around_calls

log = logging.getLogger(__name__)
_provider: TracerProvider | None = None


def tracing_enabled() -> bool:
    return bool(
        os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    )


def configure_tracing(service: str, exporter: SpanExporter | None = None) -> bool:
    """Sets up the tracer provider once per process; True when tracing is on."""
    global _provider
    if _provider is not None:
        return True
    if exporter is None:
        if not tracing_enabled():
            return False
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter()
    name = os.environ.get("OTEL_SERVICE_NAME") or f"aicmo-{service}"
    _provider = TracerProvider(resource=Resource.create({"service.name": name}))
    _provider.add_span_processor(BatchSpanProcessor(exporter, schedule_delay_millis=500))
    trace.set_tracer_provider(_provider)
    log.info("tracing on: spans of %s are exported over OTLP", name)
    return True


def shutdown_tracing() -> None:
    """Flushes and stops the exporter (on shutdown)."""
    if _provider is not None:
        _provider.shutdown()


def server_interceptors() -> list[Any]:
    if _provider is None:
        return []
    return [_ServerSpans(_provider).interceptor()]


def traced_channel(channel: Any) -> Any:
    """The channel with client spans (and the trace context passed along), when tracing is on."""
    if _provider is None:
        return channel
    from opentelemetry.instrumentation.grpc import client_interceptor
    from opentelemetry.instrumentation.grpc.grpcext import intercept_channel

    return intercept_channel(channel, client_interceptor(tracer_provider=_provider))  # type: ignore[no-untyped-call]


def instrument_engine(engine: Any) -> None:
    """SQL spans for a SQLAlchemy engine, when tracing is on."""
    if _provider is None:
        return
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    SQLAlchemyInstrumentor().instrument(engine=engine, tracer_provider=_provider)


@contextlib.contextmanager
def sql_span(operation: str, name: str) -> Iterator[None]:
    """A CLIENT span around a statement run on the driver directly (outside SQLAlchemy's instrumentation),
    when tracing is on."""
    if _provider is None:
        yield
        return
    tracer = _provider.get_tracer("aicmo.sql")
    with tracer.start_as_current_span(
        f"{operation} {name}",
        kind=SpanKind.CLIENT,
        attributes={"db.system": "postgresql", "db.operation": operation},
    ):
        yield


class _ServerSpans:
    """A lean server interceptor: one SERVER span per call, continuing the caller's W3C trace context.

    (The OpenTelemetry gRPC instrumentation's server interceptor does the same with many more attributes
    and wrappers; measured in `make bench` (observability), this costs a fraction of it.)
    """

    def __init__(self, provider: TracerProvider) -> None:
        self._tracer = provider.get_tracer("aicmo.grpc.server")

    def interceptor(self) -> Any:
        spans = self

        class Interceptor(grpc.ServerInterceptor):  # type: ignore[misc]
            def intercept_service(self, continuation: Any, details: Any) -> Any:
                name = details.method.lstrip("/")
                carrier = {k: v for k, v in (details.invocation_metadata or ()) if isinstance(v, str)}
                return around_calls(
                    continuation(details), lambda context, _kind: spans._span(name, carrier, context)
                )

        return Interceptor()

    @contextlib.contextmanager
    def _span(self, name: str, carrier: dict[str, str], context: Any) -> Iterator[None]:
        parent = propagate.extract(carrier)
        with self._tracer.start_as_current_span(
            name, context=parent, kind=SpanKind.SERVER, attributes={"rpc.system": "grpc", "rpc.method": name}
        ) as span:
            try:
                yield
            finally:
                code = context.code()
                if code is not None and code != grpc.StatusCode.OK:
                    span.set_attribute("rpc.grpc.status_code", int(code.value[0]))
                    span.set_status(Status(StatusCode.ERROR, str(code.name)))
