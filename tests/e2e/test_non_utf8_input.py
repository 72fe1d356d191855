"""Bytes that are not UTF-8 where the contract has a `string` are the caller's error, never a 500: in every
path and query parameter of every REST route (through the real Envoy: 400 naming the parameter), and in a
direct gRPC call (INVALID_ARGUMENT naming the field). The routes and fields come from the contract itself
(the gateway's descriptor set), so a new route or field is covered without touching this test."""

from __future__ import annotations

import re
from dataclasses import dataclass

import grpc
import pytest
from google.protobuf import descriptor_pb2
from google.rpc import code_pb2, error_details_pb2
from grpc_status import rpc_status

from gateway.envoy_config import http_rules
from gateway.settings import GatewaySettings
from tests.e2e.stack import HttpResponse, StackProcess, http

DESCRIPTOR = GatewaySettings().gateway_descriptor
if not DESCRIPTOR.exists():
    pytest.skip("run `make protos` first", allow_module_level=True)
NOT_UTF8 = "%FF%FE"  # other malformed sequences: test_every_kind_of_bad_utf8_is_refused
SERVICES = {
    "aicmo.generator.v1.GeneratorService": "generator",
    "aicmo.memory.v1.MemoryService": "memory",
    "aicmo.memory.v1.ReportArchiveService": "memory",
    "aicmo.memory.v1.PlaybookService": "memory",
    "aicmo.memory.v1.ClientTransferService": "memory",
}
T = 10.0

FILES = descriptor_pb2.FileDescriptorSet()
FILES.ParseFromString(DESCRIPTOR.read_bytes())
MESSAGES = {
    f".{file.package}.{message.name}": message for file in FILES.file for message in file.message_type
}
NOT_SCALAR = {
    descriptor_pb2.FieldDescriptorProto.TYPE_MESSAGE,
    descriptor_pb2.FieldDescriptorProto.TYPE_GROUP,
}
STRING = descriptor_pb2.FieldDescriptorProto.TYPE_STRING
MESSAGE = descriptor_pb2.FieldDescriptorProto.TYPE_MESSAGE
REPEATED = descriptor_pb2.FieldDescriptorProto.LABEL_REPEATED


@dataclass(frozen=True)
class Route:
    method: str  # HTTP
    template: str
    body: str
    request: descriptor_pb2.DescriptorProto

    @property
    def path_params(self) -> list[str]:
        return [m.group(1) for m in re.finditer(r"\{([^}=]+)(?:=[^}]*)?\}", self.template)]

    @property
    def query_params(self) -> list[str]:
        """Every field the transcoder takes from the query: not bound in the path, not in the body."""
        if self.body == "*":
            return []
        return [
            name for name in _leaf_fields(self.request, "")
            if name not in self.path_params and name.split(".")[0] != self.body
        ]  # fmt: skip

    def url(self, bad: str, value: str) -> str:
        """The path with `value` in path parameter `bad` (harmless values in the others)."""

        def fill(match: re.Match[str]) -> str:
            return value if match.group(1) == bad else "1"

        return re.sub(r"\{([^}=]+)(?:=[^}]*)?\}", fill, self.template)


def _leaf_fields(message: descriptor_pb2.DescriptorProto, prefix: str, depth: int = 0) -> list[str]:
    """The dotted names of the non-message fields of `message` (and of its message fields, a few deep)."""
    names = []
    for field in message.field:
        if field.type not in NOT_SCALAR:
            names.append(prefix + field.name)
        elif field.type == MESSAGE and field.type_name in MESSAGES and depth < 3:
            names += _leaf_fields(MESSAGES[field.type_name], f"{prefix}{field.name}.", depth + 1)
    return names


ROUTES = [
    Route(verb, template, body, MESSAGES[request]) for verb, template, body, request in http_rules(FILES)
]
PATH_CASES = [(r, p) for r in ROUTES for p in r.path_params]
QUERY_CASES = [(r, q) for r in ROUTES for q in r.query_params]


def _send(stack: StackProcess, method: str, path: str) -> HttpResponse:
    body = b"{}" if method in ("POST", "PUT", "PATCH") else None
    return http(method, stack.gateway_url + path, body)


def assert_names(response: HttpResponse, parameter: str) -> None:
    assert response.status == 400, (response.status, response.body[:500])
    payload = response.json()
    assert payload["code"] == code_pb2.INVALID_ARGUMENT
    assert payload["details"][0]["field_violations"][0]["field"] == parameter
    assert payload["message"].startswith(parameter + ":")


def test_the_contract_has_parameters_to_check() -> None:
    # The cases below come from the descriptor: make sure it gave some of each kind.
    assert {p for _, p in PATH_CASES} >= {"id", "client_id", "history_id", "section_id", "name"}
    assert {("/api/learn/items", "client_id"), ("/api/learn/items", "page_token"),
            ("/api/reports", "client_id")} <= {(r.template, q) for r, q in QUERY_CASES}  # fmt: skip
    assert any(r.template.endswith("/stream") for r in ROUTES)


@pytest.mark.parametrize(
    ("route", "parameter"), PATH_CASES, ids=[f"{r.method} {r.template}:{p}" for r, p in PATH_CASES]
)
def test_path_parameters(running_stack: StackProcess, route: Route, parameter: str) -> None:
    assert_names(_send(running_stack, route.method, route.url(parameter, NOT_UTF8)), parameter)


