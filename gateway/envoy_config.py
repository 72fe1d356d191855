"""Envoy's configuration for the REST gateway, built from settings (no hand-edited YAML to drift).

Envoy's gRPC-JSON transcoder turns the `google.api.http` annotations in protos/ into REST routes. The JSON
keeps proto field names (snake_case) and prints zero values, errors become JSON with the HTTP status that
matches the gRPC code, server streams are newline-delimited JSON, unknown paths are 404, a known path with
the wrong method is 405 (with `Allow`), and unknown query parameters are rejected.

Hardening: slow senders are cut off (request headers, whole request, idle connections); request headers are
bounded (431); a client's `grpc-timeout` must be well-formed (else 400, not a 500 from the service); a path
or query parameter that is not UTF-8 once percent-decoded is refused (400 naming it, not a 500 from a
service that cannot parse the request); the number of connections is bounded; and no error message longer
than a bound reaches a client, whoever wrote it (a Lua filter cuts it), nor can an over-long upstream error
turn into a 503.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from google.api import annotations_pb2

from gateway.settings import GatewaySettings
from services.common.timeouts import gateway_deadline

GENERATOR_SERVICE = "aicmo.generator.v1.GeneratorService"
MEMORY_SERVICE = "aicmo.memory.v1.MemoryService"
ARCHIVE_SERVICE = "aicmo.memory.v1.ReportArchiveService"
PLAYBOOK_SERVICE = "aicmo.memory.v1.PlaybookService"
TRANSFER_SERVICE = "aicmo.memory.v1.ClientTransferService"
ACCOUNT_SERVICE = "aicmo.memory.v1.AccountService"
AUDIT_SERVICE = "aicmo.memory.v1.AuditService"
# Routes that write report text (and may call the language model) get the long generate timeout.
GENERATE_METHODS = ("GenerateReport", "StreamGenerateReport", "RegenerateSection", "EditSection")
# gRPC's own syntax: at most 8 digits and a unit (hours, minutes, seconds, milli-, micro-, nanoseconds).
GRPC_TIMEOUT_PATTERN = "^[0-9]{1,8}[HMSmun]$"
# An upstream error (a trailer) up to this size still reaches the gateway, which bounds it; a larger one
# resets the stream (503). Services should not echo unbounded input in the first place.
UPSTREAM_MAX_RESPONSE_HEADERS_KB = 128
HTTP_METHODS = ("get", "put", "post", "delete", "patch")


def _duration(seconds: float) -> str:
    return f"{seconds:.3f}s"


def upstream_tls(settings: GatewaySettings, host: str) -> dict[str, Any]:
    """Envoy's TLS to a service (AICMO_TLS_CA_FILE set): the server's certificate must chain to the CA and
    name the host (or AICMO_TLS_SERVER_NAME); with AICMO_TLS_CLIENT_AUTH Envoy presents its own
    certificate (mutual TLS). ALPN h2, as gRPC needs."""
    assert settings.tls_ca_file is not None
    name = settings.tls_server_name or host
    try:
        ipaddress.ip_address(name)
        san = {"san_type": "IP_ADDRESS", "matcher": {"exact": name}}
    except ValueError:
        san = {"san_type": "DNS", "matcher": {"exact": name}}
    common: dict[str, Any] = {
        "alpn_protocols": ["h2"],
        "validation_context": {
            "trusted_ca": {"filename": str(settings.tls_ca_file.resolve())},
            "match_typed_subject_alt_names": [san],
        },
    }
    if settings.tls_client_auth:
        assert settings.tls_cert_file is not None and settings.tls_key_file is not None
        common["tls_certificates"] = [
            {
                "certificate_chain": {"filename": str(settings.tls_cert_file.resolve())},
                "private_key": {"filename": str(settings.tls_key_file.resolve())},
            }
        ]
    context: dict[str, Any] = {
        "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext",
        "common_tls_context": common,
    }
    if san["san_type"] == "DNS":
        context["sni"] = name
    return {"name": "envoy.transport_sockets.tls", "typed_config": context}


def _cluster(name: str, target: str, settings: GatewaySettings | None = None) -> dict[str, Any]:
    """A cluster of gRPC upstreams; over TLS when `settings` (the services' clusters) name a CA."""
    host, _, port = target.rpartition(":")
    tls = (
        {"transport_socket": upstream_tls(settings, host)}
        if settings is not None and settings.tls_ca_file is not None
        else {}
    )
    return {
        **tls,
        "name": name,
        "type": "STRICT_DNS",
        "connect_timeout": "1s",
        "typed_extension_protocol_options": {
            "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
                "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
                "common_http_protocol_options": {"max_response_headers_kb": UPSTREAM_MAX_RESPONSE_HEADERS_KB},
                "explicit_http_config": {"http2_protocol_options": {}},
            }
        },
        "load_assignment": {
            "cluster_name": name,
            "endpoints": [
                {
                    "lb_endpoints": [
                        {
                            "endpoint": {
                                "address": {"socket_address": {"address": host, "port_value": int(port)}}
                            }
                        }
                    ]
                }
            ],
        },
    }


