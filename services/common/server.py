"""gRPC server bootstrap shared by every service: health checking, reflection, graceful shutdown."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent import futures

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from services.common.call_wrapping import around_calls
from services.common.observability import tracing
from services.common.observability.interceptors import ServerObservability

log = logging.getLogger(__name__)

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING
# A health service name that is SERVING from start to shutdown, whatever a service's own health says (memory
# is NOT_SERVING while its database is away): a liveness probe asks this one (Kubernetes: grpc.service), so
# it fails only when the process no longer answers (hung, deadlocked, out of threads).
LIVENESS_SERVICE = "liveness"


# After the grace period cancelled what was still running, handlers get this long to notice and return.
DRAIN_SECONDS = 5.0


class PortInUseError(RuntimeError):
    """The port a service was told to listen on is taken."""


class _InFlight(grpc.ServerInterceptor):  # type: ignore[misc]
    """Counts handlers running right now, so a stop can wait until none writes any more."""

    def __init__(self) -> None:
        self._count = 0
        self._lock = threading.Lock()
        self.idle = threading.Event()
        self.idle.set()

    @property
    def count(self) -> int:
        return self._count

    @contextlib.contextmanager
    def _running(self, _context: grpc.ServicerContext, _kind: str) -> Iterator[None]:
        with self._lock:
            self._count += 1
            self.idle.clear()
        try:
            yield
        finally:
            with self._lock:
                self._count -= 1
                if self._count == 0:
                    self.idle.set()

    def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], grpc.RpcMethodHandler | None],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler | None:
        return around_calls(continuation(handler_call_details), self._running)


class GrpcApp:
    """One gRPC server with health (for "" and each service) and reflection, stopped cleanly on SIGTERM."""

    def __init__(
        self,
        *,
        name: str,
        host: str,
        port: int,
        service_names: Sequence[str],
        register: Callable[[grpc.Server], None],
        interceptors: Sequence[grpc.ServerInterceptor] = (),
        max_workers: int = 16,
        grace_seconds: float = 5.0,
        max_connection_age_seconds: float | None = None,
        observe: bool = True,
        credentials: grpc.ServerCredentials | None = None,
        health_port: int = 0,
    ) -> None:
        """`credentials`: TLS for the port (services/common/tls.py); None serves plaintext.
        `health_port`: a second, plaintext listener serving only gRPC health (the same statuses), for
        probes that cannot speak TLS (Kubernetes' grpc probes) while the service port is TLS only; 0: none."""
        self.name = name
        self._host = host
        self._requested_port = port
        self._credentials = credentials
        self._health_port = health_port
        self.health_server: grpc.Server | None = None
        self._service_names = list(service_names)
        self._grace = grace_seconds
        self._on_stop: list[Callable[[], None]] = []
        self._stopped = threading.Event()
        self._in_flight = _InFlight()
        self._executor = futures.ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix=f"{name}-rpc")
        self.server = grpc.server(
            self._executor,
            # Outermost first: the trace span and the request id exist for everything inside.
            # observe=False is only for measuring what observing costs (make bench: the observability area).
            interceptors=[
                *(tracing.server_interceptors() if observe else []),
                *([ServerObservability()] if observe else []),
                self._in_flight,
                *interceptors,
            ],
            options=[
                ("grpc.so_reuseport", 0),
                ("grpc.max_receive_message_length", 16 * 1024 * 1024),
                # Clients re-resolve and rebalance when a connection ends: a replica added later gets
                # load within this long (the grace lets calls in flight finish).
                *(
                    [
                        ("grpc.max_connection_age_ms", int(max_connection_age_seconds * 1000)),
                        ("grpc.max_connection_age_grace_ms", 60_000),
                    ]
                    if max_connection_age_seconds
                    else []
                ),
            ],
        )
        register(self.server)
        self.health = health.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        self.health.set(LIVENESS_SERVICE, SERVING)
        reflection.enable_server_reflection(
            [*self._service_names, health.SERVICE_NAME, reflection.SERVICE_NAME], self.server
        )
        self.port = 0

    def on_stop(self, callback: Callable[[], None]) -> None:
        """Runs `callback` after the server has stopped (e.g. close the database, stop Postgres)."""
        self._on_stop.append(callback)

    def set_serving(self, serving: bool) -> None:
        status = SERVING if serving else NOT_SERVING
        for service in ("", *self._service_names):
            self.health.set(service, status)

    def start(self) -> int:
        """Binds and starts serving; returns the bound port (useful with port 0)."""
        try:
            address = f"{self._host}:{self._requested_port}"
            if self._credentials is None:
                bound = self.server.add_insecure_port(address)
            else:
                bound = self.server.add_secure_port(address, self._credentials)
        except RuntimeError as exc:
            raise PortInUseError(
                f"{self.name}: cannot listen on {self._host}:{self._requested_port} (port in use?)"
            ) from exc
        if bound == 0:
            raise PortInUseError(
                f"{self.name}: cannot listen on {self._host}:{self._requested_port} (port in use?)"
            )
        self.port = bound
        if self._health_port:
            self.health_server = grpc.server(
                futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="health")
            )
            health_pb2_grpc.add_HealthServicer_to_server(self.health, self.health_server)
            if self.health_server.add_insecure_port(f"{self._host}:{self._health_port}") == 0:
                raise PortInUseError(
                    f"{self.name}: cannot listen for health checks on port {self._health_port}"
                )
            self.health_server.start()
        self.server.start()
        log.info(
            "%s listening on %s:%d (%s)",
            self.name,
            self._host,
            bound,
            "plaintext" if self._credentials is None else "TLS",
            extra={"port": bound},
        )
        return int(bound)

    def stop(self) -> None:
        """Graceful stop: report NOT_SERVING and take no new calls; let in-flight calls finish within the
        grace period, then cancel them and wait (DRAIN_SECONDS) until no handler runs any more; only then
        run the hooks (close the database, stop the spool) and log "stopped"."""
        if self._stopped.is_set():
            return
        self._stopped.set()
        log.info(
            "%s shutting down: %d call(s) in flight get %.0f s to finish",
            self.name,
            self._in_flight.count,
            self._grace,
        )
        self.health.enter_graceful_shutdown()
        self.server.stop(self._grace).wait()
        if self.health_server is not None:
            self.health_server.stop(0)
        self._executor.shutdown(wait=False, cancel_futures=True)  # calls queued but not started never run
        if not self._in_flight.idle.wait(DRAIN_SECONDS):
            log.warning(
                "%s: %d handler(s) still running after cancellation; exiting without them",
                self.name,
                self._in_flight.count,
            )
        for callback in reversed(self._on_stop):
            try:
                callback()
            except Exception:
                log.exception("%s: shutdown hook failed", self.name)
        log.info("%s stopped", self.name)

    def serve_forever(self) -> None:
        """Blocks until SIGTERM or SIGINT, then stops gracefully."""
        done = threading.Event()

        def _signal(signum: int, _frame: object) -> None:
            log.info("%s received %s", self.name, signal.Signals(signum).name)
            done.set()

        signal.signal(signal.SIGTERM, _signal)
        signal.signal(signal.SIGINT, _signal)
        done.wait()
        self.stop()


def exit_process(code: int) -> None:
    """Ends the process after a stop: flushes the logs, then exits without waiting for worker threads (a
    handler cancelled past its drain time, an executor thread) that would otherwise hold the process up."""
    logging.shutdown()
    os._exit(code)
