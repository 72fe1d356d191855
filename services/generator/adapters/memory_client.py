"""The generator's client for aicmo.memory.v1: every call carries a deadline; idempotent calls retry."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

import grpc
from aicmo.memory.v1 import audit_pb2 as aupb
from aicmo.memory.v1 import audit_pb2_grpc as aupb_grpc
from aicmo.memory.v1 import memory_service_pb2 as mpb
from aicmo.memory.v1 import memory_service_pb2_grpc as mpb_grpc
from aicmo.memory.v1 import playbook_pb2 as ppb
from aicmo.memory.v1 import playbook_pb2_grpc as ppb_grpc
from aicmo.memory.v1 import report_archive_pb2 as rpb
from aicmo.memory.v1 import report_archive_pb2_grpc as rpb_grpc
from google.protobuf import json_format
from grpc_health.v1 import health_pb2, health_pb2_grpc

from services.common.domain_errors import NotFound
from services.common.observability import tracing
from services.common.observability.interceptors import ClientObservability
from services.common.settings import CommonSettings
from services.common.tls import open_channel
from services.generator.domain.client_playbook import ClientPlaybook
from services.generator.domain.learned import (
    ArchivedSection,
    ArchivedVersion,
    LearnedItem,
    PastWorkQuery,
    SearchHit,
)
from services.generator.service_layer.playbook_records import entry_from_proto
from services.generator.service_layer.ports import RetrievalTooSlow, RetrievalUnavailable


def hit_from_proto(result: mpb.SearchResult) -> SearchHit:
    item = result.item
    return SearchHit(
        item=LearnedItem(
            id=item.id,
            kind=item.kind,
            title=item.title,
            text=item.text,
            client_id=item.client_id,
            section_id=item.section_id,
            tags=tuple(item.tags),
            rating=item.rating,
            agency=item.scope == mpb.SCOPE_AGENCY,
        ),
        score=float(result.score),
        similarity=float(result.similarity),
    )


_AUTHORS = {
    rpb.SECTION_AUTHOR_OFFLINE_COMPOSER: "offline",
    rpb.SECTION_AUTHOR_LANGUAGE_MODEL: "llm",
    rpb.SECTION_AUTHOR_OPERATOR: "operator",
}
_STAGES = {rpb.VERSION_STAGE_REFINE: "refine", rpb.VERSION_STAGE_FINAL: "final"}


def version_from_proto(version: rpb.ReportVersion) -> ArchivedVersion:
    return ArchivedVersion(
        history_id=version.history_id,
        version=version.version,
        package_key=version.package_key,
        stage=_STAGES.get(version.stage, "draft"),
        brief=json_format.MessageToDict(version.brief) if version.HasField("brief") else None,
        sections=tuple(
            ArchivedSection(s.section_id, s.markdown, _AUTHORS.get(s.author, "offline"))
            for s in version.sections
        ),
    )


# Every MemoryService method is idempotent (writes carry idempotency keys), and so is reading a playbook,
# so UNAVAILABLE is retried by the channel itself, always within the caller's deadline.
# round_robin: with a target that resolves to several addresses (in Kubernetes
# AICMO_MEMORY_TARGET=dns:///memory-headless:50052, a headless Service with one address per memory pod) the
# channel keeps a connection to each replica and spreads calls over those that are up; the default
# (pick_first) would send everything to one. With one address it behaves as before.
_SERVICE_CONFIG = json.dumps(
    {
        "loadBalancingConfig": [{"round_robin": {}}],
        "methodConfig": [
            {
                "name": [
                    {"service": "aicmo.memory.v1.MemoryService"},
                    {"service": "aicmo.memory.v1.PlaybookService", "method": "ListPlaybookEntries"},
                ],
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
        self,
        target: str,
        *,
        credentials: Callable[[], tuple[tuple[str, str], ...]] | None = None,
        settings: CommonSettings | None = None,
    ) -> None:
        """`credentials`: the call metadata (the generator's own token and the person it acts for);
        `settings`: the TLS settings (AICMO_TLS_*) of the channel; None is plaintext."""
        self.target = target
        self._raw_channel = open_channel(
            target,
            settings,
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
        self._playbook = ppb_grpc.PlaybookServiceStub(self._channel)
        self._audit = aupb_grpc.AuditServiceStub(self._channel)
        # Start connecting now, so the first report does not spend its retrieval budget on the handshake.
        self._ready = grpc.channel_ready_future(self._raw_channel)
        self._health = health_pb2_grpc.HealthStub(self._channel)
        # The generator's own token and the person it acts for, per call (services/common/auth.py).
        self._credentials = credentials or (lambda: ())

    def search(self, query: PastWorkQuery, *, timeout: float) -> Sequence[SearchHit]:
        """The MemoryPort's search: gRPC failures become RetrievalTooSlow / RetrievalUnavailable."""
        request = mpb.SearchItemsRequest(
            query=query.text,
            top_k=query.top_k,
            min_score=query.min_score,
            kinds=list(query.kinds),
            for_client_id=query.for_client_id,
        )
        try:
            response: mpb.SearchItemsResponse = self._stub.SearchItems(
                request, timeout=timeout, metadata=self._credentials()
            )
        except grpc.RpcError as exc:
            code = exc.code() if hasattr(exc, "code") else None
            if code == grpc.StatusCode.DEADLINE_EXCEEDED:
                raise RetrievalTooSlow(f"no answer from memory within {timeout:.3f} s") from exc
            raise RetrievalUnavailable(f"memory answered {code.name if code else 'nothing'}") from exc
        return [hit_from_proto(r) for r in response.results]

    def playbook(self, client_id: str, *, timeout: float) -> ClientPlaybook:
        """The MemoryPort's playbook: the client's active entries and the agency-wide ones."""
        try:
            response: ppb.ListPlaybookEntriesResponse = self._playbook.ListPlaybookEntries(
                ppb.ListPlaybookEntriesRequest(client_id=client_id, include_agency=True),
                timeout=timeout,
                metadata=self._credentials(),
            )
        except grpc.RpcError as exc:
            code = exc.code() if hasattr(exc, "code") else None
            if code == grpc.StatusCode.DEADLINE_EXCEEDED:
                raise RetrievalTooSlow(f"no answer from memory within {timeout:.3f} s") from exc
            raise RetrievalUnavailable(f"memory answered {code.name if code else 'nothing'}") from exc
        entries = [e for e in map(entry_from_proto, response.entries) if e is not None]
        return ClientPlaybook.of_entries(entries)

    def report_version(self, history_id: str, version: int, *, timeout: float) -> ArchivedVersion:
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
        return version_from_proto(response.version)

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
