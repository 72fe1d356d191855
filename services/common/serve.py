"""Running one service process, the same for every service: tracing on, the service started, its /metrics
served, then the gRPC server until SIGTERM, tracing flushed and the process ended."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

from services.common.observability.metrics import serve_metrics
from services.common.observability.tracing import configure_tracing, shutdown_tracing
from services.common.server import GrpcApp, exit_process


class Runtime(Protocol):
    """A started service: its gRPC app, and how to stop everything it started."""

    @property
    def app(self) -> GrpcApp: ...

    def stop(self) -> None: ...


def run_service(
    name: str, start: Callable[[], Runtime], *, host: str, metrics_port: int, metrics_env: str
) -> int:
    """Serves until SIGTERM and ends the process; 2 when the metrics port is taken (`metrics_env` names the
    variable that moves it). `start` builds and starts the service (its errors go to the caller)."""
    log = logging.getLogger(f"services.{name}")
    configure_tracing(name)
    runtime = start()
    try:
        serve_metrics(host, metrics_port, name)
    except OSError as exc:
        log.error("%s metrics cannot listen on port %d (%s): set %s", name, metrics_port, exc, metrics_env)
        runtime.stop()
        return 2
    runtime.app.serve_forever()
    shutdown_tracing()
    exit_process(0)
    return 0
