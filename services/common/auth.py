"""Who is calling and what they may do, checked by each service itself (direct gRPC callers included).

Every call except health checks carries `authorization: Bearer <token>`: a signed token (services/common/
signing.py) naming a person and their role, from sign-in (`POST /api/auth/sign_in`), or a service's own
token (the generator calling memory). The role must reach the method's level in `METHOD_ROLES`:

- viewer: read reports and learning;
- operator: + generate, rate, edit, regenerate, upload;
- admin: + forget a client, delete items, share with the agency library, replay/drop set-aside batches,
  manage people and read the audit trail.

A service's token (role `service`) may call what the system needs between services, and it forwards the
person it acts for (`x-aicmo-person`, `x-aicmo-person-role`); that forwarded person is believed only from a
service token. The verified identity is available to handlers as `current_identity()`.

Each call of an audited method (`AUDITED`) is reported to the service's `AuditSink` with its outcome,
refusals included. `AICMO_AUTH=off` turns all of this off (everyone is an anonymous admin, said loudly at
start): only for tests of something else and local experiments.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import grpc

from services.common.observability.context import current_request_id
from services.common.settings import CommonSettings
from services.common.signing import Claims, InvalidToken, KeySet, KeySource, keyset_path, verify_token

log = logging.getLogger(__name__)

HEALTH_PREFIX = "/grpc.health.v1.Health/"
REFLECTION_PREFIX = "/grpc.reflection."
PERSON_HEADER = "x-aicmo-person"
PERSON_ROLE_HEADER = "x-aicmo-person-role"
VERIFIED_CACHE_SIZE = 4096

VIEWER, OPERATOR, ADMIN, SERVICE = "viewer", "operator", "admin", "service"
ROLES = (VIEWER, OPERATOR, ADMIN)
_RANK = {VIEWER: 1, OPERATOR: 2, ADMIN: 3}
# Levels beyond the person roles: anyone (no token), and only a service.
OPEN, SERVICE_ONLY = "open", "service-only"

_G = "/aicmo.generator.v1.GeneratorService/"
_M = "/aicmo.memory.v1.MemoryService/"
_R = "/aicmo.memory.v1.ReportArchiveService/"
_P = "/aicmo.memory.v1.PlaybookService/"
_A = "/aicmo.memory.v1.AccountService/"
_AU = "/aicmo.memory.v1.AuditService/"
_CT = "/aicmo.memory.v1.ClientTransferService/"

# The level each method needs. A method missing here needs admin (tests/unit/test_auth.py checks that
# every method in protos/ is listed, so a new RPC gets a deliberate level).
METHOD_ROLES: dict[str, str] = {
    _G + "CheckHealth": OPEN,
    _G + "ListPackages": VIEWER,
    _G + "ListLearningQueue": VIEWER,
    _G + "UnderstandBrief": OPERATOR,
    _G + "GenerateReport": OPERATOR,
    _G + "StreamGenerateReport": OPERATOR,
    _G + "RegenerateSection": OPERATOR,
    _G + "EditSection": OPERATOR,
    _G + "ReplayLearningBatch": ADMIN,
    _G + "DropLearningBatch": ADMIN,
    _M + "SearchItems": VIEWER,
    _M + "GetSummary": VIEWER,
    _M + "ListItems": VIEWER,
    _M + "GetItem": VIEWER,
    _M + "ListForgottenClients": VIEWER,
    _M + "RecordItem": OPERATOR,
    _M + "BatchRecordItems": OPERATOR,
    _M + "RateItem": OPERATOR,
    _M + "DeleteItem": ADMIN,
    _M + "SetItemScope": ADMIN,
    _M + "ForgetClient": ADMIN,
    _R + "ListReports": VIEWER,
    _R + "ListReportVersions": VIEWER,
    _R + "GetReportVersion": VIEWER,
    _P + "ListPlaybookEntries": VIEWER,
    _P + "ListPlaybookEntryVersions": VIEWER,
    _P + "CreatePlaybookEntry": OPERATOR,
    _P + "UpdatePlaybookEntry": OPERATOR,
    _A + "SignIn": OPEN,
    _A + "WhoAmI": VIEWER,
    _A + "ListAccounts": ADMIN,
    _A + "CreateAccount": ADMIN,
    _A + "SetAccountRole": ADMIN,
    _A + "SetAccountDisabled": ADMIN,
    _AU + "ListAuditEntries": ADMIN,
    _AU + "AppendAuditEntries": SERVICE_ONLY,
    # A client's whole learning in and out (issue 23): admins only.
    _CT + "ExportClient": ADMIN,
    _CT + "ImportClient": ADMIN,
}
# What a service identity may not do even though it may call everything else: manage people.
SERVICE_DENIED = frozenset(m for m in METHOD_ROLES if m.startswith(_A) and m not in (_A + "SignIn",))

# Methods whose every call (allowed or refused) goes to the audit trail, with the action's name.
AUDITED: dict[str, str] = {
    _G + "GenerateReport": "generate",
    _G + "StreamGenerateReport": "generate",
    _G + "RegenerateSection": "regenerate",
    _G + "EditSection": "edit",
    _G + "ReplayLearningBatch": "replay_batch",
    _G + "DropLearningBatch": "drop_batch",
    _M + "RecordItem": "upload",
    _M + "BatchRecordItems": "upload",
    _M + "RateItem": "rate",
    _M + "DeleteItem": "delete",
    _M + "SetItemScope": "share",
    _M + "ForgetClient": "forget",
    _P + "CreatePlaybookEntry": "playbook_edit",
    _P + "UpdatePlaybookEntry": "playbook_edit",
    _A + "SignIn": "sign_in",
    _A + "CreateAccount": "account_add",
    _A + "SetAccountRole": "account_set_role",
    _A + "SetAccountDisabled": "account_disable",
    _CT + "ExportClient": "export",
    _CT + "ImportClient": "import",
}


def required_level(method: str) -> str:
    if method.startswith(HEALTH_PREFIX):
        return OPEN
    if method.startswith(REFLECTION_PREFIX):
        return OPEN  # the contract is no secret (it is in protos/); `grpcurl list` works without a token
    return METHOD_ROLES.get(method, ADMIN)


@dataclass(frozen=True)
class Identity:
    """The person a call is for (`person`, `role`), and the service that made it for them, if any."""

    person: str
    role: str
    service: str = ""


ANONYMOUS = Identity(person="", role="")
_identity: contextvars.ContextVar[Identity] = contextvars.ContextVar("aicmo_identity", default=ANONYMOUS)


def current_identity() -> Identity:
    return _identity.get()


def allows(identity: Identity, method: str) -> bool:
    level = required_level(method)
    if level == OPEN:
        return True
    if identity.service:
        return method not in SERVICE_DENIED
    if level == SERVICE_ONLY:
        return False
    return _RANK.get(identity.role, 0) >= _RANK[level]


@dataclass(frozen=True)
class AuditEvent:
    action: str
    method: str
    identity: Identity
    request_id: str
    outcome: str  # "OK" or the gRPC code's name
    client_id: str = ""
    target: str = ""
    detail: str = ""


class AuditSink(Protocol):
    """Where a service sends its audited calls (memory: its database; the generator: a durable outbox)."""

    def describe(self, method: str, request: Any, identity: Identity) -> tuple[str, str]:
        """(client id, target) of a call, looked at before it runs (a delete still knows its client)."""
        ...

    def record(self, event: AuditEvent) -> None: ...


class Authenticator:
    """Turns a call's metadata into an Identity, or a refusal (code, message)."""

    def __init__(self, keys: KeySource) -> None:
        self.keys = keys
        # Tokens already verified against this key set (a person's token is sent with every call): checking
        # a signature costs tens of microseconds, a lookup well under one.
        self._verified: dict[str, Claims] = {}
        self._verified_for: KeySet | None = None
        self._lock = threading.Lock()

    def _claims(self, token: str) -> Claims:
        keys = self.keys.current()
        with self._lock:
            if keys is not self._verified_for:  # a rotation: what was verified before counts no more
                self._verified, self._verified_for = {}, keys
            cache = self._verified  # the cache of this key set, even if another call swaps it meanwhile
        claims = cache.get(token)
        if claims is not None and claims.expires_at > time.time():
            return claims
        claims = verify_token(keys, token)
        if len(cache) >= VERIFIED_CACHE_SIZE:
            cache.clear()
        cache[token] = claims
        return claims

    def identify(self, metadata: dict[str, str]) -> tuple[Identity | None, str]:
        presented = metadata.get("authorization", "")
        if not presented:
            return None, "sign in first: the call carries no bearer token"
        scheme, _, token = presented.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None, "the authorization header must be 'Bearer <token>'"
        try:
            claims = self._claims(token.strip())
        except InvalidToken as exc:
            return None, str(exc)
        if claims.role == SERVICE:
            person = metadata.get(PERSON_HEADER, "")[:200]
            role = metadata.get(PERSON_ROLE_HEADER, "")
            return Identity(person=person, role=role if role in _RANK else "", service=claims.subject), ""
        if claims.role not in _RANK:
            return None, "the token carries an unknown role"
        return Identity(person=claims.subject, role=claims.role), ""


