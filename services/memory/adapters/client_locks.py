"""The per-client lock and forget record every write of a client's data goes through.

Writes (learning items, report versions) take the client's advisory lock shared and read its forget time
inside their transaction; a forget takes it exclusively. So a forget never interleaves with a write of the
same client: either the write lands first and the forget deletes it, or the write sees the forget.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text

CLIENT_LOCK_NAMESPACE = 0x41434D4F


def lock_clients(conn: Any, client_ids: Sequence[str], *, exclusive: bool) -> None:
    """Transaction-scoped locks, taken in sorted order so two writers never wait on each other crosswise."""
    function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    for client_id in sorted({c for c in client_ids if c}):
        conn.execute(
            text(f"SELECT {function}(:ns, hashtext(:client))"),
            {"ns": CLIENT_LOCK_NAMESPACE, "client": client_id},
        )


def forget_times(conn: Any, client_ids: Sequence[str]) -> dict[str, dt.datetime]:
    """When each of these clients was last forgotten (only the forgotten ones appear)."""
    wanted = sorted({c for c in client_ids if c})
    if not wanted:
        return {}
    rows = conn.execute(
        text("SELECT client_id, forget_time FROM forgotten_clients WHERE client_id = ANY(:ids)"),
        {"ids": wanted},
    ).all()
    return {r.client_id: r.forget_time for r in rows}


def count_discarded(conn: Any, per_client: dict[str, int]) -> None:
    """Adds writes discarded for forgotten clients to their forget records."""
    for client_id, n in per_client.items():
        if n:
            conn.execute(
                text(
                    "UPDATE forgotten_clients SET discarded_count = discarded_count + :n "
                    "WHERE client_id = :client"
                ),
                {"n": n, "client": client_id},
            )


def forget_in(conn: Any, client_id: str, forget_time: dt.datetime) -> list[Any]:
    """Deletes every item and archived report version of the client and records the forget at
    `forget_time` (a later forget of the same client keeps the later time), in the caller's transaction
    and under its exclusive client lock. Returns the deleted items' (id, kind) rows.

    The one statement set of a forget: LearningRepository.forget_client and a restore's re-applied forgets
    (adapters/backup.py) both run it."""
    rows = conn.execute(
        text("DELETE FROM learning_examples WHERE client_id = :client RETURNING id, kind"),
        {"client": client_id},
    ).all()
    # Its reports' archived versions go with it (the report archive shares this lock and record), and its
    # playbook with every entry's versions (ON DELETE CASCADE).
    conn.execute(text("DELETE FROM report_versions WHERE client_id = :client"), {"client": client_id})
    conn.execute(text("DELETE FROM playbook_entries WHERE client_id = :client"), {"client": client_id})
    conn.execute(
        text(
            "INSERT INTO forgotten_clients (client_id, forget_time, deleted_count, discarded_count) "
            "VALUES (:client, :time, :deleted, 0) ON CONFLICT (client_id) DO UPDATE SET "
            "forget_time = GREATEST(forgotten_clients.forget_time, EXCLUDED.forget_time), "
            "deleted_count = forgotten_clients.deleted_count + EXCLUDED.deleted_count"
        ),
        {"client": client_id, "time": forget_time, "deleted": len(rows)},
    )
    return list(rows)
