"""The REST contract, read from the generated protobuf modules: the only description of it the app has.

The gateway (Envoy's gRPC-JSON transcoder) serves each RPC at the path its `google.api.http` annotation
names and prints proto3 JSON with the proto field names (snake_case), zero values and enum names. So the app
parses every response into the generated response message (`parse`, ignoring fields a newer gateway may
add), prints every request from the generated request message (`to_json`), and takes each RPC's HTTP
method, path template and body rule from the annotation (`binding`), so the app keeps no hand-written copy
of routes or shapes; its tests run against the real gateway in front of the real services.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote

from aicmo.generator.v1 import generator_service_pb2 as gpb
from aicmo.memory.v1 import accounts_pb2 as apb
from aicmo.memory.v1 import audit_pb2 as aupb
from aicmo.memory.v1 import memory_service_pb2 as mpb
from aicmo.memory.v1 import playbook_pb2 as ppb
from aicmo.memory.v1 import report_archive_pb2 as rpb
from google.api import annotations_pb2
from google.protobuf import json_format
from google.protobuf.descriptor import MethodDescriptor, ServiceDescriptor
from google.protobuf.message import Message

__all__ = [
    "ACCOUNTS",
    "ARCHIVE",
    "AUDIT",
    "GENERATOR",
    "MEMORY",
    "PLAYBOOK",
    "Binding",
    "apb",
    "aupb",
    "binding",
    "gpb",
    "mpb",
    "parse",
    "parse_dict",
    "ppb",
    "rpb",
    "to_json",
]

M = TypeVar("M", bound=Message)

GENERATOR: ServiceDescriptor = gpb.DESCRIPTOR.services_by_name["GeneratorService"]
MEMORY: ServiceDescriptor = mpb.DESCRIPTOR.services_by_name["MemoryService"]
# The report history (every version of every report), served by the memory service.
ARCHIVE: ServiceDescriptor = rpb.DESCRIPTOR.services_by_name["ReportArchiveService"]
# The client playbook (what the agency and each client decided), served by the memory service.
PLAYBOOK: ServiceDescriptor = ppb.DESCRIPTOR.services_by_name["PlaybookService"]
# Sign-in and people, and the audit trail (admins), served by the memory service.
ACCOUNTS: ServiceDescriptor = apb.DESCRIPTOR.services_by_name["AccountService"]
AUDIT: ServiceDescriptor = aupb.DESCRIPTOR.services_by_name["AuditService"]

_VARIABLE = re.compile(r"\{([a-z_][a-z0-9_.]*)\}")


def parse(text: str | bytes, message_type: type[M]) -> M:
    """A response body as its generated message. Fields this app does not know (a newer gateway) are
    ignored; a value of the wrong type raises json_format.ParseError."""
    return json_format.Parse(text, message_type(), ignore_unknown_fields=True)


def parse_dict(data: dict[str, Any], message_type: type[M], *, strict: bool = False) -> M:
    """Already-decoded JSON as a message (strict: unknown fields are an error, as for a server)."""
    return json_format.ParseDict(data, message_type(), ignore_unknown_fields=not strict)


def to_json(message: Message) -> dict[str, Any]:
    """A message as the gateway reads it: proto field names, enum names, default values left out."""
    return json_format.MessageToDict(message, preserving_proto_field_name=True)


@dataclass(frozen=True)
class Binding:
    """One RPC's REST binding: `GET /api/learn/items/{id}`, and where the request's fields go."""

    method: MethodDescriptor
    http_method: str  # GET, POST, DELETE, ...
    template: str  # e.g. /api/learn/items/{id}/rating
    body: str  # "*" (the whole request), a field name, or "" (no body: fields go in the query)

    @property
    def path_fields(self) -> tuple[str, ...]:
        return tuple(_VARIABLE.findall(self.template))

    def expand(self, request: Message) -> tuple[str, dict[str, Any] | None, dict[str, Any]]:
        """(path, JSON body or None, query parameters) for a request, as the transcoder expects them."""
        fields = to_json(request)
        path = self.template
        for name in self.path_fields:
            value = _get(request, name)
            if value in ("", None):
                raise ValueError(f"{self.method.name}: {name} is required in the path")
            path = path.replace("{" + name + "}", quote(str(value), safe=""))
            fields.pop(name, None)
        if self.body == "*":
            return path, fields, {}
        if self.body:
            return path, fields.get(self.body, {}), {}
        return path, None, fields

    def match(self, http_method: str, path: str) -> dict[str, str] | None:
        """The path variables when `http_method path` is this binding, else None."""
        if http_method != self.http_method:
            return None
        parts = _VARIABLE.split(self.template)  # literal, variable, literal, ...
        pattern = "".join("([^/]+)" if n % 2 else re.escape(part) for n, part in enumerate(parts))
        found = re.fullmatch(pattern, path)
        return None if found is None else dict(zip(self.path_fields, found.groups(), strict=True))


@functools.cache
def binding(service: ServiceDescriptor, method_name: str) -> Binding:
    """The REST binding of one RPC, from its `google.api.http` annotation."""
    method = service.methods_by_name[method_name]
    rule = method.GetOptions().Extensions[annotations_pb2.http]
    kind = rule.WhichOneof("pattern")
    if kind in (None, "custom"):
        raise ValueError(f"{method.full_name} has no plain google.api.http binding")
    return Binding(method=method, http_method=kind.upper(), template=getattr(rule, kind), body=rule.body)


def bindings(*services: ServiceDescriptor) -> list[Binding]:
    """Every RPC of these services that has a REST binding."""
    return [
        binding(service, method.name)
        for service in services
        for method in service.methods
        if method.GetOptions().HasExtension(annotations_pb2.http)
    ]


def _get(message: Message, dotted: str) -> Any:
    value: Any = message
    for part in dotted.split("."):
        value = getattr(value, part)
    return value
