"""The operator app's settings: where the REST gateway is, and the agency named on client deliverables
(environment, `.env`)."""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.common import ports
from services.common.timeouts import (
    APP_CONNECT_TIMEOUT_SECONDS,
    DEFAULT_GENERATE_TIMEOUT_SECONDS,
    app_read_timeout,
)


class UISettings(BaseSettings):
    """AICMO_GATEWAY_URL, AICMO_UI_CONNECT_TIMEOUT_SECONDS, AICMO_GENERATE_TIMEOUT_SECONDS, AICMO_AGENCY_NAME.
    (People sign in; the app holds no token of its own.)"""

    model_config = SettingsConfigDict(env_prefix="AICMO_", env_file=".env", extra="ignore")

    gateway_url: str = f"http://{ports.local(ports.GATEWAY_HTTP)}"
    ui_connect_timeout_seconds: float = Field(default=APP_CONNECT_TIMEOUT_SECONDS, gt=0)
    # How long a report may take (the gateway's generate routes); the app waits a little longer.
    generate_timeout_seconds: float = Field(default=DEFAULT_GENERATE_TIMEOUT_SECONDS, ge=5, le=900)
    # The agency named on the cover and in the page header of every PDF and Word report.
    agency_name: str = "AICMO"

    @field_validator("agency_name")
    @classmethod
    def _agency_or_default(cls, value: str) -> str:
        return " ".join(value.split()) or "AICMO"

    @property
    def ui_read_timeout_seconds(self) -> float:
        return app_read_timeout(self.generate_timeout_seconds)
