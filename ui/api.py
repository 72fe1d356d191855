"""The operator app's only way to reach AICMO: a client for the REST gateway that speaks the contract's own
generated messages (see ui/contract.py), so there is no second, hand-written model of it here.

One method per RPC: a generated request message in, the generated response message out. Routes and bodies
come from the RPCs' `google.api.http` annotations. Every failure (gateway not running, too slow, a rejected
field, a service down) becomes a `GatewayError`: `str(error)` says in plain words what happened and what to
do, `error.detail` says the technical part (address, HTTP status, the server's words, what to check) for a
"Technical details" expander. Callers never show a stack trace.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar
from urllib.parse import unquote

import requests
from google.protobuf import json_format
from google.protobuf.message import Message
from google.rpc import error_details_pb2, status_pb2

from services.common import ports
from services.common.timeouts import (
    APP_CONNECT_TIMEOUT_SECONDS,
    DEFAULT_GENERATE_TIMEOUT_SECONDS,
    app_read_timeout,
)
from ui.contract import (
    ACCOUNTS,
    ARCHIVE,
    AUDIT,
    GENERATOR,
    MEMORY,
    PLAYBOOK,
    Binding,
    apb,
    aupb,
    binding,
    gpb,
    mpb,
    parse,
    parse_dict,
    ppb,
    rpb,
)

__all__ = ["GatewayClient", "GatewayError", "Health"]

DEFAULT_CONNECT_TIMEOUT = APP_CONNECT_TIMEOUT_SECONDS
# The app's settings pass their own (ui/common.py); this default follows the same timeout chain.
DEFAULT_READ_TIMEOUT = app_read_timeout(DEFAULT_GENERATE_TIMEOUT_SECONDS)

M = TypeVar("M", bound=Message)

ErrorKind = Literal[
    "unreachable",
    "timeout",
    "invalid",
    "unauthorized",
    "forbidden",
    "not_found",
    "conflict",
    "too_large",
    "unavailable",
    "deadline",
    "server",
    "protocol",
]

# Who answers a route: what to call it when it is down.
_SERVICE_WORDS = {
    GENERATOR.full_name: "AICMO's report writer",
    MEMORY.full_name: "AICMO's memory (what it has learned)",
    ARCHIVE.full_name: "AICMO's report history",
    PLAYBOOK.full_name: "AICMO's client playbook",
    ACCOUNTS.full_name: "AICMO's sign-in",
    AUDIT.full_name: "AICMO's audit trail",
}


class GatewayError(Exception):
    """A call to the gateway failed. `str(error)` is a complete message for the operator, in plain words;
    `detail` is the technical part."""

    def __init__(
        self,
        message: str,
        *,
        kind: ErrorKind,
        detail: str = "",
        status: int | None = None,
        code: int | None = None,
        field: str | None = None,
        server_message: str = "",
        details: tuple[Message, ...] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.kind: ErrorKind = kind
        self.detail = detail
        self.status = status
        self.code = code
        self.field = field
        self.server_message = server_message
        # The status details the server sent, unpacked (google.rpc.BadRequest, CheckHealthResponse, ...).
        self.details = details

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Health:
    """The system's health: the generator's CheckHealthResponse, also when it answered "not serving"."""

    response: gpb.CheckHealthResponse
    # When the gateway answered 503: the server's words on what is down.
    detail: str = ""

    @property
    def serving(self) -> bool:
        """Whether the whole system serves (every component up)."""
        return self.response.state == gpb.SERVING_STATE_SERVING


_FIELD_PREFIX = re.compile(r"^([A-Za-z_][\w.\[\]]*): ")


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


class GatewayClient:
    """Calls to the AICMO REST gateway. Not thread-safe; make one per script run."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self._session = session or requests.Session()
        self._headers = {"Accept": "application/json"}
        if token:
            self._headers["Authorization"] = f"Bearer {token}"

    def close(self) -> None:
        """Closes the HTTP session (its pooled connections)."""
        self._session.close()

    # -- generator --------------------------------------------------------------------------------------

    def health(self) -> Health:
        """The system's health. A 503 (something down) is returned as a non-serving Health, not raised."""
        try:
            response = self._call(
                binding(GENERATOR, "CheckHealth"),
                gpb.CheckHealthRequest(),
                gpb.CheckHealthResponse,
                "checking the system's health",
            )
        except GatewayError as exc:
            if exc.status != 503:
                raise
            # The generator names every component in the failure's details; Envoy alone (generator down)
            # sends none.
            said = next((d for d in exc.details if isinstance(d, gpb.CheckHealthResponse)), None)
            down = gpb.CheckHealthResponse(state=gpb.SERVING_STATE_NOT_SERVING)
            if said is not None:
                down.CopyFrom(said)
                down.state = gpb.SERVING_STATE_NOT_SERVING
            return Health(response=down, detail=exc.server_message)
        return Health(response=response)

    def list_packages(self) -> gpb.ListPackagesResponse:
        """The package catalogue: each package's key, label and sections, the flagship first."""
        return self._call(
            binding(GENERATOR, "ListPackages"),
            gpb.ListPackagesRequest(),
            gpb.ListPackagesResponse,
            "loading the packages",
        )

    def understand_brief(self, brief: gpb.ClientBrief) -> gpb.UnderstoodBrief:
        """What the generator understands from a brief (form fields, further fields and free text alike), as
        every report would read it. Nothing is generated or learned."""
        return self._call(
            binding(GENERATOR, "UnderstandBrief"),
            gpb.UnderstandBriefRequest(client_brief=brief),
            gpb.UnderstandBriefResponse,
            "checking the brief",
        ).understood_brief

    def list_learning_queue(self) -> gpb.ListLearningQueueResponse:
        """The generator's durable learning queue: batches waiting for memory, and batches set aside."""
        return self._call(
            binding(GENERATOR, "ListLearningQueue"),
            gpb.ListLearningQueueRequest(),
            gpb.ListLearningQueueResponse,
            "loading the learning queue",
        )

    def replay_learning_batch(self, name: str) -> gpb.ReplayLearningBatchResponse:
        """Tries to deliver a queued or set-aside batch to memory now."""
        return self._call(
            binding(GENERATOR, "ReplayLearningBatch"),
            gpb.ReplayLearningBatchRequest(name=name),
            gpb.ReplayLearningBatchResponse,
            "replaying the learning batch",
        )

    def drop_learning_batch(self, name: str) -> gpb.DropLearningBatchResponse:
        """Deletes a batch from the queue: its report is then never learned."""
        return self._call(
            binding(GENERATOR, "DropLearningBatch"),
            gpb.DropLearningBatchRequest(name=name),
            gpb.DropLearningBatchResponse,
            "dropping the learning batch",
        )

    def generate_report(self, request: gpb.GenerateReportRequest) -> gpb.GenerateReportResponse:
        """Writes a whole report and waits for it (the app streams instead: `stream_generate_report`)."""
        return self._call(
            binding(GENERATOR, "GenerateReport"), request, gpb.GenerateReportResponse, "generating the report"
        )

    def stream_generate_report(
        self, request: gpb.GenerateReportRequest
    ) -> Iterator[gpb.StreamGenerateReportResponse]:
        """Generates a report, yielding each progress event (started, section_completed, completed) as soon
        as its line arrives. The last event is always `completed`; a stream that ends without it raises."""
        what = "generating the report"
        route = binding(GENERATOR, "StreamGenerateReport")
        response = self._send(route, gpb.StreamGenerateReportRequest(request=request), what, stream=True)
        completed = False
        try:
            # The gateway sends chunked NDJSON, one line per event: each chunk is handed over as soon as it
            # arrives (up to chunk_size bytes at a time), so progress shows while the report is written.
            for raw in response.iter_lines(chunk_size=4096):
                event = self._parse_event(raw, what)
                if event is None:
                    continue
                yield event
                if event.WhichOneof("event") == "completed":
                    completed = True
                    break
        except requests.RequestException as exc:
            raise self._transport_error(exc, what) from None
        finally:
            response.close()
        if not completed:
            raise GatewayError(
                "The report stopped part-way: the connection to AICMO ended before the report was complete. "
                "Try again.",
                kind="protocol",
                detail="The gateway's stream ended without a `completed` event. A service may have stopped; "
                "check the logs under var/logs.",
            )

    def _parse_event(self, line: bytes, what: str) -> gpb.StreamGenerateReportResponse | None:
        # Envoy may frame a server stream as a JSON array; tolerate its brackets and separators.
        text = line.decode("utf-8", errors="replace").strip().lstrip("[").rstrip("]").strip().strip(",")
        if not text.strip():
            return None
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise GatewayError(
                "The report stopped part-way: AICMO sent progress this app cannot read. Try again.",
                kind="protocol",
                detail=f"A progress line from the gateway at {self.base_url} is not a JSON object.",
            )
        if not ({"started", "section_completed", "completed"} & data.keys()) and (
            {"code", "message", "error"} & data.keys()
        ):
            # An error after the stream started arrives as a status instead of an event.
            status = _status(data.get("error") if isinstance(data.get("error"), dict) else data)
            said = status.message or "unknown error"
            kind: ErrorKind
            if status.code == 14:
                kind, plain = "unavailable", "a part of AICMO stopped answering"
            elif status.code == 4:
                kind, plain = "deadline", "it took longer than AICMO allows"
            else:
                kind, plain = "server", "something went wrong inside AICMO"
            raise GatewayError(
                f"The report stopped part-way: {plain}. Try again in a moment.",
                kind=kind,
                detail=f"gRPC status {status.code} during the stream: {said}. Check the logs under var/logs "
                "if it keeps happening.",
                code=status.code,
                server_message=said,
            )
        try:
            event = parse_dict(data, gpb.StreamGenerateReportResponse)
        except json_format.ParseError as exc:
            raise self._protocol_error(what, f"a progress event does not match the contract: {exc}") from None
        return event if event.WhichOneof("event") else None

    def regenerate_section(self, request: gpb.RegenerateSectionRequest) -> gpb.GenerateReportResponse:
        """Writes one section of a report version again (with the operator's instruction); the whole report
        as its new version has it."""
        return self._call(
            binding(GENERATOR, "RegenerateSection"),
            request,
            gpb.RegenerateSectionResponse,
            "writing the section again",
        ).report

    def edit_section(self, request: gpb.EditSectionRequest) -> gpb.GenerateReportResponse:
        """Saves the operator's text for one section as the report's next version; the whole report as that
        version has it."""
        return self._call(
            binding(GENERATOR, "EditSection"), request, gpb.EditSectionResponse, "saving your text"
        ).report

    # -- report history -----------------------------------------------------------------------------------

    def list_reports(self, request: rpb.ListReportsRequest | None = None) -> rpb.ListReportsResponse:
        """A page of reports (one client's when client_id is set), most recently changed first."""
        return self._call(
            binding(ARCHIVE, "ListReports"),
            request or rpb.ListReportsRequest(),
            rpb.ListReportsResponse,
            "listing the reports",
        )

    def list_report_versions(self, history_id: str) -> list[rpb.ReportVersion]:
        """Every version of one report, oldest first, without their text."""
        return list(
            self._call(
                binding(ARCHIVE, "ListReportVersions"),
                rpb.ListReportVersionsRequest(history_id=history_id),
                rpb.ListReportVersionsResponse,
                "loading the report's versions",
            ).versions
        )

    def get_report_version(self, history_id: str, version: int = 0) -> rpb.ReportVersion:
        """One version of a report with its whole text; 0 is the latest."""
        return self._call(
            binding(ARCHIVE, "GetReportVersion"),
            rpb.GetReportVersionRequest(history_id=history_id, version=version),
            rpb.GetReportVersionResponse,
            "opening the report version",
        ).version

    # -- the client playbook -----------------------------------------------------------------------------

    def list_playbook(
        self, client_id: str, *, include_agency: bool = False, include_removed: bool = False
    ) -> list[ppb.PlaybookEntry]:
        """One client's playbook ("" the agency-wide one), pinned first, then newest."""
        return list(
            self._call(
                binding(PLAYBOOK, "ListPlaybookEntries"),
                ppb.ListPlaybookEntriesRequest(
                    client_id=client_id, include_agency=include_agency, include_removed=include_removed
                ),
                ppb.ListPlaybookEntriesResponse,
                "loading the playbook",
            ).entries
        )

    def create_playbook_entry(self, entry: ppb.PlaybookEntry) -> ppb.CreatePlaybookEntryResponse:
        """Adds an entry to a client's (or the agency-wide) playbook."""
        return self._call(
            binding(PLAYBOOK, "CreatePlaybookEntry"),
            ppb.CreatePlaybookEntryRequest(entry=entry),
            ppb.CreatePlaybookEntryResponse,
            "adding the playbook entry",
        )

    def update_playbook_entry(self, request: ppb.UpdatePlaybookEntryRequest) -> ppb.PlaybookEntry:
        """Corrects, pins or unpins, removes or restores an entry: its new version."""
        return self._call(
            binding(PLAYBOOK, "UpdatePlaybookEntry"),
            request,
            ppb.UpdatePlaybookEntryResponse,
            "changing the playbook entry",
        ).entry

    def list_playbook_entry_versions(self, entry_id: str) -> list[ppb.PlaybookEntry]:
        """Every version of one entry, newest first."""
        return list(
            self._call(
                binding(PLAYBOOK, "ListPlaybookEntryVersions"),
                ppb.ListPlaybookEntryVersionsRequest(entry_id=entry_id),
                ppb.ListPlaybookEntryVersionsResponse,
                "loading the entry's versions",
            ).versions
        )

    # -- memory -----------------------------------------------------------------------------------------

    def summary(self) -> mpb.GetSummaryResponse:
        """Memory's totals (by kind, by rating, per day), its storage and embedding model, and its warnings."""
        return self._call(
            binding(MEMORY, "GetSummary"),
            mpb.GetSummaryRequest(),
            mpb.GetSummaryResponse,
            "loading the memory stats",
        )

    def list_items(self, request: mpb.ListItemsRequest | None = None) -> mpb.ListItemsResponse:
        """A page of learned items, newest first, filtered as the request says."""
        return self._call(
            binding(MEMORY, "ListItems"),
            request or mpb.ListItemsRequest(),
            mpb.ListItemsResponse,
            "listing learned items",
        )

    def get_item(self, item_id: str) -> mpb.LearningItem:
        """One learned item, whole."""
        return self._call(
            binding(MEMORY, "GetItem"),
            mpb.GetItemRequest(id=item_id),
            mpb.GetItemResponse,
            "opening the item",
        ).item

    def delete_item(self, item_id: str) -> mpb.DeleteItemResponse:
        """Deletes one learned item (admins)."""
        return self._call(
            binding(MEMORY, "DeleteItem"),
            mpb.DeleteItemRequest(id=item_id),
            mpb.DeleteItemResponse,
            "deleting the item",
        )

    def rate_item(self, item_id: str, verdict: mpb.Rating.ValueType, note: str = "") -> mpb.RateItemResponse:
        """RATING_GOLD, RATING_WEAK, or RATING_UNSPECIFIED to clear. Rating a whole report rates its sections."""
        return self._call(
            binding(MEMORY, "RateItem"),
            mpb.RateItemRequest(id=item_id, verdict=verdict, note=note),
            mpb.RateItemResponse,
            "rating the item",
        )

    def set_item_scope(self, item_id: str, scope: mpb.Scope.ValueType) -> mpb.LearningItem:
        """SCOPE_AGENCY (share with the agency library) or SCOPE_CLIENT (keep it to its client)."""
        return self._call(
            binding(MEMORY, "SetItemScope"),
            mpb.SetItemScopeRequest(id=item_id, scope=scope),
            mpb.SetItemScopeResponse,
            "changing who may learn from the item",
        ).item

    def record_item(self, request: mpb.RecordItemRequest) -> mpb.RecordItemResponse:
        """Learns one uploaded example (or any item the operator records)."""
        return self._call(
            binding(MEMORY, "RecordItem"), request, mpb.RecordItemResponse, "recording the example"
        )

    def search(self, request: mpb.SearchItemsRequest) -> mpb.SearchItemsResponse:
        """for_client_id searches as a report for that client would (its own items and the agency library);
        client_id instead filters on the items' client."""
        return self._call(
            binding(MEMORY, "SearchItems"), request, mpb.SearchItemsResponse, "searching what was learned"
        )

    def forget_client(self, client_id: str) -> mpb.ForgetClientResponse:
        """Deletes everything learned for one client (right to be forgotten), and says what went (admins)."""
        return self._call(
            binding(MEMORY, "ForgetClient"),
            mpb.ForgetClientRequest(client_id=client_id),
            mpb.ForgetClientResponse,
            "forgetting the client",
        )

    def list_forgotten_clients(self) -> mpb.ListForgottenClientsResponse:
        """The clients that were forgotten, newest first."""
        return self._call(
            binding(MEMORY, "ListForgottenClients"),
            mpb.ListForgottenClientsRequest(),
            mpb.ListForgottenClientsResponse,
            "loading the forgotten clients",
        )

    # -- people and the audit trail ---------------------------------------------------------------------

    def sign_in(self, name: str, password: str) -> apb.SignInResponse:
        """Checks a name and password; the response carries the signed token for later calls."""
        return self._call(
            binding(ACCOUNTS, "SignIn"),
            apb.SignInRequest(name=name, password=password),
            apb.SignInResponse,
            "signing in",
        )

    def list_audit(self, request: aupb.ListAuditEntriesRequest) -> aupb.ListAuditEntriesResponse:
        """The audit trail, newest first (admins only)."""
        return self._call(
            binding(AUDIT, "ListAuditEntries"),
            request,
            aupb.ListAuditEntriesResponse,
            "loading the audit trail",
        )

    # -- transport --------------------------------------------------------------------------------------

    def _call(self, route: Binding, request: Message, response_type: type[M], what: str) -> M:
        response = self._send(route, request, what)
        try:
            return parse(response.content, response_type)
        except json_format.ParseError as exc:
            text = response.text.lstrip()
            if text.startswith(("{", "[")):
                raise self._protocol_error(what, f"the answer does not match the contract: {exc}") from None
            raise self._protocol_error(
                what,
                f"HTTP {response.status_code} from {self.base_url} with a body that is not JSON. Is "
                "AICMO_GATEWAY_URL pointing at the AICMO gateway?",
                status=response.status_code,
            ) from None
        finally:
            response.close()

    def _send(
        self, route: Binding, request: Message, what: str, *, stream: bool = False
    ) -> requests.Response:
        try:
            path, body, query = route.expand(request)
        except ValueError as exc:
            raise GatewayError(
                f"{_first_upper(what)} did not work: something this needs is missing.",
                kind="invalid",
                detail=str(exc),
            ) from None
        try:
            response = self._session.request(
                route.http_method,
                f"{self.base_url}{path}",
                params=query or None,
                json=body,
                headers=self._headers,
                timeout=(self.connect_timeout, self.read_timeout),
                stream=stream,
            )
        except requests.RequestException as exc:
            raise self._transport_error(exc, what) from None
        if response.status_code >= 400:
            try:
                raise self._http_error(response, what, route)
            finally:
                response.close()
        return response

    def _protocol_error(self, what: str, detail: str, status: int | None = None) -> GatewayError:
        return GatewayError(
            f"{_first_upper(what)} did not work: the address this app uses for AICMO answered with something "
            "AICMO would not send. Ask whoever runs AICMO to check the app's settings.",
            kind="protocol",
            detail=detail,
            status=status,
        )

    def _transport_error(self, exc: requests.RequestException, what: str) -> GatewayError:
        url = self.base_url
        if isinstance(exc, requests.ConnectTimeout):
            return GatewayError(
                f"AICMO did not answer, so {what} did not work. It may be starting or very busy: try again in "
                "a moment. What you typed is kept.",
                kind="timeout",
                detail=f"The gateway at {url} did not accept a connection within {self.connect_timeout:g} s. "
                "Check that the system is running (`make run`) and that AICMO_GATEWAY_URL is right.",
            )
        if isinstance(exc, requests.ReadTimeout):
            return GatewayError(
                f"{_first_upper(what)} took too long (over {self.read_timeout:g} s), so this page stopped "
                "waiting. AICMO may be very busy: try again in a moment.",
                kind="timeout",
                detail=f"No answer from the gateway at {url} within the read timeout of "
                f"{self.read_timeout:g} s (AICMO_GENERATE_TIMEOUT_SECONDS). Check the logs under var/logs "
                "if it keeps happening.",
            )
        if isinstance(exc, requests.exceptions.InvalidURL | requests.exceptions.MissingSchema):
            return GatewayError(
                f"This app is not set up with a valid address for AICMO, so {what} did not work. Ask whoever "
                "runs AICMO to fix the app's settings.",
                kind="unreachable",
                detail=f"AICMO_GATEWAY_URL ({url!r}) is not a valid URL. Set it to something like "
                f"http://{ports.local(ports.GATEWAY_HTTP)}.",
            )
        if isinstance(exc, requests.ConnectionError):
            return GatewayError(
                f"AICMO is not running or cannot be reached, so {what} did not work. What you typed is kept: "
                "start AICMO (or ask whoever runs it), then try again.",
                kind="unreachable",
                detail=f"No connection to the AICMO gateway at {url} ({type(exc).__name__}). Start the system "
                "with `make run`, or set AICMO_GATEWAY_URL to where the gateway runs.",
            )
        return GatewayError(
            f"The connection to AICMO broke while {what}. Try again.",
            kind="unreachable",
            detail=f"{type(exc).__name__} talking to the gateway at {url}.",
        )

    def _http_error(self, response: requests.Response, what: str, route: Binding) -> GatewayError:
        status = response.status_code
        try:
            body = response.json()
        except (ValueError, requests.RequestException):
            body = None
        parsed = _status(body) if isinstance(body, dict) else status_pb2.Status()
        details = _unpack(parsed)
        server_message = parsed.message or unquote(response.headers.get("grpc-message", ""))
        if not server_message and body is None:
            server_message = (response.text or "").strip()[:300]
        field_name = next(
            (
                v.field
                for d in details
                if isinstance(d, error_details_pb2.BadRequest)
                for v in d.field_violations
            ),
            None,
        )
        if field_name is None and (match := _FIELD_PREFIX.match(server_message)):
            field_name = match.group(1)
        said = server_message or response.reason or f"HTTP {status}"
        What = _first_upper(what)
        technical = f"HTTP {status}" + (f" (gRPC status {parsed.code})" if parsed.code else "") + f": {said}."
        service = route.method.containing_service.full_name
        part = _SERVICE_WORDS.get(service, "a part of AICMO")
        if "memory" in said.lower() and service != MEMORY.full_name:
            part = _SERVICE_WORDS[MEMORY.full_name]
        kind: ErrorKind
        if status == 400:
            kind, message = "invalid", f"{What} did not work: AICMO could not accept what was sent — {said}."
        elif status == 401:
            kind = "unauthorized"
            message = (
                f"{What} did not work: the name or password is wrong, or the account is disabled."
                if service == ACCOUNTS.full_name
                else f"Your sign-in has expired or is not valid, so {what} did not work. Sign in again."
            )
        elif status == 403:
            kind = "forbidden"
            message = f"Your role does not allow this, so {what} did not work. Ask an admin if you need it."
        elif status == 404:
            kind = "not_found"
            message = (
                f"{What} did not work: it was not found. It may have been deleted, or its client forgotten."
            )
        elif status == 409:
            kind = "conflict"
            message = (
                f"{What} did not work: it was changed meanwhile (perhaps in another window). Look at it "
                "again and repeat your change."
            )
        elif status == 413:
            kind = "too_large"
            message = (
                f"{What} did not work: it is too large for AICMO. Shorten the text or upload a smaller file."
            )
        elif status == 429:
            kind = "unavailable"
            message = f"AICMO is very busy right now, so {what} did not work. Try again in a moment."
        elif status == 503:
            kind = "unavailable"
            message = (
                f"{_first_upper(part)} is not available right now, so {what} did not work. Try again in a "
                "minute; if it stays like this, tell whoever runs AICMO."
            )
            technical += " Check the output of `make run` or the logs under var/logs."
        elif status == 504:
            kind = "deadline"
            message = (
                f"{What} took longer than AICMO allows, so it was stopped. AICMO may be very busy: try again "
                "in a moment."
            )
        elif status >= 500:
            kind = "server"
            message = (
                f"Something went wrong inside AICMO, so {what} did not work. Try again; if it keeps "
                "happening, tell whoever runs AICMO (the technical details help them)."
            )
            technical += " Check the logs under var/logs."
        else:
            kind, message = "invalid", f"{What} did not work: AICMO refused it — {said}."
        return GatewayError(
            message,
            kind=kind,
            detail=technical,
            status=status,
            code=parsed.code or None,
            field=field_name,
            server_message=server_message,
            details=details,
        )


def _status(data: Mapping[str, Any] | None) -> status_pb2.Status:
    """A JSON error body as google.rpc.Status; details of types this app does not know are left out."""
    if not isinstance(data, Mapping):
        return status_pb2.Status()
    try:
        return parse_dict(dict(data), status_pb2.Status)
    except json_format.ParseError:
        pass
    try:
        return parse_dict({k: v for k, v in data.items() if k != "details"}, status_pb2.Status)
    except json_format.ParseError:
        return status_pb2.Status(message=str(data.get("message", ""))[:300])


def _unpack(status: status_pb2.Status) -> tuple[Message, ...]:
    """The status details of the types the app reads (field violations, the health of each component)."""
    found: list[Message] = []
    for detail in status.details:
        for kind in (error_details_pb2.BadRequest, gpb.CheckHealthResponse):
            if detail.Is(kind.DESCRIPTOR):
                message = kind()
                detail.Unpack(message)
                found.append(message)
    return tuple(found)
