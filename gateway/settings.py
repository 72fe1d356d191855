"""The REST gateway's settings."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from services.common.settings import CommonSettings


class GatewaySettings(CommonSettings):
    """AICMO_GATEWAY_PORT, AICMO_GENERATOR_TARGET, AICMO_MEMORY_TARGET, AICMO_GATEWAY_MAX_BODY_BYTES, ..."""

    gateway_port: int = 8080
    generator_target: str = "127.0.0.1:50051"
    memory_target: str = "127.0.0.1:50052"
    # Request bodies above this get 413 (a refinement carries the previous draft, so it is generous).
    gateway_max_body_bytes: int = Field(default=2 * 1024 * 1024, ge=1024)
    # The generate routes: the UI reads with a 120 s timeout.
    gateway_generate_timeout_seconds: float = Field(default=120.0, gt=0)
    gateway_default_timeout_seconds: float = Field(default=10.0, gt=0)
    # The descriptor set `make protos` builds; the transcoder reads routes and JSON names from it.
    gateway_descriptor: Path = Path(__file__).resolve().parent.parent / "gen" / "aicmo_descriptor.pb"
