"""The gRPC face of client export and import (aicmo.memory.v1.ClientTransferService)."""

from __future__ import annotations

import io
from collections.abc import Mapping

import grpc
from aicmo.memory.v1 import client_transfer_pb2 as tpb
from aicmo.memory.v1 import client_transfer_pb2_grpc as tpb_grpc
from sqlalchemy import Engine

from services.common.domain_errors import InvalidArgument, NotFound
from services.common.text_rules import check_storable
from services.memory.adapters.client_transfer import ImportContext, export_client, import_client
from services.memory.adapters.database import schema_revisions
from services.memory.adapters.forget_ledger import ForgetLedger


def _counts(counts: Mapping[str, int]) -> list[tpb.SectionCount]:
    return [tpb.SectionCount(section=name, rows=n) for name, n in counts.items()]


class ClientTransferServicer(tpb_grpc.ClientTransferServiceServicer):
    def __init__(self, engine: Engine, *, embedding_model: str, ledger: ForgetLedger) -> None:
        self._engine = engine
        self._context = ImportContext(embedding_model=embedding_model)
        self._ledger = ledger

    def ExportClient(
        self, request: tpb.ExportClientRequest, context: grpc.ServicerContext
    ) -> tpb.ExportClientResponse:
        client_id = check_storable("client_id", request.client_id).strip()
        if not client_id:
            raise InvalidArgument("client_id", "is required")
        current, _ = schema_revisions(self._engine)
        out = io.BytesIO()
        summary = export_client(self._engine, client_id, out, schema_version=current)
        if not any(summary.counts.values()):
            raise NotFound(f"no learning items or reports for client {client_id!r}")
        return tpb.ExportClientResponse(
            data=out.getvalue(),
            client_id=client_id,
            counts=_counts(summary.counts),
            body_sha256=summary.body_sha256,
        )

    def ImportClient(
        self, request: tpb.ImportClientRequest, context: grpc.ServicerContext
    ) -> tpb.ImportClientResponse:
        if not request.data:
            raise InvalidArgument("data", "is required: an export file")
        _, known = schema_revisions(self._engine)
        summary = import_client(
            self._engine,
            io.BytesIO(request.data),
            context=self._context,
            known_schema_versions=known,
            bring_back_forgotten=request.bring_back_forgotten,
            ledger=self._ledger,
            where="data",
        )
        return tpb.ImportClientResponse(
            client_id=summary.client_id,
            counts=_counts(summary.counts),
            was_forgotten=summary.was_forgotten,
            requeued_for_embedding=summary.requeued_for_embedding,
        )
