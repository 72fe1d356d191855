"""People and the audit trail as the service sees them: an account, an audit entry as stored, a new one."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class AccountRow:
    name: str
    role: str
    disabled: bool
    created_at: dt.datetime
    password_hash: str = ""


@dataclass(frozen=True)
class AuditRow:
    seq: int
    entry_id: str
    at: dt.datetime
    person: str
    role: str
    service: str
    action: str
    client_id: str
    target: str
    request_id: str
    outcome: str
    method: str


@dataclass(frozen=True)
class NewAuditEntry:
    action: str
    outcome: str
    person: str = ""
    role: str = ""
    service: str = ""
    client_id: str = ""
    target: str = ""
    request_id: str = ""
    method: str = ""
    entry_id: str = ""
    at: dt.datetime | None = None