@pytest.mark.parametrize(
    ("route", "parameter"), QUERY_CASES, ids=[f"{r.method} {r.template}?{q}" for r, q in QUERY_CASES]
)
def test_query_parameters(running_stack: StackProcess, route: Route, parameter: str) -> None:
    path = route.url("", "1") + f"?{parameter}={NOT_UTF8}"
    assert_names(_send(running_stack, route.method, path), parameter)


@pytest.mark.parametrize("route", ROUTES, ids=[f"{r.method} {r.template}" for r in ROUTES])
def test_any_query_parameter_on_every_route(running_stack: StackProcess, route: Route) -> None:
    # Also where the contract takes no query (a body route, the stream): the bytes never reach a service.
    assert_names(_send(running_stack, route.method, route.url("", "1") + f"?ok=1&odd={NOT_UTF8}"), "odd")


@pytest.mark.parametrize("encoded", ["%C3%28", "%80", "%C0%AF", "%ED%A0%80", "%F4%90%80%80", "ok%E2%82"])
def test_every_kind_of_bad_utf8_is_refused(running_stack: StackProcess, encoded: str) -> None:
    assert_names(running_stack.get(f"/api/learn/items/{encoded}"), "id")
    assert_names(running_stack.get(f"/api/learn/items?client_id={encoded}"), "client_id")


def test_valid_utf8_still_passes_and_the_service_stays_healthy(running_stack: StackProcess) -> None:
    assert running_stack.get("/api/learn/items?client_id=caf%C3%A9%20%F0%9F%98%80").status == 200
    # A valid UTF-8 id reaches the service, which judges it (not a UTF-8 error).
    response = running_stack.get("/api/learn/items/caf%C3%A9")
    assert response.status == 400 and not response.json()["message"].startswith("id: is not valid UTF-8")
    assert running_stack.delete("/api/learn/items/%FF%FE").status == 400
    assert running_stack.get("/api/health").status == 200
    assert running_stack.get("/api/nope/%FF").status == 404  # an unknown path stays a 404


# Direct gRPC: every string field of every request, sent as the bytes b"\xff\xfe".


def _key(number: int, wire_type: int) -> bytes:
    return _varint(number << 3 | wire_type)


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _length_delimited(number: int, payload: bytes) -> bytes:
    return _key(number, 2) + _varint(len(payload)) + payload


def _string_fields(message: descriptor_pb2.DescriptorProto, depth: int = 0) -> list[tuple[str, bytes]]:
    """(expected field path, request bytes with b"\\xff\\xfe" in it) for each string field, a few deep."""
    cases = []
    for field in message.field:
        if field.type == STRING:
            name = f"{field.name}[0]" if field.label == REPEATED else field.name
            cases.append((name, _length_delimited(field.number, b"\xff\xfe")))
        elif field.type == MESSAGE and field.type_name in MESSAGES and depth < 2:
            inner = MESSAGES[field.type_name]
            if inner.options.map_entry:
                continue
            for path, payload in _string_fields(inner, depth + 1)[:3]:
                index = "[0]" if field.label == REPEATED else ""
                cases.append((f"{field.name}{index}.{path}", _length_delimited(field.number, payload)))
    return cases


GRPC_CASES = [
    (f"/{file.package}.{service.name}/{method.name}", method.server_streaming, path, payload)
    for file in FILES.file
    for service in file.service
    if f"{file.package}.{service.name}" in SERVICES
    for method in service.method
    for path, payload in _string_fields(MESSAGES[method.input_type])
]


def test_the_contract_has_grpc_fields_to_check() -> None:
    assert {(m.rsplit("/", 1)[1], p) for m, _, p, _ in GRPC_CASES} >= {
        ("GetItem", "id"), ("BatchRecordItems", "requests[0].item.kind"), ("ListReports", "client_id"),
    }  # fmt: skip
    assert any(streaming for _, streaming, _, _ in GRPC_CASES)


@pytest.mark.parametrize(
    ("method", "streaming", "field", "payload"), GRPC_CASES, ids=[f"{c[0]}:{c[2]}" for c in GRPC_CASES]
)
def test_direct_grpc_calls(
    running_stack: StackProcess, method: str, streaming: bool, field: str, payload: bytes
) -> None:
    service = method.strip("/").split("/")[0]
    target = running_stack.memory_target if SERVICES[service] == "memory" else running_stack.generator_target
    with grpc.insecure_channel(target) as channel:
        # No serializers: the raw bytes go out as they are.
        call = (channel.unary_stream if streaming else channel.unary_unary)(method)
        with pytest.raises(grpc.RpcError) as caught:
            outcome = call(payload, timeout=T, metadata=running_stack.metadata())
            if streaming:
                list(outcome)
    error = caught.value
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, (error.code(), error.details())
    status = rpc_status.from_call(error)
    assert status is not None
    violations = error_details_pb2.BadRequest()
    assert status.details[0].Unpack(violations)
    assert violations.field_violations[0].field == field


def test_a_corrupt_grpc_request_is_invalid_argument(running_stack: StackProcess) -> None:
    with grpc.insecure_channel(running_stack.memory_target) as channel:
        call = channel.unary_unary("/aicmo.memory.v1.MemoryService/GetItem")
        with pytest.raises(grpc.RpcError) as caught:
            call(_key(1, 2) + _varint(50) + b"short", timeout=T, metadata=running_stack.metadata())
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert running_stack.get("/api/health").status == 200
