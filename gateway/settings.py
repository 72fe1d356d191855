"""The REST gateway's settings."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from services.common import ports
from services.common.settings import CommonSettings


class GatewaySettings(CommonSettings):
    """AICMO_GATEWAY_PORT, AICMO_GENERATOR_TARGET, AICMO_MEMORY_TARGET, AICMO_GATEWAY_MAX_BODY_BYTES, ..."""

    gateway_port: int = ports.GATEWAY_HTTP
    gateway_admin_port: int = ports.GATEWAY_ADMIN
    # A listener for probes (Kubernetes) that answers only GET /ready, from Envoy's admin /ready (200 once
    # Envoy is live, 503 while it starts or drains); the admin itself stays on loopback. 0: none.
    gateway_health_port: int = Field(default=0, ge=0)
    generator_target: str = ports.local(ports.GENERATOR_GRPC)
    memory_target: str = ports.local(ports.MEMORY_GRPC)
    # Request bodies above this get 413 (a refinement carries the previous draft, so it is generous).
    gateway_max_body_bytes: int = Field(default=2 * 1024 * 1024, ge=1024)
    gateway_default_timeout_seconds: float = Field(default=10.0, gt=0)
    # Slow senders: the request line and headers must arrive within this (else 408 and the connection
    # closes) ...
    gateway_request_headers_timeout_seconds: float = Field(default=10.0, gt=0)
    # ... and the whole request, body included, within this (else 408). Responses, streams included, are
    # not limited by it: they are under the route timeouts above.
    gateway_request_timeout_seconds: float = Field(default=60.0, gt=0)
    # A connection with no request in flight (keep-alive, or opened and silent) is closed after this.
    gateway_idle_timeout_seconds: float = Field(default=120.0, gt=0)
    # Request line plus headers above this get 431. It keeps what Envoy forwards to the services (which
    # includes the original path) within gRPC's 8 KiB metadata budget.
    gateway_max_request_headers_kb: int = Field(default=8, ge=1, le=96)
    # Connections the gateway holds open at most (Envoy's overload manager refuses more).
    gateway_max_connections: int = Field(default=1024, ge=1)
    # An error message longer than this (UTF-8 bytes) is cut, with a note, before it reaches the client,
    # whichever service or filter wrote it: errors never echo unbounded input.
    gateway_max_error_message_bytes: int = Field(default=1024, ge=64)
    # The descriptor set `make protos` builds; the transcoder reads routes and JSON names from it.
    gateway_descriptor: Path = Path(__file__).resolve().parent.parent / "gen" / "aicmo_descriptor.pb"
