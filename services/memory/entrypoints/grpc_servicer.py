"""The gRPC face of the memory service: thin handlers over LearningService."""

from __future__ import annotations

import time

import grpc
from aicmo.memory.v1 import memory_service_pb2 as pb
from aicmo.memory.v1 import memory_service_pb2_grpc as pb_grpc

from services.common.domain_errors import InvalidArgument
from services.memory.domain.model import MAX_BATCH, SearchFilters
from services.memory.entrypoints.convert import (
    item_to_proto,
    new_item_from_request,
    outcome_to_proto,
    rating_from_request,
    scope_from_proto,
)
from services.memory.entrypoints.playbook_servicer import new_entry_from_proto
from services.memory.entrypoints.report_servicer import version_from_proto, work_start
from services.memory.service_layer.learning import LearningService
from services.memory.service_layer.playbook import Playbook
from services.memory.service_layer.reports import ReportArchive

MAX_DELETED_IDS = 100  # ForgetClientResponse.deleted_ids is bounded; deleted_count is the total


class MemoryServicer(pb_grpc.MemoryServiceServicer):
    """aicmo.memory.v1.MemoryService. Errors are raised as ServiceError and mapped by the interceptor."""

    def __init__(
        self,
        service: LearningService,
        archive: ReportArchive | None = None,
        playbook: Playbook | None = None,
    ) -> None:
        self._service = service
        self._archive = archive
        self._playbook = playbook

    def RecordItem(
        self, request: pb.RecordItemRequest, context: grpc.ServicerContext
    ) -> pb.RecordItemResponse:
        if not request.HasField("item"):
            raise InvalidArgument("item", "is required")
        return outcome_to_proto(self._service.record([new_item_from_request(request)])[0])

    def BatchRecordItems(
        self, request: pb.BatchRecordItemsRequest, context: grpc.ServicerContext
    ) -> pb.BatchRecordItemsResponse:
        if not request.requests and not request.HasField("report_version") and not request.playbook_entries:
            raise InvalidArgument(
                "requests", "must contain at least one item (or a report_version, or playbook_entries)"
            )
        items = []
        for i, entry in enumerate(request.requests):
            if not entry.HasField("item"):
                raise InvalidArgument(f"requests[{i}].item", "is required")
            items.append(new_item_from_request(entry, prefix=f"requests[{i}]."))
        version = None
        if request.HasField("report_version"):
            if self._archive is None:
                raise InvalidArgument("report_version", "this memory service keeps no report archive")
            version = self._archive.validate(version_from_proto(request.report_version))
        entries = []
        if request.playbook_entries:
            if self._playbook is None:
                raise InvalidArgument("playbook_entries", "this memory service keeps no playbook")
            entries_start = work_start(request.playbook_entries_work_start_time) or work_start(
                request.report_version_work_start_time
            )
            if len(request.playbook_entries) > MAX_BATCH:
                raise InvalidArgument("playbook_entries", f"at most {MAX_BATCH} entries per batch")
            for i, message in enumerate(request.playbook_entries):
                prefix = f"playbook_entries[{i}]."
                if not message.id.strip():
                    raise InvalidArgument(
                        f"{prefix}id", "is required (a caller-chosen UUID makes redelivery safe)"
                    )
                entries.append(new_entry_from_proto(message, work_start_time=entries_start, prefix=prefix))
        outcomes = self._service.record(items) if items else []
        if version is not None and self._archive is not None:
            # Idempotent by report id, so a redelivered batch archives its version once.
            self._archive.save(version, work_start(request.report_version_work_start_time))
        added = self._playbook.add(entries) if entries and self._playbook is not None else []
        return pb.BatchRecordItemsResponse(
            results=[outcome_to_proto(o) for o in outcomes],
            created_count=sum(o.created for o in outcomes),
            discarded_count=sum(o.item is None for o in outcomes),
            playbook_entries_created_count=sum(a.created for a in added),
            playbook_entries_discarded_count=sum(a.discarded for a in added),
        )

    def SearchItems(
        self, request: pb.SearchItemsRequest, context: grpc.ServicerContext
    ) -> pb.SearchItemsResponse:
        filters = SearchFilters(
            kinds=tuple(k.strip() for k in request.kinds if k.strip()),
            client_id=request.client_id.strip(),
            industry=request.industry.strip(),
            package_key=request.package_key.strip(),
            section_id=request.section_id.strip(),
            for_client_id=request.for_client_id.strip(),
        )
        remaining = context.time_remaining()
        hits = self._service.search(
            request.query,
            request.top_k,
            request.min_score,
            filters,
            deadline=None if remaining is None else time.monotonic() + remaining,
        )
        return pb.SearchItemsResponse(
            results=[
                pb.SearchResult(
                    item=item_to_proto(h.item), score=h.score, similarity=h.similarity, relevance=h.relevance
                )
                for h in hits
            ],
            embedding_model=self._service.embedder.model_name,
            warnings=self._service.warnings,
        )

    def GetSummary(
        self, request: pb.GetSummaryRequest, context: grpc.ServicerContext
    ) -> pb.GetSummaryResponse:
        s = self._service.summary()
        return pb.GetSummaryResponse(
            total_items=s.total_items,
            per_kind=s.per_kind,
            embedding_model=s.embedding_model,
            storage=s.storage,
            embedding_dimensions=s.embedding_dimensions,
            fake_embeddings=s.fake_embeddings,
            per_rating=s.per_rating,
            learned_per_day=[pb.DailyCount(date=d, count=n) for d, n in s.learned_per_day],
            warnings=s.warnings,
            embedding_backlog=s.backlog.pending,
            embedding_failing=s.backlog.failing,
            embedding_backlog_age_seconds=s.backlog.oldest_pending_seconds,
        )

    def ListItems(self, request: pb.ListItemsRequest, context: grpc.ServicerContext) -> pb.ListItemsResponse:
        page = self._service.list(
            kind=request.kind,
            client_id=request.client_id,
            page_size=request.page_size,
            page_token=request.page_token,
        )
        return pb.ListItemsResponse(
            items=[item_to_proto(i) for i in page.items],
            next_page_token=page.next_page_token,
            total_size=page.total_size,
        )

    def GetItem(self, request: pb.GetItemRequest, context: grpc.ServicerContext) -> pb.GetItemResponse:
        return pb.GetItemResponse(item=item_to_proto(self._service.get(request.id)))

    def DeleteItem(
        self, request: pb.DeleteItemRequest, context: grpc.ServicerContext
    ) -> pb.DeleteItemResponse:
        return pb.DeleteItemResponse(id=str(self._service.delete(request.id)))

    def RateItem(self, request: pb.RateItemRequest, context: grpc.ServicerContext) -> pb.RateItemResponse:
        rating = rating_from_request(request.verdict, request.rating)
        rated = self._service.rate(request.id, rating, request.note)
        return pb.RateItemResponse(item=item_to_proto(rated.item), rated_count=rated.rated_count)

    def SetItemScope(
        self, request: pb.SetItemScopeRequest, context: grpc.ServicerContext
    ) -> pb.SetItemScopeResponse:
        scope = scope_from_proto(request.scope)
        if scope is None:
            raise InvalidArgument("scope", "is required: SCOPE_CLIENT or SCOPE_AGENCY")
        return pb.SetItemScopeResponse(item=item_to_proto(self._service.set_scope(request.id, scope)))

    def ForgetClient(
        self, request: pb.ForgetClientRequest, context: grpc.ServicerContext
    ) -> pb.ForgetClientResponse:
        result = self._service.forget_client(request.client_id)
        response = pb.ForgetClientResponse(
            client_id=result.client_id,
            deleted_count=len(result.deleted_ids),
            per_kind=result.per_kind,
            deleted_ids=[str(i) for i in result.deleted_ids[:MAX_DELETED_IDS]],
            playbook_entries_deleted_count=result.playbook_entries_deleted,
        )
        response.forget_time.FromDatetime(result.forget_time)
        return response

    def ListForgottenClients(
        self, request: pb.ListForgottenClientsRequest, context: grpc.ServicerContext
    ) -> pb.ListForgottenClientsResponse:
        response = pb.ListForgottenClientsResponse()
        for client in self._service.forgotten_clients():
            entry = response.clients.add(
                client_id=client.client_id,
                deleted_count=client.deleted_count,
                discarded_count=client.discarded_count,
            )
            entry.forget_time.FromDatetime(client.forget_time)
        return response
