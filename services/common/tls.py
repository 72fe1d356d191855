"""TLS for the gRPC links (gateway -> services, generator -> memory, and every service's server), from
certificate files named by the settings (AICMO_TLS_*, in CommonSettings). Without them every link is
plaintext, as `make run` on one machine needs nothing else.

- A server with AICMO_TLS_CERT_FILE and AICMO_TLS_KEY_FILE serves TLS only (a plaintext client is refused).
- A client with AICMO_TLS_CA_FILE connects with TLS and verifies the server's certificate against that CA
  (and its name: the target's host, or AICMO_TLS_SERVER_NAME when the host is not in the certificate).
- AICMO_TLS_CLIENT_AUTH=true is mutual TLS: servers require a client certificate signed by the CA, and
  clients present their own AICMO_TLS_CERT_FILE / AICMO_TLS_KEY_FILE.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import grpc

from services.common.settings import CommonSettings


class TlsConfigError(ValueError):
    """A TLS file is missing or unreadable (the message names the setting, never the file's content)."""


def _read(path: Path, setting: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise TlsConfigError(f"{setting}: cannot read {path}: {exc.strerror}") from None


def server_credentials(settings: CommonSettings) -> grpc.ServerCredentials | None:
    """TLS credentials for a gRPC server, or None for plaintext (no certificate configured)."""
    if settings.tls_cert_file is None or settings.tls_key_file is None:
        return None
    pair = (
        _read(settings.tls_key_file, "AICMO_TLS_KEY_FILE"),
        _read(settings.tls_cert_file, "AICMO_TLS_CERT_FILE"),
    )
    roots = None
    if settings.tls_client_auth:
        assert settings.tls_ca_file is not None  # the settings' validator requires it
        roots = _read(settings.tls_ca_file, "AICMO_TLS_CA_FILE")
    return grpc.ssl_server_credentials(
        [pair], root_certificates=roots, require_client_auth=settings.tls_client_auth
    )


def channel_credentials(settings: CommonSettings | None) -> grpc.ChannelCredentials | None:
    """TLS credentials for a gRPC client, or None for plaintext (no CA configured)."""
    if settings is None or settings.tls_ca_file is None:
        return None
    key = chain = None
    if settings.tls_client_auth:
        assert settings.tls_cert_file is not None and settings.tls_key_file is not None
        key = _read(settings.tls_key_file, "AICMO_TLS_KEY_FILE")
        chain = _read(settings.tls_cert_file, "AICMO_TLS_CERT_FILE")
    return grpc.ssl_channel_credentials(
        root_certificates=_read(settings.tls_ca_file, "AICMO_TLS_CA_FILE"),
        private_key=key,
        certificate_chain=chain,
    )


def channel_options(settings: CommonSettings | None) -> list[tuple[str, Any]]:
    """Options a TLS channel needs (the name to verify, when it is not the target's host)."""
    if settings is not None and settings.tls_ca_file is not None and settings.tls_server_name:
        return [("grpc.ssl_target_name_override", settings.tls_server_name)]
    return []


def open_channel(
    target: str, settings: CommonSettings | None, options: Sequence[tuple[str, Any]] = ()
) -> grpc.Channel:
    """A channel to `target`: TLS when the settings name a CA, plaintext otherwise (or without settings)."""
    credentials = channel_credentials(settings)
    if credentials is None:
        return grpc.insecure_channel(target, options=list(options))
    return grpc.secure_channel(target, credentials, options=[*options, *channel_options(settings)])
