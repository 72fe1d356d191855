"""The gRPC face of the report archive, and the translation of its messages."""

from __future__ import annotations

import datetime as dt

import grpc
from aicmo.memory.v1 import report_archive_pb2 as rpb
from aicmo.memory.v1 import report_archive_pb2_grpc as rpb_grpc
from google.protobuf import json_format, struct_pb2

from services.memory.domain.model import parse_item_id
from services.memory.domain.reports import StoredVersion
from services.memory.service_layer.reports import ReportArchive

_STAGE_TO_PROTO = {
    "draft": rpb.VERSION_STAGE_DRAFT,
    "refine": rpb.VERSION_STAGE_REFINE,
    "final": rpb.VERSION_STAGE_FINAL,
}
_STAGE_FROM_PROTO = {v: k for k, v in _STAGE_TO_PROTO.items()}
_ORIGIN_TO_PROTO = {
    "generated": rpb.VERSION_ORIGIN_GENERATED,
    "section_edited": rpb.VERSION_ORIGIN_SECTION_EDITED,
    "section_regenerated": rpb.VERSION_ORIGIN_SECTION_REGENERATED,
}
_ORIGIN_FROM_PROTO = {v: k for k, v in _ORIGIN_TO_PROTO.items()}
_AUTHOR_TO_PROTO = {
    "offline": rpb.SECTION_AUTHOR_OFFLINE_COMPOSER,
    "llm": rpb.SECTION_AUTHOR_LANGUAGE_MODEL,
    "operator": rpb.SECTION_AUTHOR_OPERATOR,
}
_AUTHOR_FROM_PROTO = {v: k for k, v in _AUTHOR_TO_PROTO.items()}


def version_from_proto(message: rpb.ReportVersion, prefix: str = "report_version.") -> StoredVersion:
    """The generator's version message as a domain value (the service layer validates the rest)."""
    return StoredVersion(
        history_id=parse_item_id(message.history_id, f"{prefix}history_id"),
        version=0,
        report_id=parse_item_id(message.report_id, f"{prefix}report_id"),
        client_id=message.client_id,
        client_name=message.client_name,
        brand_name=message.brand_name,
        package_key=message.package_key,
        package_label=message.package_label,
        stage=_STAGE_FROM_PROTO.get(message.stage, ""),
        origin=_ORIGIN_FROM_PROTO.get(message.origin, ""),
        note=message.note,
        markdown=message.markdown,
        sections=[
            {
                "section_id": s.section_id,
                "title": s.title,
                "markdown": s.markdown,
                "learned_item_id": s.learned_item_id,
                "changed": s.changed,
                "author": _AUTHOR_FROM_PROTO.get(s.author, ""),
            }
            for s in message.sections
        ],
        brief=json_format.MessageToDict(message.brief) if message.HasField("brief") else {},
    )


def version_to_proto(version: StoredVersion) -> rpb.ReportVersion:
    brief = struct_pb2.Struct()
    brief.update(dict(version.brief))
    message = rpb.ReportVersion(
        history_id=str(version.history_id),
        version=version.version,
        report_id=str(version.report_id),
        client_id=version.client_id,
        client_name=version.client_name,
        brand_name=version.brand_name,
        package_key=version.package_key,
        package_label=version.package_label,
        stage=_STAGE_TO_PROTO.get(version.stage, rpb.VERSION_STAGE_UNSPECIFIED),
        origin=_ORIGIN_TO_PROTO.get(version.origin, rpb.VERSION_ORIGIN_UNSPECIFIED),
        note=version.note,
        markdown=version.markdown,
        sections=[
            rpb.ArchivedSection(
                section_id=str(s.get("section_id") or ""),
                title=str(s.get("title") or ""),
                markdown=str(s.get("markdown") or ""),
                learned_item_id=str(s.get("learned_item_id") or ""),
                changed=bool(s.get("changed")),
                author=_AUTHOR_TO_PROTO.get(str(s.get("author") or ""), rpb.SECTION_AUTHOR_UNSPECIFIED),
            )
            for s in version.sections
        ],
        brief=brief if version.brief else None,
    )
    if version.create_time is not None:
        message.create_time.FromDatetime(version.create_time)
    return message


class ReportArchiveServicer(rpb_grpc.ReportArchiveServiceServicer):
    """aicmo.memory.v1.ReportArchiveService: thin handlers over ReportArchive."""

    def __init__(self, archive: ReportArchive) -> None:
        self._archive = archive

    def ListReports(
        self, request: rpb.ListReportsRequest, context: grpc.ServicerContext
    ) -> rpb.ListReportsResponse:
        page = self._archive.reports(
            client_id=request.client_id, page_size=request.page_size, page_token=request.page_token
        )
        response = rpb.ListReportsResponse(next_page_token=page.next_page_token)
        for row in page.reports:
            latest = row.latest
            summary = response.reports.add(
                history_id=str(latest.history_id),
                client_id=latest.client_id,
                client_name=latest.client_name,
                brand_name=latest.brand_name,
                package_label=latest.package_label,
                latest_version=latest.version,
                latest_stage=_STAGE_TO_PROTO.get(latest.stage, rpb.VERSION_STAGE_UNSPECIFIED),
            )
            summary.create_time.FromDatetime(row.first_create_time)
            if latest.create_time is not None:
                summary.update_time.FromDatetime(latest.create_time)
        return response

    def ListReportVersions(
        self, request: rpb.ListReportVersionsRequest, context: grpc.ServicerContext
    ) -> rpb.ListReportVersionsResponse:
        return rpb.ListReportVersionsResponse(
            versions=[version_to_proto(v) for v in self._archive.versions(request.history_id)]
        )

    def GetReportVersion(
        self, request: rpb.GetReportVersionRequest, context: grpc.ServicerContext
    ) -> rpb.GetReportVersionResponse:
        return rpb.GetReportVersionResponse(
            version=version_to_proto(self._archive.get(request.history_id, request.version))
        )


def work_start(message: object) -> dt.datetime | None:
    """A Timestamp field as an aware datetime, or None when unset."""
    if message is None or (not getattr(message, "seconds", 0) and not getattr(message, "nanos", 0)):
        return None
    return message.ToDatetime(dt.UTC)  # type: ignore[attr-defined, no-any-return]


__all__ = [
    "ReportArchiveServicer",
    "version_from_proto",
    "version_to_proto",
    "work_start",
]
