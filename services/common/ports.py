"""Every default port, in one place (each can be changed by the environment variable named beside it)."""

from __future__ import annotations

GENERATOR_GRPC = 50051  # AICMO_GENERATOR_PORT
MEMORY_GRPC = 50052  # AICMO_MEMORY_PORT
GATEWAY_HTTP = 8080  # AICMO_GATEWAY_PORT
UI_HTTP = 8501  # AICMO_UI_PORT
EMBEDDED_POSTGRES = 54329  # AICMO_EMBEDDED_PG_PORT
GENERATOR_METRICS = 9451  # AICMO_GENERATOR_METRICS_PORT
MEMORY_METRICS = 9452  # AICMO_MEMORY_METRICS_PORT
GATEWAY_ADMIN = 9901  # AICMO_GATEWAY_ADMIN_PORT (Envoy's admin: stats, on loopback only)


def local(port: int) -> str:
    """host:port of a service on this machine."""
    return f"127.0.0.1:{port}"
