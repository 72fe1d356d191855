"""Settings shared by every AICMO service: environment variables with the AICMO_ prefix, `.env` supported.

Each service has one settings class that extends `CommonSettings`; it is built once in the service's
bootstrap and passed in, never read as a global at import time.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.common import ports
from services.common.timeouts import DEFAULT_GENERATE_TIMEOUT_SECONDS

_TEMP_ROOTS = ("/tmp", "/var/tmp", "/dev/shm")


class CommonSettings(BaseSettings):
    """What every service needs: where data lives, how to log, where to bind, and the API token."""

    model_config = SettingsConfigDict(env_prefix="AICMO_", env_file=".env", extra="ignore")

    data_dir: Path = Path("var")
    log_level: str = "INFO"
    log_format: str = "json"
    bind_host: str = "127.0.0.1"
    # No longer used (callers sign in); a value set is reported at start so nobody relies on it.
    api_token: SecretStr | None = None
    # Sign-in and roles (services/common/auth.py): "required" (the default) or "off" (everyone is an admin;
    # only for tests of something else and local experiments).
    auth: Literal["required", "off"] = "required"
    # Signing keys `kid:secret[,kid:secret...]` (the first signs); unset: $AICMO_DATA_DIR/auth/keyset.json,
    # made on first start and rotated with `python -m services.memory keys` (services/common/signing.py).
    auth_keys: SecretStr | None = None
    # How long a signed-in person's token is valid (they sign in again after).
    auth_token_ttl_seconds: int = Field(default=8 * 3600, ge=60, le=7 * 24 * 3600)
    # On SIGTERM: calls in flight get this long to finish (a report being written, a batch being stored),
    # then they are cancelled and given DRAIN_SECONDS more to notice. Keep it under the orchestrator's
    # termination grace (Kubernetes: 30 s in deploy/).
    shutdown_grace_seconds: float = Field(default=20.0, ge=0, le=300)
    # How long a report may take end to end (the gateway's generate routes); the rest of the timeout chain
    # derives from it (services/common/timeouts.py).
    # Prometheus /metrics of each service, bound like the services (AICMO_BIND_HOST); 0 picks a free port.
    memory_metrics_port: int = ports.MEMORY_METRICS
    generator_metrics_port: int = ports.GENERATOR_METRICS
    generate_timeout_seconds: float = Field(default=DEFAULT_GENERATE_TIMEOUT_SECONDS, ge=5, le=900)
    # TLS on the gRPC links (services/common/tls.py). A server with a certificate and key serves TLS only; a
    # client with a CA verifies its servers with it; client_auth makes it mutual (servers require, clients
    # present, a certificate signed by the CA). server_name: the name the servers' certificates carry when
    # callers reach them by another (e.g. an IP address). All unset: plaintext.
    tls_cert_file: Path | None = None
    tls_key_file: Path | None = None
    tls_ca_file: Path | None = None
    tls_client_auth: bool = False
    tls_server_name: str = ""

    @field_validator("api_token", "auth_keys", mode="before")
    @classmethod
    def _empty_token_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("data_dir")
    @classmethod
    def _absolute_data_dir(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @field_validator("tls_cert_file", "tls_key_file", "tls_ca_file", mode="before")
    @classmethod
    def _empty_path_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _tls_files_go_together(self) -> CommonSettings:
        if (self.tls_cert_file is None) != (self.tls_key_file is None):
            raise ValueError("AICMO_TLS_CERT_FILE and AICMO_TLS_KEY_FILE must be set together")
        if self.tls_client_auth and (self.tls_ca_file is None or self.tls_cert_file is None):
            raise ValueError(
                "AICMO_TLS_CLIENT_AUTH needs AICMO_TLS_CA_FILE, AICMO_TLS_CERT_FILE and AICMO_TLS_KEY_FILE"
            )
        for name, path in (
            ("AICMO_TLS_CERT_FILE", self.tls_cert_file),
            ("AICMO_TLS_KEY_FILE", self.tls_key_file),
            ("AICMO_TLS_CA_FILE", self.tls_ca_file),
        ):
            if path is not None and not os.access(path, os.R_OK):
                raise ValueError(f"{name}: {path} is not a readable file")
        return self

    @property
    def tls_enabled(self) -> bool:
        """True when this process's gRPC links use TLS (as a client: a CA is configured)."""
        return self.tls_ca_file is not None

    @field_validator("log_format")
    @classmethod
    def _known_log_format(cls, value: str) -> str:
        if value not in ("json", "text"):
            raise ValueError("AICMO_LOG_FORMAT must be 'json' or 'text'")
        return value

    def data_dir_is_temporary(self) -> bool:
        """True when data would live under a temp path and may be lost on reboot."""
        roots = {Path(root).resolve() for root in (*_TEMP_ROOTS, tempfile.gettempdir())}
        return any(self.data_dir == root or root in self.data_dir.parents for root in roots)


class OpenAISettings(CommonSettings):
    """The OpenAI client settings, for services that can call OpenAI (or any OpenAI-compatible server).

    OPENAI_API_KEY and OPENAI_BASE_URL are read unprefixed, as the openai SDK's own tooling expects.
    """

    openai_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_API_KEY", "AICMO_OPENAI_API_KEY")
    )
    openai_base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_BASE_URL", "AICMO_OPENAI_BASE_URL")
    )

    @field_validator("openai_api_key", "openai_base_url", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # OPENAI_API_KEY= (empty) means "no key", not an empty key that turns the OpenAI path on.
        return None if isinstance(value, str) and not value.strip() else value


SettingsT = TypeVar("SettingsT", bound=BaseSettings)


def load_settings(cls: type[SettingsT], service: str) -> SettingsT:
    """The service's settings, or one line per wrong setting and exit status 2 (no traceback, and never the
    value itself: it may hold a password)."""
    try:
        return cls()
    except ValidationError as exc:
        for error in exc.errors():
            if error["loc"]:
                name = "AICMO_" + "_".join(str(part) for part in error["loc"]).upper()
                print(f"{service} cannot start: {name}: {error['msg']}", file=sys.stderr)
            else:  # a rule over several settings names them in its message
                print(
                    f"{service} cannot start: {error['msg'].removeprefix('Value error, ')}", file=sys.stderr
                )
        raise SystemExit(2) from None