def _direct_error(status: int, message: str) -> dict[str, Any]:
    """A reply Envoy makes itself; local_reply_config wraps `message` into the JSON error shape."""
    return {"status": status, "body": {"inline_string": message}}


def http_rules(files: Any) -> list[tuple[str, str, str, str]]:
    """(METHOD, path template, body field, request type name) of every `google.api.http` binding in a
    parsed FileDescriptorSet (parsed after this module is imported, so the http option is known)."""
    found: list[tuple[str, str, str, str]] = []
    for file in files.file:
        for service in file.service:
            for method in service.method:
                if not method.options.HasExtension(annotations_pb2.http):
                    continue
                rule = method.options.Extensions[annotations_pb2.http]
                for binding in (rule, *rule.additional_bindings):
                    kind = binding.WhichOneof("pattern")
                    if kind in HTTP_METHODS:
                        verb, template = kind.upper(), getattr(binding, kind)
                    elif kind == "custom":
                        verb, template = binding.custom.kind.upper(), binding.custom.path
                    else:
                        continue
                    found.append((verb, template, binding.body, method.input_type))
    return found


def http_bindings(descriptor: Path) -> list[tuple[str, str]]:
    """(METHOD, path template) of every `google.api.http` binding in the descriptor set."""
    from google.protobuf import descriptor_pb2

    files = descriptor_pb2.FileDescriptorSet()
    files.ParseFromString(descriptor.read_bytes())
    return [(verb, template) for verb, template, _body, _request in http_rules(files)]


def template_regex(template: str) -> str:
    """A google.api.http path template as an RE2 regex over the path (Envoy matches without the query)."""
    verb = ""
    last = template.rsplit("/", 1)[-1]
    if ":" in last and "}" not in last.split(":", 1)[1]:
        template, verb = template.rsplit(":", 1)
    parts: list[str] = []
    for piece in re.split(r"(\{[^}]*\}|\*\*|\*)", template):
        if not piece:
            continue
        if piece.startswith("{"):
            _, _, pattern = piece[1:-1].partition("=")
            parts.append(template_regex(pattern)[1:-1] if pattern and pattern != "*" else "[^/]+")
        elif piece == "**":
            parts.append(".+")
        elif piece == "*":
            parts.append("[^/]+")
        else:
            parts.append(re.escape(piece))
    if verb:
        parts.append(re.escape(":" + verb))
    return "^" + "".join(parts) + "$"


