"""The operator app's settings: where the REST gateway is and how to authenticate (environment, `.env`)."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class UISettings(BaseSettings):
    """AICMO_GATEWAY_URL, AICMO_API_TOKEN, AICMO_UI_CONNECT_TIMEOUT_SECONDS, AICMO_UI_READ_TIMEOUT_SECONDS."""

    model_config = SettingsConfigDict(env_prefix="AICMO_", env_file=".env", extra="ignore")

    gateway_url: str = "http://127.0.0.1:8080"
    api_token: SecretStr | None = None
    ui_connect_timeout_seconds: float = Field(default=10.0, gt=0)
    # A whole report can take a while with an LLM; the gateway's generate routes allow 120 s too.
    ui_read_timeout_seconds: float = Field(default=120.0, gt=0)

    def token(self) -> str | None:
        value = self.api_token.get_secret_value().strip() if self.api_token else ""
        return value or None
