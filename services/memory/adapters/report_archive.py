"""Every SQL statement against `report_versions` (the report archive) lives here."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import Engine, text

from services.memory.adapters import client_locks
from services.memory.domain.reports import ReportRow, StoredVersion

# A version of work that started before its client's forget is discarded (see client_locks).
_HISTORY_LOCK_NAMESPACE = 0x41524348  # numbering versions of one history, one writer at a time
_COLUMNS = (
    "history_id, version, report_id, client_id, client_name, brand_name, package_key, package_label, stage, "
    "origin, note, markdown, sections, brief, create_time"
)


def _version(row: Any) -> StoredVersion:
    m = row._mapping
    return StoredVersion(**{k: m[k] for k in StoredVersion.__dataclass_fields__ if k in m})


class ReportArchiveRepository:
    """The ReportArchiveStore over Postgres."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def save(self, version: StoredVersion, work_start_time: dt.datetime | None) -> StoredVersion | None:
        """Stores the version as the history's next one and returns it with its number; returns the stored
        one when this report id was saved before; None when its client was forgotten after the work
        started."""
        with self.engine.begin() as conn:
            client_locks.lock_clients(conn, [version.client_id], exclusive=False)
            forgotten = client_locks.forget_times(conn, [version.client_id]).get(version.client_id)
            if forgotten is not None and work_start_time is not None and work_start_time < forgotten:
                return None
            conn.execute(
                text("SELECT pg_advisory_xact_lock(:ns, hashtext(:history))"),
                {"ns": _HISTORY_LOCK_NAMESPACE, "history": str(version.history_id)},
            )
            existing = conn.execute(
                text(f"SELECT {_COLUMNS} FROM report_versions WHERE report_id = :report"),
                {"report": version.report_id},
            ).first()
            if existing is not None:
                return _version(existing)
            number = conn.execute(
                text("SELECT COALESCE(MAX(version), 0) + 1 FROM report_versions WHERE history_id = :history"),
                {"history": version.history_id},
            ).scalar_one()
            row = conn.execute(
                text(
                    "INSERT INTO report_versions (history_id, version, report_id, client_id, client_name, "
                    "brand_name, package_key, package_label, stage, origin, note, markdown, sections, brief) "
                    "VALUES (:history_id, :version, :report_id, :client_id, :client_name, :brand_name, "
                    ":package_key, :package_label, :stage, :origin, :note, :markdown, "
                    "CAST(:sections AS jsonb), CAST(:brief AS jsonb)) "
                    f"RETURNING {_COLUMNS}"
                ),
                {
                    "history_id": version.history_id,
                    "version": int(number),
                    "report_id": version.report_id,
                    "client_id": version.client_id,
                    "client_name": version.client_name,
                    "brand_name": version.brand_name,
                    "package_key": version.package_key,
                    "package_label": version.package_label,
                    "stage": version.stage,
                    "origin": version.origin,
                    "note": version.note,
                    "markdown": version.markdown,
                    "sections": _json(list(version.sections)),
                    "brief": _json(dict(version.brief)),
                },
            ).one()
        return _version(row)

    def versions(self, history_id: uuid.UUID, limit: int = 500) -> list[StoredVersion]:
        """The history's versions, oldest first, without their text."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT history_id, version, report_id, client_id, client_name, brand_name, package_key, "
                    "package_label, stage, origin, note, create_time, "
                    "(SELECT COALESCE(jsonb_agg(jsonb_build_object('section_id', s->>'section_id', "
                    "'title', s->>'title', 'learned_item_id', s->>'learned_item_id', 'changed', s->'changed', "
                    "'author', s->>'author')), "
                    "'[]'::jsonb) FROM jsonb_array_elements(sections) s) AS sections "
                    "FROM report_versions WHERE history_id = :history ORDER BY version LIMIT :limit"
                ),
                {"history": history_id, "limit": limit},
            ).all()
        return [_version(r) for r in rows]

    def get(self, history_id: uuid.UUID, version: int) -> StoredVersion | None:
        """One version (0: the latest)."""
        where = "history_id = :history" + (" AND version = :version" if version else "")
        with self.engine.connect() as conn:
            row = conn.execute(
                text(f"SELECT {_COLUMNS} FROM report_versions WHERE {where} ORDER BY version DESC LIMIT 1"),
                {"history": history_id, "version": version},
            ).first()
        return _version(row) if row is not None else None

    def reports(
        self, *, client_id: str, size: int, after: tuple[dt.datetime, uuid.UUID] | None
    ) -> list[ReportRow]:
        """Reports (their latest versions), most recently changed first, after the keyset position."""
        conditions = ["TRUE"]
        params: dict[str, Any] = {"size": size}
        if client_id:
            conditions.append("client_id = :client")
            params["client"] = client_id
        outer = ""
        if after is not None:
            outer = "WHERE (latest.create_time, latest.history_id) < (:after_time, :after_id)"
            params["after_time"], params["after_id"] = after
        sql = (
            "WITH latest AS (SELECT DISTINCT ON (history_id) history_id, version, report_id, client_id, "
            "client_name, brand_name, package_key, package_label, stage, origin, note, create_time, "
            "MIN(create_time) OVER (PARTITION BY history_id) AS first_create_time "
            f"FROM report_versions WHERE {' AND '.join(conditions)} ORDER BY history_id, version DESC) "
            f"SELECT * FROM latest {outer} ORDER BY create_time DESC, history_id DESC LIMIT :size"
        )
        with self.engine.connect() as conn:
            rows = conn.execute(text(sql), params).all()
        return [ReportRow(latest=_version(r), first_create_time=r.first_create_time) for r in rows]


def _json(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)