def method_not_allowed_routes(descriptor: Path) -> list[dict[str, Any]]:
    """405 with `Allow` for a known REST path asked with a method it does not have.

    The transcoder turns every request that matches a binding into a gRPC call (matched by the gRPC routes);
    what reaches these routes with a REST path matched no binding, so its method is wrong for the path."""
    allowed: dict[str, set[str]] = defaultdict(set)
    for method, template in http_bindings(descriptor):
        allowed[template].add(method)
    # Literal paths first, so that a literal that a template would also match gets its own Allow.
    ordered = sorted(allowed, key=lambda t: ("{" in t or "*" in t, t))
    routes = []
    for template in ordered:
        methods = ", ".join(sorted(allowed[template]))
        routes.append(
            {
                "match": {"safe_regex": {"regex": template_regex(template)}},
                "direct_response": _direct_error(405, f"method not allowed on this path; allowed: {methods}"),
                "response_headers_to_add": [
                    {
                        "header": {"key": "allow", "value": methods},
                        "append_action": "OVERWRITE_IF_EXISTS_OR_ADD",
                    }
                ],
            }
        )
    return routes


def lua_pattern(template: str) -> tuple[str, list[str]]:
    """A google.api.http path template as an anchored Lua pattern capturing each variable, and the
    variables' names in capture order."""
    verb = ""
    last = template.rsplit("/", 1)[-1]
    if ":" in last and "}" not in last.split(":", 1)[1]:
        template, verb = template.rsplit(":", 1)
    names: list[str] = []

    def pattern(text: str) -> str:
        parts: list[str] = []
        for piece in re.split(r"(\{[^}]*\}|\*\*|\*)", text):
            if not piece:
                continue
            if piece.startswith("{"):
                name, _, inner = piece[1:-1].partition("=")
                names.append(name)
                parts.append("(" + (pattern(inner) if inner and inner != "*" else "[^/]+") + ")")
            elif piece == "**":
                parts.append(".+")
            elif piece == "*":
                parts.append("[^/]+")
            else:
                parts.append(_lua_literal(piece))
        return "".join(parts)

    return "^" + pattern(template) + (_lua_literal(":" + verb) if verb else "") + "$", names


def _lua_literal(text: str) -> str:
    """`text` matched literally in a Lua pattern (its magic characters escaped with %)."""
    return re.sub(r"([\^$()%.\[\]*+\-?])", r"%\1", text)


def _lua_string(text: str) -> str:
    if not text.isascii():
        raise ValueError(f"not ASCII: {text!r}")
    return json.dumps(text)


# Runs on every request before the transcoder. Percent-encoded bytes that are not UTF-8 in a path variable
# or a query parameter would reach a protobuf `string` as they are, and the service could not even parse
# the request (500): refuse them here, 400 naming the parameter (see `bad_parameter_reply`). A path that
# matches no binding is left to the 404 and 405 routes.
NOT_UTF8 = "is not valid UTF-8 once percent-decoded"
_URL_UTF8_LUA = r"""
local ROUTES = {
{{ROUTES}}
}
local NAME_MAX = 64
local WHY = "{{WHY}}"

local function unescape(s)
  return (s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

local function valid_utf8(s)
  -- RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF (what protobuf accepts)
  local i, n = 1, #s
  while i <= n do
    local c = s:byte(i)
    if c < 0x80 then
      i = i + 1
    else
      local need, low, high
      if c >= 0xC2 and c <= 0xDF then need, low, high = 1, 0x80, 0xBF
      elseif c == 0xE0 then need, low, high = 2, 0xA0, 0xBF
      elseif c == 0xED then need, low, high = 2, 0x80, 0x9F
      elseif c >= 0xE1 and c <= 0xEF then need, low, high = 2, 0x80, 0xBF
      elseif c == 0xF0 then need, low, high = 3, 0x90, 0xBF
      elseif c >= 0xF1 and c <= 0xF3 then need, low, high = 3, 0x80, 0xBF
      elseif c == 0xF4 then need, low, high = 3, 0x80, 0x8F
      else return false end
      if i + need > n then return false end
      local b = s:byte(i + 1)
      if b < low or b > high then return false end
      for j = i + 2, i + need do
        b = s:byte(j)
        if b < 0x80 or b > 0xBF then return false end
      end
      i = i + need + 1
    end
  end
  return true
end

local function bounded(s)
  -- at most NAME_MAX bytes of a valid UTF-8 name, never cut inside a character
  if #s <= NAME_MAX then return s end
  local cut = NAME_MAX
  while cut > 0 and s:byte(cut + 1) >= 0x80 and s:byte(cut + 1) < 0xC0 do cut = cut - 1 end
  return s:sub(1, cut)
end

local function refuse(handle, name)
  -- local_reply_config shapes the reply (a BadRequest naming the parameter) when it sees this metadata
  name = bounded(name)
  handle:streamInfo():dynamicMetadata():set("aicmo", "bad_parameter", name)
  handle:respond({[":status"] = "400"}, name .. ": " .. WHY)
end

function envoy_on_request(handle)
  local headers = handle:headers()
  local full = headers:get(":path") or ""
  if not full:find("[%%\128-\255]") then return end
  local method = headers:get(":method")
  local path, query = full:match("^([^?]*)%??(.*)$")
  for _, route in ipairs(ROUTES) do
    if route[1] == method then
      local values = {path:match(route[2])}
      if #values > 0 then
        for i, name in ipairs(route[3]) do
          if not valid_utf8(unescape(values[i])) then return refuse(handle, name) end
        end
        for pair in query:gmatch("[^&]+") do
          local key, value = pair:match("^([^=]*)=?(.*)$")
          local name = unescape(key)
          -- a key that is not UTF-8 itself is named as it was sent (non-ASCII bytes as "?")
          if not valid_utf8(name) then return refuse(handle, (key:gsub("[\128-\255]", "?"))) end
          if not valid_utf8(unescape(value)) then return refuse(handle, name) end
        end
        return
      end
    end
  end
end
"""


