"""The gRPC face of people (AccountService), the audit trail (AuditService), and memory's AuditSink."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import grpc
from aicmo.memory.v1 import accounts_pb2 as apb
from aicmo.memory.v1 import accounts_pb2_grpc as apb_grpc
from aicmo.memory.v1 import audit_pb2 as aupb
from aicmo.memory.v1 import audit_pb2_grpc as aupb_grpc
from google.protobuf import timestamp_pb2

from services.common.auth import AuditEvent, Identity, current_identity
from services.common.domain_errors import InvalidArgument
from services.common.signing import KeySource, issue_token
from services.memory.adapters.people import AccountRepository, AuditRepository
from services.memory.domain.people import AccountRow, AuditRow, NewAuditEntry
from services.memory.service_layer.people import NameTaken, People, TooManyAttempts

log = logging.getLogger(__name__)

ROLE_TO_PROTO = {"viewer": apb.ROLE_VIEWER, "operator": apb.ROLE_OPERATOR, "admin": apb.ROLE_ADMIN}
ROLE_FROM_PROTO = {v: k for k, v in ROLE_TO_PROTO.items()}
MAX_PAGE = 500


def _timestamp(value: dt.datetime) -> timestamp_pb2.Timestamp:
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(value)
    return stamp


def account_message(row: AccountRow) -> apb.Account:
    return apb.Account(
        name=row.name,
        role=ROLE_TO_PROTO.get(row.role, apb.ROLE_UNSPECIFIED),
        disabled=row.disabled,
        created_at=_timestamp(row.created_at),
    )


def audit_message(row: AuditRow) -> aupb.AuditEntry:
    return aupb.AuditEntry(
        entry_id=row.entry_id,
        at=_timestamp(row.at),
        person=row.person,
        role=row.role,
        service=row.service,
        action=row.action,
        client_id=row.client_id,
        target=row.target,
        request_id=row.request_id,
        outcome=row.outcome,
        method=row.method,
    )


def _role(value: apb.Role.ValueType, field: str = "role") -> str:
    role = ROLE_FROM_PROTO.get(value)
    if role is None:
        raise InvalidArgument(field, "the role must be ROLE_VIEWER, ROLE_OPERATOR or ROLE_ADMIN")
    return role


class AccountServicer(apb_grpc.AccountServiceServicer):
    def __init__(self, people: People, keys: KeySource, ttl_seconds: int) -> None:
        self._people = people
        self._keys = keys
        self._ttl = ttl_seconds

    def SignIn(self, request: apb.SignInRequest, context: grpc.ServicerContext) -> apb.SignInResponse:
        if not request.name:
            raise InvalidArgument("name", "the sign-in name is required")
        if not request.password:
            raise InvalidArgument("password", "the password is required")
        try:
            account = self._people.sign_in(request.name, request.password)
        except TooManyAttempts:
            context.abort(
                grpc.StatusCode.RESOURCE_EXHAUSTED,
                "too many wrong passwords for this name: sign-in is paused for a minute",
            )
            raise
        if account is None:
            context.abort(
                grpc.StatusCode.UNAUTHENTICATED, "wrong name or password, or the account is disabled"
            )
        assert account is not None
        now = dt.datetime.now(dt.UTC)
        token = issue_token(self._keys.current(), account.name, account.role, self._ttl, now.timestamp())
        return apb.SignInResponse(
            token=token,
            account=account_message(account),
            expires_at=_timestamp(now + dt.timedelta(seconds=self._ttl)),
        )

    def WhoAmI(self, request: apb.WhoAmIRequest, context: grpc.ServicerContext) -> apb.WhoAmIResponse:
        who = current_identity()
        return apb.WhoAmIResponse(name=who.person, role=ROLE_TO_PROTO.get(who.role, apb.ROLE_UNSPECIFIED))

    def ListAccounts(
        self, request: apb.ListAccountsRequest, context: grpc.ServicerContext
    ) -> apb.ListAccountsResponse:
        return apb.ListAccountsResponse(accounts=[account_message(a) for a in self._people.accounts.list()])

    def CreateAccount(
        self, request: apb.CreateAccountRequest, context: grpc.ServicerContext
    ) -> apb.CreateAccountResponse:
        try:
            made = self._people.add(request.name, _role(request.role), request.password)
        except NameTaken:
            context.abort(grpc.StatusCode.ALREADY_EXISTS, f"an account named {request.name} exists")
            raise
        return apb.CreateAccountResponse(account=account_message(made))

    def SetAccountRole(
        self, request: apb.SetAccountRoleRequest, context: grpc.ServicerContext
    ) -> apb.SetAccountRoleResponse:
        return apb.SetAccountRoleResponse(
            account=account_message(self._people.set_role(request.name, _role(request.role)))
        )

    def SetAccountDisabled(
        self, request: apb.SetAccountDisabledRequest, context: grpc.ServicerContext
    ) -> apb.SetAccountDisabledResponse:
        if request.disabled and request.name == current_identity().person:
            raise InvalidArgument("name", "an admin cannot disable their own account")
        return apb.SetAccountDisabledResponse(
            account=account_message(self._people.set_disabled(request.name, request.disabled))
        )


class AuditServicer(aupb_grpc.AuditServiceServicer):
    def __init__(self, audit: AuditRepository) -> None:
        self._audit = audit

    def ListAuditEntries(
        self, request: aupb.ListAuditEntriesRequest, context: grpc.ServicerContext
    ) -> aupb.ListAuditEntriesResponse:
        if request.page_size < 0:
            raise InvalidArgument("page_size", "page_size cannot be negative")
        size = min(request.page_size or 50, MAX_PAGE)
        before = None
        if request.page_token:
            if not request.page_token.isdigit() or len(request.page_token) > 19:
                raise InvalidArgument("page_token", "page_token is not one this service gave")
            before = int(request.page_token)
        rows = self._audit.page(
            client_id=request.client_id,
            person=request.person,
            action=request.action,
            limit=size + 1,
            before=before,
        )
        more = len(rows) > size
        rows = rows[:size]
        return aupb.ListAuditEntriesResponse(
            entries=[audit_message(r) for r in rows], next_page_token=str(rows[-1].seq) if more else ""
        )

    def AppendAuditEntries(
        self, request: aupb.AppendAuditEntriesRequest, context: grpc.ServicerContext
    ) -> aupb.AppendAuditEntriesResponse:
        caller = current_identity()
        entries = []
        for i, entry in enumerate(request.entries):
            if not entry.entry_id or not entry.action or not entry.outcome:
                raise InvalidArgument(f"entries[{i}]", "each entry needs entry_id, action and outcome")
            entries.append(
                NewAuditEntry(
                    entry_id=entry.entry_id,
                    at=entry.at.ToDatetime(dt.UTC) if entry.HasField("at") else None,
                    person=entry.person,
                    role=entry.role,
                    service=entry.service or caller.service,
                    action=entry.action,
                    client_id=entry.client_id,
                    target=entry.target,
                    request_id=entry.request_id,
                    outcome=entry.outcome,
                    method=entry.method,
                )
            )
        return aupb.AppendAuditEntriesResponse(appended=self._audit.append(entries))


class MemoryAudit:
    """Memory's AuditSink: each audited call of memory's own methods goes straight to the audit table
    (memory's calls change memory's database, so the entry lands where the change did)."""

    def __init__(self, audit: AuditRepository, accounts: AccountRepository | None = None) -> None:
        self._audit = audit
        self._accounts = accounts

    def describe(self, method: str, request: Any, identity: Identity) -> tuple[str, str]:
        name = method.rsplit("/", 1)[-1]
        if name in ("RateItem", "DeleteItem", "SetItemScope"):
            return self._audit.item_client(request.id), request.id[:200]
        if name == "ForgetClient":
            return request.client_id[:200], ""
        if name == "RecordItem":
            return request.item.client_id[:200], request.item.title[:200]
        if name == "BatchRecordItems":
            clients = {r.item.client_id for r in request.requests}
            return (clients.pop() if len(clients) == 1 else ""), f"{len(request.requests)} item(s)"
        if name in ("SignIn", "CreateAccount", "SetAccountRole", "SetAccountDisabled"):
            return "", request.name[:64]
        return str(getattr(request, "client_id", ""))[:200], str(getattr(request, "entry_id", ""))[:200]

    def record(self, event: AuditEvent) -> None:
        who = event.identity
        if event.action == "upload" and who.service:
            return  # a report's learning: audited as the generate that made it
        person = who.person or (event.target if event.action == "sign_in" else "")
        role = who.role
        if event.action == "sign_in" and event.outcome == "OK" and self._accounts is not None:
            account = self._accounts.get(person)
            role = account.role if account else ""
        self._audit.append(
            [
                NewAuditEntry(
                    action=event.action,
                    outcome=event.outcome,
                    person=person,
                    role=role,
                    service=who.service,
                    client_id=event.client_id,
                    target=event.target,
                    request_id=event.request_id,
                    method=event.method,
                )
            ]
        )
