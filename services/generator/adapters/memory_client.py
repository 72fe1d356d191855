"""The generator's client for aicmo.memory.v1: every call carries a deadline; idempotent calls retry."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

import grpc
from aicmo.memory.v1 import audit_pb2 as aupb
from aicmo.memory.v1 import audit_pb2_grpc as aupb_grpc
from aicmo.memory.v1 import memory_service_pb2 as mpb
from aicmo.memory.v1 import memory_service_pb2_grpc as mpb_grpc
from aicmo.memory.v1 import report_archive_pb2 as rpb
from aicmo.memory.v1 import report_archive_pb2_grpc as rpb_grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from services.common.domain_errors import NotFound
from services.common.observability import tracing
from services.common.observability.interceptors import ClientObservability
from services.generator.service_layer.ports import RetrievalTooSlow, RetrievalUnavailable

# Every MemoryService method is idempotent (writes carry idempotency keys), so UNAVAILABLE is retried
# by the channel itself, always within the caller's deadline.
# round_robin: with a target that resolves to several addresses (in Kubernetes
# AICMO_MEMORY_TARGET=dns:///memory-headless:50052, a headless Service with one address per memory pod) the
# channel keeps a connection to each replica and spreads calls over those that are up; the default
# (pick_first) would send everything to one. With one address it behaves as before.
_SERVICE_CONFIG = json.dumps(
    {
        "loadBalancingConfig": [{"round_robin": {}}],
        "methodConfig": [
            {
                "name": [{"service": "aicmo.memory.v1.MemoryService"}],
                "retryPolicy": {
                    "maxAttempts": 3,
                    "initialBackoff": "0.05s",
                    "maxBackoff": "0.5s",
                    "backoffMultiplier": 2,
                    "retryableStatusCodes": ["UNAVAILABLE"],
                },
            }
        ],
    }
)


class MemoryClient:
    """One channel to the memory service, shared by every request."""

    def __init__(
        self, target: str, *, credentials: Callable[[], tuple[tuple[str, str], ...]] | None = None
    ) -> None:
        self.target = target
        self._raw_channel = grpc.insecure_channel(
            target,
            options=[
                ("grpc.service_config", _SERVICE_CONFIG),
                ("grpc.enable_retries", 1),
                # Notice a returning memory service within seconds, not gRPC's default two minutes.
                ("grpc.initial_reconnect_backoff_ms", 200),
                ("grpc.min_reconnect_backoff_ms", 200),
                ("grpc.max_reconnect_backoff_ms", 2000),
            ],
        )
        # Every call carries the request id (and, when tracing is on, the trace context) and is measured.
        self._channel = tracing.traced_channel(
            grpc.intercept_channel(self._raw_channel, ClientObservability())
        )
        self._stub = mpb_grpc.MemoryServiceStub(self._channel)
        self._archive = rpb_grpc.ReportArchiveServiceStub(self._channel)
        self._audit = aupb_grpc.AuditServiceStub(self._channel)
        # Start connecting now, so the first report does not spend its retrieval budget on the handshake.
        self._ready = grpc.channel_ready_future(self._raw_channel)
        self._health = health_pb2_grpc.HealthStub(self._channel)
        # The generator's own token and the person it acts for, per call (services/common/auth.py).
        self._credentials = credentials or (lambda: ())

    def search(self, request: mpb.SearchItemsRequest, *, timeout: float) -> Sequence[mpb.SearchResult]:
        """The MemoryPort's search: gRPC failures become RetrievalTooSlow / RetrievalUnavailable."""
        try:
            response: mpb.SearchItemsResponse = self._stub.SearchItems(
                request, timeout=timeout, metadata=self._credentials()
            )
        except grpc.RpcError as exc:
            code = exc.code() if hasattr(exc, "code") else None
            if code == grpc.StatusCode.DEADLINE_EXCEEDED:
                raise RetrievalTooSlow(f"no answer from memory within {timeout:.3f} s") from exc
            raise RetrievalUnavailable(f"memory answered {code.name if code else 'nothing'}") from exc
        return list(response.results)

    def report_version(self, history_id: str, version: int, *, timeout: float) -> rpb.ReportVersion:
        """The MemoryPort's archived version; NOT_FOUND becomes NotFound, other failures Retrieval*."""
        try:
            response: rpb.GetReportVersionResponse = self._archive.GetReportVersion(
                rpb.GetReportVersionRequest(history_id=history_id, version=version),
                timeout=timeout,
                metadata=self._credentials(),
            )
        except grpc.RpcError as exc:
            code = exc.code() if hasattr(exc, "code") else None
            if code == grpc.StatusCode.NOT_FOUND:
                raise NotFound(f"no version {version or '(latest)'} of report {history_id[:64]}") from exc
            if code == grpc.StatusCode.DEADLINE_EXCEEDED:
                raise RetrievalTooSlow(f"no answer from memory within {timeout:.3f} s") from exc
            raise RetrievalUnavailable(f"memory answered {code.name if code else 'nothing'}") from exc
        return response.version

    def deliver(self, batch: mpb.BatchRecordItemsRequest, timeout: float) -> mpb.BatchRecordItemsResponse:
        """Sends a spooled batch as it is (its learning items and its report version)."""
        response: mpb.BatchRecordItemsResponse = self._stub.BatchRecordItems(
            batch, timeout=timeout, metadata=self._credentials()
        )
        return response

    def append_audit(self, entries: Sequence[aupb.AuditEntry], timeout: float) -> int:
        """Sends audit entries the generator recorded (memory stores each entry_id once)."""
        response: aupb.AppendAuditEntriesResponse = self._audit.AppendAuditEntries(
            aupb.AppendAuditEntriesRequest(entries=entries), timeout=timeout, metadata=self._credentials()
        )
        return int(response.appended)

    def health(self, *, timeout: float) -> str:
        """SERVING (memory and its database are up), NOT_SERVING (database down) or UNREACHABLE."""
        try:
            response = self._health.Check(health_pb2.HealthCheckRequest(service=""), timeout=timeout)
        except grpc.RpcError:
            return "UNREACHABLE"
        return str(health_pb2.HealthCheckResponse.ServingStatus.Name(response.status))

    def close(self) -> None:
        self._ready.cancel()
        self._channel.close()