def url_utf8_lua(descriptor: Path) -> str:
    """The request check above with the contract's bindings (literal paths first, as in the 405 routes)."""
    bindings = sorted(set(http_bindings(descriptor)), key=lambda b: ("{" in b[1] or "*" in b[1], b[1], b[0]))
    rows = []
    for method, template in bindings:
        pattern, names = lua_pattern(template)
        quoted_names = ", ".join(map(_lua_string, names))
        rows.append(f"  {{{_lua_string(method)}, {_lua_string(pattern)}, {{{quoted_names}}}}},")
    return _URL_UTF8_LUA.replace("{{ROUTES}}", "\n".join(rows)).replace("{{WHY}}", NOT_UTF8)


def bad_parameter_reply() -> dict[str, Any]:
    """A local_reply_config mapper: the URL check's 400 in the shape of a service's INVALID_ARGUMENT (gRPC
    code 3 and a google.rpc.BadRequest naming the parameter), so clients read it like any field error."""
    return {
        "filter": {
            "metadata_filter": {
                "matcher": {
                    "filter": "aicmo",
                    "path": [{"key": "bad_parameter"}],
                    "value": {"present_match": True},
                },
                "match_if_key_not_found": False,
            }
        },
        "body_format_override": {
            "json_format": {
                "code": 3,
                "message": "%LOCAL_REPLY_BODY%",
                "details": [
                    {
                        "@type": "type.googleapis.com/google.rpc.BadRequest",
                        "field_violations": [
                            {"field": "%DYNAMIC_METADATA(aicmo:bad_parameter)%", "description": NOT_UTF8}
                        ],
                    }
                ],
            },
            "content_type": "application/json",
        },
    }


def url_utf8_filter(descriptor: Path) -> dict[str, Any]:
    return {
        "name": "envoy.filters.http.lua",
        "typed_config": {
            "@type": "type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua",
            "default_source_code": {"inline_string": url_utf8_lua(descriptor)},
        },
    }


