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
