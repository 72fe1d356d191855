"""Helpers for the export/import and backup/restore tests: writing a client's learning and reports through
the real memory service, and reading what the database holds, row by row, to compare exactly."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg2
from aicmo.memory.v1 import memory_service_pb2 as pb
from aicmo.memory.v1 import report_archive_pb2 as rpb
from google.protobuf import struct_pb2

from tests.integration.memory.conftest import MemoryHarness

T = 10.0

# Every table holding client data, with how its rows are ordered for comparison.
TABLES = {
    "learning_examples": "id",
    "learning_item_aliases": "alias_id",
    "report_versions": "history_id, version",
    "forgotten_clients": "client_id",
}


def libpq(database_url: str) -> str:
    return database_url.replace("postgresql+psycopg2://", "postgresql://")


def rows(database_url: str, table: str, where: str = "TRUE", params: tuple[Any, ...] = ()) -> list[Any]:
    """Every row of the table as JSON (search_text, generated from the text, left out)."""
    conn = psycopg2.connect(libpq(database_url))
    try:
        with conn.cursor() as cur:
            cur.execute(
                f"SELECT to_jsonb(t) - 'search_text' FROM {table} t WHERE {where} ORDER BY {TABLES[table]}",
                params,
            )
            return [r[0] for r in cur.fetchall()]
    finally:
        conn.close()


def client_snapshot(database_url: str, client_id: str) -> dict[str, list[Any]]:
    """The client's items, aliases and report versions, every column."""
    return {
        "learning_examples": rows(database_url, "learning_examples", "client_id = %s", (client_id,)),
        "learning_item_aliases": rows(
            database_url,
            "learning_item_aliases",
            "item_id IN (SELECT id FROM learning_examples WHERE client_id = %s)",
            (client_id,),
        ),
        "report_versions": rows(database_url, "report_versions", "client_id = %s", (client_id,)),
    }


def database_snapshot(database_url: str) -> dict[str, list[Any]]:
    return {table: rows(database_url, table) for table in TABLES}


def write_client(memory: MemoryHarness, client_id: str) -> dict[str, str]:
    """A client's learning of every kind: items in both scopes, a chosen id that became an alias, ratings
    with notes, and a report with two archived versions. Returns ids by name."""
    stub = memory.stub
    ids: dict[str, str] = {}

    def record(text: str, **item: Any) -> pb.RecordItemResponse:
        response: pb.RecordItemResponse = stub.RecordItem(
            pb.RecordItemRequest(
                item=pb.LearningItem(
                    kind=item.pop("kind", "report_section"), text=text, client_id=client_id, **item
                ),
                item_id=str(uuid.uuid4()),
            ),
            timeout=T,
        )
        return response

    ids["gold"] = record(
        f"{client_id}: the big idea is neighbourhood pride, told by the people who roast the beans",
        title="Core idea",
        section_id="core_campaign_idea",
        tags=["idea", "approved"],
        industry="coffee",
    ).item.id
    ids["weak"] = record(
        f"{client_id}: a generic discount-led plan with no story", section_id="channel_plan"
    ).item.id
    ids["shared"] = record(
        f"{client_id}: an email welcome flow in three steps", kind="uploaded_example"
    ).item.id
    alias = stub.RecordItem(
        pb.RecordItemRequest(
            item=pb.LearningItem(
                kind="report_section",
                text=f"{client_id}: a generic discount-led plan with no story",
                client_id=client_id,
                section_id="channel_plan",
            ),
            item_id=str(uuid.uuid4()),
        ),
        timeout=T,
    )
    ids["alias"] = alias.item.id
    stub.RateItem(
        pb.RateItemRequest(id=ids["gold"], rating="gold", note="the client signed this off"), timeout=T
    )
    stub.RateItem(pb.RateItemRequest(id=ids["weak"], rating="weak", note="too generic"), timeout=T)
    stub.SetItemScope(pb.SetItemScopeRequest(id=ids["shared"], scope=pb.SCOPE_AGENCY), timeout=T)

    history = str(uuid.uuid4())
    brief = struct_pb2.Struct()
    brief.update({"brand_name": client_id.title(), "budget": "EUR 12,000", "goals": ["awareness", "trial"]})
    for n, (stage, text) in enumerate(
        [
            (rpb.VERSION_STAGE_DRAFT, "first draft"),
            (rpb.VERSION_STAGE_REFINE, "refined with the client's notes"),
        ]
    ):
        report_id = history if n == 0 else str(uuid.uuid4())
        stub.BatchRecordItems(
            pb.BatchRecordItemsRequest(
                report_version=rpb.ReportVersion(
                    history_id=history,
                    report_id=report_id,
                    client_id=client_id,
                    client_name=client_id.title(),
                    brand_name=client_id.title(),
                    package_key="quick_social_basic",
                    stage=stage,
                    origin=rpb.VERSION_ORIGIN_GENERATED,
                    note=text,
                    markdown=f"# {client_id.title()}\n\n{text}",
                    sections=[
                        rpb.ArchivedSection(
                            section_id="overview", title="Overview", markdown=text, changed=n == 1
                        )
                    ],
                    brief=brief,
                )
            ),
            timeout=T,
        )
    ids["history"] = history
    return ids
