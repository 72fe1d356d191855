"""The built-in account store and the append-only audit trail, in memory's Postgres (migration 0007)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence

import sqlalchemy as sa
from sqlalchemy import Engine

from services.memory.domain.people import AccountRow, AuditRow, NewAuditEntry


class AccountRepository:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def count(self) -> int:
        with self._engine.connect() as conn:
            return int(conn.execute(sa.text("SELECT count(*) FROM accounts")).scalar_one())

    def get(self, name: str) -> AccountRow | None:
        with self._engine.connect() as conn:
            row = conn.execute(
                sa.text(
                    "SELECT name, role, disabled, created_at, password_hash FROM accounts WHERE name = :n"
                ),
                {"n": name},
            ).first()
        return AccountRow(*row) if row else None

    def list(self) -> list[AccountRow]:
        with self._engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT name, role, disabled, created_at FROM accounts ORDER BY name")
            ).all()
        return [AccountRow(*row) for row in rows]

    def create(self, name: str, role: str, password_hash: str) -> AccountRow | None:
        """The new account, or None when the name is taken."""
        with self._engine.begin() as conn:
            row = conn.execute(
                sa.text(
                    "INSERT INTO accounts (name, role, password_hash) VALUES (:n, :r, :h) "
                    "ON CONFLICT (name) DO NOTHING RETURNING name, role, disabled, created_at"
                ),
                {"n": name, "r": role, "h": password_hash},
            ).first()
        return AccountRow(*row) if row else None

    def create_first_admin(self, name: str, password_hash: str) -> bool:
        """Makes the admin only while there is no account at all (two starts at once make one)."""
        with self._engine.begin() as conn:
            conn.execute(sa.text("LOCK TABLE accounts IN SHARE ROW EXCLUSIVE MODE"))
            if conn.execute(sa.text("SELECT EXISTS (SELECT 1 FROM accounts)")).scalar_one():
                return False
            conn.execute(
                sa.text("INSERT INTO accounts (name, role, password_hash) VALUES (:n, 'admin', :h)"),
                {"n": name, "h": password_hash},
            )
        return True

    def update(
        self,
        name: str,
        *,
        role: str | None = None,
        disabled: bool | None = None,
        password_hash: str | None = None,
    ) -> AccountRow | None:
        with self._engine.begin() as conn:
            row = conn.execute(
                sa.text(
                    "UPDATE accounts SET role = COALESCE(:r, role), disabled = COALESCE(:d, disabled), "
                    "password_hash = COALESCE(:h, password_hash), updated_at = now() WHERE name = :n "
                    "RETURNING name, role, disabled, created_at"
                ),
                {"n": name, "r": role, "d": disabled, "h": password_hash},
            ).first()
        return AccountRow(*row) if row else None


_AUDIT_COLUMNS = (
    "seq, entry_id, at, person, role, service, action, client_id, target, request_id, outcome, method"
)


class AuditRepository:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def append(self, entries: Sequence[NewAuditEntry]) -> int:
        """Stores the entries not stored yet (by entry_id); a report's entry without a client gets the
        client its report history is filed under."""
        if not entries:
            return 0
        stored = 0
        with self._engine.begin() as conn:
            for entry in entries:
                history = entry.target.split("/", 1)[0] if not entry.client_id else ""
                try:
                    history_id = str(uuid.UUID(history)) if history else None
                except ValueError:
                    history_id = None
                result = conn.execute(
                    sa.text(
                        "INSERT INTO audit_entries (entry_id, at, person, role, service, action, client_id, "
                        "target, request_id, outcome, method) VALUES (:entry_id, COALESCE(:at, now()), :person, "
                        ":role, :service, :action, COALESCE(NULLIF(:client_id, ''), (SELECT client_id FROM "
                        "report_versions WHERE history_id = CAST(:history AS uuid) LIMIT 1), ''), :target, "
                        ":request_id, :outcome, :method) ON CONFLICT (entry_id) DO NOTHING"
                    ),
                    {
                        "entry_id": entry.entry_id or uuid.uuid4().hex,
                        "at": entry.at,
                        "person": entry.person[:200],
                        "role": entry.role[:16],
                        "service": entry.service[:64],
                        "action": entry.action[:32],
                        "client_id": entry.client_id[:200],
                        "history": history_id,
                        "target": entry.target[:500],
                        "request_id": entry.request_id[:128],
                        "outcome": entry.outcome[:32],
                        "method": entry.method[:200],
                    },
                )
                stored += result.rowcount or 0
        return stored

    def page(
        self,
        *,
        client_id: str = "",
        person: str = "",
        action: str = "",
        limit: int = 50,
        before: int | None = None,
    ) -> list[AuditRow]:
        with self._engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    f"SELECT {_AUDIT_COLUMNS} FROM audit_entries WHERE (:c = '' OR client_id = :c) "
                    "AND (:p = '' OR person = :p) AND (:a = '' OR action = :a) "
                    "AND (CAST(:b AS bigint) IS NULL OR seq < CAST(:b AS bigint)) ORDER BY seq DESC LIMIT :l"
                ),
                {"c": client_id, "p": person, "a": action, "b": before, "l": limit},
            ).all()
        return [AuditRow(*row) for row in rows]

    def all(self, *, client_id: str = "", person: str = "") -> Iterator[AuditRow]:
        """Every matching entry, oldest first (for export), a page at a time."""
        after = 0
        while True:
            with self._engine.connect() as conn:
                rows = conn.execute(
                    sa.text(
                        f"SELECT {_AUDIT_COLUMNS} FROM audit_entries WHERE (:c = '' OR client_id = :c) "
                        "AND (:p = '' OR person = :p) AND seq > :after ORDER BY seq LIMIT 1000"
                    ),
                    {"c": client_id, "p": person, "after": after},
                ).all()
            if not rows:
                return
            for row in rows:
                yield AuditRow(*row)
            after = rows[-1][0]

    def item_client(self, item_id: str) -> str:
        try:
            parsed = uuid.UUID(item_id)
        except ValueError:
            return ""
        with self._engine.connect() as conn:
            found = conn.execute(
                sa.text("SELECT client_id FROM learning_examples WHERE id = :id"), {"id": parsed}
            ).scalar()
        return str(found or "")