# Runs on every response, first in the chain, so it also sees the replies of the transcoder and of Envoy
# itself. Only error responses are read (and buffered); streams and successes pass untouched.
_BOUND_ERRORS_LUA = r"""
local MAX = %(max)d

local function utf8_safe(s)
  -- drop a multi-byte character cut in half at the end
  local n = #s
  local i = n
  while i > 0 and i > n - 4 do
    local b = s:byte(i)
    if b < 0x80 then return s end
    if b >= 0xC0 then
      local need = (b >= 0xF0 and 4) or (b >= 0xE0 and 3) or 2
      if n - i + 1 < need then return s:sub(1, i - 1) end
      return s
    end
    i = i - 1
  end
  return s
end

local function json_prefix(s, start, limit)
  -- the first `limit` characters (escapes kept whole) of the JSON string whose content starts at
  -- `start`, and whether that was all of it
  local out, i, n = {}, start, 0
  while i <= #s do
    local c = s:sub(i, i)
    if c == '"' then return table.concat(out), true end
    if n >= limit then return utf8_safe(table.concat(out)), false end
    local piece = c
    if c == "\\" then
      if s:sub(i + 1, i + 1) == "u" then piece = s:sub(i, i + 5) else piece = s:sub(i, i + 1) end
    end
    out[#out + 1] = piece
    n = n + 1
    i = i + #piece
  end
  return utf8_safe(table.concat(out)), false
end

function envoy_on_response(handle)
  local status = tonumber(handle:headers():get(":status")) or 0
  if status < 400 then return end
  local body = handle:body()
  if body == nil then return end
  local size = body:length()
  if size <= MAX then return end
  local text = body:getBytes(0, size)
  local code = text:match('^%%s*{%%s*"code"%%s*:%%s*(%%-?%%d+)') or tostring(status)
  local _, after = text:find('"message"%%s*:%%s*"')
  local message, whole
  if after then
    message, whole = json_prefix(text, after + 1, MAX)
  else
    message, whole = utf8_safe(text:sub(1, MAX)):gsub('[%%c"\\]', " "), false
  end
  -- A short message with a few details (field violations) stays as it is.
  if whole and size <= 4 * MAX then return end
  if not whole then
    message = message .. " ... (cut by the gateway: the message was longer than " .. MAX .. " bytes)"
  end
  body:setBytes('{"code":' .. code .. ',"message":"' .. message .. '","details":[]}')
  handle:headers():replace("content-type", "application/json")
  handle:headers():remove("grpc-message")
  handle:headers():remove("grpc-status-details-bin")
end
"""


def bound_errors_filter(max_chars: int) -> dict[str, Any]:
    return {
        "name": "envoy.filters.http.lua",
        "typed_config": {
            "@type": "type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua",
            "default_source_code": {"inline_string": _BOUND_ERRORS_LUA % {"max": max_chars}},
        },
    }


# The transcoder turns every REST request into a gRPC POST: remember the method the client used, for the
# access log.
_REQUEST_FACTS_LUA = """
function envoy_on_request(handle)
  handle:streamInfo():dynamicMetadata():set("aicmo", "method", handle:headers():get(":method"))
end
"""


def request_facts_filter() -> dict[str, Any]:
    return {
        "name": "envoy.filters.http.lua",
        "typed_config": {
            "@type": "type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua",
            "default_source_code": {"inline_string": _REQUEST_FACTS_LUA},
        },
    }


def otlp_endpoint(environ: Mapping[str, str]) -> tuple[str, int] | None:
    """(host, port) of the OTLP/gRPC collector the standard variables name, or None (tracing off)."""
    raw = environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    if not raw:
        return None
    parsed = urlsplit(raw if "://" in raw else f"http://{raw}")
    return parsed.hostname or "127.0.0.1", parsed.port or 4317


def tracing_config(endpoint: tuple[str, int] | None) -> dict[str, Any]:
    """Envoy's OpenTelemetry tracer: starts (or continues) the W3C trace the services then join."""
    if endpoint is None:
        return {}
    return {
        "tracing": {
            "provider": {
                "name": "envoy.tracers.opentelemetry",
                "typed_config": {
                    "@type": "type.googleapis.com/envoy.config.trace.v3.OpenTelemetryConfig",
                    "grpc_service": {"envoy_grpc": {"cluster_name": "otel_collector"}, "timeout": "1s"},
                    "service_name": os.environ.get("OTEL_SERVICE_NAME_GATEWAY", "aicmo-gateway"),
                },
            },
            "random_sampling": {"value": 100},
        }
    }


