"""Envoy's configuration for the REST gateway, built from settings (no hand-edited YAML to drift).

Envoy's gRPC-JSON transcoder turns the `google.api.http` annotations in protos/ into REST routes. The JSON
keeps proto field names (snake_case) and prints zero values, errors become JSON with the HTTP status that
matches the gRPC code, server streams are newline-delimited JSON, unknown paths are 404 and unknown query
parameters are rejected.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gateway.settings import GatewaySettings

GENERATOR_SERVICE = "aicmo.generator.v1.GeneratorService"
MEMORY_SERVICE = "aicmo.memory.v1.MemoryService"
GENERATE_METHODS = ("GenerateReport", "StreamGenerateReport")


def _duration(seconds: float) -> str:
    return f"{seconds:.3f}s"


def _cluster(name: str, target: str) -> dict[str, Any]:
    host, _, port = target.rpartition(":")
    return {
        "name": name,
        "type": "STRICT_DNS",
        "connect_timeout": "1s",
        "typed_extension_protocol_options": {
            "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
                "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
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


def _json_error(status: int, code: int, message: str) -> dict[str, Any]:
    return {
        "status": status,
        "body": {"inline_string": json.dumps({"code": code, "message": message, "details": []})},
    }


def build_config(settings: GatewaySettings, descriptor: Path, log_dir: Path) -> dict[str, Any]:
    """The whole Envoy bootstrap as a dict (Envoy reads JSON as YAML)."""
    generate_timeout = _duration(settings.gateway_generate_timeout_seconds)
    default_timeout = _duration(settings.gateway_default_timeout_seconds)
    # Envoy does not turn its route timeout into a gRPC deadline by itself: the generate routes add a
    # grpc-timeout header (unless the client sent one) a little shorter than the route timeout, so the
    # generator finishes, falling back where it must, before Envoy would answer 504.
    upstream_deadline = max(1, int(settings.gateway_generate_timeout_seconds - 2))
    routes: list[dict[str, Any]] = [
        {
            "match": {"path": f"/{GENERATOR_SERVICE}/{method}"},
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
            "match": {"prefix": f"/{GENERATOR_SERVICE}/"},
            "route": {"cluster": "generator", "timeout": default_timeout},
        },
        {
            "match": {"prefix": f"/{MEMORY_SERVICE}/"},
            "route": {"cluster": "memory", "timeout": default_timeout},
        },
        {"match": {"prefix": "/"}, "direct_response": _json_error(404, 5, "no such path")},
    ]
    access_log_format = (
        '{"timestamp":"%START_TIME%","method":"%REQ(:METHOD)%","path":"%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%",'
        '"status":%RESPONSE_CODE%,"grpc_status":"%GRPC_STATUS%","duration_ms":%DURATION%,'
        '"bytes_in":%BYTES_RECEIVED%,"bytes_out":%BYTES_SENT%}\n'
    )
    connection_manager = {
        "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
        "stat_prefix": "rest",
        "codec_type": "AUTO",
        "stream_idle_timeout": generate_timeout,
        "request_timeout": "0s",
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
            "body_format": {
                "json_format": {"code": "%RESPONSE_CODE%", "message": "%LOCAL_REPLY_BODY%", "details": []},
                "content_type": "application/json",
            }
        },
        "route_config": {
            "name": "aicmo",
            "virtual_hosts": [{"name": "aicmo", "domains": ["*"], "routes": routes}],
        },
        "http_filters": [
            {
                "name": "envoy.filters.http.grpc_json_transcoder",
                "typed_config": {
                    "@type": "type.googleapis.com/envoy.extensions.filters.http.grpc_json_transcoder.v3.GrpcJsonTranscoder",
                    "proto_descriptor": str(descriptor.resolve()),
                    "services": [GENERATOR_SERVICE, MEMORY_SERVICE],
                    "convert_grpc_status": True,
                    "max_request_body_size": settings.gateway_max_body_bytes,
                    "print_options": {
                        "preserve_proto_field_names": True,
                        "always_print_primitive_fields": True,
                        "stream_newline_delimited": True,
                    },
                    "request_validation_options": {
                        "reject_unknown_method": True,
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
        "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": 0}}},
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
                }
            ],
            "clusters": [
                _cluster("generator", settings.generator_target),
                _cluster("memory", settings.memory_target),
            ],
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