def _metadata(details: grpc.HandlerCallDetails) -> dict[str, str]:
    found: dict[str, str] = {}
    for key, value in details.invocation_metadata or ():
        found[key] = value if isinstance(value, str) else value.decode(errors="replace")
    return found


def _code_name(context: grpc.ServicerContext, failed: bool) -> str:
    code = context.code() if hasattr(context, "code") else None
    if isinstance(code, grpc.StatusCode):
        return str(code.name)
    return "INTERNAL" if failed else "OK"


class AuthInterceptor(grpc.ServerInterceptor):  # type: ignore[misc]
    """Checks identity and role per method, sets `current_identity()`, and reports audited calls."""

    def __init__(self, authenticator: Authenticator | None, audit: AuditSink | None = None) -> None:
        self._auth = authenticator
        self._audit = audit

    def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], grpc.RpcMethodHandler | None],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler | None:
        method = handler_call_details.method
        level = required_level(method)
        handler = continuation(handler_call_details)
        if handler is None:
            return None
        if level == OPEN and method not in AUDITED:
            return handler
        if self._auth is None:
            identity: Identity | None = Identity(person="anonymous", role=ADMIN)
            refusal: tuple[grpc.StatusCode, str] | None = None
        else:
            identity, problem = self._auth.identify(_metadata(handler_call_details))
            refusal = None
            if level != OPEN:
                if identity is None:
                    refusal = (grpc.StatusCode.UNAUTHENTICATED, problem)
                elif not allows(identity, method):
                    refusal = (
                        grpc.StatusCode.PERMISSION_DENIED,
                        f"{method.rsplit('/', 1)[-1]} needs the {level} role; "
                        f"{identity.person or identity.service} is {identity.role or 'a service'}",
                    )
        who = identity or ANONYMOUS
        action = AUDITED.get(method)
        audit = self._audit if action else None

        def begin(request: Any) -> tuple[str, str]:
            if audit is None:
                return ("", "")
            try:
                return audit.describe(method, request, who)
            except Exception as exc:  # the audit must not turn a call into an error of its own
                log.warning("audit: could not describe %s: %s", method, exc)
                return ("", "")

        def end(context: grpc.ServicerContext, failed: bool, where: tuple[str, str]) -> None:
            if audit is None or action is None:
                return
            outcome = _code_name(context, failed)
            if failed and outcome == "OK":
                outcome = "CANCELLED"
            try:
                audit.record(AuditEvent(action, method, who, current_request_id(), outcome, *where))
            except Exception as exc:
                log.error("audit: could not record %s (%s): %s", action, outcome, exc)

        if handler.unary_unary:
            inner = handler.unary_unary

            def unary(request: Any, context: grpc.ServicerContext) -> Any:
                where = begin(request)
                failed = False
                token = _identity.set(who)
                try:
                    if refusal is not None:
                        context.abort(*refusal)
                    return inner(request, context)
                except BaseException:
                    failed = True
                    raise
                finally:
                    _identity.reset(token)
                    end(context, failed, where)

            return grpc.unary_unary_rpc_method_handler(
                unary, handler.request_deserializer, handler.response_serializer
            )
        if handler.unary_stream:
            inner_stream = handler.unary_stream

            def stream(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
                where = begin(request)
                failed = False
                token = _identity.set(who)
                try:
                    if refusal is not None:
                        context.abort(*refusal)
                    yield from inner_stream(request, context)
                except BaseException:
                    failed = True
                    raise
                finally:
                    _identity.reset(token)
                    end(context, failed, where)

            return grpc.unary_stream_rpc_method_handler(
                stream, handler.request_deserializer, handler.response_serializer
            )
        return handler


def auth_interceptors(
    settings: CommonSettings, service: str, keys: KeySource | None = None, audit: AuditSink | None = None
) -> list[Any]:
    """The interceptor enforcing sign-in and roles (AICMO_AUTH=required, the default), or, with AICMO_AUTH=off,
    one that lets everyone in as an anonymous admin (still audited), with a loud warning."""
    if settings.api_token is not None:
        log.warning(
            "%s: AICMO_API_TOKEN is no longer used: callers sign in (see README, People and roles)", service
        )
    if settings.auth == "off":
        log.warning(
            "%s: AICMO_AUTH=off: no sign-in, everyone who can reach %s is an admin",
            service,
            settings.bind_host,
        )
        return [AuthInterceptor(None, audit)]
    return [AuthInterceptor(Authenticator(keys or key_source(settings)), audit)]


def key_source(settings: CommonSettings) -> KeySource:
    """AICMO_AUTH_KEYS when set, else the key set file under AICMO_DATA_DIR (made on first start)."""
    if settings.auth_keys is not None:
        return KeySource(fixed=KeySet.parse_env(settings.auth_keys.get_secret_value()))
    return KeySource(path=keyset_path(settings.data_dir))


def metadata_for(identity: Identity, service_token: str) -> tuple[tuple[str, str], ...]:
    """What a service sends on a call it makes for `identity`: its own token and the person it acts for."""
    return (
        ("authorization", f"Bearer {service_token}"),
        (PERSON_HEADER, identity.person),
        (PERSON_ROLE_HEADER, identity.role),
    )


class ServiceToken:
    """A service's own token, re-signed before it expires and after a key rotation."""

    def __init__(self, keys: KeySource, service: str, ttl_seconds: int = 3600) -> None:
        self._keys = keys
        self._subject = service
        self._ttl = ttl_seconds
        self._token = ""
        self._kid = ""
        self._renew_at = 0.0

    def get(self) -> str:
        from services.common.signing import issue_token

        keys = self._keys.current()
        now = time.time()
        if now >= self._renew_at or keys.active.kid != self._kid:
            self._token = issue_token(keys, self._subject, SERVICE, self._ttl, now)
            self._kid = keys.active.kid
            self._renew_at = now + self._ttl / 2
        return self._token