def build_config(settings: GatewaySettings, descriptor: Path, log_dir: Path) -> dict[str, Any]:
    """The whole Envoy bootstrap as a dict (Envoy reads JSON as YAML)."""
    generate_timeout = _duration(settings.generate_timeout_seconds)
    default_timeout = _duration(settings.gateway_default_timeout_seconds)
    # Envoy does not turn its route timeout into a gRPC deadline by itself: the generate routes add a
    # grpc-timeout header (unless the client sent one) a little shorter than the route timeout, so the
    # generator finishes, falling back where it must, before Envoy would answer 504.
    upstream_deadline = int(gateway_deadline(settings.generate_timeout_seconds))
    routes: list[dict[str, Any]] = [
        # A client may pass its own gRPC deadline, but only in gRPC's syntax: the services would answer a
        # malformed one with INTERNAL (500).
        {
            "match": {
                "prefix": "/",
                "headers": [
                    {"name": "grpc-timeout", "present_match": True},
                    {
                        "name": "grpc-timeout",
                        "string_match": {"safe_regex": {"regex": GRPC_TIMEOUT_PATTERN}},
                        "invert_match": True,
                    },
                ],
            },
            "direct_response": _direct_error(
                400, "grpc-timeout must be 1 to 8 digits and a unit (H, M, S, m, u or n), e.g. 30S"
            ),
        }
    ]
    # Only gRPC requests (what the transcoder made of a REST call, or a gRPC client) reach the services.
    routes += [
        {
            "match": {"path": f"/{GENERATOR_SERVICE}/{method}", "grpc": {}},
            "route": {"cluster": "generator", "timeout": generate_timeout},
            "request_headers_to_add": [
                {
                    "header": {"key": "grpc-timeout", "value": f"{upstream_deadline}S"},
                    "append_action": "ADD_IF_ABSENT",
                }
            ],
        }
        for method in GENERATE_METHODS
    ]
    routes += [
        {
            "match": {"prefix": f"/{GENERATOR_SERVICE}/", "grpc": {}},
            "route": {"cluster": "generator", "timeout": default_timeout},
        },
        {
            "match": {"prefix": f"/{MEMORY_SERVICE}/", "grpc": {}},
            "route": {"cluster": "memory", "timeout": default_timeout},
        },
        {
            "match": {"prefix": f"/{ARCHIVE_SERVICE}/", "grpc": {}},
            "route": {"cluster": "memory", "timeout": default_timeout},
        },
        {
            "match": {"prefix": f"/{PLAYBOOK_SERVICE}/", "grpc": {}},
            "route": {"cluster": "memory", "timeout": default_timeout},
        },
        {
            "match": {"prefix": f"/{TRANSFER_SERVICE}/", "grpc": {}},
            "route": {"cluster": "memory", "timeout": default_timeout},
        },
        {
            "match": {"prefix": f"/{ACCOUNT_SERVICE}/", "grpc": {}},
            "route": {"cluster": "memory", "timeout": default_timeout},
        },
        {
            "match": {"prefix": f"/{AUDIT_SERVICE}/", "grpc": {}},
            "route": {"cluster": "memory", "timeout": default_timeout},
        },
    ]
    routes += method_not_allowed_routes(descriptor)
    routes.append({"match": {"prefix": "/"}, "direct_response": _direct_error(404, "no such path")})
    # The client's own method and path (before transcoding), the request id, status, time and bytes; never
    # a header that could carry a token.
    access_log_format = (
        '{"timestamp":"%START_TIME%","method":"%DYNAMIC_METADATA(aicmo:method)%",'
        '"path":"%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%","status":%RESPONSE_CODE%,'
        '"duration_ms":%DURATION%,"request_id":"%REQ(X-REQUEST-ID)%","bytes_in":%BYTES_RECEIVED%,'
        '"bytes_out":%BYTES_SENT%}\n'
    )
    endpoint = otlp_endpoint(os.environ)
    connection_manager = {
        "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
        "stat_prefix": "rest",
        "codec_type": "AUTO",
        # x-request-id: the client's if it sent one, else a new one; passed to the services as gRPC metadata
        # and returned on every response, so an operator can quote it.
        "generate_request_id": True,
        "preserve_external_request_id": True,
        "always_set_request_id_in_response": True,
        **tracing_config(endpoint),
        # Slow senders: headers, then the whole request, must arrive in time (408); a stream with nothing
        # moving for the generate timeout is reset; an idle connection is closed.
        "request_headers_timeout": _duration(settings.gateway_request_headers_timeout_seconds),
        "request_timeout": _duration(settings.gateway_request_timeout_seconds),
        "stream_idle_timeout": generate_timeout,
        "common_http_protocol_options": {
            "idle_timeout": _duration(settings.gateway_idle_timeout_seconds),
            # Envoy's edge recommendations: services may treat '_' and '-' alike in header names.
            "headers_with_underscores_action": "REJECT_REQUEST",
        },
        "http2_protocol_options": {
            "max_concurrent_streams": 100,
            "initial_stream_window_size": 65536,
            "initial_connection_window_size": 1048576,
        },
        # Routing (405/404) works on the path: one spelling of it only.
        "normalize_path": True,
        "merge_slashes": True,
        "max_request_headers_kb": settings.gateway_max_request_headers_kb,
        "access_log": [
            {
                "name": "envoy.access_loggers.file",
                "typed_config": {
                    "@type": "type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog",
                    "path": str(log_dir / "gateway-access.log"),
                    "log_format": {"text_format_source": {"inline_string": access_log_format}},
                },
            }
        ],
        # Replies Envoy makes itself (unknown path, unknown query parameter, body too large, upstream
        # down) are JSON too, shaped like the transcoded gRPC errors.
        "local_reply_config": {
            "mappers": [bad_parameter_reply()],
            "body_format": {
                "json_format": {"code": "%RESPONSE_CODE%", "message": "%LOCAL_REPLY_BODY%", "details": []},
                "content_type": "application/json",
            },
        },
        "route_config": {
            "name": "aicmo",
            "virtual_hosts": [{"name": "aicmo", "domains": ["*"], "routes": routes}],
        },
        "http_filters": [
            request_facts_filter(),
            url_utf8_filter(descriptor),
            bound_errors_filter(settings.gateway_max_error_message_bytes),
            {
                "name": "envoy.filters.http.grpc_json_transcoder",
                "typed_config": {
                    "@type": "type.googleapis.com/envoy.extensions.filters.http.grpc_json_transcoder.v3.GrpcJsonTranscoder",
                    "proto_descriptor": str(descriptor.resolve()),
                    "services": [
                        GENERATOR_SERVICE,
                        MEMORY_SERVICE,
                        ARCHIVE_SERVICE,
                        PLAYBOOK_SERVICE,
                        TRANSFER_SERVICE,
                        ACCOUNT_SERVICE,
                        AUDIT_SERVICE,
                    ],
                    "convert_grpc_status": True,
                    "max_request_body_size": settings.gateway_max_body_bytes,
                    "print_options": {
                        "preserve_proto_field_names": True,
                        "always_print_primitive_fields": True,
                        "stream_newline_delimited": True,
                    },
                    # Requests that match no binding pass on untranscoded, to the 405 and 404 routes (a
                    # REST path never matches a gRPC route, which needs a gRPC content type).
                    "request_validation_options": {
                        "reject_unknown_method": False,
                        "reject_unknown_query_parameters": True,
                    },
                },
            },
            {
                "name": "envoy.filters.http.router",
                "typed_config": {
                    "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"
                },
            },
        ],
    }
    return {
        # Envoy's admin (stats at /stats and /stats/prometheus) on loopback only, on a documented port.
        "admin": {
            "address": {"socket_address": {"address": "127.0.0.1", "port_value": settings.gateway_admin_port}}
        },
        "overload_manager": {
            "resource_monitors": [
                {
                    "name": "envoy.resource_monitors.global_downstream_max_connections",
                    "typed_config": {
                        "@type": "type.googleapis.com/envoy.extensions.resource_monitors."
                        "downstream_connections.v3.DownstreamConnectionsConfig",
                        "max_active_downstream_connections": settings.gateway_max_connections,
                    },
                }
            ]
        },
        "static_resources": {
            "listeners": [
                {
                    "name": "rest",
                    "address": {
                        "socket_address": {"address": settings.bind_host, "port_value": settings.gateway_port}
                    },
                    "per_connection_buffer_limit_bytes": settings.gateway_max_body_bytes + 65536,
                    "filter_chains": [
                        {
                            "filters": [
                                {
                                    "name": "envoy.filters.network.http_connection_manager",
                                    "typed_config": connection_manager,
                                }
                            ]
                        }
                    ],
                },
                *([health_listener(settings)] if settings.gateway_health_port else []),
            ],
            "clusters": [
                _cluster("generator", settings.generator_target, settings),
                _cluster("memory", settings.memory_target, settings),
                *([_cluster("otel_collector", f"{endpoint[0]}:{endpoint[1]}")] if endpoint else []),
                *([admin_cluster(settings)] if settings.gateway_health_port else []),
            ],
        },
    }


def health_listener(settings: GatewaySettings) -> dict[str, Any]:
    """The probes' listener (AICMO_GATEWAY_HEALTH_PORT): GET /ready is passed to the admin's /ready, any
    other request is a 404; outside the connection limit, so a busy gateway still answers its probes."""
    return {
        "name": "health",
        "address": {
            "socket_address": {"address": settings.bind_host, "port_value": settings.gateway_health_port}
        },
        "ignore_global_conn_limit": True,
        "filter_chains": [
            {
                "filters": [
                    {
                        "name": "envoy.filters.network.http_connection_manager",
                        "typed_config": {
                            "@type": "type.googleapis.com/envoy.extensions.filters.network."
                            "http_connection_manager.v3.HttpConnectionManager",
                            "stat_prefix": "health",
                            "codec_type": "AUTO",
                            "route_config": {
                                "name": "health",
                                "virtual_hosts": [
                                    {
                                        "name": "health",
                                        "domains": ["*"],
                                        "routes": [
                                            {
                                                "match": {
                                                    "path": "/ready",
                                                    "headers": [
                                                        {"name": ":method", "string_match": {"exact": "GET"}}
                                                    ],
                                                },
                                                "route": {"cluster": "envoy_admin", "timeout": "2s"},
                                            },
                                            {"match": {"prefix": "/"}, "direct_response": {"status": 404}},
                                        ],
                                    }
                                ],
                            },
                            "http_filters": [
                                {
                                    "name": "envoy.filters.http.router",
                                    "typed_config": {
                                        "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"
                                    },
                                }
                            ],
                        },
                    }
                ]
            }
        ],
    }


def admin_cluster(settings: GatewaySettings) -> dict[str, Any]:
    address = {"socket_address": {"address": "127.0.0.1", "port_value": settings.gateway_admin_port}}
    return {
        "name": "envoy_admin",
        "type": "STATIC",
        "connect_timeout": "1s",
        "load_assignment": {
            "cluster_name": "envoy_admin",
            "endpoints": [{"lb_endpoints": [{"endpoint": {"address": address}}]}],
        },
    }


def write_config(settings: GatewaySettings, descriptor: Path) -> Path:
    """Writes the config under $AICMO_DATA_DIR/gateway/ and returns its path."""
    log_dir = settings.data_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    out = settings.data_dir / "gateway" / "envoy.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(build_config(settings, descriptor, log_dir), indent=2))
    return out
